"""`qabot telegram`: run the Telegram bot (long polling, or a webhook when a public URL is set).

Only typer at the top: the Application (bot/telegram_app.py) and the core load when the command runs.
"""

from __future__ import annotations

import logging
import secrets
import signal
import sys
import traceback
from types import FrameType
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlparse

import typer

from bot.console import EXIT_ERROR, fail, hide, protect_logs, redact, settings

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)


def _say(text: str) -> None:
    print(f"qabot telegram: {redact(text)}", file=sys.stderr, flush=True)


def _stop_while_loading(signum: int, frame: FrameType | None) -> None:
    _say("stopped before start-up finished")
    raise SystemExit(0)


def _check_token(token: str, base_url: str | None) -> None:
    """Ask Telegram who the bot is (getMe); exit with a clear message if the token is rejected or it is unreachable."""
    import asyncio

    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    async def get_me() -> str:
        async with Bot(token, base_url=base_url.rstrip("/") if base_url else "https://api.telegram.org/bot") as bot:
            return bot.username

    try:
        username = asyncio.run(get_me())
    except InvalidToken as exc:
        raise fail("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN).") from exc
    except TelegramError as exc:
        raise fail(f"cannot reach Telegram ({type(exc).__name__}: {exc}).") from exc
    _say(f"the token belongs to @{username}")


def telegram_command(
    webhook_url: Annotated[
        str | None,
        typer.Option(
            help="Serve a webhook at this public https URL instead of long polling "
            "(default: QABOT_TELEGRAM_WEBHOOK_URL; listen address, port and secret from QABOT_TELEGRAM_WEBHOOK_*)."
        ),
    ] = None,
) -> None:
    """Run the Telegram bot. Needs TELEGRAM_BOT_TOKEN; stops cleanly on Ctrl-C or SIGTERM."""
    s = settings()
    allowed = s.allowed_user_ids()
    token = s.telegram_bot_token.get_secret_value().strip() if s.telegram_bot_token else ""
    if not token:
        raise fail(
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather, then run "
            "`TELEGRAM_BOT_TOKEN=<token> qabot telegram` (or put TELEGRAM_BOT_TOKEN=... in .env)."
        )
    hide(token)  # from here on no error text, log line or traceback shows it, in any letter case
    protect_logs()
    webhook_url = webhook_url or s.telegram_webhook_url
    if webhook_url and not urlparse(webhook_url).scheme.startswith("http"):
        raise fail(f"the webhook URL {webhook_url!r} is not an http(s) URL")

    logging.getLogger("bot").setLevel(min(logging.INFO, logging.getLogger().getEffectiveLevel()))
    try:
        _serve(token, s, allowed, webhook_url)
    except typer.Exit:
        raise
    except Exception as exc:  # a crash: its traceback may quote a URL with the token in it
        _say("error: the bot stopped on an unexpected error:\n" + "".join(traceback.format_exception(exc)))
        raise typer.Exit(EXIT_ERROR) from None


def _serve(token: str, settings: Settings, allowed: set[int], webhook_url: str | None) -> None:
    _check_token(token, settings.telegram_api_base_url)  # before the slow part: a bad token fails in a second

    # Loading takes seconds: SIGTERM meanwhile exits 0 too. run_polling/run_webhook then install their own handler.
    signal.signal(signal.SIGTERM, _stop_while_loading)
    from bot.core import QABot
    from retrieval.errors import QabotError

    _say("loading the index and the answer engine…")
    try:
        qa = QABot.load(settings)
    except QabotError as exc:
        raise fail(exc) from exc

    from telegram.error import InvalidToken, TelegramError

    from bot.telegram_app import ALLOWED_UPDATES, TelegramOptions, build_application

    app = build_application(token, qa, TelegramOptions.from_settings(settings), base_url=settings.telegram_api_base_url)
    if allowed:
        _say(f"answering only user ids {', '.join(str(i) for i in sorted(allowed))}")

    try:
        if webhook_url:
            url_path = urlparse(webhook_url).path.strip("/") or "telegram"
            secret = (
                settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
            ) or secrets.token_urlsafe(32)
            hide(secret)
            _say(
                f"serving the webhook {webhook_url} on {settings.telegram_webhook_listen}:"
                f"{settings.telegram_webhook_port}/{url_path}; Ctrl-C or SIGTERM stops"
            )
            app.run_webhook(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                url_path=url_path,
                webhook_url=webhook_url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            _say("long polling for updates; Ctrl-C or SIGTERM stops")
            app.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken as exc:
        raise fail("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN).") from exc
    except TelegramError as exc:
        raise fail(f"cannot talk to Telegram ({type(exc).__name__}: {exc}).") from exc
    _say("stopped")
