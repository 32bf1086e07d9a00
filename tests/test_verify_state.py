"""``verify`` from a saved database state (generator/verify_state.py): warm == cold.

Each test verifies the newest migration of a small project twice or more: once with
``--no-cache`` (the whole history replayed: the reference) and once or more from the
state an earlier run saved. The verdicts (status, reason, details) and the notes about the
history must be the same; ``COUNTERS`` shows whether a saved state was actually used.
``SUPABASE_ROLLBACK_STATE_AFTER=0`` saves a state however short the replay was.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import state_copy, verify_state
from generator.cli import cli
from generator.snapshot import snapshot
from generator.verify_state import COUNTERS, STATE_FILE, Store

pytestmark = pytest.mark.pg

HISTORY = {
    "20240101000000_roles": "create role app_reader nologin;\n"
                            "create table public.t (id bigint primary key, a text);\n",
    "20240102000000_grants": "grant select on public.t to app_reader;\n"
                             "create index t_a_idx on public.t (a);\n",
    "20240103000000_view": "alter table public.t drop column a;\n"
                           "alter table public.t add column b int;\n"
                           "create view public.v as select id, b from public.t;\n",
}
NEW = {"20240104000000_new": "alter table public.t add column c text;\n"
                             "grant select (c) on public.t to app_reader;\n"}


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SUPABASE_ROLLBACK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(verify_state.ENV_SAVE_AFTER, "0")
    monkeypatch.delenv("SUPABASE_ROLLBACK_DB_URL", raising=False)


def write(root: Path, migrations: dict[str, str]) -> Path:
    folder = root / "supabase" / "migrations"
    folder.mkdir(parents=True, exist_ok=True)
    for stem, text in migrations.items():
        (folder / f"{stem}.sql").write_text(text)
    return root


def verify(root: Path, *more: str) -> tuple[list[tuple], list[str], str]:
    """(status, reason, details) of each result, the notes, stderr."""
    res = CliRunner().invoke(cli, ["verify", "--project-dir", str(root), "--format", "json", *more],
                             catch_exceptions=False)
    doc = json.loads(res.stdout)
    results = [(m["version"], m["status"], m["reason"], m["details"]) for m in doc["migrations"]]
    return results, doc["notes"], res.stderr


def states(tmp_path: Path) -> list[Path]:
    root = tmp_path / "cache" / "verify-states"
    return [d for p in root.iterdir() for d in p.iterdir() if not d.name.startswith(".")] if root.exists() else []


def counters() -> tuple[int, int, int]:
    return COUNTERS.restored, COUNTERS.saved, COUNTERS.ignored


def warm_equals_cold(root: Path, *versions: str) -> tuple[list[str], str]:
    """Verify warm (with whatever state is saved) and cold; the verdicts must be equal.
    Returns the warm run's notes and stderr."""
    warm, warm_notes, err = verify(root, *versions)
    cold, cold_notes, _ = verify(root, *versions, "--no-cache")
    assert warm == cold
    state_notes = [n for n in warm_notes if "saved database state" in n]
    assert [n for n in warm_notes if n not in state_notes] == cold_notes
    return state_notes, err


def test_a_new_migration_starts_from_the_saved_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = write(tmp_path / "p", HISTORY)
    seen: list = []
    save = Store.save

    def save_and_look(self, server, prefix, look=None):  # the schema where the state is saved (or was restored)
        with server.connect(self.dbname) as conn:
            seen.append((prefix.count, snapshot(conn)))
        return save(self, server, prefix, look)

    monkeypatch.setattr(Store, "save", save_and_look)
    before = counters()
    first, notes, _ = verify(root, "20240103000000")  # saves the state after the first two migrations
    assert first[0][1] == "verified" and not notes
    assert counters()[1] == before[1] + 1 and len(states(tmp_path)) == 1

    write(root, NEW)
    restored = COUNTERS.restored
    state_notes, err = warm_equals_cold(root, "20240104000000")
    assert not state_notes
    assert COUNTERS.restored == restored + 1  # the warm run; the cold one did not look
    assert "Database state: saved after 20240102000000_grants.sql (2 migrations not replayed" in err
    # the warm run saved the next point (3 migrations); the cold one (--no-cache) did not
    assert sorted(json.loads((d / STATE_FILE).read_text())["body"]["key"]["count"] for d in states(tmp_path)) == [2, 3]

    # the database restored is the one replayed, snapshot for snapshot (the role's grants included)
    verify(root, "20240104000000")  # restores the state of 3 migrations: the schema is looked at there
    assert COUNTERS.restored == restored + 2
    for d in states(tmp_path):
        verify_state.shutil.rmtree(d)
    verify(root, "20240104000000")  # replays all three, and saves
    at_three = [s for n, s in seen if n == 3]
    assert len(at_three) == 3 and at_three[0] == at_three[1] == at_three[2]
    assert "app_reader" in repr(at_three[0])  # the grants to the role the history created


def test_editing_an_earlier_migration_does_not_reuse_the_state(tmp_path: Path):
    root = write(tmp_path / "p", {**HISTORY, **NEW})
    verify(root, "20240104000000")  # state after three migrations
    # the edit adds a table the new migration needs: a stale state would fail it
    write(root, {"20240101000000_roles": HISTORY["20240101000000_roles"] + "create table public.u (id int);\n",
                 "20240105000000_newer": "alter table public.u add column z int;\n"})
    restored = COUNTERS.restored
    state_notes, _ = warm_equals_cold(root, "20240105000000")
    assert COUNTERS.restored == restored
    assert state_notes == ["the saved database state of verify is not used: 20240101000000_roles.sql changed, "
                           "was added or removed since it was saved; the history is replayed"]
    results, _, _ = verify(root, "20240105000000", "--no-cache")
    assert results[0][1] == "verified"


def test_a_migration_that_fails_to_apply_stays_skipped(tmp_path: Path):
    failing = {
        "20240101000000_base": "create table public.t (id bigint primary key);\n",
        "20240102000000_broken": "create table public.w (id int references public.missing (id));\n",
        "20240103000000_on_broken": "alter table public.w add column x int;\n",
        "20240104000000_other": "alter table public.t add column y int;\n",
    }
    root = write(tmp_path / "p", failing)
    verify(root, "20240104000000")  # saves the state after three migrations (one failed, one skipped)
    write(root, {"20240105000000_needs_w": "create index w_x_idx on public.w (x);\n"})
    restored = COUNTERS.restored
    state_notes, _ = warm_equals_cold(root, "20240105000000")
    assert COUNTERS.restored == restored + 1 and not state_notes
    warm, notes, _ = verify(root, "20240105000000")
    assert warm[0][1] == "skipped" and "depends on 20240102000000_broken.sql" in warm[0][2]
    assert any("20240102000000_broken.sql (history only) could not be applied" in n for n in notes)


def _truncate_data_file(d: Path) -> None:
    pack = d / state_copy.PACK
    with open(pack, "r+b") as fh:
        fh.truncate(pack.stat().st_size // 2)


def _edited_data_byte(d: Path) -> None:
    """One byte of one file changed, the size the same: only the sha256 tells."""
    pack = d / state_copy.PACK
    with open(pack, "r+b") as fh:
        fh.seek(pack.stat().st_size // 3)
        b = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([b[0] ^ 0xFF]))


def _index_edited(d: Path) -> None:
    """The layout edited by hand: two files' sizes swapped (the pack still adds up)."""
    index = d / state_copy.INDEX
    doc = json.loads(index.read_text())
    files = doc["files"]
    i = next(i for i in range(len(files) - 1) if files[i][1] != files[i + 1][1])
    files[i][1], files[i + 1][1] = files[i + 1][1], files[i][1]
    index.write_text(json.dumps(doc))


def _garbage(d: Path) -> None:
    (d / STATE_FILE).write_bytes(b"\x00\xffnot json at all")


def _truncated_record(d: Path) -> None:
    data = (d / STATE_FILE).read_bytes()
    (d / STATE_FILE).write_bytes(data[: len(data) // 2])


def _foreign_version(d: Path) -> None:
    doc = json.loads((d / STATE_FILE).read_text())
    doc["body"]["key"]["format"] = 999
    doc["digest"] = verify_state.sha(json.dumps(doc["body"], sort_keys=True))
    (d / STATE_FILE).write_text(json.dumps(doc))


def _older_tool(d: Path) -> None:
    doc = json.loads((d / STATE_FILE).read_text())
    doc["body"]["key"]["version"] = "0.0.1"
    doc["body"]["key"]["tool"] = "0" * 64
    doc["digest"] = verify_state.sha(json.dumps(doc["body"], sort_keys=True))
    (d / STATE_FILE).write_text(json.dumps(doc))


def _edited_by_hand(d: Path) -> None:
    doc = json.loads((d / STATE_FILE).read_text())
    doc["body"]["prefix"]["unapplied"] = []
    doc["body"]["prefix"]["notes"] = ["hand-written"]
    (d / STATE_FILE).write_text(json.dumps(doc))


def _unreadable(d: Path) -> None:
    (d / STATE_FILE).unlink()
    os.mkfifo(d / STATE_FILE)  # reading it would block: it must not be opened as a file


def _missing_data_file(d: Path) -> None:
    (d / state_copy.PACK).unlink()


def _symlinked_data_file(d: Path) -> None:
    """The pack replaced by a link to a copy outside the state (it must not be followed)."""
    victim = d / state_copy.PACK
    outside = d.parents[3] / "outside"  # (not among the saved states)
    outside.write_bytes(victim.read_bytes())
    victim.unlink()
    victim.symlink_to(outside)


@pytest.mark.parametrize("damage", [_truncate_data_file, _edited_data_byte, _index_edited, _garbage, _truncated_record,
                                    _foreign_version, _older_tool, _edited_by_hand, _unreadable, _missing_data_file,
                                    _symlinked_data_file])
def test_a_damaged_or_foreign_state_is_ignored_and_rebuilt(tmp_path: Path, damage):
    failing = {**HISTORY, "20240103500000_broken": "alter table public.nope add column q int;\n", **NEW}
    root = write(tmp_path / "p", failing)
    verify(root, "20240104000000")
    (saved,) = states(tmp_path)
    damage(saved)
    write(root, {"20240105000000_newer": "alter table public.t add column d int;\n"})
    restored, saved_n, ignored = counters()
    state_notes, _ = warm_equals_cold(root, "20240105000000")
    assert COUNTERS.restored == restored  # never used
    assert len(state_notes) == 1, state_notes
    assert "ignored and rebuilt" in state_notes[0] or "another version" in state_notes[0]
    assert COUNTERS.saved == saved_n + 1  # a sound state was saved again
    # and the next run uses the rebuilt one
    again, notes, _ = verify(root, "20240105000000")
    assert COUNTERS.restored == restored + 1 and not [n for n in notes if "saved database state" in n]


def test_a_failed_rollback_rebuilds_the_history_roles_included(tmp_path: Path):
    """A rollback that leaves another schema makes verify rebuild the database and replay
    what was applied; the history's CREATE ROLE runs again (the role is dropped first)."""
    root = write(tmp_path / "p", {**HISTORY, **NEW, "20240105000000_z": "alter table public.t add column z int;\n",
                                  "20240106000000_w": "alter table public.t add column w int;\n"})
    rb = root / "supabase" / "rollbacks"
    rb.mkdir()
    (rb / "rollback_20240105000000_z.sql").write_text(
        "alter table public.t add column junk int;\n"
        "delete from supabase_migrations.schema_migrations where version = '20240105000000';\n")
    verify(root, "20240104000000")  # the state after three migrations
    restored = COUNTERS.restored
    state_notes, _ = warm_equals_cold(root, "20240105000000", "20240106000000")
    assert COUNTERS.restored == restored + 1 and not state_notes
    results, _, _ = verify(root, "20240105000000", "20240106000000", "--no-cache")
    assert [r[1] for r in results] == ["failed", "verified"]


def test_no_cache_neither_reads_nor_writes(tmp_path: Path):
    root = write(tmp_path / "p", {**HISTORY, **NEW})
    verify(root, "20240104000000", "--no-cache")
    assert states(tmp_path) == []


def test_a_state_saved_from_another_folder_tells_the_paths_as_given_now(tmp_path: Path, monkeypatch):
    failing = {**HISTORY, "20240103500000_broken": "alter table public.nope add column q int;\n", **NEW}
    root = write(tmp_path / "p", failing)
    monkeypatch.chdir(root)  # the notes name supabase/migrations/... relative to here
    verify(root, "20240104000000")
    write(root, {"20240105000000_newer": "alter table public.t add column d int;\n"})
    monkeypatch.chdir(tmp_path)
    restored = COUNTERS.restored
    state_notes, _ = warm_equals_cold(root, "20240105000000")
    assert COUNTERS.restored == restored + 1 and not state_notes
    _, notes, _ = verify(root, "20240105000000", "--no-cache")
    assert any("p/supabase/migrations/20240103500000_broken.sql:1:" in n for n in notes)


def _count_full_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A counter of the incremental snapshotter's full reads (generator/snapshot.py)."""
    from generator.snapshot import IncrementalSnapshots

    n = [0]
    full = IncrementalSnapshots._full

    def counted(self, rows, watermark):
        n[0] += 1
        return full(self, rows, watermark)

    monkeypatch.setattr(IncrementalSnapshots, "_full", counted)
    return n


def test_the_schema_saved_with_the_state_spares_the_first_full_read(tmp_path: Path, monkeypatch):
    """The schema where the state is saved goes with it (``schema.pickle``): after a restore
    the first snapshot is incremental from it, and every snapshot is still the full one
    (``SUPABASE_ROLLBACK_CHECK_SNAPSHOTS=1`` compares each with a full read and fails
    otherwise), the role the history created and the new migration grants to included."""
    monkeypatch.setenv("SUPABASE_ROLLBACK_CHECK_SNAPSHOTS", "1")
    full_reads = _count_full_reads(monkeypatch)
    root = write(tmp_path / "p", HISTORY)
    first, _, _ = verify(root, "20240103000000")  # saves the state after two migrations, with its schema
    assert first[0][1] == "verified"
    assert full_reads[0] == 1  # the schema before the state was saved, taken once (kept across the restart)
    (saved,) = states(tmp_path)
    assert (saved / verify_state.SCHEMA_FILE).is_file()
    assert json.loads((saved / STATE_FILE).read_text())["body"]["schema"][0] > 0

    write(root, NEW)
    restored = COUNTERS.restored
    full_reads[0] = 0
    warm, notes, _ = verify(root, "20240103000000", "20240104000000")
    assert COUNTERS.restored == restored + 1 and full_reads[0] == 0
    assert warm == verify(root, "20240103000000", "20240104000000", "--no-cache")[0]
    assert [r[1] for r in warm] == ["verified", "verified"]


def test_a_damaged_schema_file_means_one_full_read(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SUPABASE_ROLLBACK_CHECK_SNAPSHOTS", "1")
    full_reads = _count_full_reads(monkeypatch)
    root = write(tmp_path / "p", HISTORY)
    verify(root, "20240103000000")
    (saved,) = states(tmp_path)
    schema = saved / verify_state.SCHEMA_FILE
    schema.write_bytes(schema.read_bytes()[:-10] + b"0123456789")  # same size, other bytes
    write(root, NEW)
    restored = COUNTERS.restored
    full_reads[0] = 0
    state_notes, _ = warm_equals_cold(root, "20240103000000", "20240104000000")
    assert COUNTERS.restored == restored + 1 and not state_notes  # the state is still used...
    assert full_reads[0] == 2  # ...its schema is not (once in the warm run, once in the cold one)


@pytest.mark.parametrize("executable", ["real", "/bin/false", "/nonexistent/python"])
def test_a_packed_folder_unpacks_exactly_with_or_without_its_child_process(tmp_path: Path, monkeypatch, executable):
    """The files are packed and unpacked by a child process; when none can run (no
    interpreter, one that fails), the work runs in this process: the same files come back,
    empty ones and ones larger than a read included. A file that is a symbolic link is
    refused either way, and so is a pack that is not the one recorded."""
    src, state, dst = tmp_path / "src", tmp_path / "state", tmp_path / "dst"
    (src / "sub" / "deeper").mkdir(parents=True)
    state.mkdir()
    rels = []
    for i in range(300):
        rel = f"sub/deeper/{i}" if i % 7 == 1 else f"sub/{i}" if i % 3 else str(i)
        (src / rel).write_bytes(os.urandom(i * 37))
        rels.append(rel)
    (src / "big").write_bytes(os.urandom(state_copy.CHUNK + 12345))
    rels.append("big")
    if executable != "real":
        monkeypatch.setattr(verify_state.sys, "executable", executable)
    recorded = verify_state._Child({"op": "pack", "src": str(src), "dirs": ["sub", "sub/deeper"], "files": rels,
                                    "dest": str(state)}).result()
    assert recorded["pack"][0] == sum((src / r).stat().st_size for r in rels)
    dst.mkdir()
    n = verify_state._Child({"op": "unpack", "state": str(state), "recorded": recorded, "dst": str(dst)}).result()
    assert n == len(rels)
    assert sorted(str(p.relative_to(dst)) for p in dst.rglob("*") if p.is_file()) == sorted(rels)
    assert all((dst / r).read_bytes() == (src / r).read_bytes() for r in rels)
    assert all((dst / r).stat().st_mode & 0o777 == 0o600 for r in rels)

    other = {**recorded, "pack": [recorded["pack"][0], "0" * 64]}
    (tmp_path / "again").mkdir()
    with pytest.raises(verify_state.StateError, match="sha256 differs"):
        verify_state._Child({"op": "unpack", "state": str(state), "recorded": other,
                             "dst": str(tmp_path / "again")}).result()
    (src / rels[7]).unlink()
    (src / rels[7]).symlink_to(src / rels[8])
    (tmp_path / "state2").mkdir()
    with pytest.raises(verify_state.StateError, match="not a regular file"):
        verify_state._Child({"op": "pack", "src": str(src), "dirs": ["sub", "sub/deeper"], "files": rels,
                             "dest": str(tmp_path / "state2")}).result()
