"""Inline rollback annotations: the forward migration says how to undo a statement.

The comments right after a statement (after its ``;``, before the next statement; the
Supabase CLI ignores them) may carry an annotation. The spelling follows Liquibase's
formatted SQL, so people who know it feel at home:

    drop function public.legacy_score(bigint);
    -- rollback: create function public.legacy_score(n bigint) returns bigint
    -- rollback:   language sql immutable as $$ select n * 2 $$;

    update public.settings set theme = 'dark' where theme is null;
    -- rollback: none

    alter table public.events drop column payload;
    -- rollback: irreversible payloads were archived to S3 by the 2025-09 export

    do $$ begin perform public.backfill_scores(); end $$;
    /* rollback
    update public.scores set value = null where backfilled;
    */

Rules implemented here:

- ``-- rollback: <sql>`` or Liquibase's ``--rollback <sql>`` (a colon or a space after the
  word, any case). Several such lines form one piece of SQL, joined by newlines, the way
  Liquibase reads consecutive ``--rollback`` lines.
- ``/* rollback ... */`` or Liquibase's ``/* liquibase rollback ... */``: the SQL between
  the opening line and ``*/`` (text after ``rollback`` on the opening line counts too).
- ``none``: the statement needs no inverse (no step is generated).
- ``irreversible <reason>``: acknowledged as impossible to undo; the rollback shows the
  reason in a clearly marked comment block (no error is raised), and ``check`` counts it
  as resolved. A reason is required.
- Anything else after ``rollback`` must be SQL that pglast parses; each statement is
  rendered as written, ending with ``;``.
- Comments that do not start with ``rollback`` (``-- rollbacks are hard``, ``/* note */``)
  are ordinary comments.

A comment that starts like an annotation but is not a well-formed one is *ignored* and
reported (``Ignored``: a warning naming ``path:line``), never an error: real migrations
carry notes such as ``-- Rollback notes:``, ``-- Rollback Script (if needed)``, an empty
``-- Rollback:`` heading over commented-out SQL, or a ``-- Rollback: <sql>`` header
before the first statement. Ignored are: text that is not valid SQL (a note when its
first word does not start an SQL statement), an empty annotation, ``none`` with
something after it, ``irreversible`` without a reason, ``none``/``irreversible``
combined with other annotations of the same statement, and anything before the first
statement of a file (it belongs to no statement). The statement then keeps the inverse
the generator inferred (or its manual step), exactly as without the comment. A
well-formed annotation is always honoured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError, parse_sql

from .parse import Statement, statement_span
from .steps import Hazard, Step

# "-- rollback: x", "--rollback x", "-- ROLLBACK:" (word, then ":" / whitespace / end)
_LINE = re.compile(r"^--\s*rollback(?::|\s|$)\s?(.*)$", re.I | re.S)
# "/* rollback", "/* liquibase rollback", "/*rollback:" ...
_BLOCK = re.compile(r"^/\*\s*(?:liquibase\s+)?rollback(?::|\s|\*/|$)", re.I)
_KEYWORD = re.compile(r"^(none|irreversible)\b\s*(.*)$", re.I | re.S)
_HINT = (
    "write `-- rollback: <sql>`, `-- rollback: none` (nothing to undo) or "
    "`-- rollback: irreversible <reason>`"
)


# Words that can start an SQL statement (PostgreSQL's grammar). Text after `rollback` that
# does not parse and starts with none of them is a note ("Rollback notes:", "Rollback
# Script (if needed)", "Rollback: restore from backup"), not SQL with a typo.
_SQL_START = frozenset(
    "abort alter analyse analyze begin call checkpoint close cluster comment commit copy create "
    "deallocate declare delete discard do drop end execute explain fetch grant import insert "
    "listen load lock merge move notify prepare reassign refresh reindex release reset revoke "
    "rollback savepoint security select set show start table truncate unlisten update vacuum "
    "values with".split()
)
_WORD = re.compile(r"[(\s]*([A-Za-z_]+)")
_KEPT = "the statement keeps its generated inverse"
_NOTE = "if it is a note, reword it, e.g. `-- To roll back: ...`"


@dataclass(frozen=True)
class Ignored:
    """A comment that looks like a rollback annotation but is not a well-formed one. It is
    ignored (the statement keeps its inferred inverse) and reported as a warning."""

    path: Path
    line: int
    message: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class Annotation:
    """What the migration says about undoing one statement."""

    kind: str  # "sql" | "none" | "irreversible"
    line: int  # 1-based line of the annotation's first comment
    path: Path
    sql: tuple[str, ...] = ()  # complete statements, each ending with ";" (kind "sql")
    reason: str = ""  # kind "irreversible"
    concurrent: bool = False  # some statement cannot run in a transaction block
    destroys: tuple[str, ...] = ()  # what the annotated SQL visibly drops or overwrites

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class _Piece:
    line: int
    text: str  # the payload: SQL or keyword
    comment: str  # the comment's first line, as written (quoted in warnings)

    @property
    def quoted(self) -> str:
        first = " ".join(self.comment.split())
        return f"`{first if len(first) <= 60 else first[:59] + '…'}`"


def _comments(text: str, first_line: int) -> list[tuple[int, str, bool]]:
    """The comments of ``text`` (whitespace, ``;`` and comments only) as
    (line, text, is_block). Block comments nest, as in PostgreSQL."""
    out: list[tuple[int, str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append((first_line + text.count("\n", 0, i), text[i:j].rstrip(), False))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append((first_line + text.count("\n", 0, i), text[i:j], True))
            i = j
        else:
            i += 1
    return out


def _pieces(text: str, first_line: int) -> list[_Piece]:
    pieces: list[_Piece] = []
    for line, comment, block in _comments(text, first_line):
        if block:
            m = _BLOCK.match(comment)
            if m:
                body = comment[m.end() :] if not m.group(0).endswith("*/") else ""
                body = body[:-2] if body.endswith("*/") else body
                pieces.append(_Piece(line, body.strip(), comment.split("\n", 1)[0]))
        else:
            m = _LINE.match(comment)
            if m:
                pieces.append(_Piece(line, m.group(1).rstrip(), comment))
    return pieces


def _is_concurrent(node: ast.Node) -> bool:
    if isinstance(node, (ast.IndexStmt, ast.DropStmt)):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return any(getattr(p, "defname", "") == "concurrently" for p in node.params or ())
    return isinstance(node, (ast.VacuumStmt, ast.CreatedbStmt, ast.DropdbStmt))


_DATA_OBJECTS = {
    ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_MATVIEW: "materialized view",
    ObjectType.OBJECT_SCHEMA: "schema",
    ObjectType.OBJECT_TYPE: "type",
    ObjectType.OBJECT_DOMAIN: "domain",
    ObjectType.OBJECT_EXTENSION: "extension",
}


def _destroys(node: ast.Node) -> list[str]:
    """What an annotated statement visibly destroys (for the data-loss hazard); the SQL
    is the team's and is not analysed further."""
    if isinstance(node, ast.DropStmt) and node.removeType in _DATA_OBJECTS:
        return [f"drops {_DATA_OBJECTS[node.removeType]} {_names(o)}" for o in node.objects or ()]
    if isinstance(node, ast.AlterTableStmt):
        return [
            f"drops column {cmd.name} of {_names(node.relation)}"
            for cmd in node.cmds or ()
            if isinstance(cmd, ast.AlterTableCmd) and cmd.subtype == AlterTableType.AT_DropColumn
        ]
    if isinstance(node, ast.TruncateStmt):
        return [f"truncates {', '.join(_names(r) for r in node.relations or ())}"]
    if isinstance(node, ast.DeleteStmt):
        return [f"deletes rows of {_names(node.relation)}"]
    if isinstance(node, ast.UpdateStmt):
        return [f"overwrites values of {_names(node.relation)}"]
    return []


def _names(obj: object) -> str:
    if isinstance(obj, ast.RangeVar):
        return ".".join(p for p in (obj.schemaname, obj.relname) if p)
    if isinstance(obj, ast.String):
        return obj.sval
    if isinstance(obj, ast.TypeName):
        return _names(obj.names)
    if isinstance(obj, (tuple, list)):
        return ".".join(_names(o) for o in obj)
    return str(obj)


def _ignored(piece: _Piece, path: Path, problem: str, advice: str = f"to annotate, {_HINT}") -> Ignored:
    return Ignored(path, piece.line, f"{piece.quoted} {problem}: ignored, {_KEPT} ({advice})")


def _sql_annotation(first: _Piece, path: Path, text: str) -> Annotation | Ignored:
    try:
        raws = parse_sql(text)
    except ParseError as exc:
        word = _WORD.match(text)
        if word is None or word.group(1).lower() not in _SQL_START:
            return _ignored(first, path, "reads as a note, not as a rollback annotation", _NOTE)
        return _ignored(first, path, f"is not a valid SQL rollback annotation ({exc.args[0]})")
    statements: list[str] = []
    concurrent = False
    destroys: list[str] = []
    for raw in raws:
        start, end = statement_span(text, raw)
        sql = text[start:end].strip()
        if sql:
            statements.append(sql.rstrip(";").rstrip() + ";")
            concurrent = concurrent or _is_concurrent(raw.stmt)
            destroys.extend(_destroys(raw.stmt))
    if not statements:
        return _ignored(first, path, "holds no SQL statement")
    return Annotation("sql", first.line, path, sql=tuple(statements), concurrent=concurrent, destroys=tuple(destroys))


def read_annotation(stmt: Statement) -> Annotation | Ignored | None:
    """The annotation in the comments right after ``stmt``; ``Ignored`` when a comment
    there looks like one but is not well-formed; None when there is none."""
    pieces = _pieces(stmt.trailing_text, stmt.trailing_line)
    if not pieces:
        return None
    keywords = [(p, _KEYWORD.match(p.text)) for p in pieces]
    keywords = [(p, m) for p, m in keywords if m]
    if keywords:
        p, m = keywords[0]
        word, rest = m.group(1).lower(), " ".join(m.group(2).split())
        if len(pieces) > 1:
            other = next(q for q in pieces if q is not p)
            return _ignored(other, stmt.path, f"cannot be combined with `rollback: {word}` (line {p.line}) "
                                              "for the same statement; neither is used")
        if word == "none":
            if rest:
                return _ignored(p, stmt.path, f"is not `rollback: none`, which takes nothing after it (found {rest!r})")
            return Annotation("none", p.line, stmt.path)
        if not rest:
            return _ignored(p, stmt.path, "has no reason",
                            "write the reason after the word, e.g. `-- rollback: irreversible the old values were never kept`")
        return Annotation("irreversible", p.line, stmt.path, reason=rest)
    text = "\n".join(p.text for p in pieces).strip()
    if not text:
        return _ignored(pieces[0], stmt.path, "is an empty rollback annotation",
                        "an annotation's SQL goes on the same line, or on following lines that each start with "
                        f"`-- rollback:`; {_NOTE}")
    return _sql_annotation(pieces[0], stmt.path, text)


def annotation_for(stmt: Statement) -> Annotation | None:
    """The well-formed annotation right after ``stmt``, or None (see ``read_annotation``)."""
    found = read_annotation(stmt)
    return found if isinstance(found, Annotation) else None


def stray_annotations(text: str, path: Path, statements: list[Statement]) -> Ignored | None:
    """The rollback comments placed before the first statement of a file, as one warning:
    they cannot belong to any statement, so they are ignored."""
    head = text.lstrip("\ufeff").replace("\r\n", "\n")
    if statements:
        first = statements[0]
        cut = 0
        for _ in range(first.line - 1):
            cut = head.index("\n", cut) + 1
        head = head[:cut]
    pieces = _pieces(head, 1)
    if not pieces:
        return None
    more = f" (and {len(pieces) - 1} more rollback comment{'s' if len(pieces) > 2 else ''} after it)" if len(pieces) > 1 else ""
    return Ignored(path, pieces[0].line, f"{pieces[0].quoted}{more} comes before the first statement, so it "
                                         "belongs to no statement: ignored (an annotation goes right after the "
                                         "statement it undoes)")


def _first_line(sql: str, width: int = 72) -> str:
    line = " ".join(sql.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def annotation_steps(
    annotation: Annotation, stmt: Statement, search_path: tuple[str, ...], inferred: list[Step] = ()
) -> list[Step]:
    """The rollback steps an annotation stands for (they replace the ``inferred`` ones).

    ``search_path`` is the path the forward statement ran under: the annotated SQL is
    written beside it, so its unqualified names resolve the same way. Data the forward
    statement destroyed (``DATA_NOT_RESTORED`` of the inferred steps) stays on record:
    the generator cannot tell whether the team's SQL brings it back.
    """
    what = f"`{_first_line(stmt.sql)}`"
    if annotation.kind == "none":
        return []
    kept = [h for s in inferred for h in s.hazards if h.code is Hazard.DATA_NOT_RESTORED]
    if annotation.kind == "irreversible":
        step = Step(
            title=f"Irreversible: {what}",
            group="Irreversible Steps",
            annotated=True,
            irreversible=annotation.reason,
        )
        step.hazard(Hazard.IRREVERSIBLE, f"{what} cannot be undone: {annotation.reason}")
        step.hazards.extend(kept)
        return [step]
    step = Step(
        title=f"Rollback annotation of {what}",
        group="Annotated Rollbacks",
        sql=list(annotation.sql),
        transactional=not annotation.concurrent,
        search_path=search_path,
        annotated=True,
    )
    for item in annotation.destroys:
        step.hazard(Hazard.DELETES_DATA, f"the annotated SQL {item}")
    step.hazards.extend(kept)
    return [step]
