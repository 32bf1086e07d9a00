"""Policy expressions follow renames of the tables and columns they name.

PostgreSQL stores a policy's USING and WITH CHECK as parse trees: a column or table named
in them is bound once, at CREATE/ALTER POLICY, and a later ``RENAME COLUMN``, ``RENAME TO``
or ``SET SCHEMA`` leaves the policy reading the same column of the same table under its new
name. The catalog keeps the policy as SQL text, so the text must be rewritten the same way,
or a rollback that recreates the policy would bind the old name to whatever carries it then
(a column added later under the old name, or nothing).

A policy may name the renamed object in its own table's scope or in a subquery, possibly
on another table (``EXISTS (SELECT 1 FROM members m WHERE m.email = auth.email())``). The
rewrite binds every name of the expression the way PostgreSQL does (innermost query level
outwards, aliases hiding table names, unqualified columns looked up in the tables of each
level), before and after the rename, and keeps the new text only when every name binds to
the same column of the same relation as before. Where a binding cannot be known (a table
the catalog does not know the columns of, a set-returning function, ``NATURAL`` or
``USING`` joins over a renamed name, ...) the policy is distrusted instead: a later
rollback that needs its definition becomes a manual step that says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pglast import ast
from pglast.enums import SetOperation

from ..catalog import Catalog, Key, Policy
from ..engine import RENAME
from ..refs import policy_ref
from ..sqltext import render

_UNCERTAIN = ("?",)


@dataclass
class _Entry:
    """One relation of a FROM list (or the policy's own table)."""

    token: object  # stable identity across the two bindings: the FROM item's node
    refname: str | None  # what qualifies its columns; None: hidden (inside an aliased join)
    key: Key | None  # the relation, when the entry is one by its own name (no column aliases)
    plain: bool  # no alias: "schema.table.col" may name it
    columns: set[str] | None  # None: not known


@dataclass
class _Scope:
    entries: list[_Entry] = field(default_factory=list)
    opaque: bool = False  # a FROM item the binder does not model: nothing critical is certain here
    merged: set[str] | None = field(default_factory=set)  # USING columns; None: a NATURAL join
    outputs: set[str] = field(default_factory=set)  # output column names (ORDER BY / GROUP BY may use them)
    ctes: dict[str, list[str] | None] = field(default_factory=dict)
    by_output: bool = False  # ORDER BY / GROUP BY: output names come first


class _Binder:
    """Binds the names of one policy expression against the catalog as it is now."""

    def __init__(self, cat: Catalog, own: Key, path: tuple[str, ...], critical: set[str]) -> None:
        self.cat, self.own, self.path, self.critical = cat, own, path, critical
        self.bindings: dict[int, tuple] = {}
        self.nodes: dict[int, ast.Node] = {}

    # -- relations and their columns ---------------------------------------------------------

    def _resolve(self, schema: str | None, name: str) -> Key | None:
        saved = self.cat.search_path
        self.cat.search_path = self.path
        try:
            key = self.cat.resolve_relation(schema, name)
        finally:
            self.cat.search_path = saved
        return key if self.cat.relation_kind(key) else None

    def _columns(self, key: Key | None) -> set[str] | None:
        if key is None:
            return None
        if key in self.cat.tables:
            return set(self.cat.tables[key].columns)
        if key in self.cat.views:
            from .views import output_names

            try:
                names = output_names(self.cat.views[key].definition)
            except Exception:  # noqa: BLE001 - unparsable stored text: not known
                return None
            return set(names) if names is not None else None
        return None

    # -- walking -----------------------------------------------------------------------------

    def bind(self, expr: ast.Node) -> dict[int, tuple]:
        cols = self._columns(self.own)
        own = _Entry("own", self.own[1], self.own, True, cols)
        self._walk(expr, [_Scope([own])])
        return self.bindings

    def _record(self, node: ast.Node, binding: tuple) -> None:
        self.bindings[id(node)] = binding
        self.nodes[id(node)] = node

    def _walk(self, node, scopes: list[_Scope]) -> None:
        if node is None:
            return
        if isinstance(node, (list, tuple)):
            for item in node:
                self._walk(item, scopes)
            return
        if not isinstance(node, ast.Node):
            return
        if isinstance(node, ast.SelectStmt):
            self._select(node, scopes)
        elif isinstance(node, ast.ColumnRef):
            self._record(node, self._column(node, scopes))
        elif isinstance(node, ast.RangeVar):  # a relation outside any FROM list: not modelled
            self._record(node, _UNCERTAIN)
        else:
            for attr in node:
                self._walk(getattr(node, attr), scopes)

    def _select(self, sel: ast.SelectStmt, outer: list[_Scope]) -> None:
        scope = _Scope()
        if sel.withClause is not None:
            for cte in sel.withClause.ctes or ():
                inner = [*outer, scope] if sel.withClause.recursive else outer
                self._walk(cte.ctequery, inner)
                names = [s.sval for s in cte.aliascolnames or ()] or _output_names(cte.ctequery)
                scope.ctes[cte.ctename] = names
        if sel.op != SetOperation.SETOP_NONE:
            self._walk(sel.larg, [*outer, scope])
            self._walk(sel.rarg, [*outer, scope])
            sort = _Scope(opaque=True)  # ORDER BY of a set operation names output columns
            self._walk(sel.sortClause, [*outer, sort])
            self._walk((sel.limitCount, sel.limitOffset), outer)
            return
        for value in sel.valuesLists or ():
            self._walk(value, outer)
        scopes = [*outer, scope]
        for item in sel.fromClause or ():
            self._from_item(item, scopes, scope)
        for target in sel.targetList or ():
            if target.name:
                scope.outputs.add(target.name)
        self._walk(sel.targetList, scopes)
        self._walk((sel.whereClause, sel.havingClause, sel.windowClause, sel.distinctClause), scopes)
        by_output = replace(scope, by_output=True)
        self._walk((sel.groupClause, sel.sortClause), [*outer, by_output])
        self._walk((sel.limitCount, sel.limitOffset), scopes)

    def _cte(self, scopes: list[_Scope], name: str) -> tuple[bool, list[str] | None]:
        for s in reversed(scopes):
            if name in s.ctes:
                return True, s.ctes[name]
        return False, None

    def _from_item(self, item: ast.Node, scopes: list[_Scope], scope: _Scope) -> list[_Entry]:
        """Add a FROM item's entries to ``scope``; walks the expressions inside it."""
        if isinstance(item, ast.RangeVar):
            alias = item.alias
            is_cte, cte_cols = (False, None) if item.schemaname else self._cte(scopes, item.relname)
            if is_cte:
                self._record(item, ("cte", item.relname))
                key, cols = None, set(cte_cols) if cte_cols is not None else None
            else:
                key = self._resolve(item.schemaname, item.relname)
                self._record(item, ("rel", key) if key is not None else _UNCERTAIN)
                cols = self._columns(key)
            if alias is not None and alias.colnames:
                key, cols = None, None  # columns renamed by the alias: not modelled
            entry = _Entry(item, alias.aliasname if alias else item.relname, key,
                           alias is None and not is_cte, cols)
            scope.entries.append(entry)
            return [entry]
        if isinstance(item, ast.JoinExpr):
            entries = self._from_item(item.larg, scopes, scope) + self._from_item(item.rarg, scopes, scope)
            if item.isNatural:
                scope.merged = None
            elif item.usingClause and scope.merged is not None:
                scope.merged |= {s.sval for s in item.usingClause}
            self._walk(item.quals, scopes)
            if item.alias is not None or item.join_using_alias is not None:
                scope.opaque = True  # an aliased join hides or renames what it joins
            return entries
        if isinstance(item, ast.RangeSubselect):
            self._walk(item.subquery, scopes if item.lateral else scopes[:-1])
            names = _output_names(item.subquery)
            alias = item.alias
            if alias is not None and alias.colnames:
                names = [s.sval for s in alias.colnames] + (names or [])[len(alias.colnames):] if names else None
            entry = _Entry(item, alias.aliasname if alias else None, None, False,
                           set(names) if names is not None else None)
            scope.entries.append(entry)
            return [entry]
        if isinstance(item, ast.RangeFunction):
            self._walk(item.functions, scopes)
            alias = item.alias
            refname = alias.aliasname if alias else _function_name(item)
            entry = _Entry(item, refname, None, False, None)
            scope.entries.append(entry)
            return [entry]
        scope.opaque = True  # TABLESAMPLE, XMLTABLE, JSON_TABLE, ...
        self._walk(item, scopes)
        return []

    # -- column references -------------------------------------------------------------------

    def _column(self, ref: ast.ColumnRef, scopes: list[_Scope]) -> tuple:
        names = [f.sval if isinstance(f, ast.String) else "*" for f in ref.fields]
        *qual, col = names
        for scope in reversed(scopes):
            if scope.opaque:
                return _UNCERTAIN
            if qual:
                if len(qual) == 1:
                    hits = [e for e in scope.entries if e.refname == qual[0]]
                elif len(qual) == 2:
                    hits = [e for e in scope.entries if e.plain and e.refname is not None and e.key == tuple(qual)]
                else:
                    return _UNCERTAIN
                if len(hits) == 1:
                    return ("col", hits[0].token, hits[0].key, col)
                if hits:
                    return _UNCERTAIN
                continue
            if scope.by_output and col in scope.outputs:
                return _UNCERTAIN  # ORDER BY / GROUP BY name an output column first
            if any(e.columns is None for e in scope.entries):
                return _UNCERTAIN
            if scope.merged is None or col in scope.merged:
                if any(col in (e.columns or ()) for e in scope.entries):
                    return _UNCERTAIN
            hits = [e for e in scope.entries if col in (e.columns or ())]
            if len(hits) == 1:
                return ("col", hits[0].token, hits[0].key, col)
            if hits:
                return _UNCERTAIN
            if any(e.refname == col for e in scope.entries):
                return _UNCERTAIN  # a whole-row reference: not modelled
        return _UNCERTAIN


def _output_names(query: ast.Node | None) -> list[str] | None:
    from .views import _query_names

    try:
        return _query_names(query)
    except Exception:  # noqa: BLE001 - not known
        return None


def _function_name(item: ast.RangeFunction) -> str | None:
    try:
        call = item.functions[0][0]
        return call.funcname[-1].sval if isinstance(call, ast.FuncCall) else None
    except (IndexError, TypeError, AttributeError):
        return None


def _critical_node(node: ast.Node, critical: set[str]) -> bool:
    if isinstance(node, ast.RangeVar):
        return node.relname in critical or (node.schemaname or "") in critical
    if isinstance(node, ast.ColumnRef):
        return any(isinstance(f, ast.String) and f.sval in critical for f in node.fields)
    return True


# -- the rewrite -----------------------------------------------------------------------------


@dataclass
class _Pending:
    policy: Policy
    attr: str  # "using" | "check"
    own: Key
    expr: ast.Node
    before: dict[int, tuple]
    nodes: dict[int, ast.Node]


class PolicyFollower:
    """Rewrites the policies a rename affects: ``start()`` before the catalog changes,
    ``finish()`` after. Policies whose rewrite is not certain are distrusted."""

    def __init__(self, cat: Catalog, critical: set[str]) -> None:
        self.cat, self.critical = cat, critical
        self.pending: list[_Pending] = []

    def start(self) -> PolicyFollower:
        for (schema, table, _), pol in self.cat.policies.items():
            for attr in ("using", "check"):
                text = getattr(pol, attr)
                if text is None or not any(name in text for name in self.critical):
                    continue  # a name the text does not spell cannot be bound by it
                from .tables import parse_expr

                expr = parse_expr(text)
                binder = _Binder(self.cat, (schema, table), pol.search_path, self.critical)
                before = binder.bind(expr)
                self.pending.append(_Pending(pol, attr, (schema, table), expr, before, binder.nodes))
        return self

    def finish(self, where: str, relations: dict[Key, Key] | None = None,
               columns: dict[tuple[Key, str], str] | None = None) -> None:
        """The catalog now has the renamed objects: ``relations`` maps old relation keys to
        new ones, ``columns`` (relation key after the rename, old column) to the new name."""
        relations, columns = relations or {}, columns or {}
        for p in self.pending:
            own = relations.get(p.own, p.own)
            why = self._rewrite(p, relations, columns)
            if why is None:
                expected = {i: _expected(b, relations, columns) for i, b in p.before.items()}
                after = _Binder(self.cat, own, p.policy.search_path, self.critical).bind(p.expr)
                for i, want in expected.items():
                    got = after.get(i)
                    if got != want and not (want == got == _UNCERTAIN and not _critical_node(p.nodes[i], self.critical)):
                        why = f"{render(p.nodes[i])} would no longer name what it named before"
                        break
            if why is None:
                setattr(p.policy, p.attr, render(p.expr))
            else:
                self.cat.tainted.setdefault(policy_ref(own[0], own[1], p.policy.name), f"{RENAME}{where}: {why}")

    def _rewrite(self, p: _Pending, relations: dict[Key, Key], columns: dict[tuple[Key, str], str]) -> str | None:
        """Rename in place what the bindings say names a renamed object; the reason when a
        name that may be affected has no certain binding."""
        for i, b in p.before.items():
            node = p.nodes[i]
            if b == _UNCERTAIN:
                if _critical_node(node, self.critical):
                    return f"what {render(node)} names in {p.attr.replace('check', 'WITH CHECK').replace('using', 'USING')} cannot be told"
                continue
            if isinstance(node, ast.RangeVar) and b[0] == "rel" and b[1] in relations:
                new = relations[b[1]]
                node.relname = new[1]
                if node.schemaname or new[0] != b[1][0]:
                    node.schemaname = new[0]
            elif isinstance(node, ast.ColumnRef) and b[0] == "col":
                _, _, key, col = b
                fields = list(node.fields)
                names = [f.sval if isinstance(f, ast.String) else None for f in fields]
                if key in relations and len(fields) >= 2 and names[-2] == key[1]:
                    new = relations[key]  # qualified by the relation's own name
                    fields[-2] = ast.String(new[1])
                    if len(fields) == 3:
                        fields[0] = ast.String(new[0])
                newkey = relations.get(key, key)
                if (newkey, col) in columns:
                    fields[-1] = ast.String(columns[(newkey, col)])
                node.fields = tuple(fields)
        return None


def _expected(b: tuple, relations: dict[Key, Key], columns: dict[tuple[Key, str], str]) -> tuple:
    if b == _UNCERTAIN or b[0] == "cte":
        return b
    if b[0] == "rel":
        return ("rel", relations.get(b[1], b[1]))
    _, token, key, col = b
    newkey = relations.get(key, key) if key is not None else None
    return ("col", token, newkey, columns.get((newkey, col), col) if newkey is not None else col)
