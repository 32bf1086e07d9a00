"""Source positions across the pglast versions ``pyproject.toml`` allows.

pglast gives character offsets (statement locations, scanned tokens), but two things moved
between its releases:

- the position of a syntax error: up to 7.21 and in 8.0-8.7 it maps PostgreSQL's position (a
  count of characters) once more as if it were a byte offset, which moves it left after
  multibyte characters; 7.22 and 8.8 report the character index (pglast PR #245);
- where a statement starts: pglast 7 (PostgreSQL 16's grammar) right after the previous
  ``;``, pglast 8 (PostgreSQL 17's) at its first token.

The installed pglast is tested as it is, and each test of an error position also runs with
the other behaviour simulated, so both are covered whichever one is installed.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from pglast import ast
from pglast.parser import ParseError
from pglast.parser import parse_sql as real_parse_sql

import generator.parse as parse
from generator.annotations import annotation_for
from generator.handlers.types import _tokens_name
from generator.parse import InputError, parse_statements
from generator.server import _statements

pytestmark = pytest.mark.smoke

P = Path("m.sql")


def _remapping_release(v: str) -> bool:
    """Whether pglast ``v`` remaps error positions, by its changelog."""
    major, minor = (int(x) for x in v.split(".")[:2])
    return (major, minor) < (7, 22) or (major == 8 and minor < 8)


def test_the_probe_agrees_with_the_pglast_changelog():
    parse._REMAPS = None  # decided afresh
    assert parse._remaps_error_positions() is _remapping_release(version("pglast"))


# (text, the error's 1-based line and column in characters)
ERRORS = [
    ("select 'é' frm t;", 1, 16),
    ("select 'é€😀' frm t;", 1, 18),  # two-, three- and four-byte characters
    ("select '" + "é" * 60 + "' frm t;", 1, 75),  # far from where a byte count would put it
    ('select "ü" frm t;', 1, 16),  # in a quoted name
    ("select 1 frm é;", 1, 14),  # the offending token is itself multibyte
    ("select 1 frm éé;", 1, 14),
    ("-- déjà vu\nselect 'ü' frm t;", 2, 16),  # in a comment on an earlier line
    ("select 'é€';\nselect 1 frm t;", 2, 14),  # in an earlier statement, error line ASCII
    ("select 'é€';\nselect 'ü' frm t;", 2, 16),
    ("create table t (a text default 'ü', b int,, c int);", 1, 43),
]


def _position(text: str) -> tuple[int, int, str]:
    with pytest.raises(InputError) as exc:
        parse_statements(text, P)
    first, _shown, caret = str(exc.value).splitlines()[:3]
    _path, line, col, _rest = first.split(":", 3)
    return int(line), int(col), caret


def _simulate(monkeypatch: pytest.MonkeyPatch, remaps: bool, truth: dict[str, int]) -> None:
    """Make generator.parse see pglast's errors as a remapping (``remaps``) or a
    character-reporting release does, the true character offsets being ``truth``."""

    def parse_sql(text: str):
        try:
            return real_parse_sql(text)
        except ParseError as exc:
            at = truth[text]
            reported = len(text.encode()[:at].decode(errors="ignore")) if remaps else at
            raise ParseError(exc.args[0], reported) from None

    monkeypatch.setattr(parse, "parse_sql", parse_sql)
    monkeypatch.setattr(parse, "_REMAPS", None)  # the probe runs on the simulated pglast


@pytest.mark.parametrize(("text", "line", "col"), ERRORS)
def test_error_position_after_multibyte_characters(text, line, col):
    got_line, got_col, caret = _position(text)
    assert (got_line, got_col) == (line, col)
    assert caret.index("^") == col - 1 + 4  # under the token, in the excerpt indented by 4


@pytest.mark.parametrize("remaps", [False, True], ids=["pglast-7.22-8.8", "pglast-8.7"])
@pytest.mark.parametrize(("text", "line", "col"), ERRORS)
def test_error_position_with_either_pglast_behaviour(text, line, col, remaps, monkeypatch):
    offset = sum(len(ln) + 1 for ln in text.split("\n")[: line - 1]) + col - 1
    _simulate(monkeypatch, remaps, {text: offset, parse._PROBE: parse._PROBE.rindex("y")})
    assert _position(text)[:2] == (line, col)
    assert parse._REMAPS is remaps


def test_error_at_the_end_of_input_after_multibyte_characters():
    assert _position("select 'é€' from\n\n")[:2] == (1, 17)  # just after the last character


def _pg16_locations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statements start right after the previous ";", as with pglast 7."""

    def parse_sql(text: str):
        raws = real_parse_sql(text)
        out = [raws[0]]
        for prev, raw in zip(raws, raws[1:]):
            loc = prev.stmt_location + prev.stmt_len + 1
            end = raw.stmt_location + raw.stmt_len if raw.stmt_len else None
            out.append(ast.RawStmt(raw.stmt, loc, end - loc if end is not None else 0))
        return out

    monkeypatch.setattr(parse, "parse_sql", parse_sql)


TEXT = (
    "-- é\n"
    "select 'é€😀';  -- après\n"
    "/* ü /* nested */ ü */\n"
    "\n"
    "  create table t (a text);  -- rollback: drop table t;\n"
    "select 'ü'"
)


@pytest.mark.parametrize("locations", ["installed", "pg16"])
def test_statement_lines_text_and_trailing_comments(locations, monkeypatch):
    if locations == "pg16":
        _pg16_locations(monkeypatch)
    first, second, third = parse_statements(TEXT, P)
    assert [s.line for s in (first, second, third)] == [2, 5, 6]
    assert [s.sql for s in (first, second, third)] == ["select 'é€😀'", "create table t (a text)", "select 'ü'"]
    assert first.trailing_comments == ["-- après", "/* ü /* nested */ ü */"]
    assert second.trailing_comments == ["-- rollback: drop table t;"]
    annotation = annotation_for(second)
    assert annotation is not None and annotation.sql == ("drop table t;",)


def test_annotation_statements_after_multibyte_characters():
    stmts = parse_statements("create table t (a text); -- rollback: update t set a = 'é€'; /* ü */ delete from t;\n", P)
    annotation = annotation_for(stmts[0])
    assert annotation is not None
    assert annotation.sql == ("update t set a = 'é€';", "delete from t;")


def test_server_statement_split_after_multibyte_characters():
    assert _statements("select 'é€😀';\n-- ü\nselect 2;") == ["select 'é€😀'", "select 2"]


def test_scanned_tokens_after_multibyte_characters():
    assert _tokens_name("select 'é€', mood", "mood")
    assert _tokens_name("select 'ééé' || 'a mood'", "mood")
    assert not _tokens_name("select 'ééé' /* mood */, moody", "mood")
