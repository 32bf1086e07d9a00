"""``verify`` of one new migration, cold and from a saved database state (issue 14).

    python benchmarks/verify_state.py [--corpus DIR] [--synthetic N] [--out benchmarks/verify_state.md]

For each project (a copy of ``--corpus`` in a temporary folder, never the corpus itself,
and benchmarks/synth.py's project of ``--synthetic`` migrations): the rollbacks are
generated into the copy, then, with a cache folder of its own:

1. ``verify <second newest>``: the run before (replays everything, saves the state reached
   just before that migration);
2. ``verify <newest> --no-cache``: the newest migration verified cold (everything replayed);
3. ``verify <newest>``: the same from the saved state (one migration replayed), ``--reps``
   times (the state is only read); the median run is shown, with the fastest and slowest.

The generator package is byte-compiled first (an installed package has its ``.pyc`` files;
with ``PYTHONDONTWRITEBYTECODE`` set and none there, every process would compile it again).
Each figure is a fresh process (benchmarks/run.py's ``run``): wall seconds in all, and the
``seconds`` of the JSON report (server start, replay and verification: what the saved
state saves; the rest is reading the migrations and generating the rollback in memory).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run import cli, machine, run  # noqa: E402
from synth import write_project  # noqa: E402

CORPUS = Path("/work/realworld-corpus/tutur3u+platform/apps~database")


def bench(name: str, root: Path, env: dict, reps: int = 1) -> list[str]:
    gen = run([*cli(), "generate", "--project-dir", str(root)], env=env)
    versions = sorted(p.name.split("_", 1)[0] for p in (root / "supabase" / "migrations").glob("*.sql"))
    before, newest = versions[-2], versions[-1]

    def verify(*args: str):
        r = run([*cli(), "verify", "--project-dir", str(root), "--format", "json", *args], env=env)
        doc = json.loads(r.stdout)
        return r, doc

    first, _ = verify(before)
    cold, cold_doc = verify(newest, "--no-cache")
    warms = [verify(newest) for _ in range(max(1, reps))]  # the state is only read: each run is the same
    by_wall = sorted(warms, key=lambda w: w[0].seconds)
    warm, warm_doc = by_wall[len(by_wall) // 2]  # the median run
    spread = (f" [{by_wall[0][0].seconds:.1f}-{by_wall[-1][0].seconds:.1f}, median of {len(warms)}]"
              if len(warms) > 1 else "")
    same = all([m["status"] for m in cold_doc["migrations"]] == [m["status"] for m in d["migrations"]] for _, d in warms)
    size = sum(f.stat().st_size for f in Path(env["SUPABASE_ROLLBACK_CACHE_DIR"]).rglob("*") if f.is_file())
    status = ", ".join(m["status"] for m in warm_doc["migrations"])
    return [f"| {name} | {len(versions)} | {gen.seconds:.1f} | {first.seconds:.1f} | {cold.seconds:.1f} "
            f"({cold_doc['seconds']:.1f}) | **{warm.seconds:.1f}** ({warm_doc['seconds']:.1f}){spread} | {size / 2**20:.0f} "
            f"| {status}{'' if same else ' (DIFFERS from cold)'} |"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--synthetic", type=int, default=1262)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--reps", type=int, default=5, help="warm runs from the state (the median is shown)")
    args = ap.parse_args()
    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "generator"), quiet=1)
    info = machine()
    lines = ["### verify of one new migration, from a saved database state (issue 14)", "",
             f"`python benchmarks/verify_state.py --synthetic {args.synthetic}`: wall seconds of a fresh process; "
             "in parentheses the JSON report's `seconds` (server start, replay, verification).", "",
             "| Machine | |", "|---|---|", *(f"| {k} | {v} |" for k, v in info.items()), "",
             "| project | migrations | generate s | verify of the one before s (saves the state) "
             "| verify newest, cold s | verify newest, from the state s | state MB | verdict |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    with tempfile.TemporaryDirectory(prefix="verify-state-bench-") as t:
        tmp = Path(t)
        projects = []
        if args.corpus.is_dir():
            shutil.copytree(args.corpus, tmp / "corpus")
            projects.append((args.corpus.parent.name + "/" + args.corpus.name, tmp / "corpus"))
        if args.synthetic:
            projects.append((f"synthetic (benchmarks/synth.py)", write_project(tmp / "synth", args.synthetic)))
        for name, root in projects:
            env = {**os.environ, "SUPABASE_ROLLBACK_CACHE_DIR": str(tmp / f"cache-{root.name}")}
            lines += bench(name, root, env, args.reps)
            print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
