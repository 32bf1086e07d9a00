"""Small helpers that turn names, literals and pglast nodes into SQL text.

Everything the generator writes goes through these functions, so quoting rules live in
one place: identifiers are quoted exactly when PostgreSQL's own ``quote_ident`` would
quote them, and literals are always single-quoted with doubled quotes.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pglast.visitors
from pglast import ast, keywords, parse_sql
from pglast.enums import CoercionForm
from pglast.printers import get_special_function
from pglast.printers.sfuncs import can_use_special_syntax
from pglast.stream import RawStream
from pglast.visitors import Ancestor

NAMEDATALEN = 64  # PostgreSQL's NAMEDATALEN: identifiers are at most 63 bytes.

_SIMPLE = re.compile(r"^[a-z_][a-z0-9_]*$")
_KEYWORDS = (
    keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS
)


def quote_ident(name: str) -> str:
    """Quote ``name`` the way PostgreSQL's ``quote_ident()`` does."""
    if _SIMPLE.fullmatch(name) and name not in _KEYWORDS:  # not match: "$" also matches before a final "\n"
        return name
    return '"' + name.replace('"', '""') + '"'


def qname(schema: str | None, name: str) -> str:
    """A possibly schema-qualified, correctly quoted name."""
    if schema:
        return f"{quote_ident(schema)}.{quote_ident(name)}"
    return quote_ident(name)


def split_name(qualified: str) -> list[str]:
    """``public."my t"`` -> ``["public", "my t"]``: ``qname``'s inverse (as ``format('%I.%I')`` writes it)."""
    parts = re.findall(r'"(?:[^"]|"")*"|[^."]+', qualified)
    return [p[1:-1].replace('""', '"') if p.startswith('"') else p for p in parts]


def literal(value: str | None) -> str:
    """A SQL string literal (or NULL)."""
    if value is None:
        return "NULL"
    if "\\" in value:
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + value.replace("'", "''") + "'"


class _Stream(RawStream):
    """pglast's printer, with names quoted by ``quote_ident``. pglast leaves column-name
    keywords (``int``, ``between``, ``values``...) bare, which PostgreSQL refuses where a
    function, parameter or type name goes, and a name ending in a line break (its regex
    tests ``$``, which matches before a final ``\n``). Quoting a name that needs no
    quotes never changes which object it names."""

    def _print_scalar(self, value, is_name, is_symbol):  # noqa: ANN001 (pglast's signature)
        if is_name and not is_symbol and isinstance(value, str):
            self.write(quote_ident(value))
        else:
            super()._print_scalar(value, is_name, is_symbol)

    def get_printer_for_function(self, name, node=None):  # noqa: ANN001, ANN201 (pglast's signature)
        """A call the source wrote in SQL syntax (``x AT TIME ZONE 'UTC'``, ``trim(both
        from x)``, ``substring(x from 2)``, ``(a, b) OVERLAPS (c, d)``...: the parser
        marks it ``COERCE_SQL_SYNTAX``) is printed in that syntax again. pglast prints
        most of them as plain calls (``pg_catalog.timezone('UTC', x)``): the same
        function, but PostgreSQL deparses the two forms differently, so a view restored
        from our text would not read back as the one the migration created."""
        printer = super().get_printer_for_function(name, node)
        if printer is None and node is not None and node.funcformat == CoercionForm.COERCE_SQL_SYNTAX:
            special = get_special_function(name)
            if special is not None and can_use_special_syntax(special, node):
                return _parenthesized(special) if name in _OPERATOR_SYNTAX else special
        return printer


# SQL-syntax calls that are operators (``x AT TIME ZONE z``, ``(a, b) OVERLAPS (c, d)``,
# ``x IS NORMALIZED``): pglast prints them bare, which PostgreSQL refuses where only a
# restricted expression may stand (a column's DEFAULT: ``DEFAULT now() AT TIME ZONE 'utc'``
# is a syntax error). Parenthesized they are valid everywhere and deparse the same.
_OPERATOR_SYNTAX = frozenset({"pg_catalog.timezone", "pg_catalog.overlaps", "pg_catalog.is_normalized"})


def _parenthesized(printer):  # noqa: ANN001, ANN202 (pglast's printer signature)
    def paren(node, output):  # noqa: ANN001, ANN202
        output.write("(")
        printer(node, output)
        output.write(")")

    return paren


def dollar_tag(text: str, base: str) -> str:
    """``$base$`` (then ``$base1$``, ``$base2$``...): a dollar-quote tag ``text`` does not hold."""
    tag, n = f"${base}$", 0
    while tag in text:
        n += 1
        tag = f"${base}{n}$"
    return tag


def render(node: ast.Node) -> str:
    """Render a pglast node (statement, expression, type name...) back to SQL."""
    return _Stream()(node)


_set_ancestors = ast.Node.ancestors.__set__  # the slot itself: no per-assignment validation
_set_field = object.__setattr__


def populate_ancestors(tree: ast.Node | tuple) -> None:
    """``pglast.visitors.populate_ancestors``, the same result at a fraction of the cost.

    pglast's printer calls it before printing any tree: it sets every node's ``ancestors``
    (an :class:`Ancestor` chain the printers read). pglast does it with a generic
    :class:`Visitor` subclass defined per call (``inspect.getmembers`` on every call, a
    generator per node): a third of the time spent printing. This is the same
    breadth-first walk, in the same order, so a node reachable twice gets the same chain
    as with pglast's; tests/test_sqltext_fast.py compares both on every statement of the corpus.
    """
    todo: deque[tuple[Ancestor, Any]] = deque([(Ancestor(), tree)])
    node_cls, anc_cls = ast.Node, Ancestor
    while todo:
        anc, node = todo.popleft()
        seq = isinstance(node, tuple)
        for index, sub in enumerate(node) if seq else ((0, node),):
            here = anc_cls(anc, node, index) if seq else anc
            if isinstance(sub, node_cls):
                _set_ancestors(sub, here)
                for member in sub:
                    value = getattr(sub, member)
                    if isinstance(value, (tuple, node_cls)):
                        todo.append((anc_cls(here, sub, member), value))
            elif isinstance(sub, tuple):
                for sub_index, value in enumerate(sub):
                    if isinstance(value, (tuple, node_cls)):
                        todo.append((anc_cls(here, sub, sub_index), value))


# RawStream.__call__ looks the function up in pglast.visitors on every call (pglast >= 8.6;
# older releases walk the tree inline: nothing to replace, printing is just slower there).
PGLAST_POPULATE_ANCESTORS = getattr(pglast.visitors, "populate_ancestors", None)
if PGLAST_POPULATE_ANCESTORS is not None:
    pglast.visitors.populate_ancestors = populate_ancestors


@lru_cache(maxsize=4096)
def parsed(sql: str) -> tuple[ast.RawStmt, ...]:
    """``pglast.parse_sql(sql)``, remembered: a step's SQL is read by the hazard rules, the
    pre-flight checks, the verification queries and the markdown, each of which would parse
    it again. The trees are shared: callers read them and never change them. Raises
    ``ParseError`` like ``parse_sql``."""
    return parse_sql(sql)


def walk(tree: Any) -> Iterator[ast.Node]:
    """Every node of a pglast tree (a node or a tuple of them), each parent before its
    children. What a ``Visitor`` that only reads does, without building ancestor chains."""
    node_cls = ast.Node
    todo = [tree]
    while todo:
        value = todo.pop()
        if isinstance(value, node_cls):
            yield value
            for member in value:
                child = getattr(value, member)
                if isinstance(child, (tuple, node_cls)):
                    todo.append(child)
        elif isinstance(value, tuple):
            todo.extend(v for v in value if isinstance(v, (tuple, node_cls)))


def clone(value: Any) -> Any:
    """A deep copy of a pglast tree (nodes, tuples of nodes, scalars), without ``ancestors``.

    ``copy.deepcopy`` also copies the ``ancestors`` chain a printed node keeps, which
    points at its parents: copying one column definition copied its whole statement.
    Fields are set without pglast's validation, since they come from a valid tree.
    """
    if isinstance(value, ast.Node):
        cls = type(value)
        new = cls.__new__(cls)
        for member in value:
            _set_field(new, member, clone(getattr(value, member, None)))
        return new
    if isinstance(value, tuple):
        return tuple(clone(v) for v in value)
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value  # str, int, float, bool, None, enums: immutable


def truncate_identifier(name: str, nbytes: int = NAMEDATALEN - 1) -> str:
    """Truncate to 63 bytes (or ``nbytes``) on a character boundary, as PostgreSQL does."""
    raw = name.encode()
    if len(raw) <= nbytes:
        return name
    return raw[:nbytes].decode(errors="ignore")


def _clip(name: str, nbytes: int) -> str:
    return name.encode()[:nbytes].decode(errors="ignore")


def make_object_name(name1: str, name2: str | None, label: str | None) -> str:
    """PostgreSQL's ``makeObjectName``: ``name1_name2_label`` truncated to fit 63 bytes.

    When the result is too long, the longer of ``name1`` and ``name2`` is shortened
    one byte at a time, exactly like ``src/backend/commands/indexcmds.c``.
    """
    n1 = len(name1.encode())
    n2 = len(name2.encode()) if name2 is not None else 0
    overhead = (1 if name2 is not None else 0) + (len(label.encode()) + 1 if label else 0)
    avail = NAMEDATALEN - 1 - overhead
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    parts = [_clip(name1, n1)]
    if name2 is not None:
        parts.append(_clip(name2, n2))
    if label:
        parts.append(label)
    return "_".join(parts)


def choose_name(name1: str, name2: str | None, label: str, taken) -> str:
    """PostgreSQL's ``ChooseRelationName``/``ChooseConstraintName``.

    ``taken(name)`` says whether a candidate collides; on collision the label gets a
    numeric suffix (``key1``, ``key2``...).
    """
    modlabel = label
    n = 0
    while True:
        candidate = make_object_name(name1, name2, modlabel)
        if not taken(candidate):
            return candidate
        n += 1
        modlabel = f"{label}{n}"


def name_addition(colnames: list[str]) -> str:
    """PostgreSQL's ``ChooseIndexNameAddition``: column names joined by ``_``, capped."""
    buf = ""
    for name in colnames:
        if buf:
            buf += "_"
        buf += name
        if len(buf.encode()) >= NAMEDATALEN:
            break
    return _clip(buf, NAMEDATALEN - 1)


_ESCAPED = re.compile(r"(?<![\w$])(?:u&[\"']|e')")  # U&"name", U&'text', E'text'
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def may_name(text: str | None, names: list[str]) -> bool:
    """False only when SQL ``text`` certainly names none of ``names`` (a cheap test that
    spares parsing every definition of the catalog).

    An identifier comes from the text as written, unquoted ones with ASCII letters
    lowered (PostgreSQL's rule), long ones truncated: so its name, ASCII-lowered, is a
    substring of the ASCII-lowered text. Spellings that escape characters (``U&"..."``,
    ``E'...'`` strings that a body is parsed from, ``""`` inside a quoted name) are not
    looked into: then the answer is True.
    """
    return name_test(names)(text)


def name_test(names: list[str]):
    """``may_name(text, names)`` as a function of ``text`` alone, for scanning many texts
    for the same names: the names are lowered once, not once per text."""
    if any('"' in n for n in names):
        return lambda text: text is not None
    lows = [n.translate(_ASCII_LOWER) for n in names]
    if len(lows) == 1:
        (one,) = lows

        def test(text: str | None) -> bool:
            if text is None:
                return False
            low = _folded(text)
            return low is None or one in low
    else:
        def test(text: str | None) -> bool:
            if text is None:
                return False
            low = _folded(text)
            return low is None or any(n in low for n in lows)
    return test


@lru_cache(maxsize=1 << 16)
def _folded(text: str) -> str | None:
    """``text`` ASCII-lowered, or None when it spells something with escapes."""
    low = text.translate(_ASCII_LOWER)
    return None if _ESCAPED.search(low) else low


# pg_catalog type names that format_type spells its own way (or leaves unquoted).
FORMAT_TYPE = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "varchar": "character varying",
    "bpchar": "character",
    "char": '"char"',
    "varbit": "bit varying",
    "bit": "bit",
    "numeric": "numeric",
    "interval": "interval",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
}


# Argument types that need no guard in ``regprocedure_sql``: pglast spells most built-in
# types pg_catalog.<name> (integer, boolean, varchar...); these are the common ones it
# leaves bare.
_BUILTIN_BARE_TYPES = frozenset({
    "text", "uuid", "json", "jsonb", "bytea", "date", "name", "oid", "record", "bool", "int2", "int4", "int8",
    "float4", "float8", "timestamptz", "timetz", "inet", "cidr", "macaddr", "money", "xml", "tsvector", "tsquery",
    "regclass", "regtype", "regproc", "regprocedure", "regnamespace", "regrole", "anyelement", "anyarray",
    "anynonarray", "anyenum", "anyrange", "anycompatible", "anycompatiblearray", "trigger", "event_trigger",
})


@lru_cache(maxsize=1024)
def regprocedure_sql(signature: str) -> str:
    """An SQL expression: the function ``signature`` (``public.f(uuid, public.mood)``) as a
    ``regprocedure``, or NULL when it does not exist; it never raises for a missing type.

    Before PostgreSQL 16, ``to_regprocedure`` raises "type ... does not exist" (or "schema
    ... does not exist") instead of returning NULL when an argument type is missing: an
    assertion that a function is gone fails when the same rollback dropped a type its
    signature names. ``to_regtype`` returns NULL for a missing type or schema, so each
    argument type outside pg_catalog is asked about first, and ``CASE`` evaluates
    ``to_regprocedure`` only when all exist (a function cannot exist without its types).
    """
    plain = f"to_regprocedure({literal(signature)})"
    try:
        stmt = parse_sql(f"DROP FUNCTION {signature}")[0].stmt
        owa = stmt.objects[0]
    except Exception:  # not a signature pglast reads: leave the plain lookup
        return plain
    guards = []
    for tn in owa.objargs or ():
        names = [n.sval for n in tn.names]
        if names[0] == "pg_catalog" or (len(names) == 1 and names[0] in _BUILTIN_BARE_TYPES):
            continue
        guard = f"to_regtype({literal(render(tn))}) IS NOT NULL"
        if guard not in guards:
            guards.append(guard)
    if not guards:
        return plain
    return f"CASE WHEN {' AND '.join(guards)} THEN {plain} END"
