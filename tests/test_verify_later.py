"""verify generates its rollbacks on one thread while the server starts on another; the
round trips wait for a rollback only when they run it (``verify.Later``)."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator import verify as verify_module
from generator.commands import verify as verify_command
from generator.verify import Later, ready


def test_which_migrations_have_a_rollback_is_known_before_it_is_generated():
    future: Future = Future()
    later = Later({"20240102000000_b": "key-b"}, future)
    guard = threading.Timer(10, lambda: future.done() or future.set_exception(AssertionError("it waited")))
    guard.start()  # (a look that waits would wait forever otherwise)
    assert "20240102000000_b" in later and "20240101000000_a" not in later
    assert later.get("20240101000000_a") is None  # a history-only migration never waits
    assert not ready(later) and ready({"x": object()})
    guard.cancel()
    threading.Timer(0.2, future.set_result, [{"key-b": "the candidate"}]).start()
    assert later.get("20240102000000_b") == "the candidate"  # waited for
    assert ready(later) and list(later) == ["20240102000000_b"] and len(later) == 1

    failed: Future = Future()
    failed.set_exception(ValueError("bad input"))
    with pytest.raises(ValueError, match="bad input"):
        Later({"s": "k"}, failed)["s"]


@pytest.mark.pg
def test_a_rollback_generated_late_gives_the_same_verdicts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The schema before the migration is taken while its rollback is still being generated;
    the verdicts are those of a run where the rollback was there at once."""
    monkeypatch.setenv("SUPABASE_ROLLBACK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SUPABASE_ROLLBACK_DB_URL", raising=False)
    folder = tmp_path / "p" / "supabase" / "migrations"
    folder.mkdir(parents=True)
    (folder / "20240101000000_t.sql").write_text("create table public.t (id bigint primary key, a text);\n")
    (folder / "20240102000000_u.sql").write_text("alter table public.t add column b int;\n"
                                                 "create index t_b_idx on public.t (b);\n")
    (folder / "20240103000000_v.sql").write_text("alter table public.t drop column a;\n")

    def verdicts() -> list[tuple]:
        res = CliRunner().invoke(cli, ["verify", "--project-dir", str(tmp_path / "p"), "--format", "json",
                                       "20240102000000", "20240103000000"], catch_exceptions=False)
        return [(m["version"], m["status"], m["reason"]) for m in json.loads(res.stdout)["migrations"]]

    at_once = verdicts()
    speculative: list[bool] = []
    generate = verify_command._candidates
    ready_before = verify_module.ready

    started = threading.Event()
    start = verify_command.start

    def start_and_tell(*args, **kwargs):
        server = start(*args, **kwargs)
        started.set()
        return server

    def slow(*args, **kwargs):  # the rollbacks come after the server is up
        started.wait(60)
        time.sleep(0.5)
        return generate(*args, **kwargs)

    def noted(candidates):
        speculative.append(not ready_before(candidates))
        return ready_before(candidates)

    monkeypatch.setattr(verify_command, "_candidates", slow)
    monkeypatch.setattr(verify_command, "start", start_and_tell)
    monkeypatch.setattr(verify_module, "ready", noted)
    assert verdicts() == at_once
    assert [v[1] for v in at_once] == ["verified", "column_order"]
    assert speculative and speculative[0]  # the first round trip did not wait to take its schema
