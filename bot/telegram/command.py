"""`qabot telegram`: run the Telegram bot with long polling (the default), as a webhook worker (`serve`), and
register or remove the webhook at deploy time (`set-webhook`, `delete-webhook`).

Only typer at the top: the Application (bot/telegram/app.py) and the core load when a command runs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlparse

import typer

from bot.console import EXIT_ERROR, fail, hide, protect_logs, redact, settings

if TYPE_CHECKING:
    from bot.core import QABot
    from bot.settings import Settings
    from bot.telegram.state import ChatStore

log = logging.getLogger(__name__)
T = TypeVar("T")

telegram_app = typer.Typer(
    help="Run the Telegram bot (long polling), or webhook workers: serve, set-webhook, delete-webhook.",
    invoke_without_command=True,
)
SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as a webhook secret token


def _say(text: str) -> None:
    print(f"qabot telegram: {redact(text)}", file=sys.stderr, flush=True)


def _stop_while_loading(signum: int, frame: FrameType | None) -> None:
    _say("stopped before start-up finished")
    raise SystemExit(0)


def _token(s: Settings) -> str:
    """The bot token, hidden from every log line and error text from now on; a clear error when it is not set."""
    token = s.telegram_bot_token.get_secret_value().strip() if s.telegram_bot_token else ""
    if not token:
        raise fail(
            "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather, then run "
            "`TELEGRAM_BOT_TOKEN=<token> qabot telegram` (or put TELEGRAM_BOT_TOKEN=... in .env)."
        )
    hide(token)  # from here on no error text, log line or traceback shows it, in any letter case
    protect_logs()
    logging.getLogger("bot").setLevel(min(logging.INFO, logging.getLogger().getEffectiveLevel()))
    return token


def _secret(s: Settings, required: bool) -> str:
    secret = s.telegram_webhook_secret.get_secret_value().strip() if s.telegram_webhook_secret else ""
    if not secret and required:
        raise fail(
            "TELEGRAM_WEBHOOK_SECRET is not set: every worker checks it and `set-webhook` registers it. "
            f"Pick one (e.g. {secrets.token_urlsafe(32)}) and set it for all of them."
        )
    if secret and not SECRET.fullmatch(secret):
        raise fail("TELEGRAM_WEBHOOK_SECRET may only hold 1-256 letters, digits, '_' and '-' (Telegram's rule).")
    if secret:
        hide(secret)
    return secret


def _bot_call(token: str, base_url: str | None, call: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """Run one Bot API call; a clear one-line error when Telegram rejects the token or cannot be reached."""
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    async def run() -> T:
        async with Bot(token, base_url=base_url.rstrip("/") if base_url else "https://api.telegram.org/bot") as bot:
            return await call(bot)

    try:
        return asyncio.run(run())
    except InvalidToken as exc:
        raise fail("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN).") from exc
    except TelegramError as exc:
        raise fail(f"cannot reach Telegram ({type(exc).__name__}: {exc}).") from exc


def _check_token(token: str, base_url: str | None) -> None:
    """Ask Telegram who the bot is (getMe): a bad token fails in a second, before the slow part."""

    async def get_me(bot: Any) -> str:
        return str(bot.username)

    _say(f"the token belongs to @{_bot_call(token, base_url, get_me)}")


def _load(s: Settings) -> tuple[QABot, ChatStore]:
    """The core and the chat state store; SIGTERM while loading (seconds) exits 0."""
    stopped: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)
        _stop_while_loading(signum, frame)

    signal.signal(signal.SIGTERM, stop)
    from bot.core import QABot
    from bot.telegram.state import open_store
    from retrieval.errors import QabotError

    try:
        store = open_store(s.state_store_url)  # a bad URL fails before the slow part
        _say("loading the index and the answer engine…")
        qa = QABot.load(s)
    except QabotError as exc:
        raise fail(exc) from exc
    if stopped:  # asked to stop, but the exit the handler raised did not get here (swallowed on the way)
        raise SystemExit(0)
    qa.follow()  # new index versions (the live corpus, admin uploads) are picked up from the start
    return qa, store


def _uploads(s: Settings, qa: QABot) -> Any:
    """Admin uploads when TELEGRAM_ADMIN_USER_IDS names anyone."""
    admins = s.admin_user_ids()
    if not admins:
        return None
    from bot.telegram.app import Uploads

    _say(f"user ids {', '.join(str(i) for i in sorted(admins))} may add articles")
    return Uploads(s, qa.writer)


def _run(what: Callable[[], None]) -> None:
    from telegram.error import InvalidToken, TelegramError

    try:
        what()
    except typer.Exit:
        raise
    except InvalidToken as exc:
        raise fail("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN).") from exc
    except TelegramError as exc:
        raise fail(f"cannot talk to Telegram ({type(exc).__name__}: {exc}).") from exc
    except OSError as exc:  # e.g. the port was taken meanwhile
        raise fail(str(exc)) from exc
    except Exception as exc:  # a crash: its traceback may quote a URL with the token in it
        _say("error: the bot stopped on an unexpected error:\n" + "".join(traceback.format_exception(exc)))
        raise typer.Exit(EXIT_ERROR) from None
    _say("stopped")


@telegram_app.callback()
def telegram_command(
    ctx: typer.Context,
    webhook_url: Annotated[
        str | None,
        typer.Option(
            help="Serve a webhook at this public https URL from this one process instead of long polling; it is "
            "registered at every start (default: QABOT_TELEGRAM_WEBHOOK_URL). For several workers use `serve`."
        ),
    ] = None,
) -> None:
    """Run the Telegram bot with long polling (one process). Needs TELEGRAM_BOT_TOKEN; stops cleanly on Ctrl-C or
    SIGTERM. Conversations and "Show sources" buttons live in QABOT_STATE_URL and survive restarts."""
    if ctx.invoked_subcommand is not None:
        return
    s = settings()
    allowed = s.allowed_user_ids()
    token = _token(s)
    webhook_url = webhook_url or s.telegram_webhook_url
    if webhook_url and not urlparse(webhook_url).scheme.startswith("http"):
        raise fail(f"the webhook URL {webhook_url!r} is not an http(s) URL")
    _check_token(token, s.telegram_api_base_url)
    qa, store = _load(s)

    from bot.telegram.app import ALLOWED_UPDATES, TelegramOptions, build_application

    app = build_application(token, qa, TelegramOptions.from_settings(s), base_url=s.telegram_api_base_url, store=store)
    if allowed:
        _say(f"answering only user ids {', '.join(str(i) for i in sorted(allowed))}")
    if webhook_url:
        from bot.telegram.webhook import run_single_webhook

        path = urlparse(webhook_url).path.strip("/") or "telegram"
        secret = _secret(s, required=False) or secrets.token_urlsafe(32)
        hide(secret)
        _say(
            f"serving the webhook {webhook_url} on {s.telegram_webhook_listen}:{s.telegram_webhook_port}/{path}; "
            "Ctrl-C or SIGTERM stops"
        )
        listen, port = s.telegram_webhook_listen, s.telegram_webhook_port
        _run(lambda: run_single_webhook(app, store, listen, port, webhook_url, path, secret, ALLOWED_UPDATES))
    else:
        from bot.telegram.polling import run_polling

        _say("long polling for updates; Ctrl-C or SIGTERM stops")
        _run(lambda: run_polling(app, store))


def _listen_address(listen: str) -> tuple[str, int]:
    """HOST:PORT, checked to be free before the slow start-up."""
    import socket

    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise fail(f"--listen {listen!r} is not HOST:PORT (e.g. 127.0.0.1:8081)")
    host = host.strip("[]")
    try:
        with socket.create_server((host, int(port))):
            pass
    except OSError as exc:
        raise fail(f"cannot listen on {listen}: {exc.strerror or exc}") from exc
    return host, int(port)


@telegram_app.command("serve")
def serve_command(
    listen: Annotated[str, typer.Option(help="HOST:PORT this worker listens on (behind a reverse proxy).")] = (
        "127.0.0.1:8081"
    ),
    path: Annotated[str, typer.Option(help="The URL path Telegram's updates are POSTed to.")] = "/telegram",
) -> None:
    """Run one webhook worker: checks TELEGRAM_WEBHOOK_SECRET, answers each update once, one chat at a time
    across every worker sharing QABOT_STATE_URL (use redis://... for several machines). Never calls setWebhook;
    SIGTERM finishes the updates in flight, then exits 0. GET /health answers when it is up."""
    s = settings()
    token = _token(s)
    secret = _secret(s, required=True)
    host, port = _listen_address(listen)
    _check_token(token, s.telegram_api_base_url)
    qa, store = _load(s)

    from bot.telegram.app import TelegramOptions, build_application
    from bot.telegram.webhook import make_asgi, serve

    options = TelegramOptions.from_settings(s)
    app = build_application(
        token, qa, options, base_url=s.telegram_api_base_url, store=store, webhook=True, uploads=_uploads(s, qa)
    )
    asgi = make_asgi(app, store, secret, "/" + path.strip("/"))
    _say(f"worker listening on {host}:{port}{'/' + path.strip('/')}; SIGTERM drains and stops")
    _run(lambda: serve(asgi, host, port))


@telegram_app.command("set-webhook")
def set_webhook_command(
    url: Annotated[str, typer.Argument(help="The public https URL the reverse proxy forwards to the workers.")],
    max_connections: Annotated[int, typer.Option(help="Parallel connections Telegram may open (1-100).")] = 40,
    drop_pending_updates: Annotated[bool, typer.Option(help="Forget the updates waiting at Telegram.")] = False,
) -> None:
    """Register the webhook URL and TELEGRAM_WEBHOOK_SECRET with Telegram, and the command menu (once per deploy)."""
    s = settings()
    token = _token(s)
    secret = _secret(s, required=True)
    if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
        raise fail(f"the webhook URL {url!r} is not an https URL")
    from telegram import BotCommand

    from bot.telegram.app import ALLOWED_UPDATES
    from bot.telegram.handlers import COMMANDS

    async def register(bot: Any) -> None:
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=max_connections,
            drop_pending_updates=drop_pending_updates,
        )
        await bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])

    _bot_call(token, s.telegram_api_base_url, register)
    _say(f"webhook set: Telegram now POSTs updates to {url}")


@telegram_app.command("delete-webhook")
def delete_webhook_command(
    drop_pending_updates: Annotated[bool, typer.Option(help="Forget the updates waiting at Telegram.")] = False,
) -> None:
    """Remove the webhook (e.g. to go back to long polling with `qabot telegram`)."""
    s = settings()
    token = _token(s)

    async def remove(bot: Any) -> None:
        await bot.delete_webhook(drop_pending_updates=drop_pending_updates)

    _bot_call(token, s.telegram_api_base_url, remove)
    _say("webhook removed")
