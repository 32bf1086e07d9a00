"""What the oracle costs (issue 13): ``learn`` per migration and for a whole history, cold
and with its record in place, and ``check`` on a 1,000-migration project with a record.

    python benchmarks/oracle.py [--learn-sizes 20,60] [--check-size 1000] [--reps 2] [--out benchmarks/oracle.md]

Projects are benchmarks/synth.py's, plus, every ``EVERY`` migrations, a DO block the
generator cannot follow (a loop over ``pg_tables`` with dynamic SQL, which makes every
table of ``public`` distrusted). Each figure is a fresh process (benchmarks/run.py's
``run``). For ``check`` on 1,000 migrations the record is written by this script, one entry
per opaque statement with the refs the static replay distrusts (what ``learn`` writes for
a block that changed nothing of them): ``learn`` itself on 1,000 migrations would take as
long as ``verify`` does (see results.md), and the record's size, not its origin, is what
``check`` pays for.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run import best, cli, machine, run  # noqa: E402
from synth import write_project  # noqa: E402

EVERY = 5


def opaque_block(i: int) -> str:
    return f"""
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    IF r.tablename LIKE 'audit\\_%' THEN  -- no such table: it changes nothing, which only the server can tell
      EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', r.tablename);
    END IF;
  END LOOP;
END $$;
"""


def write(root: Path, n: int) -> Path:
    write_project(root, n)
    for k, path in enumerate(sorted((root / "supabase" / "migrations").glob("*.sql"))):
        if k % EVERY == EVERY - 2:
            path.write_text(path.read_text() + opaque_block(k))
    return root


def synthetic_record(root: Path) -> int:
    """One entry per opaque statement: what the static replay distrusts, recorded unchanged."""
    from generator.chain import chain_hashes
    from generator.oracle import record
    from generator.oracle.learn import opaque_statements
    from generator.project import list_migrations

    mig = root / "supabase" / "migrations"
    ms = list_migrations(mig)
    hashes = dict(zip((m.path.name for m in ms), chain_hashes(ms)))
    entries = [record.Entry(name, o.stmt.line, hashes[name], tuple(o.refs), o.defaults)
               for name, found in opaque_statements(ms).items() for o in found]
    record.write(record.record_path(mig), entries)
    return len(entries)


def bench_learn(tmp: Path, n: int, env: dict) -> dict[str, str]:
    root = write(tmp / f"learn{n}", n)
    d = ["--project-dir", str(root)]
    cold = run([*cli(), "generate", *d], env=env)
    learn = run([*cli(), "learn", *d], env=env)
    if learn.returncode != 0:
        raise SystemExit(f"learn failed on {root}:\n{learn.stdout}")
    proof = re.search(r"in ([0-9.]+)s\n", learn.stdout.split("proof:", 1)[-1]) if "proof:" in learn.stdout else None
    shutil.rmtree(root / "supabase" / "rollbacks", ignore_errors=True)
    warm = run([*cli(), "generate", *d], env=env)
    found = re.search(r"(\d+) opaque statement", learn.stdout)
    opaque = int(found.group(1)) if found else 0
    return {
        "n": str(n), "opaque": str(opaque), "generate": f"{cold.seconds:.2f}", "learn": f"{learn.seconds:.2f}",
        "per_migration": f"{learn.seconds / n * 1000:.0f}", "per_opaque": f"{learn.seconds / max(opaque, 1):.2f}",
        "proof": proof.group(1) if proof else "—", "generate_record": f"{warm.seconds:.2f}",
        "manual_before": _manual(cold.stdout), "manual_after": _manual(warm.stdout),
    }


def _manual(summary: str) -> str:
    return str(sum(int(m) for m in re.findall(r"\s(\d+) manual\s", summary)))


def bench_check(tmp: Path, n: int, reps: int, env: dict) -> dict[str, str]:
    root = write(tmp / f"check{n}", n)
    entries = synthetic_record(root)
    env = {**env, "SUPABASE_ROLLBACK_CACHE_DIR": str(tmp / "cache")}
    d = ["--project-dir", str(root)]
    run([*cli(), "generate", *d], env=env)
    cmd = [*cli(), "check", *d]
    cold = run(cmd, env=env)
    warm = best([run(cmd, env=env) for _ in range(reps)])
    newest = sorted((root / "supabase" / "migrations").glob("*.sql"))[-1]
    newest.write_text(newest.read_text() + "\nCOMMENT ON TABLE public.f0_projects IS 'edited';\n")
    edited = run(cmd, env=env)
    record = (root / "supabase" / "rollback-oracle.json").stat().st_size
    return {"n": str(n), "entries": str(entries), "record_kb": f"{record / 1024:.0f}", "cold": f"{cold.seconds:.2f}",
            "warm": f"{warm.seconds:.2f}", "edited": f"{edited.seconds:.2f}"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learn-sizes", default="20,60")
    ap.add_argument("--check-size", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    info = machine()
    env = dict(os.environ)
    lines = ["### The oracle (issue 13)", "",
             f"`python benchmarks/oracle.py --learn-sizes {args.learn_sizes} --check-size {args.check_size} "
             f"--reps {args.reps}`: benchmarks/synth.py projects with a DO block the generator cannot follow "
             f"every {EVERY} migrations. Wall-clock seconds of a fresh process.", "",
             "| Machine | |", "|---|---|", *(f"| {k} | {v} |" for k, v in info.items()), ""]
    with tempfile.TemporaryDirectory(prefix="oracle-bench-") as t:
        tmp = Path(t)
        rows = [bench_learn(tmp, int(n), env) for n in args.learn_sizes.split(",") if n]
        lines += ["| migrations | opaque statements | generate, no record s | learn s (of which proof s) | learn ms/migration "
                  "| learn s/opaque statement | generate with the record s | manual steps without → with |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['n']} | {r['opaque']} | {r['generate']} | {r['learn']} ({r['proof']}) | {r['per_migration']} "
                  f"| {r['per_opaque']} | {r['generate_record']} | {r['manual_before']} → {r['manual_after']} |"
                  for r in rows]
        if args.check_size:
            c = bench_check(tmp, args.check_size, args.reps, env)
            lines += ["", "| migrations | record entries (KB) | check cold s | check warm s | check after editing the newest s |",
                      "|---:|---:|---:|---:|---:|",
                      f"| {c['n']} | {c['entries']} ({c['record_kb']}) | {c['cold']} | {c['warm']} | {c['edited']} |"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
