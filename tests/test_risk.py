"""Risk classification: the overall rule, the lock table (generator/risk.py) checked
against what PostgreSQL really locks, and every document of the example project and of
the corpus (tests/corpus) having reasons, the rule's level and all sections."""

from __future__ import annotations

from pathlib import Path

import pytest
from pglast import parse_sql

from generator.engine import generate
from generator.project import list_migrations
from generator.render import render_markdown, rollback_file_name
from generator.risk import annotate, locked_tables, statement_hazards
from generator.steps import Hazard, Step, overall_risk

REPO = Path(__file__).resolve().parent.parent
PROJECTS = [REPO / "supabase" / "migrations"] + sorted(
    p / "supabase" / "migrations" for p in (REPO / "tests" / "corpus").iterdir() if (p / "supabase").is_dir()
)


def step(*hazards: tuple[Hazard, str]) -> Step:
    s = Step("t", "g", ["SELECT 1;"])
    for code, reason in hazards:
        s.hazard(code, reason)
    return s


# -- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hazards", "risk"),
    [
        ([(Hazard.DELETES_DATA, "drops rows")], "HIGH"),
        ([(Hazard.DATA_NOT_RESTORED, "gone")], "HIGH"),
        ([(Hazard.LOSSY_CAST, "x")], "MEDIUM"),
        ([(Hazard.REWRITES_TABLE, "x")], "MEDIUM"),
        ([(Hazard.ACCESS_EXCLUSIVE_LOCK, "x")], "MEDIUM"),
        ([(Hazard.BLOCKS_WRITES, "x")], "MEDIUM"),
        ([(Hazard.MANUAL, "x")], "MEDIUM"),
        ([(Hazard.AUTHZ, "widens access: grants back")], "MEDIUM"),
        ([(Hazard.AUTHZ, "narrows access: drops a policy")], "LOW"),
        ([], "LOW"),
        ([(Hazard.AUTHZ, "widens access"), (Hazard.DELETES_DATA, "x")], "HIGH"),
    ],
)
def test_overall_risk_rule(hazards, risk):
    assert overall_risk([step(*hazards)]) == risk


def readme_rule(steps: list[Step]) -> str:
    """The rule as the README states it, written independently of steps.overall_risk."""
    notes = [h for s in steps for h in s.hazards]
    if any(h.code.value in ("DELETES_DATA", "DATA_NOT_RESTORED") for h in notes):
        return "HIGH"
    if any(h.code.value in ("LOSSY_CAST", "REWRITES_TABLE", "ACCESS_EXCLUSIVE_LOCK", "BLOCKS_WRITES", "MANUAL",
                            "IRREVERSIBLE") for h in notes):
        return "MEDIUM"
    if any(h.code.value == "AUTHZ" and h.reason.startswith("widens") for h in notes):
        return "MEDIUM"
    return "LOW"


# -- the lock table, statement by statement ----------------------------------------------------------


def codes(sql: str) -> dict[str, str]:
    return {n.code.value: n.reason for n in statement_hazards(parse_sql(sql)[0].stmt)}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DROP TABLE public.t;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("DROP INDEX public.i;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("DROP INDEX CONCURRENTLY IF EXISTS public.i;", set()),
        ("CREATE INDEX i ON public.t (a);", {"BLOCKS_WRITES"}),
        ("CREATE INDEX CONCURRENTLY i ON public.t (a);", set()),
        ("ALTER TABLE public.t DROP COLUMN a;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("ALTER TABLE public.t ALTER COLUMN a TYPE bigint;", {"ACCESS_EXCLUSIVE_LOCK", "REWRITES_TABLE"}),
        ("ALTER TABLE public.t ALTER COLUMN a SET NOT NULL;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("ALTER TABLE public.t ADD CONSTRAINT c CHECK (a > 0);", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("ALTER TABLE public.t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES public.u (id);", {"BLOCKS_WRITES"}),
        ("ALTER TABLE public.t VALIDATE CONSTRAINT c;", set()),
        ("ALTER TABLE public.t ADD COLUMN b uuid DEFAULT gen_random_uuid();", {"ACCESS_EXCLUSIVE_LOCK", "REWRITES_TABLE"}),
        ("ALTER TABLE public.t ADD COLUMN b integer DEFAULT 0;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("ALTER TABLE public.t ADD COLUMN b bigint GENERATED ALWAYS AS IDENTITY;", {"ACCESS_EXCLUSIVE_LOCK", "REWRITES_TABLE"}),
        ("ALTER TABLE public.t SET (fillfactor = 70);", set()),
        ("ALTER TABLE public.t DISABLE TRIGGER trg;", {"BLOCKS_WRITES"}),
        ("ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("CREATE TRIGGER trg BEFORE INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION public.f();", {"BLOCKS_WRITES"}),
        ("DROP TRIGGER trg ON public.t;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("CREATE POLICY p ON public.t USING (true);", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("DROP POLICY p ON public.t;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("CREATE TABLE public.v (id int REFERENCES public.t (id));", {"BLOCKS_WRITES"}),
        ("CREATE TABLE public.v (id int);", set()),
        ("TRUNCATE public.t;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("ALTER TABLE public.t RENAME COLUMN a TO b;", {"ACCESS_EXCLUSIVE_LOCK"}),
        ("DROP FUNCTION public.f();", set()),
        ("DROP VIEW public.v;", set()),
    ],
)
def test_lock_table(sql, expected):
    got = codes(sql)
    assert set(got) == expected
    assert all(reason.strip() for reason in got.values())


def test_handler_reason_wins_and_derived_hazards_are_added_once():
    s = Step("Make NOT NULL", "Restore NOT NULL", ["ALTER TABLE public.t ALTER COLUMN a SET NOT NULL;"])
    s.hazard(Hazard.ACCESS_EXCLUSIVE_LOCK, "handler's own words")
    annotate([s])
    annotate([s])
    assert [(h.code.value, h.reason) for h in s.hazards] == [("ACCESS_EXCLUSIVE_LOCK", "handler's own words")]
    manual = Step("m", "Manual Steps", ["DROP TABLE public.t;"], manual="why").hazard(Hazard.MANUAL, "why")
    annotate([manual])
    assert [h.code for h in manual.hazards] == [Hazard.MANUAL]


_SETUP = """
create table public.u (id int primary key);
create table public.t (id int primary key, a int, u_id int references public.u (id));
create index i on public.t (a);
create function public.trg() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger trg before insert on public.t for each row execute function public.trg();
create policy p on public.t using (true);
"""

_MODES = {"ACCESS EXCLUSIVE": "AccessExclusiveLock", "SHARE ROW EXCLUSIVE": "ShareRowExclusiveLock", "SHARE": "ShareLock"}
_STRENGTH = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
             "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE public.t",
        "DROP INDEX public.i",
        "CREATE INDEX j ON public.t (a)",
        "ALTER TABLE public.t DROP COLUMN a",
        "ALTER TABLE public.t ALTER COLUMN a TYPE bigint",
        "ALTER TABLE public.t ALTER COLUMN a SET NOT NULL",
        "ALTER TABLE public.t ADD CONSTRAINT c CHECK (a > 0)",
        "ALTER TABLE public.t ADD CONSTRAINT f2 FOREIGN KEY (a) REFERENCES public.u (id)",
        "ALTER TABLE public.t DISABLE TRIGGER trg",
        "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE public.t SET (fillfactor = 70)",
        "CREATE TRIGGER trg2 BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION public.trg()",
        "DROP TRIGGER trg ON public.t",
        "CREATE POLICY p2 ON public.t USING (true)",
        "DROP POLICY p ON public.t",
        "CREATE TABLE public.v (id int REFERENCES public.t (id))",
        "ALTER TABLE public.t RENAME COLUMN a TO b",
    ],
)
def test_lock_table_matches_what_postgresql_locks(pg_db, sql):
    """Run the statement in a transaction and read pg_locks: the strongest lock on each
    table is the one locked_tables() names (tables it does not name get less than SHARE)."""
    with pg_db.connect() as conn:
        conn.execute(_SETUP)
        oids = dict(conn.execute("select relname, oid from pg_class where relname in ('t', 'u') "
                                 "and relnamespace = 'public'::regnamespace").fetchall())
    with pg_db.connect(autocommit=False) as conn:
        conn.execute(sql)
        held = conn.execute(
            "select relation, mode from pg_locks where locktype = 'relation' and pid = pg_backend_pid() and granted"
        ).fetchall()
        conn.rollback()
    strongest = {}
    for rel, mode in held:
        if rel in oids.values() and _STRENGTH.index(mode) > _STRENGTH.index(strongest.get(rel, "AccessShareLock")):
            strongest[rel] = mode
    claimed = locked_tables([Step("s", "g", [sql + ";"])], _setup_catalog())
    for name, oid in oids.items():
        want = _MODES.get(claimed.get(f"public.{name}", ""), None)
        got = strongest.get(oid)
        if want is None:  # no claim: nothing that blocks writes
            assert got is None or _STRENGTH.index(got) < _STRENGTH.index("ShareLock"), (name, got)
        else:
            assert got == want, (name, got, want)


def _setup_catalog():
    """The catalog after _SETUP (the generator's view of the database the test builds)."""
    from generator.engine import baseline_catalog, replay
    from generator.parse import Migration

    cat = baseline_catalog()
    replay(Migration("20240101000000", "setup", Path("20240101000000_setup.sql"), _SETUP), cat)
    return cat


def test_drop_index_names_its_table_from_the_catalog():
    from roundtrip import make_migrations

    migs = make_migrations(["create table public.t (a int);"], "create index i on public.t (a);", "20990101000000")
    (rb,) = generate(migs, {"20990101000000"})
    (drop,) = rb.steps
    reasons = {h.code.value: h.reason for h in drop.hazards}
    assert "on public.t:" in reasons["ACCESS_EXCLUSIVE_LOCK"]
    assert rb.risk == "MEDIUM"


# -- every document of the example project and the corpus -----------------------------------------------


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.parent.parent.name)
def test_every_hazard_has_a_reason_and_risk_follows_the_rule(folder):
    rollbacks = generate(list_migrations(folder))
    assert rollbacks
    for rb in rollbacks:
        for s in rb.steps:
            for h in s.hazards:
                assert h.reason and h.reason.strip(), (rb.migration.name, s.title, h.code)
                if h.code is Hazard.AUTHZ:
                    assert h.reason.startswith(("widens", "narrows")), h.reason
        assert rb.risk == readme_rule(rb.steps), rb.migration.name


SECTIONS = [
    "### Migration: ",
    "**Purpose**: ",
    "**Rollback File**: ",
    "#### Data Loss Risk: ",
    "#### Pre-Rollback Data Backup",
    "#### Rollback Steps:",
    "#### Post-Rollback Verification",
    "#### Production Rollback Checklist",
    "#### Emergency Notes",
]


@pytest.mark.parametrize("folder", PROJECTS, ids=lambda p: p.parent.parent.name)
def test_every_document_has_all_sections_in_order(folder):
    for rb in generate(list_migrations(folder)):
        md = render_markdown(rb, sql_name=rollback_file_name(rb.migration))
        positions = [md.find(s) for s in SECTIONS]
        assert all(p >= 0 for p in positions), (rb.migration.name, [s for s, p in zip(SECTIONS, positions) if p < 0])
        assert positions == sorted(positions), rb.migration.name
        assert f"#### Data Loss Risk: {rb.risk}\n{rb.risk} because " in md
        for s in rb.steps:  # every hazard of every step is in the document with its reason
            for h in s.hazards:
                if h.code in (Hazard.MANUAL, Hazard.IRREVERSIBLE):
                    continue
                assert " ".join(h.reason.split()) in md, (rb.migration.name, h)
