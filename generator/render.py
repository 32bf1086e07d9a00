"""Rendering a ``Rollback`` as the SQL file and the markdown risk document.

Layout rules implemented here (the templates only lay out what is computed below):

- The SQL file starts with a header of ``--`` comments ending in ``-- body-sha256: <hash>``,
  the sha256 of everything after that line. A file whose body no longer matches its hash
  was edited by hand (``is_hand_edited``); the CLI refuses to overwrite it.
- Steps run in the engine's order. Transactional steps run inside ``BEGIN; ... COMMIT;``.
  Non-transactional steps (``CONCURRENTLY``) run outside: those that come first before the
  transaction, those that come last after it, and one in the middle splits the transaction
  in two, so the run order never changes. Their statements are made idempotent
  (``IF [NOT] EXISTS``) so a re-run after a failure is safe.
- Backups (``CREATE TABLE <backup schema>.<name> AS <query>``) are taken at the start of
  the first transaction, before anything is dropped. A backup is only hoisted there when
  no earlier step can change what its query reads (a rename, a type change, DML...);
  otherwise it is taken right before its own step.
- A manual step is shown with its suggested SQL commented out, followed by a ``DO`` block
  that raises, so the file fails loudly until a person resolves it.
- The migration is then removed from ``supabase_migrations.schema_migrations`` (when that
  table exists) and, if the migration notified PostgREST, ``NOTIFY pgrst`` is repeated.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType
from pglast.parser import ParseError, parse_sql

from . import __version__
from .catalog import DEFAULT_SEARCH_PATH
from .engine import Rollback
from .parse import Migration
from .preflight import assertions_sql, preflight_sql
from .risk import locked_tables
from .sqltext import FORMAT_TYPE, literal, parsed, qname, quote_ident, regprocedure_sql, render, truncate_identifier
from .steps import Backup, Hazard, Step

DEFAULT_BACKUP_SCHEMA = "supabase_rollback_backup"
_PLACEHOLDER = "0" * 64
_SQL_SEAL = re.compile(r"^-- body-sha256: ([0-9a-f]{64})\n", re.M)
_MD_SEAL = re.compile(r"^<!-- supabase-rollback .*? body-sha256: ([0-9a-f]{64}) -->\n", re.M)


# -- file names and the body hash ------------------------------------------------------------


def rollback_file_name(migration: Migration, ext: str = "sql") -> str:
    """``rollback_<version>_<name>.sql`` (or ``.md``)."""
    return f"rollback_{migration.stem}.{ext}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _seal(text: str, seal: re.Pattern[str]) -> str:
    """Replace the placeholder hash of ``text`` by the hash of what follows the seal line."""
    m = seal.search(text)
    assert m is not None and m.group(1) == _PLACEHOLDER, "template lost its body-sha256 line"
    body = text[m.end() :]
    line = m.group(0).replace(_PLACEHOLDER, _sha256(body))
    return text[: m.start()] + line + body


def is_hand_edited(text: str) -> bool:
    """True when ``text`` is not a generated rollback file/document exactly as generated.

    A file without the ``body-sha256`` seal (written by hand) counts as edited. CRLF line
    ends (a Windows checkout) are not an edit.
    """
    text = text.replace("\r\n", "\n")
    for seal in (_SQL_SEAL, _MD_SEAL):
        m = seal.search(text)
        if m:
            return _sha256(text[m.end() :]) != m.group(1)
    return True


# -- templates ------------------------------------------------------------------------------------


def _template_source(name: str) -> str:
    """Templates ship inside the wheel as ``generator/templates``; an editable install
    reads the repository's top-level ``templates/`` folder instead."""
    packaged = resources.files("generator").joinpath("templates", name)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    repo = Path(__file__).resolve().parent.parent / "templates" / name
    if repo.is_file():
        return repo.read_text(encoding="utf-8")
    raise FileNotFoundError(f"template {name} not found in the package nor in {repo.parent}")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _comment(text: str) -> str:
    """Text safe on a single ``--`` comment line."""
    return _one_line(text)


class _Compiled(jinja2.BytecodeCache):
    """The templates as compiled by an earlier run: kept in the project's cache
    (generator.cache.TEMPLATES), under jinja2's version; jinja2 compiles a template again
    when its source is not the one the code was compiled from."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from .cache import TEMPLATES

        code = TEMPLATES.get(f"{jinja2.__version__} {bucket.key}")
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from .cache import TEMPLATES

        TEMPLATES[f"{jinja2.__version__} {bucket.key}"] = bucket.bytecode_to_string()


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        bytecode_cache=_Compiled(),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["comment"] = _comment
    env.filters["one_line"] = _one_line
    env.filters["commented"] = lambda text: "\n".join(f"-- {ln}".rstrip() for ln in str(text).split("\n"))
    env.filters["indent_by"] = lambda text, n: "\n".join(
        (" " * n + ln) if ln.strip() else "" for ln in str(text).split("\n")
    )
    return env


# -- the SQL file's model -------------------------------------------------------------------------


@dataclass
class Block:
    """One numbered step of the SQL file."""

    number: int
    step: Step
    statements: list[str]
    set_path: str | None = None  # SET [LOCAL] search_path emitted before the step
    backups: list[tuple[str, Backup]] = field(default_factory=list)  # taken right before it
    raise_sql: str | None = None  # the DO block of a manual step

    @property
    def hazards(self):
        return [h for h in self.step.hazards if h.code is not Hazard.MANUAL]

    @property
    def source(self) -> str:
        if not self.step.source:
            return ""
        path, _, line = self.step.source.rpartition(":")
        return f"{Path(path).name}:{line}" if path else self.step.source


@dataclass
class Segment:
    transactional: bool
    blocks: list[Block] = field(default_factory=list)
    bodies_unchecked: bool = False  # a step already set check_function_bodies off in it


_CREATES_ROUTINE = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\b", re.I)
_CREATE_INDEX = re.compile(r"^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+)(?!IF\s+NOT\s+EXISTS\b)", re.I)
_DROP_INDEX = re.compile(r"^(\s*DROP\s+INDEX\s+CONCURRENTLY\s+)(?!IF\s+EXISTS\b)", re.I)


def idempotent(sql: str) -> str:
    """``CREATE/DROP INDEX CONCURRENTLY`` with ``IF [NOT] EXISTS``: outside a transaction a
    failed run leaves the work half done, and the re-run must not trip over it."""
    sql = _CREATE_INDEX.sub(r"\1IF NOT EXISTS ", sql, count=1)
    return _DROP_INDEX.sub(r"\1IF EXISTS ", sql, count=1)


def _step_path(step: Step, current: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The search_path ``step`` must run under, None when the one in force will do.

    A step without a path of its own (``Step.search_path`` None) runs under the default
    one, as the pre-flight checks assume: its SQL may still name functions, types or
    relations without a schema (a policy's ``USING (f(id))``, a column default, a trigger's
    function). When an earlier step set another path, it is set back to the default rather
    than left in force (``current`` None is the session's own, the default).
    """
    if step.search_path is not None:
        return step.search_path
    if current is not None and current != DEFAULT_SEARCH_PATH:
        return DEFAULT_SEARCH_PATH
    return None


def search_path_sql(path: tuple[str, ...], local: bool) -> str:
    value = ", ".join(quote_ident(s) for s in path) if path else "''"
    return f"SET {'LOCAL ' if local else ''}search_path TO {value};"


def _dollar_quote(body: str) -> str:
    tag = "$$"
    n = 0
    while tag in body:
        n += 1
        tag = f"$manual{n}$"
    return f"{tag} {body} {tag}"


def manual_raise_sql(number: int, reason: str) -> str:
    """``DO $$ BEGIN RAISE EXCEPTION 'MANUAL STEP n not resolved: ...'; END $$;``

    The message is a RAISE format string, so ``%`` is doubled; the literal and the dollar
    quote are chosen so that no reason can end them early.
    """
    message = f"MANUAL STEP {number} not resolved: {_one_line(reason)}".replace("%", "%%")
    return f"DO {_dollar_quote(f'BEGIN RAISE EXCEPTION {literal(message)}; END')};"


_MANUAL_RAISE = re.compile(r"RAISE\s+EXCEPTION\s+(E?)'(MANUAL STEP \d+ not resolved: (?:[^']|'')*)'\s*;", re.S)


def manual_raise_messages(sql: str) -> list[str]:
    """The messages of the ``manual_raise_sql`` raises in ``sql`` (a DO statement), as
    PostgreSQL would print them: the literal read back (``''``, and for an ``E''``
    literal ``\\\\``) and the format's ``%%`` undone."""
    out = []
    for m in _MANUAL_RAISE.finditer(sql):
        text = m.group(2).replace("''", "'")
        if m.group(1):
            text = text.replace("\\\\", "\\")
        out.append(text.replace("%%", "%"))
    return out


_BARRIER_NODES = (
    ast.CreateStmt,  # a recreated table (or column, below) is what a later backup may read
    ast.CreateTableAsStmt,
    ast.ViewStmt,
    ast.RenameStmt,
    ast.AlterObjectSchemaStmt,
    ast.InsertStmt,
    ast.UpdateStmt,
    ast.DeleteStmt,
    ast.MergeStmt,
    ast.TruncateStmt,
    ast.DoStmt,
    ast.CallStmt,
    ast.SelectStmt,
)


def _changes_what_backups_read(step: Step) -> bool:
    """Could running ``step`` change the names or values a later backup query reads?

    A manual step is judged by its suggested SQL: it is meant to undo one statement, and a
    person resolving it is told what it should do.
    """
    for sql in step.sql:
        try:
            raws = parsed(sql)
        except ParseError:
            return True
        for raw in raws:
            node = raw.stmt
            if isinstance(node, _BARRIER_NODES):
                return True
            if isinstance(node, ast.AlterTableStmt) and any(
                getattr(c, "subtype", None) in (AlterTableType.AT_AlterColumnType, AlterTableType.AT_AddColumn)
                for c in node.cmds or ()
            ):
                return True
    return False


def _unique_backup_names(steps: list[Step], schema: str) -> dict[int, list[tuple[str, Backup]]]:
    """Qualified, unique backup table names per step index."""
    used: set[str] = set()
    tried: dict[str, int] = {}  # per name: the suffix it last got (every smaller one is taken)
    out: dict[int, list[tuple[str, Backup]]] = {}
    for i, step in enumerate(steps):
        for b in step.backups:
            name, n = truncate_identifier(b.name), tried.get(b.name, 1)
            if n > 1:
                name = truncate_identifier(truncate_identifier(b.name)[: 63 - len(f"_{n}")] + f"_{n}")
            while name in used:
                n += 1
                suffix = f"_{n}"
                name = truncate_identifier(b.name)[: 63 - len(suffix)] + suffix
                name = truncate_identifier(name)
            used.add(name)
            tried[b.name] = n
            out.setdefault(i, []).append((qname(schema, name), b))
    return out


@dataclass
class SqlModel:
    segments: list[Segment]
    hoisted: list[tuple[str, Backup]]  # backups taken at the start of the first transaction
    backup_schema: str
    final_path: tuple[str, ...] | None = None  # the search_path the last step left in force (None: the session's)


def build_sql_model(rb: Rollback, *, backup: bool, backup_schema: str, preflight: bool = False) -> SqlModel:
    backups = _unique_backup_names(rb.steps, backup_schema) if backup else {}
    hoisted: list[tuple[str, Backup]] = []
    barrier = False
    segments: list[Segment] = []
    session_path: tuple[str, ...] | None = None  # set by plain SET outside a transaction
    local_path: tuple[str, ...] | None = None
    for i, step in enumerate(rb.steps):
        number = i + 1
        if not segments or segments[-1].transactional != step.transactional:
            segments.append(Segment(step.transactional))
            local_path = session_path
        statements = list(step.sql) if step.transactional else [idempotent(s) for s in step.sql]
        if step.transactional and not step.manual and not segments[-1].bodies_unchecked \
                and any(_CREATES_ROUTINE.match(sql) for sql in statements):
            # a definition restored from history is one PostgreSQL accepted, possibly while the
            # migration had check_function_bodies off (pg_dump and `supabase db diff` do):
            # checking its body again could refuse it, as pg_dump's restores avoid too
            statements.insert(0, "SET LOCAL check_function_bodies = off;")
            segments[-1].bodies_unchecked = True
        block = Block(number, step, statements)
        path = _step_path(step, local_path)
        if path is not None and not step.manual and path != local_path:
            block.set_path = search_path_sql(path, local=step.transactional)
            local_path = path
            if not step.transactional:
                session_path = path
        for entry in backups.get(i, []):
            (block.backups if barrier else hoisted).append(entry)
        if step.manual:
            block.raise_sql = manual_raise_sql(number, step.manual)
        barrier = barrier or _changes_what_backups_read(step)
        segments[-1].blocks.append(block)
    if not segments or not segments[-1].transactional:
        segments.append(Segment(True))  # the history bookkeeping always runs in a transaction
    if (backups or (preflight and rb.preflight)) and not segments[0].transactional:
        segments.insert(0, Segment(True))  # pre-flight checks and backups first, before any step
    return SqlModel(segments, hoisted, backup_schema, local_path)


def history_sql(version: str, migration: Migration | None = None) -> str:
    """Delete the migration's row of the history. A migration that shares its version with
    another file (``Migration.shares_version``) deletes the row only when it names this
    file (the other file's row stands for a migration that is still applied); the first
    file of the version, the one the Supabase CLI applies and records, also deletes a row
    without a name (written before the CLI recorded names), or any row of the version when
    the table has no ``name`` column."""
    table = "supabase_migrations.schema_migrations"
    if migration is None or not migration.shares_version:
        return (
            "DO $$\nBEGIN\n"
            f"  IF to_regclass('{table}') IS NOT NULL THEN\n"
            f"    DELETE FROM {table} WHERE version = {literal(version)};\n"
            "  END IF;\nEND $$;"
        )
    mine = f"name = {literal(migration.name)}" + (" OR name IS NULL" if migration.first_of_version else "")
    without_names = (f"DELETE FROM {table} WHERE version = {literal(version)};" if migration.first_of_version
                     else "NULL;  -- the row is the one the CLI recorded for the first file of this version")
    return (
        "DO $$\nBEGIN\n"
        f"  IF to_regclass('{table}') IS NOT NULL THEN\n"
        f"    -- version {version} is shared with {', '.join(migration.shares_version)}: only this file's row goes\n"
        f"    IF EXISTS (SELECT FROM pg_attribute WHERE attrelid = '{table}'::regclass\n"
        "               AND attname = 'name' AND NOT attisdropped) THEN\n"
        f"      DELETE FROM {table} WHERE version = {literal(version)} AND ({mine});\n"
        "    ELSE\n"
        f"      {without_names}\n"
        "    END IF;\n"
        "  END IF;\nEND $$;"
    )


def history_condition(migration: Migration) -> str:
    """The rows of ``schema_migrations`` that stand for ``migration`` (see ``history_sql``)."""
    cond = f"version = {literal(migration.version)}"
    if migration.shares_version:
        cond += f" and (name = {literal(migration.name)}" + (" or name is null)" if migration.first_of_version else ")")
    return cond


def backup_sql(qualified: str, b: Backup) -> str:
    return f"CREATE TABLE {qualified} AS {b.query.rstrip().rstrip(';')};"


def detach_types_sql(qualified: list[str]) -> str:
    """Store backup columns of types outside ``pg_catalog`` (enums, domains, extension
    types...) as text.

    A backup column of type ``public.job_status`` depends on that type, so the rollback
    (or the rollback of an earlier migration) could not drop it. Text keeps every value
    and can be cast back when the data is restored.
    """
    tables = ",\n                         ".join(f"{literal(q)}::regclass" for q in qualified)
    body = (
        "\nDECLARE\n  c record;\nBEGIN\n"
        "  FOR c IN\n"
        "    SELECT a.attrelid::regclass AS tbl, a.attname\n"
        "    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid\n"
        f"    WHERE a.attrelid IN ({tables})\n"
        "      AND a.attnum > 0 AND NOT a.attisdropped\n"
        "      AND t.typnamespace <> 'pg_catalog'::regnamespace\n"
        "  LOOP\n"
        "    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I TYPE text USING %I::text', c.tbl, c.attname, c.attname);\n"
        "  END LOOP;\nEND "
    )
    tag = "$$"
    n = 0
    while tag in body:
        n += 1
        tag = f"$backup{n}$"
    return f"DO {tag}{body}{tag};"


def _assertions_under_default_path(sql: str, final: tuple[str, ...] | None) -> str:
    """The assertions name types and functions as the default search_path finds them (a
    signature's ``task_board_status[]``): after a step that left another path in force (a
    table from a schema dump, made under an empty one), the default is set again first."""
    if final is None or final == DEFAULT_SEARCH_PATH:
        return sql
    return search_path_sql(DEFAULT_SEARCH_PATH, local=True) + "\n" + sql


def render_sql(
    rb: Rollback,
    *,
    backup: bool = True,
    backup_schema: str = DEFAULT_BACKUP_SCHEMA,
    preflight: bool = True,
    assertions: bool = True,
) -> str:
    """The rollback SQL file of ``rb`` (see the module docstring for the layout)."""
    model = build_sql_model(rb, backup=backup, backup_schema=backup_schema, preflight=preflight)
    checks = verification_checks(rb, history=False) if assertions else []
    text = _env().get_template("rollback.sql.j2").render(
        preflight_sql=preflight_sql(rb.preflight, rb.migration.path.name) if preflight and rb.preflight else "",
        assertions_sql=_assertions_under_default_path(assertions_sql(checks), model.final_path) if checks else "",
        tool_version=__version__,
        rb=rb,
        migration_file=rb.migration.path.name,
        sql_name=rollback_file_name(rb.migration),
        model=model,
        any_backups=bool(model.hoisted) or any(b.backups for s in model.segments for b in s.blocks),
        backup_schema_sql=f"CREATE SCHEMA IF NOT EXISTS {quote_ident(backup_schema)};",
        backup_sql=backup_sql,
        detach_types_sql=detach_types_sql,
        history_sql=history_sql(rb.migration.version, rb.migration),
        transactions=sum(1 for s in model.segments if s.transactional),
        body_sha256=_PLACEHOLDER,
    )
    return _seal(text, _SQL_SEAL)


# -- the markdown document ----------------------------------------------------------------------


@dataclass
class Group:
    """Consecutive steps sharing a ``Step.group``: one numbered item of the document."""

    title: str
    blocks: list[Block]

    @property
    def data_loss(self) -> bool:
        return any(b.step.data_loss for b in self.blocks)

    @property
    def manual(self) -> bool:
        return any(b.step.manual for b in self.blocks)

    @property
    def hazards(self):
        seen, out = set(), []
        for b in self.blocks:
            for h in b.hazards:
                if h not in seen:
                    seen.add(h)
                    out.append(h)
        return out

    @property
    def statements(self) -> list[str]:
        return [s for b in self.blocks if not b.step.manual for s in b.statements]

    @property
    def heading(self) -> str:
        """The item's title: the step's own title when the group has one step (it names
        the object, like the seed's "Drop Analysis Metrics Table"), else the group's."""
        return self.blocks[0].step.title if len(self.blocks) == 1 else self.title

    @property
    def step_range(self) -> str:
        first, last = self.blocks[0].number, self.blocks[-1].number
        return f"step {first}" if first == last else f"steps {first}–{last}"


def _groups(blocks: list[Block]) -> list[Group]:
    out: list[Group] = []
    for b in blocks:
        if out and out[-1].title == b.step.group:
            out[-1].blocks.append(b)
        else:
            out.append(Group(b.step.group, [b]))
    return out


@dataclass
class RiskSummary:
    lost_by_rollback: list[str]
    lost_by_migration: list[str]
    other: list[str]


def _risk_summary(steps: list[Step], saved: dict[int, list[str]] | None = None) -> RiskSummary:
    """What is lost, per object. ``saved``: step index -> qualified backup tables (None:
    backups are off), so each item says where its data is kept."""
    rollback, migration, other = [], [], []

    def add(lst: list[str], item: str) -> None:
        if item not in lst:
            lst.append(item)

    for i, s in enumerate(steps):
        codes = {h.code for h in s.hazards}
        if Hazard.DELETES_DATA in codes:
            where = (saved or {}).get(i)
            for item in s.lost or [h.reason for h in s.hazards if h.code is Hazard.DELETES_DATA]:
                if where:
                    copies = ", ".join(f"`{w}`" for w in where)
                    item += f": what was written to it after this migration is lost unless restored from {copies} (the rollback copies it there first)"
                elif saved is None:
                    item += ": what was written to it after this migration is lost (backups are off: save it yourself first)"
                add(rollback, item)
        for h in s.hazards:
            if h.code is Hazard.DATA_NOT_RESTORED:
                add(migration, h.reason)
            elif h.code in _LOCK_CODES and h.reason.endswith(_DERIVED_LOCK):
                continue  # one line per lock level below, table by table
            elif h.code not in (Hazard.DELETES_DATA, Hazard.MANUAL):
                add(other, f"`{h.code.value}`: {h.reason}")
        if Hazard.DELETES_DATA not in codes and Hazard.DATA_NOT_RESTORED not in codes:
            for item in s.lost:
                add(rollback, item)
    by_lock: dict[str, list[str]] = {}
    for table, lock in locked_tables(steps).items():
        by_lock.setdefault(lock, []).append(table)
    for lock, tables in by_lock.items():
        code = Hazard.ACCESS_EXCLUSIVE_LOCK if lock == "ACCESS EXCLUSIVE" else Hazard.BLOCKS_WRITES
        what = "reads and writes" if code is Hazard.ACCESS_EXCLUSIVE_LOCK else "writes"
        add(other, f"`{code.value}`: {lock} lock on {', '.join(tables)}: {what} wait until the rollback commits")
    return RiskSummary(rollback, migration, other)


_LOCK_CODES = (Hazard.ACCESS_EXCLUSIVE_LOCK, Hazard.BLOCKS_WRITES)
_DERIVED_LOCK = ("wait until the rollback commits", "wait until the rollback commits (reads go on)")


def render_markdown(
    rb: Rollback,
    *,
    sql_name: str,
    backup: bool = True,
    backup_schema: str = DEFAULT_BACKUP_SCHEMA,
    preflight: bool = True,
    assertions: bool = True,
) -> str:
    """The markdown risk document of ``rb``, in the seed's "Rollback Documentation Template"."""
    model = build_sql_model(rb, backup=backup, backup_schema=backup_schema, preflight=preflight)
    blocks = [b for seg in model.segments for b in seg.blocks]
    all_backups = list(model.hoisted) + [e for b in blocks for e in b.backups]
    per_step = _unique_backup_names(rb.steps, backup_schema) if backup else {}
    saved = {i: [q for q, _ in entries] for i, entries in per_step.items()} if backup else None
    restores = [sql for i, entries in per_step.items() for q, b in entries
                if (sql := restore_sql(q, b, rb.steps[i])) is not None]
    checks = verification_checks(rb)
    text = _env().get_template("rollback.md.j2").render(
        risk_reasons=risk_reasons(rb.steps),
        preflight_checks=rb.preflight if preflight else [],
        assertions=assertions,
        restores=restores,
        locked=locked_tables(rb.steps),
        dropped=[d for d, _ in checks if d.endswith(" is gone")],
        version=rb.migration.version,
        tool_version=__version__,
        rb=rb,
        migration_file=rb.migration.path.name,
        sql_name=sql_name,
        purpose=rb.migration.purpose(),
        risk=_risk_summary(rb.steps, saved),
        backups=all_backups,
        backup_enabled=backup,
        backup_schema=backup_schema,
        backup_schema_sql=f"CREATE SCHEMA IF NOT EXISTS {quote_ident(backup_schema)};",
        backup_sql=backup_sql,
        detach_types_sql=detach_types_sql,
        groups=_groups(blocks),
        manual_blocks=[b for b in blocks if b.step.manual],
        nontransactional=[b for b in blocks if not b.step.transactional],
        transactions=sum(1 for s in model.segments if s.transactional),
        checks=checks,
        body_sha256=_PLACEHOLDER,
    )
    return _seal(text, _MD_SEAL)


def risk_reasons(steps: list[Step]) -> list[str]:
    """Why the overall risk is what it is, by the README's rule (steps.overall_risk)."""
    codes = {h.code for s in steps for h in s.hazards}
    widening = any(h.code is Hazard.AUTHZ and h.reason.startswith("widens") for s in steps for h in s.hazards)
    high = [text for code, text in (
        (Hazard.DELETES_DATA, "the rollback drops data written since the migration (`DELETES_DATA`)"),
        (Hazard.DATA_NOT_RESTORED, "the migration destroyed data that no rollback can bring back (`DATA_NOT_RESTORED`)"),
    ) if code in codes]
    if high:
        return high
    medium = [text for code, text in (
        (Hazard.LOSSY_CAST, "a type change back can fail or lose precision (`LOSSY_CAST`)"),
        (Hazard.REWRITES_TABLE, "a step rewrites a table (`REWRITES_TABLE`)"),
        (Hazard.ACCESS_EXCLUSIVE_LOCK, "a step locks a table against reads and writes (`ACCESS_EXCLUSIVE_LOCK`)"),
        (Hazard.BLOCKS_WRITES, "a step blocks writes to a table (`BLOCKS_WRITES`)"),
        (Hazard.MANUAL, "a person must act (`MANUAL`)"),
        (Hazard.IRREVERSIBLE, "a statement is acknowledged as irreversible (`IRREVERSIBLE`)"),
    ) if code in codes]
    if widening:
        medium.append("a step widens access (`AUTHZ`)")
    return medium or ["no step loses data, locks or rewrites a table, casts lossily, widens access or needs a person"]


def restore_sql(qualified: str, b: Backup, step: Step) -> str | None:
    """SQL that puts backed-up data back once the migration is applied again, or None
    when the backup's shape is not one this knows (a whole table, or key + dropped columns).

    Backups keep columns of user-defined types as text, and text does not convert to an
    enum or domain on assignment, so each value is cast to the column's current type
    (read from the catalog when the SQL runs)."""
    query = b.query.strip().rstrip(";")
    m = re.fullmatch(r"TABLE\s+(\S+)", query)
    if m:
        table = m.group(1)
        return (
            "DO $restore$\nDECLARE\n  cols text;\n  vals text;\nBEGIN\n"
            "  SELECT string_agg(format('%I', t.attname), ', ' ORDER BY t.attnum),\n"
            "         string_agg(format('b.%I::%s', t.attname, format_type(t.atttypid, t.atttypmod)), ', ' ORDER BY t.attnum)\n"
            "    INTO cols, vals\n"
            f"  FROM pg_attribute t JOIN pg_attribute k ON k.attrelid = {literal(qualified)}::regclass\n"
            "    AND k.attname = t.attname AND k.attnum > 0 AND NOT k.attisdropped\n"
            f"  WHERE t.attrelid = {literal(table)}::regclass AND t.attnum > 0 AND NOT t.attisdropped AND t.attgenerated = '';\n"
            f"  EXECUTE format({literal(f'INSERT INTO {_pct(table)} (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM {_pct(qualified)} AS b')}, cols, vals);\n"
            "END $restore$;"
        ).replace("$restore$", _free_tag("restore", table + qualified))
    try:
        sel = parse_sql(query)[0].stmt
        dropped = {
            c.name for sql in step.sql for raw in parsed(sql) if isinstance(raw.stmt, ast.AlterTableStmt)
            for c in raw.stmt.cmds or () if c.subtype == AlterTableType.AT_DropColumn
        }
    except ParseError:
        return None
    if not isinstance(sel, ast.SelectStmt) or len(sel.fromClause or ()) != 1 or sel.whereClause is not None:
        return None
    rv = sel.fromClause[0]
    cols = []
    for t in sel.targetList or ():
        ref = t.val
        if t.name or not isinstance(ref, ast.ColumnRef) or not all(isinstance(f, ast.String) for f in ref.fields):
            return None
        cols.append(ref.fields[-1].sval)
    keys = [c for c in cols if c not in dropped]
    values = [c for c in cols if c in dropped]
    if not isinstance(rv, ast.RangeVar) or not keys or not values:
        return None
    table = _q(_rel(rv))
    names = ", ".join(literal(c) for c in values)
    where = " AND ".join(f"t.{quote_ident(c)} = b.{quote_ident(c)}" for c in keys)
    return (
        "DO $restore$\nDECLARE\n  sets text;\nBEGIN\n"
        "  SELECT string_agg(format('%I = b.%I::%s', attname, attname, format_type(atttypid, atttypmod)), ', ')\n"
        f"    INTO sets FROM pg_attribute WHERE attrelid = {literal(table)}::regclass AND attname IN ({names});\n"
        f"  EXECUTE format({literal(f'UPDATE {_pct(table)} AS t SET %s FROM {_pct(qualified)} AS b WHERE {_pct(where)}')}, sets);\n"
        "END $restore$;"
    ).replace("$restore$", _free_tag("restore", table + qualified + where))


def _pct(text: str) -> str:
    """Text safe inside a format() template."""
    return text.replace("%", "%%")


def _free_tag(base: str, text: str) -> str:
    tag, n = f"${base}$", 0
    while tag in text:
        n += 1
        tag = f"${base}{n}$"
    return tag


# -- verification queries ---------------------------------------------------------------------


def _names(obj) -> list[str]:
    if isinstance(obj, ast.String):
        return [obj.sval]
    if isinstance(obj, ast.TypeName):
        return [n.sval for n in obj.names]
    return [n.sval for n in obj]


def _q(names: list[str]) -> str:
    return ".".join(quote_ident(n) for n in names)


def _rel(rv: ast.RangeVar) -> list[str]:
    return [n for n in (rv.schemaname, rv.relname) if n]


_RELATION_KINDS = {
    ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_VIEW: "view",
    ObjectType.OBJECT_MATVIEW: "materialized view",
    ObjectType.OBJECT_SEQUENCE: "sequence",
    ObjectType.OBJECT_INDEX: "index",
    ObjectType.OBJECT_FOREIGN_TABLE: "foreign table",
}


def _exists_sql(kind: str, names: list[str], args: str | None = None) -> str | None:
    """A boolean SQL expression: does the object exist?"""
    if kind in _RELATION_KINDS.values():
        return f"to_regclass({literal(_q(names))}) is not null"
    if kind in ("function", "procedure"):
        return f"{regprocedure_sql(f'{_q(names)}({args})')} is not null"
    if kind in ("type", "domain"):
        return f"to_regtype({literal(_q(names))}) is not null"
    if kind == "schema":
        return f"to_regnamespace({literal(quote_ident(names[0]))}) is not null"
    if kind == "extension":
        return f"exists (select from pg_extension where extname = {literal(names[0])})"
    if kind == "policy" and len(names) == 3:
        schema, table, name = names
        return (
            "exists (select from pg_policies where schemaname = "
            f"{literal(schema)} and tablename = {literal(table)} and policyname = {literal(name)})"
        )
    if kind == "trigger" and len(names) == 3:
        return (
            "exists (select from pg_trigger where NOT tgisinternal and tgname = "
            f"{literal(names[2])} and tgrelid = to_regclass({literal(_q(names[:2]))}))"
        )
    return None


def _column_exists_sql(rel: list[str], column: str) -> str | None:
    if len(rel) != 2:
        return None
    return (
        "exists (select from information_schema.columns where table_schema = "
        f"{literal(rel[0])} and table_name = {literal(rel[1])} and column_name = {literal(column)})"
    )


_DROP_KINDS = {
    **_RELATION_KINDS,
    ObjectType.OBJECT_FUNCTION: "function",
    ObjectType.OBJECT_PROCEDURE: "procedure",
    ObjectType.OBJECT_TYPE: "type",
    ObjectType.OBJECT_DOMAIN: "domain",
    ObjectType.OBJECT_SCHEMA: "schema",
    ObjectType.OBJECT_EXTENSION: "extension",
    ObjectType.OBJECT_POLICY: "policy",
    ObjectType.OBJECT_TRIGGER: "trigger",
}


def _type_key(tn: ast.TypeName) -> str:
    """An argument type as a function's identity knows it, for telling two spellings apart.

    A built-in type gets PostgreSQL's own name (``int8`` and ``bigint`` are one type,
    ``timestamptz`` is ``timestamp with time zone``); a user type is known by its name
    alone, since the generator writes ``public.mood`` where the recreated definition (the
    migration's own text) may say ``mood``. Arrays keep one ``[]``; typmods do not count.
    """
    names = [n.sval for n in tn.names]
    if tn.pct_type:
        return render(tn)
    if names[0] == "pg_catalog" or (len(names) == 1 and names[0] in FORMAT_TYPE):
        base = FORMAT_TYPE.get(names[-1], quote_ident(names[-1]))
    else:
        base = quote_ident(names[-1])
    return base + "[]" if tn.arrayBounds else base


def _routine_key(names: list[str], args: list[ast.TypeName]) -> str:
    """Functions and procedures share one namespace: one key for both."""
    return f"routine {_q(names)}({', '.join(_type_key(a) for a in args)})"


_INPUT_MODES = ("i", "b", "v", "d")


def _statement_checks(node: ast.Node) -> list[tuple[str, str, str]]:
    """(key, description, boolean SQL that is true after a successful rollback) for one
    statement; two checks with the same key speak of the same object (the last one counts).
    """
    out: list[tuple[str, str, str | None]] = []

    def relation(kind: str, names: list[str], state: str) -> None:
        # tables, views, materialized views, sequences and indexes share one namespace
        expr = _exists_sql(kind, names)
        out.append((f"relation {_q(names)}", f"{kind} {_q(names)} is {state}", expr if state == "back" else _negate(expr)))

    def back(kind: str, names: list[str], label: str | None = None) -> None:
        label = label or _q(names)
        out.append((f"{kind} {label}", f"{kind} {label} is back", _exists_sql(kind, names)))

    if isinstance(node, ast.DropStmt) and node.removeType in _DROP_KINDS:
        kind = _DROP_KINDS[node.removeType]
        for obj in node.objects or ():
            if isinstance(obj, ast.ObjectWithArgs):
                names = _names(obj.objname)
                args = ", ".join(render(a) for a in obj.objargs or ())
                desc = f"{kind} {_q(names)}({args}) is gone"
                out.append((_routine_key(names, list(obj.objargs or ())), desc, _negate(_exists_sql(kind, names, args))))
            elif kind in _RELATION_KINDS.values():
                relation(kind, _names(obj), "gone")
            else:
                names = _names(obj)
                label = _q(names[2:]) + " on " + _q(names[:2]) if kind in ("policy", "trigger") else _q(names)
                said = "type" if kind == "domain" else kind  # as CREATE DOMAIN's check says it
                out.append((f"{said} {label}", f"{said} {label} is gone", _negate(_exists_sql(kind, names))))
    elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
        rel = _rel(node.relation)
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_DropColumn:
                what = f"column {_q(rel)}.{quote_ident(cmd.name)}"
                out.append((what, f"{what} is gone", _negate(_column_exists_sql(rel, cmd.name))))
            elif cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
                what = f"column {_q(rel)}.{quote_ident(cmd.def_.colname)}"
                out.append((what, f"{what} is back", _column_exists_sql(rel, cmd.def_.colname)))
            elif (index := _constraint_index(rel, cmd)) is not None:  # a key's index, named like it
                relation("index", index, "back")
        for index in _named_key_indexes(node):  # keys written on an added column
            relation("index", index, "back")
        for seq in _named_sequences(node):
            relation("sequence", seq, "back")
    elif isinstance(node, ast.CreateStmt):
        relation("table", _rel(node.relation), "back")
        for index in _named_key_indexes(node):
            relation("index", index, "back")
        for seq in _named_sequences(node):
            relation("sequence", seq, "back")
    elif isinstance(node, ast.CreateForeignTableStmt):
        relation("foreign table", _rel(node.base.relation), "back")
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        kind = "materialized view" if node.objtype == ObjectType.OBJECT_MATVIEW else "table"
        relation(kind, _rel(node.into.rel), "back")
    elif isinstance(node, ast.CreateSeqStmt):
        relation("sequence", _rel(node.sequence), "back")
    elif isinstance(node, ast.ViewStmt):
        relation("view", _rel(node.view), "back")
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        relation("index", ([node.relation.schemaname] if node.relation.schemaname else []) + [node.idxname], "back")
    elif isinstance(node, ast.CreateTrigStmt):
        back("trigger", _rel(node.relation) + [node.trigname], f"{quote_ident(node.trigname)} on {_q(_rel(node.relation))}")
    elif isinstance(node, ast.CreatePolicyStmt):
        back("policy", _rel(node.table) + [node.policy_name], f"{quote_ident(node.policy_name)} on {_q(_rel(node.table))}")
    elif isinstance(node, (ast.CreateEnumStmt, ast.CreateRangeStmt)):
        back("type", _names(node.typeName))
    elif isinstance(node, ast.DefineStmt) and node.kind == ObjectType.OBJECT_TYPE:
        back("type", _names(node.defnames))
    elif isinstance(node, ast.CreateDomainStmt):
        back("type", _names(node.domainname))
    elif isinstance(node, ast.CompositeTypeStmt):
        back("type", _rel(node.typevar))
    elif isinstance(node, ast.CreateSchemaStmt) and node.schemaname:
        back("schema", [node.schemaname])
    elif isinstance(node, ast.CreateExtensionStmt):
        back("extension", [node.extname])
    elif isinstance(node, ast.RenameStmt) and node.renameType in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
        names = _names(node.object)
        new = [*names[:-1], node.newname]
        out.append((f"type {_q(names)}", f"type {_q(names)} is gone", _negate(_exists_sql("type", names))))
        back("type", new)
    elif isinstance(node, (ast.RenameStmt, ast.AlterObjectSchemaStmt)):
        out.extend(_arrival_checks(node))
    elif isinstance(node, ast.CreateFunctionStmt):
        kind = "procedure" if node.is_procedure else "function"
        names = _names(node.funcname)
        inputs = [p.argType for p in node.parameters or () if str(getattr(p.mode, "value", p.mode)) in _INPUT_MODES]
        args = ", ".join(render(a) for a in inputs)
        out.append((_routine_key(names, inputs), f"{kind} {_q(names)}({args}) is back", _exists_sql(kind, names, args)))
    return [(k, d, s) for k, d, s in out if s is not None]


def _constraint_index(rel: list[str], cmd: ast.AlterTableCmd) -> list[str] | None:
    """The index a PRIMARY KEY, UNIQUE or EXCLUDE constraint ``cmd`` adds (it takes the
    constraint's name, in the table's schema)."""
    con = cmd.def_
    if (cmd.subtype != AlterTableType.AT_AddConstraint or not isinstance(con, ast.Constraint)
            or not con.conname or con.contype not in _INDEX_BACKED):
        return None
    return [*rel[:-1], con.conname]


_INDEX_BACKED = (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_EXCLUSION)


def _index_tables(node: ast.Node) -> dict[str, str]:
    """Keys of the index (and identity sequence) checks a statement makes -> the table of
    the object, as the checks spell them (a DROP TABLE later in the rollback takes those
    objects with it)."""
    if isinstance(node, ast.IndexStmt) and node.idxname:
        names = ([node.relation.schemaname] if node.relation.schemaname else []) + [node.idxname]
        return {f"relation {_q(names)}": _q(_rel(node.relation))}
    if isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
        rel = _rel(node.relation)
        made = {f"relation {_q(index)}": _q(rel) for cmd in node.cmds or ()
                if (index := _constraint_index(rel, cmd)) is not None}
        return made | {f"relation {_q(index)}": _q(rel) for index in _named_key_indexes(node) + _named_sequences(node)}
    if isinstance(node, ast.CreateStmt):
        return {f"relation {_q(index)}": _q(_rel(node.relation))
                for index in _named_key_indexes(node) + _named_sequences(node)}
    return {}


def _key_constraints(node: ast.Node) -> list[ast.Constraint]:
    """The PRIMARY KEY, UNIQUE and EXCLUDE constraints a CREATE TABLE writes (on the table
    or on a column) or an ALTER TABLE writes on the columns it adds: each makes an index."""
    if isinstance(node, ast.CreateStmt):
        elts = list(node.tableElts or ())
    elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
        elts = [cmd.def_ for cmd in node.cmds or () if cmd.subtype == AlterTableType.AT_AddColumn]
    else:
        return []
    cons = [e for e in elts if isinstance(e, ast.Constraint)]
    cons += [c for e in elts if isinstance(e, ast.ColumnDef) for c in e.constraints or ()]
    return [c for c in cons if c.contype in _INDEX_BACKED]


def _named_key_indexes(node: ast.Node) -> list[list[str]]:
    """The indexes of the named keys of ``_key_constraints`` (named like the constraint, in
    the table's schema); an ALTER TABLE's ADD CONSTRAINT is ``_constraint_index``'s."""
    rel = _rel(node.relation) if isinstance(node, (ast.CreateStmt, ast.AlterTableStmt)) else []
    return [[*rel[:-1], c.conname] for c in _key_constraints(node) if c.conname]


# PostgreSQL names an unnamed key's index, an identity or serial column's sequence, a
# partition's copies of its parent's indexes <table>_<columns>_<label>, cutting the longer of
# table and columns to fit 63 bytes: at least 27 bytes of the table's name survive.
_KEPT_PREFIX = 24


def _derived_names(node: ast.Node) -> re.Pattern[str] | None:
    """Matches the descriptions of the index and sequence checks whose object ``node`` may
    make under a name PostgreSQL derives from a table's (``t_pkey``, ``t_email_key``,
    ``t_id_seq``, a partition's ``p_a_idx``): the statement does not say the name, so no
    check can say whether such an object is gone."""
    tables: list[str] = []
    if isinstance(node, ast.CreateStmt):
        cols = [e for e in node.tableElts or () if isinstance(e, ast.ColumnDef)]
        if (node.partbound is not None or any(isinstance(e, ast.TableLikeClause) for e in node.tableElts or ())
                or any(not c.conname for c in _key_constraints(node)) or any(_makes_sequence(c) for c in cols)):
            tables.append(node.relation.relname)
    elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_AttachPartition and isinstance(cmd.def_, ast.PartitionCmd):
                tables.append(cmd.def_.name.relname)
            elif ((cmd.subtype == AlterTableType.AT_AddIdentity and isinstance(cmd.def_, ast.Constraint)
                   and _sequence_name(cmd.def_) is None)
                  or (cmd.subtype == AlterTableType.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef)
                      and _makes_sequence(cmd.def_))
                  or (cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint)
                      and cmd.def_.contype in _INDEX_BACKED and not cmd.def_.conname
                      and not cmd.def_.indexname)):
                tables.append(node.relation.relname)
        if any(not c.conname for c in _key_constraints(node)):
            tables.append(node.relation.relname)
    if not tables:
        return None
    prefixes = []
    for t in dict.fromkeys(tables):
        whole = len(t.encode()) <= _KEPT_PREFIX
        prefix = (t + "_") if whole else t.encode()[:_KEPT_PREFIX].decode(errors="ignore")
        prefixes.append(re.escape(prefix.replace('"', '""')))
    return re.compile(rf"^(?:index|sequence) (?:.*\.)?\"?(?:{'|'.join(prefixes)})")


_SERIALS = {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"}


def _makes_sequence(col: ast.ColumnDef) -> bool:
    """The column makes a sequence whose name PostgreSQL derives (serial, identity without
    SEQUENCE NAME)."""
    names = [n.sval for n in col.typeName.names] if col.typeName is not None else []
    serial = len(names) == 1 and names[0] in _SERIALS and not col.typeName.arrayBounds
    return serial or any(c.contype == ConstrType.CONSTR_IDENTITY and _sequence_name(c) is None
                         for c in col.constraints or ())


def _sequence_name(con: ast.Constraint) -> list[str] | None:
    for opt in con.options or ():
        if opt.defname == "sequence_name":
            return [n.sval for n in opt.arg]
    return None


def _named_sequences(node: ast.Node) -> list[list[str]]:
    """The sequences of the identity columns a CREATE TABLE or ALTER TABLE names with
    SEQUENCE NAME (unqualified: in the table's schema)."""
    if isinstance(node, ast.CreateStmt):
        cols = [e for e in node.tableElts or () if isinstance(e, ast.ColumnDef)]
        cons = [c for col in cols for c in col.constraints or ()]
    elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
        cols = [cmd.def_ for cmd in node.cmds or () if cmd.subtype == AlterTableType.AT_AddColumn
                and isinstance(cmd.def_, ast.ColumnDef)]
        cons = [c for col in cols for c in col.constraints or ()]
        cons += [cmd.def_ for cmd in node.cmds or () if cmd.subtype == AlterTableType.AT_AddIdentity
                 and isinstance(cmd.def_, ast.Constraint)]
    else:
        return []
    rel = _rel(node.relation)
    named = [n for c in cons if c.contype == ConstrType.CONSTR_IDENTITY and (n := _sequence_name(c))]
    return [n if len(n) > 1 else [*rel[:-1], *n] for n in named]


_RENAMED_RELATIONS = {kind: _RELATION_KINDS[kind] for kind in _RELATION_KINDS if kind != ObjectType.OBJECT_INDEX}
_ROUTINES = {ObjectType.OBJECT_FUNCTION: "function", ObjectType.OBJECT_PROCEDURE: "procedure",
             ObjectType.OBJECT_ROUTINE: "function"}


def _arrival_checks(node: ast.RenameStmt | ast.AlterObjectSchemaStmt) -> list[tuple[str, str, str | None]]:
    """Checks that the object a rename or SET SCHEMA moves is back under its new name: a
    check written earlier under that name (a drop of the object that stood there) no
    longer says anything. Where the new identity is not in the text, ``_arrival_names``."""
    kind = node.renameType if isinstance(node, ast.RenameStmt) else node.objectType
    target = _arrival(node)
    if target is None:
        return []
    if kind in _RENAMED_RELATIONS:
        label = _RENAMED_RELATIONS[kind]
        return [(f"relation {_q(target)}", f"{label} {_q(target)} is back", _exists_sql(label, target))]
    if kind in _ROUTINES:
        args = ", ".join(render(a) for a in node.object.objargs or ())
        what = f"{_ROUTINES[kind]} {_q(target)}({args})"
        return [(_routine_key(target, list(node.object.objargs or ())), f"{what} is back",
                 _exists_sql(_ROUTINES[kind], target, args))]
    if kind in (ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_POLICY):
        said = "trigger" if kind == ObjectType.OBJECT_TRIGGER else "policy"
        label = f"{quote_ident(target[-1])} on {_q(target[:-1])}"
        return [(f"{said} {label}", f"{said} {label} is back", _exists_sql(said, target))]
    if kind == ObjectType.OBJECT_COLUMN:
        what = f"column {_q(target[:-1])}.{quote_ident(target[-1])}"
        return [(what, f"{what} is back", _column_exists_sql(target[:-1], target[-1]))]
    if kind in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
        return [(f"type {_q(target)}", f"type {_q(target)} is back", _exists_sql("type", target))]
    return []


def _arrival(node: ast.RenameStmt | ast.AlterObjectSchemaStmt) -> list[str] | None:
    """Where a rename or SET SCHEMA puts its object (trigger, policy: table + name; column:
    table + column), when a check can name it exactly; otherwise None."""
    if isinstance(node, ast.RenameStmt):
        kind = node.renameType
        if kind in _RENAMED_RELATIONS and node.relation is not None:
            return [*_rel(node.relation)[:-1], node.newname]
        if kind in (ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_POLICY, ObjectType.OBJECT_COLUMN) and node.relation:
            return [*_rel(node.relation), node.newname]
        if kind in _ROUTINES and _exact_routine(node.object):
            return [*_names(node.object.objname)[:-1], node.newname]
        if kind in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN) and node.object is not None:
            return [*_names(node.object)[:-1], node.newname]
        return None
    kind = node.objectType
    if kind in _RENAMED_RELATIONS and node.relation is not None:
        return [node.newschema, node.relation.relname]
    if kind in _ROUTINES and _exact_routine(node.object):
        return [node.newschema, _names(node.object.objname)[-1]]
    if kind in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN) and node.object is not None:
        return [node.newschema, _names(node.object)[-1]]
    return None


def _exact_routine(obj: ast.Node | None) -> bool:
    """The routine's argument types are written out (no bare name, no ``%TYPE``)."""
    return (isinstance(obj, ast.ObjectWithArgs) and not obj.args_unspecified
            and not any(a.pct_type for a in obj.objargs or ()))


def _arrival_names(node: ast.Node) -> list[str]:
    """Names (as the checks spell them) a rename or SET SCHEMA moves something to without
    a check able to say exactly what: every check under that name is unknowable."""
    if not isinstance(node, (ast.RenameStmt, ast.AlterObjectSchemaStmt)) or _arrival_checks(node):
        return []
    if isinstance(node, ast.RenameStmt):
        if node.renameType == ObjectType.OBJECT_SCHEMA:
            return [quote_ident(node.newname)]
        if node.renameType == ObjectType.OBJECT_INDEX and node.relation is not None:
            return [_q([*_rel(node.relation)[:-1], node.newname])]
        if node.renameType == ObjectType.OBJECT_TABCONSTRAINT and node.relation is not None:
            return [_q([*_rel(node.relation)[:-1], node.newname])]  # a key's index takes its new name
        if isinstance(node.object, ast.ObjectWithArgs):
            return [_q([*_names(node.object.objname)[:-1], node.newname])]
        if node.object is not None and not isinstance(node.object, ast.String):
            return [_q([*_names(node.object)[:-1], node.newname])]
        return []
    if node.relation is not None:
        return [_q([node.newschema, node.relation.relname])]
    if isinstance(node.object, ast.ObjectWithArgs):
        return [_q([node.newschema, _names(node.object.objname)[-1]])]
    if node.object is not None and not isinstance(node.object, ast.String):
        return [_q([node.newschema, _names(node.object)[-1]])]
    return []


_PARTS = {ObjectType.OBJECT_TRIGGER: "trigger", ObjectType.OBJECT_POLICY: "policy", ObjectType.OBJECT_COLUMN: "column"}


def _unsaid_names(node: ast.Node) -> list[str]:
    """Check keys a statement makes unknowable without saying what they are now: DROP
    CONSTRAINT c drops the index named c when c was a key, RENAME CONSTRAINT c renames it
    (the SQL does not say whether c was a key), ADD CONSTRAINT c ... USING INDEX i renames
    the index i to c (the check of c is ``_constraint_index``'s); a trigger, policy or
    column renamed leaves its old name."""
    if isinstance(node, ast.RenameStmt) and node.renameType == ObjectType.OBJECT_TABCONSTRAINT and node.relation:
        return [f"relation {_q([*_rel(node.relation)[:-1], node.subname])}"]
    if isinstance(node, ast.RenameStmt) and node.renameType in _PARTS and node.relation:
        rel = _q(_rel(node.relation))  # a trigger, policy or column renamed: its old name
        if node.renameType == ObjectType.OBJECT_COLUMN:
            return [f"column {rel}.{quote_ident(node.subname)}"]
        return [f"{_PARTS[node.renameType]} {quote_ident(node.subname)} on {rel}"]
    if not (isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE):
        return []
    rel = _rel(node.relation)
    return [f"relation {_q([*rel[:-1], cmd.name])}" for cmd in node.cmds or ()
            if cmd.subtype == AlterTableType.AT_DropConstraint and cmd.name] + [
        f"relation {_q([*rel[:-1], cmd.def_.indexname])}" for cmd in node.cmds or ()
        if cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint)
        and cmd.def_.indexname and cmd.def_.indexname != cmd.def_.conname]


def _pct_type_routine(node: ast.Node) -> re.Pattern[str] | None:
    """The check keys of every routine named like the one ``node`` creates or drops when its
    argument list uses ``table.column%TYPE``: the text alone does not say which types that
    is, so no check can name it, and the checks of its name may mean the same function."""
    if isinstance(node, ast.CreateFunctionStmt):
        found = [(node.funcname, [p.argType for p in node.parameters or ()])]
    elif isinstance(node, ast.DropStmt) and node.removeType in _DROP_KINDS:
        found = [(o.objname, list(o.objargs or ())) for o in node.objects or () if isinstance(o, ast.ObjectWithArgs)]
    else:
        return None
    names = [_names(objname)[-1] for objname, args in found if any(a.pct_type for a in args)]
    if not names:
        return None
    return re.compile(rf"^routine (?:.*\.)?(?:{'|'.join(re.escape(quote_ident(n)) for n in names)})\(")


def _columns_dropped_from(node: ast.Node) -> str | None:
    """The table (as the checks spell it) an ALTER TABLE drops columns of: the keys on
    those columns go with them."""
    if (isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE
            and any(cmd.subtype == AlterTableType.AT_DropColumn for cmd in node.cmds or ())):
        return _q(_rel(node.relation))
    return None


def _renamed_names(node: ast.Node) -> list[str]:
    """Names (as the checks spell them) that a rename or SET SCHEMA moves away from."""
    if isinstance(node, ast.RenameStmt):
        if node.renameType == ObjectType.OBJECT_SCHEMA:
            return [quote_ident(node.subname)]
        if node.renameType in _PARTS and node.relation is not None:
            return []  # the part's own check only: ``_unsaid_names``
        if node.relation is not None:
            return [_q(_rel(node.relation))]
        if isinstance(node.object, ast.ObjectWithArgs):
            return [_q(_names(node.object.objname))]
        if node.object is not None:
            return [_q(_names(node.object))]
    if isinstance(node, ast.AlterObjectSchemaStmt):
        if node.relation is not None:
            return [_q(_rel(node.relation))]
        if isinstance(node.object, ast.ObjectWithArgs):
            return [_q(_names(node.object.objname))]
        if node.object is not None:
            return [_q(_names(node.object))]
    return []


def _dropped_relations(node: ast.Node) -> list[str]:
    """Relations (as the checks spell them) that a DROP TABLE/VIEW/... removes."""
    if isinstance(node, ast.DropStmt) and node.removeType in _RELATION_KINDS:
        return [_q(_names(obj)) for obj in node.objects or ()]
    return []


def _negate(expr: str | None) -> str | None:
    if expr is None:
        return None
    if expr.endswith(" is not null"):
        return expr[: -len(" is not null")] + " is null"
    return f"not {expr}"


def verification_checks(rb: Rollback, history: bool = True) -> list[tuple[str, str]]:
    """Queries a person can run after the rollback; each returns true when it worked.

    Derived from the statements of the non-manual steps; a later step undoing an earlier
    one's effect (drop then recreate) keeps only the last word on that object.
    """
    out = _verification_checks(rb)
    if not history:  # the post-rollback assertions: the history table may not exist
        return out
    out.append(
        (
            f"migration {rb.migration.version} is no longer in the history"
            + (f" (as {rb.migration.path.name})" if rb.migration.shares_version else ""),
            f"not exists (select from supabase_migrations.schema_migrations where {history_condition(rb.migration)})",
        )
    )
    return out


def _naming(names: list[str]) -> re.Pattern[str]:
    """Matches a check description that names any of ``names`` (as the checks spell them)."""
    return re.compile("|".join(rf"(?:^|[\s(]){re.escape(n)}(?:$|[\s.(])" for n in names))


def _verification_checks(rb: Rollback) -> list[tuple[str, str]]:
    checks: dict[str, tuple[str, str]] = {}
    back: set[str] = set()  # keys of the "... is back" checks (kept apart: a rollback drops far more than it restores)
    on_table: dict[str, str] = {}  # key of an index check -> its table (the description does not name it)
    key_indexes: set[str] = set()  # keys of the checks of indexes that back a key (a DROP COLUMN can take them)
    for step in rb.steps:
        if step.manual:
            continue
        for sql in step.sql:
            try:
                raws = parsed(sql)
            except ParseError:
                continue
            for raw in raws:
                dropped = _dropped_relations(raw.stmt) if back else []
                if dropped:  # what was brought back on a relation dropped later is gone with it
                    pattern = _naming(dropped)
                    gone = {k for k in back if pattern.search(checks[k][0]) or on_table.get(k) in dropped}
                    if gone:
                        checks = {k: v for k, v in checks.items() if k not in gone}
                        back -= gone
                unsaid = _unsaid_names(raw.stmt)
                shrunk = _columns_dropped_from(raw.stmt)
                if shrunk:
                    unsaid += [k for k in key_indexes if on_table.get(k) == shrunk]
                for key in unsaid:
                    checks.pop(key, None)
                    back.discard(key)
                arrived = _arrival_names(raw.stmt)
                if arrived:  # what now stands under the new name is not said
                    pattern = _naming(arrived)
                    checks = {k: v for k, v in checks.items() if not pattern.search(v[0])}
                    back &= checks.keys()
                derived = _derived_names(raw.stmt)
                if derived is not None:  # indexes and sequences named after a table, the names unsaid
                    checks = {k: v for k, v in checks.items() if not derived.search(v[0])}
                    back &= checks.keys()
                renamed = _renamed_names(raw.stmt)
                if renamed:  # a check written under the old name no longer says anything
                    pattern = _naming(renamed)
                    # SET SCHEMA moves the table's indexes too (a rename leaves their names)
                    moved = renamed if isinstance(raw.stmt, ast.AlterObjectSchemaStmt) else []
                    checks = {k: v for k, v in checks.items()
                              if not pattern.search(v[0]) and on_table.get(k) not in moved}
                    back &= checks.keys()
                    if isinstance(raw.stmt, ast.RenameStmt) and (to := _arrival(raw.stmt)) is not None:
                        on_table = {k: _q(to) if t in renamed else t for k, t in on_table.items()}
                unnamed = _pct_type_routine(raw.stmt)
                if unnamed is not None:
                    checks = {k: v for k, v in checks.items() if not unnamed.search(k)}
                    back &= checks.keys()
                    continue
                made = _index_tables(raw.stmt)
                on_table.update(made)
                if isinstance(raw.stmt, ast.AlterTableStmt):
                    key_indexes.update(made)
                for key, desc, expr in _statement_checks(raw.stmt):
                    checks.pop(key, None)
                    checks[key] = (desc, expr)
                    if desc.endswith(" is back"):
                        back.add(key)
                    else:
                        back.discard(key)
    return list(checks.values())
