"""Finding a Supabase project and listing its migrations the way the Supabase CLI does.

- The project root is the nearest folder, from the working directory upwards, that holds
  ``supabase/config.toml`` or ``supabase/migrations/`` (``--project-dir`` overrides it).
- A migration is a file of the migrations folder whose name matches the CLI's pattern
  ``^([0-9]+)_(.*)\\.sql$``; other files are skipped with the CLI's warning (our own
  ``rollback_*`` outputs are skipped silently, so the rollbacks may live in that folder).
  Like the CLI, a first file ``<14 digits>_init.sql`` older than 20211209000000 is skipped.
- Migrations are ordered by version compared as strings of digits, which is the order of
  ``supabase_migrations.schema_migrations`` (``version`` is text) and of the CLI's
  ``sortMigrationPathsByVersion``; ties keep file name order. Two files with the same
  version cannot both be recorded in the history (the CLI applies the first, then fails on
  the second's ``schema_migrations_pkey``): both are listed, marked (``shares_version``,
  ``first_of_version``), with a warning naming them.
- A file that is not UTF-8 (or holds a NUL byte) is listed marked ``unreadable``, so that
  only it goes without a rollback (``read_migration``, for one file named on the command
  line, refuses it).
- A name that matches the pattern but is not a regular file (a folder, a FIFO, a broken
  symbolic link) is an input error, as it is for the Supabase CLI, which would fail to
  read it; it is never opened (reading a FIFO would wait forever).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from .parse import InputError, Migration, check_text

MIGRATION_PATTERN = re.compile(r"^([0-9]+)_(.*)\.sql$")
_INIT_PATTERN = re.compile(r"([0-9]{14})_init\.sql")
_INIT_CUTOFF = 20211209000000
_OUR_OUTPUT = re.compile(r"^rollback_[0-9]+_.*\.(sql|md)$")

Warn = Callable[[str], None]


def _is_project(folder: Path) -> bool:
    sb = folder / "supabase"
    return (sb / "config.toml").is_file() or (sb / "migrations").is_dir()


def find_root(start: Path | None = None) -> Path:
    """The nearest folder from ``start`` (default: cwd) upwards holding a Supabase project."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if _is_project(folder):
            return folder
    raise InputError(
        f"no Supabase project (supabase/config.toml or supabase/migrations/) in {start} "
        "or any parent folder; run from inside a project or pass --project-dir"
    )


def project_root(project_dir: Path | None) -> Path:
    """``--project-dir`` if given (it must hold ``supabase/``), else ``find_root()``."""
    if project_dir is None:
        return find_root()
    if not project_dir.is_dir():
        raise InputError(f"{project_dir}: no such folder")
    if not (project_dir / "supabase").is_dir():
        raise InputError(f"{project_dir}: no supabase/ folder in it")
    return project_dir


def display_path(path: Path) -> Path:
    """``path`` relative to the working directory when it lies under it (for messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def read_migration(path: Path) -> Migration:
    """One migration file, taken as is (its name must still match the CLI's pattern)."""
    m = MIGRATION_PATTERN.match(path.name)
    if not m:
        raise InputError(f'{path}: file name must match pattern "<timestamp>_name.sql"')
    migration = _read_listed(m.group(1), m.group(2), path)
    if migration.unreadable:
        raise InputError(migration.unreadable)
    return migration


def _decode(data: bytes, path: Path) -> tuple[str, str | None]:
    """The text of a migration file, or "" and why it is no SQL text (``path:line: ...``)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        utf16 = "; it is UTF-16 (its first bytes say so): save it as UTF-8" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        return "", f"{path}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}){utf16}"
    try:
        check_text(text, path)
    except InputError as exc:
        return "", str(exc)
    return text, None


def _read_listed(version: str, name: str, path: Path) -> Migration:
    """A migration of the folder: one that is not SQL text (not UTF-8, a NUL byte) is kept,
    marked ``unreadable``, so that only it goes without a rollback."""
    problem = not_a_file(path, follow=True)
    if problem:
        raise InputError(f"{path}: {problem}; a migration must be a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    text, unreadable = _decode(data, path)
    return Migration(version=version, name=name, path=path, text=text, unreadable=unreadable)


def list_migrations(migrations_dir: Path, warn: Warn | None = None, warn_duplicates: bool = True) -> list[Migration]:
    """Every migration of ``migrations_dir`` in the order the Supabase CLI applies them
    (``warn_duplicates``: say so when files share a version; ``check`` lists that itself)."""
    if not migrations_dir.is_dir():
        what = "is not a folder" if migrations_dir.exists() else "migrations folder not found"
        raise InputError(f"{migrations_dir}: {what}")
    try:
        entries = sorted(migrations_dir.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise InputError(f"{migrations_dir}: cannot list the migrations folder: {exc.strerror or exc}") from None
    found: list[tuple[str, str, Path]] = []
    for i, entry in enumerate(entries):
        name = entry.name
        if i == 0 and _skip_legacy_init(name):
            _say(warn, f'Skipping migration {name}... (replace "init" with a different file name to apply this migration)')
            continue
        m = MIGRATION_PATTERN.match(name)
        if not m:
            if not _OUR_OUTPUT.match(name):
                _say(warn, f'Skipping migration {name}... (file name must match pattern "<timestamp>_name.sql")')
            continue
        found.append((m.group(1), name, entry))
    found.sort(key=lambda t: (t[0], t[1]))
    out = [_read_listed(version, MIGRATION_PATTERN.match(name).group(2), path) for version, name, path in found]  # type: ignore[union-attr]
    for group in duplicate_versions(out):
        names = tuple(m.path.name for m in group)
        for i, m in enumerate(group):
            m.shares_version = tuple(n for n in names if n != m.path.name)
            m.first_of_version = i == 0
        if warn_duplicates:
            _say(warn, duplicate_warning(group))
    return out


def duplicate_versions(migrations: list[Migration]) -> list[list[Migration]]:
    """The groups of two or more migrations with the same version, each in apply order."""
    groups: dict[str, list[Migration]] = {}
    for m in migrations:
        groups.setdefault(m.version, []).append(m)
    return [g for g in groups.values() if len(g) > 1]


def duplicate_warning(group: list[Migration]) -> str:
    """What the Supabase CLI does with migrations sharing a version, and what to do."""
    first, rest = group[0].path.name, [m.path.name for m in group[1:]]
    others = " and ".join(rest)
    return (
        f"{first} and {others} share version {group[0].version}: supabase_migrations.schema_migrations records "
        f"a version once, so `supabase db push` / `db reset` applies {first}, then fails on {rest[0]} "
        f'(duplicate key value violates unique constraint "schema_migrations_pkey") and rolls that file back; '
        f"a later push tries it again and fails again. Rename {rest[0] if len(rest) == 1 else 'all but one'} "
        "to a new, unused version"
    )


def not_a_file(path: Path, follow: bool) -> str | None:
    """Why ``path`` is not a regular file ("is a directory"...), or None (a regular file,
    or nothing there). ``follow``: a symbolic link to a regular file is fine (reading a
    migration); else a link is a problem too (a file generate would replace)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(path)
        if not follow:
            return f"is a symbolic link (to {target}), not a regular file"
        try:
            st = os.stat(path)
        except OSError as exc:
            return f"is a broken symbolic link (to {target}: {exc.strerror or exc})"
    if stat.S_ISREG(st.st_mode):
        return None
    kind = next((k for test, k in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                                   (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                                   (stat.S_ISBLK, "a block device")) if test(st.st_mode)), "not a regular file")
    return f"is {kind}, not a regular file" if kind != "not a regular file" else kind


def _skip_legacy_init(name: str) -> bool:
    m = _INIT_PATTERN.search(name)
    return bool(m) and int(m.group(1)) < _INIT_CUTOFF


def _say(warn: Warn | None, message: str) -> None:
    if warn is not None:
        warn(message)
