"""`qabot bench` (in progress: issue 7)."""

from __future__ import annotations

import typer


def bench_command() -> None:
    """Benchmark qabot against the LangChain tutorial pipeline (not built yet)."""
    raise typer.Exit(2)
