"""Property-based round trips (issue 7): random valid migration sequences.

``migration_sequences()`` (tests/property/schema_model.py) writes 3-6 migrations of 1-6
statements over a small evolving schema: tables, columns with types and defaults,
constraints, indexes, RLS and policies, functions and triggers, enums, grants, comments,
renames, drops and redefinitions, each statement valid against the schema the earlier ones
left. Each example runs in ONE database cloned from the baseline template
(tests/property/harness.py): every migration is applied, its generated rollback run with
``psql -f`` must give back exactly the schema before it (column order excepted only for
DROP COLUMN, which recreates the column at the end), and the migration is applied again.
A rollback with a manual step fails the property: every statement the strategy writes is
one the generator must invert by itself.

CI runs ``CI_EXAMPLES`` examples per run, derandomized (tests/property/settings.py);
``HYPOTHESIS_PROFILE=thorough`` explores ``THOROUGH_EXAMPLES`` random ones. Every failing
example found is kept in tests/property/regressions/ and replayed by ``test_regression``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from property.harness import round_trip_sequence
from property.schema_model import migration_sequences
from property.settings import property_settings

from generator.server import Server

# Examples per CI run: 300, derandomized (measured: ~110 s for this file on 2 cores, ~0.35 s each).
CI_EXAMPLES = 300
THOROUGH_EXAMPLES = 2000

REGRESSIONS = Path(__file__).parent / "property" / "regressions"


def read_regression(path: Path) -> list[str]:
    """The migrations of a regression file (tests/property/regressions/README.md)."""
    texts: list[str] = []
    with path.open(encoding="utf-8", newline="") as f:  # line ends as written (CRLF kept)
        lines = f.read().splitlines(keepends=True)
    for line in lines:
        if line.startswith("-- migration "):
            texts.append("")
        elif texts:
            texts[-1] += line
    assert texts, f"{path.name}: no '-- migration <n>' line"
    return texts


@property_settings(ci_examples=CI_EXAMPLES, thorough_examples=THOROUGH_EXAMPLES)
@given(texts=migration_sequences())
def test_random_migration_sequences_round_trip(pg_server: Server, texts: list[str]) -> None:
    round_trip_sequence(pg_server, texts)


def _regressions() -> list:
    """One param per file; a file whose header has ``-- open: <reason>`` is a bug not fixed
    yet: strict xfail, so the fix has to turn it into a plain regression."""
    out = []
    for path in sorted(REGRESSIONS.glob("*.sql")):
        head = [line[len("-- open:"):].strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("-- open:")]
        marks = [pytest.mark.xfail(reason=head[0], strict=True, raises=AssertionError)] if head else []
        out.append(pytest.param(path, id=path.stem, marks=marks))
    return out


@pytest.mark.parametrize("path", _regressions())
def test_regression(pg_server: Server, path: Path) -> None:
    round_trip_sequence(pg_server, read_regression(path))
