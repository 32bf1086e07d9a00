"""``supabase-rollback report``: one markdown summary for a pull request.

The migrations added or changed since a git ref (default: the merge base of HEAD with the
default branch), each with its rollback's risk and why, its hazards, what data it loses
and its manual steps, and whether the committed rollback file is up to date. The text is
markdown, ready to paste as a PR comment or to append to ``$GITHUB_STEP_SUMMARY``.

Which files count: ``git diff --name-only <ref>`` (the working tree against the ref, so
uncommitted edits count) plus untracked files, restricted to the migrations folder and
to names the Supabase CLI takes as migrations. The default branch is the one
``refs/remotes/origin/HEAD`` points to, else the first of origin/main, origin/master,
main, master that exists. Reads only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from .options import migrations_dir_option, project_dir_option
from ..config import ConfigError, resolve_folders

EXIT_ACTION = 1
EXIT_INPUT = 2


class GitError(Exception):
    """git failed or the ref is unknown (bad input, exit 2)."""


def _git(args: list[str], cwd: Path) -> str:
    try:
        res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if res.returncode:
        raise GitError(f"git {' '.join(args)}: {res.stderr.strip() or 'failed'}")
    return res.stdout


def default_base(cwd: Path) -> tuple[str, str]:
    """(merge-base commit, "the branch it was taken from")."""
    candidates = []
    try:
        candidates.append(_git(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], cwd).strip())
    except GitError:
        pass
    candidates += ["origin/main", "origin/master", "main", "master"]
    for ref in candidates:
        try:
            _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
        except GitError:
            continue
        return _git(["merge-base", "HEAD", ref], cwd).strip(), ref
    raise GitError("no default branch found (origin/HEAD, origin/main, origin/master, main, master): pass --since REF")


def changed_files(since: str, folder: Path, cwd: Path) -> set[str]:
    """File names in ``folder`` added, changed or renamed since ``since`` (committed or not)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    rel = folder.resolve().relative_to(top.resolve()).as_posix()
    out = _git(["diff", "--name-only", "--diff-filter=ACMR", since, "--", rel], top).splitlines()
    out += _git(["ls-files", "--others", "--exclude-standard", "--", rel], top).splitlines()
    return {Path(p).name for p in out if p.strip()}


def _section(rb, status: str) -> list[str]:
    from ..index import reversibility
    from ..render import _risk_summary, risk_reasons
    from ..steps import Hazard

    m = rb.migration
    lines = [f"### `{m.path.name}`: {rb.risk}", ""]
    lines.append(f"**Risk {rb.risk}** because {'; '.join(risk_reasons(rb.steps))}. "
                 f"Reversible: {reversibility(rb)}. {len(rb.steps)} step{'s' if len(rb.steps) != 1 else ''}. "
                 f"Rollback file: {status}.")
    risk = _risk_summary(rb.steps, None)
    if risk.lost_by_rollback:
        lines += ["", "Lost when the rollback runs:"] + [f"- {x.split(': what was written', 1)[0]}" for x in risk.lost_by_rollback]
    if risk.lost_by_migration:
        lines += ["", "Destroyed by the migration itself (the rollback restores structure only):"]
        lines += [f"- {x}" for x in risk.lost_by_migration]
    manual = [(i, s) for i, s in enumerate(rb.steps, 1) if s.manual]
    if manual:
        lines += ["", f"🛑 {len(manual)} manual step{'s' if len(manual) != 1 else ''}:"]
        lines += [f"- MANUAL STEP {i} ({s.source.rpartition('/')[2] if s.source else ''}): {' '.join(s.manual.split())}" for i, s in manual]
    hazards = [(h.code.value, h.reason) for s in rb.steps for h in s.hazards if h.code is not Hazard.MANUAL]
    if hazards:
        counts: dict[str, int] = {}
        for code, _ in hazards:
            counts[code] = counts.get(code, 0) + 1
        summary = ", ".join(f"`{c}` ×{n}" if n > 1 else f"`{c}`" for c, n in counts.items())
        lines += ["", "<details><summary>Hazards: " + summary + "</summary>", ""]
        seen = set()
        for code, reason in hazards:
            if (code, reason) not in seen:
                seen.add((code, reason))
                lines.append(f"- `{code}`: {' '.join(reason.split())}")
        lines += ["", "</details>"]
    lines.append("")
    return lines


def build_report(folders, since: str | None) -> str:
    """The report's markdown; raises BrokenMigrations (holding it) when a migration of the
    folder is not valid SQL."""
    from .status import project_rollbacks

    cwd = folders.root or folders.migrations_dir
    if since is None:
        base, branch = default_base(cwd)
        label = f"the merge base with {branch} ({base[:12]})"
    else:
        base = _git(["rev-parse", "--verify", f"{since}^{{commit}}"], cwd).strip()
        label = f"{since} ({base[:12]})"
    names = changed_files(base, folders.migrations_dir, cwd)
    migrations, rollbacks = project_rollbacks(folders)
    errors = [rb.broken for rb in rollbacks if rb.broken]
    if errors:
        raise BrokenMigrations(_report(folders, rollbacks, names, label), errors)
    return _report(folders, rollbacks, names, label)


class BrokenMigrations(Exception):
    """The report was built, but a migration is not valid SQL (exit 2 after printing it)."""

    def __init__(self, text: str, errors: list[str]) -> None:
        super().__init__(text)
        self.text, self.errors = text, errors


def _report(folders, rollbacks: list, names: set[str], label: str) -> str:
    from .check import run_check

    chosen = [rb for rb in rollbacks if rb.migration.path.name in names]
    if not chosen:
        return f"## Rollback report\n\nNo migration added or changed since {label}.\n"
    findings: dict[str, list[str]] = {}
    for f in run_check(folders, use_cache=True, warn=None).findings:
        findings.setdefault(f.version, []).append(f.kind)
    def state(v: str) -> str:
        kinds = findings.get(v, [])
        for kind, text in (("invalid", "not a regular file (a folder or a link): see `supabase-rollback check`"),
                           ("missing", "missing: run `supabase-rollback generate`"),
                           ("edited", "edited by hand"),
                           ("stale", "stale: run `supabase-rollback generate`")):
            if kind in kinds:
                return text
        return "up to date"

    chosen.sort(key=lambda rb: rb.migration.version, reverse=True)
    broken = [rb for rb in chosen if rb.broken]
    chosen = [rb for rb in chosen if not rb.broken]
    worst = next((r for r in ("HIGH", "MEDIUM", "LOW") if any(rb.risk == r for rb in chosen)), "LOW")
    n_manual = sum(len(rb.manual_steps) for rb in chosen)
    lines = [
        "## Rollback report",
        "",
        f"{len(chosen)} migration{'s' if len(chosen) != 1 else ''} added or changed since {label}; "
        f"highest rollback risk **{worst}**; {n_manual} manual step{'s' if n_manual != 1 else ''}.",
        "",
        "| Migration | Risk | Reversible | Manual steps | Rollback file |",
        "|-----------|------|------------|--------------|---------------|",
    ]
    from ..index import reversibility

    for rb in broken:
        lines.append(f"| `{rb.migration.path.name}` | — | **error in the file** | — | none |")
    for rb in chosen:
        lines.append(f"| `{rb.migration.path.name}` | {rb.risk} | {reversibility(rb)} | {len(rb.manual_steps)} "
                     f"| {state(rb.migration.version)} |")
    lines.append("")
    for rb in broken:
        first, _, rest = rb.broken.partition("\n")
        lines += [f"### `{rb.migration.path.name}`: error", "",
                  f"It gets no rollback until this is fixed: `{first}`", ""]
        lines += ["```", rest, "```", ""] if rest.strip() else []
    for rb in chosen:
        lines += _section(rb, state(rb.migration.version))
    lines.append("Risk rule: HIGH when a rollback drops data written since its migration or cannot bring back data the "
                 "migration destroyed; MEDIUM when it locks or rewrites tables, casts lossily, widens access or needs a "
                 "person; LOW otherwise.")
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--since", metavar="GIT_REF",
              help="Compare with this commit, branch or tag. Default: the merge base of HEAD with the default branch.")
@project_dir_option
@migrations_dir_option
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the rollback files. Default: out_dir of supabase/rollback.toml, else <project>/supabase/rollbacks.")
def report(since: str | None, project_dir: Path | None, migrations_dir: Path | None, out_dir: Path | None) -> None:
    """Print a markdown summary of the migrations changed since GIT_REF.

    For each migration added or changed (committed or not): the rollback's
    risk and why, what data it loses, its manual steps and hazards, and
    whether its committed rollback file is up to date. Ready to paste as a
    pull-request comment or to append to $GITHUB_STEP_SUMMARY. Reads only.

    \b
    Examples:
      supabase-rollback report
      supabase-rollback report --since origin/main
      # in a GitHub Actions step (fetch-depth: 0 so the base is there)
      supabase-rollback report >> "$GITHUB_STEP_SUMMARY"

    \b
    Exit status: 0 printed; 2 bad input (unknown ref, not a git
    repository, SQL syntax error, no project).
    """
    from ..parse import InputError

    try:
        folders = resolve_folders(project_dir, migrations_dir, out_dir)
        text = build_report(folders, since)
    except BrokenMigrations as exc:  # every migration not valid SQL is bad input, changed or not
        click.echo(exc.text, nl=False)
        click.echo("error: " + "\nerror: ".join(exc.errors), err=True)
        sys.exit(EXIT_INPUT)
    except (InputError, ConfigError, GitError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(text, nl=False)
