"""The real-world corpus tools on a small corpus of our own: benchmarks/realworld_corpus.py
extracts migration folders from git snapshots, benchmarks/realworld.py judges every folder
and survives whatever a folder holds (a file that is not SQL, two files of one version,
prose that looks like an annotation, a project that crashes the tool)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_corpus_extraction_keeps_every_migrations_folder_and_nothing_else(tmp_path: Path):
    work = tmp_path / "src"
    (work / "apps" / "db" / "supabase" / "migrations" / "nested").mkdir(parents=True)
    (work / "supabase" / "migrations").mkdir(parents=True)
    (work / "apps" / "db" / "supabase" / "migrations" / "20250101000000_a.sql").write_text("create table a (id int);\n")
    (work / "apps" / "db" / "supabase" / "migrations" / "nested" / "20250102000000_b.sql").write_text("select 1;\n")
    (work / "apps" / "db" / "supabase" / "migrations" / "notes.md").write_text("not a migration\n")
    (work / "supabase" / "migrations" / "20250103000000_c.sql").write_text("create table c (id int);\n")
    (work / "README.md").write_text("hello\n")
    _git(work, "init", "-q")
    _git(work, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    _git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    mirror = tmp_path / "mirror"
    (mirror / "someone+app").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirror / "someone+app" / "repo")], check=True)
    repos = tmp_path / "repos.tsv"
    repos.write_text("repo\tmigration_files\tmigrations_folders\tkind\nsomeone/app\t2\t2\texample\nnobody/gone\t1\t1\texample\n")
    out = tmp_path / "corpus"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "realworld_corpus.py"), "--repos", str(repos),
                          "--mirror", str(mirror), "--out", str(out)], capture_output=True, text=True)
    assert res.returncode == 1  # one repository has no snapshot: said, and the others are extracted
    assert "nobody/gone" in res.stderr
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["someone+app/_/supabase/migrations/20250103000000_c.sql",
                     "someone+app/apps~db/supabase/migrations/20250101000000_a.sql"]
    refused = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "realworld_corpus.py"), "--repos", str(repos),
                              "--mirror", str(mirror), "--out", str(ROOT / "corpus-here")], capture_output=True, text=True)
    assert refused.returncode == 2 and "outside the repository" in refused.stderr


def _project(corpus: Path, name: str, files: dict[str, bytes | str]) -> None:
    folder = corpus / name / "_" / "supabase" / "migrations"
    folder.mkdir(parents=True)
    for file, text in files.items():
        (folder / file).write_bytes(text if isinstance(text, bytes) else text.encode())


def test_the_runner_judges_every_project_and_survives_bad_ones(tmp_path: Path):
    corpus = tmp_path / "corpus"
    _project(corpus, "good", {
        "20250101000000_t.sql": "create table public.t (id bigint primary key);\n",
        "20250102000000_c.sql": "alter table public.t add column c text;\n-- Rollback notes: see the runbook\n",
        "20250103000000_u.sql": "update public.t set c = 'x';\n",
    })
    _project(corpus, "messy", {
        "20250101000000_t.sql": "create table public.t (id bigint primary key);\n",
        "20250102000000_broken.sql": "create tabel public.u (id int);\n",
        "20250102000000_twin.sql": "create table public.v (id int);\n",
        "20250103000000_latin1.sql": b"comment on table public.t is 'caf\xe9';\n",
    })
    json_out = tmp_path / "details.json"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "realworld.py"), "--corpus", str(corpus),
                          "--json", str(json_out)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in res.stdout.splitlines() if line.startswith("| ") and not line.startswith("| project")}
    # migrations, refused, verified, column order only, manual steps, FAILED, skipped, does not apply
    assert rows["good/_"][:8] == ["3", "0", "2", "0", "1", "0", "0", "0"]
    messy = rows["messy/_"]
    assert messy[0] == "4" and messy[1] == "2"  # the file that is not SQL and the one not UTF-8 get no rollback
    assert messy[5] == "0"  # no rollback FAILED: the broken files do not apply, they are no verdict on a rollback
    assert "generate exit 2" in messy[-1]
    assert rows["**total**"][0] == "7" and "0 projects without rollbacks, 0 crashed" in rows["**total**"][-1]
    assert "the migration updated rows of N" in res.stdout  # manual steps counted by reason, names replaced
    assert json_out.is_file()


def test_the_runner_learns_on_a_copy_and_counts_manual_steps_of_opaque_history(tmp_path: Path):
    corpus = tmp_path / "corpus"
    _project(corpus, "loops", {
        "20250101000000_t.sql": "create table public.orders (id bigint primary key);\n"
                                "create table public.audit_log (id bigint primary key);\n",
        # the loop may reach every public table (the condition is inside it): orders is distrusted
        "20250102000000_rls.sql": "do $$ declare t record; begin\n"
                                  "  for t in select tablename from pg_tables where schemaname = 'public' loop\n"
                                  "    if t.tablename like 'audit%' then\n"
                                  "      execute format('alter table public.%I enable row level security', t.tablename);\n"
                                  "    end if;\n"
                                  "  end loop; end $$;\n",
        "20250103000000_drop.sql": "drop table public.orders;\n",
    })
    runs = {}
    for flags in ([], ["--learn"]):
        res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "realworld.py"), "--corpus", str(corpus),
                              "--no-verify", *flags], capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr
        runs[tuple(flags)] = res.stdout
    counts = {k: re.search(r"opaque history \(.*?\): (\d+) of (\d+)\.", out).groups() for k, out in runs.items()}
    # without the record the DO block's own rollback and the drop's are manual (orders is
    # distrusted); with it, the block is undone from what it was seen to do and the drop's is
    # automatic (learn proved the loop left orders alone)
    assert (int(counts[()][0]), int(counts[("--learn",)][0])) == (2, 0)
    assert "| 2 | its cause has no entry in the record" in runs[()]
    # the same project without the record, classified by it: both steps' causes were learned
    assert "| **all** | 2 | 0 | -100% |" in runs[("--learn",)], runs[("--learn",)]
    assert "--learn` on" in runs[("--learn",)]
    assert not list(corpus.rglob("rollback-oracle.json"))  # the corpus itself is left as it was


def _runner_module():
    """benchmarks/realworld.py, imported (it is a script, not a package module)."""
    import importlib

    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    try:
        return importlib.import_module("realworld")
    finally:
        sys.path.pop(0)


def test_opaque_steps_are_classed_by_what_learn_made_of_their_cause():
    rw = _runner_module()
    where = "table public.t was changed by a statement the generator could not analyse (/p/2_m.sql:3), so"
    entries = {("2_m.sql", 3): {"not_learned": "the rollback of 5_x.sql this entry made automatic did not "
                                               "round-trip on the server: the rollback fails: ..."}}
    assert rw.origin_class(where, ("5_x.sql", 1), entries) == "proof"
    entries[("2_m.sql", 3)] = {"not_learned": "it reads public.t, whose rows an empty database does not have"}
    assert rw.origin_class(where, ("5_x.sql", 1), entries) == "edge"
    entries[("2_m.sql", 3)] = {}
    assert rw.origin_class(where, ("5_x.sql", 1), entries) == "learned"
    assert rw.origin_class(where, ("2_m.sql", 3), entries) == "own"


def test_a_step_with_no_cause_in_a_migration_learn_could_not_apply_is_classed_not_replayed(tmp_path: Path):
    """A table made in the dashboard: no migration creates it, so the one that alters it does
    not apply on learn's empty database, and its "not in the catalog" step is not opaque
    history that learn could have resolved."""
    corpus = tmp_path / "corpus"
    _project(corpus, "dashboard", {
        "20250101000000_t.sql": "create table public.orders (id bigint primary key);\n",
        "20250102000000_alter.sql": "alter table public.made_in_dashboard drop column note;\n",
    })
    out = tmp_path / "rows.json"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "realworld.py"), "--corpus", str(corpus),
                          "--no-verify", "--learn", "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    (row,) = json.loads(out.read_text())
    assert row["opaque_origins"] == {"not replayed": 1}, row
    # left out of the replayable total, which the old one (only "unapplied" left out) still counts
    assert "| **where the history replays** | 0 | 0 | - |" in res.stdout, res.stdout
    assert "| **without unapplied only (as before 2026-12-07)** | 1 | 1 | +0% |" in res.stdout, res.stdout


def test_the_migrations_learn_did_not_apply_are_read_from_its_report():
    rw = _runner_module()
    err = ("  20250101000000_make.sql\n"
           "supabase/migrations/20250102000000_alter.sql:1: ERROR 42P01: relation \"public.t\" does not exist\n"
           "  not applied here (the migration itself fails); learning goes on without it\n"
           "supabase/migrations/20250103000000_other.sql:4: ERROR 42P01: relation \"public.u\" does not exist\n")
    assert rw.not_applied(err) == {"20250102000000_alter.sql"}
    reason = "table public.t is not in the catalog"
    assert rw.origin_class(reason, ("20250102000000_alter.sql", 1), {}, rw.not_applied(err)) == "not replayed"
    assert rw.origin_class(reason, ("20250103000000_other.sql", 1), {}, rw.not_applied(err)) == "unnamed"
    # a cause named in a migration learn did not apply (a file that does not parse has no entry)
    cause = "table public.t was changed by a statement the generator could not analyse (/p/20250102000000_alter.sql:1)"
    assert rw.origin_class(cause, ("20250104000000_x.sql", 1), {}, rw.not_applied(err)) == "not replayed"
    assert rw.origin_class(cause, ("20250104000000_x.sql", 1), {}) == "no entry"
