"""The catalog's remembered sets stay exact: constraint names (ConstraintMap) and column types.

Catalog.constraint_name_taken answers without scanning every table, and still exactly.

A table's constraints live in a ConstraintMap that notes every name it is given; a name
never noted is not taken. These tests fill tables by every way the handlers (and copy,
pickle, dataclass construction) fill a dict, and compare with a scan of every table.
"""

from __future__ import annotations

import copy
import pickle
import random
import uuid

from generator.catalog import Catalog, Constraint, ConstraintMap, Table
from generator.engine import baseline_catalog


def _scan(cat: Catalog, schema: str, name: str) -> bool:
    return any(name in t.constraints for k, t in cat.tables.items() if k[0] == schema)


def _con() -> Constraint:
    return Constraint(name="x", kind="c", definition="CHECK (true)")


def fresh(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"  # never seen by this process


def test_every_way_of_filling_the_dict_is_noted() -> None:
    cat = Catalog()
    names = [fresh(w) for w in ("init", "item", "update", "setdefault", "ior", "assign", "comprehension", "kw")]
    t = Table(schema="public", name="t", constraints={names[0]: _con()})
    cat.tables[t.key] = t
    t.constraints[names[1]] = _con()
    t.constraints.update({names[2]: _con()})
    t.constraints.setdefault(names[3], _con())
    t.constraints |= {names[4]: _con()}
    u = Table(schema="public", name="u")
    u.constraints = {names[5]: _con()}
    u.constraints = {k: v for k, v in [*u.constraints.items(), (names[6], _con())]}
    u.constraints.update(**{names[7]: _con()})
    cat.tables[u.key] = u
    for n in names:
        assert cat.constraint_name_taken("public", n), n
        assert not cat.constraint_name_taken("other", n), n
    assert isinstance(u.constraints, ConstraintMap)


def test_copies_and_pickles_keep_the_names_and_stay_exact() -> None:
    cat = Catalog()
    n = fresh("copied")
    cat.tables[("public", "t")] = Table(schema="public", name="t", constraints={n: _con()})
    for other in (copy.deepcopy(cat), pickle.loads(pickle.dumps(cat)), cat.copy()):
        t = other.tables[("public", "t")]
        assert isinstance(t.constraints, ConstraintMap)
        assert other.constraint_name_taken("public", n)
        m = fresh("after_copy")
        t.constraints[m] = _con()
        assert other.constraint_name_taken("public", m)
        del t.constraints[n]
        assert not other.constraint_name_taken("public", n)  # seen, so the scan decides: gone
    assert cat.constraint_name_taken("public", n)


def test_an_old_pickle_with_a_plain_dict_is_converted() -> None:
    t = Table(schema="public", name="t")
    n = fresh("old_cache")
    state = dict(t.__dict__, constraints={n: _con()})  # as a cache written before ConstraintMap
    restored = Table.__new__(Table)
    restored.__setstate__(state)
    cat = Catalog()
    cat.tables[restored.key] = restored
    assert isinstance(restored.constraints, ConstraintMap)
    assert cat.constraint_name_taken("public", n)


def test_random_changes_agree_with_a_scan_of_every_table() -> None:
    rng = random.Random(7)
    cat = baseline_catalog()
    schemas = ["public", "private", "auth"]
    pool = [fresh("c") for _ in range(30)] + ["users_pkey", "objects_pkey"]  # two exist in the baseline
    for step in range(2000):
        op = rng.random()
        key = (rng.choice(schemas), f"t{rng.randrange(12)}")
        if op < 0.15:
            cat.tables[key] = Table(schema=key[0], name=key[1], constraints={rng.choice(pool): _con()})
        elif op < 0.25:
            cat.tables.pop(key, None)
        elif key in cat.tables and op < 0.6:
            cat.tables[key].constraints[rng.choice(pool)] = _con()
        elif key in cat.tables and op < 0.8:
            cat.tables[key].constraints.pop(rng.choice(pool), None)
        elif key in cat.tables:  # a rename of a constraint, as the rename handlers do it
            cons = cat.tables[key].constraints
            if cons:
                old, new = next(iter(cons)), rng.choice(pool)
                cat.tables[key].constraints = {(new if k == old else k): v for k, v in cons.items()}
        if step % 10 == 0:
            cat = copy.deepcopy(cat) if step % 20 == 0 else pickle.loads(pickle.dumps(cat))
        for s in schemas:
            for n in pool:
                assert cat.constraint_name_taken(s, n) == _scan(cat, s, n), (step, s, n)


# -- the column types of a table, as the enum rebuild's scan remembers them (generator/textscan.py) --


def _types(t: Table) -> frozenset[str]:
    return frozenset(c.type for c in t.columns.values())


def _remembered(t: Table) -> frozenset[str]:
    from generator.handlers.enums import _TABLES

    return frozenset(k[1] for k in _TABLES.all_keys([t]) if k[0] == "type")


def test_column_types_follow_every_change() -> None:
    from generator.catalog import Column, ColumnMap

    t = Table(schema="public", name="t", columns={"a": Column("a", "text")})
    assert isinstance(t.columns, ColumnMap) and _remembered(t) == {"text"}
    t.columns["b"] = Column("b", "public.mood")
    assert _remembered(t) == {"text", "public.mood"}
    t.columns["b"].type = "public.mood[]"  # ALTER COLUMN TYPE changes the column in place
    assert _remembered(t) == {"text", "public.mood[]"}
    del t.columns["a"]
    assert _remembered(t) == {"public.mood[]"}
    t.columns.update(c=Column("c", "int"))
    t.columns.setdefault("d", Column("d", "uuid"))
    t.columns |= {"e": Column("e", "jsonb")}
    assert _remembered(t) == {"public.mood[]", "int", "uuid", "jsonb"}
    t.columns.pop("c")
    t.columns.popitem()
    assert _remembered(t) == {"public.mood[]", "uuid"}
    t.columns = {(k + "2"): v for k, v in t.columns.items()}  # a rename rebuilds the dict
    assert isinstance(t.columns, ColumnMap) and _remembered(t) == {"public.mood[]", "uuid"}
    t.columns.clear()
    assert _remembered(t) == frozenset()


def test_random_column_changes_agree_with_the_columns() -> None:
    from generator.catalog import Column

    rng = random.Random(11)
    cat = baseline_catalog()
    types = ["text", "int", "public.mood", "public.mood[]", "uuid", '"Weird type"']
    keys = [("public", f"t{i}") for i in range(8)]
    for step in range(3000):
        key = rng.choice(keys)
        op = rng.random()
        t = cat.tables.get(key)
        if t is None or op < 0.05:
            cat.tables[key] = Table(schema=key[0], name=key[1], columns={"id": Column("id", rng.choice(types))})
        elif op < 0.35:
            t.columns[f"c{rng.randrange(6)}"] = Column("c", rng.choice(types))
        elif op < 0.5 and t.columns:
            rng.choice(list(t.columns.values())).type = rng.choice(types)
        elif op < 0.6 and t.columns:
            del t.columns[rng.choice(list(t.columns))]
        elif op < 0.65:
            cat.tables.pop(key, None)
        if step % 25 == 0:
            cat = copy.deepcopy(cat) if step % 50 == 0 else pickle.loads(pickle.dumps(cat))
        for tt in cat.tables.values():
            assert _remembered(tt) == _types(tt), (step, tt.key)
