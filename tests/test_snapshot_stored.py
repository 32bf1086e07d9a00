"""The schema verify saves with a database state keeps each object pickled apart
(generator/snapshot.py ``Stored``): decoded only when a comparison looks into it."""

from __future__ import annotations

import pickle

from generator.bucketed import Bucketed
from generator.snapshot import BIG, CATEGORIES, Stored, _State, diff, plain, stored


def _schema():
    table = {"kind": "table", "columns": {"id": {"type": "bigint"}}, "column order": ["id"], "acl": {}}
    policy = {"table": "public.t", "using": "(true)"}
    snap = {c: {} for c in CATEGORIES}
    snap["relation"]["public.t"] = table
    snap["policy"]["p on public.t"] = policy
    snap["schema"]["public"] = {"owner": "postgres", "acl": {}, "comment": None}
    big = {c: {} for c in BIG}
    big["relation"][16400] = ("public.t", table)
    big["policy"][16500] = ("p on public.t", policy)
    state = _State(big, {}, {}, Bucketed(pos=1), {}, 7)
    return snap, state


def test_a_stored_copy_shares_its_objects_and_leaves_the_original_alone():
    snap, state = _schema()
    s2, st2 = stored(snap, state)
    assert isinstance(s2["relation"]["public.t"], Stored) and s2["schema"] is snap["schema"]
    assert s2["relation"]["public.t"] is st2.big["relation"][16400][1]  # one object for both
    assert type(snap["relation"]["public.t"]) is dict and state.big["relation"][16400][1] is snap["relation"]["public.t"]
    back_snap, back_state = pickle.loads(pickle.dumps((s2, st2)))
    obj = back_snap["relation"]["public.t"]
    assert obj is back_state.big["relation"][16400][1] and obj._obj is None  # not decoded by loading
    assert obj == snap["relation"]["public.t"] and snap["relation"]["public.t"] == obj and obj._obj is not None
    assert back_snap == snap and not (back_snap != snap)
    assert plain(obj) == snap["relation"]["public.t"] and plain(snap["schema"]) is snap["schema"]


def test_diff_looks_into_stored_objects_only_where_they_differ():
    snap, state = _schema()
    before, _ = pickle.loads(pickle.dumps(stored(snap, state)))
    after = {c: dict(objs) for c, objs in before.items()}  # the objects that did not change are shared
    assert diff(before, after).exact
    assert before["relation"]["public.t"]._obj is None
    changed = dict(plain(before["policy"]["p on public.t"]), using="(false)")
    after["policy"]["p on public.t"] = changed
    del after["relation"]["public.t"]
    d = diff(before, after)
    assert sorted(d.differences) == ["policy p on public.t: USING expression differs: (true) vs (false)",
                                     "table public.t is missing"]
    equal_again = dict(plain(before["policy"]["p on public.t"]))  # re-read, equal: no difference
    after["policy"]["p on public.t"] = equal_again
    after["relation"]["public.t"] = before["relation"]["public.t"]
    assert diff(before, after).exact
