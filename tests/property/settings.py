"""Hypothesis profiles of the property tests.

- default (CI, ``CI=true``, and local runs): ``derandomize=True``, so every run tries the
  same examples and a red CI run is reproducible; no example database.
- ``HYPOTHESIS_PROFILE=thorough``: random exploration with many more examples; failing
  examples are remembered in ``.hypothesis/`` (gitignored) and replayed first next time.
  Every failure found this way is kept as a regression test (tests/property/regressions/).

``deadline`` is off (each example runs on a real server) and the function-scoped-fixture
health check is silenced: the fixture is the session's server, shared on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

_DB_DIR = Path(__file__).resolve().parents[2] / ".hypothesis" / "examples"
_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.filter_too_much]


def profile() -> str:
    return os.environ.get("HYPOTHESIS_PROFILE", "ci")


def property_settings(ci_examples: int, thorough_examples: int) -> settings:
    """Settings for one property test: ``ci_examples`` per deterministic (CI/local) run,
    ``thorough_examples`` with ``HYPOTHESIS_PROFILE=thorough``."""
    if profile() == "thorough":
        return settings(max_examples=thorough_examples, deadline=None, suppress_health_check=_HEALTH,
                        database=DirectoryBasedExampleDatabase(str(_DB_DIR)), print_blob=True)
    return settings(max_examples=ci_examples, deadline=None, suppress_health_check=_HEALTH,
                    derandomize=True, database=None, print_blob=True)
