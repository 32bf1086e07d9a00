"""The migrations of the names property (tests/test_property_names.py), built from a set of
hostile identifiers, and what their rollbacks must name.

Three migrations over one table and the objects around it:

0. create: an enum type, a role, a table (primary key and unique constraint left unnamed,
   so PostgreSQL names them from the table and column names; a named CHECK), a named and
   an unnamed index, RLS and a policy for the role, a SQL function, a grant, comments;
1. rename every one of them (column, constraint, index, policy, function, type, role,
   table last);
2. drop them all.

Every identifier is written quoted (``"..."`` with doubled quotes) and in full: PostgreSQL
truncates it to 63 bytes, and so must everything the generator derives from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .names import quoted as q
from .names import truncated as tr

from generator.sqltext import NAMEDATALEN

KINDS = {
    # field: identifier kind of tests/property/names.py
    "table": "relation", "c_id": "column", "c_text": "column", "c_enum": "column", "check": "object",
    "index": "relation", "policy": "object", "function": "object", "arg": "column", "type": "type",
    "role": "role",
    "table2": "relation", "c_text2": "column", "check2": "object", "index2": "relation", "policy2": "object",
    "function2": "object", "type2": "type", "role2": "role",
}


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _clip(name: str, nbytes: int) -> str:
    return name.encode()[:nbytes].decode(errors="ignore")


def make_object_name(name1: str, name2: str | None, label: str) -> str:
    """PostgreSQL's makeObjectName (indexcmds.c), written again here from its C source so
    the test does not trust generator.sqltext, which it checks."""
    n1, n2 = len(name1.encode()), len(name2.encode()) if name2 is not None else 0
    avail = NAMEDATALEN - 1 - (1 if name2 is not None else 0) - (len(label) + 1)
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    middle = f"_{_clip(name2, n2)}" if name2 is not None else ""
    return f"{_clip(name1, n1)}{middle}_{label}"


@dataclass
class Names:
    table: str
    c_id: str
    c_text: str
    c_enum: str
    check: str
    index: str
    policy: str
    function: str
    arg: str
    type: str
    role: str
    table2: str
    c_text2: str
    check2: str
    index2: str
    policy2: str
    function2: str
    type2: str
    role2: str
    labels: tuple[str, ...] = ("a",)
    comment: str = "c"

    def t(self, field: str) -> str:
        """The stored (truncated) name of ``field``."""
        return tr(getattr(self, field))

    # names PostgreSQL chooses itself (the table/column names they come from are truncated first)
    @property
    def pkey(self) -> str:
        return make_object_name(self.t("table"), None, "pkey")

    @property
    def unique(self) -> str:
        return make_object_name(self.t("table"), self.t("c_text"), "key")

    @property
    def auto_index(self) -> str:
        return make_object_name(self.t("table"), self.t("c_enum"), "idx")

    def migrations(self) -> list[str]:
        n = self
        t, t2 = f"public.{q(n.table)}", f"public.{q(n.table2)}"
        labels = ", ".join(_lit(x) for x in n.labels)
        body = _lit(f"SELECT {q(n.arg)} + 1")
        create = f"""
create type public.{q(n.type)} as enum ({labels});
create role {q(n.role)} nologin;
create table {t} (
  {q(n.c_id)} bigint primary key,
  {q(n.c_text)} text unique,
  {q(n.c_enum)} public.{q(n.type)},
  constraint {q(n.check)} check ({q(n.c_id)} > 0)
);
create index {q(n.index)} on {t} ({q(n.c_text)}, {q(n.c_id)});
create index on {t} ({q(n.c_enum)});
alter table {t} enable row level security;
create policy {q(n.policy)} on {t} for select to {q(n.role)} using ({q(n.c_id)} > 0);
create function public.{q(n.function)}({q(n.arg)} bigint) returns bigint language sql as {body};
grant select ({q(n.c_text)}) on {t} to {q(n.role)};
comment on table {t} is {_lit(n.comment)};
comment on column {t}.{q(n.c_text)} is {_lit(n.comment)};
"""
        rename = f"""
alter table {t} rename column {q(n.c_text)} to {q(n.c_text2)};
alter table {t} rename constraint {q(n.check)} to {q(n.check2)};
alter index public.{q(n.index)} rename to {q(n.index2)};
alter policy {q(n.policy)} on {t} rename to {q(n.policy2)};
alter function public.{q(n.function)}(bigint) rename to {q(n.function2)};
alter type public.{q(n.type)} rename to {q(n.type2)};
alter role {q(n.role)} rename to {q(n.role2)};
alter table {t} rename to {q(n.table2)};
"""
        drop = f"""
drop policy {q(n.policy2)} on {t2};
drop index public.{q(n.index2)};
drop function public.{q(n.function2)}(bigint);
drop table {t2};
drop type public.{q(n.type2)};
drop role {q(n.role2)};
"""
        return [create, rename, drop]

    def plain_twin(self) -> Names:
        """The same migrations with boring names (``n0``, ``n1``...): their rollbacks must
        have exactly the shape of this one's."""
        return Names(**{f: f"n{i}" for i, f in enumerate(KINDS)}, labels=self.labels, comment=self.comment)

    def stored(self) -> set[str]:
        """Every name the migrations give an object, as PostgreSQL stores it."""
        return {self.t(f) for f in KINDS} | {self.pkey, self.unique, self.auto_index}

    def valid(self) -> bool:
        """Names PostgreSQL's own choices (``<table>_pkey``...) do not collide with."""
        explicit = {self.t(f) for f in KINDS}
        derived = [self.pkey, self.unique, self.auto_index]
        return len(explicit) == len(KINDS) and not explicit & set(derived) and len(set(derived)) == 3
