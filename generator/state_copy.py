"""Pack and unpack a data folder, in a process of its own (``python -m generator.state_copy``).

A saved database state (generator/verify_state.py) keeps the throwaway cluster's data
folder as two files: ``data.pack``, the contents of every file back to back, and
``data.index.json``, the folders and each file's path and size in that order. Tens of
thousands of small files are read or written once per restore either way; one pack read
in sequence spares opening each of them in the cache, and one sha256 over the pack
checks every byte. Restoring runs while ``verify`` generates its rollbacks in memory: in
one process the two would take turns on the GIL, so the work runs in a child process.

Input (stdin): one JSON request, ``{"op": "pack", ...}`` or ``{"op": "unpack", ...}`` (see
``pack`` and ``unpack``). Output (stdout): ``{"ok": result}`` or ``{"error": "..."}`` (a
file that is not regular, a size or digest that is not the one recorded, an OS error).
Only the standard library, so the child starts in a few tens of milliseconds.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import mmap
import os
import stat
import sys
import threading
from typing import Any

PACK = "data.pack"
INDEX = "data.index.json"
CHUNK = 8 << 20


class Refused(Exception):
    """The saved files are not the ones recorded (the message says how)."""


def _open_regular(path: str) -> int:
    """A read-only descriptor of the regular file ``path`` (a link is never followed)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(f"{os.path.basename(path)} is not a regular file (a symbolic link)") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise Refused(f"{os.path.basename(path)} is not a regular file")
    return fd


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    done = 0
    while done < len(view):
        done += os.write(fd, view[done:])


def _inside(rel: object) -> str:
    """A path inside the data folder (never absolute, never going up)."""
    if not isinstance(rel, str) or not rel or os.path.isabs(rel) or ".." in rel.split(os.sep):
        raise Refused(f"{rel!r}: not a path inside the data folder")
    return rel


def pack(src: str, dirs: list[str], files: list[str], dest: str) -> dict[str, list]:
    """Write ``files`` (paths relative to ``src``, regular files only) into ``dest/PACK`` and
    the layout into ``dest/INDEX``; ``{"pack": [size, sha256], "index": [size, sha256]}``."""
    sizes: list[int] = []
    h = hashlib.sha256()
    out = os.open(os.path.join(dest, PACK), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for rel in files:
            fd = _open_regular(os.path.join(src, rel))
            try:
                size = 0
                while chunk := os.read(fd, CHUNK):
                    h.update(chunk)
                    _write_all(out, chunk)
                    size += len(chunk)
            finally:
                os.close(fd)
            sizes.append(size)
    finally:
        os.close(out)
    index = json.dumps({"dirs": dirs, "files": [[rel, n] for rel, n in zip(files, sizes)]}).encode()
    with open(os.path.join(dest, INDEX), "xb") as fh:
        fh.write(index)
    return {"pack": [sum(sizes), h.hexdigest()], "index": [len(index), hashlib.sha256(index).hexdigest()]}


def unpack(state: str, recorded: dict[str, list], dst: str, owner: list[int] | None = None,
           mapped: bool = False) -> int:
    """Re-create in the empty folder ``dst`` the files packed in the folder ``state``, checking
    the index and the pack against ``recorded`` (``pack``'s result): Refused when anything
    differs (``dst`` is then left as it is, for the caller to remove). ``owner``: uid and gid
    of every folder and file made. ``mapped``: the pack is mapped into memory and hashed by a
    second thread while the files are written (half the time; in the child process only: a
    pack truncated meanwhile would end the process with SIGBUS). Returns the number of files."""
    index_fd = _open_regular(os.path.join(state, INDEX))
    with os.fdopen(index_fd, "rb") as fh:
        raw = fh.read(int(recorded["index"][0]) + 1)
    if [len(raw), hashlib.sha256(raw).hexdigest()] != list(recorded["index"]):
        raise Refused(f"{INDEX} is not the one that was saved")
    layout = json.loads(raw)
    files = [(_inside(rel), int(size)) for rel, size in layout["files"]]
    total = int(recorded["pack"][0])
    if sum(n for _, n in files) != total or any(n < 0 for _, n in files):
        raise Refused(f"{INDEX} does not add up to the pack")

    def own(fd_or_path: Any) -> None:
        if owner:
            (os.fchown if isinstance(fd_or_path, int) else os.chown)(fd_or_path, owner[0], owner[1])

    own(dst)
    for rel in layout["dirs"]:
        path = os.path.join(dst, _inside(rel))
        os.makedirs(path, mode=0o700, exist_ok=True)
        own(path)
    pack_fd = _open_regular(os.path.join(state, PACK))
    if os.fstat(pack_fd).st_size != total:
        os.close(pack_fd)
        raise Refused(f"{PACK} is not the one that was saved ({total} bytes expected)")
    h = hashlib.sha256()
    if mapped and total:
        try:
            _unpack_mapped(pack_fd, total, files, dst, own, h)
        finally:
            os.close(pack_fd)
    else:
        with io.open(pack_fd, "rb", buffering=CHUNK) as fh:
            for rel, size in files:
                data = fh.read(size) if size else b""
                if len(data) != size:
                    raise Refused(f"{PACK} is shorter than recorded")
                h.update(data)
                _create(os.path.join(dst, rel), data, own)
    if h.hexdigest() != recorded["pack"][1]:
        raise Refused(f"{PACK} is not the one that was saved (its sha256 differs)")
    return len(files)


def _create(path: str, data: bytes | memoryview, own: Any) -> None:
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        own(out)
        if len(data):
            _write_all(out, data)
    finally:
        os.close(out)


def _unpack_mapped(pack_fd: int, total: int, files: list[tuple[str, int]], dst: str, own: Any, h: Any) -> None:
    with mmap.mmap(pack_fd, total, access=mmap.ACCESS_READ) as mm:
        hasher = threading.Thread(target=h.update, args=(mm,))  # (hashlib lets go of the GIL)
        hasher.start()
        view = memoryview(mm)
        try:
            off = 0
            for rel, size in files:
                _create(os.path.join(dst, rel), view[off:off + size], own)
                off += size
        finally:
            hasher.join()
            view.release()


def run(request: dict[str, Any], mapped: bool = False) -> dict[str, Any]:
    """What the child answers to ``request``."""
    try:
        if request.get("op") == "pack":
            return {"ok": pack(request["src"], request["dirs"], request["files"], request["dest"])}
        if request.get("op") == "unpack":
            return {"ok": unpack(request["state"], request["recorded"], request["dst"], request.get("owner"), mapped)}
        return {"error": f"unknown request {request.get('op')!r}"}
    except (OSError, Refused, ValueError, TypeError, KeyError, IndexError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}" if not isinstance(exc, Refused) else str(exc)}


def main() -> int:
    try:
        request = json.load(sys.stdin)
    except ValueError as exc:
        request = {"op": None, "why": str(exc)}
    json.dump(run(request, mapped=True) if isinstance(request, dict) else {"error": "not a request"}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
