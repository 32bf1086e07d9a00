"""Saved database states for ``verify``: a history it replayed before is not replayed again.

``verify`` of the newest migration(s) replays the whole history on the throwaway server
first. When that replay took a while (``SAVE_AFTER_SECONDS``), the state it reached just
before the first migration to verify is saved in the user's cache folder; the next
``verify`` whose migrations to verify all come after that point starts the server from it
and replays only the migrations after it.

What a state is. The whole data folder of the throwaway cluster, packed while the server
is stopped cleanly (``pg_ctl stop -m fast``: a shutdown checkpoint, nothing to recover).
A physical copy, not a dump: roles and memberships that migrations create live in the
cluster, not in the database; a dump/restore would renumber attributes, drop the trace of
dropped columns and change OIDs, so the schema snapshots (generator/snapshot.py) of a
restored dump could differ from a replay's. Restoring the copy gives the very same
cluster: the baseline template, the working database, the roles, the settings. Of the WAL
only the segment holding the shutdown checkpoint is kept (the others are recycled ones;
the server makes new ones as it needs them). The files are kept as one pack (``data.pack``,
their contents back to back, and ``data.index.json``, the folders and each file's path and
size; generator/state_copy.py): a restore reads one file in sequence instead of tens of
thousands, and checks one sha256. Beside them, ``state.json`` holds what the replay
recorded (``verify.Prefix``: migrations applied and not applied, the notes and errors the
history-only migrations gave, the migration later failures are put down to), the key, the
chain hash of every migration of the prefix, and the size and sha256 of the pack and of
its index; a digest over all of it comes first. ``schema.pickle`` holds the schema
snapshot taken there with the incremental snapshotter's state (``verify.Prefix.schema``,
its size and sha256 in ``state.json``): the first snapshot after a restore is
incremental. The recorded notes name files by the migrations
folder as it was given (``supabase/migrations/x.sql:3``, relative to the folder verify ran
in); restored, they name it as it is given now.

Key. The chain hash (generator/chain.py) of the last migration of the prefix (it covers
every earlier file's name and content), the working database's name, the server (version, binaries, the
extensions its installation ships, the stand-ins it gets, the user it runs as) and the
tool (its version and the content of every file of the ``generator`` package: the
baseline, the stand-ins and the way migrations are applied are in there).

Fail-safe. Any doubt and the history is replayed as before, with one ``note:`` line: a
``state.json`` that cannot be read, is not JSON, fails its digest, is of another format or
tool version, names migrations not in the prefix; a pack or index missing, shorter, longer,
not a regular file or with another sha256 than recorded (every byte is checked while the
files are written back); a server
that does not start from the copy. A damaged state is removed; the run saves a new one.
No state, or states of other points of the history or of other servers are not doubts:
they are just not used (one note says why when the project has states and none fits).

Where. ``$SUPABASE_ROLLBACK_CACHE_DIR``, else ``$XDG_CACHE_HOME/supabase-rollback``, else
``~/.cache/supabase-rollback`` (the folder ``check``'s cache uses), in
``verify-states/<project>/<state>/``. The newest ``KEEP_PER_PROJECT`` states of a
project and ``KEEP_TOTAL`` states in all are kept (a state of a 1,262-migration project
is 100-330 MB). ``verify --no-cache`` neither reads nor writes them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .cache import loads, user_cache_dir
from .chain import chain_hashes, sha

if TYPE_CHECKING:
    from .verify import Prefix

FORMAT = 2  # 2: the data folder packed in one file (generator/state_copy.py)
STATE_FILE = "state.json"
SCHEMA_FILE = "schema.pickle"  # the schema where the state was saved (verify.Prefix.schema)
KEEP_PER_PROJECT = 2
KEEP_TOTAL = 4
# A state is saved when replaying the history up to the first migration to verify took at
# least this long (small histories replay faster than a state is copied).
SAVE_AFTER_SECONDS = 5.0
ENV_SAVE_AFTER = "SUPABASE_ROLLBACK_STATE_AFTER"  # overrides SAVE_AFTER_SECONDS (tests: 0)
_SKIP = {"postmaster.pid", "postmaster.opts"}


class StateError(Exception):
    """A saved state that cannot be used; the message says why (one line)."""


@dataclass
class Counters:
    """What the saved states did in this process (for tests: not timing)."""

    restored: int = 0  # servers started from a saved state
    replay_skipped: int = 0  # migrations not replayed thanks to them
    saved: int = 0
    ignored: int = 0  # damaged or unusable states met


COUNTERS = Counters()


def save_after_seconds() -> float:
    try:
        return float(os.environ.get(ENV_SAVE_AFTER, SAVE_AFTER_SECONDS))
    except ValueError:
        return SAVE_AFTER_SECONDS


# -- fingerprints -------------------------------------------------------------------------------


_TOOL: str | None = None


def tool_fingerprint() -> str:
    """The tool's version and the content of every file of the generator package."""
    global _TOOL
    if _TOOL is None:
        pkg = Path(__file__).resolve().parent
        h = hashlib.sha256(__version__.encode())
        for p in sorted(pkg.rglob("*")):
            if p.suffix in (".py", ".sql", ".control") and p.is_file() and "__pycache__" not in p.parts:
                h.update(f"\n{p.relative_to(pkg)}\n".encode())
                h.update(p.read_bytes())
        _TOOL = h.hexdigest()
    return _TOOL


def server_fingerprint(server) -> str:  # server: generator.server.Server
    """The server binaries, the extensions their installation ships, the stand-ins, the user."""
    from .standins import layout

    parts = [server.version, str(Path(os.path.realpath(server.bindir))), str(server.embedded),
             ",".join(server.standins), repr(server.run_as)]
    lay = layout(server.bindir)
    if lay is not None:
        ext = lay.sharedir / "extension"
        for p in sorted(ext.glob("*.control")) if ext.is_dir() else ():
            parts.append(f"{p.name}:{sha(p.read_text(errors='replace'))}")
        parts.extend(sorted(os.listdir(lay.pkglibdir)) if lay.pkglibdir.is_dir() else [])
    return sha("\n".join(parts))


# -- reading files without surprises ----------------------------------------------------------


def _read_small(path: Path, limit: int = 64 << 20) -> bytes:
    """A regular file's bytes (never blocks on a FIFO, never follows into a device)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise StateError(f"{path.name} is not a regular file")
        if st.st_size > limit:
            raise StateError(f"{path.name} is too large")
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read()
    finally:
        os.close(fd)


class _Child:
    """A request to generator/state_copy.py (pack or unpack a data folder), answered by a child
    process started at once: this process goes on meanwhile (reading the saved schema; on
    another thread, ``verify`` generates its rollbacks), and the files never wait for its
    GIL. When no child can run, ``result()`` does the work in this process."""

    def __init__(self, request: dict) -> None:
        self.request = request
        self.child: subprocess.Popen | None = None
        if not sys.executable:
            return
        here = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))}
        try:
            self.child = subprocess.Popen([sys.executable, "-m", "generator.state_copy"], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        except OSError:  # no child process here: the work runs in this one (result())
            return
        stdin, self.child.stdin = self.child.stdin, None  # the child reads it all at once, then works
        try:
            stdin.write(json.dumps(request))  # type: ignore[union-attr]
            stdin.close()  # type: ignore[union-attr]
        except OSError:  # it ended at once (it cannot run here): the work runs in this process
            with contextlib.suppress(OSError):
                stdin.close()  # type: ignore[union-attr]
            self.cancel()
            self.child = None

    def result(self) -> object:
        """The child's answer (StateError when the files are not the ones recorded)."""
        from . import state_copy

        got: object = None
        if self.child is not None:
            out, _ = self.child.communicate()
            with contextlib.suppress(ValueError):
                got = json.loads(out) if self.child.returncode == 0 else None
        if not isinstance(got, dict) or not ({"ok"} == set(got) or {"error"} == set(got)):
            got = state_copy.run(self.request)  # no child, or one that did not run (not the files' fault)
        if "error" in got:
            raise StateError(str(got["error"]) or "the copy failed")
        return got["ok"]

    def cancel(self) -> None:
        """Stop the child if it still runs; its pipes are closed."""
        if self.child is not None:
            if self.child.poll() is None:
                self.child.kill()
            with contextlib.suppress(OSError, ValueError):
                self.child.communicate()


def _wal_kept(server) -> str | None:
    """The WAL segment holding the latest (shutdown) checkpoint, or None: keep all of pg_wal."""
    tool = server.run_bindir / "pg_controldata"
    if not os.access(tool, os.X_OK):
        tool = server.bindir / "pg_controldata"
    try:
        out = server._cmd([str(tool), "-D", str(server.datadir)], timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    state = redo = None
    for line in out.splitlines():
        if line.startswith("Database cluster state:"):
            state = line.split(":", 1)[1].strip()
        elif line.startswith("Latest checkpoint's REDO WAL file:"):
            redo = line.split(":", 1)[1].strip()
    return redo if state == "shut down" and redo else None


# -- the store ----------------------------------------------------------------------------------


@dataclass
class Store:
    """The saved states of one project, for one ``verify`` run.

    ``history``: the migrations replayed in the database ``dbname``; ``first``: the index of
    the first one to verify (a state can only be used when it ends before it). ``seed`` goes
    to ``server.start()``; ``prefix`` is then what the restored state recorded (None: replay
    everything); ``save`` goes to ``verify_fresh(on_prefix=...)``.
    """

    migrations_dir: Path
    history: list
    first: int
    dbname: str
    notes: list[str] = field(default_factory=list)
    prefix: Prefix | None = None
    resumed_after: str | None = None  # the file name of the last migration of the restored prefix
    root: Path | None = None
    _hashes: list[str] = field(default_factory=list)
    _server_fp: str = ""
    _started: float = field(default_factory=time.monotonic)
    # set once seed() has started unpacking a state, or found none to use: the caller may
    # hold the GIL for long stretches from then on (verify unpickles its catalog snapshot)
    launched: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        base = user_cache_dir()
        self.root = None if base is None else base / "verify-states" / sha(str(self.migrations_dir.resolve()))[:24]
        self._hashes = chain_hashes(self.history)

    def _key(self, count: int) -> dict:
        return {"format": FORMAT, "tool": tool_fingerprint(), "server": self._server_fp, "version": __version__,
                "folder": str(self.migrations_dir), "dbname": self.dbname, "count": count,
                "chain": self._hashes[count - 1]}

    def _note_once(self, text: str) -> None:
        if not self.notes:
            self.notes.append(text)

    # -- restoring --------------------------------------------------------------------------

    def seed(self, server) -> bool:
        """Copy the best usable state into ``server.datadir``; False when there is none."""
        try:
            return self._seed(server)
        finally:
            self.launched.set()

    def _seed(self, server) -> bool:
        try:
            self._server_fp = server_fingerprint(server)
        except Exception:  # noqa: BLE001 - without a fingerprint there is no state to trust: none is used or saved
            self.root = None
            return False
        if self.root is None or self.first <= 0 or not self.root.is_dir():
            return False
        usable: list[tuple[int, Path, dict]] = []
        unfit: list[str] = []
        for d in sorted(self.root.iterdir(), key=_mtime, reverse=True):
            if d.name.startswith("."):
                continue
            try:
                meta = _load(d)
                why = self._unfit(meta)
            except Exception as exc:  # noqa: BLE001 - whatever is wrong with it, it is not used
                COUNTERS.ignored += 1
                self._note_once(f"a saved database state of verify is damaged or from another version "
                                f"({_one_line(exc)}); ignored and rebuilt: {d}")
                shutil.rmtree(d, ignore_errors=True)
                continue
            if why is None:
                usable.append((meta["key"]["count"], d, meta))
            else:
                unfit.append(why)
        if not usable:
            if unfit:
                self._note_once(f"the saved database state of verify is not used: {unfit[0]}; the history is replayed")
            return False
        count, d, meta = max(usable, key=lambda u: u[0])
        try:
            schema = self._restore(d, meta, server)
        except Exception as exc:  # noqa: BLE001 - a state that cannot be restored is replayed instead
            COUNTERS.ignored += 1
            self._note_once(f"the saved database state of verify could not be restored ({_one_line(exc)}); "
                            f"ignored and rebuilt: {d}")
            shutil.rmtree(server.datadir, ignore_errors=True)
            shutil.rmtree(d, ignore_errors=True)
            return False
        rec = meta["prefix"]
        here = _respell(meta["key"]["folder"], str(self.migrations_dir))
        from .verify import Prefix  # (imported late: the files are being written meanwhile)

        self.prefix = Prefix(count, rec["applied"], rec["unapplied"], [here(n) for n in rec["notes"]],
                             [here(b) for b in rec["broken"]],
                             (rec["blocker"][0], here(rec["blocker"][1])) if rec["blocker"] else None,
                             rec["base_roles"], schema)
        self.resumed_after = self.history[count - 1].path.name
        os.utime(d / STATE_FILE)  # the newest used: kept longest
        return True

    def _unfit(self, meta: dict) -> str | None:
        """Why a sound state does not fit this run (None: it fits)."""
        key = meta["key"]
        if key["version"] != __version__ or key["tool"] != tool_fingerprint():
            return f"it was saved by another version or build of supabase-rollback ({key['version']})"
        if key["server"] != self._server_fp:
            return "it was saved with another PostgreSQL server or set of extensions"
        if key["dbname"] != self.dbname:
            return f"it was saved for database {key['dbname']}"
        count = key["count"]
        if count > self.first:
            return "it holds migrations after the first one verified now"
        saved = meta["hashes"]
        for i, (h, name) in enumerate(zip(saved, meta["names"])):
            if i >= len(self._hashes) or self._hashes[i] != h:
                now = self.history[i].path.name if i < len(self.history) else None
                return f"{now or name} changed, was added or removed since it was saved"
        if {**self._key(count), "folder": key["folder"]} != key:
            return "its key does not match"
        return None

    def _restore(self, d: Path, meta: dict, server) -> tuple | None:
        """Unpack the state's data folder into ``server``'s (a child process checks every byte
        against the recorded sha256 while it writes); the schema saved with it (None: none,
        or not the one recorded)."""
        dst = os.fspath(server.datadir)
        os.mkdir(dst, 0o700)
        owner = list(server.run_as[:2]) if server.run_as else None
        unpacking = _Child({"op": "unpack", "state": os.fspath(d), "recorded": meta["data"], "dst": dst,
                            "owner": owner})
        self.launched.set()
        try:
            schema = _read_schema(d / SCHEMA_FILE, meta.get("schema"))  # while the files are written
            unpacking.result()
        finally:
            unpacking.cancel()
        server.adopt_template()
        return schema

    def check_started(self, server) -> None:
        """After ``start()``: a copy the server would not start from is noted and dropped."""
        self._started = time.monotonic()  # the replay is timed from here (save_after_seconds)
        if server.restore_error and self.prefix is not None:
            COUNTERS.ignored += 1
            self._note_once(f"the server did not start from the saved database state of verify "
                            f"({_one_line(server.restore_error)}); ignored and rebuilt")
            self.prefix = None
            self.resumed_after = None
        elif server.restore_error:
            self._note_once(f"the saved database state of verify could not be used ({_one_line(server.restore_error)})")
        elif server.restored and self.prefix is not None:
            COUNTERS.restored += 1
            COUNTERS.replay_skipped += self.prefix.count

    # -- saving -----------------------------------------------------------------------------

    def save(self, server, prefix: Prefix, look: Callable[[], tuple] | None = None) -> None:
        """Save the cluster as it is now (``prefix`` replayed), when that was worth it.
        ``look`` (``verify._Fresh.look``): the schema there, saved with it (``SCHEMA_FILE``)."""
        if self.root is None or prefix.count <= 0:
            return
        if self.prefix is not None and prefix.count == self.prefix.count:
            return  # restored from exactly this state
        if time.monotonic() - self._started < save_after_seconds():
            return
        key = self._key(prefix.count)
        name = sha(json.dumps(key, sort_keys=True))[:32]
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".saving-"))
        except OSError:
            return  # a cache folder we cannot write: verify works, just without saving
        try:
            schema = _write_schema(tmp / SCHEMA_FILE, look()) if look is not None else None
            server.pause()
        except Exception:  # noqa: BLE001 - not saved this time; the run goes on
            shutil.rmtree(tmp, ignore_errors=True)
            return
        try:
            meta = self._copy_out(server, tmp, key, prefix)
            meta["schema"] = schema
        except (OSError, StateError):
            shutil.rmtree(tmp, ignore_errors=True)
            return
        finally:
            server.resume()
        try:
            body = json.dumps(meta, sort_keys=True)
            (tmp / STATE_FILE).write_text(json.dumps({"digest": sha(body), "body": meta}, sort_keys=True))
            final = self.root / name
            shutil.rmtree(final, ignore_errors=True)
            os.replace(tmp, final)
            COUNTERS.saved += 1
            _prune(self.root.parent, self.root)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)

    def _copy_out(self, server, dest: Path, key: dict, prefix: Prefix) -> dict:
        src = server.datadir
        wal = _wal_kept(server)
        dirs: list[str] = []
        rels: list[str] = []
        for root, dnames, fnames in os.walk(src):
            rel_root = os.path.relpath(root, src)
            dnames.sort()
            for n in dnames:
                dirs.append(os.path.normpath(os.path.join(rel_root, n)))
            for n in sorted(fnames):
                rel = os.path.normpath(os.path.join(rel_root, n))
                if rel in _SKIP or (wal and rel_root == "pg_wal" and len(n) == 24 and n != wal):
                    continue
                rels.append(rel)
        data = _Child({"op": "pack", "src": os.fspath(src), "dirs": dirs, "files": rels, "dest": os.fspath(dest)}).result()
        n = prefix.count
        return {"key": key, "hashes": self._hashes[:n], "names": [m.path.name for m in self.history[:n]],
                "prefix": prefix.record(), "data": data}


# -- helpers --------------------------------------------------------------------------------------


def _write_schema(path: Path, schema: tuple) -> tuple[int, str]:
    """Pickle ``schema`` (``verify._Fresh.look``) to ``path``, each object of it apart
    (``snapshot.Stored``: decoded only if a comparison looks into it): its size and sha256."""
    from .snapshot import stored

    data = pickle.dumps(stored(*schema), protocol=pickle.HIGHEST_PROTOCOL)
    path.write_bytes(data)
    return len(data), hashlib.sha256(data).hexdigest()


def _read_schema(path: Path, recorded: object) -> tuple | None:
    """The schema saved with a state when it is exactly the one recorded (size and sha256),
    else None: the first snapshot then reads everything, which is never wrong."""
    if not (isinstance(recorded, list) and len(recorded) == 2):
        return None
    try:
        data = _read_small(path, limit=1 << 31)
        if (len(data), hashlib.sha256(data).hexdigest()) != tuple(recorded):
            return None
        schema = loads(data)
    except Exception:  # noqa: BLE001 - any doubt: not used
        return None
    return schema if isinstance(schema, tuple) and len(schema) == 2 else None


def _load(d: Path) -> dict:
    """The sound ``state.json`` of the state folder ``d`` (StateError/ValueError/OSError otherwise)."""
    if d.is_symlink() or not d.is_dir():
        raise StateError("not a folder")
    raw = _read_small(d / STATE_FILE)
    doc = json.loads(raw.decode())
    if not isinstance(doc, dict) or not isinstance(doc.get("body"), dict):
        raise StateError("not a saved state")
    body = doc["body"]
    if doc.get("digest") != sha(json.dumps(body, sort_keys=True)):
        raise StateError("its content does not match its digest (edited or damaged)")
    key = body.get("key")
    if not isinstance(key, dict) or key.get("format") != FORMAT:
        raise StateError(f"format {key.get('format') if isinstance(key, dict) else '?'}, this version reads {FORMAT}")
    for k in ("hashes", "names", "prefix", "data"):
        if k not in body:
            raise StateError(f"no {k}")
    prefix = body["prefix"]
    fields = {"count", "applied", "unapplied", "notes", "broken", "blocker", "base_roles"}
    if not isinstance(prefix, dict) or set(prefix) != fields:
        raise StateError("its record is not of this version")
    names = set(body["names"])
    if not set(prefix["applied"]) | set(prefix["unapplied"]) <= names or prefix["count"] != key["count"]:
        raise StateError("its record names migrations it does not hold")
    if len(body["hashes"]) != key["count"] or len(body["names"]) != key["count"]:
        raise StateError("its record is incomplete")
    return body


def _respell(saved: str, now: str):
    """The recorded notes name files by the migrations folder as it was given then
    (``supabase/migrations/x.sql:3``); they are told with the folder as given now."""
    if saved == now:
        return lambda text: text
    old, new = saved.rstrip(os.sep) + os.sep, now.rstrip(os.sep) + os.sep
    return lambda text: text.replace(old, new)


def _mtime(p: Path) -> float:
    try:
        return (p / STATE_FILE).stat().st_mtime
    except OSError:
        return 0.0


def _one_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _prune(all_root: Path, project: Path) -> None:
    """Keep the newest KEEP_PER_PROJECT states of ``project`` and KEEP_TOTAL in all."""
    def states(folder: Path) -> list[Path]:
        try:
            return [d for d in folder.iterdir() if not d.name.startswith(".") and d.is_dir()]
        except OSError:
            return []

    for d in project.glob(".saving-*"):  # left by a run that was killed while saving
        with contextlib.suppress(OSError):
            if time.time() - d.stat().st_mtime > 3600:
                shutil.rmtree(d, ignore_errors=True)
    mine = sorted(states(project), key=_mtime, reverse=True)
    for d in mine[KEEP_PER_PROJECT:]:
        shutil.rmtree(d, ignore_errors=True)
    every = sorted((d for p in states(all_root) for d in states(p)), key=_mtime, reverse=True)
    for d in every[KEEP_TOTAL:]:
        shutil.rmtree(d, ignore_errors=True)
