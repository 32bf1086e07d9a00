"""A hypothesis strategy that writes random, valid migration sequences.

``migration_sequences()`` draws 3-6 migrations of 1-6 statements each over a small schema
that evolves as they go. A ``Model`` of that schema (tables with typed columns, defaults,
NOT NULL, constraints, indexes, RLS, policies and triggers; enums; functions) is carried
along so every statement drawn is valid against the state the earlier ones left: a
column is only dropped when nothing PostgreSQL would refuse to drop with it depends on it,
a function only when no trigger calls it, and so on. Operations: create/drop/rename
table; add/drop/rename column, change its type (widening and narrowing), set/drop its
default and NOT NULL; add/drop/rename CHECK, UNIQUE, PRIMARY KEY and FOREIGN KEY
constraints (named, or left to PostgreSQL to name); create/drop/rename indexes (unique,
partial, multi-column); enable/disable RLS; create/alter/rename/drop policies;
create/replace (a redefinition)/rename/drop functions; create/drop triggers; create enums,
add/rename values, rename/drop them; grants and revokes to the API roles; comments.

Names are short (``t1``, ``c4``...); one in five is hostile (tests/property/names.py
pieces: quotes, ``;``, ``--``, ``$$``, unicode, reserved words, over 63 bytes). Tables
stay empty: the property is about structure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st
from pglast import keywords

from .names import truncated

_SIMPLE = re.compile(r"[a-z_][a-z0-9_]*\Z")
_KEYWORDS = keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS

HOSTILE = [
    'Mixed Case', 'quote"d', "it's", "semi;colon", "dash--dash", "dollar$$sign", "$q$tag", "back\\slash",
    "line\nbreak", "select", "user", "order", "Ünïcødé", "emoji🙂", "per%cent", "colon:var",
    "long_" + "x" * 70, "é" * 40,
]
API_ROLES = ["anon", "authenticated", "service_role"]


def ident(name: str) -> str:
    """A quoted identifier when PostgreSQL would need one (written independently of the
    generator's quote_ident, which is under test)."""
    if _SIMPLE.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# column types: (SQL, a default for it, the types it may change to)
TYPES: dict[str, tuple[str, list[str]]] = {
    "bigint": ("0", ["integer", "numeric"]),
    "integer": ("1", ["bigint", "numeric"]),
    "text": ("'x'", ["varchar(40)"]),
    "varchar(40)": ("'y'", ["text"]),
    "boolean": ("false", []),
    "numeric": ("0", ["bigint"]),
    "timestamptz": ("now()", []),
    "jsonb": ("'{}'::jsonb", []),
    "uuid": ("gen_random_uuid()", []),
}
_NUMERIC = {"bigint", "integer", "numeric"}


@dataclass
class Col:
    name: str
    type: str
    default: str | None = None
    not_null: bool = False
    identity: bool = False  # GENERATED ... AS IDENTITY: no default, NOT NULL, integer types only


@dataclass
class Con:
    name: str | None  # None: named by PostgreSQL, never referred to again
    kind: str  # p u c f
    cols: list[str]
    ref: tuple[str, str] | None = None  # foreign key: (table, column)


@dataclass
class Idx:
    name: str | None
    cols: list[str]


@dataclass
class Tbl:
    name: str
    cols: dict[str, Col] = field(default_factory=dict)
    cons: list[Con] = field(default_factory=list)
    idx: list[Idx] = field(default_factory=list)
    pols: dict[str, list[str]] = field(default_factory=dict)  # policy -> columns it reads
    trgs: dict[str, str] = field(default_factory=dict)  # trigger -> function
    rls: bool = False

    @property
    def q(self) -> str:
        return f"public.{ident(self.name)}"

    def pk(self) -> Con | None:
        return next((c for c in self.cons if c.kind == "p"), None)


@dataclass
class Model:
    tables: dict[str, Tbl] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    funcs: dict[str, str] = field(default_factory=dict)  # name -> "sql" | "trigger"
    n: int = 0

    # -- what depends on what ------------------------------------------------------
    def referenced_by_fk(self, table: str, col: str | None = None) -> bool:
        return any(c.kind == "f" and c.ref and c.ref[0] == table and (col is None or c.ref[1] == col)
                   for t in self.tables.values() if t.name != table or col is not None for c in t.cons)

    def col_locked(self, t: Tbl, col: str) -> bool:
        """Dropping or retyping ``col`` would need CASCADE or is refused."""
        return (any(col in cols for cols in t.pols.values())
                or any(c.kind == "f" and col in c.cols for c in t.cons)
                or self.referenced_by_fk(t.name, col))

    def enum_used(self, name: str) -> bool:
        return any(c.type == enum_type(name) for t in self.tables.values() for c in t.cols.values())

    def func_used(self, name: str) -> bool:
        return any(f == name for t in self.tables.values() for f in t.trgs.values())

    # -- renames, everywhere they show ---------------------------------------------
    def rename_table(self, old: str, new: str) -> None:
        t = self.tables.pop(old)
        t.name = new
        self.tables[new] = t
        for other in self.tables.values():
            for c in other.cons:
                if c.ref and c.ref[0] == old:
                    c.ref = (new, c.ref[1])

    def rename_column(self, t: Tbl, old: str, new: str) -> None:
        t.cols = {(new if k == old else k): v for k, v in t.cols.items()}
        t.cols[new].name = new
        for c in t.cons:
            c.cols = [new if x == old else x for x in c.cols]
        for i in t.idx:
            i.cols = [new if x == old else x for x in i.cols]
        for p, cols in t.pols.items():
            t.pols[p] = [new if x == old else x for x in cols]
        for other in self.tables.values():
            for c in other.cons:
                if c.ref == (t.name, old):
                    c.ref = (t.name, new)


def enum_type(name: str) -> str:
    return f"public.{ident(name)}"


class Draw:
    """What an operation gets: hypothesis' ``draw`` and helpers over the model."""

    def __init__(self, draw: Callable, model: Model) -> None:
        self.draw = draw
        self.m = model

    def name(self, prefix: str) -> str:
        self.m.n += 1
        if self.draw(st.integers(0, 4)) == 4:  # shrinks to plain names
            return truncated(f"{prefix}{self.m.n} {self.draw(st.sampled_from(HOSTILE))}")
        return f"{prefix}{self.m.n}"

    def pick(self, items):
        items = list(items)
        return self.draw(st.sampled_from(items))

    def bool(self) -> bool:
        return self.draw(st.booleans())

    def table(self, pred=lambda t: True) -> Tbl:
        return self.pick(t for t in self.m.tables.values() if pred(t))

    def col_type(self) -> str:
        enums = [enum_type(e) for e in self.m.enums]
        return self.pick(list(TYPES) + enums)

    def default_for(self, typ: str) -> str:
        if typ in TYPES:
            return TYPES[typ][0]
        enum = next(e for e in self.m.enums if enum_type(e) == typ)
        return lit(self.m.enums[enum][0])


# -- operations: each has a precondition and writes one statement ---------------------------

Op = tuple[Callable[[Model], bool], Callable[[Draw], str]]
OPS: list[tuple[str, Op]] = []


def op(name: str, can: Callable[[Model], bool] = lambda m: True):
    def deco(fn: Callable[[Draw], str]) -> Callable[[Draw], str]:
        OPS.append((name, (can, fn)))
        return fn
    return deco


def _has_tables(m: Model) -> bool:
    return bool(m.tables)


def _column_sql(d: Draw, c: Col) -> str:
    sql = f"{ident(c.name)} {c.type}"
    if c.default is not None:
        sql += f" default {c.default}"
    if c.not_null:
        sql += " not null"
    return sql


@op("create table")
def create_table(d: Draw) -> str:
    t = Tbl(d.name("t"))
    parts = []
    if d.bool():
        idc = Col(d.name("id"), d.pick(["bigint", "integer"]), not_null=True, identity=d.bool())
        t.cols[idc.name] = idc
        named = d.bool()
        t.cons.append(Con(d.name("pk") if named else None, "p", [idc.name]))
        identity = " generated always as identity" if idc.identity else ""
        parts.append(f"{ident(idc.name)} {idc.type}{identity} primary key" if not named else
                     f"{ident(idc.name)} {idc.type}{identity} not null")
        if named:
            parts.append(f"constraint {ident(t.cons[-1].name)} primary key ({ident(idc.name)})")
    for _ in range(d.draw(st.integers(0 if parts else 1, 3))):
        typ = d.col_type()
        c = Col(d.name("c"), typ, d.default_for(typ) if d.bool() else None, d.bool())
        t.cols[c.name] = c
        parts.insert(len(t.cols) - 1, _column_sql(d, c))
    d.m.tables[t.name] = t
    return f"create table {t.q} (\n  " + ",\n  ".join(parts) + "\n);"


@op("drop table", lambda m: any(not m.referenced_by_fk(t) for t in m.tables))
def drop_table(d: Draw) -> str:
    t = d.table(lambda t: not d.m.referenced_by_fk(t.name))
    del d.m.tables[t.name]
    return f"drop table {t.q};"


@op("rename table", _has_tables)
def rename_table(d: Draw) -> str:
    t = d.table()
    old, new = t.q, d.name("t")
    d.m.rename_table(t.name, new)
    return f"alter table {old} rename to {ident(new)};"


@op("add column", _has_tables)
def add_column(d: Draw) -> str:
    t = d.table()
    typ = d.col_type()
    c = Col(d.name("c"), typ, d.default_for(typ) if d.bool() else None, d.bool())
    t.cols[c.name] = c
    return f"alter table {t.q} add column {_column_sql(d, c)};"


def _droppable(m: Model, t: Tbl) -> list[str]:
    pk = t.pk()
    return [c for c in t.cols if len(t.cols) > 1 and not m.col_locked(t, c) and not (pk and c in pk.cols)]


@op("drop column", lambda m: any(_droppable(m, t) for t in m.tables.values()))
def drop_column(d: Draw) -> str:
    t = d.table(lambda t: _droppable(d.m, t))
    col = d.pick(_droppable(d.m, t))
    del t.cols[col]
    t.cons = [c for c in t.cons if col not in c.cols]
    t.idx = [i for i in t.idx if col not in i.cols]
    return f"alter table {t.q} drop column {ident(col)};"


@op("rename column", _has_tables)
def rename_column(d: Draw) -> str:
    t = d.table()
    old = d.pick(t.cols)
    new = d.name("c")
    d.m.rename_column(t, old, new)
    return f"alter table {t.q} rename column {ident(old)} to {ident(new)};"


def _retypable(m: Model, t: Tbl) -> list[str]:
    # a numeric column a CHECK reads is left alone: PostgreSQL rebuilds the check from its
    # text printed for numeric ("c > (0)::numeric"), so after numeric -> bigint the generator
    # distrusts the table on purpose (later rollbacks recreating it are manual steps)
    return [c for c, col in t.cols.items()
            if TYPES.get(col.type, ("", []))[1] and not col.identity and not m.col_locked(t, c)
            and not (col.type == "numeric" and any(k.kind == "c" and c in k.cols for k in t.cons))]


@op("alter column type", lambda m: any(_retypable(m, t) for t in m.tables.values()))
def alter_column_type(d: Draw) -> str:
    t = d.table(lambda t: _retypable(d.m, t))
    col = t.cols[d.pick(_retypable(d.m, t))]
    new = d.pick(TYPES[col.type][1])
    col.type = new
    return f"alter table {t.q} alter column {ident(col.name)} type {new};"


def _plain_cols(t: Tbl) -> list[str]:
    return [c for c, col in t.cols.items() if not col.identity]


@op("set/drop default", lambda m: any(_plain_cols(t) for t in m.tables.values()))
def column_default(d: Draw) -> str:
    t = d.table(_plain_cols)
    col = t.cols[d.pick(_plain_cols(t))]
    if col.default is not None and d.bool():
        col.default = None
        return f"alter table {t.q} alter column {ident(col.name)} drop default;"
    col.default = d.default_for(col.type)
    return f"alter table {t.q} alter column {ident(col.name)} set default {col.default};"


@op("set/drop not null", lambda m: any(_plain_cols(t) for t in m.tables.values()))
def not_null(d: Draw) -> str:
    t = d.table(_plain_cols)
    col = t.cols[d.pick(_plain_cols(t))]
    pk = t.pk()
    if col.not_null and not (pk and col.name in pk.cols):
        col.not_null = False
        return f"alter table {t.q} alter column {ident(col.name)} drop not null;"
    col.not_null = True
    return f"alter table {t.q} alter column {ident(col.name)} set not null;"


def _check_expr(col: Col) -> str:
    if col.type in _NUMERIC:
        return f"{ident(col.name)} > 0"
    if col.type in ("text", "varchar(40)"):
        return f"length({ident(col.name)}) > 0"
    return f"{ident(col.name)} is not null"


@op("add constraint", _has_tables)
def add_constraint(d: Draw) -> str:
    t = d.table()
    kinds = ["c", "u"]
    if t.pk() is None:
        kinds.append("p")
    targets = [(o, o.pk()) for o in d.m.tables.values() if o.pk() and len(o.pk().cols) == 1]
    fk_cols = [c for c in t.cols.values()
               for o, pk in targets if o.cols[pk.cols[0]].type == c.type]
    if fk_cols:
        kinds.append("f")
    kind = d.pick(kinds)
    name = d.name("k") if d.bool() else None
    head = f"alter table {t.q} add " + (f"constraint {ident(name)} " if name else "")
    if kind == "c":
        col = t.cols[d.pick(t.cols)]
        t.cons.append(Con(name, "c", [col.name]))
        return f"{head}check ({_check_expr(col)});"
    if kind in ("u", "p"):
        cols = d.draw(st.lists(st.sampled_from(list(t.cols)), min_size=1, max_size=2, unique=True))
        t.cons.append(Con(name, kind, cols))
        if kind == "p":
            for c in cols:
                t.cols[c].not_null = True
        return f"{head}{'unique' if kind == 'u' else 'primary key'} ({', '.join(ident(c) for c in cols)});"
    col = d.pick(fk_cols)
    o, pk = d.pick((o, pk) for o, pk in targets if o.cols[pk.cols[0]].type == col.type)
    t.cons.append(Con(name, "f", [col.name], (o.name, pk.cols[0])))
    action = d.pick(["", " on delete cascade", " on delete set null", " on update cascade"])
    return f"{head}foreign key ({ident(col.name)}) references {o.q} ({ident(pk.cols[0])}){action};"


def _named_cons(m: Model, t: Tbl) -> list[Con]:
    referenced = any(c.kind == "f" and c.ref and c.ref[0] == t.name for o in m.tables.values() for c in o.cons)
    return [c for c in t.cons if c.name and not (c.kind in "pu" and referenced)]


@op("drop constraint", lambda m: any(_named_cons(m, t) for t in m.tables.values()))
def drop_constraint(d: Draw) -> str:
    t = d.table(lambda t: _named_cons(d.m, t))
    con = d.pick(_named_cons(d.m, t))
    t.cons.remove(con)
    return f"alter table {t.q} drop constraint {ident(con.name)};"


@op("rename constraint", lambda m: any(c.name for t in m.tables.values() for c in t.cons))
def rename_constraint(d: Draw) -> str:
    t = d.table(lambda t: any(c.name for c in t.cons))
    con = d.pick(c for c in t.cons if c.name)
    old, con.name = con.name, d.name("k")
    return f"alter table {t.q} rename constraint {ident(old)} to {ident(con.name)};"


@op("create index", _has_tables)
def create_index(d: Draw) -> str:
    t = d.table()
    cols = d.draw(st.lists(st.sampled_from(list(t.cols)), min_size=1, max_size=2, unique=True))
    name = d.name("i") if d.draw(st.integers(0, 3)) else None
    t.idx.append(Idx(name, cols))
    unique = "unique " if d.draw(st.integers(0, 3)) == 0 else ""
    elems = ", ".join(ident(c) + d.pick(["", " desc"]) for c in cols)
    where = f" where {ident(cols[0])} is not null" if d.draw(st.integers(0, 3)) == 0 else ""
    return f"create {unique}index {ident(name) + ' ' if name else ''}on {t.q} ({elems}){where};"


@op("drop index", lambda m: any(i.name for t in m.tables.values() for i in t.idx))
def drop_index(d: Draw) -> str:
    t = d.table(lambda t: any(i.name for i in t.idx))
    i = d.pick(i for i in t.idx if i.name)
    t.idx.remove(i)
    return f"drop index public.{ident(i.name)};"


@op("rename index", lambda m: any(i.name for t in m.tables.values() for i in t.idx))
def rename_index(d: Draw) -> str:
    t = d.table(lambda t: any(i.name for i in t.idx))
    i = d.pick(i for i in t.idx if i.name)
    old, i.name = i.name, d.name("i")
    return f"alter index public.{ident(old)} rename to {ident(i.name)};"


@op("row level security", _has_tables)
def row_security(d: Draw) -> str:
    t = d.table()
    t.rls = not t.rls
    return f"alter table {t.q} {'enable' if t.rls else 'disable'} row level security;"


def _policy_expr(d: Draw, t: Tbl) -> tuple[str, list[str]]:
    if d.bool():
        return "true", []
    col = t.cols[d.pick(t.cols)]
    return _check_expr(col), [col.name]


@op("create policy", _has_tables)
def create_policy(d: Draw) -> str:
    t = d.table()
    name = d.name("p")
    command = d.pick(["all", "select", "insert", "update", "delete"])
    roles = d.draw(st.lists(st.sampled_from(API_ROLES + ["public"]), min_size=1, max_size=2, unique=True))
    expr, cols = _policy_expr(d, t)
    clause = f"with check ({expr})" if command == "insert" else f"using ({expr})"
    t.pols[name] = cols
    return f"create policy {ident(name)} on {t.q} for {command} to {', '.join(roles)} {clause};"


@op("alter policy", lambda m: any(t.pols for t in m.tables.values()))
def alter_policy(d: Draw) -> str:
    t = d.table(lambda t: t.pols)
    name = d.pick(t.pols)
    if d.bool():
        new = d.name("p")
        t.pols[new] = t.pols.pop(name)
        return f"alter policy {ident(name)} on {t.q} rename to {ident(new)};"
    roles = d.draw(st.lists(st.sampled_from(API_ROLES), min_size=1, max_size=2, unique=True))
    return f"alter policy {ident(name)} on {t.q} to {', '.join(roles)};"


@op("drop policy", lambda m: any(t.pols for t in m.tables.values()))
def drop_policy(d: Draw) -> str:
    t = d.table(lambda t: t.pols)
    name = d.pick(t.pols)
    del t.pols[name]
    return f"drop policy {ident(name)} on {t.q};"


def _function_sql(d: Draw, name: str, kind: str, replace: bool) -> str:
    head = f"create {'or replace ' if replace else ''}function public.{ident(name)}"
    if kind == "trigger":
        body = d.pick(["begin\n  return new;\nend", "begin\n  if tg_op = 'DELETE' then\n    return old;\n  end if;\n  return new;\nend"])
        return f"{head}()\nreturns trigger language plpgsql as $$\n{body}\n$$;"
    expr = d.pick(["x + 1", "x * 2", "coalesce(x, 0)", "abs(x)"])
    volatility = d.pick(["", " immutable", " stable"])
    security = d.pick(["", " security definer set search_path = ''"])
    return f"{head}(x bigint)\nreturns bigint language sql{volatility}{security} as $$ select {expr} $$;"


@op("create function")
def create_function(d: Draw) -> str:
    name = d.name("f")
    kind = d.pick(["sql", "trigger"])
    d.m.funcs[name] = kind
    return _function_sql(d, name, kind, replace=d.bool())


@op("replace function", lambda m: bool(m.funcs))
def replace_function(d: Draw) -> str:
    name = d.pick(d.m.funcs)
    return _function_sql(d, name, d.m.funcs[name], replace=True)


def _signature(m: Model, name: str) -> str:
    return f"public.{ident(name)}({'' if m.funcs[name] == 'trigger' else 'bigint'})"


@op("rename function", lambda m: bool(m.funcs))
def rename_function(d: Draw) -> str:
    name = d.pick(d.m.funcs)
    sig, new = _signature(d.m, name), d.name("f")
    d.m.funcs[new] = d.m.funcs.pop(name)
    for t in d.m.tables.values():
        t.trgs = {k: (new if v == name else v) for k, v in t.trgs.items()}
    return f"alter function {sig} rename to {ident(new)};"


@op("drop function", lambda m: any(not m.func_used(f) for f in m.funcs))
def drop_function(d: Draw) -> str:
    name = d.pick(f for f in d.m.funcs if not d.m.func_used(f))
    sig = _signature(d.m, name)
    del d.m.funcs[name]
    return f"drop function {sig};"


@op("create trigger", lambda m: bool(m.tables) and "trigger" in m.funcs.values())
def create_trigger(d: Draw) -> str:
    t = d.table()
    fn = d.pick(f for f, k in d.m.funcs.items() if k == "trigger")
    name = d.name("tr")
    t.trgs[name] = fn
    timing = d.pick(["before insert", "before insert or update", "after delete", "before update"])
    return f"create trigger {ident(name)} {timing} on {t.q}\nfor each row execute function public.{ident(fn)}();"


@op("drop trigger", lambda m: any(t.trgs for t in m.tables.values()))
def drop_trigger(d: Draw) -> str:
    t = d.table(lambda t: t.trgs)
    name = d.pick(t.trgs)
    del t.trgs[name]
    return f"drop trigger {ident(name)} on {t.q};"


@op("create enum")
def create_enum(d: Draw) -> str:
    name = d.name("e")
    labels = d.draw(st.lists(st.sampled_from(["a", "b", "c", "it's", "Mixed", "é", "x y"]), min_size=1, max_size=3, unique=True))
    d.m.enums[name] = labels
    return f"create type {enum_type(name)} as enum ({', '.join(lit(x) for x in labels)});"


@op("add enum value", lambda m: bool(m.enums))
def add_enum_value(d: Draw) -> str:
    name = d.pick(d.m.enums)
    value = f"v{d.m.n}"
    d.m.n += 1
    where = ""
    if d.bool():
        anchor = d.pick(d.m.enums[name])
        where = f" {d.pick(['before', 'after'])} {lit(anchor)}"
    d.m.enums[name].append(value)
    return f"alter type {enum_type(name)} add value {lit(value)}{where};"


@op("rename enum value", lambda m: bool(m.enums))
def rename_enum_value(d: Draw) -> str:
    name = d.pick(d.m.enums)
    labels = d.m.enums[name]
    old = d.pick(labels)
    new = f"r{d.m.n}"
    d.m.n += 1
    labels[labels.index(old)] = new
    for t in d.m.tables.values():  # a default written with the old label now reads the new one
        for c in t.cols.values():
            if c.type == enum_type(name) and c.default == lit(old):
                c.default = lit(new)
    return f"alter type {enum_type(name)} rename value {lit(old)} to {lit(new)};"


@op("rename enum", lambda m: bool(m.enums))
def rename_enum(d: Draw) -> str:
    name = d.pick(d.m.enums)
    old, new = enum_type(name), d.name("e")
    d.m.enums[new] = d.m.enums.pop(name)
    for t in d.m.tables.values():
        for c in t.cols.values():
            if c.type == old:
                c.type = enum_type(new)
    return f"alter type {old} rename to {ident(new)};"


@op("drop enum", lambda m: any(not m.enum_used(e) for e in m.enums))
def drop_enum(d: Draw) -> str:
    name = d.pick(e for e in d.m.enums if not d.m.enum_used(e))
    del d.m.enums[name]
    return f"drop type {enum_type(name)};"


@op("grant", _has_tables)
def grant(d: Draw) -> str:
    t = d.table()
    privs = d.draw(st.lists(st.sampled_from(["select", "insert", "update", "delete"]), min_size=1, max_size=3, unique=True))
    role = d.pick(API_ROLES)
    if d.bool():
        return f"grant {', '.join(privs)} on {t.q} to {role};"
    return f"revoke {', '.join(privs)} on {t.q} from {role};"


@op("column grant", _has_tables)
def column_grant(d: Draw) -> str:
    t = d.table()
    col = d.pick(t.cols)
    verb = d.pick(["grant", "revoke"])
    return f"{verb} {d.pick(['select', 'update'])} ({ident(col)}) on {t.q} {'to' if verb == 'grant' else 'from'} {d.pick(API_ROLES)};"


@op("function grant", lambda m: any(k == "sql" for k in m.funcs.values()))
def function_grant(d: Draw) -> str:
    name = d.pick(f for f, k in d.m.funcs.items() if k == "sql")
    role = d.pick(API_ROLES + ["public"])
    if d.bool():
        return f"revoke execute on function {_signature(d.m, name)} from {role};"
    return f"grant execute on function {_signature(d.m, name)} to {role};"


@op("comment", _has_tables)
def comment(d: Draw) -> str:
    t = d.table()
    text = d.pick(["'a comment'", "'it''s'", "null", "'-- not a comment; $$'"])
    what = d.pick(["table", "column"] + (["index"] if any(i.name for i in t.idx) else [])
                  + (["policy"] if t.pols else []) + (["function"] if d.m.funcs else [])
                  + (["type"] if d.m.enums else []))
    if what == "table":
        target = f"table {t.q}"
    elif what == "column":
        target = f"column {t.q}.{ident(d.pick(t.cols))}"
    elif what == "index":
        target = f"index public.{ident(d.pick(i.name for i in t.idx if i.name))}"
    elif what == "policy":
        target = f"policy {ident(d.pick(t.pols))} on {t.q}"
    elif what == "function":
        target = f"function {_signature(d.m, d.pick(d.m.funcs))}"
    else:
        target = f"type {enum_type(d.pick(d.m.enums))}"
    return f"comment on {target} is {text};"


@st.composite
def migration_sequences(draw, min_migrations: int = 3, max_migrations: int = 6, max_statements: int = 6) -> list[str]:
    """Migration texts, each valid after the ones before it (see the module docstring)."""
    m = Model()
    d = Draw(draw, m)
    out = []
    for _ in range(draw(st.integers(min_migrations, max_migrations))):
        stmts = []
        for _ in range(draw(st.integers(1, max_statements))):
            ops = [(name, fn) for name, (can, fn) in OPS if can(m)]
            _, fn = draw(st.sampled_from(ops))
            stmts.append(fn(d))
        out.append("\n".join(stmts) + "\n")
    return out
