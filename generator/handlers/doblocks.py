"""DO blocks: the PL/pgSQL idioms migrations use to make DDL re-runnable, decided statically.

The body is parsed with PostgreSQL's own PL/pgSQL parser (``pglast.parse_plpgsql``) and
run in the mind against the catalog:

- ``IF <guard> THEN ... [ELSIF ...] [ELSE ...] END IF``: the guard is decided from the
  catalog (``catalog_query.decide``: ``EXISTS (SELECT ... FROM pg_type/pg_class/pg_tables/
  information_schema.tables|columns/pg_policies/pg_constraint/pg_proc/pg_roles/
  pg_extension/pg_publication_tables/pg_trigger ...)``, ``to_regclass(...) IS NULL``...);
  ``PERFORM <catalog query>`` then ``IF [NOT] FOUND`` works the same way.
- Plain SQL statements and ``EXECUTE '<constant string>'`` go through the normal handlers
  as if they were top-level statements, so the catalog and the inverse are exact.
- ``BEGIN ... EXCEPTION WHEN duplicate_object / duplicate_table / duplicate_column /
  duplicate_function / duplicate_schema [OR ...] THEN NULL; END`` (the handler may only
  RAISE a notice): every statement is checked against the catalog. If one would fail with
  a caught error (its object already exists), the whole block did nothing: no inverse.
  Otherwise it ran: its normal inverse. The same for renames guarded by ``WHEN
  undefined_table / undefined_column / undefined_object`` (a second run finds the old
  name gone): a rename of a table, view, sequence, index, column or type the catalog
  holds and trusts cannot fail so. ``WHEN OTHERS`` swallows any error, so a block
  the catalog says succeeded may still have failed: manual.
- ``RAISE NOTICE/WARNING/INFO...`` and ``ASSERT`` are inert; a branch that ends in ``RAISE
  EXCEPTION`` cannot have run (the migration succeeded), so an undecided guard in front
  of it is fine. A block that only raises notices needs no inverse.
- Anything else (loops, variables, SQL built with ``format()``, ``SELECT ... INTO``,
  ``CASE``, ``RETURN`` mid-block...) makes the whole block a manual step naming what it
  appears to do; the catalog is left as it was, and the relations its SQL names and every
  object its dynamic SQL may have reached (``doscope``: kinds from the statement templates,
  scope from the loop queries) are distrusted, so later rollbacks of them are manual.
"""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass, field
from typing import Any

import pglast
from pglast import ast
from pglast.parser import ParseError, parse_sql
from pglast.visitors import Visitor

from ..catalog import Catalog
from ..catalog_query import decide, select_exists
from ..engine import _DATA_STATEMENTS, DO_BLOCK, Context, Unsupported, _taint_referenced, handle_statement, handles
from ..parse import Statement
from ..sqltext import dollar_tag, qname
from ..steps import Step
from . import doscope
from .functions import identity_args

_ERROR_LEVEL = 21  # elog ERROR: RAISE EXCEPTION

# SQLSTATE codes of the conditions a duplicate-guard catches.
_CODES = {
    "42710": "duplicate_object", "42P07": "duplicate_table", "42701": "duplicate_column",
    "42723": "duplicate_function", "42P06": "duplicate_schema", "42P16": "invalid_table_definition",
    "23505": "unique_violation", "42704": "undefined_object", "42P01": "undefined_table",
    "42703": "undefined_column",
}
_DUPLICATES = frozenset({"duplicate_object", "duplicate_table", "duplicate_column", "duplicate_function",
                         "duplicate_schema", "invalid_table_definition"})


class _Caught(Exception):
    """A statement failed with an error an enclosing EXCEPTION clause catches."""

    def __init__(self, depth: int) -> None:
        super().__init__(depth)
        self.depth = depth


class _Raised(Exception):
    """RAISE EXCEPTION was reached: the branch cannot have run."""


class _Drift(Unsupported):
    """The catalog says a branch that ran raises an exception: the database differs from the history."""


class _Returned(Exception):
    """RETURN: the block stops here."""


class _NotLast(Exception):
    """A dry run (``_Run.dry``) met something that runs after the block's first statement."""


def _body(node: ast.DoStmt) -> str:
    return next((a.arg.sval for a in node.args or () if a.defname == "as"), "")


def parse_do(node: ast.DoStmt) -> dict[str, Any]:
    """The PL/pgSQL tree of a DO block (raises Unsupported for other languages)."""
    body = next((a.arg.sval for a in node.args or () if a.defname == "as"), None)
    language = next((a.arg.sval for a in node.args or () if a.defname == "language"), "plpgsql")
    if body is None:
        raise Unsupported("the DO block has no body")
    if language.lower() != "plpgsql":
        raise Unsupported(f"the DO block is written in {language}, which the generator cannot read")
    tag = dollar_tag(body, "body")
    try:
        tree = pglast.parse_plpgsql(f"CREATE FUNCTION pg_temp.do_block() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}")
    except ParseError as exc:
        raise Unsupported(f"the DO block's body does not parse as PL/pgSQL: {exc}") from None
    return tree[0]["PLpgSQL_function"]


def _expr(node: dict[str, Any] | None) -> str:
    return (node or {}).get("PLpgSQL_expr", {}).get("query", "")


def _parse_expression(text: str) -> ast.Node:
    try:
        return parse_sql(f"SELECT {text}")[0].stmt.targetList[0].val
    except (ParseError, IndexError, AttributeError):
        raise Unsupported(f"the expression `{text}` cannot be read") from None


def _constant_string(text: str) -> str | None:
    """The value of a string literal expression (``'create table ...'`` or ``$q$...$q$``)."""
    node = _parse_expression(text)
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


# -- predicting duplicate errors --------------------------------------------------------


def _names(names) -> tuple[str | None, str]:
    parts = [n.sval for n in names]
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def _type_taken(cat: Catalog, schema: str | None, name: str) -> bool:
    schema = schema or cat.creation_schema()
    return (schema, name) in cat.types or cat.relation_kind((schema, name)) is not None


def _relation_error(cat: Catalog, rv: ast.RangeVar, if_not_exists: bool = False) -> str | None:
    if if_not_exists:
        return None
    key = (rv.schemaname or cat.creation_schema(), rv.relname)
    kind = cat.relation_kind(key)
    if kind and kind != "type":
        return "duplicate_table"
    if key in cat.types:
        return "duplicate_object"
    return None


def _alter_table_error(node: ast.AlterTableStmt, cat: Catalog) -> str | None:
    key = cat.resolve_relation(node.relation.schemaname, node.relation.relname)
    table = cat.tables.get(key)
    if table is None:
        raise Unsupported(f"table {key[0]}.{key[1]} is not known, so whether the statement failed cannot be told")
    for cmd in node.cmds or ():
        sub = getattr(cmd.subtype, "name", str(cmd.subtype))
        if sub == "AT_AddColumn":
            if not cmd.missing_ok and cmd.def_.colname in table.columns:
                return "duplicate_column"
        elif sub == "AT_AddConstraint":
            con = cmd.def_
            name = con.conname
            kind = getattr(con.contype, "name", "")
            if kind == "CONSTR_PRIMARY" and any(c.kind == "p" for c in table.constraints.values()):
                return "invalid_table_definition"
            if name and name in table.constraints:
                return "duplicate_table" if kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION") else "duplicate_object"
            if name and kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION") and cat.relation_kind((key[0], name)):
                return "duplicate_table"
    return None


def _publication_error(node: ast.AlterPublicationStmt, cat: Catalog) -> str | None:
    """ADD TABLE of a member: duplicate_object; DROP TABLE of a non-member: undefined_object."""
    action = getattr(node.action, "name", "")
    pub = cat.publications.get(node.pubname)
    if action not in ("AP_AddObjects", "AP_DropObjects") or pub is None or pub.all_tables:
        raise Unsupported(f"whether `ALTER PUBLICATION {node.pubname}` failed cannot be predicted")
    for obj in node.pubobjects or ():
        if obj.pubtable is None:
            raise Unsupported("ALTER PUBLICATION of schemas cannot be predicted")
        rv = obj.pubtable.relation
        member = cat.resolve_relation(rv.schemaname, rv.relname) in pub.tables
        if action == "AP_AddObjects" and member:
            return "duplicate_object"
        if action == "AP_DropObjects" and not member:
            return "undefined_object"
    return None


_RELATIONS = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_SEQUENCE", "OBJECT_INDEX"})


def _rename_error(node: ast.RenameStmt, cat: Catalog) -> str | None:
    """``ALTER TABLE/VIEW/SEQUENCE/INDEX ... RENAME [COLUMN|CONSTRAINT] ... TO``, ``ALTER TYPE ... RENAME
    TO``: decided for an object the catalog holds and trusts (a name it does not hold may
    still exist: then whether it failed cannot be told, unless IF EXISTS made a missing
    one a notice)."""
    kind = getattr(node.renameType, "name", "")
    if kind in _RELATIONS or kind in ("OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"):
        rv = node.relation
        key = cat.resolve_relation(rv.schemaname, rv.relname)
        have = cat.relation_kind(key)
        if have is None:
            if node.missing_ok:
                return None  # IF EXISTS: a notice
            raise Unsupported(f"relation {qname(*key)} is not known, so whether the statement failed cannot be told")
        reason = cat.tainted.get((have, qname(*key)))
        if reason:
            raise Unsupported(f"{have} {qname(*key)} was changed by {reason}, so whether the statement failed cannot be told")
        if kind in _RELATIONS:
            new = (key[0], node.newname)
            return "duplicate_table" if cat.relation_kind(new) or new in cat.types else None
        table = cat.tables.get(key)
        if table is None:
            raise Unsupported(f"{have} {qname(*key)}: whether its {kind.removeprefix('OBJECT_').lower()} was renamed "
                              "cannot be told")
        if kind == "OBJECT_TABCONSTRAINT":
            con = table.constraints.get(node.subname)
            if con is None:
                return "undefined_object"
            if con.kind in ("p", "u", "x") and cat.relation_kind((key[0], node.newname)):
                return "duplicate_table"  # (its index is renamed with it)
            return "duplicate_object" if node.newname in table.constraints else None
        if node.subname not in table.columns:
            return "undefined_column"
        return "duplicate_column" if node.newname in table.columns else None
    if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        schema, name = _names(node.object)
        key = cat.resolve_type(schema, name)
        if key is None:
            raise Unsupported(f"type {name} is not known, so whether the statement failed cannot be told")
        reason = cat.tainted.get(("type", qname(*key)))
        if reason:
            raise Unsupported(f"type {qname(*key)} was changed by {reason}, so whether the statement failed cannot be told")
        return "duplicate_object" if _type_taken(cat, key[0], node.newname) else None
    raise Unsupported(f"whether renaming a {kind.removeprefix('OBJECT_').lower()} failed cannot be predicted")


def would_fail(node: ast.Node, cat: Catalog, caught: set[str]) -> str | None:
    """The duplicate-kind error ``node`` raises against ``cat`` (None: it succeeds).

    Raises Unsupported for statements whose failure the generator cannot predict while
    ``caught`` conditions could come from them.
    """
    if isinstance(node, ast.CreateStmt):
        return _relation_error(cat, node.relation, node.if_not_exists)
    if isinstance(node, ast.CreateTableAsStmt):
        return _relation_error(cat, node.into.rel, node.if_not_exists)
    if isinstance(node, ast.CreateSeqStmt):
        return _relation_error(cat, node.sequence, node.if_not_exists)
    if isinstance(node, ast.ViewStmt):
        return None if node.replace else _relation_error(cat, node.view)
    if isinstance(node, ast.IndexStmt):
        if not node.idxname or node.if_not_exists:
            return None
        schema = node.relation.schemaname or cat.resolve_relation(None, node.relation.relname)[0]
        return "duplicate_table" if cat.relation_kind((schema, node.idxname)) else None
    if isinstance(node, (ast.CreateEnumStmt, ast.CreateRangeStmt)):
        return "duplicate_object" if _type_taken(cat, *_names(node.typeName)) else None
    if isinstance(node, ast.CreateDomainStmt):
        return "duplicate_object" if _type_taken(cat, *_names(node.domainname)) else None
    if isinstance(node, ast.CompositeTypeStmt):
        return "duplicate_object" if _type_taken(cat, node.typevar.schemaname, node.typevar.relname) else None
    if isinstance(node, ast.AlterEnumStmt):
        if node.oldVal or node.skipIfNewValExists:
            return None
        schema, name = _names(node.typeName)
        key = cat.resolve_type(schema, name)
        if key is None:
            raise Unsupported(f"type {name} is not known, so whether ADD VALUE failed cannot be told")
        return "duplicate_object" if node.newVal in cat.types[key].labels else None
    if isinstance(node, ast.CreateSchemaStmt):
        name = node.schemaname or (node.authrole.rolename if node.authrole else None)
        return "duplicate_schema" if not node.if_not_exists and name in cat.schemas else None
    if isinstance(node, ast.CreateExtensionStmt):
        return "duplicate_object" if not node.if_not_exists and node.extname in cat.extensions else None
    if isinstance(node, ast.CreatePolicyStmt):
        key = cat.resolve_relation(node.table.schemaname, node.table.relname)
        return "duplicate_object" if (*key, node.policy_name) in cat.policies else None
    if isinstance(node, ast.CreateTrigStmt):
        key = cat.resolve_relation(node.relation.schemaname, node.relation.relname)
        return "duplicate_object" if not node.replace and (*key, node.trigname) in cat.triggers else None
    if isinstance(node, ast.CreateFunctionStmt):
        if node.replace:
            return None
        schema, name = _names(node.funcname)
        key = (schema or cat.creation_schema(), name, identity_args(node.parameters, cat))
        return "duplicate_function" if key in cat.functions else None
    if isinstance(node, ast.AlterPublicationStmt):
        return _publication_error(node, cat)
    if isinstance(node, ast.CreatePublicationStmt):
        return "duplicate_object" if node.pubname in cat.publications else None
    if isinstance(node, ast.CreateEventTrigStmt):
        return "duplicate_object" if node.trigname in cat.event_triggers else None
    if isinstance(node, ast.CreateRoleStmt):
        return "duplicate_object" if node.role in cat.roles else None
    if isinstance(node, ast.AlterTableStmt):
        return _alter_table_error(node, cat)
    if isinstance(node, ast.RenameStmt):
        return _rename_error(node, cat)
    if caught <= _DUPLICATES and isinstance(node, (
        ast.GrantStmt, ast.GrantRoleStmt, ast.CommentStmt, ast.DropStmt, ast.AlterOwnerStmt, ast.VariableSetStmt,
        ast.AlterDefaultPrivilegesStmt, ast.NotifyStmt, ast.AlterFunctionStmt,
    )):
        return None  # cannot raise a duplicate-kind error
    raise Unsupported(f"whether `{type(node).__name__}` failed with {', '.join(sorted(caught))} cannot be predicted")


# -- the interpreter ---------------------------------------------------------------------


@dataclass
class _Guard:
    caught: set[str]
    catalog: bytes  # state at the start of the protected block (_saved)
    groups: int  # number of statement groups collected before it


@dataclass
class _Run:
    ctx: Context
    groups: list[list[Step]] = field(default_factory=list)  # inverse steps per statement, run order
    guards: list[_Guard] = field(default_factory=list)
    found: bool | None = None
    variables: set[str] = field(default_factory=set)
    # Dry run: decide the block without changing the catalog; its first SQL statement is
    # kept in ``last`` instead of run, and anything met after it raises _NotLast.
    dry: bool = False
    last: Statement | None = None

    def body(self, stmts: list[dict[str, Any]] | None) -> None:
        for stmt in stmts or ():
            ((kind, node),) = stmt.items()
            if self.last is not None and kind != "PLpgSQL_stmt_return":  # RETURN just ends the block
                raise _NotLast()
            handler = getattr(self, "_" + kind.removeprefix("PLpgSQL_stmt_"), None)
            if handler is None:
                raise Unsupported(f"it uses {_describe(kind)}")
            handler(node)

    # statements ---------------------------------------------------------------------

    def _block(self, node: dict[str, Any]) -> None:
        exceptions = node.get("exceptions")
        if not exceptions:
            self.body(node.get("body"))
            return
        caught: set[str] = set()
        for exc in exceptions["PLpgSQL_exception_block"]["exc_list"]:
            exc = exc["PLpgSQL_exception"]
            for cond in exc.get("conditions", ()):
                name = cond["PLpgSQL_condition"]["condname"]
                caught.add(_CODES.get(name.upper(), name.lower()))
            for action in exc.get("action") or ():
                ((kind, a),) = action.items()
                if kind != "PLpgSQL_stmt_raise" or a.get("elog_level", _ERROR_LEVEL) >= _ERROR_LEVEL:
                    raise Unsupported("its EXCEPTION handler does more than ignore the error or raise a notice")
        guard = _Guard(caught, b"" if self.dry else _saved(self.ctx.catalog), len(self.groups))
        self.guards.append(guard)
        depth = len(self.guards)
        try:
            self.body(node.get("body"))
        except _Caught as c:
            if c.depth != depth:
                raise
            if guard.catalog:  # a dry run changed nothing
                _restore(self.ctx.catalog, guard.catalog)
            del self.groups[guard.groups:]
        finally:
            self.guards.pop()

    def _if(self, node: dict[str, Any]) -> None:
        branches = [(_expr(node.get("cond")), node.get("then_body"))]
        for e in node.get("elsif_list") or ():
            e = e["PLpgSQL_if_elsif"]
            branches.append((_expr(e.get("cond")), e.get("stmts")))
        for cond, stmts in branches:
            value = decide(_parse_expression(cond), self.ctx.catalog, self._known_variables())
            if value is None:
                if _raises(stmts):
                    continue  # that branch would have failed the migration: it did not run
                raise Unsupported(f"the condition `{' '.join(cond.split())}` cannot be decided from the migration history")
            if value:
                self._branch(stmts)
                return
        self._branch(node.get("else_body"))

    def _branch(self, stmts: list[dict[str, Any]] | None) -> None:
        try:
            self.body(stmts)
        except _Raised:
            raise _Drift(
                "the catalog says the block raises an exception, yet the migration ran: the database "
                "differs from the migration history"
            ) from None

    def _execsql(self, node: dict[str, Any]) -> None:
        if node.get("into"):
            raise Unsupported("it stores query results in variables (SELECT ... INTO)")
        self._sql(_expr(node.get("sqlstmt")))

    def _dynexecute(self, node: dict[str, Any]) -> None:
        if node.get("into") or node.get("params"):
            raise Unsupported("it runs dynamic SQL with INTO or USING")
        query = _expr(node.get("query"))
        sql = _constant_string(query)
        if sql is None:
            raise Unsupported(f"it runs SQL built at run time (`EXECUTE {' '.join(query.split())}`)")
        self._sql(sql)

    def _perform(self, node: dict[str, Any]) -> None:
        query = _expr(node.get("expr"))
        stmt = _parse_one(query)
        if isinstance(stmt, ast.SelectStmt) and stmt.fromClause:
            exists = select_exists(stmt, self.ctx.catalog)
            if exists is None:
                raise Unsupported(f"the query `{' '.join(query.split())}` cannot be decided from the migration history")
            self.found = exists
            return
        self._sql(query)

    def _raise(self, node: dict[str, Any]) -> None:
        if node.get("elog_level", _ERROR_LEVEL) >= _ERROR_LEVEL:
            raise _Raised()

    def _assert(self, node: dict[str, Any]) -> None:
        """An assertion that held (the migration ran): inert."""

    def _return(self, node: dict[str, Any]) -> None:
        raise _Returned()

    # SQL ------------------------------------------------------------------------------

    def _known_variables(self) -> dict[str, bool]:
        return {} if self.found is None else {"found": self.found}

    def _sql(self, sql: str) -> None:
        node = _parse_one(sql)
        if isinstance(node, (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt)) and self.variables:
            used = _column_names(node) & self.variables
            if used:
                raise Unsupported(f"`{_short(sql)}` uses PL/pgSQL variables ({', '.join(sorted(used))})")
        if self.guards:
            caught = set().union(*(g.caught for g in self.guards))
            error = would_fail(node, self.ctx.catalog, caught - {"others"})
            if error is not None:
                for depth in range(len(self.guards), 0, -1):
                    g = self.guards[depth - 1].caught
                    if error in g or "others" in g:
                        raise _Caught(depth)
                raise Unsupported(f"`{_short(sql)}` would fail with {error} against the migration history, yet the migration ran")
            if "others" in caught:
                raise Unsupported(
                    f"the block ignores every error (WHEN OTHERS), so whether `{_short(sql)}` took effect cannot be known"
                )
        stmt = Statement(node=node, sql=sql.strip(), path=self.ctx.stmt.path, line=self.ctx.stmt.line)
        if self.dry:
            if self.last is not None:
                raise _NotLast()
            self.last = stmt
            return
        steps = handle_statement(stmt, self.ctx.catalog, self.ctx.migration)
        self.groups.append(steps)
        self.found = None


def _parse_one(sql: str) -> ast.Node:
    try:
        raws = parse_sql(sql)
    except ParseError as exc:
        raise Unsupported(f"`{_short(sql)}` does not parse: {exc}") from None
    if len(raws) != 1:
        raise Unsupported(f"`{_short(sql)}` holds {len(raws)} statements")
    return raws[0].stmt


def _column_names(node: ast.Node) -> set[str]:
    out: set[str] = set()

    class V(Visitor):
        def visit_ColumnRef(self, ancestors, n):  # noqa: N802
            for f in n.fields:
                if isinstance(f, ast.String):
                    out.add(f.sval)

        def visit_ParamRef(self, ancestors, n):  # noqa: N802
            out.add(f"${n.number}")

    V()(node)
    return out


def _raises(stmts: list[dict[str, Any]] | None) -> bool:
    """Does this statement list end by raising an exception, whatever happens before?"""
    for stmt in stmts or ():
        ((kind, node),) = stmt.items()
        if kind == "PLpgSQL_stmt_raise" and node.get("elog_level", _ERROR_LEVEL) >= _ERROR_LEVEL:
            return True
    return False


def _describe(kind: str) -> str:
    words = {
        "PLpgSQL_stmt_fori": "a FOR loop", "PLpgSQL_stmt_fors": "a FOR loop over a query",
        "PLpgSQL_stmt_forc": "a FOR loop over a cursor", "PLpgSQL_stmt_foreach_a": "a FOREACH loop",
        "PLpgSQL_stmt_loop": "a LOOP", "PLpgSQL_stmt_while": "a WHILE loop", "PLpgSQL_stmt_assign": "variable assignments",
        "PLpgSQL_stmt_case": "a CASE statement", "PLpgSQL_stmt_getdiag": "GET DIAGNOSTICS",
        "PLpgSQL_stmt_dynfors": "a FOR loop over dynamic SQL", "PLpgSQL_stmt_call": "CALL",
        "PLpgSQL_stmt_commit": "COMMIT", "PLpgSQL_stmt_rollback": "ROLLBACK",
    }
    return words.get(kind, kind.removeprefix("PLpgSQL_stmt_").upper())


def _short(sql: str, width: int = 80) -> str:
    line = " ".join(sql.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _saved(cat: Catalog) -> bytes:
    """The state of ``cat``, for ``_restore`` (pickling is several times cheaper than a
    deep copy, and most blocks never need their state back)."""
    return pickle.dumps(cat, protocol=pickle.HIGHEST_PROTOCOL)


def _restore(cat: Catalog, saved: bytes) -> None:
    """Put ``cat`` back to the state ``saved`` (from ``_saved``) holds, in place."""
    cat.__dict__.update(pickle.loads(saved).__dict__)


def _declared(fn: dict[str, Any]) -> set[str]:
    implicit = {"found", "sqlstate", "sqlerrm"}
    out = set()
    for d in fn.get("datums") or ():
        ((_, v),) = d.items()
        name = v.get("refname")
        if name and name not in implicit:
            out.add(name)
    return out


def _statements_in(fn: Any) -> list[str]:
    """Every SQL text in the body (static statements and constant EXECUTE strings)."""
    out: list[str] = []

    def walk(x: Any, key: str = "") -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "PLpgSQL_stmt_execsql":
                    out.append(_expr(v.get("sqlstmt")))
                elif k == "PLpgSQL_stmt_dynexecute":
                    try:
                        s = _constant_string(_expr(v.get("query")))
                    except Unsupported:
                        s = None
                    out.append(s or f"EXECUTE {_expr(v.get('query'))}")
                elif k == "PLpgSQL_stmt_perform":
                    out.append(_expr(v.get("expr")))
                walk(v, k)
        elif isinstance(x, list):
            for v in x:
                walk(v, key)

    walk(fn.get("action"))
    return [" ".join(s.split()) for s in out if s]


def _appears_to(fn: dict[str, Any]) -> str:
    stmts = _statements_in(fn)
    if not stmts:
        return "it runs no SQL statement the generator can see"
    shown = "; ".join(_short(s, 70) for s in stmts[:4])
    more = f" and {len(stmts) - 4} more" if len(stmts) > 4 else ""
    return f"it appears to run: {shown}{more}"


_WORD = re.compile(r"[\w$]+")
# statements of a block that read or change rows only: like the same statements at top level
# (engine._DATA_STATEMENTS), they leave the definitions of the tables they name as they were
_ROWS_ONLY = (ast.SelectStmt, ast.MergeStmt, *_DATA_STATEMENTS)
_DYNAMIC = ("PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors", "PLpgSQL_stmt_open")
# functions outside the project that run SQL they are given (dblink's, the XML exporters)
_RUNS_SQL = frozenset({"dblink", "dblink_exec", "dblink_send_query", "query_to_xml", "query_to_xml_and_xmlschema",
                       "query_to_xmlschema", "cursor_to_xml", "table_to_xml", "table_to_xml_and_xmlschema"})


def _names_may_become_sql(fn: dict[str, Any] | None, cat: Catalog) -> bool:
    """May a name written anywhere in the block's text end up in a statement it runs? Only
    through SQL built at run time (``EXECUTE``, ``FOR ... IN EXECUTE``, ``OPEN ... FOR
    EXECUTE``) or a function it calls with that name: one of the project's (``PERFORM
    audit.track('orders')``: the function may build SQL from it), one the catalog does not
    know in a schema of its own (but the value-only ones of ``extensions``: ``_VALUE_ONLY``),
    or one that runs the SQL it is given (``_RUNS_SQL``).
    Built-in functions (``max``, ``format``, ``to_regclass``...) run none. A block of static
    statements and conditions on the catalog runs only what its statements name: an enum
    label ``'tasks'`` in ``CREATE TYPE ... AS ENUM`` does not reach table ``tasks``."""
    if fn is None:
        return True

    def dynamic(x: Any) -> bool:
        if isinstance(x, dict):
            return any(k in _DYNAMIC and (k != "PLpgSQL_stmt_open" or v.get("dynquery")) or dynamic(v)
                       for k, v in x.items())
        return isinstance(x, list) and any(dynamic(v) for v in x)

    if dynamic(fn):
        return True
    project = {name for (_, name, _) in cat.functions}
    from ..oracle.reads import parsed_expressions
    from ..sqltext import walk

    for stmts in parsed_expressions(fn):
        if stmts is None:
            return True
        for stmt in stmts:
            if any(isinstance(n, ast.FuncCall) and _may_run_sql(n, project) for n in walk(stmt)):
                return True
    return False


# functions of extensions Supabase installs in ``extensions`` (pgcrypto, uuid-ossp, unaccent,
# moddatetime) that compute a value from their arguments and run no SQL: a seed block's
# ``extensions.crypt('pw', extensions.gen_salt('bf'))`` builds no statement from a name
_VALUE_ONLY = frozenset({
    "crypt", "gen_salt", "digest", "hmac", "gen_random_bytes", "gen_random_uuid", "encrypt", "decrypt",
    "encrypt_iv", "decrypt_iv", "pgp_sym_encrypt", "pgp_sym_decrypt", "pgp_pub_encrypt", "pgp_pub_decrypt",
    "armor", "dearmor", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v3", "uuid_generate_v4",
    "uuid_generate_v5", "uuid_nil", "uuid_ns_dns", "uuid_ns_url", "uuid_ns_oid", "uuid_ns_x500", "unaccent",
})


def _may_run_sql(call: ast.FuncCall, project: set[str]) -> bool:
    parts = [p.sval for p in call.funcname]
    name = parts[-1].lower()
    schema = parts[-2] if len(parts) > 1 else None
    if name in project or name in _RUNS_SQL:
        return True
    return schema not in (None, "pg_catalog") and not (schema == "extensions" and name in _VALUE_ONLY)


def _taint_all(fn: dict[str, Any], body: str, ctx: Context) -> str:
    """Distrust everything the block may have changed; returns what that is, in words.

    The relations its statements that change structure name (not those that only read or
    change rows) and, when a name can become SQL (``_names_may_become_sql``:
    dynamic SQL may build statements from fragments, a function may take a table's name),
    every known table or view whose name appears anywhere in its text, and every object of
    the kinds and scope its statements may reach (``doscope``); a body that cannot be
    read reaches everything.
    """
    for sql in _statements_in(fn):
        try:
            for raw in parse_sql(sql):
                if not isinstance(raw.stmt, _ROWS_ONLY):  # rows change, structure does not (as at top level)
                    _taint_referenced(raw.stmt, ctx)
        except ParseError:
            continue
    cat = ctx.catalog
    words = set(_WORD.findall(body)) if _names_may_become_sql(fn, cat) else set()  # one scan, not one per name
    lowered = {w.lower() for w in words}
    for key in list(cat.tables) + list(cat.views):
        name = key[1]
        if _WORD.fullmatch(name) and name.isascii():
            hit = name.lower() in lowered if name.islower() else name in words
        else:
            hit = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", body, re.IGNORECASE if name.islower() else 0) is not None
        if hit:
            ctx.taint(("table" if key in cat.tables else "view", qname(*key)))
    reach = doscope.block_reach(fn, cat) if fn else [doscope.Reach("all")]
    where = f"{DO_BLOCK}{ctx.stmt.where}"
    for ref, at in cat.tainted.items():
        if at == ctx.stmt.where:
            cat.tainted[ref] = where
    for ref in doscope.objects(reach, cat):
        cat.tainted[ref] = where
    for schema in doscope.default_privilege_schemas(reach, body):
        cat.uncertain_defaults.setdefault(schema, f"the DO block at {ctx.stmt.where}")
    return doscope.describe(reach)


def _distrusted(what: str) -> str:
    if not what:
        return ""
    return f"; later rollbacks distrust what it may have changed ({what}): they leave those objects to a person"


# PL/pgSQL statements that run no SQL of their own beyond their expressions
_INERT = frozenset({"PLpgSQL_stmt_block", "PLpgSQL_stmt_assign", "PLpgSQL_stmt_if", "PLpgSQL_stmt_case",
                    "PLpgSQL_stmt_loop", "PLpgSQL_stmt_while", "PLpgSQL_stmt_fori", "PLpgSQL_stmt_fors",
                    "PLpgSQL_stmt_foreach_a", "PLpgSQL_stmt_exit", "PLpgSQL_stmt_return", "PLpgSQL_stmt_raise",
                    "PLpgSQL_stmt_assert", "PLpgSQL_stmt_perform", "PLpgSQL_stmt_execsql", "PLpgSQL_stmt_getdiag"})


def _reads_only(fn: dict[str, Any], ctx: Context) -> bool:
    """Can the block change nothing? Every statement of it is a condition, a loop, an
    assignment, a ``RAISE`` or a query, and every SQL text it runs is a ``SELECT`` that
    only reads (``session.only_reads``: system catalogs and known tables, read-only
    built-ins, no ``INTO`` table, no row locks). Migrations end with such a block to report
    what they did (``SELECT count(*) INTO n FROM public.llm_models ...; RAISE NOTICE ...``):
    it changes nothing, so its rollback is nothing and it distrusts nothing."""
    from ..oracle.reads import parsed_expressions, statement_kinds
    from .session import only_reads

    if not statement_kinds(fn.get("action")) <= _INERT:
        return False
    return all(stmts is not None and all(isinstance(st, ast.SelectStmt) and only_reads(st, ctx) for st in stmts)
               for stmts in parsed_expressions(fn))


@handles(ast.DoStmt)
def do_block(node: ast.DoStmt, ctx: Context) -> list[Step]:
    """Decide the block from the catalog and invert the statements it ran (see module doc)."""
    try:
        fn = parse_do(node)
    except Unsupported as exc:
        what = _taint_all({}, _body(node), ctx)
        return ctx.manual(f"{exc}; undo its work by hand{_distrusted(what)}", title="Undo the DO block's work by hand")
    # Most blocks run at most one statement, as their last action: decided without
    # changing the catalog, that statement then runs as a top-level one would, and
    # nothing needs saving. Other blocks run with the catalog saved, to undo a failure.
    run = _Run(ctx, variables=_declared(fn), dry=True)
    before = b""
    try:
        try:
            run.body([fn["action"]])
        except _NotLast:
            before = _saved(ctx.catalog)
            run = _Run(ctx, variables=_declared(fn))
            run.body([fn["action"]])
    except _Returned:
        pass
    except _Raised:
        if before:
            _restore(ctx.catalog, before)
        return ctx.manual("the catalog says this DO block raises an exception, yet the migration ran: the database "
                          "differs from the migration history", title="Review the DO block by hand")
    except Unsupported as exc:
        if before:
            _restore(ctx.catalog, before)
        if not isinstance(exc, _Drift) and _reads_only(fn, ctx):
            return []  # undecided, but whichever way it went it changed nothing
        what = _taint_all(fn, _body(node), ctx)
        return ctx.manual(f"the DO block cannot be decided statically: {exc}; {_appears_to(fn)}{_distrusted(what)}",
                          title="Undo the DO block's work by hand")
    if run.last is not None:
        run.groups.append(handle_statement(run.last, ctx.catalog, ctx.migration))
    return [s for group in reversed(run.groups) for s in group]
