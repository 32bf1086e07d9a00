"""A dict split into groups of keys that pickle apart and unpickle on first use.

The incremental snapshotter's index (generator/snapshot.py ``_State``) maps every catalog row
of a schema to the objects it belongs to: on a schema of 3,800 tables, millions of small
tuples. ``verify`` saves it with a database state and loads it again on the next run, yet a
run reads only the few rows its migration changed. Unpickling the whole index was most of
that load (about 0.9 s), and it held the GIL while the rollback was generated beside it.

``Bucketed`` keeps the items grouped by ``key[pos] // BUCKET`` (oids are handed out in
sequence, so an object and its parts share a group). Pickled, each group is one ``bytes``;
unpickled, a group stays bytes until one of its keys is read or written. Only the methods
the snapshotter uses are here.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=tuple)
V = TypeVar("V")

BUCKET = 1024


class Bucketed(Generic[K, V]):
    __slots__ = ("pos", "_groups")

    def __init__(self, pos: int = 0) -> None:
        self.pos = pos  # which element of a key (an oid) decides its group
        self._groups: dict[int, dict[K, V] | bytes] = {}

    def bucket(self, key: K) -> int:
        return key[self.pos] // BUCKET

    def group(self, b: int) -> dict[K, V]:
        """The items of group ``b`` (decoded now if they were pickled; created empty)."""
        g = self._groups.get(b)
        if g is None:
            g = self._groups[b] = {}
        elif type(g) is bytes:
            g = self._groups[b] = pickle.loads(g)
        return g  # type: ignore[return-value]

    def keys_in(self, b: int) -> list[K]:
        return list(self.group(b)) if b in self._groups else []

    def get(self, key: K, default: Any = None) -> Any:
        b = self.bucket(key)
        if b not in self._groups:
            return default
        return self.group(b).get(key, default)

    def __getitem__(self, key: K) -> V:
        b = self.bucket(key)
        if b not in self._groups:
            raise KeyError(key)
        return self.group(b)[key]

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def __setitem__(self, key: K, value: V) -> None:
        self.group(self.bucket(key))[key] = value

    def setdefault(self, key: K, default: V) -> V:
        return self.group(self.bucket(key)).setdefault(key, default)

    def __delitem__(self, key: K) -> None:
        b = self.bucket(key)
        if b not in self._groups:
            raise KeyError(key)
        g = self.group(b)
        del g[key]
        if not g:
            del self._groups[b]

    def __iter__(self) -> Iterator[K]:
        for b in sorted(self._groups):
            yield from list(self.group(b))

    def __len__(self) -> int:
        return sum(len(self.group(b)) for b in list(self._groups))

    def items(self) -> Iterator[tuple[K, V]]:
        for b in sorted(self._groups):
            yield from list(self.group(b).items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bucketed):
            return NotImplemented
        return self.pos == other.pos and dict(self.items()) == dict(other.items())

    def __reduce__(self) -> tuple[Any, ...]:
        groups = {b: g if type(g) is bytes else pickle.dumps(g, protocol=pickle.HIGHEST_PROTOCOL)
                  for b, g in self._groups.items() if g}
        return _rebuild, (self.pos, groups)


_MISSING = object()


def _rebuild(pos: int, groups: dict[int, bytes]) -> Bucketed:
    out: Bucketed = Bucketed(pos)
    out._groups = dict(groups)
    return out
