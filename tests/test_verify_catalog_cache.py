"""``verify`` generates the rollbacks it checks from the catalog snapshots ``generate`` and
``check`` keep (generator/cache.py, generator/resume.py ``plan_replay``): warm == cold.

Every warm run is compared with ``--no-cache`` (the whole history replayed in memory): the
same exit status, the same verdicts and rollbacks in the JSON report (all but the
timings), the same lines on stderr but the throwaway server's. ``generator.resume.LAST``
says where the warm run's in-memory replay started and how many migrations it replayed.
The database states of generator/verify_state.py are not saved here (the replays are
short), so the server side is a full replay every time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import resume
from generator.cache import cache_path

from _cli_support import project, run
from _oracle_support import AUDIT_RLS, lend_server, learn_into

pytestmark = pytest.mark.pg

HISTORY = {
    "20240101000000_accounts.sql": "create table public.accounts (id bigint primary key, email text);\n",
    "20240102000000_comment.sql": "comment on table public.accounts is 'people who sign in';\n",
    "20240103000000_view.sql": "create view public.account_emails as select id, email from public.accounts;\n",
}
# the rollback puts back the comment the earlier migration set: it shows the catalog it came from
NEWEST = ("20240104000000_recomment.sql",
          "comment on table public.accounts is 'everyone';\nalter table public.accounts add column phone text;\n")


def verify(*args: str) -> tuple[int, list[dict], list[str], list[str]]:
    """Exit status, the results without their timings, the notes, stderr but the server line."""
    res = run("verify", "--format", "json", *args)
    doc = json.loads(res.stdout)
    results = [{k: v for k, v in m.items() if k != "seconds"} for m in doc["migrations"]]
    err = [line for line in res.stderr.splitlines() if not line.startswith("Server: throwaway")]
    return res.exit_code, results, doc["notes"], err


def same_as_cold(*args: str, note: bool = False, replayed: bool = True) -> tuple[list[dict], resume.Resume]:
    """``verify *args`` with the cache and with ``--no-cache``: the same in every respect
    (``note``: the warm run's stderr starts with the one line on a cache it cannot use;
    ``replayed=False``: the warm run generated nothing, its rollback files are up to date)."""
    resume.LAST = None
    code, results, notes, err = verify(*args)
    plan = resume.LAST
    assert (plan is not None) == replayed
    if note:
        assert err[0].startswith("note: the cache ") and err[0].endswith(": ignored, rebuilt by this run"), err
        err = err[1:]
    resume.LAST = None
    assert verify(*args, "--no-cache") == (code, results, notes, err)
    assert resume.LAST is None  # --no-cache: no plan, no cache read
    return results, plan


@pytest.fixture
def root(tmp_path: Path, monkeypatch) -> Path:
    r = project(tmp_path / "app", HISTORY)
    monkeypatch.chdir(r)
    return r


def add(root: Path, name: str, text: str) -> None:
    (root / "supabase" / "migrations" / name).write_text(text)


def test_a_new_migration_is_generated_from_the_snapshot_generate_left(root: Path):
    assert run("generate").exit_code == 0
    add(root, *NEWEST)
    for args in (("20240104000000", "--generated"), ("20240104000000",)):  # in memory; no file yet
        results, plan = same_as_cold(*args)
        assert (plan.start, plan.replayed) == (3, 1)
        assert [r["status"] for r in results] == ["verified"]
        assert results[0]["rollback"]["source"] == "generated"
    # the file generate writes is the one verified; the cache (check's) says it is exactly
    # what generate writes now, so nothing is generated again
    assert run("generate").exit_code == 0
    results, plan = same_as_cold("20240104000000", replayed=False)
    assert results[0]["rollback"]["state"] == "up to date" and results[0]["status"] == "verified"
    # a file that is not that text is compared with the rollback generated now
    path = root / "supabase" / "rollbacks" / "rollback_20240104000000_recomment.sql"
    path.write_text(path.read_text() + "-- reviewed\n")
    results, plan = same_as_cold("20240104000000")
    assert plan.replayed == 1 and results[0]["rollback"]["state"] == "edited by hand"
    assert run("generate", "--force").exit_code == 0
    # two migrations verified: from the snapshot before the first of them
    results, plan = same_as_cold("20240103000000", "20240104000000", "--generated")
    assert (plan.start, plan.replayed) == (2, 2) and [r["status"] for r in results] == ["verified", "verified"]
    # everything: from the baseline
    _, plan = same_as_cold("--generated")
    assert (plan.start, plan.replayed) == (0, 4)


def test_verify_keeps_the_snapshots_it_makes(root: Path):
    cache = cache_path(root)
    _, plan = same_as_cold("20240102000000", "--generated")  # no cache yet: from the baseline
    assert (plan.start, plan.replayed) == (0, 2)
    assert cache is not None and cache.is_file()  # the snapshots after the first two migrations
    add(root, *NEWEST)
    _, plan = same_as_cold("20240104000000", "--generated")
    assert (plan.start, plan.replayed) == (2, 2)  # from the snapshot after 20240102000000
    mtime = cache.stat().st_mtime_ns
    _, plan = same_as_cold("20240104000000", "--generated")
    assert (plan.start, plan.replayed) == (3, 1)
    assert cache.stat().st_mtime_ns == mtime  # nothing new learned: the file is not rewritten


def test_an_earlier_migration_edited_replays_from_before_it(root: Path):
    assert run("generate").exit_code == 0
    add(root, *NEWEST)
    same_as_cold("20240104000000", "--generated")
    add(root, "20240102000000_comment.sql", "comment on table public.accounts is 'edited since';\n")
    results, plan = same_as_cold("20240104000000", "--generated")
    assert (plan.start, plan.replayed) == (1, 3)  # the snapshot after the first one still holds
    assert results[0]["status"] == "verified"
    # the rollback puts back the comment as the edited migration sets it: the file generate
    # writes now is what the cache expects (nothing generated warm) and what the cold run
    # generates from the whole history ("up to date" in both)
    assert run("generate").exit_code == 0
    assert "edited since" in (root / "supabase" / "rollbacks" / "rollback_20240104000000_recomment.sql").read_text()
    results, _ = same_as_cold("20240104000000", replayed=False)
    assert results[0]["rollback"]["state"] == "up to date"


def test_a_damaged_cache_is_ignored_with_one_note(root: Path):
    assert run("generate").exit_code == 0
    add(root, *NEWEST)
    cache = cache_path(root)
    assert cache is not None
    data = cache.read_bytes()
    cache.write_bytes(data[: len(data) // 2])  # truncated
    _, plan = same_as_cold("20240104000000", "--generated", note=True)
    assert (plan.start, plan.replayed) == (0, 4)
    _, plan = same_as_cold("20240104000000", "--generated")  # rebuilt by that run
    assert (plan.start, plan.replayed) == (3, 1)


def test_no_cache_neither_reads_nor_writes_the_snapshots(root: Path):
    cache = cache_path(root)
    assert cache is not None
    code, _, _, _ = verify("20240103000000", "--generated", "--no-cache")
    assert code == 0 and not cache.exists()
    assert run("generate").exit_code == 0
    before = (cache.read_bytes(), cache.stat().st_mtime_ns)
    add(root, *NEWEST)
    verify("20240104000000", "--generated", "--no-cache")
    assert (cache.read_bytes(), cache.stat().st_mtime_ns) == before


def test_a_snapshot_made_under_another_configuration_is_not_used(root: Path):
    assert run("generate").exit_code == 0
    add(root, *NEWEST)
    (root / "supabase" / "rollback.toml").write_text('backup_schema = "keep_here"\n')
    _, plan = same_as_cold("20240104000000", "--generated")
    assert (plan.start, plan.replayed) == (0, 4)  # generate's key (the configuration is in it)
    assert run("generate").exit_code == 0
    _, plan = same_as_cold("20240104000000", "--generated")
    assert (plan.start, plan.replayed) == (3, 1)


def test_the_oracle_record_is_used_after_a_snapshot(root: Path, pg_server, monkeypatch):
    """The newest migration's DO block is one the generator cannot follow; the record
    ``learn`` wrote proves it leaves public.accounts alone, so the column added after it is
    dropped by the rollback (without the record: a manual step). The replay that resumes
    from a snapshot must use the record as a cold one does; a record written or changed
    after the snapshots were made means another key (cold)."""
    mig = root / "supabase" / "migrations"
    add(root, "20240104000000_audit.sql", AUDIT_RLS + "alter table public.accounts add column flag boolean;\n")
    assert run("generate").exit_code == 0  # no record yet: snapshots without it
    code, results, _, _ = verify("20240104000000", "--generated")
    assert code == 1 and results[0]["status"] == "manual"  # (what the record changes)

    lend_server(monkeypatch, pg_server)
    learn_into(pg_server, mig)
    assert (root / "supabase" / "rollback-oracle.json").is_file()
    results, plan = same_as_cold("20240104000000", "--generated")
    assert plan.start == 0  # the record is in the key: the snapshots made without it are not used
    assert results[0]["status"] == "verified"
    results, plan = same_as_cold("20240104000000", "--generated")
    assert (plan.start, plan.replayed) == (3, 1)  # from the snapshot verify kept, the record applied
    assert results[0]["status"] == "verified"
