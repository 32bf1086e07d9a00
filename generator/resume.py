"""``generate`` from where the cache (generator/cache.py) leaves it: replay only what changed.

A migration before the point the replay starts from is not replayed when everything
``generate`` would do for it is known without replaying it: the cache has its entry
(under its chain hash, so neither it nor any earlier migration changed) and, when it is
one of the migrations asked for, both its files on disk are exactly what the entry says
generate writes (so generate would report them ``unchanged``); a migration that is not
valid SQL has no files. The replay starts at the first migration for which that is not
so, from the newest catalog snapshot at or before it (the baseline when there is none).
Any doubt -- no entry, a file missing, edited, unreadable or not a regular file -- moves
the start back, never forward: what is printed and written is what a run without the
cache prints and writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import (Cache, Expected, expected_of, forget_others, index_row, keep_snapshots, pickle_catalog, same_text,
                    wants_snapshot)

if TYPE_CHECKING:
    from .engine import Rollback
    from .index import Facts
    from .parse import Migration


LAST: Resume | None = None  # the latest plan of this process (for the tests: how much was replayed)


def on_disk_as_expected(path: Path, expected_sha: str, cache: Cache | None = None) -> bool:
    """Whether generate would find ``path`` ``unchanged`` for a text of hash ``expected_sha``
    (a regular file, readable as UTF-8, equal once CRLF line ends are read as LF). ``cache``:
    a file it saw unchanged since it read it is not read again (generator.cache.same_text)."""
    return same_text(cache, path, expected_sha, universal=True)[0]


def facts_of(row: tuple) -> Facts:
    """The index row kept in the cache (generator.cache.index_row), as the index takes it."""
    from .index import Facts

    v, name, sql_name, md_name, uses, creates, reversible, risk, manual, broken = row
    return Facts(v, name, sql_name, md_name, list(uses), list(creates), reversible, risk, manual, broken)


@dataclass
class Resume:
    """Where a ``generate`` of the folder's migrations starts, and what it learns for next time."""

    cache: Cache
    hashes: list[str]  # chain hash of each migration of the folder
    start: int = 0  # the first migration replayed (index into the folder's migrations)
    catalog: Any = None  # the catalog after migration ``start - 1`` (None: the baseline)
    made: dict[str, bytes] = field(default_factory=dict)  # snapshots taken by this run
    chain: dict[int, str] = field(default_factory=dict)  # id(migration) -> chain hash
    recorded: int = 0  # entries this run added
    replayed: int = 0  # migrations of the folder this run replayed (what the tests look at)

    def on_replayed(self, m: Migration, catalog) -> None:
        """The engine's hook after each migration: a snapshot after the newest ones
        (generator.cache.wants_snapshot)."""
        self.replayed += 1
        h = self.chain.get(id(m))
        if h is not None and wants_snapshot(self.cache, self.hashes, h, self.start > 0):
            self.made[h] = pickle_catalog(catalog)

    def entry(self, i: int) -> tuple[Expected, tuple]:
        """The cache entry and the index row of the ``i``-th migration."""
        return self.cache.entries[self.hashes[i]], self.cache.rows[self.hashes[i]]

    def record(self, rb: Rollback, files, unrecorded: tuple[str, ...], facts: Facts) -> None:
        """Keep what generate wrote for ``rb`` (``files``: (name, text) of the SQL and of the
        document; None when the migration is not valid SQL)."""
        h = self.chain.get(id(rb.migration))
        if h is not None:
            self.cache.entries[h] = expected_of(rb, files, unrecorded)
            self.cache.rows[h] = index_row(facts)
            self.recorded += 1

    def save(self) -> None:
        """Write the cache file, when this run learned anything."""
        if not self.made and not self.recorded:
            self.cache.close()
            return
        forget_others(self.cache, self.hashes)
        keep_snapshots(self.cache, self.hashes, self.hashes[self.start - 1] if self.start else None, self.made)
        self.cache.save()


def plan(cache: Cache, migrations: list[Migration], hashes: list[str], wanted: set[int], last: int,
         out_dir: Path) -> Resume:
    """Where to start replaying ``migrations`` (the folder's) for the ones at the positions
    ``wanted`` (``last``: the latest of them). Migrations up to ``last`` before the start are
    taken from the cache."""
    global LAST
    resume = LAST = Resume(cache, hashes, chain={id(m): h for m, h in zip(migrations, hashes)})
    known = 0  # the first migration the cache cannot stand for
    rows = cache.rows
    while known <= last:
        e = cache.entries.get(hashes[known])
        if e is None or hashes[known] not in rows:
            break
        if known in wanted and not e.broken and not (on_disk_as_expected(out_dir / e.sql_name, e.sql_sha, cache)
                                                      and on_disk_as_expected(out_dir / e.md_name, e.md_sha, cache)):
            break
        known += 1
    if known > last:  # nothing to replay
        resume.start = known
        return resume
    return _from_snapshot(resume, known)


def plan_replay(cache: Cache, migrations: list[Migration], hashes: list[str], first: int) -> Resume:
    """Where an in-memory replay that must yield the rollback of the ``first``-th migration
    of the folder (and of later ones) starts: right after the newest usable snapshot before
    it, else at the baseline (``verify``: it needs the rollbacks, not what generate wrote)."""
    global LAST
    resume = LAST = Resume(cache, hashes, chain={id(m): h for m, h in zip(migrations, hashes)})
    return _from_snapshot(resume, first)


def _from_snapshot(resume: Resume, before: int) -> Resume:
    """``resume`` starting after the newest snapshot that can be read of a migration before
    the ``before``-th (at the baseline when there is none)."""
    for j in range(before - 1, -1, -1):
        if resume.hashes[j] in resume.cache.snapshots:
            catalog = resume.cache.catalog(resume.hashes[j])
            if catalog is not None:
                resume.start, resume.catalog = j + 1, catalog
                break
    return resume
