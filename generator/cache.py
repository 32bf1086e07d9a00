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
- ``snapshots``: chain hash -> the pickled catalog after that migration, for the newest
  ``SNAPSHOTS`` migrations (and the one a run started from): a run after adding or editing
  the newest migration replays only that one.

A different key (the generator, the configuration or the record changed) just means an
empty cache. A file that cannot be used -- unreadable, truncated, edited, not a cache,
written by another version of the tool -- is ignored with one ``note`` line and rewritten
by the run; it never changes what is generated. The file is a header line (format and
tool version), the sha256 of the payload, then the payload (a pickle).

This module is on ``check``'s fast path: it imports neither pglast nor the engine.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    from .config import Config

FORMAT = 5  # 2: Expected.warnings; 3: .broken; 4: .unrecorded; 5: header + checksum, .risk, rows
KEEP_FILES = 64  # cache files kept in the cache folder (one per project; oldest go first)
SNAPSHOTS = 3  # catalog snapshots kept: after each of the three newest migrations
_MAGIC = b"supabase-rollback cache "
_HEADER = _MAGIC + f"{FORMAT} {__version__}\n".encode()


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
    snapshots: dict[str, bytes] = field(default_factory=dict)
    # chain hash -> the migration's row of the rollback index (generator.index.Facts as a
    # tuple): only generate needs them, so they stay pickled until asked for (``rows``)
    rows_blob: bytes = b""
    _rows: dict[str, tuple] | None = None

    @property
    def rows(self) -> dict[str, tuple]:
        if self._rows is None:
            try:
                rows = loads(self.rows_blob) if self.rows_blob else {}
            except Exception:  # noqa: BLE001 - checked by the file's checksum; still never fatal
                rows = {}
            self._rows = rows if isinstance(rows, dict) else {}
        return self._rows

    @classmethod
    def load(cls, path: Path | None, key: str, note: Callable[[str], None] | None = None) -> Cache:
        """The cache at ``path`` if it is one of this version with this key; else an empty one
        (``note`` gets one line when the file exists but cannot be used)."""
        cache = cls(path, key)
        if path is None:
            return cache
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cache
        except OSError as exc:
            return cache._unusable(note, f"cannot be read ({exc.strerror or exc})")
        why, data = _decode(raw)
        if why:
            return cache._unusable(note, why)
        if data["key"] == key:
            cache.entries, cache.snapshots, cache.rows_blob = data["entries"], data["snapshots"], data["rows"]
        return cache

    def _unusable(self, note: Callable[[str], None] | None, why: str) -> Cache:
        if note is not None:
            note(f"the cache {self.path} {why}: ignored, rebuilt by this run")
        return self

    def catalog(self, chain: str) -> Any | None:
        """The catalog after the migration of chain hash ``chain`` (None: no usable snapshot)."""
        blob = self.snapshots.get(chain)
        if blob is None:
            return None
        try:
            return loads(blob)
        except Exception:  # noqa: BLE001 - checked by the file's checksum; still never fatal
            return None

    def save(self) -> None:
        if self.path is None:
            return
        rows = self.rows_blob if self._rows is None else pickle.dumps(self._rows, protocol=pickle.HIGHEST_PROTOCOL)
        payload = pickle.dumps({"key": self.key, "entries": self.entries, "rows": rows, "snapshots": self.snapshots},
                               protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".rollback-cache.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_HEADER + hashlib.sha256(payload).hexdigest().encode() + b"\n")
                    fh.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            _prune(self.path.parent)
        except OSError:  # a read-only cache folder: the run still happens, just not cached
            pass


def loads(data: bytes | memoryview) -> Any:
    """``pickle.loads`` without the cyclic garbage collector: unpickling a catalog or a schema
    makes hundreds of thousands of objects, and the collections they set off (none of them
    garbage) take longer than the unpickling itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if enabled:
            gc.enable()


def _decode(raw: bytes) -> tuple[str, dict]:
    """(why it is not usable, "") or ("", the payload)."""
    if not raw.startswith(_MAGIC):
        return "is not a cache of this version of supabase-rollback (or is damaged)", {}
    if not raw.startswith(_HEADER):
        head = raw[len(_MAGIC):raw.find(b"\n", 0, 200)].decode(errors="replace")
        return f"was written by another version of supabase-rollback ({head})", {}
    at = len(_HEADER) + 64  # the payload's sha256 in hex, then a line end
    payload = memoryview(raw)[at + 1:]  # (no copy of what can be tens of MB)
    if raw[at:at + 1] != b"\n" or hashlib.sha256(payload).hexdigest().encode() != raw[len(_HEADER):at]:
        return "is damaged (truncated or edited)", {}
    try:
        data = loads(payload)
    except Exception:  # noqa: BLE001
        return "is damaged (cannot be decoded)", {}
    if not (isinstance(data, dict) and isinstance(data.get("key"), str) and isinstance(data.get("entries"), dict)
            and isinstance(data.get("snapshots"), dict) and isinstance(data.get("rows"), bytes)
            and all(isinstance(k, str) and type(v) is Expected for k, v in data["entries"].items())
            and all(isinstance(k, str) and isinstance(v, bytes) for k, v in data["snapshots"].items())):
        return "is damaged (unexpected content)", {}
    return "", data


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


def keep_snapshots(cache: Cache, hashes: list[str], start: str | None, made: dict[str, bytes]) -> None:
    """The snapshots to keep after a run: the newest ``SNAPSHOTS`` migrations' (made by this run
    or kept from before) and the one the run started from (the way in next time)."""
    wanted = set(hashes[-SNAPSHOTS:]) | ({start} if start else set())
    old = cache.snapshots
    cache.snapshots = {h: made.get(h) or old[h] for h in wanted if h in made or h in old}


def forget_others(cache: Cache, hashes: list[str]) -> None:
    """Drop the entries of migrations no longer in the history (edited, renamed, removed)."""
    keep = set(hashes)
    cache.entries = {h: e for h, e in cache.entries.items() if h in keep}
    cache._rows = {h: r for h, r in cache.rows.items() if h in keep}
