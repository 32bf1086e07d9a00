"""Incremental ``generate`` (issue 14): the pre-commit hook's cost after adding one migration.

    python benchmarks/incremental.py --corpus /work/realworld-corpus/tutur3u+platform/apps~database \\
        --size 1262 --reps 3 --identity DIR [DIR ...] --out benchmarks/incremental.md

For each project -- a copy of ``--corpus`` (never written to) and a benchmarks/synth.py
history of ``--size`` migrations -- in a fresh process each, wall-clock seconds:

- ``generate --no-cache``: the whole history (what every run cost before the cache);
- ``generate`` after adding one new migration (the cache warm from the previous run), and
  after editing that newest migration again; best of ``--reps``, each a different file;
- ``check`` with nothing changed (the cache warm).

The processes may write their bytecode (``PYTHONDONTWRITEBYTECODE`` is dropped, as for an
installed tool, whose files are compiled when it is installed); one untimed run warms it.

``--identity``: for each folder (a project of the corpus, copied), the warm run is compared
with a cold one (``--no-cache``) on a copy of the project as it was: exit status, stdout,
stderr and every file written must be byte-identical, after the first run, with nothing
changed, after adding a migration, after editing the newest and after editing one in the
middle of the history.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run import cli, machine  # noqa: E402
from synth import write_project  # noqa: E402

NEW = "create table public.bench_added_{n} (id bigint primary key, note text, created_at timestamptz default now());\n"
EDIT = "create table public.bench_added_{n} (id bigint primary key, note text not null default '', kept int);\n"


CPU: list[float] = []  # user + system seconds of each timed process, in order


def timed(args: list[str], cwd: Path, env: dict) -> tuple[float, subprocess.CompletedProcess]:
    """Wall-clock seconds of a fresh process (its CPU seconds go to ``CPU``)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([*cli(), *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    took = time.perf_counter() - t0
    CPU.append(_children_cpu())
    return took, subprocess.CompletedProcess(p.args, p.returncode, out, err)


_SEEN = [0.0]


def _children_cpu() -> float:
    """CPU seconds of the child processes reaped since the last call."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = r.ru_utime + r.ru_stime
    took, _SEEN[0] = total - _SEEN[0], total
    return took


def migrations(root: Path) -> Path:
    return root / "supabase" / "migrations"


def add(root: Path, n: int, text: str) -> Path:
    path = migrations(root) / f"2999010100{n:04d}_bench_added_{n}.sql"
    path.write_text(text.format(n=n))
    return path


def bench(root: Path, reps: int, env: dict) -> dict[str, str]:
    n = len(list(migrations(root).glob("*.sql")))
    cold, res = timed(["generate", "--no-cache"], root, env)
    assert res.returncode in (0, 1, 2), res.stderr[-2000:]
    first, _ = timed(["generate"], root, env)  # fills the cache (a replay of everything)
    added, edited, cpu_added, cpu_edited = [], [], [], []
    for i in range(reps):
        add(root, i, NEW)
        t, res = timed(["generate"], root, env)
        assert b"1 written" in res.stdout, res.stdout[-500:]
        added.append(t)
        cpu_added.append(CPU[-1])
        add(root, i, EDIT)
        t, res = timed(["generate"], root, env)
        edited.append(t)
        cpu_edited.append(CPU[-1])
    checks, cpu_checks = [], []
    for _ in range(reps):
        checks.append(timed(["check"], root, env)[0])
        cpu_checks.append(CPU[-1])

    def fmt(ts: list[float], cpu: list[float]) -> str:
        return f"{min(ts):.2f} (median {statistics.median(ts):.2f}; CPU {statistics.median(cpu):.2f})"

    return {"n": str(n), "cold": f"{cold:.1f}", "first": f"{first:.1f}", "added": fmt(added, cpu_added),
            "edited": fmt(edited, cpu_edited), "check": fmt(checks, cpu_checks)}


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "supabase").rglob("*")) if p.is_file()}


def identical(root: Path, twin_parent: Path, env: dict) -> str:
    """Warm in ``root`` against cold in a copy: "" when byte-identical, else what differs."""
    twin = twin_parent / root.name
    shutil.rmtree(twin, ignore_errors=True)
    shutil.copytree(root, twin, symlinks=True)
    _, cold = timed(["generate", "--no-cache"], twin, env)
    _, warm = timed(["generate"], root, env)
    for what, a, b in (("exit status", warm.returncode, cold.returncode), ("stdout", warm.stdout, cold.stdout),
                       ("stderr", warm.stderr, cold.stderr)):
        if a != b:
            return f"{what} differs"
    a, b = tree(root), tree(twin)
    if a != b:
        return "files differ: " + ", ".join(sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))[:5])
    return ""


def identity(folder: Path, tmp: Path, env: dict) -> tuple[str, int, str]:
    label = f"{folder.parent.name}/{folder.name}"
    root = tmp / "identity" / label.replace("/", "__")
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(folder, root, symlinks=True)
    files = sorted(migrations(root).glob("*.sql"))
    steps = [("first run", lambda: None), ("nothing changed", lambda: None),  # (the first run fills the cache)
             ("a migration added", lambda: add(root, 9000, NEW)),
             ("the newest edited", lambda: add(root, 9000, EDIT)),
             ("one in the middle edited", lambda: files[len(files) // 2].write_bytes(
                 files[len(files) // 2].read_bytes() + b"\ncomment on schema public is 'edited in the middle';\n"))]
    for what, change in steps:
        change()
        diff = identical(root, tmp / "twins", env)
        if diff:
            return label, len(files), f"{what}: {diff}"
    return label, len(files), "identical (" + ", ".join(what for what, _ in steps) + ")"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, help="a project folder (holding supabase/migrations); copied first")
    ap.add_argument("--size", type=int, default=1262, help="migrations of the synthetic history (0: none)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--identity", type=Path, nargs="*", default=[])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "SUPABASE_ROLLBACK_DB_URL")}
    info = machine()
    started = time.strftime("%Y-%m-%d %H:%M")
    rows = []
    idents = []
    with tempfile.TemporaryDirectory(prefix="incremental-bench-") as t:
        tmp = Path(t)
        env["SUPABASE_ROLLBACK_CACHE_DIR"] = str(tmp / "cache")
        subprocess.run([*cli(), "--help"], env=env, capture_output=True)  # (bytecode)
        _children_cpu()
        projects = []
        if args.corpus:
            dst = tmp / "corpus" / args.corpus.name
            shutil.copytree(args.corpus, dst, symlinks=True)
            projects.append((f"{args.corpus.parent.name}/{args.corpus.name}", dst))
        if args.size:
            projects.append(("synthetic (benchmarks/synth.py)", write_project(tmp / "synth", args.size)))
        for name, root in projects:
            rows.append((name, bench(root, args.reps, env)))
            print(name, rows[-1][1], file=sys.stderr)
        for folder in args.identity:
            idents.append(identity(folder, tmp, env))
            print(idents[-1], file=sys.stderr)
    lines = ["### Incremental generate (issue 14)", "",
             f"`python benchmarks/incremental.py{' --corpus ' + str(args.corpus) if args.corpus else ''} --size {args.size} "
             f"--reps {args.reps}`. Wall-clock seconds of a fresh process (start-up included); best of {args.reps} "
             "(in brackets: the median, and the median CPU seconds, user + system, which a busy machine does not "
             "inflate), each repetition adding a different migration.", "",
             "| Machine | |", "|---|---|", *(f"| {k} | {v} |" for k, v in info.items()), "",
             "| project | migrations | generate --no-cache s | generate, first run with the cache s | generate after adding one s "
             "| generate after editing the newest s | check, nothing changed s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {name} | {r['n']} | {r['cold']} | {r['first']} | {r['added']} | {r['edited']} | {r['check']} |"
              for name, r in rows]
    if idents:
        lines += ["", "Warm against cold (`--no-cache`, on a copy of the project as it was), byte for byte: exit status, "
                  "stdout, stderr, every file.", "", "| folder | migrations | result |", "|---|---:|---|"]
        lines += [f"| {name} | {n} | {result} |" for name, n, result in idents]
    lines += ["", f"Measured on {started}."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0 if all(r.startswith("identical") for _, _, r in idents) else 1


if __name__ == "__main__":
    raise SystemExit(main())
