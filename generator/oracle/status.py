"""Is the oracle record complete? The note ``generate`` and ``check`` print when it is not.

An *opaque* statement is one after which objects carry its location in
``Catalog.tainted`` (or default privileges became uncertain because of it): the same
definition ``learn`` uses (``learn.opaque_statements``). During a replay, ``Unrecorded``
(the engine's ``observe`` hook) collects, per migration file name, the locations
(``path:line``) of the opaque statements the record has no valid entry for: the record
is missing, or was learned from a history that has changed since (its entries are then
not loaded), or is older than the statement.

The note never changes an exit status: without the record every rollback is complete and
honest (what the generator cannot follow is a manual step with the reason); the record
only makes more of them automatic. ``check`` keeps the locations in its cached entries, so
a fully cached ``check`` prints the same note without replaying anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import ObjRefMap
from .record import Oracle, caused_by

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..parse import Statement

SHOWN = 5  # versions listed in the note on rollbacks that would be exact


def undone_by_hand(stmt: Statement, steps: list) -> bool:
    """Whether ``stmt`` is a DO block or a ``SELECT`` whose own rollback is all manual steps
    (a block the generator cannot decide that names nothing it knows still changed
    something): what ``learn`` saw it do may be its rollback (``engine._observed_steps``)."""
    return type(stmt.node).__name__ in ("DoStmt", "SelectStmt") and bool(steps) and all(s.manual for s in steps)


def is_opaque(where: str, catalog: Catalog) -> bool:
    """Whether the statement at ``where`` left objects (or default privileges) distrusted."""
    if any(caused_by(v, where) for v in catalog.tainted.values()):
        return True
    tail = f" at {where}"
    return any(v.endswith(tail) for v in catalog.uncertain_defaults.values())


class WatchedTaints(ObjRefMap):
    """``Catalog.tainted`` as ``Unrecorded`` sees it: a dict that remembers the values written
    since the last look (``written``), so that finding out whether a statement tainted
    anything costs nothing per statement instead of a scan of every taint. (An ObjRefMap,
    as the catalog keeps its taint: the catalog takes it as it is.)"""

    def _seen(self, value: object) -> None:
        written = self.__dict__.get("written")  # (absent while pickle or copy fills the items)
        if written is not None:
            written.add(value)

    def __setitem__(self, key, value) -> None:
        self._seen(value)
        super().__setitem__(key, value)

    def setdefault(self, key, default=None):
        if key not in self:
            self._seen(default)
        return super().setdefault(key, default)

    def update(self, *args, **kwargs) -> None:
        other = dict(*args, **kwargs)
        for v in other.values():
            self._seen(v)
        super().update(other)

    def __ior__(self, other):
        self.update(other)
        return self


def _tainted_now(where: str, catalog: Catalog) -> bool:
    """Whether the statement at ``where`` just tainted something (a full scan the first time,
    or when the catalog replaced its dict; then only what was written since)."""
    taints = catalog.tainted
    if type(taints) is WatchedTaints and isinstance(taints.__dict__.get("written"), set):
        written = taints.written
        hit = any(caused_by(v, where) for v in written)
        written.clear()
        return hit
    hit = any(caused_by(v, where) for v in taints.values())
    watched = WatchedTaints(taints)
    watched.written = set()
    catalog.tainted = watched
    return hit


@dataclass
class Unrecorded:
    """Collects the opaque statements without a record entry (``observe`` is the engine's hook)."""

    oracle: Oracle | None
    found: dict[str, list[str]] = field(default_factory=dict)  # migration file name -> ["path:line", ...]

    def observe(self, stmt: Statement, catalog: Catalog, steps: list) -> None:
        where = stmt.where
        tail = f" at {where}"
        tainted = _tainted_now(where, catalog)  # (first: it also clears what was written)
        if not (tainted or any(v.endswith(tail) for v in catalog.uncertain_defaults.values())
                or undone_by_hand(stmt, steps)):
            return
        if self.oracle is not None and self.oracle.at(stmt.path.name, stmt.line) is not None:
            return
        self.found.setdefault(stmt.path.name, []).append(stmt.where)

    def of(self, migration_name: str) -> tuple[str, ...]:
        return tuple(self.found.get(migration_name, ()))


_DIGITS = re.compile(r"[0-9]+")
_LINE = re.compile(r"(?<=[^0-9])[0-9]+\Z")  # the line number that ends a location


def _mentions(reason: str, where: str) -> bool:
    """Whether ``reason`` names the location ``where`` (``x.sql:12`` is not ``x.sql:123``)."""
    start = reason.find(where)
    while start >= 0:
        end = start + len(where)
        if end == len(reason) or not reason[end].isdigit():
            return True
        start = reason.find(where, start + 1)
    return False


class _Wheres:
    """Locations (``path:line``), to look up in many texts (``_mentions`` for each location
    and text is quadratic: 1,000 locations and 3,000 reasons on a long history)."""

    def __init__(self, wheres: Iterable[str]) -> None:
        self.wheres = frozenset(wheres)
        self.by_line: dict[str, list[str]] = {}  # line number -> the locations that end with it
        self.other: list[str] = []  # (a location that does not end with a line number)
        for w in self.wheres:
            m = _LINE.search(w)
            if m:
                self.by_line.setdefault(m.group(), []).append(w)
            else:
                self.other.append(w)

    def in_(self, reason: str) -> bool:
        """Whether ``reason`` names one of the locations. One that ends with a line number
        can only end where a run of digits of ``reason`` ends, that same number."""
        for m in _DIGITS.finditer(reason):
            end = m.end()
            if end < len(reason) and reason[end].isdigit():
                continue
            if any(reason.endswith(w, 0, end) for w in self.by_line.get(m.group(), ())):
                return True
        return any(_mentions(reason, w) for w in self.other)


def only_unrecorded(manual_reasons: Sequence[str], wheres: Iterable[str] | _Wheres) -> bool:
    """Whether every manual step (its reason) is put down to an opaque statement without an
    entry: the rollback could become automatic once ``learn`` has seen those statements."""
    found = wheres if isinstance(wheres, _Wheres) else _Wheres(wheres)
    return bool(manual_reasons) and bool(found.wheres) and all(found.in_(r) for r in manual_reasons)


def shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def notes(record: Path, per_migration: Sequence[tuple[str, tuple[str, ...]]],
          manual: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """The note lines (without ``note: ``), none when every opaque statement has an entry.

    ``per_migration``: (file name, locations of its opaque statements without an entry), in
    history order; ``manual``: (version, reasons of its manual steps) of the rollbacks built."""
    count = sum(len(w) for _, w in per_migration)
    if not count:
        return []
    first = next(name for name, w in per_migration if w)
    state = f"stale since {first}" if record.exists() else "missing"
    s = "s" if count != 1 else ""
    out = [f"{count} statement{s} the generator cannot follow ha{'ve' if count != 1 else 's'} no entry in "
           f"{shown_path(record)} ({state}); run `supabase-rollback learn` to check {'them' if count != 1 else 'it'} on a throwaway PostgreSQL"]
    wheres = _Wheres(w for _, ws in per_migration for w in ws)
    exact = [v for v, reasons in manual if only_unrecorded(reasons, wheres)]
    if exact:
        listed = ", ".join(exact[:SHOWN]) + (f" and {len(exact) - SHOWN} more" if len(exact) > SHOWN else "")
        n = len(exact)
        out.append(f"{n} rollback{'s' if n != 1 else ''} ha{'ve' if n != 1 else 's'} manual steps only because of "
                   f"those statements and may become automatic after `supabase-rollback learn`: {listed}")
    return out
