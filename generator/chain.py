"""Chain hashes of a migration history (shared by ``check``'s cache and the oracle record).

Each migration's chain hash is sha256 over the previous chain hash, its file name and its
content, so editing a migration changes its hash and the hash of every later one.
"""

from __future__ import annotations

import hashlib


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def chain_hashes(migrations: list) -> list[str]:
    """For each migration, sha256 over its file name and content and the previous hash."""
    out, prev = [], ""
    for m in migrations:
        prev = sha(f"{prev}\n{m.path.name}\n{m.sha256}")
        if m.shares_version or m.unreadable:  # both change what generate writes
            prev = sha(f"{prev}\n{m.shares_version}\n{m.first_of_version}\n{m.unreadable}")
        out.append(prev)
    return out
