"""`qabot ask` and `qabot chat` (in progress: issue 4)."""

from __future__ import annotations

import typer


def ask_command() -> None:
    """Answer one question (not built yet)."""
    raise typer.Exit(2)


def chat_command() -> None:
    """Interactive questions and answers (not built yet)."""
    raise typer.Exit(2)
