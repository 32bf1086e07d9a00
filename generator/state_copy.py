"""Copy files and hash them, in a process of its own (``python -m generator.state_copy``).

Restoring a saved database state (generator/verify_state.py) copies tens of thousands of
files while ``verify`` generates its rollbacks in memory. In one process the two take
turns on the GIL: unpickling the catalog holds it for long stretches, and every file
copied needs it a few times. In a child process the copy runs beside the generation.

Input (stdin): a JSON list of ``[source, target]``. Output (stdout): a JSON list with one
``[size, sha256]`` per pair, or ``{"error": "..."}`` (a file that is not regular, an
OS error). Only the standard library, so the child starts in a few tens of milliseconds.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import sys
from concurrent.futures import ThreadPoolExecutor

CHUNK = 1 << 20
THREADS = 2


class NotRegular(Exception):
    pass


def copy_hashed(src: str, dst: str, buf: bytearray) -> tuple[int, str]:
    """Copy regular file ``src`` to a new file ``dst`` (mode 0600); its size and sha256."""
    h = hashlib.sha256()
    size = 0
    view = memoryview(buf)
    try:
        fd = os.open(src, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW: a link is never followed out of the state
            raise NotRegular(f"{os.path.basename(src)} is not a regular file (a symbolic link)") from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"{os.path.basename(src)} is not a regular file")
        out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            while n := os.readv(fd, [buf]):
                h.update(view[:n])
                done = 0
                while done < n:
                    done += os.write(out, view[done:n])
                size += n
        finally:
            os.close(out)
    finally:
        os.close(fd)
    return size, h.hexdigest()


def copy_all(pairs: list[tuple[str, str]]) -> list[tuple[int, str]]:
    """``copy_hashed`` of each pair, the results in order; a few threads share the work."""

    def share(part: list[tuple[str, str]]) -> list[tuple[int, str]]:
        buf = bytearray(CHUNK)
        return [copy_hashed(a, b, buf) for a, b in part]

    if len(pairs) < 256:
        return share(pairs)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        parts = list(pool.map(share, [pairs[i::THREADS] for i in range(THREADS)]))
    out: list[tuple[int, str]] = [(0, "")] * len(pairs)
    for i, part in enumerate(parts):
        out[i::THREADS] = part
    return out


def main() -> int:
    try:
        pairs = [(str(a), str(b)) for a, b in json.load(sys.stdin)]
        result: object = copy_all(pairs)
    except (OSError, NotRegular, ValueError, TypeError) as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"}
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
