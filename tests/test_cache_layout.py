"""The cache file's layout and what a run reads and writes of it (generator/cache.py, issue 14).

The snapshots follow the index, each with its own checksum: a run reads the index and at
most the snapshot it starts from; a run after adding or editing the newest migration writes
no snapshot; a damaged snapshot is the whole cache ignored with one note. The rollback files
a run read are remembered by size and times (``seen``), so that the next run need not read
them again, and a change of a file is still seen. Every warm run is compared with a cold one
(tests/test_generate_cache.py ``same_as_cold``).
"""

from __future__ import annotations

import copy
import os
import pickle
import time
from pathlib import Path

import pytest

import generator.cache as cache_module
from generator import resume
from generator.cache import Cache, cache_path
from generator.catalog import Column, Constraint, Index, Policy

from _cli_support import project, run
from test_generate_cache import HISTORY, OUT, replayed, same_as_cold, write


@pytest.fixture
def root(tmp_path: Path, monkeypatch) -> Path:
    r = project(tmp_path / "app", HISTORY)
    monkeypatch.chdir(r)
    return r


def _loaded(root: Path) -> Cache:
    path = cache_path(root)
    assert path is not None and path.exists()
    with path.open("rb") as fh:
        why, data, _ = cache_module._read_index(fh)
    assert why == ""
    cache = Cache(path, data["key"], entries=data["entries"], snapshots=data["snapshots"], seen=data["seen"])
    return cache


def _chains(root: Path) -> list[str]:
    from generator.chain import chain_hashes
    from generator.project import list_migrations

    return chain_hashes(list_migrations(root / "supabase" / "migrations"))


def test_a_run_that_replays_only_the_newest_migration_writes_no_snapshot(root, tmp_path, monkeypatch):
    made: list[str] = []
    pickle_catalog = cache_module.pickle_catalog

    def counting(catalog):
        made.append("x")
        return pickle_catalog(catalog)

    monkeypatch.setattr(resume, "pickle_catalog", counting)
    same_as_cold(root, tmp_path, monkeypatch)  # from the baseline: the three newest
    assert len(made) == 3 and list(_loaded(root).snapshots) == _chains(root)[-3:]  # (in the history's order)
    made.clear()
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    same_as_cold(root, tmp_path, monkeypatch)  # from the snapshot before it: none written
    assert replayed() == 1 and made == []
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone int;\n")
    same_as_cold(root, tmp_path, monkeypatch)  # edited: the same
    assert replayed() == 1 and made == []
    # the next addition replays the two newest and keeps the snapshot between them
    write(root, "20240107000000_more.sql", "create table public.more (id int);\n")
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 2 and len(made) == 1
    chains = _chains(root)
    assert chains[-2] in _loaded(root).snapshots and chains[-1] not in _loaded(root).snapshots
    made.clear()
    write(root, "20240107000000_more.sql", "create table public.more (id bigint);\n")
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 1 and made == []


def test_check_reads_no_snapshot_when_nothing_changed(root, tmp_path, monkeypatch):
    assert run("generate").exit_code == 0
    monkeypatch.setattr(Cache, "_section", lambda self, section: pytest.fail("a snapshot was read"))
    res = run("check")
    assert res.exit_code == 0 and res.stdout == "ok: 5 rollbacks up to date\n"


@pytest.mark.parametrize("where", ["the newest snapshot", "the size of a snapshot"])
def test_a_damaged_snapshot_is_the_whole_cache_ignored_with_a_note(where, root, tmp_path, monkeypatch):
    same_as_cold(root, tmp_path, monkeypatch)
    path = cache_path(root)
    data = path.read_bytes()
    if where == "the newest snapshot":  # a byte in the middle of the last snapshot
        cache = _loaded(root)
        offset, length, _ = cache.snapshots[_chains(root)[-1]]
        at = len(data) - length + length // 2
        path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
    else:  # the file cut short: its index names more than there is
        path.write_bytes(data[:-10])
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    warm = same_as_cold(root, tmp_path, monkeypatch, note=True)
    assert "is damaged" in warm.stderr.splitlines()[0]
    assert replayed() == 6  # everything again
    same_as_cold(root, tmp_path, monkeypatch)
    assert replayed() == 0
    assert "note: the cache" not in run("check").stderr


def test_check_of_a_damaged_snapshot_notes_it_and_checks_everything(root, tmp_path, monkeypatch):
    assert run("generate").exit_code == 0
    path = cache_path(root)
    data = path.read_bytes()
    path.write_bytes(data[:-100] + bytes([data[-100] ^ 1]) + data[-99:])
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    from generator.commands.check import run_check
    from generator.config import resolve_folders

    notes: list[str] = []
    report = run_check(resolve_folders(None, None, None), note=notes.append)
    assert len(notes) == 1 and "is damaged" in notes[0]
    assert report.replayed == 6
    fresh = run_check(resolve_folders(None, None, None), use_cache=False)
    assert report.expected == fresh.expected
    assert [f.line() for f in report.findings] == [f.line() for f in fresh.findings]


# -- the rollback files a run read ----------------------------------------------------------------


def _settle(root: Path, monkeypatch) -> None:
    """Files count as settled at once (the tests cannot wait two seconds for each)."""
    monkeypatch.setattr(cache_module, "SETTLED_NS", -10**12)


def _reads(monkeypatch) -> list[str]:
    seen: list[str] = []
    read_bytes = Path.read_bytes

    def counting(self: Path) -> bytes:
        if self.parent.name == "rollbacks":
            seen.append(self.name)
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return seen


def test_files_read_before_are_not_read_again_unless_they_changed(root, tmp_path, monkeypatch):
    _settle(root, monkeypatch)
    assert run("generate").exit_code == 0
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    assert run("generate").exit_code == 0  # reads the rollbacks of the first five, and keeps them in ``seen``
    assert len(_loaded(root).seen) == 10
    reads = _reads(monkeypatch)
    res = run("check")
    assert res.exit_code == 0 and sorted(reads) == ["rollback_20240106000000_phone.md",
                                                     "rollback_20240106000000_phone.sql"]
    # the same size, the same mtime: the ctime still changed, and the change is seen
    sql = root / OUT / "rollback_20240103000000_view.sql"
    st = sql.stat()
    text = sql.read_text()
    time.sleep(0.02)
    sql.write_text(text.replace("DROP VIEW", "DROP view"))
    os.utime(sql, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert sql.stat().st_size == st.st_size and sql.stat().st_mtime_ns == st.st_mtime_ns
    reads.clear()
    res = run("check")
    assert res.exit_code == 1 and "rollback_20240103000000_view.sql: edited by hand" in res.stdout
    assert "rollback_20240103000000_view.sql" in reads
    monkeypatch.undo()
    _settle(root, monkeypatch)
    resume.LAST = None
    res = same_as_cold(root, tmp_path, monkeypatch, "20240103000000", "20240106000000")
    assert res.exit_code == 1 and "edited by hand since it was generated" in res.stderr


def test_a_file_changed_just_before_it_was_read_is_read_again(root, tmp_path, monkeypatch):
    assert run("generate").exit_code == 0
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    assert run("generate").exit_code == 0  # the files were written a moment ago: not kept
    assert _loaded(root).seen == {}
    reads = _reads(monkeypatch)
    assert run("check").exit_code == 0
    assert len(reads) == 12


def test_a_file_replaced_by_another_with_the_same_size_and_times_is_read(root, tmp_path, monkeypatch):
    """Another inode (a checkout, a copy): read again, whatever its size and times."""
    _settle(root, monkeypatch)
    assert run("generate").exit_code == 0
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    assert run("generate").exit_code == 0
    md = root / OUT / "rollback_20240101000000_accounts.md"
    st = md.stat()
    twin = md.with_name("twin.tmp")
    twin.write_bytes(md.read_bytes())
    os.utime(twin, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(twin, md)
    reads = _reads(monkeypatch)
    assert run("check").exit_code == 0
    assert "rollback_20240101000000_accounts.md" in reads


# -- catalog objects pickled by position ----------------------------------------------------------


def test_catalog_objects_pickle_and_copy_by_position():
    col = Column("id", "bigint", default="1", not_null=True)
    con = Constraint("t_pkey", "p", "PRIMARY KEY (id)", columns=["id"], index="t_pkey")
    idx = Index("public", "t_pkey", ("public", "t"), "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)", True)
    pol = Policy("public", "t", "own rows", command="SELECT", roles=["authenticated"], using="(id = 1)")
    for obj in (col, con, idx, pol):
        for twin in (pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)), copy.deepcopy(obj),
                     copy.copy(obj)):
            assert twin == obj and type(twin) is type(obj) and twin is not obj
            assert vars(twin) == vars(obj)
    shared = ["a", "b"]
    con2 = Constraint("u", "u", "UNIQUE (a, b)", columns=shared)
    again = copy.deepcopy([con2, shared])
    assert again[0].columns is again[1]  # (references kept, as before)
    # an attribute that is not a field is kept too (pickled as a dictionary, as before)
    col.extra = "kept"  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(col)).extra == "kept"
    # an unpickled column still notes its changes (generator.catalog.Tracked, for textscan)
    from generator import catalog

    fresh = pickle.loads(pickle.dumps(Column("x", "text")))
    saved, catalog.CHANGES = catalog.CHANGES, []
    try:
        fresh.type = "varchar"
        assert catalog.CHANGES == [id(fresh)]
    finally:
        catalog.CHANGES = saved


def test_snapshots_are_copied_without_copy_file_range_too(root, tmp_path, monkeypatch):
    """Where the kernel cannot copy between the two files (or there is no such call), the kept
    snapshots are read and written: the next run still starts from them."""
    same_as_cold(root, tmp_path, monkeypatch)

    def refuse(*args, **kwargs):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone text;\n")
    same_as_cold(root, tmp_path, monkeypatch)  # saves, copying the snapshots it keeps
    assert replayed() == 1
    write(root, "20240106000000_phone.sql", "alter table public.accounts add column phone int;\n")
    same_as_cold(root, tmp_path, monkeypatch)  # from a copied snapshot (its checksum is checked)
    assert replayed() == 1
    assert "note: the cache" not in run("check").stderr
