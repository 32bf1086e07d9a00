"""``supabase-rollback stats``: how much of a migrations folder the generator inverts.

Static only: the history is replayed into the in-memory catalog exactly as ``generate``
does (no database), and every forward statement is classified by the steps that undo it:

- *annotated*: the statement carries an inline ``-- rollback:`` annotation, which
  decides its inverse (SQL, ``none`` or ``irreversible``);
- *manual*: otherwise, at least one of its steps is a manual step (including statements
  the project's ``[[manual]]`` rules of supabase/rollback.toml leave to a person); the
  reasons are counted after normalisation (object names, file positions and quoted SQL
  are replaced by placeholders) so that the same rule groups across objects;
- *automatic*: every other statement: its steps are generated SQL (statements with
  nothing to undo, such as ``SET`` or ``BEGIN``, count here too).

The three are disjoint: total = automatic + manual + annotated.

Statements are grouped by kind: the SQL command (``CREATE TABLE``, ``DROP POLICY``,
``ALTER TABLE ADD COLUMN``...), taken from the parse tree.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import click

from .options import migrations_dir_option, project_dir_option
from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ObjectType

from ..config import ConfigError, ManualRule, resolve_folders
from ..engine import Rollback, generate
from ..parse import InputError, Statement
from ..project import list_migrations

EXIT_INPUT = 2

# -- statement kinds -------------------------------------------------------------------

_TAGS: dict[type, str] = {
    ast.CreateStmt: "CREATE TABLE",
    ast.IndexStmt: "CREATE INDEX",
    ast.ViewStmt: "CREATE VIEW",
    ast.CreateTableAsStmt: "CREATE TABLE AS",
    ast.CreateFunctionStmt: "CREATE FUNCTION",
    ast.CreateTrigStmt: "CREATE TRIGGER",
    ast.CreatePolicyStmt: "CREATE POLICY",
    ast.AlterPolicyStmt: "ALTER POLICY",
    ast.CreateSchemaStmt: "CREATE SCHEMA",
    ast.CreateExtensionStmt: "CREATE EXTENSION",
    ast.AlterExtensionStmt: "ALTER EXTENSION",
    ast.CreateEnumStmt: "CREATE TYPE (enum)",
    ast.CompositeTypeStmt: "CREATE TYPE (composite)",
    ast.CreateRangeStmt: "CREATE TYPE (range)",
    ast.CreateDomainStmt: "CREATE DOMAIN",
    ast.AlterDomainStmt: "ALTER DOMAIN",
    ast.AlterEnumStmt: "ALTER TYPE (enum)",
    ast.CreateSeqStmt: "CREATE SEQUENCE",
    ast.AlterSeqStmt: "ALTER SEQUENCE",
    ast.CreatePublicationStmt: "CREATE PUBLICATION",
    ast.AlterPublicationStmt: "ALTER PUBLICATION",
    ast.AlterFunctionStmt: "ALTER FUNCTION",
    ast.AlterDefaultPrivilegesStmt: "ALTER DEFAULT PRIVILEGES",
    ast.GrantRoleStmt: "GRANT ROLE",
    ast.CreateRoleStmt: "CREATE ROLE",
    ast.AlterRoleStmt: "ALTER ROLE",
    ast.DoStmt: "DO",
    ast.InsertStmt: "INSERT",
    ast.UpdateStmt: "UPDATE",
    ast.DeleteStmt: "DELETE",
    ast.TruncateStmt: "TRUNCATE",
    ast.CopyStmt: "COPY",
    ast.SelectStmt: "SELECT",
    ast.VariableSetStmt: "SET",
    ast.NotifyStmt: "NOTIFY",
    ast.RefreshMatViewStmt: "REFRESH MATERIALIZED VIEW",
    ast.CommentStmt: "COMMENT",
    ast.RuleStmt: "CREATE RULE",
    ast.CreateEventTrigStmt: "CREATE EVENT TRIGGER",
}

# Generic statements: SQL verb and the attribute holding the object type.
_GENERIC: dict[type, tuple[str, str]] = {
    ast.DropStmt: ("DROP", "removeType"),
    ast.RenameStmt: ("RENAME", "renameType"),
    ast.AlterObjectSchemaStmt: ("ALTER {} SET SCHEMA", "objectType"),
    ast.AlterOwnerStmt: ("ALTER {} OWNER TO", "objectType"),
    ast.DefineStmt: ("CREATE", "kind"),
}


def _object_name(kind: object) -> str:
    try:
        name = ObjectType(kind).name
    except ValueError:
        return str(kind)
    words = name.removeprefix("OBJECT_").replace("_", " ")
    return {"TABCONSTRAINT": "CONSTRAINT", "MATVIEW": "MATERIALIZED VIEW"}.get(words, words)


def _words(node: ast.Node) -> str:
    """``CreateOpClassStmt`` → ``CREATE OP CLASS``: the fallback for rare statements."""
    name = type(node).__name__.removesuffix("Stmt")
    return " ".join(re.findall(r"[A-Z][a-z]*", name)).upper() or name


_SUBCOMMANDS = {
    AT.AT_ColumnDefault: "ALTER COLUMN SET/DROP DEFAULT",
    AT.AT_SetNotNull: "ALTER COLUMN SET NOT NULL",
    AT.AT_DropNotNull: "ALTER COLUMN DROP NOT NULL",
    AT.AT_AlterColumnType: "ALTER COLUMN TYPE",
    AT.AT_ChangeOwner: "OWNER TO",
    AT.AT_ReplicaIdentity: "REPLICA IDENTITY",
}


def _subcommand(cmd: ast.AlterTableCmd) -> str:
    """``AT_EnableRowSecurity`` → ``ENABLE ROW SECURITY``."""
    st = AT(cmd.subtype)
    if st == AT.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint) and cmd.def_.indexname:
        return "ADD CONSTRAINT USING INDEX"
    if st in _SUBCOMMANDS:
        return _SUBCOMMANDS[st]
    return " ".join(re.findall(r"[A-Z][a-z]*", st.name.removeprefix("AT_"))).upper()


def statement_kind(node: ast.Node) -> str:
    """The kind a statement is counted under, e.g. ``DROP POLICY``, ``ALTER TABLE ADD COLUMN``."""
    if isinstance(node, ast.AlterTableStmt):
        obj = _object_name(node.objtype)
        subs = sorted({_subcommand(c) for c in node.cmds or () if isinstance(c, ast.AlterTableCmd)})
        return f"ALTER {obj} " + (subs[0] if len(subs) == 1 else "(several subcommands)")
    if isinstance(node, ast.GrantStmt):
        return f"{'GRANT' if node.is_grant else 'REVOKE'} ON {_object_name(node.objtype)}"
    if isinstance(node, ast.TransactionStmt):
        return "BEGIN / COMMIT"
    if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_COLUMN:
        return f"RENAME COLUMN (of {_object_name(node.relationType)})"
    if isinstance(node, ast.DefineStmt) and node.kind == ObjectType.OBJECT_AGGREGATE:
        return "CREATE AGGREGATE"
    generic = _GENERIC.get(type(node))
    if generic is not None:
        verb, attr = generic
        obj = _object_name(getattr(node, attr))
        return verb.format(obj) if "{}" in verb else f"{verb} {obj}"
    if isinstance(node, ast.CreateFunctionStmt) and node.is_procedure:
        return "CREATE PROCEDURE"
    if isinstance(node, ast.ViewStmt) and getattr(node, "replace", False):
        return "CREATE VIEW"
    return _TAGS.get(type(node)) or _words(node)


# -- reasons ---------------------------------------------------------------------------

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_QUALIFIED = re.compile(rf"{_IDENT}(?:\.{_IDENT})+(?:\([^()]*\))?")
_WHERE = re.compile(r"\(?[^\s()]+\.sql:\d+\)?")
_BACKTICKS = re.compile(r"`[^`]*`")
_QUOTED = re.compile(r'"(?:[^"]|"")+"')
_CALL = re.compile(r"\b[A-Za-z_][\w$]*\(\)")
_SQL_LITERAL = re.compile(r"'(?:[^']|'')*'")
# A bare name right after the kind of object it names ("column email of ...").
_KIND_WORDS = ("column", "columns", "constraint", "index", "extension", "schema", "publication", "relation",
               "table", "view", "function", "procedure", "type", "domain", "policy", "trigger", "role",
               "sequence", "serial column")
_NOT_NAMES = {"of", "is", "in", "on", "was", "were", "the", "a", "an", "that", "with", "and", "or", "to", "from",
              "has", "have", "had", "already", "specified", "constraint", "column", "kind", "definition",
              "attribute", "options", "name", "names", "element", "elements", "owner", "by", "for",
              "<name>", "whose", "it", "its", "this", "which", "types", "as", "at", "not", "used", "may", "must",
              "can", "cannot", "will", "would", "should", "does", "did", "be", "uses", "using", "are"}
_BARE = re.compile(rf"\b({'|'.join(sorted(_KIND_WORDS, key=len, reverse=True))}) ({_IDENT})(?=[\s,;:)]|$)")
_VERSION = re.compile(r"\bversion \d[\w.\-]*")


def normalise_reason(reason: str) -> str:
    """A manual step's reason with the specifics replaced, so one rule groups as one line.

    Object names become ``<name>``, file positions ``<where>``, quoted SQL ```…```,
    literals ``'…'`` and called functions ``<function>()``.
    """
    text = " ".join(reason.split())
    text = _BACKTICKS.sub("`…`", text)
    text = _WHERE.sub("(<where>)", text)
    text = _SQL_LITERAL.sub("'…'", text)
    text = _QUALIFIED.sub("<name>", text)
    text = _QUOTED.sub("<name>", text)
    text = _CALL.sub("<function>()", text)
    text = _VERSION.sub("version <version>", text)

    def bare(m: re.Match[str]) -> str:
        word = m.group(2)
        return m.group(0) if word.lower() in _NOT_NAMES or word.isupper() else f"{m.group(1)} <name>"

    text = _BARE.sub(bare, text)
    text = re.sub(r"'…'(?:, '…')+", "'…', …", text)
    text = re.sub(r"\((?:[a-z]+ )?<name>(?:, (?:[a-z]+ )?<name>)*\)", "(<names>)", text)
    return re.sub(r"(?:[a-z]+ )?<name>(?:, (?:[a-z]+ )?<name>)+", "<names>", text)


# -- collecting ------------------------------------------------------------------------

def is_annotated(stmt: Statement, steps: list) -> bool:
    """The statement's inverse comes from its inline ``-- rollback:`` annotation."""
    from ..annotations import annotation_for

    return any(getattr(s, "annotated", False) for s in steps) or annotation_for(stmt) is not None


@dataclass
class KindStats:
    total: int = 0
    automatic: int = 0
    manual: int = 0
    annotated: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, manual_reasons: list[str], annotated: bool) -> None:
        self.total += 1
        if annotated:
            self.annotated += 1
        elif manual_reasons:
            self.manual += 1
            self.reasons.update(set(manual_reasons))
        else:
            self.automatic += 1

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "automatic": self.automatic,
            "manual": self.manual,
            "annotated": self.annotated,
            "manual_reasons": [{"reason": r, "count": n} for r, n in _ordered(self.reasons)],
        }


def _ordered(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda t: (-t[1], t[0]))


@dataclass
class FileStats:
    file: str
    statements: int = 0
    automatic: int = 0
    manual: int = 0
    annotated: int = 0
    manual_statements: list[dict] = field(default_factory=list)  # line, kind, reasons
    broken: str = ""  # not valid SQL (the error): its statements are not counted


@dataclass
class Stats:
    migrations: int = 0
    kinds: dict[str, KindStats] = field(default_factory=dict)
    files: list[FileStats] = field(default_factory=list)

    @property
    def total(self) -> KindStats:
        out = KindStats()
        for k in self.kinds.values():
            out.total += k.total
            out.automatic += k.automatic
            out.manual += k.manual
            out.annotated += k.annotated
            out.reasons.update(k.reasons)
        return out

    def as_dict(self) -> dict:
        total = self.total
        return {
            "migrations": self.migrations,
            "statements": total.total,
            "automatic": total.automatic,
            "manual": total.manual,
            "annotated": total.annotated,
            "kinds": {k: v.as_dict() for k, v in sorted(self.kinds.items())},
            "manual_reasons": [{"reason": r, "count": n} for r, n in _ordered(total.reasons)],
            "files": [f.__dict__ for f in self.files],
            "not_valid_sql": [f.file for f in self.files if f.broken],
        }


def collect(rollbacks: list[Rollback]) -> Stats:
    """Classify every forward statement of ``rollbacks`` (from ``engine.generate``)."""
    stats = Stats(migrations=len(rollbacks))
    for rb in rollbacks:
        fs = FileStats(file=rb.migration.path.name, broken=rb.broken or "")
        for stmt, steps in rb.by_statement:
            kind = statement_kind(stmt.node)
            reasons = [normalise_reason(s.manual) for s in steps if s.manual]
            annotated = is_annotated(stmt, steps)
            stats.kinds.setdefault(kind, KindStats()).add(reasons, annotated)
            fs.statements += 1
            if annotated:
                fs.annotated += 1
            elif reasons:
                fs.manual += 1
                fs.manual_statements.append({"line": stmt.line, "kind": kind, "reasons": [s.manual for s in steps if s.manual]})
            else:
                fs.automatic += 1
        stats.files.append(fs)
    return stats


def stats_for_folder(migrations_dir: Path, warn=None, manual_rule: ManualRule | None = None) -> Stats:
    """The statistics of every migration of ``migrations_dir`` (replayed like ``generate``)."""
    return collect(generate(list_migrations(migrations_dir, warn=warn), manual_rule=manual_rule))


# -- output ----------------------------------------------------------------------------

def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def render_table(stats: Stats, verbose: bool = False) -> str:
    total = stats.total
    width = max([len("statement kind"), len("all statements"), *map(len, stats.kinds)])
    head = f"{'statement kind':<{width}}  {'total':>6}  {'automatic':>9}  {'manual':>6}  {'annotated':>9}"
    lines = [
        f"{stats.migrations} migration{'s' if stats.migrations != 1 else ''}, {total.total} statements: "
        f"{total.automatic} inverted automatically ({_pct(total.automatic, total.total)}), "
        f"{total.manual} with manual steps ({_pct(total.manual, total.total)}), {total.annotated} annotated"
        + "".join(f"; {f.file} has an error (not counted)" for f in stats.files if f.broken),
        "",
        head,
        "-" * len(head),
    ]
    order = sorted(stats.kinds.items(), key=lambda kv: (-kv[1].total, kv[0]))
    for kind, k in order:
        lines.append(f"{kind:<{width}}  {k.total:>6}  {k.automatic:>9}  {k.manual:>6}  {k.annotated:>9}")
    lines.append("-" * len(head))
    lines.append(f"{'all statements':<{width}}  {total.total:>6}  {total.automatic:>9}  {total.manual:>6}  {total.annotated:>9}")
    manual_kinds = [(kind, k) for kind, k in order if k.manual]
    if manual_kinds:
        lines += ["", "Manual steps, by reason:"]
        for kind, k in manual_kinds:
            lines.append(f"  {kind} ({k.manual})")
            for reason, n in _ordered(k.reasons):
                lines.append(f"    {n:>4}  {reason}")
    if verbose:
        lines += ["", "Per file:"]
        fw = max([len(f.file) for f in stats.files] + [4])
        lines.append(f"  {'file':<{fw}}  {'statements':>10}  {'automatic':>9}  {'manual':>6}  {'annotated':>9}")
        for f in stats.files:
            lines.append(f"  {f.file:<{fw}}  {f.statements:>10}  {f.automatic:>9}  {f.manual:>6}  {f.annotated:>9}")
            for m in f.manual_statements:
                for reason in m["reasons"]:
                    lines.append(f"  {'':<{fw}}    line {m['line']} {m['kind']}: {reason}")
    return "\n".join(lines) + "\n"


@click.command()
@project_dir_option
@migrations_dir_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: for people; json: for scripts and CI.")
@click.option("-v", "--verbose", is_flag=True, help="Also list every file, with the line and reason of each manual step.")
def stats(project_dir: Path | None, migrations_dir: Path | None, fmt: str, verbose: bool) -> None:
    """Report how many statements of a migrations folder are inverted automatically.

    For every kind of statement (CREATE TABLE, DROP POLICY, GRANT ON TABLE...) it
    counts the statements, how many the generator inverts automatically, how
    many become manual steps (grouped by reason, with object names stripped so
    the same rule groups together) and how many are undone by their
    `-- rollback:` annotation. The [[manual]] rules of supabase/rollback.toml
    apply, as in `generate`. Static only: no database is used and nothing is
    written.

    \b
    Examples:
      supabase-rollback stats
      supabase-rollback stats --verbose
      supabase-rollback stats --migrations-dir path/to/migrations --format json | jq .manual_reasons

    \b
    Exit status: 0 report printed; 2 bad input (a migration that is not
    valid SQL: the report of the others is printed first, and the files
    after it count what the generator then distrusts; no migrations folder,
    bad option).
    """
    try:
        folders = resolve_folders(project_dir, migrations_dir, None)
        rule = folders.config.manual_reason if folders.config.manual else None
        result = stats_for_folder(
            folders.migrations_dir, warn=lambda m: click.echo(f"warning: {m}", err=True), manual_rule=rule
        )
    except (InputError, ConfigError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    if fmt == "json":
        data = result.as_dict()
        if not verbose:
            data.pop("files")
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(render_table(result, verbose), nl=False)
    broken = [f.broken for f in result.files if f.broken]
    if broken:  # the others were counted; a file that is not valid SQL is still bad input
        click.echo("error: " + "\nerror: ".join(broken), err=True)
        sys.exit(EXIT_INPUT)
