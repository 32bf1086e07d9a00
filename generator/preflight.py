"""Pre-flight (drift) checks and post-rollback assertions: the rollback protects itself.

A rollback is computed from the migration history, so it is only right for a database in
the state the migration left. The pre-flight block runs first, inside the rollback's
transaction, and stops the file (changing nothing) unless every object the rollback
touches is as the migration left it (``expectations``):

- an object the rollback drops or changes exists, with the right kind (a table is a
  table, not a view);
- an object the rollback creates does not exist yet (above all: a function or view the
  rollback recreates with ``CREATE OR REPLACE`` must not silently overwrite one somebody
  created since);
- functions, views, policies and triggers the rollback drops or replaces still have the
  definition the migration gave them, and columns it drops or changes still have the type
  the migration gave them.

Definitions are compared with PostgreSQL's own normalisation, at run time: the generator
is static, so it cannot know what ``pg_get_functiondef`` prints for the migration's
definition. Inside a subtransaction the block reads the live definition
(``pg_get_functiondef`` / ``pg_get_viewdef`` and the view's options / ``pg_policies`` /
``pg_get_triggerdef`` / ``format_type`` of the column) and, for functions, views, policies
and triggers, the parse tree PostgreSQL stored for it (``_tree``); recreates the object as
the migration left it (``CREATE OR REPLACE FUNCTION`` / ``CREATE OR REPLACE VIEW`` / ``DROP
POLICY`` + ``CREATE POLICY`` / ``DROP TRIGGER`` + ``CREATE TRIGGER`` / a temporary table
with a column of the expected type), reads it again the same ways, under the same
search_path, and then raises to roll the subtransaction back, so the probe leaves nothing
behind. The object is unchanged when the two texts are equal or, failing that, the two
trees without source positions and spellings (the probe is recreated from pglast's re-print
of the migration, and PostgreSQL prints ``timezone('UTC', x)`` and ``x AT TIME ZONE 'UTC'``
differently although they are one call). On a mismatch the block names the object and the
first line of the texts that differs.

Materialized views, indexes, types, sequences, schemas and extensions are checked for
existence and kind only. Objects that the history does not describe reliably (tainted by
a statement the generator could not analyse) are checked for existence only.

The post-rollback assertions run at the end of the last transaction: every query of the
document's verification section must return true, otherwise the transaction rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast.enums import AlterTableType as AT
from pglast.enums import ObjectType
from pglast.parser import ParseError

from .catalog import DEFAULT_SEARCH_PATH, Catalog
from .sqltext import dollar_tag, literal, parsed, qname, quote_ident, regprocedure_sql, render


@dataclass(frozen=True)
class Expectation:
    """One check of the state the migration left.

    ``read`` is a query returning one text value, NULL when the object does not exist.
    ``mode``: "exists" (read is not NULL, and equals ``want`` when that is set), "absent"
    (read is NULL), "same" (read equals what ``read`` — or ``probe_read`` — returns after
    running ``probe``, the statements that recreate the object as the migration left it).
    """

    label: str  # "function public.f(bigint)"
    mode: str
    read: str
    want: str | None = None
    probe: tuple[str, ...] = ()
    probe_read: str | None = None
    search_path: tuple[str, ...] = DEFAULT_SEARCH_PATH
    # "same" only: a query returning the object's stored parse tree (normalised, see
    # ``_tree``), read before and after the probe like ``read``. The object is as the
    # migration left it when the two reads are equal OR the two trees are.
    tree: str | None = None


# -- what to check -----------------------------------------------------------------------------

_RELKIND_SQL = (
    "SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' "
    "WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' "
    "WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END "
    "FROM pg_class c WHERE c.oid = to_regclass({name})"
)
_RELATION_DROPS = {
    ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_VIEW: "view",
    ObjectType.OBJECT_MATVIEW: "materialized view",
    ObjectType.OBJECT_INDEX: "index",
    ObjectType.OBJECT_SEQUENCE: "sequence",
    ObjectType.OBJECT_FOREIGN_TABLE: "foreign table",
}


def _relkind_read(q: str) -> str:
    return _RELKIND_SQL.format(name=literal(q))


def _tree(expr: str) -> str:
    """SQL normalising ``expr``, a stored parse tree (``pg_node_tree``: a view's query, a
    default, a policy's USING, a trigger's WHEN...), to what it means: it drops where in
    the source text each node was (``location``, the statement's offset and length) and
    how a call or cast was spelled (``funcformat`` & co.: ``timezone('UTC', x)`` or ``x
    AT TIME ZONE 'UTC'``, ``x::int`` or ``CAST(x AS int)``, ``ROW(a, b)`` or ``(a,
    b)``), and the column names a relation had when the tree was stored (``eref``: a
    column added to a table since is no change of the view that reads it)."""
    out = f"{expr}::text"
    for pattern, replacement in (
        (r":(location|stmt_location) -?[0-9]+", r":\1 -1"),
        (r":(stmt_len|funcformat|relabelformat|coerceformat|convertformat|row_format) [0-9]+", r":\1 0"),
        (r'(:eref \{ALIAS :aliasname (?:[^ \\]|\\.)*) :colnames (?:<>|\((?:"(?:[^"\\]|\\.)*" ?)*\))\}', r"\1}"),
    ):
        out = f"regexp_replace({out}, {literal(pattern)}, {literal(replacement)}, 'g')"
    return out


def _function_read(sig: str) -> str:
    return f"SELECT pg_get_functiondef({regprocedure_sql(sig)})"


def _function_tree(sig: str) -> str:
    return (
        "SELECT (to_jsonb(p) - 'oid' - 'prosqlbody' - 'proargdefaults')::text"
        f" || E'\\n' || coalesce({_tree('p.prosqlbody')}, '') || E'\\n' || coalesce({_tree('p.proargdefaults')}, '')"
        f" FROM pg_proc p WHERE p.oid = to_regprocedure({literal(sig)})"
    )


def _view_read(q: str) -> str:
    return (
        "SELECT pg_get_viewdef(c.oid) || E'\\n-- options: ' || coalesce(c.reloptions::text, '{}') "
        f"FROM pg_class c WHERE c.oid = to_regclass({literal(q)}) AND c.relkind = 'v'"
    )


def _view_tree(q: str) -> str:
    return (
        f"SELECT {_tree('r.ev_action')} || E'\\n' || coalesce(c.reloptions::text, '{{}}') "
        "FROM pg_class c JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN' "
        f"WHERE c.oid = to_regclass({literal(q)}) AND c.relkind = 'v'"
    )


def _policy_tree(q: str, name: str) -> str:
    return (
        "SELECT concat_ws(E'\\n', p.polpermissive::text, p.polcmd::text, p.polroles::text, "
        f"'using ' || {_tree('p.polqual')}, 'with check ' || {_tree('p.polwithcheck')}) FROM pg_policy p "
        f"WHERE p.polrelid = to_regclass({literal(q)}) AND p.polname = {literal(name)}"
    )


def _trigger_tree(q: str, name: str) -> str:
    return (
        f"SELECT (to_jsonb(t) - 'oid' - 'tgqual')::text || E'\\n' || coalesce({_tree('t.tgqual')}, '') "
        f"FROM pg_trigger t WHERE t.tgrelid = to_regclass({literal(q)}) AND t.tgname = {literal(name)} "
        "AND NOT t.tgisinternal"
    )


def _policy_read(schema: str, table: str, name: str) -> str:
    return (
        "SELECT concat_ws(E'\\n', 'as ' || permissive, 'for ' || cmd, 'to ' || array_to_string(roles, ', '), "
        "'using ' || qual, 'with check ' || with_check) FROM pg_policies "
        f"WHERE schemaname = {literal(schema)} AND tablename = {literal(table)} AND policyname = {literal(name)}"
    )


def _trigger_read(schema: str, table: str, name: str) -> str:
    return (
        "SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t "
        f"WHERE t.tgrelid = to_regclass({literal(qname(schema, table))}) AND t.tgname = {literal(name)} "
        "AND NOT t.tgisinternal"
    )


def _column_read(q: str, column: str) -> str:
    return (
        "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        f"WHERE a.attrelid = to_regclass({literal(q)}) AND a.attname = {literal(column)} "
        "AND a.attnum > 0 AND NOT a.attisdropped"
    )


_PROBE_TABLE = "pg_temp.supabase_rollback_preflight"


class _Collector:
    def __init__(self, catalog: Catalog, migration: str) -> None:
        self.cat = catalog
        self.migration = migration
        self.out: dict[str, Expectation] = {}
        # key prefixes of names an earlier rollback statement gave (RENAME, SET SCHEMA) or
        # of the parts of a relation it created: nothing the migration left is under them
        self.renamed: list[str] = []

    def add(self, key: str, e: Expectation) -> None:
        if not any(key == r or key.startswith(r + ".") or key.startswith(r + "(") for r in self.renamed):
            self.out.setdefault(key, e)

    def _rename(self, node: ast.RenameStmt | ast.AlterObjectSchemaStmt, path) -> None:
        """Remember the name (prefix of keys) a rename or SET SCHEMA in the rollback gives."""
        kind = node.renameType if isinstance(node, ast.RenameStmt) else node.objectType
        new = getattr(node, "newname", None)
        rv = node.relation
        if rv is not None:
            schema, name = self._key(rv.schemaname, rv.relname, path)
            q = qname(schema, name)
            if kind == ObjectType.OBJECT_COLUMN and new:
                self.renamed.append(f"col:{q}.{new}")
            elif kind == ObjectType.OBJECT_POLICY and new:
                self.renamed.append(f"pol:{q}.{new}")
            elif kind == ObjectType.OBJECT_TRIGGER and new:
                self.renamed.append(f"trg:{q}.{new}")
            elif kind in _RELATION_DROPS:
                moved = qname(node.newschema, name) if isinstance(node, ast.AlterObjectSchemaStmt) else qname(schema, new)
                self.renamed.extend(f"{k}:{moved}" for k in ("rel", "col", "pol", "trg"))
            return
        obj = node.object
        if isinstance(obj, ast.String):  # extensions, schemas: a bare name
            obj = (obj,)
        names = [n.sval for n in (obj.objname if isinstance(obj, ast.ObjectWithArgs) else getattr(obj, "names", obj) or ())]
        if not names:
            return
        schema = node.newschema if isinstance(node, ast.AlterObjectSchemaStmt) else (names[-2] if len(names) > 1 else None)
        name = new if isinstance(node, ast.RenameStmt) else names[-1]
        if kind in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE, ObjectType.OBJECT_ROUTINE):
            self.renamed.append(f"fn:{qname(schema, name)}")
        elif kind in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
            self.renamed.append(f"type:{qname(schema, name)}")

    # -- relations -----------------------------------------------------------------------

    def _key(self, schema: str | None, name: str, path: tuple[str, ...]) -> tuple[str, str]:
        saved = self.cat.search_path
        self.cat.search_path = path
        try:
            return self.cat.resolve_relation(schema, name)
        finally:
            self.cat.search_path = saved

    def relation(self, schema: str | None, name: str, kind: str, dropping: bool, path) -> None:
        key = self._key(schema, name, path)
        q = qname(*key)
        known = self.cat.relation_kind(key)
        if kind == "table" and known is None and key in self.cat.tables:
            known = "table"
        label = f"{kind} {q}"
        if known is None and not dropping:
            self.add(f"rel:{q}", Expectation(label, "absent", _relkind_read(q), search_path=path))
            return
        want = known or kind
        if want == "view" and key in self.cat.views and not self._tainted(("view", q)):
            v = self.cat.views[key]
            from .handlers.views import create_sql, uses_star

            if uses_star(v.definition):  # "*" would expand to today's columns: existence only
                self.add(f"rel:{q}", Expectation(f"view {q}", "exists", _relkind_read(q), want="view", search_path=path))
                return

            self.add(f"rel:{q}", Expectation(
                label, "same", _view_read(q), probe=(create_sql(v, replace=True),), search_path=v.search_path,
                tree=_view_tree(q),
            ))
            return
        self.add(f"rel:{q}", Expectation(f"{want} {q}", "exists", _relkind_read(q), want=want, search_path=path))

    def column(self, schema: str | None, table: str, column: str, dropping: bool, path) -> None:
        key = self._key(schema, table, path)
        q = qname(*key)
        self.relation(*key, "table", True, path)
        t = self.cat.tables.get(key)
        label = f"column {q}.{quote_ident(column)}"
        read = _column_read(q, column)
        if t is None or column not in t.columns:
            if dropping:
                self.add(f"col:{q}.{column}", Expectation(label, "exists", read, search_path=path))
            elif t is not None:
                self.add(f"col:{q}.{column}", Expectation(label, "absent", read, search_path=path))
            return
        if self._tainted(("table", q)):
            self.add(f"col:{q}.{column}", Expectation(label, "exists", read, search_path=path))
            return
        col = t.columns[column]
        probe = f"CREATE TEMP TABLE {_PROBE_TABLE} (c {col.type});"
        probe_read = (
            "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            f"WHERE a.attrelid = {literal(_PROBE_TABLE)}::regclass AND a.attname = 'c'"
        )
        self.add(f"col:{q}.{column}", Expectation(
            f"{label} ({col.type})", "same", read, probe=(probe,), probe_read=probe_read, search_path=t.search_path,
        ))

    # -- functions, policies, triggers ---------------------------------------------------------

    def function(self, owa: ast.ObjectWithArgs | None, node: ast.CreateFunctionStmt | None, dropping: bool, path) -> None:
        from .engine import Unsupported
        from .handlers.functions import find_function, identity_args

        saved = self.cat.search_path
        self.cat.search_path = path
        try:
            if node is not None:
                names = [n.sval for n in node.funcname]
                schema = names[-2] if len(names) > 1 else (
                    self.cat.resolve_function_schema(names[-1]) or self.cat.creation_schema())
                args = identity_args(node.parameters, self.cat)
                f = self.cat.functions.get((schema, names[-1], args))
                sig = f"{qname(schema, names[-1])}({args})"
                overloaded = any(k[:2] == (schema, names[-1]) for k in self.cat.functions)
            else:
                assert owa is not None
                try:
                    sig, f = find_function(owa, ObjectType.OBJECT_FUNCTION, self.cat)
                except Unsupported:
                    return
                overloaded = True
        finally:
            self.cat.search_path = saved
        exists_read = f"SELECT {regprocedure_sql(sig)}::text"
        if f is None:
            if dropping:
                self.add(f"fn:{sig}", Expectation(f"function {sig}", "exists", exists_read, search_path=path))
            elif not overloaded:  # no function of that name at all: safe to say it must not exist
                self.add(f"fn:{sig}", Expectation(f"function {sig}", "absent", exists_read, search_path=path))
            if not dropping:  # created by the rollback: later statements on it say nothing of the start
                self.renamed.append(f"fn:{sig}")
            return
        label = f"{f.kind} {f.signature}"
        if f.kind == "aggregate" or self._tainted(("function", f.signature)):
            self.add(f"fn:{sig}", Expectation(label, "exists", exists_read, search_path=f.search_path))
            return
        self.add(f"fn:{sig}", Expectation(
            label, "same", _function_read(f.signature), probe=(f.definition + ";",), search_path=f.search_path,
            tree=_function_tree(f.signature),
        ))

    def policy(self, schema: str | None, table: str, name: str, dropping: bool, path) -> None:
        key = self._key(schema, table, path)
        q = qname(*key)
        label = f"policy {quote_ident(name)} on {q}"
        read = _policy_read(key[0], key[1], name)
        p = self.cat.policies.get((key[0], key[1], name))
        if p is None:
            self.add(f"pol:{q}.{name}", Expectation(label, "exists" if dropping else "absent", read, search_path=path))
            return
        probe = (f"DROP POLICY {quote_ident(name)} ON {q};", p.create_sql() + ";")
        self.add(f"pol:{q}.{name}", Expectation(
            label, "same", read, probe=probe, search_path=p.search_path, tree=_policy_tree(q, name),
        ))

    def trigger(self, schema: str | None, table: str, name: str, dropping: bool, path) -> None:
        key = self._key(schema, table, path)
        q = qname(*key)
        label = f"trigger {quote_ident(name)} on {q}"
        read = _trigger_read(key[0], key[1], name)
        t = self.cat.triggers.get((key[0], key[1], name))
        if t is None or self._tainted(("table", q)):
            self.add(f"trg:{q}.{name}", Expectation(label, "exists" if dropping or t else "absent", read, search_path=path))
            return
        probe = (f"DROP TRIGGER {quote_ident(name)} ON {q};", t.definition.rstrip().rstrip(";") + ";")
        self.add(f"trg:{q}.{name}", Expectation(
            label, "same", read, probe=probe, search_path=path, tree=_trigger_tree(q, name),
        ))

    # -- the rest: existence only --------------------------------------------------------------

    def simple(self, kind: str, ident: str, read: str, present: bool, dropping: bool, path) -> None:
        if present or dropping:
            self.add(f"{kind}:{ident}", Expectation(f"{kind} {ident}", "exists", read, search_path=path))
        else:
            self.add(f"{kind}:{ident}", Expectation(f"{kind} {ident}", "absent", read, search_path=path))

    def _tainted(self, ref) -> bool:
        return ref in self.cat.tainted

    # -- statements ----------------------------------------------------------------------------

    def statement(self, node: ast.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, (ast.RenameStmt, ast.AlterObjectSchemaStmt)):
            self._rename(node, path)
        elif isinstance(node, ast.DropStmt):
            self._drop(node, path)
        elif isinstance(node, ast.CreateStmt):
            self.relation(node.relation.schemaname, node.relation.relname, "table", False, path)
            q = qname(*self._key(node.relation.schemaname, node.relation.relname, path))
            self.renamed.extend(f"{k}:{q}" for k in ("col", "pol", "trg"))
        elif isinstance(node, (ast.CreateEnumStmt, ast.CreateDomainStmt, ast.CreateRangeStmt, ast.CompositeTypeStmt)):
            rv = getattr(node, "typevar", None)
            names = _rel_names(rv) if rv is not None else [
                n.sval for n in (node.domainname if isinstance(node, ast.CreateDomainStmt) else node.typeName)]
            self.renamed.append(f"type:{qname(*names) if len(names) > 1 else quote_ident(names[0])}")
        elif isinstance(node, ast.CreateSchemaStmt) and node.schemaname:
            self.renamed.append(f"schema:{quote_ident(node.schemaname)}")
        elif isinstance(node, ast.CreateExtensionStmt):
            self.renamed.append(f"extension:{node.extname}")
        elif isinstance(node, ast.ViewStmt):
            self.relation(node.view.schemaname, node.view.relname, "view", False, path)
        elif isinstance(node, ast.CreateTableAsStmt) and node.into and node.into.rel:
            rel = node.into.rel
            self.relation(rel.schemaname, rel.relname, "materialized view", False, path)
        elif isinstance(node, ast.IndexStmt) and node.idxname:
            self.relation(node.relation.schemaname, node.idxname, "index", False, path)
        elif isinstance(node, ast.CreateFunctionStmt):
            self.function(None, node, False, path)
        elif isinstance(node, ast.AlterFunctionStmt):
            self.function(node.func, None, True, path)
        elif isinstance(node, ast.CreatePolicyStmt):
            self.policy(node.table.schemaname, node.table.relname, node.policy_name, False, path)
        elif isinstance(node, ast.AlterPolicyStmt):
            self.policy(node.table.schemaname, node.table.relname, node.policy_name, True, path)
        elif isinstance(node, ast.CreateTrigStmt):
            self.trigger(node.relation.schemaname, node.relation.relname, node.trigname, bool(node.replace), path)
        elif isinstance(node, ast.AlterTableStmt) and node.objtype == ObjectType.OBJECT_TABLE:
            self._alter_table(node, path)

    def _drop(self, node: ast.DropStmt, path) -> None:
        kind = node.removeType
        for obj in node.objects or ():
            if kind in (ObjectType.OBJECT_FUNCTION, ObjectType.OBJECT_PROCEDURE):
                self.function(obj, None, True, path)
                continue
            names = [obj.sval] if isinstance(obj, ast.String) else [n.sval for n in getattr(obj, "names", obj)]
            if kind in _RELATION_DROPS:
                self.relation(names[-2] if len(names) > 1 else None, names[-1], _RELATION_DROPS[kind], True, path)
            elif kind == ObjectType.OBJECT_POLICY and len(names) >= 2:
                self.policy(names[-3] if len(names) > 2 else None, names[-2], names[-1], True, path)
            elif kind == ObjectType.OBJECT_TRIGGER and len(names) >= 2:
                self.trigger(names[-3] if len(names) > 2 else None, names[-2], names[-1], True, path)
            elif kind in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
                q = qname(*names) if len(names) > 1 else quote_ident(names[0])
                self.simple("type", q, f"SELECT to_regtype({literal(q)})::text", True, True, path)
            elif kind == ObjectType.OBJECT_SCHEMA:
                self.simple("schema", quote_ident(names[0]),
                            f"SELECT nspname::text FROM pg_namespace WHERE nspname = {literal(names[0])}", True, True, path)
            elif kind == ObjectType.OBJECT_EXTENSION:
                self.simple("extension", names[0],
                            f"SELECT extversion FROM pg_extension WHERE extname = {literal(names[0])}", True, True, path)

    def _alter_table(self, node: ast.AlterTableStmt, path) -> None:
        rv = node.relation
        self.relation(rv.schemaname, rv.relname, "table", True, path)
        for cmd in node.cmds or ():
            if cmd.subtype == AT.AT_DropColumn:
                self.column(rv.schemaname, rv.relname, cmd.name, True, path)
            elif cmd.subtype == AT.AT_AddColumn and isinstance(cmd.def_, ast.ColumnDef):
                self.column(rv.schemaname, rv.relname, cmd.def_.colname, False, path)
            elif cmd.subtype in (AT.AT_AlterColumnType, AT.AT_SetNotNull, AT.AT_DropNotNull, AT.AT_ColumnDefault) and cmd.name:
                self.column(rv.schemaname, rv.relname, cmd.name, True, path)


def _rel_names(rv: ast.RangeVar) -> list[str]:
    return [n for n in (rv.schemaname, rv.relname) if n]


def expectations(steps, catalog: Catalog, migration_file: str) -> list[Expectation]:
    """What the pre-flight block checks, from the rollback's steps and the catalog as the
    migration left it (the catalog right after the migration was replayed)."""
    c = _Collector(catalog, migration_file)
    for step in steps:
        if step.manual:
            continue
        path = step.search_path if step.search_path is not None else DEFAULT_SEARCH_PATH
        for sql in step.sql:
            try:
                raws = parsed(sql)
            except ParseError:
                continue
            for raw in raws:
                c.statement(raw.stmt, tuple(path))
    return list(c.out.values())


# -- the SQL ---------------------------------------------------------------------------------------


def _dollar(text: str, base: str = "q") -> str:
    tag = dollar_tag(text, base)
    return f"{tag}{text}{tag}"


def _path_value(path: tuple[str, ...]) -> str:
    return ", ".join(quote_ident(s) for s in path) if path else '""'


def _row(e: Expectation) -> str:
    probe = "ARRAY[" + ", ".join(_dollar(s) for s in e.probe) + "]::text[]" if e.probe else "NULL::text[]"
    fields = [
        literal(e.label),
        literal(e.mode),
        _dollar(e.read),
        literal(e.want) if e.want is not None else "NULL::text",
        probe,
        _dollar(e.probe_read) if e.probe_read else "NULL::text",
        literal(_path_value(e.search_path)),
        _dollar(e.tree) if e.tree else "NULL::text",
    ]
    return "(" + ",\n     ".join(fields) + ")"


_PREFLIGHT_BODY = """
DECLARE
  c record;
  s text;
  actual text;
  expected text;
  actual_tree text;
  expected_tree text;
  err text;
  probed boolean;
  al text[];
  el text[];
  problems text[] := '{{}}';
BEGIN
  FOR c IN SELECT * FROM (VALUES
    {rows}
  ) AS v(label, mode, read, want, probe, probe_read, path, tree)
  LOOP
    actual := NULL; expected := NULL; actual_tree := NULL; expected_tree := NULL; err := NULL; probed := false;
    -- A subtransaction: the probe recreates the object as the migration left it, reads
    -- it back, and the RAISE at the end undoes everything it did.
    BEGIN
      PERFORM set_config('search_path', c.path, true);
      PERFORM set_config('check_function_bodies', 'off', true);
      EXECUTE c.read INTO actual;
      IF c.mode = 'same' AND actual IS NOT NULL THEN
        IF c.tree IS NOT NULL THEN
          EXECUTE c.tree INTO actual_tree;
        END IF;
        FOREACH s IN ARRAY c.probe LOOP
          EXECUTE s;
        END LOOP;
        EXECUTE coalesce(c.probe_read, c.read) INTO expected;
        IF c.tree IS NOT NULL THEN
          EXECUTE c.tree INTO expected_tree;
        END IF;
      END IF;
      probed := true;
      RAISE EXCEPTION 'undo the probe';
    EXCEPTION WHEN lock_not_available THEN
      RAISE;  -- lock_timeout: the caller decides whether to wait longer
    WHEN OTHERS THEN
      IF NOT probed THEN
        err := SQLERRM;
      END IF;
    END;
    IF err IS NOT NULL AND c.mode <> 'absent' THEN
      problems := problems || format('%s cannot be checked: %s', c.label, err);
    ELSIF err IS NOT NULL THEN
      NULL;  -- what its name needs does not exist, so neither does the object
    ELSIF c.mode = 'absent' AND actual IS NOT NULL THEN
      problems := problems || format('%s exists, but {migration} left none: it was created since, and the rollback would replace or trip over it', c.label);
    ELSIF c.mode <> 'absent' AND actual IS NULL THEN
      problems := problems || format('%s does not exist, but {migration} left it', c.label);
    ELSIF c.want IS NOT NULL AND actual IS DISTINCT FROM c.want THEN
      problems := problems || format('%s is a %s now, not a %s', c.label, actual, c.want);
    ELSIF c.mode = 'same' AND actual IS DISTINCT FROM expected
        AND (actual_tree IS NULL OR actual_tree IS DISTINCT FROM expected_tree) THEN
      -- the printed definitions differ, and so do the stored parse trees: a real change
      al := string_to_array(actual, E'\\n');
      el := string_to_array(coalesce(expected, ''), E'\\n');
      FOR i IN 1 .. greatest(cardinality(al), cardinality(el)) LOOP
        IF al[i] IS DISTINCT FROM el[i] THEN
          problems := problems || format('%s was changed after {migration}: line %s is %s, the migration left %s',
            c.label, i, coalesce(quote_literal(btrim(al[i])), 'missing'), coalesce(quote_literal(btrim(el[i])), 'nothing'));
          EXIT;
        END IF;
      END LOOP;
    END IF;
  END LOOP;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION E'pre-flight check failed, nothing was changed: the database is not in the state {migration} left it in\\n- %',
      array_to_string(problems, E'\\n- ')
      USING HINT = 'Find out who changed these objects and why before rolling back. To run the rollback anyway, regenerate it with --no-preflight.';
  END IF;
END
"""


def preflight_sql(checks: list[Expectation], migration_file: str) -> str:
    """The ``DO`` block that checks ``checks`` and raises, naming each mismatch."""
    mig = migration_file.replace("'", "''").replace("%", "%%")
    body = _PREFLIGHT_BODY.format(rows=",\n    ".join(_row(e) for e in checks), migration=mig)
    return f"DO {_dollar(body, 'preflight')};"


def assertions_sql(checks: list[tuple[str, str]]) -> str:
    """The ``DO`` block that raises unless every verification query is true."""
    rows = ",\n    ".join(f"({literal(desc)}, {expr})" for desc, expr in checks)
    body = (
        "\nDECLARE\n  failed text;\nBEGIN\n"
        "  SELECT string_agg(label, E'\\n- ') INTO failed FROM (VALUES\n"
        f"    {rows}\n"
        "  ) AS v(label, ok) WHERE ok IS NOT TRUE;\n"
        "  IF failed IS NOT NULL THEN\n"
        "    RAISE EXCEPTION E'post-rollback assertion failed, the transaction is rolled back:\\n- %', failed;\n"
        "  END IF;\nEND\n"
    )
    return f"DO {_dollar(body, 'assert')};"
