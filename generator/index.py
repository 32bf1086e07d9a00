"""The project's rollback index: ``supabase/rollbacks/README.md``.

One table, like the migration-history table of the hand-written procedures, newest first
(the order rollbacks run in), one row per migration:

- **Version** and **Name** of the migration;
- **Depends on**: the earlier migrations that created an object this one uses. An object
  is a table, view, materialized view, sequence, index, function or procedure, type or
  domain, schema or extension; "uses" means the migration names it anywhere (a foreign
  key, a query, a policy, a DROP or ALTER of it, a trigger's function, a column type...).
  Unqualified names are looked up in ``public`` then ``extensions``, the schemas Supabase
  puts on the search_path; a name that no earlier migration created (a Supabase object
  such as ``auth.users``) is no dependency;
- **Reversible**: ``automatic`` (every step is generated SQL and nothing the migration
  destroyed is lost for good), ``with manual steps (n)`` (the rollback stops at a MANUAL
  STEP until a person resolves it), ``irreversible parts`` (the migration destroyed data
  — DATA_NOT_RESTORED — or a statement is acknowledged as irreversible: the rollback
  restores the structure only); the last two can come together;
- **Risk**: the rollback's HIGH / MEDIUM / LOW (steps.overall_risk);
- links to the rollback SQL and its risk document.

The file is sealed like the risk documents (a ``body-sha256`` HTML comment), so
``generate`` refuses to overwrite a hand-edited index without ``--force``. Its name does
not match ``rollback_*``, so it is never taken for a rollback.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast.parser import ParseError

from . import __version__
from .engine import Rollback
from .sqltext import walk
from .steps import Hazard

INDEX_NAME = "README.md"
_SEARCH = ("public", "extensions")

Name = tuple[str, str]  # (schema, name); schemas and extensions use ("", name)


def _split(names: list[str]) -> tuple[str | None, str]:
    names = [n for n in names if n]
    return (names[-2] if len(names) > 1 else None), names[-1]


def _str_names(obj) -> list[str]:
    if isinstance(obj, ast.String):
        return [obj.sval]
    if isinstance(obj, ast.TypeName):
        return [n.sval for n in obj.names]
    if isinstance(obj, ast.ObjectWithArgs):
        return [n.sval for n in obj.objname]
    if isinstance(obj, (list, tuple)):
        return [n.sval for n in obj if isinstance(n, ast.String)]
    return []


def created_names(node: ast.Node) -> list[tuple[str | None, str]]:
    """The objects a forward statement creates, as (schema or None, name)."""
    if isinstance(node, ast.CreateStmt):
        return [(node.relation.schemaname, node.relation.relname)]
    if isinstance(node, ast.ViewStmt):
        return [(node.view.schemaname, node.view.relname)]
    if isinstance(node, ast.CreateTableAsStmt) and node.into and node.into.rel:
        return [(node.into.rel.schemaname, node.into.rel.relname)]
    if isinstance(node, ast.CreateSeqStmt):
        return [(node.sequence.schemaname, node.sequence.relname)]
    if isinstance(node, ast.IndexStmt) and node.idxname:
        return [(node.relation.schemaname, node.idxname)]
    if isinstance(node, ast.CreateFunctionStmt):
        return [_split(_str_names(node.funcname))]
    if isinstance(node, (ast.CreateEnumStmt, ast.CreateRangeStmt)):
        return [_split(_str_names(node.typeName))]
    if isinstance(node, ast.CompositeTypeStmt):
        return [(node.typevar.schemaname, node.typevar.relname)]
    if isinstance(node, ast.CreateDomainStmt):
        return [_split(_str_names(node.domainname))]
    if isinstance(node, ast.CreateSchemaStmt) and node.schemaname:
        return [("", node.schemaname)]
    if isinstance(node, ast.CreateExtensionStmt):
        return [("", node.extname)]
    return []


def _fn_names(node, out) -> None:
    out.append(_split(_str_names(node.funcname)))


def _owa_names(node, out) -> None:
    out.append(_split(_str_names(node)))


def _drop_names(node, out) -> None:
    for obj in node.objects or ():
        names = _str_names(obj)
        if names:
            out.append(_split(names) if len(names) <= 2 else (names[-3], names[-2]))


def _extension_names(node, out) -> None:
    for opt in node.options or ():
        if opt.defname == "schema":
            out.append(("", opt.arg.sval))


def _alter_table_names(node, out) -> None:
    if node.relation is not None and node.relation.schemaname:
        out.append(("", node.relation.schemaname))


# Every name a statement mentions: relations, types, functions, dropped objects.
_USES = {
    ast.RangeVar: lambda node, out: out.append((node.schemaname, node.relname)),
    ast.TypeName: lambda node, out: out.append(_split(_str_names(node))),
    ast.FuncCall: _fn_names,
    ast.ObjectWithArgs: _owa_names,
    ast.CreateTrigStmt: _fn_names,
    ast.DropStmt: _drop_names,
    ast.CreateExtensionStmt: _extension_names,
    ast.AlterTableStmt: _alter_table_names,
}


def used_names(node: ast.Node) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    try:
        for n in walk(node):
            f = _USES.get(type(n))
            if f is not None:
                f(n, out)
    except Exception:  # pragma: no cover - best effort on odd trees
        return []
    for schema, _ in list(out):
        if schema:
            out.append(("", schema))
    return out


@dataclass
class Facts:
    """What the index needs of one rollback (kept instead of the rollback, which holds parse trees)."""

    version: str
    name: str
    sql_name: str
    md_name: str
    uses: list[tuple[str | None, str]]
    creates: list[tuple[str | None, str]]
    reversible: str
    risk: str
    manual: int
    broken: str = ""  # the migration does not parse: where (``path:line:col``); no rollback


def facts(rb: Rollback | Facts) -> Facts:
    if isinstance(rb, Facts):
        return rb
    try:  # the statements replay parsed (parsing again costs as much as half of generate)
        stmts = [st for st, _ in rb.by_statement] or rb.migration.statements()
    except (ParseError, Exception):  # noqa: BLE001 - a file that does not parse depends on nothing known
        stmts = []
    uses: list[tuple[str | None, str]] = []
    creates: list[tuple[str | None, str]] = []
    for st in stmts:
        uses.extend(used_names(st.node))
        creates.extend(created_names(st.node))
    from .render import rollback_file_name

    uses = list(dict.fromkeys(uses))  # (each name once: the cache keeps them, ``dependencies`` reads them)
    if rb.broken is not None:
        where = rb.broken.split("\n", 1)[0]
        return Facts(rb.migration.version, rb.migration.name, "", "", uses, creates, "", "", 0, broken=where)
    return Facts(rb.migration.version, rb.migration.name, rollback_file_name(rb.migration),
                 rollback_file_name(rb.migration, "md"), uses, creates, reversibility(rb), rb.risk,
                 len(rb.manual_steps))


def dependencies(rollbacks: list[Rollback] | list[Facts]) -> dict[str, list[str]]:
    """For each migration version, the earlier versions that created what it uses."""
    created: dict[Name, str] = {}
    out: dict[str, list[str]] = {}
    get = created.get
    for f in map(facts, rollbacks):
        deps: set[str] = set()
        for schema, name in f.uses:
            if schema is not None:
                v = get((schema, name))
            else:  # the first schema of the search path that has it
                for s in _SEARCH:
                    v = get((s, name))
                    if v is not None:
                        break
            if v is not None and v != f.version:
                deps.add(v)
        for schema, name in f.creates:
            created[(schema if schema is not None else "public", name)] = f.version
        out[f.version] = sorted(deps)
    return out


@dataclass
class Row:
    version: str
    name: str
    depends_on: list[str]
    reversible: str
    risk: str
    sql_name: str
    md_name: str
    manual: int
    broken: str = ""


def reversibility(rb: Rollback) -> str:
    manual = len(rb.manual_steps)
    parts = []
    if manual:
        parts.append(f"with manual steps ({manual})")
    if any(h.code in (Hazard.DATA_NOT_RESTORED, Hazard.IRREVERSIBLE) for s in rb.steps for h in s.hazards) or any(
        getattr(s, "irreversible", None) for s in rb.steps
    ):
        parts.append("irreversible parts")
    return "; ".join(parts) or "automatic"


def rows(rollbacks: list[Rollback] | list[Facts]) -> list[Row]:
    """The index rows, newest first."""
    fs = [facts(rb) for rb in rollbacks]
    deps = dependencies(fs)
    out = [
        Row(
            version=f.version,
            name=f.name,
            depends_on=deps.get(f.version, []),
            reversible=f.reversible,
            risk=f.risk,
            sql_name=f.sql_name,
            md_name=f.md_name,
            manual=f.manual,
            broken=f.broken,
        )
        for f in fs
    ]
    # newest first; files sharing a version: the one applied last first (list order)
    return [r for _, r in sorted(enumerate(out), key=lambda t: (t[1].version, t[0]), reverse=True)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_index(rollbacks: list[Rollback] | list[Facts]) -> str:
    """The text of ``README.md`` (sealed with its body hash)."""
    from .render import _MD_SEAL, _PLACEHOLDER, _seal

    rs = rows(rollbacks)
    lines = [
        f"<!-- supabase-rollback {__version__}: index of the rollbacks; body-sha256: {_PLACEHOLDER} -->",
        "# Rollbacks",
        "",
        "Generated by `supabase-rollback generate` from `supabase/migrations/`; do not edit "
        "(regenerate instead). Newest first: to go back to a version, run the rollback of every "
        "migration above it, top to bottom, each with `psql -v ON_ERROR_STOP=1 -f <file>` "
        "(or `supabase-rollback down`).",
        "",
    ]
    if not rs:
        lines.append("No migrations yet.")
    else:
        counts = {k: sum(1 for r in rs if r.risk == k) for k in ("HIGH", "MEDIUM", "LOW")}
        manual = sum(1 for r in rs if r.manual)
        broken = sum(1 for r in rs if r.broken)
        lines.append(
            f"{len(rs)} migration{'s' if len(rs) != 1 else ''}: {counts['HIGH']} HIGH, {counts['MEDIUM']} MEDIUM, "
            f"{counts['LOW']} LOW risk; {manual} with manual steps"
            + (f"; {broken} without a rollback (an error in the file: see `supabase-rollback check`)."
               if broken else ".")
        )
        lines += [
            "",
            "| Version | Name | Depends on | Reversible | Risk | Rollback |",
            "|---------|------|------------|------------|------|----------|",
        ]
        for r in rs:
            deps = ", ".join(r.depends_on) or "None"
            if r.broken:
                lines.append(f"| {r.version} | {_cell(r.name)} | {deps} | **no rollback**: error at "
                             f"`{_cell(r.broken)}` | — | — |")
                continue
            lines.append(
                f"| {r.version} | {_cell(r.name)} | {deps} | {r.reversible} | {r.risk} "
                f"| [SQL]({r.sql_name}) · [risk document]({r.md_name}) |"
            )
    lines += [
        "",
        "Risk: HIGH when a rollback drops data written since its migration or cannot bring back "
        "data the migration destroyed; MEDIUM when it locks or rewrites tables, casts lossily, widens "
        "access or needs a person; LOW otherwise. Each risk document lists the reasons.",
        "",
    ]
    return _seal("\n".join(lines), _MD_SEAL)
