"""Unit tests of generator.project: project root, migration listing like the Supabase CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.parse import InputError
from generator.project import find_root, list_migrations, project_root, read_migration


def write(path: Path, text: str = "select 1;\n", data: bytes | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if data is not None:
        path.write_bytes(data)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_find_root_walks_up_to_the_folder_holding_supabase(tmp_path):
    write(tmp_path / "app" / "supabase" / "config.toml", 'project_id = "x"\n')
    deep = tmp_path / "app" / "src" / "components"
    deep.mkdir(parents=True)
    assert find_root(deep) == (tmp_path / "app").resolve()
    assert find_root(tmp_path / "app") == (tmp_path / "app").resolve()


def test_find_root_accepts_a_migrations_folder_without_config(tmp_path):
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    assert find_root(tmp_path) == tmp_path.resolve()


def test_find_root_fails_outside_a_project(tmp_path):
    with pytest.raises(InputError, match="--project-dir"):
        find_root(tmp_path)


def test_project_dir_must_hold_supabase(tmp_path):
    with pytest.raises(InputError, match="no supabase/ folder"):
        project_root(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        project_root(tmp_path / "missing")
    (tmp_path / "supabase").mkdir()
    assert project_root(tmp_path) == tmp_path


def test_migrations_are_ordered_by_version_as_strings(tmp_path):
    d = tmp_path / "migrations"
    for name in ["20250914000000_b.sql", "20250901000000_a.sql", "20250420_short.sql", "20250420010000_long.sql"]:
        write(d / name)
    got = [m.path.name for m in list_migrations(d)]
    # "20250420" < "20250420010000" < ... : text order of the version, like schema_migrations
    # (file-name order would put 20250420010000_long.sql first, since '0' < '_')
    assert got == ["20250420_short.sql", "20250420010000_long.sql", "20250901000000_a.sql", "20250914000000_b.sql"]
    m = list_migrations(d)[-1]
    assert (m.version, m.name, m.stem) == ("20250914000000", "b", "20250914000000_b")


def test_non_matching_files_are_skipped_with_the_cli_warning(tmp_path):
    d = tmp_path / "migrations"
    write(d / "20250901000000_a.sql")
    write(d / "README.md", "# notes")
    write(d / "v2_bad.sql")
    write(d / "20250901000001_x.SQL")
    write(d / "rollback_20250901000000_a.sql")  # our own output: skipped silently
    write(d / "rollback_20250901000000_a.md")
    warnings: list[str] = []
    got = list_migrations(d, warn=warnings.append)
    assert [m.path.name for m in got] == ["20250901000000_a.sql"]
    assert sorted(warnings) == sorted(
        f'Skipping migration {n}... (file name must match pattern "<timestamp>_name.sql")'
        for n in ["README.md", "v2_bad.sql", "20250901000001_x.SQL"]
    )
    # a folder named like a migration: the Supabase CLI would try to read it and fail
    (d / "20250902000000_dir.sql").mkdir()
    with pytest.raises(InputError, match="20250902000000_dir.sql: is a directory, not a regular file"):
        list_migrations(d)


def test_legacy_init_migration_is_skipped_like_the_cli(tmp_path):
    d = tmp_path / "migrations"
    write(d / "20211208000000_init.sql")
    write(d / "20211210000000_next.sql")
    warnings: list[str] = []
    assert [m.name for m in list_migrations(d, warn=warnings.append)] == ["next"]
    assert "replace \"init\"" in warnings[0]
    d2 = tmp_path / "m2"
    write(d2 / "20211209000000_init.sql")  # not older than the cut-off: a normal migration
    assert [m.name for m in list_migrations(d2)] == ["init"]


def test_duplicate_versions_are_listed_in_file_name_order_with_a_warning(tmp_path):
    d = tmp_path / "migrations"
    write(d / "20250901000000_b.sql")
    write(d / "20250901000000_a.sql")
    said: list[str] = []
    ms = list_migrations(d, warn=said.append)
    assert [m.name for m in ms] == ["a", "b"] and [m.first_of_version for m in ms] == [True, False]
    assert len(said) == 1 and "20250901000000_a.sql and 20250901000000_b.sql share version 20250901000000" in said[0]
    assert list_migrations(d, warn=said.append, warn_duplicates=False) and len(said) == 1


def test_a_listed_file_that_is_not_utf8_is_kept_marked_unreadable(tmp_path):
    d = tmp_path / "migrations"
    write(d / "20250901000000_a.sql", data=b"select 1;\nselect '\xff';\n")
    write(d / "20250902000000_b.sql", data=b"select 1;\x00\n")
    a, b = list_migrations(d)
    assert a.unreadable == f"{d / '20250901000000_a.sql'}:2: not valid UTF-8 (byte 0xff)" and a.text == ""
    assert b.unreadable.startswith(f"{d / '20250902000000_b.sql'}:1:10: NUL byte")


def test_missing_migrations_folder(tmp_path):
    with pytest.raises(InputError, match="migrations folder not found"):
        list_migrations(tmp_path / "nope")


def test_files_are_read_as_utf8_with_bom_and_crlf(tmp_path):
    p = write(tmp_path / "20250901000000_a.sql", data="\ufeff-- Café table\r\ncreate table public.café (id int);\r\n".encode())
    m = read_migration(p)
    assert m.purpose() == "Café table"
    (stmt,) = m.statements()
    assert stmt.line == 2
    assert stmt.sql == "create table public.café (id int)"


def test_invalid_utf8_is_an_input_error_with_the_line(tmp_path):
    p = write(tmp_path / "20250901000000_a.sql", data=b"select 1;\nselect '\xff';\n")
    with pytest.raises(InputError, match=r"20250901000000_a.sql:2: not valid UTF-8 \(byte 0xff\)"):
        read_migration(p)


def test_read_migration_checks_the_name(tmp_path):
    p = write(tmp_path / "add_tags.sql")
    with pytest.raises(InputError, match="must match pattern"):
        read_migration(p)


def test_syntax_error_position_counts_characters_not_bytes(tmp_path):
    p = write(tmp_path / "20250901000000_a.sql", "-- Café — première\ncreate table public.é (id int);\nselect é frm t;\n")
    with pytest.raises(InputError) as err:
        read_migration(p).statements()
    first = str(err.value).splitlines()[0]
    assert first == f'{p}:3:14: syntax error at or near "t"'
    assert str(err.value).splitlines()[1].strip() == "select é frm t;"
