"""Unit tests of generator/handlers/alter_table.py: generated SQL and catalog effects."""

from __future__ import annotations

from pathlib import Path

from generator.catalog import Catalog
from generator.engine import Rollback, baseline_catalog, replay
from generator.handlers.alter_table import is_widening
from generator.parse import Migration
from generator.steps import Hazard


def run(cat: Catalog, sql: str, version: str = "20250101000000") -> Rollback:
    return replay(Migration(version, "m", Path(f"{version}_m.sql"), sql), cat)


def sql_of(rb: Rollback) -> list[str]:
    return [s for step in rb.steps for s in step.sql]


def codes(rb: Rollback) -> set[Hazard]:
    return {h.code for s in rb.steps for h in s.hazards}


def table_cat(ddl: str = "create table public.t (id bigint primary key, a int, b text);") -> Catalog:
    cat = baseline_catalog()
    run(cat, ddl, "1")
    return cat


def test_subcommands_inverted_in_reverse_order() -> None:
    cat = table_cat()
    rb = run(cat, "alter table public.t alter column a set not null, alter column b set default 'x';", "2")
    assert sql_of(rb) == [
        "ALTER TABLE public.t ALTER COLUMN b DROP DEFAULT;",
        "ALTER TABLE public.t ALTER COLUMN a DROP NOT NULL;",
    ]


def test_alter_missing_table() -> None:
    cat = table_cat()
    assert run(cat, "alter table if exists public.nope add column x int;", "2").steps == []
    assert run(cat, "alter table public.nope add column x int;", "3").manual_steps


def test_unknown_subcommand_is_manual_and_named() -> None:
    cat = table_cat()
    rb = run(cat, "alter table public.t alter column a set statistics 100;", "2")
    assert "SET STATISTICS" in rb.manual_steps[0].manual
    rb = run(table_cat(), "alter table public.t set unlogged;", "3")
    assert "SET UNLOGGED" in rb.manual_steps[0].manual
    # the first unsupported statement left the table distrusted: later inverses say why
    rb = run(cat, "alter table public.t drop column a;", "4")
    assert "could not analyse" in rb.manual_steps[0].manual


def test_add_column_backup_and_constraints() -> None:
    cat = table_cat()
    rb = run(cat, "alter table public.t add column c int unique check (c > 0), add column if not exists a int;", "20250202000000")
    assert sql_of(rb) == ["ALTER TABLE public.t DROP COLUMN c;"]
    [backup] = rb.steps[0].backups
    assert backup.name == "20250202000000_t_c" and backup.query == "SELECT id, c FROM public.t"
    assert Hazard.DELETES_DATA in codes(rb)
    t = cat.tables[("public", "t")]
    assert {"t_c_check", "t_c_key"} <= set(t.constraints)


def test_add_column_without_primary_key_backs_up_rows() -> None:
    cat = table_cat("create table public.t (a int);")
    rb = run(cat, "alter table public.t add column c text;", "2")
    assert rb.steps[0].backups[0].query == "TABLE public.t"


def test_drop_column_restores_definition_constraints_and_indexes() -> None:
    cat = table_cat("""
        create table public.t (id bigint primary key, a int not null, b text collate "C" default 'x',
                               constraint ab check (a > 0 and b <> ''));
        create index t_a_idx on public.t (a);
        create unique index t_lb on public.t (lower(b));
        comment on column public.t.b is 'bee';
        grant select (b) on public.t to anon;
    """)
    rb = run(cat, "alter table public.t drop column b, drop column a;", "2")
    sql = sql_of(rb)
    # dropping b removed "ab" (it involves b); so "ab" comes back with b, after a
    assert sql[:5] == [
        "ALTER TABLE public.t ADD COLUMN a integer;",
        "ALTER TABLE public.t ALTER COLUMN a SET NOT NULL;",
        "CREATE INDEX t_a_idx ON public.t (a);",
        "ALTER TABLE public.t ADD COLUMN b text COLLATE \"C\" DEFAULT 'x';",
        "ALTER TABLE public.t ADD CONSTRAINT ab CHECK (a > 0 AND b <> '');",
    ]
    assert "COMMENT ON COLUMN public.t.b IS 'bee';" in sql
    assert "GRANT SELECT (b) ON TABLE public.t TO anon;" in sql
    assert any(s.startswith("CREATE UNIQUE INDEX t_lb ON public.t") for s in sql)
    assert any("NOT NULL without a default" in h.reason for s in rb.steps for h in s.hazards)
    t = cat.tables[("public", "t")]
    assert list(t.columns) == ["id"] and "ab" not in t.constraints
    assert ("public", "t_a_idx") not in cat.indexes and ("column", "public.t.b") not in cat.comments


def test_drop_column_if_exists_missing() -> None:
    cat = table_cat()
    assert run(cat, "alter table public.t drop column if exists zz;", "2").steps == []


def test_drop_column_used_by_policy_needs_cascade_and_restores_it() -> None:
    cat = table_cat()
    run(cat, "create policy p on public.t using (a > 0);", "2")
    rb = run(cat, "alter table public.t drop column a cascade;", "3")
    assert any(s.startswith("CREATE POLICY p ON public.t") for s in sql_of(rb))
    assert ("public", "t", "p") not in cat.policies


def test_drop_serial_column_recreates_its_sequence() -> None:
    cat = table_cat("create table public.t (id int primary key, s serial);")
    rb = run(cat, "alter table public.t drop column s;", "2")
    sql = sql_of(rb)
    assert sql[:3] == [
        "CREATE SEQUENCE public.t_s_seq AS integer;",
        "ALTER TABLE public.t ADD COLUMN s integer DEFAULT nextval('public.t_s_seq'::regclass) NOT NULL;",
        "ALTER SEQUENCE public.t_s_seq OWNED BY public.t.s;",
    ]
    assert ("public", "t_s_seq") not in cat.sequences


def test_type_change_hazards() -> None:
    cat = table_cat("create table public.t (id bigint primary key, n int default 0, s text);")
    rb = run(cat, "alter table public.t alter column n type text;", "2")
    assert sql_of(rb) == [
        "ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT, ALTER COLUMN n TYPE integer USING n::integer, "
        "ALTER COLUMN n SET DEFAULT 0;"
    ]
    assert {Hazard.LOSSY_CAST, Hazard.REWRITES_TABLE, Hazard.ACCESS_EXCLUSIVE_LOCK} <= codes(rb)
    assert Hazard.DATA_NOT_RESTORED not in codes(rb)
    assert cat.tables[("public", "t")].columns["n"].type == "text"
    rb = run(cat, "alter table public.t alter column s type varchar(5);", "3")
    assert Hazard.LOSSY_CAST not in codes(rb) and Hazard.DATA_NOT_RESTORED in codes(rb)


def test_is_widening() -> None:
    assert is_widening("integer", "bigint") and is_widening("int4", "int8")
    assert is_widening("varchar(5)", "text") and is_widening("varchar(5)", "varchar(10)")
    assert not is_widening("varchar(10)", "varchar(5)") and not is_widening("bigint", "integer")
    assert not is_widening("text", "integer") and is_widening("numeric(10,2)", "numeric")


def test_defaults() -> None:
    cat = table_cat("create table public.t (id int, a int default 1, b int);")
    rb = run(cat, "alter table public.t alter column a set default 2, alter column b drop default;", "2")
    assert sql_of(rb) == ["ALTER TABLE public.t ALTER COLUMN a SET DEFAULT 1;"]
    assert cat.tables[("public", "t")].columns["a"].default == "2"


def test_add_primary_key_drops_not_null_it_added() -> None:
    cat = table_cat("create table public.t (a int, b int not null);")
    rb = run(cat, "alter table public.t add primary key (a, b);", "2")
    assert sql_of(rb) == [
        "ALTER TABLE public.t DROP CONSTRAINT t_pkey;",
        "ALTER TABLE public.t ALTER COLUMN a DROP NOT NULL;",
    ]


def test_add_constraint_using_index() -> None:
    cat = table_cat("create table public.t (id int not null); create unique index t_id_idx on public.t (id);")
    rb = run(cat, "alter table public.t add constraint t_pk primary key using index t_id_idx;", "2")
    assert sql_of(rb)[0] == "ALTER TABLE public.t DROP CONSTRAINT t_pk;"
    assert sql_of(rb)[1].startswith("CREATE UNIQUE INDEX t_id_idx ON public.t")
    assert ("public", "t_id_idx") not in cat.indexes
    assert cat.indexes[("public", "t_pk")].constraint == "t_pk"
    assert cat.tables[("public", "t")].constraints["t_pk"].definition == "PRIMARY KEY (id)"


def test_add_unnamed_constraints_not_valid() -> None:
    cat = table_cat()
    rb = run(cat, "alter table public.t add check (a > 0) not valid; alter table public.t add check (a > 0);", "2")
    assert sql_of(rb) == ["ALTER TABLE public.t DROP CONSTRAINT t_a_check1;", "ALTER TABLE public.t DROP CONSTRAINT t_a_check;"]
    assert cat.tables[("public", "t")].constraints["t_a_check"].not_valid


def test_drop_constraint_readds_and_cascaded_fks() -> None:
    cat = table_cat("create table public.p (id int primary key); create table public.c (p_id int references public.p);"
                    "comment on constraint p_pkey on public.p is 'pk';")
    rb = run(cat, "alter table public.p drop constraint p_pkey cascade;", "2")
    assert sql_of(rb) == [
        "ALTER TABLE public.p ADD CONSTRAINT p_pkey PRIMARY KEY (id);",
        "COMMENT ON CONSTRAINT p_pkey ON public.p IS 'pk';",
        "ALTER TABLE public.c ADD CONSTRAINT c_p_id_fkey FOREIGN KEY (p_id) REFERENCES public.p (id);",
    ]
    assert not cat.tables[("public", "c")].constraints and ("public", "p_pkey") not in cat.indexes
    assert run(cat, "alter table public.p drop constraint if exists p_pkey;", "3").steps == []


def test_validate_constraint_restores_not_valid() -> None:
    cat = table_cat()
    run(cat, "alter table public.t add constraint c check (a > 0) not valid;", "2")
    rb = run(cat, "alter table public.t validate constraint c;", "3")
    assert sql_of(rb) == ["ALTER TABLE public.t DROP CONSTRAINT c;", "ALTER TABLE public.t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;"]
    assert not cat.tables[("public", "t")].constraints["c"].not_valid


# An opaque DO block that may drop a constraint and add it back NOT VALID: the catalog still
# holds the constraint as it knew it (valid), and the table is distrusted.
_OPAQUE_READD = """do $$ declare n text := (select 'c'); begin
  execute format('alter table public.t drop constraint %I, add constraint %I check (a > 1) not valid', n, n);
end $$;"""


def test_validate_constraint_of_a_distrusted_table_is_manual_not_a_no_op() -> None:
    cat = table_cat("create table public.t (id bigint primary key, a int); alter table public.t add constraint c check (a > 0);")
    run(cat, _OPAQUE_READD, "2")
    assert not cat.tables[("public", "t")].constraints["c"].not_valid  # what the catalog last knew
    rb = run(cat, "alter table public.t validate constraint c;", "3")
    [step] = rb.steps
    assert step.manual and "whether constraint c was NOT VALID before this migration is not known" in step.manual
    assert "DO block at 2_m.sql:1" in step.manual
    [suggested] = step.sql
    assert "pg_get_constraintdef" in suggested and "NOT VALID" in suggested
    # a constraint the catalog never saw (the DO block may have added it) gets the same step
    rb = run(cat, "alter table public.t validate constraint other;", "4")
    assert [bool(s.manual) for s in rb.steps] == [True]


def test_validate_a_constraint_this_migration_added_needs_no_inverse_even_on_a_distrusted_table() -> None:
    cat = table_cat("create table public.t (id bigint primary key, a int); alter table public.t add constraint c check (a > 0);")
    run(cat, _OPAQUE_READD, "2")  # the catalog still has c; the table is distrusted
    rb = run(cat, "alter table public.t add constraint d check (a > 2) not valid;"
                  "alter table public.t validate constraint d;", "3")
    assert sql_of(rb) == ["ALTER TABLE public.t DROP CONSTRAINT d;"]  # the inverse of the ADD only
    # PostgreSQL accepted an ADD of c, so the DO block had dropped c: the ADD is a manual step
    # (the catalog contradicts it) whose inverse drops c, whatever VALIDATE did to it
    cat = table_cat("create table public.t (id bigint primary key, a int); alter table public.t add constraint c check (a > 0);")
    run(cat, _OPAQUE_READD, "2")
    rb = run(cat, "alter table public.t add constraint c check (a > 3) not valid; alter table public.t validate constraint c;", "3")
    [step] = rb.steps
    assert step.manual and "already exists" in step.manual


def test_validate_constraints_added_by_statements_the_generator_could_not_invert() -> None:
    # each ADD is a manual step that distrusts the table again; none of them can rename a
    # constraint, so the first one validated is still the one this migration added
    cat = table_cat("create table public.t (id bigint primary key, a int);"
                    "alter table public.t add constraint c check (a > 0), add constraint d check (a < 9);")
    run(cat, _OPAQUE_READD, "2")
    rb = run(cat, "alter table public.t add constraint c check (a > 1) not valid;\n"
                  "alter table public.t add constraint d check (a < 8) not valid;\n"
                  "alter table public.t validate constraint c;\nalter table public.t validate constraint d;", "3")
    assert [("already exists" in (s.manual or "")) for s in rb.steps] == [True, True]

def test_validate_after_a_rename_into_the_added_name_still_restores_not_valid() -> None:
    cat = table_cat("create table public.t (id bigint primary key, a int); alter table public.t add constraint e check (a > 0) not valid;")
    rb = run(cat, "alter table public.t add constraint c check (a > 1) not valid;"
                  "alter table public.t rename constraint c to d;"
                  "alter table public.t rename constraint e to c;"
                  "alter table public.t validate constraint c;", "2")
    assert sql_of(rb)[:2] == ["ALTER TABLE public.t DROP CONSTRAINT c;", "ALTER TABLE public.t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;"]


def test_validate_after_a_later_opaque_statement_is_manual() -> None:
    cat = table_cat("create table public.t (id bigint primary key, a int);")
    rb = run(cat, "alter table public.t add constraint c check (a > 0) not valid;" + _OPAQUE_READD
                  + "alter table public.t validate constraint c;", "2")
    assert "whether constraint c was NOT VALID" in (rb.steps[0].manual or "")

def test_validate_an_already_valid_constraint_is_a_no_op() -> None:
    cat = table_cat("create table public.t (id bigint primary key, a int); alter table public.t add constraint c check (a > 0);")
    assert run(cat, "alter table public.t validate constraint c;", "2").steps == []

def test_row_level_security() -> None:
    cat = table_cat()
    rb = run(cat, "alter table public.t enable row level security, force row level security, enable row level security;", "2")
    assert sql_of(rb) == ["ALTER TABLE public.t NO FORCE ROW LEVEL SECURITY;", "ALTER TABLE public.t DISABLE ROW LEVEL SECURITY;"]
    assert all(h.reason.startswith("widens") for s in rb.steps for h in s.hazards)
    rb = run(cat, "alter table public.t disable row level security;", "3")
    assert sql_of(rb) == ["ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;"]
    assert rb.steps[0].hazards[0].reason.startswith("narrows")


def test_replica_identity() -> None:
    cat = table_cat()
    rb = run(cat, "alter table public.t replica identity using index t_pkey;", "2")
    assert sql_of(rb) == ["ALTER TABLE public.t REPLICA IDENTITY DEFAULT;"]
    rb = run(cat, "alter table public.t replica identity full;", "3")
    assert sql_of(rb) == ["ALTER TABLE public.t REPLICA IDENTITY USING INDEX t_pkey;"]


def test_scalar_to_array_retype_is_a_manual_step_with_the_cast_it_cannot_write() -> None:
    # USING array[a] wraps the value; there is no cast from numeric[] back to integer, so a
    # generated `USING a::integer` would fail on the server: a person writes the way back
    cat = table_cat()
    rb = run(cat, "alter table public.t alter column a type numeric(78,0)[] using array[a];")
    [step] = rb.steps
    assert step.manual and "no cast from an array to a single value" in step.manual
    assert "USING ARRAY[a]" in step.manual
    assert any("TYPE integer USING a::integer" in s for s in step.sql)  # the suggestion
    assert cat.tables[("public", "t")].columns["a"].type == "numeric(78, 0)[]"


def test_array_and_string_retypes_stay_automatic() -> None:
    cat = table_cat()
    rb = run(cat, "alter table public.t alter column b type text[] using array[b];")
    assert not rb.manual_steps
    assert any("TYPE text USING b::text" in s for s in sql_of(rb))


def test_retype_between_built_in_types_without_a_cast_is_a_manual_step() -> None:
    # uuid has no cast to bigint (nor bigint to uuid): `USING NULL` was the way forward,
    # and a generated `USING owner::bigint` would fail on the server
    cat = table_cat()
    run(cat, "alter table public.t add column owner bigint;", "2")
    rb = run(cat, "alter table public.t alter column owner type uuid using null;", "3")
    [step] = rb.steps
    assert step.manual and "no cast from uuid to int8" in step.manual
    assert any("TYPE bigint USING owner::bigint" in s for s in step.sql)  # the suggestion


def test_retypes_with_built_in_casts_stay_automatic() -> None:
    cat = table_cat()
    run(cat, "alter table public.t add column at date, add column n numeric, add column flag int4;", "2")
    rb = run(cat, "alter table public.t alter column at type timestamptz, alter column n type float8,"
                  " alter column flag type boolean using flag <> 0;", "3")
    assert not rb.manual_steps
