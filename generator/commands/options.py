"""Click options every command that reads a project shares (one definition, one help text)."""

from __future__ import annotations

from pathlib import Path

import click

project_dir_option = click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (the one holding supabase/). Default: the nearest one from the working directory upwards.",
)
migrations_dir_option = click.option(
    "--migrations-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the forward migrations. Default: <project>/supabase/migrations.",
)
