"""The install commands: README's test command, .ci/run and constraints.txt agree."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt: not an exact pin: {line}"
            pins[canonicalize_name(name)] = version
    return pins


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    command = re.search(r"^python3 -m venv \.venv && .*pytest$", readme, re.M)
    assert command, "the README's test command"
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    line = ci[ci.index("# The README's test command (keep the two in sync):") + 1]
    # the same command; CI adds quiet flags, the junit file and the arguments it was given
    assert line.replace(" -q", "").startswith(command.group() + " "), (line, command.group())
    assert "-c constraints.txt" in command.group()


def test_constraints_pin_every_dependency_inside_its_range():
    pins = _pins()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for extra in ("test", "verify") for r in project["optional-dependencies"][extra]]
    for req in reqs:
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue  # not installed on this Python
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} is outside {req}"
        for extra in req.extras:  # psycopg[binary] -> psycopg-binary
            assert canonicalize_name(f"{req.name}-{extra}") in pins, f"{req.name}[{extra}] is not pinned"
