"""The real-world corpus as the judge: generate, then verify, every migrations folder.

    python benchmarks/realworld_corpus.py            # once: extract the corpus (see that file)
    python benchmarks/realworld.py                   # every project of ../realworld-corpus
    python benchmarks/realworld.py --only tutur3u --no-verify
    python benchmarks/realworld.py --out docs/realworld.md --json /tmp/realworld.json
    python benchmarks/realworld.py --learn           # first `supabase-rollback learn` (issue 13)

For every project of the corpus (a folder holding ``supabase/migrations``) it runs, each in
a fresh process with a time limit, as a user would:

1. ``supabase-rollback generate --out-dir <temporary folder>``: its exit status, the
   rollbacks it wrote (a migration without one is *refused*), its warnings and errors, and
   every MANUAL STEP's reason in the files it wrote;
2. ``supabase-rollback verify --rollbacks-dir <that folder> --format json`` on a throwaway
   PostgreSQL: each migration is verified exactly, verified but for column order, FAILED
   (its rollback does not restore the schema, or does not run), left to a person (manual
   steps), skipped for the environment (an extension the server lacks), or counted apart
   when the migration itself does not apply on a fresh Supabase baseline (a history that
   does not replay, e.g. files whose version order is not the order they were written
   in): that is no verdict on its rollback.

With ``--learn``, each project is first copied to a temporary folder (the corpus stays as
it is) and ``supabase-rollback learn`` writes its oracle record there, so ``generate`` and
``verify`` then use it; its time and exit status are counted. The project is also
generated once without its record, and the opaque-history steps of both are counted by
what the record says of the statement behind each (``ORIGINS``): the before and after of
issue 13, on the same causes.

Manual steps are also counted by cause: those caused by *opaque history* (an earlier
statement the generator could not follow: ``opaque_history`` lists the phrases) apart from
the rest.

It prints one markdown table, a row per project and a total, then the failures, the
manual steps and the skips counted by reason (names replaced by N, S, W, M). Nothing a folder holds stops the run: a crash, a time-out or unreadable
output of one project is that project's row (``crashed``), and the run goes on. Only
numbers are printed in the table: no third-party SQL (the corpus is never committed). The
``--json`` file holds the details (failing migrations with their first line of reason),
for triage; keep it outside the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as run_benchmarks  # noqa: E402  (benchmarks/run.py: the machine's facts)

DEFAULT_CORPUS = ROOT.parent / "realworld-corpus"
MIGRATION = re.compile(r"^([0-9]+)_(.*)\.sql$")
MANUAL = re.compile(r"^-- MANUAL STEP \d+: (.*)$")
UNDOES = re.compile(r"^-- Undoes (\S+\.sql):(\d+)")
WHERE = re.compile(r"([^\s(]+\.sql):(\d+)")
STATUSES = ("verified", "column_order", "failed", "manual", "skipped", "unappliable")


@dataclass
class Row:
    project: str
    migrations: int = 0
    written: int = 0
    generate_exit: int | None = None
    generate_s: float = 0.0
    learn_s: float = 0.0
    learn_exit: int | None = None
    opaque_manual: int = 0  # manual steps caused by opaque history (``opaque_history``)
    opaque_origins: Counter = field(default_factory=Counter)  # those steps by what learn made of their cause
    # --learn: the opaque-history steps of the same project generated without its record, classified by it
    opaque_origins_static: Counter = field(default_factory=Counter)
    verify_s: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    manual_reasons: Counter = field(default_factory=Counter)
    skip_reasons: Counter = field(default_factory=Counter)
    failure_reasons: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # generate's error lines
    warnings: int = 0
    failed: list[dict] = field(default_factory=list)  # {file, reason}
    crashed: str = ""
    verify_refused: str = ""  # verify's error when it refused the whole project (exit 2)

    @property
    def refused(self) -> int:
        return max(self.migrations - self.written, 0)


def projects(corpus: Path, only: list[str]) -> list[Path]:
    found = sorted(p.parent.parent for p in corpus.glob("*/*/supabase/migrations") if p.is_dir())
    return [p for p in found if not only or any(o in str(p.relative_to(corpus)) for o in only)]


def count_migrations(folder: Path) -> int:
    """Files the Supabase CLI would take as migrations (its name pattern)."""
    return sum(1 for f in folder.iterdir() if MIGRATION.match(f.name) and f.is_file())


def reason_class(reason: str) -> str:
    """A manual step's reason without the names in it, so equal causes count together."""
    text = re.sub(r'"[^"]*"', "N", reason)
    text = re.sub(r"`[^`]*`", "S", text)
    text = re.sub(r"\([^()]*\.sql:\d+[^()]*\)", "(W)", text)
    text = re.sub(r"\S+\.sql(:\d+(:\d+)?)?", "W", text)
    text = re.sub(r"\b(public|auth|storage|extensions|[a-z_][a-z0-9_$]*)\.([a-z_][a-z0-9_$]*)(\([^)]*\))?", "N", text)
    text = re.sub(r"(?<![\w$])[A-Za-z_][\w$]*\([^()]*\)", "N", text)  # calls: f(), f(uuid)
    kinds = r"schema|table|view|function|procedure|policy|type|trigger|index|extension|sequence|column|relation|role"
    text = re.sub(rf"\b({kinds}) (?!N\b)[A-Za-z_][\w$]*\b", r"\1 N", text)
    text = re.sub(r"(?<!ERROR )\b\d+\b", "0", text)
    words = text.split()
    return " ".join(words[:14])


# Phrases of the manual-step reasons that an earlier statement the generator could not
# follow causes (what issue 13's oracle is meant to resolve), as the generator writes them.
OPAQUE_HISTORY = (
    "could not analyse", "may have been changed by the DO block", "is not in the catalog",
    "cannot be decided statically", "the name PostgreSQL chose is not certain",
    "may have changed the default privileges", "created or replaced by hand", "could not be read",
    "whose effects the generator cannot know",  # `select f()`'s own rollback, as the DO block's
)


def opaque_history(reason: str) -> bool:
    """Is this manual step there because of an earlier statement the generator could not follow?"""
    return any(p in reason for p in OPAQUE_HISTORY)


def _record_entries(project: Path) -> dict[tuple[str, int], dict] | None:
    """The oracle record's entries by (migration file, line), or None without a record."""
    path = project / "supabase" / "rollback-oracle.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {(e.get("migration", ""), int(e.get("line", 0))): e for e in data.get("entries", []) if isinstance(e, dict)}


ORIGINS = {
    "own": "the opaque statement's own rollback; learn saw what it did (with the record: not all of it invertible)",
    "learned": "a later rollback; learn saw what its cause did (with the record: not all of it importable)",
    "unapplied": "its cause is in a migration that does not apply on an empty database, or depends on one",
    "not replayed": "no cause named, or one without an entry, in a migration learn could not apply (e.g. it "
                    "alters a table no migration creates, or does not parse)",
    "edge": "its cause depends on rows, the time or functions learn cannot judge (the honest edge)",
    "proof": "learn saw its cause, but the proof dropped the entry: a rollback it made automatic did not round-trip",
    "no entry": "its cause has no entry in the record (no record, or not an opaque statement learn replayed)",
    "unnamed": "no cause named: the object is not in the catalog (never created by the history, or by an opaque statement)",
}


# The totals without what no replay on an empty database can reach (issue 13: "the replay
# stops there"): before 2026-12-07 only "unapplied" was left out; "not replayed" was split
# from "unnamed" and "no entry" then, both figures are printed.
REPLAYS = (("where the history replays", {"unapplied", "not replayed"}),
           ("without unapplied only (as before 2026-12-07)", {"unapplied"}))


def origin_class(reason: str, undoes: tuple[str, int] | None, entries: dict[tuple[str, int], dict] | None,
                 unapplied: frozenset[str] = frozenset()) -> str:
    """What ``learn`` made of the statement behind an opaque-history manual step (``ORIGINS``).
    ``unapplied``: the migrations (file names) learn could not apply on its server."""
    w = WHERE.search(reason)
    if reason.startswith("the DO block cannot be decided statically") or w is None and "SELECT calls" in reason:
        where = undoes
    else:
        where = (Path(w.group(1)).name, int(w.group(2))) if w else None
    if where is None:
        return "not replayed" if undoes is not None and undoes[0] in unapplied else "unnamed"
    entry = (entries or {}).get(where)
    if entry is None:
        return "not replayed" if where[0] in unapplied else "no entry"
    why = entry.get("not_learned", "")
    if why:
        if "could not be applied" in why:
            return "unapplied"
        return "proof" if "did not round-trip on the server" in why else "edge"
    return "own" if where == undoes else "learned"


def not_applied(learn_stderr: str) -> frozenset[str]:
    """The migrations ``learn`` reported it could not apply (``path:line: ...`` followed by
    ``  not applied here``), by file name."""
    lines = learn_stderr.splitlines()
    return frozenset(Path(m.group(1)).name for line, nxt in zip(lines, lines[1:])
                     if nxt.startswith("  not applied here") and (m := re.match(r"(\S+?\.sql):\d+", line)))


def _run(cmd: list[str], timeout: float, cwd: Path) -> tuple[int | None, str, str, float]:
    start = time.perf_counter()
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                             errors="replace", stdin=subprocess.DEVNULL)
        return res.returncode, res.stdout, res.stderr, time.perf_counter() - start
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return None, out, f"timed out after {timeout:.0f} s", time.perf_counter() - start


def run_project(project: Path, corpus: Path, tool: list[str], verify: bool, timeout: float,
                learn: bool = False, keep: Path | None = None) -> Row:
    row = Row(project=str(project.relative_to(corpus)))
    unapplied: frozenset[str] = frozenset()
    out = Path(tempfile.mkdtemp(prefix="realworld-"))
    try:
        if learn:  # on a copy: the record must not change later runs on the corpus
            copy = out / "project"
            shutil.copytree(project, copy)
            project = copy
            out = out / "rollbacks"
            out.mkdir()
            code, _, err, row.learn_s = _run([*tool, "learn", "--project-dir", str(project)], timeout, project)
            row.learn_exit = code
            if code is None or "Traceback (most recent call last)" in err:
                row.crashed = f"learn: {'timed out' if code is None else 'traceback'}: {_last(err)}"
            unapplied = not_applied(err)
            (out.parent / "learn.log").write_text(err, encoding="utf-8")
        migrations = project / "supabase" / "migrations"
        row.migrations = count_migrations(migrations)
        code, _, err, secs = _run([*tool, "generate", "--project-dir", str(project), "--out-dir", str(out)],
                                  timeout, project)
        row.generate_exit, row.generate_s = code, secs
        if code is None or code not in (0, 1, 2):
            row.crashed = f"generate: {'timed out' if code is None else f'exit {code}'}: {_last(err)}"
        row.errors = [line for line in err.splitlines() if line.startswith("error:")]
        row.warnings = sum(1 for line in err.splitlines() if line.startswith("warning:"))
        if "Traceback (most recent call last)" in err:
            row.crashed = f"generate: traceback: {_last(err)}"
        rollbacks = [f for f in out.glob("rollback_*.sql") if f.is_file()]
        row.written = len(rollbacks)
        entries = _record_entries(project)
        for reason, undoes in _manual_steps(rollbacks):
            row.manual_reasons[reason_class(reason)] += 1
            if opaque_history(reason):
                row.opaque_manual += 1
                row.opaque_origins[origin_class(reason, undoes, entries, unapplied)] += 1
        if learn and entries is not None and not row.crashed:
            # the same project without its record, its steps classified by that record: before/after by cause
            record = project / "supabase" / "rollback-oracle.json"
            aside = record.with_name("rollback-oracle.json.aside")
            record.rename(aside)
            static = out.parent / "static"
            static.mkdir()
            try:
                _run([*tool, "generate", "--project-dir", str(project), "--out-dir", str(static)], timeout, project)
            finally:
                aside.rename(record)
            for reason, undoes in _manual_steps([f for f in static.glob("rollback_*.sql") if f.is_file()]):
                if opaque_history(reason):
                    row.opaque_origins_static[origin_class(reason, undoes, entries, unapplied)] += 1
        if verify and not row.crashed:
            _verify(row, project, out, tool, timeout)
    except Exception as exc:  # noqa: BLE001 - one project's surprise is its row, not the end of the run
        row.crashed = f"runner: {type(exc).__name__}: {exc}"
    finally:
        done = out if not learn else out.parent
        if keep is not None:  # --keep: the copy, its record and rollbacks, to look into
            keep.mkdir(parents=True, exist_ok=True)
            shutil.move(str(done), str(keep / row.project.replace("/", "~")))
        else:
            shutil.rmtree(done, ignore_errors=True)
    return row


def _manual_steps(rollbacks: list[Path]) -> list[tuple[str, tuple[str, int] | None]]:
    """Every MANUAL STEP's reason in ``rollbacks``, with the forward statement it undoes."""
    out = []
    for f in rollbacks:
        undoes: tuple[str, int] | None = None
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            u = UNDOES.match(line)
            if u:
                undoes = (Path(u.group(1)).name, int(u.group(2)))
            m = MANUAL.match(line)
            if m:
                out.append((m.group(1), undoes))
    return out


def _verify(row: Row, project: Path, out: Path, tool: list[str], timeout: float) -> None:
    code, stdout, err, secs = _run([*tool, "verify", "--project-dir", str(project), "--rollbacks-dir", str(out),
                                    "--format", "json"], timeout, project)
    row.verify_s = secs
    if code is None:
        row.crashed = f"verify: timed out after {timeout:.0f} s"
        return
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        if code == 2 and "Traceback" not in err:  # bad input, said as such: a refusal, not a crash
            row.verify_refused = _last(err)
        else:
            row.crashed = f"verify: exit {code}, no report: {_last(err)}"
        return
    for m in report.get("migrations", []):
        status = m.get("status", "?")
        if status == "failed" and m.get("reason", "").startswith(("the migration itself fails", "not valid SQL")):
            # the history does not replay here (or the file is not SQL at all, so it has no
            # rollback and is counted as refused): not a fault of a rollback
            status = "unappliable"
            row.skip_reasons["the migration itself fails: " + reason_class(_first_difference(m))] += 1
        row.statuses[status] += 1
        if status == "skipped":
            row.skip_reasons[reason_class(m.get("reason", ""))] += 1
        if status == "failed":
            row.failure_reasons[reason_class(_first_difference(m))] += 1
            row.failed.append({"file": m.get("file", "?"), "reason": m.get("reason", "")[:300],
                               "details": [d[:300] for d in m.get("details", [])[:6]]})


def _first_difference(migration: dict) -> str:
    """The most telling line of a FAILED verification: the first difference or error."""
    for line in migration.get("details", []):
        line = line.strip()
        if line and not line.startswith(("after the rollback", "the rollback does not")):
            return re.sub(r"^\S+\.sql:\d+: ", "", line)
    return migration.get("reason", "")


def _last(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _change(before: int, after: int) -> str:
    return f"{100 * (after - before) / before:+.0f}%" if before else "-"


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.1f}%" if total else "-"


def table(rows: list[Row], verify: bool) -> str:
    head = ["project", "migrations", "refused", "verified", "column order only", "manual steps", "FAILED",
            "skipped (environment)", "migration does not apply", "generate ms/migration", "verify ms/migration", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    total = Row(project="**total**")
    for r in rows:
        total.migrations += r.migrations
        total.written += r.written
        total.generate_s += r.generate_s
        total.verify_s += r.verify_s
        total.statuses.update(r.statuses)
        lines.append(_line(r, verify))
    lines.append(_line(total, verify, crashed=sum(1 for r in rows if r.crashed),
                       without=sum(1 for r in rows if r.migrations and r.written == 0)))
    return "\n".join(lines)


def _line(r: Row, verify: bool, crashed: int = 0, without: int = 0) -> str:
    n = max(r.migrations, 1)
    s = r.statuses
    v = (lambda k: str(s[k])) if verify else (lambda k: "")
    note = "crashed" if r.crashed else ", ".join(
        ([f"generate exit {r.generate_exit}"] if r.generate_exit else []) + (["verify refused"] if r.verify_refused else []))
    if r.project == "**total**":
        note = f"{without} projects without rollbacks, {crashed} crashed"
    return "| " + " | ".join([
        r.project, str(r.migrations), str(r.refused), v("verified"), v("column_order"), v("manual"), v("failed"),
        v("skipped"), v("unappliable"), f"{1000 * r.generate_s / n:.0f}", f"{1000 * r.verify_s / n:.0f}" if verify else "", note,
    ]) + " |"


def summary(rows: list[Row], verify: bool) -> str:
    migrations = sum(r.migrations for r in rows)
    s: Counter = Counter()
    for r in rows:
        s.update(r.statuses)
    out = [f"- projects: {len(rows)}; migrations: {migrations}; refused (no rollback written): "
           f"{sum(r.refused for r in rows)}; projects without any rollback: "
           f"{sum(1 for r in rows if r.migrations and r.written == 0)}; crashed: {sum(1 for r in rows if r.crashed)}"]
    if verify:
        graded = sum(s[k] for k in STATUSES)
        out.append(f"- of {graded} migrations verified on the server: exact {s['verified']} ({_pct(s['verified'], graded)}), "
                   f"column order only {s['column_order']} ({_pct(s['column_order'], graded)}), manual steps "
                   f"{s['manual']} ({_pct(s['manual'], graded)}), FAILED {s['failed']} ({_pct(s['failed'], graded)}), "
                   f"skipped (environment) {s['skipped']} ({_pct(s['skipped'], graded)}), the migration itself "
                   f"does not apply on the server {s['unappliable']} ({_pct(s['unappliable'], graded)})")
    return "\n".join(out)


def reasons(rows: list[Row], most: int) -> str:
    """The manual steps of the written rollbacks and the skipped migrations, by reason."""
    out = [f"Manual steps caused by opaque history (an earlier statement the generator could not follow): "
           f"{sum(r.opaque_manual for r in rows)} of {sum(sum(r.manual_reasons.values()) for r in rows)}."]
    origins: Counter = Counter()
    static: Counter = Counter()
    for r in rows:
        origins.update(r.opaque_origins)
        static.update(r.opaque_origins_static)
    if static:
        keys = sorted(set(origins) | set(static), key=lambda k: -static[k])
        out.append("\n".join(
            ["Those steps by what `learn` made of their cause, without the record and with it:", "",
             "| cause | without | with | change |", "|---|---:|---:|---:|"]
            + [f"| {ORIGINS.get(k, k)} | {static[k]} | {origins[k]} | {_change(static[k], origins[k])} |" for k in keys]
            + [f"| **all** | {sum(static.values())} | {sum(origins.values())} | "
               f"{_change(sum(static.values()), sum(origins.values()))} |"]
            + [f"| **{label}** | {a} | {b} | {_change(a, b)} |" for label, left_out in REPLAYS
               for a, b in [(sum(v for k, v in static.items() if k not in left_out),
                             sum(v for k, v in origins.items() if k not in left_out))]]))
    elif origins:
        out.append("\n".join(["Those steps by what `learn` made of their cause:", "", "| steps | cause |", "|---:|---|"]
                             + [f"| {n} | {ORIGINS.get(k, k)} |" for k, n in origins.most_common()]))
    for attr, what, unit in (("failure_reasons", "migrations whose rollback FAILED verification", "migrations"),
                             ("manual_reasons", "manual steps in the written rollbacks", "steps"),
                             ("skip_reasons", "migrations skipped by verify or that do not apply", "migrations")):
        total: Counter = Counter()
        for r in rows:
            total.update(getattr(r, attr))
        lines = [f"{sum(total.values())} {what}, by reason (names replaced by N/S/W/M):", "",
                 f"| {unit} | reason |", "|---:|---|"]
        lines += [f"| {n} | {reason.replace('|', '/')} |" for reason, n in total.most_common(most)]
        out.append("\n".join(lines))
    return "\n\n".join(out)


def machine() -> str:
    """The machine in one line (benchmarks/run.py's facts: CPU, cores, Python, pglast, PostgreSQL)."""
    facts = run_benchmarks.machine()
    return (f"{facts['CPU']}, {facts['cores']} cores, {facts['RAM']} RAM, Python {facts['Python']}, "
            f"pglast {facts['pglast']}, PostgreSQL {facts['PostgreSQL']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--only", action="append", default=[], help="projects whose path contains this (repeatable)")
    ap.add_argument("--no-verify", action="store_true", help="generate only")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per command and project")
    ap.add_argument("--out", type=Path, help="also write the markdown here")
    ap.add_argument("--json", type=Path, help="write the details here (keep it outside the repository)")
    ap.add_argument("--reasons", type=int, default=25, help="how many manual-step reasons to list")
    ap.add_argument("--keep", type=Path, help="move each project's work folder (with --learn: the copy with its "
                    "record, and the rollbacks) here instead of deleting it")
    ap.add_argument("--learn", action="store_true",
                    help="run `supabase-rollback learn` first, on a copy of each project (issue 13's oracle)")
    args = ap.parse_args(argv)
    found = projects(args.corpus, args.only)
    if not found:
        print(f"no projects under {args.corpus} (run benchmarks/realworld_corpus.py first)", file=sys.stderr)
        return 2
    tool = [sys.executable, "-m", "generator.cli"]
    verify = not args.no_verify
    rows = []
    started = time.perf_counter()
    for i, project in enumerate(found, 1):
        row = run_project(project, args.corpus, tool, verify, args.timeout, args.learn, args.keep)
        rows.append(row)
        s = row.statuses
        print(f"[{i}/{len(found)}] {row.project}: {row.migrations} migrations, {row.refused} refused, "
              f"{s['verified']} verified, {s['failed']} FAILED, {s['manual']} manual, {s['skipped']} skipped"
              f"{'; ' + row.crashed if row.crashed else ''} ({row.learn_s + row.generate_s + row.verify_s:.0f} s)", file=sys.stderr)
    report = "\n\n".join([
        f"Run on {time.strftime('%Y-%m-%d')}: `python benchmarks/realworld.py{'' if verify else ' --no-verify'}"
        f"{' --learn' if args.learn else ''}` on {machine()}, {time.perf_counter() - started:.0f} s in all"
        + (f" (learn: {sum(r.learn_s for r in rows):.0f} s)." if args.learn else "."),
        summary(rows, verify), table(rows, verify), reasons(rows, args.reasons),
    ]) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    if args.json:
        details = [{k: dict(v) if isinstance(v, Counter) else v for k, v in vars(r).items()} | {"refused": r.refused}
                   for r in rows]
        args.json.write_text(json.dumps(details, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
