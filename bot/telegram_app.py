"""The Telegram Application: handlers over one `answer(question, conversation)`, per-chat state, faults.

Imported only when the bot runs (`qabot telegram`) and by its tests, never at CLI start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import re
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable, Coroutine, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.console import hide, protect_logs, text_in
from bot.telegram_format import html_to_text, render_answer, render_quotes, render_sources, split_message
from retrieval.errors import QabotError
from retrieval.records import Answer, Conversation, Turn

if TYPE_CHECKING:
    from bot.core import SourceInfo
    from bot.settings import Settings

log = logging.getLogger(__name__)

COMMANDS = (
    ("start", "What I know and how to ask"),
    ("help", "How to ask, commands and limits"),
    ("sources", "The articles I answer from"),
    ("reset", "Forget this chat's conversation"),
    ("ask", "Ask a question (in groups): /ask QUESTION"),
)
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]  # what the handlers use
SOURCES_BUTTON = "Show sources"
CALLBACK_PREFIX = "src:"
# Updates in flight at once. Cheap: a chat's updates wait on its lock, the answers on `concurrency` slots, so one
# busy chat never holds the slots another chat needs.
UPDATES_AT_ONCE = 256
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing" for about 5 s per chat action
SEND_TIMEOUT = 30.0  # seconds to write a request and read Telegram's answer: a slow answer is waited for, since a
# request that may have been accepted is never sent again (Telegram has no way to tell whether it was)
CALLBACK_DATA = re.compile(rf"{re.escape(CALLBACK_PREFIX)}([0-9]{{1,12}})")  # ASCII digits only: int('²') raises

SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
NOT_ALLOWED = (
    "Sorry, this bot only answers the people it was set up for. If you think you should have access, "
    "ask whoever runs it to add your Telegram user id: {user_id}."
)
NON_TEXT = "I can only read text. Please type your question as a message."
EDITED = "I only answer new messages, not edits. Please send the corrected question as a new message."
ASK_USAGE = "Ask your question after the command, e.g. /ask Who leads the resistance in Panjshir?"
SOURCES_GONE = "Those sources are no longer available. Please ask the question again."
SOURCES_SLOW_DOWN = "That's a lot of sources at once. Please wait {seconds} s, then tap again."


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class Answerer(Protocol):
    """What the bot needs from the core (bot.core.QABot fits)."""

    def answer(self, question: str, conversation: Conversation | None = None) -> Answer: ...

    def sources(self) -> list[SourceInfo]: ...


@dataclass(frozen=True)
class TelegramOptions:
    allowed_user_ids: frozenset[int] = frozenset()
    rate_limit: int = 6  # questions per user per `rate_window` seconds (0: no limit)
    rate_window: float = 60.0
    history_turns: int = 10  # turns kept per chat for follow-ups
    max_question_chars: int = 1000
    concurrency: int = 8  # answers computed at once (different chats); one chat is answered in order
    max_chats: int = 10_000  # conversations kept (least recently used dropped)
    max_answers: int = 2_000  # answers whose "Show sources" button still works
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
            "rate_limit": settings.telegram_rate_limit,
            "history_turns": settings.history_turns,
            "max_question_chars": settings.max_question_chars,
            "concurrency": settings.telegram_concurrency,
        }
        values.update(overrides)
        return cls(**values)


# Methods that make something new each time they are called: sent again, a message would show up twice.
NOT_IDEMPOTENT = frozenset({"sendMessage", "copyMessage", "forwardMessage", "sendPhoto", "sendDocument"})


def may_have_arrived(error: NetworkError) -> bool:
    """Whether Telegram may have received and carried out the request that failed with `error`. A 5xx answer is
    Telegram saying it did not; a connection that never opened carried nothing; a timeout or a connection lost
    after the request went out may have delivered it (and Telegram offers no way to ask)."""
    import httpx

    cause = error.__cause__
    if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return False
    if isinstance(cause, httpx.HTTPError) or isinstance(error, TimedOut):
        return True
    # an HTTP answer with an error status (no cause, or a body that was not JSON) was not carried out; an unknown
    # failure inside the HTTP client may have been
    return not (cause is None or isinstance(cause, TelegramError))


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter (Telegram's flood limits, 429 retried after retry_after) plus retries with exponential backoff,
    for up to `retry_for` seconds per request, of 5xx answers and network errors. A request that may already have
    been carried out (see `may_have_arrived`) is retried only if doing it twice is harmless: a message is never
    sent twice. A 400 (BadRequest) is the caller's to handle and is never retried."""

    def __init__(
        self, retries: int = 3, backoff: float = 0.5, max_backoff: float = 8.0, retry_for: float = 90.0
    ) -> None:
        super().__init__(max_retries=retries)
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._retry_for = retry_for

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        deadline = time.monotonic() + self._retry_for
        for attempt in itertools.count():
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except BadRequest:
                raise
            except NetworkError as exc:  # 5xx, timeouts, connection errors
                if endpoint in NOT_IDEMPOTENT and may_have_arrived(exc):
                    raise
                delay = min(self._max_backoff, self._backoff * 2**attempt)
                if time.monotonic() + delay > deadline:
                    log.warning("Telegram %s failed (%s); giving up after %d attempts", endpoint, exc, attempt + 1)
                    raise
                log.warning("Telegram %s failed (%s); retry %d in %.1f s", endpoint, exc, attempt + 1, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


def protect_token_in_logs(token: str) -> None:
    """Redact the token (in any letter case) in everything logged or printed from now on."""
    hide(token)
    protect_logs()


class RateLimiter:
    """At most `limit` events per `window` seconds per key (sliding window)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[Hashable, deque[float]] = {}
        self._noticed: dict[Hashable, float] = {}

    def hit(self, key: Hashable) -> float:
        """Count one event; 0.0 if allowed, else the seconds until the next one would be."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        if len(events) >= self.limit:
            return max(0.1, self.window - (now - events[0]))
        events.append(now)
        if len(self._events) > 10_000:
            self._prune(now)
        return 0.0

    def notice_due(self, key: Hashable) -> bool:
        """True once per window for a limited key: the flood gets one notice, not one per message."""
        now = self.clock()
        if now - self._noticed.get(key, -self.window) < self.window:
            return False
        self._noticed[key] = now
        return True

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._events.items() if not v or now - v[-1] >= self.window]:
            del self._events[key]
        for key in [k for k, t in self._noticed.items() if now - t >= self.window]:
            del self._noticed[key]


class ChatLocks:
    """One asyncio.Lock per chat while anyone holds or waits for it: a chat's messages are answered in order
    (asyncio locks are FIFO), different chats in parallel. Locks are dropped when unused."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class Bounded(OrderedDict[int, Any]):
    """A dict that forgets its least recently used keys beyond `size`."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def touch(self, key: int, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


@dataclass
class QAService:
    """The handlers and the state they share: conversations, locks, rate limits, answers for "Show sources"."""

    qa: Answerer
    options: TelegramOptions = field(default_factory=TelegramOptions)

    def __post_init__(self) -> None:
        self.conversations = Bounded(self.options.max_chats)
        self.answers = Bounded(self.options.max_answers)
        self.locks = ChatLocks()
        self.computing = asyncio.Semaphore(max(1, self.options.concurrency))
        self.limiter = RateLimiter(self.options.rate_limit, self.options.rate_window)
        self.refusals = RateLimiter(1, self.options.rate_window)
        self.presses = RateLimiter(self.options.sources_rate_limit, self.options.rate_window)
        self._answer_ids = itertools.count(1)
        self._sources: list[SourceInfo] | None = None
        self.app: Application[Any, Any, Any, Any, Any, Any] | None = None

    # wiring

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.app = app
        new = filters.UpdateType.MESSAGE  # commands and questions come as new messages only
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        ordered = self._in_chat_order
        app.add_handler(CommandHandler("start", ordered(self.cmd_start), filters=new))
        app.add_handler(CommandHandler("help", ordered(self.cmd_help), filters=new))
        app.add_handler(CommandHandler("sources", ordered(self.cmd_sources), filters=new))
        app.add_handler(CommandHandler("reset", ordered(self.cmd_reset), filters=new))
        app.add_handler(CommandHandler("ask", self.cmd_ask, filters=new))  # questions take the lock in ask()
        app.add_handler(MessageHandler(new & filters.TEXT & ~filters.COMMAND, self.on_text))
        app.add_handler(MessageHandler(new & filters.COMMAND, ordered(self.on_unknown_command)))
        app.add_handler(MessageHandler(new & ~filters.TEXT & ~filters.StatusUpdate.ALL, ordered(self.on_non_text)))
        app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, ordered(self.on_edited)))
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_error_handler(self.on_error)

    def _in_chat_order(self, handler: Handler) -> Handler:
        """The handler, run after everything this chat sent earlier has been answered."""

        @functools.wraps(handler)
        async def ordered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            chat = update.effective_chat
            if chat is None:
                await handler(update, context)
                return
            async with self.locks.hold(chat.id):
                await handler(update, context)

        return ordered

    async def post_init(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
        except TelegramError as exc:  # the bot still works without the command menu
            log.warning("could not register the command list with Telegram: %s", exc)
        log.info("running as @%s", app.bot.username)

    # who may talk to the bot, and when a message is meant for it

    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        allowed = self.options.allowed_user_ids
        user = update.effective_user
        if not allowed or (user is not None and user.id in allowed):
            return
        refusal = NOT_ALLOWED.format(user_id=user.id if user else "unknown")
        if update.callback_query is not None:
            await update.callback_query.answer(refusal, show_alert=True)
        elif (
            update.message is not None
            and self._for_me(update.message, context)
            and self.refusals.hit((update.message.chat.id, user.id if user else 0)) == 0
        ):  # one refusal per chat and user per window: a stranger cannot make the bot spam a group
            await self._send(update.message, [refusal], html=False)
        log.info("refused update %s from user %s", update.update_id, user.id if user else None)
        raise ApplicationHandlerStop

    def _for_me(self, message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        if self._is_reply_to_me(message, context):
            return True
        text = message.text or message.caption or ""
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            name, _, target = command.partition("@")
            return target.lower() == (context.bot.username or "").lower() or (
                not target and name[1:] in {c for c, _ in COMMANDS}
            )
        return self._mentioned(message, context)

    @staticmethod
    def _is_reply_to_me(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)

    @staticmethod
    def _mentioned(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        me = "@" + (context.bot.username or "").lower()
        for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
            if entity.type == MessageEntity.MENTION and text.lower() == me:
                return True
            if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == context.bot.id:
                return True
        return False

    # commands

    async def cmd_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sources = await self._load_sources()
        dates = sorted(s.date for s in sources if s.date)
        span = f", dated {dates[0]} to {dates[-1]}" if len(dates) > 1 and dates[0] != dates[-1] else ""
        span = f", dated {dates[0]}" if dates and not span else span
        text = (
            f"Hi! I answer questions about {len(sources)} news article{'s' if len(sources) != 1 else ''}{span} "
            "(see /sources).\n\n" + self._how_to_ask(update)
        )
        await self._reply(update, [text], html=False)

    async def cmd_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        limit = (
            f"\n\nLimits: questions up to {self.options.max_question_chars} characters, "
            f"{self.options.rate_limit} questions a minute."
            if self.options.rate_limit > 0
            else f"\n\nLimit: questions up to {self.options.max_question_chars} characters."
        )
        commands = "\n".join(f"/{name} — {text}" for name, text in COMMANDS)
        await self._reply(update, [self._how_to_ask(update) + "\n\n" + commands + limit], html=False)

    def _how_to_ask(self, update: Update) -> str:
        chat = update.effective_chat
        where = (
            "Send me a question as a message."
            if chat is None or chat.type == ChatType.PRIVATE
            else "In this group, ask with /ask QUESTION, reply to one of my messages, or mention me."
        )
        return (
            f"{where} Follow-up questions work: I remember this chat's conversation until /reset. "
            f"Every answer cites its sources (file, date, lines); tap “{SOURCES_BUTTON}” to read the quoted "
            "passages. When the articles don't cover something, I say so."
        )

    async def cmd_sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sources = await self._load_sources()
        await self._reply(update, split_message(render_sources(sources), self.options.max_parts), html=True)

    async def cmd_reset(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        self.conversations.pop(chat.id, None)  # in chat order: after the questions sent before /reset
        await self._reply(update, ["Done: I forgot this chat's conversation. The next question starts fresh."])

    async def cmd_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        command = next(iter(message.parse_entities([MessageEntity.BOT_COMMAND]).values()), "")
        question = message.text[message.text.find(command) + len(command) :] if command else message.text
        if not question.strip():
            await self._reply(update, [ASK_USAGE])
            return
        await self.ask(update, context, question)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        command = message.text.split(maxsplit=1)[0]
        name, _, target = command.partition("@")
        if message.chat.type != ChatType.PRIVATE and target.lower() != (context.bot.username or "").lower():
            return  # another bot's command, or group chatter
        await self._reply(update, [f"I don't know the command {name}. Try /help."])

    # questions

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        question = message.text
        if message.chat.type != ChatType.PRIVATE:
            if self._mentioned(message, context):
                username = re.escape(context.bot.username or "")
                question = re.sub(rf"@{username}\b", " ", question, flags=re.IGNORECASE)
            elif not self._is_reply_to_me(message, context):
                return  # group chatter not addressed to the bot
        await self.ask(update, context, question)

    async def on_non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        if message.chat.type == ChatType.PRIVATE or self._is_reply_to_me(message, context):
            await self._reply(update, [NON_TEXT])

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.chat.type == ChatType.PRIVATE:
            await self._send(message, [EDITED], html=False)

    async def ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
        message = update.effective_message
        user = update.effective_user
        assert message is not None
        question = text_in(question)
        chat_id = message.chat.id
        key = user.id if user else chat_id
        wait = self.limiter.hit(key)  # counted on arrival; a flood never queues up behind the chat's lock
        if wait:
            if self.limiter.notice_due(key):
                await self._send(message, [self._slow_down(wait)], html=False)
            return
        async with self.locks.hold(chat_id):  # this chat's questions one at a time, in order of arrival
            conversation = self.conversations.get(chat_id) or Conversation()
            await self._typing(chat_id)
            typing = asyncio.create_task(self._keep_typing(chat_id))
            try:
                async with self.computing:  # at most `concurrency` answers computed at once, in threads
                    started = time.perf_counter()
                    answer = await asyncio.to_thread(self.qa.answer, question, conversation)
            except QabotError as exc:  # a bad question and the like: the message is for the user
                await self._send(message, [str(exc)], html=False)
                return
            finally:
                typing.cancel()
            log.info(
                "chat %s: answered in %.2f s (%s, %d citation(s))",
                chat_id,
                time.perf_counter() - started,
                "abstained" if answer.abstained else answer.engine,
                len(answer.citations),
            )
            turn = Turn(question=answer.question, answer=answer)
            self.conversations.touch(chat_id, conversation.add(turn, keep=self.options.history_turns))
            markup = None
            if answer.citations and not answer.abstained:
                answer_id = next(self._answer_ids)
                self.answers.touch(answer_id, (chat_id, answer))
                data = f"{CALLBACK_PREFIX}{answer_id}"  # a few bytes: well within Telegram's 64
                markup = InlineKeyboardMarkup([[InlineKeyboardButton(SOURCES_BUTTON, callback_data=data)]])
            parts = split_message(render_answer(answer), self.options.max_parts)
            await self._send(message, parts, html=True, markup=markup)

    def _slow_down(self, wait: float) -> str:
        window = self.options.rate_window
        per = "a minute" if window == 60 else f"every {window:g} s"
        return (
            f"You're asking faster than I can answer: at most {self.options.rate_limit} questions {per}. "
            f"Please wait {max(1, round(wait))} s, then ask again."
        )

    async def _typing(self, chat_id: int) -> None:
        try:
            await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:  # cosmetic: never let it stop an answer
            log.info("typing action failed in chat %s: %s", chat_id, exc)

    async def _keep_typing(self, chat_id: int) -> None:
        while True:
            await asyncio.sleep(self.options.typing_every)
            await self._typing(chat_id)

    # "Show sources"

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        wait = self.presses.hit(query.from_user.id if query.from_user else 0)
        if wait:  # a press costs a message or more: a flood of them gets a notice, not a flood of messages
            await query.answer(SOURCES_SLOW_DOWN.format(seconds=max(1, round(wait))))
            return
        match = CALLBACK_DATA.fullmatch(query.data or "")
        entry = self.answers.get(int(match.group(1))) if match else None
        chat_id = query.message.chat.id if query.message else None
        if entry is None or chat_id is None or entry[0] != chat_id:
            await query.answer(SOURCES_GONE)
            return
        await query.answer()
        answer: Answer = entry[1]
        message = query.message if isinstance(query.message, Message) else None
        async with self.locks.hold(chat_id):  # after the replies this chat is still waiting for: in order
            for i, part in enumerate(split_message(render_quotes(answer.citations), self.options.max_parts)):
                await self._send_to(chat_id, part, html=True, reply_to=message if i == 0 else None)
        if message is not None:
            with contextlib.suppress(BadRequest):  # e.g. already removed by a double tap
                await message.edit_reply_markup(reply_markup=None)

    # faults

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        where = _describe(update)
        log.error("error while handling %s: %s: %s", where, type(error).__name__, error, exc_info=error)
        if not isinstance(update, Update):
            return
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            return  # Telegram could not be reached even after retrying: telling the user would fail the same way
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(SOMETHING_WENT_WRONG)
        chat = update.effective_chat
        if chat is not None:
            try:
                await context.bot.send_message(chat.id, SOMETHING_WENT_WRONG)
            except TelegramError as exc:
                log.warning("could not tell chat %s about the error: %s", chat.id, exc)

    # sending

    async def _load_sources(self) -> list[SourceInfo]:
        if self._sources is None:
            self._sources = await asyncio.to_thread(self.qa.sources)
        return self._sources

    async def _reply(self, update: Update, parts: Sequence[str], html: bool = False) -> None:
        message = update.effective_message
        assert message is not None
        await self._send(message, parts, html=html)

    async def _send(
        self, message: Message, parts: Sequence[str], html: bool, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Reply to `message` with `parts` in order; the keyboard goes on the last part."""
        for i, part in enumerate(parts):
            await self._send_to(
                message.chat.id,
                part,
                html=html,
                reply_to=message if i == 0 else None,
                markup=markup if i == len(parts) - 1 else None,
            )

    async def _send_to(
        self,
        chat_id: int,
        text: str,
        html: bool,
        reply_to: Message | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message | None:
        """Send one message; None when Telegram may or may not have received it (a timeout after it went out):
        it is not sent again, since a second copy would show up if the first one did arrive."""
        bot = self.bot
        reply = _reply_to(reply_to) if reply_to is not None else None
        try:
            if not html:
                return await bot.send_message(chat_id, text, reply_parameters=reply, reply_markup=markup)
            try:
                return await bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_parameters=reply, reply_markup=markup
                )
            except BadRequest as exc:
                log.warning("Telegram rejected an HTML message in chat %s (%s): resending as plain text", chat_id, exc)
                return await bot.send_message(chat_id, html_to_text(text), reply_parameters=reply, reply_markup=markup)
        except BadRequest:
            raise
        except NetworkError as exc:
            if not may_have_arrived(exc):
                raise
            log.warning("a message to chat %s may not have arrived (%s); not sending it again", chat_id, exc)
            return None

    @property
    def bot(self) -> Any:
        assert self.app is not None, "register() the service with an Application first"
        return self.app.bot


def _reply_to(message: Message) -> ReplyParameters:
    return ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True)


def _describe(update: object) -> str:
    if not isinstance(update, Update):
        return f"{type(update).__name__} (no update)"
    kind = next(
        (k for k in ("message", "edited_message", "callback_query", "channel_post") if getattr(update, k)), "update"
    )
    chat = update.effective_chat.id if update.effective_chat else None
    user = update.effective_user.id if update.effective_user else None
    return f"update {update.update_id} ({kind}, chat {chat}, user {user})"


def build_application(
    token: str,
    qa: Answerer,
    options: TelegramOptions | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A ready-to-start Application: handlers registered, commands set at start, retries on, token redacted."""
    options = options or TelegramOptions()
    protect_token_in_logs(token)
    service = QAService(qa, options)
    builder = (
        ApplicationBuilder()
        .token(token)
        .concurrent_updates(UPDATES_AT_ONCE)
        .rate_limiter(
            RetryingRateLimiter(
                retries=options.retries,
                backoff=options.backoff,
                max_backoff=options.max_backoff,
                retry_for=options.retry_for,
            )
        )
        .post_init(service.post_init)
    )
    if base_url:
        base = base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(re.sub(r"/bot$", "/file/bot", base))
    if timeout is not None:
        builder = builder.connect_timeout(timeout).read_timeout(timeout).write_timeout(timeout)
    else:  # a slow answer is waited for rather than the request sent again
        builder = builder.read_timeout(SEND_TIMEOUT).write_timeout(SEND_TIMEOUT)
    app = builder.build()
    service.register(app)
    app.bot_data["qa_service"] = service
    return app
