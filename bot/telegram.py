"""Telegram front-end (in progress: issue 5)."""

from __future__ import annotations

import typer


def telegram_command() -> None:
    """Run the Telegram bot (not built yet)."""
    raise typer.Exit(2)
