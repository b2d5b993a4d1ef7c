"""The bot token never reaches a log line, an error text or a traceback (the mechanism is bot/console.py's)."""

from __future__ import annotations

from bot.console import hide, protect_logs


def protect_token_in_logs(token: str) -> None:
    """Redact the token (in any letter case) in everything logged or printed from now on."""
    hide(token)
    protect_logs()
