"""Which objects of the catalog may name something, without a Python test per object.

Rules that must find what in the catalog names an object (an enum's ``ADD VALUE`` looks
for every column, constraint, index, policy, trigger, view and function that may name the
type) test each definition with ``sqltext.name_test`` before parsing it. On a long history
that was tens of thousands of tests per statement, and the cost of a statement grew with
the catalog.

``Scan`` answers the same question for a whole list of objects: the texts of every 64
objects (a chunk) are joined into one ASCII-lowered blob and each name is searched in it
with ``str.find``. A chunk's blob is kept for the next scan and used again when the chunk
holds the same objects (an identity test; the blob holds them, so no id can be reused
meanwhile) and none of them changed since (``catalog.CHANGES``: every field of a catalog
object set again, every column or constraint added or removed). The catalog's dicts grow
at the end, so after a migration only the last chunk of each is read again (after a
deletion, the chunks after it).

What a scan returns is what ``name_test`` accepts (callers may rely on no more than "every
object it accepts is among them": they keep their own exact test on what it returns).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from itertools import accumulate, count
from operator import add, is_

from . import catalog as _catalog
from .sqltext import _ASCII_LOWER

_CHUNK = 64  # objects per blob: a change re-reads the blob it falls in (and the ones after, on a deletion)
_MAX_CHANGES = 1 << 20  # noted changes kept; beyond, all blobs are forgotten


def _fold(joined: str) -> str:
    return joined.lower() if joined.isascii() else joined.translate(_ASCII_LOWER)


_WORD = re.compile(r"[\w$]")


def _escapes(low: str) -> Iterator[int]:
    """Where ``sqltext._ESCAPED`` matches in ``low`` (``str.find`` is much faster than the regex)."""
    for pat in ("e'", "u&'", 'u&"'):
        i = low.find(pat)
        while i >= 0:
            if i == 0 or not _WORD.match(low, i - 1):
                yield i
            i = low.find(pat, i + 1)


class _Blob:
    """The texts of a chunk of objects, joined by NUL (no SQL text or name holds one) and
    ASCII-lowered: where each text starts, which object it belongs to, the objects with a
    text spelled with escapes (always in), and the chunk's keys (key -> objects)."""

    __slots__ = ("objs", "held", "ids", "seen", "low", "starts", "owner", "escaped", "keys")

    def __init__(self, objs: tuple, texts_of: Callable, keys_of: Callable | None, watch_of: Callable | None) -> None:
        texts: list[str] = []
        owner: list[int] = []
        keys: dict[Hashable, list[int]] = {}
        self.objs = objs
        held: list = list(objs)
        for k, obj in enumerate(objs):
            for t in texts_of(obj):
                if t is not None:
                    texts.append(t)
                    owner.append(k)
            if keys_of is not None:
                for key in keys_of(obj):
                    keys.setdefault(key, []).append(k)
            if watch_of is not None:
                held.extend(watch_of(obj))
        self.held = held  # (strong references: the ids stay theirs)
        self.ids = frozenset(map(id, held))
        self.seen = len(_catalog.CHANGES or ())
        self.low = low = _fold("\x00".join(texts))
        self.starts = starts = list(map(add, accumulate(map(len, texts), initial=0), count()))[:-1]
        self.owner = owner
        self.escaped = {owner[bisect_right(starts, i) - 1] for i in _escapes(low)}
        self.keys = keys

    def hits(self, lows: list[str]) -> set[int]:
        """The objects (positions in the chunk) with a text holding one of ``lows`` or spelled with escapes."""
        out = set(self.escaped)
        low, starts, owner = self.low, self.starts, self.owner
        for n in lows:
            i = low.find(n)
            while i >= 0:
                t = bisect_right(starts, i) - 1
                out.add(owner[t])
                i = low.find(n, starts[t + 1]) if t + 1 < len(starts) else -1
        return out


_SCANS: list[Scan] = []
_SINCE: dict[tuple[int, int], frozenset[int]] = {}


def _changed_since(pos: int) -> frozenset[int]:
    changes = _catalog.CHANGES or []
    key = (pos, len(changes))
    got = _SINCE.get(key)
    if got is None:
        if len(_SINCE) > 64:
            _SINCE.clear()
        got = _SINCE[key] = frozenset(changes[pos:])
    return got


def _fresh(b: _Blob) -> bool:
    n = len(_catalog.CHANGES or ())
    if b.seen != n:
        if not b.ids.isdisjoint(_changed_since(b.seen)):
            return False
        b.seen = n
    return True


class Scan:
    """Scans of one kind of object: ``texts_of(obj)`` its texts (None: no text), ``keys_of(obj)``
    values it can be looked up by, ``watch_of(obj)`` the other objects its texts and keys come
    from (a table's columns and constraints, and their maps)."""

    def __init__(self, kind: str, texts_of: Callable[[object], Iterable[str | None]],
                 keys_of: Callable[[object], Iterable[Hashable]] | None = None,
                 watch_of: Callable[[object], Iterable[object]] | None = None) -> None:
        self.kind = kind
        self.texts_of, self.keys_of, self.watch_of = texts_of, keys_of, watch_of
        # the blobs of the last list scanned (the catalog as it is now), chunk by chunk
        self.blobs: list[_Blob] = []
        _SCANS.append(self)

    def _blobs(self, objs: Sequence) -> list[tuple[int, _Blob]]:
        """``objs`` in chunks: the position of each and its blob, the one kept for that chunk
        when it holds the same objects and none of them changed since (objects are added at
        the end of the catalog's dicts: only the last chunk is new then). Other blobs are
        forgotten (they hold their objects alive)."""
        _arm()
        kept = self.blobs
        out = []
        for n, base in enumerate(range(0, len(objs), _CHUNK)):
            chunk = objs[base: base + _CHUNK]
            b = kept[n] if n < len(kept) else None
            if b is None or len(b.objs) != len(chunk) or not all(map(is_, b.objs, chunk)) or not _fresh(b):
                b = _Blob(tuple(chunk), self.texts_of, self.keys_of, self.watch_of)
            out.append((base, b))
        self.blobs = [b for _, b in out]
        return out

    def find(self, objs: Sequence, names: list[str], keys: Iterable[Hashable] = ()) -> list[int]:
        """The positions, in order, of the ``objs`` with a text ``sqltext.name_test(names)``
        accepts (no ``names``: none), or with one of ``keys``."""
        keys = list(keys)
        if any('"' in n for n in names):  # (as name_test: every text that is not None)
            everything = True
        else:
            lows = [n.translate(_ASCII_LOWER) for n in names]
            everything = "" in lows
        out: list[int] = []
        for base, b in self._blobs(objs):
            if not names:
                found = set()
            elif everything:
                found = set(b.owner)
            else:
                found = b.hits(lows)
            for k in keys:
                found.update(b.keys.get(k, ()))
            out += sorted(base + i for i in found)
        return out

    def all_keys(self, objs: Sequence) -> set[Hashable]:
        """Every key of the ``objs``."""
        out: set[Hashable] = set()
        for _, b in self._blobs(objs):
            out.update(b.keys)
        return out


def _arm() -> None:
    """Start noting changes (the first scan), or start over when too many are noted."""
    if _catalog.CHANGES is None:
        _catalog.CHANGES = []
    elif len(_catalog.CHANGES) > _MAX_CHANGES:
        for scan in _SCANS:
            scan.blobs = []
        _SINCE.clear()
        _catalog.CHANGES = []


def may_name_any(texts: Sequence[str | None], names: list[str]) -> list[int]:
    """The positions, in order, of the ``texts`` (strings, not catalog objects: nothing is
    kept) that ``sqltext.name_test(names)`` may accept."""
    if any('"' in n for n in names):
        return [i for i, t in enumerate(texts) if t is not None]
    lows = [n.translate(_ASCII_LOWER) for n in names]
    b = _Blob(tuple(texts), lambda t: (t,), None, None)
    found = set(b.owner) if "" in lows else b.hits(lows)
    return sorted(found)
