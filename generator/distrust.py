"""What the catalog no longer knows after a piece of a migration that does not parse.

A statement that is not valid PostgreSQL never ran as written: on a database where the
migrations after it did run, someone ran something else in its place (a corrected
version, by hand). Its effect is unknown, so after it (``distrust``):

- every object of the catalog it may name (``salvage.Opaque.names``, matched against each
  object's own name, and for indexes, policies and triggers their table's) is *tainted*, the catalog's existing
  mark for "changed by a statement the generator could not analyse": a later inverse that
  needs its earlier definition becomes a manual step with that reason, never a restore of
  a stale definition;
- the piece is remembered (``Catalog.unparsed``): a later *conditional* statement
  (``IF [NOT] EXISTS``, ``OR REPLACE``, a ``DO`` block) that names one of its names may
  have found the object there or not, so what it did is unknown too (``uncertainty``):
  its inverse becomes a manual step (an object the piece may have created is not in the
  catalog, so ``CREATE TABLE IF NOT EXISTS`` would otherwise be undone by a DROP).

A piece whose reach cannot be bounded (names None: the file is not UTF-8, or the piece
acts on whole schemas or on dependents: ``CASCADE``, ``... ALL TABLES IN
SCHEMA``, ``DEFAULT PRIVILEGES``, ``DROP/REASSIGN OWNED``, ``DROP SCHEMA``) taints every
object of the catalog and makes every later conditional statement a manual step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pglast import ast
from pglast.enums import ObjectType
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS, UNRESERVED_KEYWORDS

from .catalog import Catalog, ObjRef
from .refs import function_ref, policy_ref, schema_ref, trigger_ref
from .salvage import words
from .sqltext import qname, quote_ident, walk

_KEYWORDS = frozenset(RESERVED_KEYWORDS | UNRESERVED_KEYWORDS | COL_NAME_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS)
_WIDE = re.compile(
    r"\bcascade\b|\ball\s+(tables|sequences|functions|procedures|routines)\s+in\s+schema\b|\bdefault\s+privileges\b"
    r"|\b(drop|reassign)\s+owned\b|\bdrop\s+schema\b",
    re.I,
)


_DATA = re.compile(r"\s*(insert|update|delete|merge)\b", re.I)


def reach(sql: str, names: frozenset[str] | None, whole_rest: bool = False) -> frozenset[str] | None:
    """``names``, or None when the piece acts beyond the objects it names; nothing for one
    statement that changes rows only (INSERT, UPDATE, DELETE, MERGE: as for the statements
    that parse, rows are not structure). ``whole_rest``: the piece may hold many statements."""
    if names is None or _WIDE.search(sql):
        return None
    if not whole_rest and _DATA.match(_strip_comments(sql)):
        return frozenset()
    return names


def _strip_comments(sql: str) -> str:
    return re.sub(r"^(\s*(--[^\n]*\n|/\*.*?\*/))*", "", sql, flags=re.S)


def named_refs(cat: Catalog, names: frozenset[str] | None) -> Iterator[ObjRef]:
    """The refs of every catalog object that ``names`` may mean (None: every object)."""

    def hit(*parts: str) -> bool:
        return names is None or any(p in names for p in parts)

    for key in cat.tables:
        if hit(key[1]):
            yield ("table", qname(*key))
    for key, view in cat.views.items():
        if hit(key[1]):
            yield ("materialized view" if view.materialized else "view", qname(*key))
            yield ("table", qname(*key))
    for key, idx in cat.indexes.items():
        if hit(key[1], idx.table[1]):
            yield ("index", qname(*key))
    for key in cat.sequences:
        if hit(key[1]):
            yield ("sequence", qname(*key))
    for f in cat.functions.values():
        if hit(f.name):
            yield function_ref(f.schema, f.name, f.identity_args, f.kind)
    for key in cat.types:
        if hit(key[1]):
            yield ("type", qname(*key))
    for (schema, table, name) in cat.policies:
        if hit(table, name):
            yield policy_ref(schema, table, name)
    for (schema, table, name) in cat.triggers:
        if hit(table, name):
            yield trigger_ref(schema, table, name)
    for name in cat.schemas:
        if hit(name):
            yield schema_ref(name)
    for name in cat.extensions:
        if hit(name):
            yield ("extension", quote_ident(name))
    for name in cat.publications:
        if hit(name):
            yield ("publication", quote_ident(name))
    for name in cat.event_triggers:
        if hit(name):
            yield ("event trigger", quote_ident(name))


def distrust(cat: Catalog, where: str, names: frozenset[str] | None) -> None:
    """After the unparseable piece at ``where``: taint what it may name, remember it."""
    for ref in named_refs(cat, names):
        cat.tainted[ref] = where
    cat.unparsed.append((where, names))


def _conditional(node: ast.Node) -> bool:
    if isinstance(node, ast.DoStmt):
        return True
    for n in walk(node):
        if any(getattr(n, attr, False) is True for attr in ("if_not_exists", "missing_ok", "replace")):
            return True
    return False


def statement_names(node: ast.Node) -> set[str]:
    """The names of the objects a statement creates, drops, alters or replaces (schemas
    only when they are the object itself); for a ``DO`` block, every word of its body that
    is not a keyword (its SQL is a string)."""
    if isinstance(node, ast.DoStmt):
        out: set[str] = set()
        for arg in node.args or ():
            if arg.defname == "as":
                out |= {w for w in words(arg.arg.sval) if w not in _KEYWORDS}
        return out
    from .index import _str_names, created_names

    out = {name for _, name in created_names(node) if name}
    rel = getattr(node, "relation", None)
    if isinstance(rel, ast.RangeVar):
        out.add(rel.relname)
    if isinstance(node, ast.DropStmt):
        with_table = node.removeType in (ObjectType.OBJECT_POLICY, ObjectType.OBJECT_TRIGGER, ObjectType.OBJECT_RULE)
        for obj in node.objects or ():
            names = _str_names(obj)
            out.update(names[-2:] if with_table else names[-1:])
    else:
        for attr in ("typeName", "object", "funcname", "policy_name", "trigname", "idxname"):
            value = getattr(node, attr, None)
            if isinstance(value, str):
                out.add(value)
            elif value is not None:
                out.update(_str_names(value)[-1:])
    return out


def uncertainty(cat: Catalog, node: ast.Node) -> str | None:
    """Why what a conditional statement did is unknown (an unparsed piece before it may
    have created, dropped or changed what it names), or None."""
    if not cat.unparsed or not _conditional(node):
        return None
    mine: set[str] | None = None
    for where, names in cat.unparsed:
        if names is None:
            return (f"{where} could not be parsed and its effect cannot be bounded, so whether the objects this "
                    "statement names existed before it (and so what it did) is not known")
        if mine is None:
            mine = statement_names(node)
        common = sorted(mine & names)
        if common:
            return (f"{where} could not be parsed and may have created, dropped or changed {', '.join(common[:3])}, "
                    "so whether it existed before this statement (and so what the statement did) is not known")
    return None
