"""Stand-in extensions for the throwaway server of ``verify`` and the tests.

Supabase projects create extensions that PostgreSQL's contrib does not ship (pg_net,
pg_cron, supabase_vault, pg_graphql...). Without them every migration from the first
``create extension pg_net`` on is skipped. This folder holds, for each such extension, a
control file and an install script of our own writing: the same control settings as the
real extension (``schema``, ``relocatable``, ``requires``, ``superuser``,
``default_version``) and a script creating its schema(s), tables, views, types and
functions with the real signatures, whose bodies do nothing useful (``net.http_post``
queues a row and returns its id; ``cron.schedule`` records the job). Migrations that
call them apply, and their rollbacks are proven on the schema; what the extension's own
code would do (send a request, run a job) does not happen.

PostgreSQL looks for extension files in ``<sharedir>/extension`` and computes sharedir
relative to the real path of the running ``postgres`` binary (``make_relative_path`` in
src/port/path.c). ``build_overlay`` therefore makes, in the server's temporary folder, a
copy of the installation's layout: the binaries copied (a symlink would be resolved back
to the real tree), the library folder linked, the share folder a folder of links whose
``extension/`` also holds the stand-ins the installation lacks. A real extension always
wins: a stand-in is only added when no control file of that name exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Executables the server code runs; they find each other (and the share folder) from
# their own real path, so they are copied. The others are linked.
COPIED = ("postgres", "initdb", "pg_ctl")


def available() -> list[str]:
    """The extensions there is a stand-in for, by name."""
    return sorted(p.stem for p in HERE.glob("*.control"))


def files_of(name: str) -> list[Path]:
    """The control file and install script(s) of stand-in ``name``."""
    return [HERE / f"{name}.control", *sorted(HERE.glob(f"{name}--*.sql"))]


@dataclass(frozen=True)
class Layout:
    """Where an installation keeps its binaries, share files and loadable modules."""

    bindir: Path
    sharedir: Path
    pkglibdir: Path


def layout(bindir: Path) -> Layout | None:
    """The installation's folders as its own ``pg_config`` reports them (None without one)."""
    pg_config = bindir / "pg_config"
    if not os.access(pg_config, os.X_OK):
        return None
    try:
        out = subprocess.run(
            [str(pg_config), "--bindir", "--sharedir", "--pkglibdir"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) < 3:
        return None
    real = [Path(os.path.realpath(p.strip())) for p in out[:3]]
    if not all(p.is_dir() for p in real):
        return None
    return Layout(*real)


def missing_in(sharedir: Path) -> list[str]:
    """Stand-ins whose extension the installation does not ship."""
    ext = sharedir / "extension"
    return [n for n in available() if not (ext / f"{n}.control").exists()]


def install(names: list[str], extension_dir: Path) -> None:
    """Copy the stand-ins ``names`` into an extension folder."""
    for name in names:
        for f in files_of(name):
            shutil.copyfile(f, extension_dir / f.name)


@dataclass(frozen=True)
class Overlay:
    bindir: Path  # run initdb/pg_ctl/postgres from here
    standins: list[str]  # the stand-ins it adds, by name


def build_overlay(bindir: Path, dest: Path) -> Overlay | None:
    """An installation under ``dest`` that is ``bindir``'s plus the stand-ins it lacks.

    None when no stand-in is missing or the layout cannot be mirrored (no ``pg_config``,
    folders that do not nest as expected): the server then runs from ``bindir`` as is.
    """
    lay = layout(bindir)
    if lay is None or Path(os.path.realpath(bindir)) != lay.bindir:
        return None
    names = missing_in(lay.sharedir)
    if not names:
        return None
    dirs = (lay.bindir, lay.sharedir, lay.pkglibdir)
    if any(a != b and a.is_relative_to(b) for a in dirs for b in dirs):
        return None  # one folder inside another: not a layout we can mirror with links
    root = Path(os.path.commonpath(dirs))
    # Two levels, so that a wheel's RPATH ($ORIGIN/../../../<pkg>.libs) still resolves.
    pkg = root.parent
    top = dest / "pginstall"
    mirror_root = top / (pkg.name or "_") / root.name
    libs = pkg.parent / f"{pkg.name}.libs"
    if pkg.name and libs.is_dir():
        top.mkdir(parents=True, exist_ok=True)
        (top / libs.name).symlink_to(libs)

    def mirror(p: Path) -> Path:
        return mirror_root / p.relative_to(root)

    new_bin = mirror(lay.bindir)
    new_bin.mkdir(parents=True)
    for entry in lay.bindir.iterdir():
        if entry.name in COPIED:
            _copy_binary(entry, new_bin / entry.name)
        else:
            (new_bin / entry.name).symlink_to(entry)
    new_share = mirror(lay.sharedir)
    new_share.mkdir(parents=True, exist_ok=True)
    for entry in lay.sharedir.iterdir():
        if entry.name != "extension":
            (new_share / entry.name).symlink_to(entry)
    ext = new_share / "extension"
    ext.mkdir()
    real_ext = lay.sharedir / "extension"
    if real_ext.is_dir():
        for entry in real_ext.iterdir():
            (ext / entry.name).symlink_to(entry)
    install(names, ext)
    new_lib = mirror(lay.pkglibdir)
    if not new_lib.exists():
        new_lib.parent.mkdir(parents=True, exist_ok=True)
        new_lib.symlink_to(lay.pkglibdir)
    return Overlay(bindir=new_bin, standins=names)


def _copy_binary(src: Path, dst: Path) -> None:
    """A hard link when the file system allows it (instant), else a copy."""
    real = Path(os.path.realpath(src))
    try:
        os.link(real, dst)
    except OSError:
        shutil.copy2(real, dst)
