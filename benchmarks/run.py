"""The benchmarks of supabase-rollback, as one markdown report.

    /tmp/venv/bin/python benchmarks/run.py                 # sizes 100,300,1000 (takes a while)
    /tmp/venv/bin/python benchmarks/run.py --quick         # sizes 20,40, one repetition (CI)
    /tmp/venv/bin/python benchmarks/run.py --sizes 100,300 --out benchmarks/results.md

On synthetic projects in the style real Supabase projects are written (benchmarks/synth.py,
about 50 statements per migration) it measures, each command in a fresh process:

- ``generate`` of the whole project, cold (no cache; output to an empty folder): seconds,
  statements per second, peak memory (max RSS), and the ratio to a process that only
  parses the same files with ``pglast.parse_sql`` (the floor: PostgreSQL's parser building
  pglast's Python AST). ``parse_sql_json`` (the parser's JSON, no Python AST) is timed too;
- ``check`` on an unchanged project (cache warm), and after editing only the newest
  migration (each repetition writes a different edit, so each one misses the cache);
- ``verify`` (fresh mode, a throwaway PostgreSQL): seconds and ms per migration, to show
  the cost grows linearly with the history;
- the alternative teams use today: replay the history migration by migration on a
  database and ``pg_dump --schema-only`` after each one, diffing consecutive dumps.

Times are wall-clock seconds, best of the repetitions. verify and pg_dump need PostgreSQL
binaries (generator/server.py finds them); without them those rows say so.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

PYTHON = sys.executable
FULL_SIZES = [100, 300, 1000]
QUICK_SIZES = [20, 40]

# fresh processes that only parse the project's files (the floor generate is compared with)
_PARSE = (
    "import sys, glob\n"
    "from pglast.parser import {fn}\n"
    "n = 0\n"
    "for f in sorted(glob.glob(sys.argv[1] + '/*.sql')):\n"
    "    with open(f, encoding='utf-8') as fh:\n"
    "        r = {fn}(fh.read())\n"
    "    {count}\n"
    "print(n)\n"
)
PARSE_AST = _PARSE.format(fn="parse_sql", count="n += len(r)")
PARSE_JSON = _PARSE.format(fn="parse_sql_json", count="n += len(r)")
PARSE_JSON_LOADS = "import json\n" + _PARSE.format(fn="parse_sql_json", count="n += len(json.loads(r)['stmts'])")


@dataclass
class Run:
    seconds: float  # wall clock
    cpu: float  # user + system of the child
    max_rss_mb: float
    returncode: int
    stdout: str


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run ``cmd`` in a fresh process; its wall time, CPU time and peak memory."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        took = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    return Run(took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, p.returncode, text)


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.seconds)


def cli() -> list[str]:
    exe = Path(PYTHON).parent / "supabase-rollback"
    return [str(exe)] if exe.exists() else [PYTHON, "-m", "generator.cli"]


def statements_in(folder: Path) -> int:
    return int(run([PYTHON, "-c", PARSE_AST, str(folder)]).stdout)


# -- the machine -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    try:
        from generator.server import choose_bindir, server_version

        pg = server_version(choose_bindir()[0])
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        pg = f"none ({exc.__class__.__name__})"
    import pglast

    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "pglast": pglast.__version__,
        "PostgreSQL": pg,
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# -- the measurements --------------------------------------------------------------------------


@dataclass
class SizeResult:
    migrations: int
    statements: int
    generate: Run | None = None
    parse_ast: Run | None = None
    parse_json: Run | None = None
    parse_json_loads: Run | None = None
    check_cold: Run | None = None
    check_warm: Run | None = None
    check_edit: Run | None = None
    verify: Run | None = None
    verify_summary: str = ""
    pg_dump: float | None = None
    pg_dump_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.generate.seconds / self.parse_ast.seconds

    @property
    def cpu_ratio(self) -> float:
        """The same ratio in CPU time (user + system), steadier on a loaded machine."""
        return self.generate.cpu / self.parse_ast.cpu


def bench_generate(root: Path, reps: int) -> tuple[Run, int]:
    folder = root / "supabase" / "migrations"
    runs = []
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as out:
            r = run([*cli(), "generate", "--project-dir", str(root), "--out-dir", out])
            if r.returncode != 0:
                raise SystemExit(f"generate failed on {root} (exit {r.returncode})")
            runs.append(r)
    return best(runs), statements_in(folder)


def bench_parse(root: Path, reps: int) -> tuple[Run, Run, Run]:
    folder = str(root / "supabase" / "migrations")
    return tuple(best([run([PYTHON, "-c", code, folder]) for _ in range(reps)])
                 for code in (PARSE_AST, PARSE_JSON, PARSE_JSON_LOADS))  # type: ignore[return-value]


def bench_check(root: Path, reps: int, cache: Path) -> tuple[Run, Run, Run]:
    """check cold (cache empty), warm (nothing changed), and after editing the newest migration."""
    env = {**os.environ, "SUPABASE_ROLLBACK_CACHE_DIR": str(cache)}
    shutil.rmtree(cache, ignore_errors=True)
    gen = run([*cli(), "generate", "--project-dir", str(root)], env=env)
    if gen.returncode != 0:
        raise SystemExit(f"generate failed on {root}")
    cmd = [*cli(), "check", "--project-dir", str(root)]
    cold = run(cmd, env=env)
    warm = best([run(cmd, env=env) for _ in range(reps)])
    if cold.returncode != 0 or warm.returncode != 0:
        raise SystemExit(f"check did not pass on the generated project {root}: {warm.stdout}")
    newest = sorted((root / "supabase" / "migrations").glob("*.sql"))[-1]
    original = newest.read_text()
    edits = []
    try:
        for k in range(reps):
            newest.write_text(original + f"\nCOMMENT ON TABLE public.f0_projects IS 'edit {k} {time.time()}';\n")
            edits.append(run(cmd, env=env))  # exit 1: the newest rollback is stale now
    finally:
        newest.write_text(original)
    return cold, warm, best(edits)


def bench_verify(root: Path) -> tuple[Run, str]:
    r = run([*cli(), "verify", "--project-dir", str(root), "--format", "json"])
    try:
        doc = json.loads(r.stdout)
        summary = ", ".join(f"{k} {v}" for k, v in doc["summary"].items() if v) if isinstance(doc.get("summary"), dict) \
            else str(doc.get("summary"))
    except (json.JSONDecodeError, KeyError, AttributeError):
        summary = f"exit {r.returncode}, no JSON report"
    return r, summary


def bench_pg_dump(root: Path) -> float:
    """Seconds to replay the history on a real database with a schema dump after each
    migration and a diff of consecutive dumps (what teams do by hand to review a change)."""
    import psycopg

    from generator.server import start_server

    files = sorted((root / "supabase" / "migrations").glob("*.sql"))
    with start_server() as server:
        dsn = server.baseline_database("bench_pg_dump")
        pg_dump = server.bindir / "pg_dump"
        if not os.access(pg_dump, os.X_OK):
            pg_dump = Path(shutil.which("pg_dump") or "pg_dump")

        def dump() -> str:
            return subprocess.run([str(pg_dump), "--schema-only", "--no-owner", "-d", dsn],
                                  capture_output=True, text=True, check=True).stdout

        t0 = time.perf_counter()
        before = dump()
        with psycopg.connect(dsn) as conn:
            for f in files:
                with conn.transaction():
                    conn.execute(f.read_text())  # type: ignore[arg-type]
                after = dump()
                sum(1 for _ in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm=""))
                before = after
        return time.perf_counter() - t0


# -- single large migrations ---------------------------------------------------------------------

_TABLE = ("create table public.tbl_{i} (\n  id bigint generated always as identity primary key,\n"
          "  owner_id uuid not null references auth.users (id) on delete cascade,\n"
          "  name text not null check (char_length(name) between 1 and 200),\n"
          "  created_at timestamptz not null default now(),\n  unique (owner_id, name)\n);\n")
_SEED = "insert into public.items values ({i}, 'item {i}'); -- " + "x" * 150 + "\n"

FULL_LARGE = [("ddl", 4000), ("ddl", 16000), ("ddl", 64000), ("insert", 10000), ("insert", 100000), ("literal", 20)]
QUICK_LARGE = [("ddl", 200), ("ddl", 800), ("insert", 150), ("insert", 1200), ("literal", 1)]


@dataclass
class LargeResult:
    kind: str
    size: int
    megabytes: float
    statements: int
    generate: Run

    @property
    def label(self) -> str:
        return {"ddl": f"{self.size:,} CREATE TABLE (5 constraints each)", "insert": f"{self.size:,} INSERT rows",
                "literal": f"one INSERT of a {self.size} MB literal"}[self.kind]


def large_migration(root: Path, kind: str, size: int) -> tuple[int, int]:
    """A project whose one migration is big: (bytes, statements)."""
    folder = root / "supabase" / "migrations"
    folder.mkdir(parents=True)
    if kind == "ddl":
        text, n = "".join(_TABLE.format(i=i) for i in range(size)), size
    elif kind == "insert":
        text = "create table public.items (id bigint primary key, name text);\n" + "".join(_SEED.format(i=i) for i in range(size))
        n = size + 1
    else:
        text = "create table public.docs (id bigint primary key, body text);\n" \
               f"insert into public.docs values (1, '{'y' * (size * 1_000_000)}');\n"
        n = 2
    (folder / "20240101000000_large.sql").write_text(text)
    return len(text.encode()), n


def bench_large(tmp: Path, cases: list[tuple[str, int]]) -> list[LargeResult]:
    out = []
    for kind, size in cases:
        print(f"[large migration] {kind} {size}", file=sys.stderr, flush=True)
        root = tmp / f"large-{kind}-{size}"
        nbytes, n = large_migration(root, kind, size)
        r = run([*cli(), "generate", "--project-dir", str(root)])
        if r.returncode != 0:
            raise SystemExit(f"generate failed on the large migration {kind} {size} (exit {r.returncode})")
        out.append(LargeResult(kind, size, nbytes / 1e6, n, r))
        shutil.rmtree(root, ignore_errors=True)
    return out


def large_report(results: list[LargeResult]) -> list[str]:
    if not results:
        return []
    lines = [
        "",
        "One large migration (a fresh process, one run each): the cost must grow with the size, not its square.",
        "",
        "| migration | MB | statements | generate s (cpu s) | statements/s | µs cpu per statement | peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.megabytes:.1f} | {r.statements:,} | {fmt(r.generate.seconds)} ({fmt(r.generate.cpu)}) | "
            f"{r.statements / r.generate.seconds:,.0f} | {1e6 * r.generate.cpu / r.statements:,.0f} | "
            f"{r.generate.max_rss_mb:.0f} |"
        )
    return lines


# -- the report --------------------------------------------------------------------------------


def fmt(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def report(info: dict[str, str], results: list[SizeResult], quick: bool, reps: int, command: str,
           large: list[LargeResult] | None = None) -> str:
    lines = [
        f"### Benchmarks{' (quick mode)' if quick else ''}",
        "",
        f"`{command}` — synthetic projects of benchmarks/synth.py (tables with RLS and policies, functions "
        "redefined over time, grants, indexes, enums, storage buckets, DO blocks; ~50 statements per migration). "
        f"Wall-clock seconds of a fresh process, best of {reps}.",
        "",
        "| Machine | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()],
        "",
        "| migrations | statements | generate s (cpu s) | statements/s | pglast parse_sql s (cpu s) | ratio generate / parse "
        "(cpu) | parse_sql_json s | json + json.loads s | generate peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.generate is None:
            continue
        lines.append(
            f"| {r.migrations} | {r.statements} | {fmt(r.generate.seconds)} ({fmt(r.generate.cpu)}) | "
            f"{r.statements / r.generate.seconds:,.0f} | {fmt(r.parse_ast.seconds)} ({fmt(r.parse_ast.cpu)}) | "
            f"{r.ratio:.1f} ({r.cpu_ratio:.1f}) | "
            f"{fmt(r.parse_json.seconds)} | {fmt(r.parse_json_loads.seconds)} | {r.generate.max_rss_mb:.0f} |"
        )
    lines += [
        "",
        "| migrations | check cold s | check warm s | check after editing the newest s | verify s | verify ms/migration | "
        "pg_dump replay s | pg_dump ms/migration |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if not (r.check_warm or r.verify or r.pg_dump):
            continue
        v = r.verify.seconds if r.verify else None
        lines.append(
            f"| {r.migrations} | {fmt(r.check_cold and r.check_cold.seconds)} | {fmt(r.check_warm and r.check_warm.seconds)} | "
            f"{fmt(r.check_edit and r.check_edit.seconds)} | {fmt(v, 1)} | {fmt(v and 1000 * v / r.migrations, 0)} | "
            f"{fmt(r.pg_dump, 1)}{r.pg_dump_note} | {fmt(r.pg_dump and 1000 * r.pg_dump / r.migrations, 0)} |"
        )
    lines += large_report(large or [])
    notes = [f"- {r.migrations} migrations: verify {r.verify_summary}" for r in results if r.verify_summary]
    notes += [f"- {n}" for r in results for n in r.notes]
    if notes:
        lines += ["", *notes]
    lines += ["", *targets(results)]
    return "\n".join(lines) + "\n"


def targets(results: list[SizeResult]) -> list[str]:
    """The issue's targets, each met or missed by how much (on the sizes measured)."""
    out = ["| Target | Measured | |", "|---|---|---|"]

    def row(target: str, measured: str, ok: bool | None) -> None:
        out.append(f"| {target} | {measured} | {'met' if ok else 'missed' if ok is not None else 'not measured'} |")

    generated = [r for r in results if r.generate]
    worst = max(generated, key=lambda r: r.cpu_ratio)
    row("generate / pglast parse ratio < 2 (CPU time)", f"{worst.cpu_ratio:.1f} ({worst.migrations} migrations)",
        worst.cpu_ratio < 2)
    checked = [r for r in results if r.check_warm]
    for r in checked:
        row(f"check, unchanged project, < 0.5 s ({r.migrations} migrations)", f"{r.check_warm.seconds:.2f} s",
            r.check_warm.seconds < 0.5)
        row(f"check after editing the newest migration, < 1 s ({r.migrations} migrations)",
            f"{r.check_edit.seconds:.2f} s", r.check_edit.seconds < 1)
    big = max(generated, key=lambda r: r.migrations)
    row(f"generate peak memory < 300 MB ({big.migrations} migrations)", f"{big.generate.max_rss_mb:.0f} MB",
        big.generate.max_rss_mb < 300)
    verified = [r for r in results if r.verify]
    if len(verified) >= 2:
        a, b = verified[0], verified[-1]
        per_a, per_b = a.verify.seconds / a.migrations, b.verify.seconds / b.migrations
        row("verify grows linearly (time per migration flat)",
            f"{1000 * per_a:.0f} → {1000 * per_b:.0f} ms/migration ({a.migrations} → {b.migrations})",
            per_b < 1.5 * per_a)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="sizes 20,40 and one repetition (for CI)")
    ap.add_argument("--sizes", help="comma-separated project sizes (default 100,300,1000; quick: 20,40)")
    ap.add_argument("--reps", type=int, help="repetitions of each timing (default 3; quick: 1)")
    ap.add_argument("--check-sizes", help="sizes check is timed on (default: 300 (the 300-400 target); quick: all)")
    ap.add_argument("--verify-sizes", help="sizes verify is timed on (default: 100,300; quick: all)")
    ap.add_argument("--pg-dump-sizes", help="sizes the pg_dump replay is timed on (default: 100; quick: the smallest)")
    ap.add_argument("--no-server", action="store_true", help="skip what needs PostgreSQL (verify, pg_dump)")
    ap.add_argument("--no-large", action="store_true", help="skip the single large migrations")
    ap.add_argument("--out", type=Path, help="also write the markdown here")
    args = ap.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (QUICK_SIZES if args.quick else FULL_SIZES)
    reps = args.reps or (1 if args.quick else 3)

    def pick(opt: str | None, default: list[int]) -> set[int]:
        return {int(s) for s in opt.split(",")} if opt else set(default)

    check_sizes = pick(args.check_sizes, sizes if args.quick else [300])
    verify_sizes = set() if args.no_server else pick(args.verify_sizes, [5, 10] if args.quick else [100, 300])
    dump_sizes = set() if args.no_server else pick(args.pg_dump_sizes, [10] if args.quick else [100])

    info = machine()
    results = []
    with tempfile.TemporaryDirectory(prefix="supabase-rollback-bench-") as tmp:
        for n in sorted(set(sizes) | check_sizes | verify_sizes | dump_sizes):
            root = synth.write_project(Path(tmp) / f"p{n}", n)
            r = SizeResult(n, 0)
            if n in sizes or n in check_sizes:
                print(f"[{n} migrations] generate", file=sys.stderr, flush=True)
                r.generate, r.statements = bench_generate(root, reps)
                r.parse_ast, r.parse_json, r.parse_json_loads = bench_parse(root, reps)
            if n in check_sizes:
                print(f"[{n} migrations] check", file=sys.stderr, flush=True)
                r.check_cold, r.check_warm, r.check_edit = bench_check(root, reps, Path(tmp) / "cache")
            if n in verify_sizes:
                print(f"[{n} migrations] verify", file=sys.stderr, flush=True)
                r.verify, r.verify_summary = bench_verify(root)
            if n in dump_sizes:
                print(f"[{n} migrations] pg_dump replay", file=sys.stderr, flush=True)
                r.pg_dump = bench_pg_dump(root)
            results.append(r)
            shutil.rmtree(root, ignore_errors=True)
        large = [] if args.no_large else bench_large(Path(tmp), QUICK_LARGE if args.quick else FULL_LARGE)
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(info, results, args.quick, reps, command.strip(), large)
    print(text, end="")
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
