"""The per-project cache that ``check`` and ``generate`` share (``down`` reads it; ``verify``
reads and adds catalog snapshots: generator.resume.plan_replay).

One file per project in the user's cache folder (``$SUPABASE_ROLLBACK_CACHE_DIR``, else
``$XDG_CACHE_HOME/supabase-rollback``, else ``~/.cache/supabase-rollback``), so the
repository never gets an untracked file; the folder keeps the files of the 64 projects
used most recently.

What it holds, under a key made of the tool version, the generator's own source files
(size and mtime), the migrations folder, the configuration that affects output and the
oracle record (size and mtime):

- ``entries``: chain hash of a migration (generator.chain: it covers the migration and
  every earlier one) -> ``Expected``, what ``generate`` writes for it (the sha256 of the
  rollback and of its document, its manual steps, warnings...);
- ``rows``: chain hash -> the migration's row of the rollback index (generate's README.md);
- ``seen``: (device, inode) of a rollback file -> (size, mtime, ctime, sha256 of its text)
  when a run last read it (``same_text``): a file whose times and size are still those is
  not read again (as ``git status`` does). A file changed in the two seconds before it was
  read is not kept there (a change in the same tick of the clock would not show);
- ``snapshots``: chain hash -> the pickled catalog after that migration, for the newest
  ``SNAPSHOTS`` migrations (and the one a run started from): a run after adding or editing
  the newest migration replays only that one (``wants_snapshot``: which ones a run makes).

A different key (the generator, the configuration or the record changed) just means an
empty cache. A file that cannot be used -- unreadable, truncated, edited, not a cache,
written by another version of the tool -- is ignored with one ``note`` line and rewritten
by the run; it never changes what is generated. The file is a header line (format and
tool version), a line with the sha256 and the length of the index (everything but the
snapshots, a pickle), the index, then each snapshot (the index has its offset, length and
sha256). A run reads the index and at most the one snapshot it starts from (``check`` with
nothing to replay reads none), and checks a snapshot's sha256 when it reads it: a damaged
snapshot is the whole cache ignored (with the note), as a damaged index is.

This module is on ``check``'s fast path: it imports neither pglast nor the engine.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union

from . import __version__

if TYPE_CHECKING:
    from .config import Config

# 2: Expected.warnings; 3: .broken; 4: .unrecorded; 5: header + checksum, .risk, rows;
# 6: the snapshots after the index, each with its own checksum; seen; templates
FORMAT = 6
KEEP_FILES = 64  # cache files kept in the cache folder (one per project; oldest go first)
SNAPSHOTS = 3  # catalog snapshots kept: after each of the three newest migrations
_MAGIC = b"supabase-rollback cache "
_HEADER = _MAGIC + f"{FORMAT} {__version__}\n".encode()

# Templates compiled by jinja2 (generator.render), kept with the index: compiling them again
# is a tenth of a run that replays one migration. Process-wide: they do not depend on the
# project (the key has the templates' files, and jinja2 checks its own version and source).
TEMPLATES: dict[str, bytes] = {}

# A file whose mtime or ctime is this recent (ns) when it is read is read again next time.
SETTLED_NS = 2_000_000_000

# A snapshot: made by this run (the pickle), or where it is in the file the cache was read
# from: (offset after the index, length, sha256 in hex).
Section = tuple[int, int, str]
Snapshot = Union[bytes, Section]


@dataclass(frozen=True)
class Expected:
    """What ``generate`` writes for one migration (this is what the cache holds)."""

    sql_name: str
    sql_sha: str
    md_name: str
    md_sha: str
    steps: int
    manual: tuple[tuple[int, str, str], ...]  # (step number, reason, "path:line" of the statement)
    irreversible: int
    warnings: tuple[str, ...] = ()  # "path:line: ..." of the comments ignored as rollback annotations
    broken: str = ""  # the migration is not valid SQL (the error): it gets no rollback
    # "path:line" of its statements the generator cannot follow that have no entry in the
    # oracle record (generator.oracle.status): for the note on a missing or stale record
    unrecorded: tuple[str, ...] = ()
    risk: str = ""  # HIGH / MEDIUM / LOW (generate's summary line)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def generator_fingerprint() -> str:
    """Size and mtime of the generator's own files: a changed generator invalidates the cache."""
    pkg = Path(__file__).resolve().parent
    parts: list[str] = [__version__]
    for folder in (pkg, pkg / "commands", pkg / "handlers", pkg / "oracle", pkg / "templates", pkg.parent / "templates"):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:
            if e.name.endswith((".py", ".j2", ".sql")) and e.is_file():
                st = e.stat()
                parts.append(f"{folder.name}/{e.name}:{st.st_size}:{st.st_mtime_ns}")
    return sha("\n".join(parts))


def config_fingerprint(cfg: Config) -> str:
    rules = [(r.label, r.reason, r.kind, r.pattern.pattern if r.pattern else None) for r in cfg.manual]
    return repr((cfg.backup, cfg.backup_schema, cfg.preflight, cfg.assertions, rules))


def cache_key(cfg: Config, migrations_dir: Path) -> str:
    """Everything besides the migrations that changes what generate writes."""
    from .oracle.record import record_fingerprint

    return sha(f"{generator_fingerprint()}\n{migrations_dir}\n{config_fingerprint(cfg)}\n{record_fingerprint(migrations_dir)}")


def user_cache_dir() -> Path | None:
    """The user's cache folder for supabase-rollback: ``$SUPABASE_ROLLBACK_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/supabase-rollback``, else ``~/.cache/supabase-rollback`` (None when
    there is no home folder)."""
    base = os.environ.get("SUPABASE_ROLLBACK_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "supabase-rollback"
    try:
        return Path.home() / ".cache" / "supabase-rollback"
    except RuntimeError:  # no home folder
        return None


def cache_path(root: Path) -> Path | None:
    """The cache file of the project at ``root`` (None when there is no home folder)."""
    base = user_cache_dir()
    return None if base is None else base / f"check-{sha(str(root.resolve()))[:24]}.pickle"


@dataclass
class Cache:
    """One project's cache, as loaded (empty when there was none or it was not usable)."""

    path: Path | None
    key: str
    entries: dict[str, Expected] = field(default_factory=dict)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    # chain hash -> the migration's row of the rollback index (generator.index.Facts as a
    # tuple): only generate needs them, so they stay pickled until asked for (``rows``)
    rows_blob: bytes = b""
    _rows: dict[str, tuple] | None = None
    # (device, inode) -> (size, mtime_ns, ctime_ns, sha256 of the text) of the rollback files
    # read by an earlier run (``seen``) and by this one (``seen_now``: what ``save`` keeps)
    seen: dict[tuple[int, int], tuple[int, int, int, str]] = field(default_factory=dict)
    seen_now: dict[tuple[int, int], tuple[int, int, int, str]] | None = None
    note: Callable[[str], None] | None = None  # gets the line on a file that cannot be used
    _file: IO[bytes] | None = None  # the file read (open: its snapshots are read when asked for)
    _base: int = 0  # where its snapshots start

    @property
    def rows(self) -> dict[str, tuple]:
        if self._rows is None:
            try:
                rows = _loads(self.rows_blob) if self.rows_blob else {}
            except Exception:  # noqa: BLE001 - checked by the file's checksum; still never fatal
                rows = {}
            self._rows = rows if isinstance(rows, dict) else {}
        return self._rows

    @classmethod
    def load(cls, path: Path | None, key: str, note: Callable[[str], None] | None = None) -> Cache:
        """The cache at ``path`` if it is one of this version with this key; else an empty one
        (``note`` gets one line when the file exists but cannot be used). Only the index is
        read: a snapshot is read when ``catalog`` asks for it."""
        cache = cls(path, key, note=note)
        if path is None:
            return cache
        try:
            fh = open(path, "rb")  # noqa: SIM115 - kept open for the snapshots (closed by ``save``/``close``)
        except FileNotFoundError:
            return cache
        except OSError as exc:
            return cache._unusable(f"cannot be read ({exc.strerror or exc})")
        try:
            why, data, base = _read_index(fh)
        except OSError as exc:
            fh.close()
            return cache._unusable(f"cannot be read ({exc.strerror or exc})")
        if why or data["key"] != key:
            fh.close()
            return cache._unusable(why) if why else cache
        cache.entries, cache.snapshots, cache.rows_blob = data["entries"], data["snapshots"], data["rows"]
        cache.seen = data["seen"]
        cache._file, cache._base = fh, base
        TEMPLATES.update(data["templates"])
        return cache

    def _unusable(self, why: str) -> Cache:
        if self.note is not None:
            self.note(f"the cache {self.path} {why}: ignored, rebuilt by this run")
        return self

    def catalog(self, chain: str) -> Any | None:
        """The catalog after the migration of chain hash ``chain`` (None: no snapshot of it).

        A snapshot that is damaged (its checksum) is the whole cache ignored, with the note:
        ``entries``, ``rows``, ``seen`` and ``snapshots`` are then empty, and the caller starts over."""
        snap = self.snapshots.get(chain)
        if snap is None:
            return None
        blob = snap if isinstance(snap, bytes) else self._section(snap)
        catalog = None if blob is None else unpickle_catalog(blob)
        if catalog is None:
            self.entries, self.snapshots, self.rows_blob, self._rows, self.seen = {}, {}, b"", None, {}
            self._unusable("is damaged (a catalog snapshot does not match its checksum or cannot be decoded)")
        return catalog

    def _section(self, section: Section) -> bytes | None:
        """The bytes of a snapshot in the file read (None: they cannot be read, or they are
        not what the index says)."""
        offset, length, digest = section
        if self._file is None:
            return None
        try:
            self._file.seek(self._base + offset)
            data = self._file.read(length)
        except OSError:
            return None
        if len(data) != length or hashlib.sha256(data).hexdigest() != digest:
            return None
        return data

    def _saw(self, key: tuple[int, int], known: tuple[int, int, int, str]) -> None:
        if self.seen_now is None:
            self.seen_now = {}
        self.seen_now[key] = known

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def save(self) -> None:
        if self.path is None:
            return
        # the snapshots: this run's, and the file's copied as they are (their checksum is
        # the index's: damage found by no one yet is found by the run that reads them)
        size = os.fstat(self._file.fileno()).st_size if self._file is not None else 0
        parts: list[bytes | Section] = []  # (what to write: this run's bytes, or a section of the file read)
        sections: dict[str, Section] = {}
        offset = 0
        for chain, snap in self.snapshots.items():
            if isinstance(snap, bytes):
                length, digest = len(snap), hashlib.sha256(snap).hexdigest()
            elif self._base + snap[0] + snap[1] <= size:
                length, digest = snap[1], snap[2]
            else:
                continue
            sections[chain] = (offset, length, digest)
            parts.append(snap)
            offset += length
        rows = self.rows_blob if self._rows is None else _dumps(self._rows)
        seen = self.seen if self.seen_now is None else self.seen_now
        index = pickle.dumps({"key": self.key, "entries": self.entries, "rows": rows, "snapshots": sections,
                              "templates": dict(TEMPLATES), "seen": seen}, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".rollback-cache.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_HEADER + f"{hashlib.sha256(index).hexdigest()} {len(index)}\n".encode())
                    fh.write(index)
                    for part in parts:
                        if isinstance(part, bytes):
                            fh.write(part)
                        else:
                            fh.flush()
                            self._copy(part, fh)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _prune(self.path.parent)
        except OSError:  # a read-only cache folder: the run still happens, just not cached
            pass
        finally:
            self.close()

    def _copy(self, section: Section, out: IO[bytes]) -> None:
        """Append a snapshot of the file read to ``out`` (in the kernel where it can: tens of
        MB that need not pass through this process)."""
        assert self._file is not None
        src, dst = self._file.fileno(), out.fileno()
        at, left = self._base + section[0], section[1]
        while left:
            try:
                n = os.copy_file_range(src, dst, left, at)
            except (AttributeError, OSError):  # not Linux, or not between these files: read and write
                self._file.seek(at)
                data = self._file.read(left)
                if len(data) != left:
                    raise OSError("the cache file was cut short") from None
                out.write(data)
                out.flush()
                return
            if n == 0:
                raise OSError("the cache file was cut short")
            at, left = at + n, left - n


def same_text(cache: Cache | None, path: Path, expected_sha: str, universal: bool = False) -> tuple[bool, bytes | None]:
    """Whether ``path`` is a regular file (not a link) that holds the text of sha256
    ``expected_sha``, and its bytes (None when they were not read: not a file, unreadable,
    or known unchanged by ``cache.seen``). Its text: CRLF line ends read as LF (``universal``:
    a lone CR too, as ``Path.read_text`` reads them). A file with a CR is not kept in
    ``seen`` (the two readings could differ on it)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False, None
    if not stat.S_ISREG(st.st_mode):
        return False, None
    key, known = (st.st_dev, st.st_ino), (st.st_size, st.st_mtime_ns, st.st_ctime_ns, expected_sha)
    if cache is not None and cache.seen.get(key) == known:
        cache._saw(key, known)
        return True, None
    try:
        data = path.read_bytes()
        after = os.lstat(path)
    except OSError:
        return False, None
    if b"\r" in data:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False, data
        text = text.replace("\r\n", "\n")
        return sha(text.replace("\r", "\n") if universal else text) == expected_sha, data
    same = hashlib.sha256(data).hexdigest() == expected_sha  # (the hash of its text, when it is UTF-8)
    if (same and cache is not None and (after.st_dev, after.st_ino) == key
            and (after.st_size, after.st_mtime_ns, after.st_ctime_ns) == known[:3]
            and max(st.st_mtime_ns, st.st_ctime_ns) < time.time_ns() - SETTLED_NS):
        cache._saw(key, known)
    return same, data


def _dumps(obj: Any) -> bytes:
    """``pickle.dumps``, the collector paused (it would walk the objects again and again
    while the pickler makes its tuples)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        if enabled:
            gc.enable()


def _loads(blob: bytes) -> Any:
    """``pickle.loads``, the collector paused while the objects are made (it would walk them
    again and again: that tripled the time of a large catalog), then moved out of its way
    (``gc.freeze``: what the cache holds lives as long as the run)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(blob)
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


loads = _loads  # (verify's saved schema: generator.verify_state)


def pickle_catalog(catalog: Any) -> bytes:
    """A catalog snapshot."""
    return _dumps(catalog)


def unpickle_catalog(blob: bytes) -> Any | None:
    """The catalog of a snapshot (None: it cannot be decoded)."""
    try:
        return _loads(blob)
    except Exception:  # noqa: BLE001 - checked by its checksum; still never fatal
        return None


def _read_index(fh: IO[bytes]) -> tuple[str, dict, int]:
    """(why the file is not usable, {}, 0) or ("", the index, where the snapshots start)."""
    head = fh.readline(len(_HEADER) + 200)
    if not head.startswith(_MAGIC):
        return "is not a cache of this version of supabase-rollback (or is damaged)", {}, 0
    if head != _HEADER:
        return f"was written by another version of supabase-rollback ({head[len(_MAGIC):].strip().decode(errors='replace')})", {}, 0
    line = fh.readline(100)
    digest, _, length = line.rstrip(b"\n").partition(b" ")
    if not (line.endswith(b"\n") and len(digest) == 64 and length.isdigit()):
        return "is damaged (truncated or edited)", {}, 0
    index = fh.read(int(length))
    if len(index) != int(length) or hashlib.sha256(index).hexdigest().encode() != digest:
        return "is damaged (truncated or edited)", {}, 0
    try:
        data = pickle.loads(index)
    except Exception:  # noqa: BLE001
        return "is damaged (cannot be decoded)", {}, 0
    base = len(head) + len(line) + len(index)
    size = os.fstat(fh.fileno()).st_size
    if not (isinstance(data, dict) and isinstance(data.get("key"), str) and isinstance(data.get("entries"), dict)
            and isinstance(data.get("snapshots"), dict) and isinstance(data.get("rows"), bytes)
            and all(isinstance(k, str) and type(v) is Expected for k, v in data["entries"].items())
            and all(isinstance(k, str) and _is_section(v) for k, v in data["snapshots"].items())
            and isinstance(data.get("templates"), dict) and isinstance(data.get("seen"), dict)
            and all(isinstance(k, str) and isinstance(v, bytes) for k, v in data["templates"].items())):
        return "is damaged (unexpected content)", {}, 0
    if any(base + off + n > size for off, n, _ in data["snapshots"].values()):
        return "is damaged (truncated)", {}, 0
    return "", data, base


def _is_section(v: object) -> bool:
    return (type(v) is tuple and len(v) == 3 and type(v[0]) is int and type(v[1]) is int and v[0] >= 0
            and v[1] >= 0 and type(v[2]) is str and len(v[2]) == 64)


def _prune(folder: Path) -> None:
    """Keep the ``KEEP_FILES`` most recently written cache files of ``folder``."""
    files = [e for e in os.scandir(folder) if e.name.startswith("check-") and e.name.endswith(".pickle")]
    if len(files) > KEEP_FILES:
        files.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
        for e in files[KEEP_FILES:]:
            Path(e.path).unlink(missing_ok=True)


def expected_of(rb, files: tuple[tuple[str, str], tuple[str, str]] | None, unrecorded: tuple[str, ...]) -> Expected:
    """The cache entry of a rollback: ``files`` is what generate writes for it ((name, text) of
    the SQL and of the document; None for a migration that is not valid SQL)."""
    if rb.broken is not None or files is None:
        return Expected("", "", "", "", 0, (), 0, broken=rb.broken or "", unrecorded=unrecorded)
    (sql_name, sql), (md_name, md) = files
    numbered = list(enumerate(rb.steps, 1))
    return Expected(
        sql_name=sql_name,
        sql_sha=sha(sql),
        md_name=md_name,
        md_sha=sha(md),
        steps=len(rb.steps),
        manual=tuple((n, s.manual, s.source) for n, s in numbered if s.manual),
        irreversible=sum(1 for s in rb.steps if s.irreversible),
        warnings=tuple(str(w) for w in rb.warnings),
        unrecorded=unrecorded,
        risk=rb.risk,
    )


def index_row(f) -> tuple:
    """A generator.index.Facts as plain data (lists as tuples)."""
    return (f.version, f.name, f.sql_name, f.md_name, tuple(f.uses), tuple(f.creates), f.reversible, f.risk,
            f.manual, f.broken)


def wants_snapshot(cache: Cache, hashes: list[str], chain: str, from_snapshot: bool) -> bool:
    """Whether a run that just replayed the migration of chain hash ``chain`` keeps a snapshot
    of the catalog after it: one of the newest ``SNAPSHOTS`` the cache does not have yet,
    except the newest migration's in a run that started from a snapshot (``from_snapshot``).

    Pickling a large catalog costs as much as reading one, so a run after adding or editing
    the newest migration (it starts from the snapshot before that one) writes none; the next
    addition replays the two newest and keeps the snapshot between them. A run from the
    baseline (a cold cache, or an edit older than the snapshots) keeps them all."""
    return chain in hashes[-SNAPSHOTS:] and chain not in cache.snapshots and not (from_snapshot and chain == hashes[-1])


def keep_snapshots(cache: Cache, hashes: list[str], start: str | None, made: dict[str, bytes]) -> None:
    """The snapshots to keep after a run: the newest ``SNAPSHOTS`` migrations' (made by this run
    or kept from before) and the one the run started from (the way in next time), in the order
    of the history."""
    wanted = set(hashes[-SNAPSHOTS:]) | ({start} if start else set())
    old = cache.snapshots
    at = {h: i for i, h in enumerate(hashes)}
    cache.snapshots = {h: made.get(h) or old[h] for h in sorted(wanted, key=lambda h: at.get(h, -1))
                       if h in made or h in old}


def forget_others(cache: Cache, hashes: list[str]) -> None:
    """Drop the entries of migrations no longer in the history (edited, renamed, removed)."""
    keep = set(hashes)
    cache.entries = {h: e for h, e in cache.entries.items() if h in keep}
    cache._rows = {h: r for h, r in cache.rows.items() if h in keep}
