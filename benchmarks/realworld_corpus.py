"""Re-create the real-world corpus outside the repository from fetched snapshots.

    python benchmarks/realworld_corpus.py [--repos ../shared/realworld/repos.tsv]
        [--mirror /work/.mirror] [--out ../realworld-corpus]

``repos.tsv`` names public GitHub repositories with Supabase migration folders. Their
snapshots are brought to the machine first (the search tool's ``fetch``, one git directory
per repository at ``<mirror>/<owner>+<name>/repo``); this script reads each snapshot's
newest commit with ``git --git-dir`` and writes every ``.../supabase/migrations/`` folder
it holds as a small Supabase project:

    <out>/<owner>+<name>/<folder holding supabase/, "/" as "~", "_" at the top>/supabase/migrations/<files>

Only the files directly inside a migrations folder are taken (the Supabase CLI reads no
sub-folder), all of them, so file names the CLI would skip are kept too. The third-party
files never enter our repository: their licences vary. The script is idempotent: it
rewrites the output folder of each repository from its snapshot every time.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPOS = ROOT.parent / "shared" / "realworld" / "repos.tsv"
DEFAULT_MIRROR = Path("/work/.mirror")
DEFAULT_OUT = ROOT.parent / "realworld-corpus"


def read_repos(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [row["repo"] for row in csv.DictReader(fh, delimiter="\t") if row.get("repo")]


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], check=True, capture_output=True).stdout


def migration_files(git_dir: Path) -> dict[str, list[str]]:
    """Each ``.../supabase/migrations`` folder of the newest commit with its direct files."""
    names = _git(git_dir, "ls-tree", "-r", "-z", "--name-only", "HEAD").decode("utf-8", "surrogateescape")
    folders: dict[str, list[str]] = {}
    for name in filter(None, names.split("\0")):
        p = PurePosixPath(name)
        parent = str(p.parent)
        if parent == "supabase/migrations" or parent.endswith("/supabase/migrations"):
            folders.setdefault(parent, []).append(p.name)
    return folders


def project_name(folder: str) -> str:
    """The folder holding ``supabase/`` as one path segment ("_" for the repository root)."""
    prefix = folder[: -len("supabase/migrations")].rstrip("/")
    return prefix.replace("/", "~") or "_"


def extract(repo: str, mirror: Path, out: Path) -> tuple[int, int] | str:
    """(folders, files) written for ``repo``, or why nothing was."""
    git_dir = mirror / repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        return f"no snapshot at {git_dir} (fetch github:{repo} first)"
    target = out / repo.replace("/", "+")
    shutil.rmtree(target, ignore_errors=True)
    files = 0
    folders = migration_files(git_dir)
    for folder, names in sorted(folders.items()):
        dest = target / project_name(folder) / "supabase" / "migrations"
        dest.mkdir(parents=True, exist_ok=True)
        for name in names:
            if not name.endswith(".sql"):
                continue
            (dest / name).write_bytes(_git(git_dir, "show", f"HEAD:{folder}/{name}"))
            files += 1
    return len(folders), files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", type=Path, default=DEFAULT_REPOS)
    ap.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if args.out.resolve().is_relative_to(ROOT):
        ap.error("--out must lie outside the repository: the corpus is never committed")
    missing = 0
    total_folders = total_files = 0
    for repo in read_repos(args.repos):
        result = extract(repo, args.mirror, args.out)
        if isinstance(result, str):
            missing += 1
            print(f"missing  {repo}: {result}", file=sys.stderr)
            continue
        total_folders += result[0]
        total_files += result[1]
        print(f"{result[1]:6d} files in {result[0]} folder(s)  {repo}")
    print(f"{total_files} migration files in {total_folders} folders under {args.out}"
          + (f"; {missing} repositories missing" if missing else ""))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
