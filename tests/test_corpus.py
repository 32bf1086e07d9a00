"""The migration corpus (tests/corpus/<app>/supabase/migrations) on a real PostgreSQL server.

Each app is a Supabase project written in the styles real projects use (see
tests/corpus/README.md). For each app, ONE database holds the history as it grows
(linear cost): for every migration, in order,

1. snapshot, apply the migration, snapshot;
2. if its generated rollback has manual steps: every manual step must give a reason;
   the rollback is not run (it stops at its first manual step by design) and the
   history goes on from the migrated database;
3. else run the rollback with ``psql -v ON_ERROR_STOP=1``: the schema must equal the one
   before the migration exactly, or up to column order; the migration must be gone
   from ``supabase_migrations.schema_migrations``; applying the migration again must
   give the schema it gave the first time;
4. a migration that cannot be applied because the server lacks an extension is
   "skipped: environment" (it must be listed as such in the app's README.md) and the
   history goes on without it.

A failure is recorded against its migration and the database is rebuilt from the
history, so every migration of every app is judged. The tally is printed at the end of
the test session.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from roundtrip import apply_migration, run_psql

from generator.commands.stats import collect, normalise_reason
from generator.engine import Rollback, generate
from generator.parse import Migration
from generator.project import list_migrations
from generator.render import render_sql
from generator.server import Server
from generator.snapshot import diff, snapshot

CORPUS = Path(__file__).resolve().parent / "corpus"
APPS = sorted(p.name for p in CORPUS.iterdir() if (p / "supabase" / "migrations").is_dir())

# "<app>/<migration stem>" -> what is wrong in which handler (the test is xfail(strict=True)
# until the handler is fixed).
KNOWN_BUGS: dict[str, str] = {}

EXACT, COLUMN_ORDER, MANUAL, SKIPPED_ENV, FAILED = "exact", "column-order-only", "manual", "skipped-env", "failed"


@dataclass
class Outcome:
    app: str
    stem: str
    statements: int
    status: str = ""
    detail: str = ""
    manual_reasons: list[str] = field(default_factory=list)
    automatic: int = 0  # statements inverted automatically (static, as `stats` counts them)
    manual_statements: int = 0
    annotated: int = 0


def _migrations(app: str) -> list[Migration]:
    return list_migrations(CORPUS / app / "supabase" / "migrations")


def _params() -> list:
    out = []
    for app in APPS:
        for m in _migrations(app):
            key = f"{app}/{m.stem}"
            marks = [pytest.mark.xfail(reason=KNOWN_BUGS[key], strict=True)] if key in KNOWN_BUGS else []
            out.append(pytest.param(app, m.stem, id=key, marks=marks))
    return out


def _environment_error(exc: psycopg.Error) -> bool:
    """The server lacks something the migration needs (an extension's files)."""
    state = getattr(exc, "sqlstate", None)
    text = str(exc)
    return state == "58P01" and "extension" in text or (state == "0A000" and "is not available" in text)


def _db_name(app: str, attempt: int) -> str:
    return f"corpus_{re.sub(r'[^a-z0-9]+', '_', app)}_{attempt}"[:63]


class _AppRun:
    """Runs every migration of one app on one database (see the module docstring)."""

    def __init__(self, server: Server, app: str) -> None:
        self.server = server
        self.app = app
        self.migrations = _migrations(app)
        self.rollbacks: list[Rollback] = generate(self.migrations)
        self.applied: list[Migration] = []  # what the database holds, in order
        self.attempt = 0
        self.name = ""
        self.dsn = ""
        readme = CORPUS / app / "README.md"
        self.readme = readme.read_text() if readme.exists() else ""

    def _fresh_database(self) -> None:
        if self.name:
            self.server.drop_database(self.name)
        self.attempt += 1
        self.name = _db_name(self.app, self.attempt)
        self.dsn = self.server.baseline_database(self.name)
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            for m in self.applied:
                apply_migration(conn, m)

    def run(self) -> dict[str, Outcome]:
        out: dict[str, Outcome] = {}
        self._fresh_database()
        try:
            per_file = collect(self.rollbacks).files
            for m, rb, fs in zip(self.migrations, self.rollbacks, per_file):
                o = Outcome(self.app, m.stem, fs.statements, automatic=fs.automatic, manual_statements=fs.manual,
                            annotated=fs.annotated)
                try:
                    self._one(m, rb, o)
                except AssertionError as exc:  # a wrong rollback: record it, rebuild, go on
                    o.status, o.detail = FAILED, str(exc)
                    self._fresh_database()
                out[m.stem] = o
        finally:
            self.server.drop_database(self.name)
        return out

    def _one(self, m: Migration, rb: Rollback, o: Outcome) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            before = snapshot(conn)
            try:
                apply_migration(conn, m)
            except psycopg.Error as exc:
                if not _environment_error(exc):
                    raise AssertionError(f"the migration fails on the server: {exc}") from None
                if m.path.name not in self.readme:
                    raise AssertionError(
                        f"needs what this server lacks ({exc}); a deliberate environment skip must be "
                        f"listed in {self.app}/README.md"
                    ) from None
                o.status, o.detail = SKIPPED_ENV, str(exc).strip().splitlines()[0]
                return
            self.applied.append(m)
            after = snapshot(conn)
        if rb.manual_steps:
            o.manual_reasons = [s.manual or "" for s in rb.manual_steps]
            blank = [s.title for s in rb.manual_steps if not (s.manual or "").strip()]
            assert not blank, f"manual steps without a reason: {blank}"
            o.status = MANUAL
            return
        sql = render_sql(rb)
        res = run_psql(self.server, self.dsn, sql)
        assert res.returncode == 0, f"the rollback fails on the server: {res.stderr.strip()}\n\n{sql}"
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            d = diff(before, snapshot(conn))
            assert d.ok(allow_column_order=True), f"after the rollback the schema differs:\n{d}\n\n{sql}"
            o.status = EXACT if d.ok() else COLUMN_ORDER
            left = conn.execute(
                "SELECT count(*) FROM supabase_migrations.schema_migrations WHERE version = %s", (m.version,)
            ).fetchone()
            assert left == (0,), f"the rollback left version {m.version} in schema_migrations"
            try:
                apply_migration(conn, m)
            except psycopg.Error as exc:
                raise AssertionError(f"after the rollback the migration cannot be applied again: {exc}") from None
            again = diff(after, snapshot(conn))
            assert again.ok(allow_column_order=o.status == COLUMN_ORDER), (
                f"re-applying the migration after the rollback gives a different schema:\n{again}"
            )


# -- session-wide results and the tally ------------------------------------------------

_RESULTS: dict[str, dict[str, Outcome]] = {}


class _Tally:
    """Prints the corpus tally in the terminal summary (``pytest -q`` shows it too)."""

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:  # noqa: ARG002
        if not _RESULTS:
            return
        rows = [o for app in sorted(_RESULTS) for o in _RESULTS[app].values()]
        w = terminalreporter
        w.section("migration corpus")
        for line in tally_lines(rows):
            w.line(line)


def tally_lines(rows: list[Outcome]) -> list[str]:
    def summary(outcomes: list[Outcome]) -> str:
        c = Counter(o.status for o in outcomes)
        return (
            f"{len(outcomes)} migrations: {c[EXACT]} exact, {c[COLUMN_ORDER]} column-order-only, "
            f"{c[MANUAL]} with manual steps, {c[SKIPPED_ENV]} skipped (environment), {c[FAILED]} failed; "
            f"{sum(o.statements for o in outcomes)} statements: {sum(o.automatic for o in outcomes)} automatic, "
            f"{sum(o.manual_statements for o in outcomes)} manual, {sum(o.annotated for o in outcomes)} annotated"
        )

    apps = sorted({o.app for o in rows})
    lines = [f"corpus: {len(apps)} apps, " + summary(rows)]
    for app in apps:
        lines.append(f"  {app:<18} " + summary([o for o in rows if o.app == app]))
    reasons = Counter(r for o in rows for r in {normalise_reason(x) for x in o.manual_reasons})
    if reasons:
        lines.append("  manual steps (migrations per reason):")
        lines += [f"    {n:>3}  {r}" for r, n in sorted(reasons.items(), key=lambda t: (-t[1], t[0]))]
    for o in rows:
        if o.status in (FAILED, SKIPPED_ENV):
            lines.append(f"  {o.status}: {o.app}/{o.stem}: {o.detail.splitlines()[0] if o.detail else ''}")
    return lines


@pytest.fixture(scope="session")
def _corpus_tally(request: pytest.FixtureRequest) -> dict[str, dict[str, Outcome]]:
    pm = request.config.pluginmanager
    if not pm.has_plugin("corpus-tally"):
        pm.register(_Tally(), "corpus-tally")
    return _RESULTS


@pytest.fixture
def app_outcomes(pg_server: Server, _corpus_tally: dict[str, dict[str, Outcome]]):
    def get(app: str) -> dict[str, Outcome]:
        if app not in _corpus_tally:
            _corpus_tally[app] = _AppRun(pg_server, app).run()
        return _corpus_tally[app]

    return get


@pytest.mark.parametrize(("app", "stem"), _params())
def test_corpus_migration_rolls_back(app: str, stem: str, app_outcomes) -> None:
    o = app_outcomes(app)[stem]
    assert o.status != FAILED, f"{app}/{stem}: {o.detail}"
    assert o.status in (EXACT, COLUMN_ORDER, MANUAL, SKIPPED_ENV)


def test_corpus_size() -> None:
    """The corpus the issue asks for: several apps, at least 60 migrations."""
    counts = {app: len(_migrations(app)) for app in APPS}
    assert len(counts) >= 5, counts
    assert sum(counts.values()) >= 60, counts
