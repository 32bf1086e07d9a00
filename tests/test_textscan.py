"""The catalog's caches for long histories answer exactly what a scan of every object answers.

- ``generator.textscan.Scan``: which objects may name something (the enum rebuild's search
  for what names the type), from blobs of texts kept between statements and thrown away when
  one of their objects changes (``catalog.CHANGES``);
- ``catalog.ObjRefMap.related``: the grants, comments and taint of one object and its columns;
- ``catalog_query``: relation and type lookups of guards, without a dict of every relation.

Each test changes a catalog at random, by the ways handlers change it (in place, by
assignment, through every dict method, copies and pickles), and compares with a scan.
"""

from __future__ import annotations

import copy
import pickle
import random

from generator import catalog_query
from generator.catalog import Column, Constraint, ObjRefMap, Policy, Table, View
from generator.engine import baseline_catalog
from generator.handlers import enums
from generator.sqltext import _ESCAPED, name_test
from generator.textscan import Scan, _escapes, may_name_any

_TEXTS = ["now()", "'todo'::public.mood", "CHECK (m <> 'sad'::public.mood)", "CHECK (char_length(x) > 0)",
          "U&'\\0061'", "E'mood'", "nextval('s'::regclass)", None, "'Mood'", "lower(name)", "moody()", ""]
_TYPES = ["text", "int", "public.mood", "public.mood[]", "uuid", '"Weird type"']
_NAMES = [["mood"], ["MOOD"], ["x"], ["sad", "lower"], ['"odd"'], ["nothing_here"], [""]]


def _expected_tables(tables: list[Table], names: list[str], keys: set) -> list[int]:
    test = name_test(names)
    out = []
    for i, t in enumerate(tables):
        texts = [c.definition for c in t.constraints.values()] + [
            x for c in t.columns.values() for x in (c.default, c.generated)]
        tkeys = {("table", t.key)} | {("type", c.type) for c in t.columns.values()}
        if any(test(x) for x in texts) or tkeys & keys:
            out.append(i)
    return out


def test_table_scans_follow_every_change() -> None:
    rng = random.Random(5)
    cat = baseline_catalog()
    keys = [("public", f"t{i}") for i in range(300)]  # more tables than one blob holds
    for step in range(2500):
        key = rng.choice(keys)
        t = cat.tables.get(key)
        op = rng.random()
        if t is None or op < 0.04:
            cat.tables[key] = Table(schema=key[0], name=key[1], columns={"id": Column("id", rng.choice(_TYPES))})
        elif op < 0.25:
            t.columns[f"c{rng.randrange(5)}"] = Column("c", rng.choice(_TYPES), default=rng.choice(_TEXTS))
        elif op < 0.4 and t.columns:
            col = rng.choice(list(t.columns.values()))
            setattr(col, rng.choice(["default", "generated", "type"]), rng.choice(_TEXTS[:-2] + _TYPES))
        elif op < 0.5:
            t.constraints[f"k{rng.randrange(4)}"] = Constraint("k", "c", rng.choice(_TEXTS[:-2]))
        elif op < 0.6 and t.constraints:
            rng.choice(list(t.constraints.values())).definition = rng.choice(_TEXTS[:-2])
        elif op < 0.65 and t.constraints:
            t.constraints.pop(rng.choice(list(t.constraints)))
        elif op < 0.7 and t.columns:
            del t.columns[rng.choice(list(t.columns))]
        elif op < 0.72:
            t.columns = {k + "x": v for k, v in t.columns.items()}  # a rename rebuilds the dict
        elif op < 0.75:
            cat.tables.pop(key, None)
        if step % 400 == 399:
            cat = copy.deepcopy(cat) if step % 800 == 399 else pickle.loads(pickle.dumps(cat))
        if step % 7 == 0:
            tables = list(cat.tables.values())
            names = rng.choice(_NAMES)
            want = {("type", rng.choice(_TYPES)), ("table", rng.choice(keys))}
            assert enums._TABLES.find(tables, names, want) == _expected_tables(tables, names, want), step
            assert {k[1] for k in enums._TABLES.all_keys(tables) if k[0] == "type"} == {
                c.type for t in tables for c in t.columns.values()}, step


def test_policy_and_view_scans_follow_every_change() -> None:
    rng = random.Random(9)
    cat = baseline_catalog()
    views = Scan("test.view", lambda v: (v.definition,))
    for step in range(2000):
        n = rng.randrange(400)
        key = ("public", f"t{n % 40}", f"p{n}")
        op = rng.random()
        if op < 0.4:
            cat.policies[key] = Policy(key[0], key[1], key[2], using=rng.choice(_TEXTS), check=rng.choice(_TEXTS))
        elif op < 0.6 and key in cat.policies:
            setattr(cat.policies[key], rng.choice(["using", "check", "table"]), rng.choice(_TEXTS[:-2]))
        elif op < 0.7:
            cat.policies.pop(key, None)
        elif op < 0.9:
            vk = ("public", f"v{n}")
            if vk in cat.views and rng.random() < 0.5:
                cat.views[vk].definition = f"CREATE VIEW v AS SELECT {rng.choice(_TEXTS[:-2])}"
            else:
                cat.views[vk] = View(vk[0], vk[1], f"CREATE VIEW v AS SELECT {rng.choice(_TEXTS[:-2])}")
        else:
            cat.views.pop(("public", f"v{n}"), None)
        if step % 5 == 0:
            names = rng.choice(_NAMES)
            test = name_test(names)
            pols = list(cat.policies.values())
            tables = {("public", f"t{rng.randrange(40)}")}
            assert enums._POLICIES.find(pols, names, tables) == [
                i for i, p in enumerate(pols) if test(p.using) or test(p.check) or (p.schema, p.table) in tables], step
            vs = list(cat.views.values())
            assert views.find(vs, names) == [i for i, v in enumerate(vs) if test(v.definition)], step


def test_texts_and_escapes_as_name_test_reads_them() -> None:
    rng = random.Random(3)
    alphabet = "aeu&'\"$_ x1\u00e9M\x00O"
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(14)))
        assert sorted(_escapes(text)) == [m.start() for m in _ESCAPED.finditer(text)], text
    texts = [rng.choice(_TEXTS) for _ in range(700)]
    for names in _NAMES:
        test = name_test(names)
        assert may_name_any(texts, names) == [i for i, t in enumerate(texts) if test(t)]


# -- ObjRefMap --------------------------------------------------------------------------------


def _related(store: dict, ident: str) -> list:
    return [r for r in store if r[1] == ident or (r[0] == "column" and r[1].startswith(ident + "."))]


def test_objref_maps_list_an_object_and_its_columns_in_order() -> None:
    rng = random.Random(7)
    cat = baseline_catalog()
    idents = ["public.t", "public.u", 'public."a.b"', "public.t2", "s.t"]
    cols = ["c", "d", '"x.y"']
    for step in range(3000):
        ident = rng.choice(idents)
        ref = ("column", f"{ident}.{rng.choice(cols)}") if rng.random() < 0.6 else (
            rng.choice(["table", "view", "function"]), ident)
        store = getattr(cat, rng.choice(["grants", "grant_options", "comments", "tainted", "uncertain_acl"]))
        op = rng.random()
        if op < 0.35:
            store[ref] = {"anon": {"SELECT"}}
        elif op < 0.45:
            store.setdefault(ref, {})
        elif op < 0.5:
            store.update({ref: {}})
        elif op < 0.55:
            store |= {ref: {}}
        elif op < 0.75:
            store.pop(ref, None)
        elif op < 0.8 and ref in store:
            del store[ref]
        elif op < 0.82 and store:
            store.popitem()
        elif op < 0.83:
            store.clear()
        elif op < 0.86:
            cat.comments = dict(cat.comments)  # a plain dict assigned back is an ObjRefMap again
        if step % 500 == 499:
            cat = copy.deepcopy(cat) if step % 1000 == 499 else pickle.loads(pickle.dumps(cat))
        for name in ("grants", "grant_options", "comments", "tainted", "uncertain_acl"):
            s = getattr(cat, name)
            assert isinstance(s, ObjRefMap)
            for i in idents:
                assert [r for r in s.related(i) if r in _related(s, i)] == _related(s, i), (step, name, i)


# -- catalog_query: relation and type lookups ------------------------------------------------


def _relations(cat) -> dict:  # what catalog_query built for every lookup before
    out = {}
    for k in cat.tables:
        out[k] = "r"
    for k, v in cat.views.items():
        out[k] = "m" if v.materialized else "v"
    for k in cat.indexes:
        out[k] = "i"
    for k in cat.sequences:
        out[k] = "S"
    for k, t in cat.types.items():
        if t.kind == "composite":
            out[k] = "c"
    return out


def test_guard_lookups_agree_with_a_dict_of_every_relation() -> None:
    from generator.catalog import Index, Sequence, Type

    rng = random.Random(13)
    cat = baseline_catalog()
    names = ["a", "b", "_a", "c"]
    schemas = ["public", "app", "auth"]
    for _ in range(600):
        key = (rng.choice(schemas), rng.choice(names))
        kind = rng.randrange(6)
        if kind == 0:
            cat.tables[key] = Table(*key)
        elif kind == 1:
            cat.views[key] = View(*key, "CREATE VIEW x AS SELECT 1", materialized=rng.random() < 0.5)
        elif kind == 2:
            cat.indexes[key] = Index(*key, table=("public", "a"), definition="CREATE INDEX")
        elif kind == 3:
            cat.sequences[key] = Sequence(*key, "CREATE SEQUENCE")
        elif kind == 4:
            cat.types[key] = Type(*key, rng.choice(["enum", "composite"]), "CREATE TYPE")
        else:
            for store in (cat.tables, cat.views, cat.indexes, cat.sequences, cat.types):
                store.pop(key, None)
        rels = _relations(cat)
        name, schema = rng.choice(names), rng.choice([None, *schemas])
        kinds = rng.choice([None, "r", "rv", "v", "m", "i", "S", "c"])
        found = any(k[1] == name and (schema is None or k[0] == schema) and (kinds is None or rk in kinds)
                    for k, rk in rels.items())
        assert catalog_query._rel_lookup({"name": name, "schema": schema}, cat, kinds) == \
            catalog_query._found_or_unknown(found, "relation", name, schema, cat)
        base = name[1:] if name.startswith("_") else name
        keys = set(cat.types) | {k for k, rk in rels.items() if rk in "rvmc"}
        found = any(k[1] in (name, base) and (schema is None or k[0] == schema) for k in keys)
        assert catalog_query._type_lookup({"name": name, "schema": schema}, cat) == \
            catalog_query._found_or_unknown(found, "type", name, schema, cat)
