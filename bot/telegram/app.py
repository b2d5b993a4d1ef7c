"""The Telegram Application: options, the state the handlers share, and the handler table.

Imported only when the bot runs (`qabot telegram ...`) and by its tests, never at CLI start-up. The modules beside it:
handlers.py (parse, ask, reply), state.py (the chat state store), ordering.py (one chat at a time), limits.py,
sending.py (retries, HTML fallback), format.py (pure text rendering), redaction.py (the token never logged),
polling.py and webhook.py (the two ways updates come in), command.py (`qabot telegram`).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.telegram import handlers
from bot.telegram.limits import RateLimiter
from bot.telegram.ordering import UPDATES_AT_ONCE, ChatOrder
from bot.telegram.redaction import protect_token_in_logs
from bot.telegram.sending import SEND_TIMEOUT, RetryingRateLimiter
from bot.telegram.state import ChatStore, SQLiteStore

if TYPE_CHECKING:
    from bot.core import SourceInfo
    from bot.live import IndexWriter
    from bot.settings import Settings
    from retrieval.records import Added, Answer, Conversation

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]  # what the handlers use
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing" for about 5 s per chat action

App = Application[Any, Any, Any, Any, Any, Any]


class Answerer(Protocol):
    """What the bot needs from the core (bot.core.QABot fits)."""

    def answer(self, question: str, conversation: Conversation | None = None) -> Answer: ...

    def sources(self) -> list[SourceInfo]: ...


@dataclass(frozen=True)
class TelegramOptions:
    allowed_user_ids: frozenset[int] = frozenset()
    admin_user_ids: frozenset[int] = frozenset()  # may add articles (a document or a URL); always allowed
    rate_limit: int = 6  # questions per user per `rate_window` seconds (0: no limit)
    rate_window: float = 60.0
    history_turns: int = 10  # turns kept per chat for follow-ups
    max_question_chars: int = 1000
    concurrency: int = 8  # answers computed at once (different chats); one chat is answered in order
    sources_rate_limit: int = 10  # "Show sources" presses per user per `rate_window` seconds (0: no limit)
    max_parts: int = 5  # messages one reply may take
    retries: int = 3  # for 429, each after the retry_after Telegram asks for
    backoff: float = 0.5  # seconds before the first retry of a 5xx or network error; doubles each time...
    max_backoff: float = 8.0  # ...up to this
    retry_for: float = 90.0  # seconds one request is retried for before it is given up
    typing_every: float = TYPING_EVERY

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> TelegramOptions:
        values: dict[str, Any] = {
            "allowed_user_ids": frozenset(settings.allowed_user_ids()),
            "admin_user_ids": frozenset(settings.admin_user_ids()),
            "rate_limit": settings.telegram_rate_limit,
            "history_turns": settings.history_turns,
            "max_question_chars": settings.max_question_chars,
            "concurrency": settings.telegram_concurrency,
        }
        values.update(overrides)
        return cls(**values)


class Uploads:
    """Admins' articles into the corpus folder and the index (bot/uploads.py; blocking: run it in a thread). One
    writer, its models loaded once, serves every upload of this process; the bot's readers pick the new index
    version up by themselves (QABot follows the index's CURRENT)."""

    def __init__(self, settings: Settings, writer: IndexWriter | None = None) -> None:
        self.settings = settings
        self.max_bytes = settings.upload_max_bytes
        self._writer = writer  # e.g. the bot's own (QABot.writer), shared with its corpus watcher

    def _writer_(self) -> IndexWriter:
        from bot.live import IndexWriter

        if self._writer is None:
            self._writer = IndexWriter(self.settings)
        return self._writer

    def add_file(self, filename: str, data: bytes) -> Added:
        from bot.uploads import add_file

        return add_file(self.settings, filename, data, self._writer_())

    def add_url(self, url: str) -> Added:
        from bot.uploads import add_url

        return add_url(self.settings, url, self._writer_())


@dataclass
class Service:
    """What the handlers share: the answerer, the options, the chat state store and this process's limits."""

    qa: Answerer
    options: TelegramOptions
    store: ChatStore
    uploads: Uploads | None = None  # admins may add articles when set
    limiter: RateLimiter = field(init=False)
    refusals: RateLimiter = field(init=False)
    presses: RateLimiter = field(init=False)
    computing: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        window = self.options.rate_window
        self.limiter = RateLimiter(self.options.rate_limit, window)
        self.refusals = RateLimiter(1, window)
        self.presses = RateLimiter(self.options.sources_rate_limit, window)
        self.computing = asyncio.Semaphore(max(1, self.options.concurrency))


def add_handlers(app: App) -> None:
    """The handler table. Commands and questions come as new messages only; the gate runs first."""
    new = filters.UpdateType.MESSAGE
    app.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    app.add_handlers(
        [
            CommandHandler("start", handlers.start, filters=new),
            CommandHandler("help", handlers.help_command, filters=new),
            CommandHandler("sources", handlers.sources_command, filters=new),
            CommandHandler("reset", handlers.reset, filters=new),
            CommandHandler("ask", handlers.ask_command, filters=new),
            MessageHandler(new & filters.TEXT & ~filters.COMMAND, handlers.text),
            MessageHandler(new & filters.COMMAND, handlers.unknown_command),
            MessageHandler(new & filters.Document.ALL, handlers.document),
            MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.non_text),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE, handlers.edited),
            CallbackQueryHandler(handlers.show_sources),
        ]
    )
    app.add_error_handler(handlers.on_error)


def build_application(
    token: str,
    qa: Answerer,
    options: TelegramOptions | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
    store: ChatStore | None = None,
    webhook: bool = False,
    uploads: Uploads | None = None,
) -> App:
    """A ready-to-start Application: handlers registered, one chat at a time, retries on, token redacted.
    `store` defaults to one in memory; `uploads` lets the admins add articles; `webhook=True` builds it without an
    Updater (updates come from bot/telegram/webhook.py) and without setting the command menu at start
    (`qabot telegram set-webhook` does that once)."""
    options = options or TelegramOptions()
    store = store if store is not None else SQLiteStore(":memory:")
    protect_token_in_logs(token)
    builder = (
        ApplicationBuilder()
        .token(token)
        .concurrent_updates(ChatOrder(store, UPDATES_AT_ONCE))
        .rate_limiter(
            RetryingRateLimiter(
                retries=options.retries,
                backoff=options.backoff,
                max_backoff=options.max_backoff,
                retry_for=options.retry_for,
            )
        )
    )
    builder = builder.updater(None) if webhook else builder.post_init(handlers.post_init)
    if base_url:
        base = base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(re.sub(r"/bot$", "/file/bot", base))
    if timeout is not None:
        builder = builder.connect_timeout(timeout).read_timeout(timeout).write_timeout(timeout)
    else:  # a slow answer is waited for rather than the request sent again
        builder = builder.read_timeout(SEND_TIMEOUT).write_timeout(SEND_TIMEOUT)
    app = builder.build()
    add_handlers(app)
    app.bot_data["qa_service"] = Service(qa, options, store, uploads)
    return app
