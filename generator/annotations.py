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
  rendered as written, ending with ``;``. ``none``/``irreversible`` cannot be combined
  with SQL, an annotation cannot be empty, and an annotation before the first statement
  of a file belongs to nothing: all of these are input errors naming ``path:line`` (exit 2).
- Comments that do not start with ``rollback`` (``-- rollbacks are hard``, ``/* note */``)
  are ordinary comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pglast import ast
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError, parse_sql

from .parse import InputError, Statement, statement_span
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


class AnnotationError(InputError):
    """A malformed rollback annotation (exit 2, with ``path:line``)."""


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
                pieces.append(_Piece(line, body.strip()))
        else:
            m = _LINE.match(comment)
            if m:
                pieces.append(_Piece(line, m.group(1).rstrip()))
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


def _sql_annotation(piece_line: int, path: Path, text: str) -> Annotation:
    try:
        raws = parse_sql(text)
    except ParseError as exc:
        raise AnnotationError(f"{path}:{piece_line}: the rollback annotation is not valid SQL: {exc.args[0]} ({_HINT})") from None
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
        raise AnnotationError(f"{path}:{piece_line}: the rollback annotation holds no SQL statement ({_HINT})")
    return Annotation("sql", piece_line, path, sql=tuple(statements), concurrent=concurrent, destroys=tuple(destroys))


def annotation_for(stmt: Statement) -> Annotation | None:
    """The annotation in the comments right after ``stmt``, or None; AnnotationError if malformed."""
    pieces = _pieces(stmt.trailing_text, stmt.trailing_line)
    if not pieces:
        return None
    first = pieces[0].line
    keywords = [(p, _KEYWORD.match(p.text)) for p in pieces]
    keywords = [(p, m) for p, m in keywords if m]
    if keywords:
        p, m = keywords[0]
        if len(pieces) > 1:
            other = next(q for q in pieces if q is not p)
            raise AnnotationError(
                f"{stmt.path}:{other.line}: `rollback: {m.group(1).lower()}` (line {p.line}) cannot be combined "
                "with other rollback annotations of the same statement"
            )
        word, rest = m.group(1).lower(), " ".join(m.group(2).split())
        if word == "none":
            if rest:
                raise AnnotationError(f"{stmt.path}:{p.line}: `rollback: none` takes nothing after it (found {rest!r})")
            return Annotation("none", p.line, stmt.path)
        if not rest:
            raise AnnotationError(f"{stmt.path}:{p.line}: `rollback: irreversible` needs a reason, e.g. `-- rollback: irreversible the old values were never kept`")
        return Annotation("irreversible", p.line, stmt.path, reason=rest)
    text = "\n".join(p.text for p in pieces).strip()
    if not text:
        raise AnnotationError(f"{stmt.path}:{first}: empty rollback annotation ({_HINT})")
    return _sql_annotation(first, stmt.path, text)


def stray_annotations(text: str, path: Path, statements: list[Statement]) -> None:
    """Raise AnnotationError for an annotation placed before the first statement of a file
    (it cannot belong to any statement)."""
    head = text.lstrip("\ufeff").replace("\r\n", "\n")
    if statements:
        first = statements[0]
        cut = 0
        for _ in range(first.line - 1):
            cut = head.index("\n", cut) + 1
        head = head[:cut]
    for piece in _pieces(head, 1):
        raise AnnotationError(
            f"{path}:{piece.line}: a rollback annotation must follow the statement it undoes; "
            "this one comes before the first statement"
        )


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
