"""`qabot eval` (in progress: issue 6)."""

from __future__ import annotations

import typer


def eval_command() -> None:
    """Evaluate answers against a question file (not built yet)."""
    raise typer.Exit(2)
