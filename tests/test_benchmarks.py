"""The benchmarks run (quick mode) and produce their report: no timing is asserted here.

benchmarks/run.py --quick generates synthetic projects of 20 and 40 migrations, times
generate, the pglast parse floor, check (cold, warm, after editing the newest migration),
verify on 5 and 10 migrations, the pg_dump replay on 10 and generate on single large
migrations (CREATE TABLE, INSERT, one large literal), and writes the markdown table
the README carries. It needs the PostgreSQL binaries the round-trip tests use.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _row(text: str, first: str) -> list[str]:
    """The cells of the table row that starts with ``| first |``."""
    for line in text.splitlines():
        if line.startswith(f"| {first} |"):
            return [c.strip() for c in line.strip().strip("|").split("|")]
    raise AssertionError(f"no row {first!r} in:\n{text}")


def test_quick_benchmarks_write_their_table(tmp_path):
    out = tmp_path / "results.md"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    text = out.read_text()
    assert text == res.stdout
    for key in ("CPU", "cores", "RAM", "Python", "PostgreSQL"):
        assert _row(text, key)[1] not in ("", "?"), key
    assert _row(text, "PostgreSQL")[1][0].isdigit()  # a server was found: verify and pg_dump ran
    number = re.compile(r"^[\d,.]+( \([\d.]+\))?$")
    for n in ("20", "40"):
        cells = _row(text, n)  # the generate table comes first
        assert len(cells) == 9 and all(number.match(c) for c in cells), cells
        assert int(cells[1]) > 40 * int(n)  # about 50 statements per migration
    for n in ("5", "10"):
        cells = _row(text, n)
        assert number.match(cells[4]) and number.match(cells[5]), cells  # verify seconds, ms/migration
    assert number.match(_row(text, "10")[6])  # the pg_dump replay
    assert "verify verified 10, total 10" in text  # every synthetic rollback is proved on the server
    for label, statements in (("800 CREATE TABLE (5 constraints each)", "800"), ("1,200 INSERT rows", "1,201"),
                              ("one INSERT of a 1 MB literal", "2")):
        cells = _row(text, label)  # the large migrations: generated, with their size and peak memory
        assert cells[2] == statements and all(number.match(c) for c in cells[1:]), cells
    for target in ("generate / pglast parse ratio < 2 (CPU time)", "check, unchanged project, < 0.5 s (40 migrations)",
                   "check after editing the newest migration, < 1 s (40 migrations)",
                   "generate peak memory < 300 MB (40 migrations)", "verify grows linearly (time per migration flat)"):
        assert _row(text, target)[2] in ("met", "missed"), target


def test_synthetic_migrations_are_realistic(tmp_path):
    """Each kind the issue names is in the synthetic project, with about 50 statements a migration."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.pop(0)
    from pglast.parser import parse_sql

    root = synth.write_project(tmp_path / "p", 12)
    files = sorted((root / "supabase" / "migrations").glob("*.sql"))
    assert len(files) == 12
    text = "\n".join(f.read_text() for f in files)
    counts = [len(parse_sql(f.read_text())) for f in files]
    assert 45 <= sum(counts) / len(counts) <= 55
    for needle in ("ENABLE ROW LEVEL SECURITY", "CREATE POLICY", "CREATE OR REPLACE FUNCTION public.set_updated_at",
                   "GRANT ", "CREATE INDEX", "AS ENUM", "ADD VALUE", "INSERT INTO storage.buckets", "DO $$"):
        assert needle in text, needle


def test_oracle_benchmark_writes_its_tables(tmp_path):
    """benchmarks/oracle.py on tiny projects: learn (with its proof), generate with the
    record, check with a record. It must run and fill its tables; no timing is asserted."""
    out = tmp_path / "oracle.md"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "oracle.py"), "--learn-sizes", "5",
                          "--check-size", "5", "--reps", "1", "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    text = out.read_text()
    learn = _row(text, "5")  # the learn table comes first
    assert int(learn[1]) >= 1 and learn[3] != "—"  # opaque statements found, learn ran
    assert "→" in learn[-1]
    check = [line for line in text.splitlines() if line.startswith("| 5 |")][-1]
    assert check != "| " + " | ".join(learn) + " |"
