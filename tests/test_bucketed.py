"""generator/bucketed.py: the snapshotter's index, pickled by group and decoded on first use."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.bucketed import BUCKET, Bucketed

keys = st.tuples(st.integers(0, 1), st.integers(0, 5 * BUCKET))
ops = st.lists(st.tuples(st.sampled_from(["set", "del", "get", "setdefault", "pickle"]), keys, st.integers()),
               max_size=60)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_behaves_like_a_dict_across_pickling(operations):
    model: dict[tuple[int, int], int] = {}
    b: Bucketed = Bucketed(pos=1)
    for op, key, value in operations:
        if op == "set":
            b[key] = model[key] = value
        elif op == "del":
            if key in model:
                del model[key], b[key]
            else:
                try:
                    del b[key]
                except KeyError:
                    pass
                else:
                    raise AssertionError("deleted a key that is not there")
        elif op == "get":
            assert b.get(key) == model.get(key)
            assert (key in b) == (key in model)
        elif op == "setdefault":
            assert b.setdefault(key, value) == model.setdefault(key, value)
        else:
            b = pickle.loads(pickle.dumps(b))
        assert dict(b.items()) == model
    assert len(b) == len(model)
    assert sorted(b) == sorted(model)
    for g in range(6):
        assert sorted(b.keys_in(g)) == sorted(k for k in model if k[1] // BUCKET == g)


def test_unpickled_groups_stay_encoded_until_a_key_of_theirs_is_used():
    b: Bucketed = Bucketed(pos=0)
    for oid in (1, 2, BUCKET + 1, 3 * BUCKET):
        b[(oid,)] = {"oid": oid}
    back = pickle.loads(pickle.dumps(b))
    assert all(type(g) is bytes for g in back._groups.values())
    assert back[(BUCKET + 1,)] == {"oid": BUCKET + 1}
    decoded = sorted(g for g, v in back._groups.items() if type(v) is not bytes)
    assert decoded == [1]
    assert back.get((7 * BUCKET,)) is None and (7 * BUCKET,) not in back
    assert sorted(g for g, v in back._groups.items() if type(v) is not bytes) == [1]  # no group made
    back[(2,)]["seen"] = True  # a value changed in place is pickled with its change
    again = pickle.loads(pickle.dumps(back))
    assert again[(2,)] == {"oid": 2, "seen": True}
    assert again != b
    assert dict(again.items()) == {**dict(b.items()), (2,): {"oid": 2, "seen": True}}


def test_a_group_emptied_is_forgotten():
    b: Bucketed = Bucketed(pos=0)
    b[(5,)] = 1
    del b[(5,)]
    assert b._groups == {}
    assert len(pickle.dumps(b)) < 100
