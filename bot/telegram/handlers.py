"""The handlers: each parses its update, asks the core (or the store) once, and replies.

They run one chat at a time in order (bot/telegram/ordering.py) and share the `Service` the Application was built
with (`context.bot_data["qa_service"]`): the answerer, the options, the state store and the per-user limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update, User
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot.console import text_in
from bot.telegram.format import render_answer, render_quotes, render_sources, split_message
from bot.telegram.sending import reply, send
from retrieval.errors import QabotError, UploadRefused
from retrieval.records import Added, Conversation, Shown, Turn

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.core import SourceInfo
    from bot.telegram.app import Service, Uploads

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

COMMANDS = (
    ("start", "What I know and how to ask"),
    ("help", "How to ask, commands and limits"),
    ("sources", "The articles I answer from"),
    ("reset", "Forget this chat's conversation"),
    ("ask", "Ask a question (in groups): /ask QUESTION"),
)
SOURCES_BUTTON = "Show sources"
CALLBACK_PREFIX = "src:"
CALLBACK_DATA = re.compile(rf"{re.escape(CALLBACK_PREFIX)}([A-Za-z0-9_-]{{1,43}})")  # ASCII only, within 64 bytes

SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
NOT_ALLOWED = (
    "Sorry, this bot only answers the people it was set up for. If you think you should have access, "
    "ask whoever runs it to add your Telegram user id: {user_id}."
)
NON_TEXT = "I can only read text. Please type your question as a message."
EDITED = "I only answer new messages, not edits. Please send the corrected question as a new message."
ASK_USAGE = "Ask your question after the command, e.g. /ask Who leads the resistance in Panjshir?"
SOURCES_GONE = "Those sources are no longer available (they expire after a week). Please ask the question again."
SOURCES_SLOW_DOWN = "That's a lot of sources at once. Please wait {seconds} s, then tap again."
ADMINS_ONLY = (
    "Thanks, but only the people who run this bot can add articles. Please send your question as a text message."
)
NOT_ADDED = "Not added: {reason}"
URL = re.compile(r"https?://\S+", re.IGNORECASE)  # an admin's message that is only this is an article to add


def service(context: Context) -> Service:
    return context.bot_data["qa_service"]  # type: ignore[no-any-return]


async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start (long polling): the command menu, then who the bot is."""
    await set_commands(app)
    log.info("running as @%s", app.bot.username)


async def set_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    try:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    except TelegramError as exc:  # the bot still works without the command menu
        log.warning("could not register the command list with Telegram: %s", exc)


# ---------------------------------------------------------------- who may talk to the bot, and when it is addressed


async def gate(update: Update, context: Context) -> None:
    s = service(context)
    allowed = s.options.allowed_user_ids
    user = update.effective_user
    if not allowed or (user is not None and user.id in allowed | s.options.admin_user_ids):
        return
    refusal = NOT_ALLOWED.format(user_id=user.id if user else "unknown")
    if update.callback_query is not None:
        await update.callback_query.answer(refusal, show_alert=True)
    elif (
        update.message is not None
        and addressed(update.message, context)
        and s.refusals.hit((update.message.chat.id, user.id if user else 0)) == 0
    ):  # one refusal per chat and user per window: a stranger cannot make the bot spam a group
        await reply(update.message, [refusal])
    log.info("refused update %s from user %s", update.update_id, user.id if user else None)
    raise ApplicationHandlerStop


def addressed(message: Message, context: Context) -> bool:
    """Whether a message is meant for the bot: any in a private chat; in groups a reply to it, a mention, or a
    command for it."""
    if message.chat.type == ChatType.PRIVATE or replies_to_me(message, context):
        return True
    text = message.text or message.caption or ""
    if text.startswith("/"):
        name, _, target = text.split(maxsplit=1)[0].partition("@")
        return target.lower() == (context.bot.username or "").lower() or (
            not target and name[1:] in {c for c, _ in COMMANDS}
        )
    return mentioned(message, context)


def replies_to_me(message: Message, context: Context) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)


def mentioned(message: Message, context: Context) -> bool:
    me = "@" + (context.bot.username or "").lower()
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.MENTION and text.lower() == me:
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == context.bot.id:
            return True
    return False


# ---------------------------------------------------------------- commands


async def start(update: Update, context: Context) -> None:
    sources = await load_sources(context)
    dates = sorted(s.date for s in sources if s.date)
    span = f", dated {dates[0]} to {dates[-1]}" if len(dates) > 1 and dates[0] != dates[-1] else ""
    span = f", dated {dates[0]}" if dates and not span else span
    text = (
        f"Hi! I answer questions about {len(sources)} news article{'s' if len(sources) != 1 else ''}{span} "
        "(see /sources).\n\n" + how_to_ask(update)
    )
    await reply(_message(update), [text])


async def help_command(update: Update, context: Context) -> None:
    options = service(context).options
    limit = (
        f"\n\nLimits: questions up to {options.max_question_chars} characters, {options.rate_limit} questions a minute."
        if options.rate_limit > 0
        else f"\n\nLimit: questions up to {options.max_question_chars} characters."
    )
    commands = "\n".join(f"/{name} — {text}" for name, text in COMMANDS)
    await reply(_message(update), [how_to_ask(update) + "\n\n" + commands + limit])


def how_to_ask(update: Update) -> str:
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


async def sources_command(update: Update, context: Context) -> None:
    sources = await load_sources(context)
    parts = split_message(render_sources(sources), service(context).options.max_parts)
    await reply(_message(update), parts, html=True)


async def reset(update: Update, context: Context) -> None:
    chat = update.effective_chat
    assert chat is not None
    await service(context).store.set_conversation(chat.id, Conversation())  # after the questions sent before
    await reply(_message(update), ["Done: I forgot this chat's conversation. The next question starts fresh."])


async def ask_command(update: Update, context: Context) -> None:
    message = _message(update)
    assert message.text is not None
    command = next(iter(message.parse_entities([MessageEntity.BOT_COMMAND]).values()), "")
    question = message.text[message.text.find(command) + len(command) :] if command else message.text
    if not question.strip():
        await reply(message, [ASK_USAGE])
        return
    await ask(update, context, question)


async def unknown_command(update: Update, context: Context) -> None:
    message = _message(update)
    assert message.text is not None
    name, _, target = message.text.split(maxsplit=1)[0].partition("@")
    if message.chat.type != ChatType.PRIVATE and target.lower() != (context.bot.username or "").lower():
        return  # another bot's command, or group chatter
    await reply(message, [f"I don't know the command {name}. Try /help."])


# ---------------------------------------------------------------- questions


async def text(update: Update, context: Context) -> None:
    message = _message(update)
    assert message.text is not None
    question = message.text
    if message.chat.type != ChatType.PRIVATE:
        if mentioned(message, context):
            username = re.escape(context.bot.username or "")
            question = re.sub(rf"@{username}\b", " ", question, flags=re.IGNORECASE)
        elif not replies_to_me(message, context):
            return  # group chatter not addressed to the bot
    if URL.fullmatch(question.strip()) and is_admin(update.effective_user, context):
        url = question.strip()
        await add_article(update, context, lambda uploads: uploads.add_url(url))
        return
    await ask(update, context, question)


async def non_text(update: Update, context: Context) -> None:
    message = _message(update)
    if message.chat.type == ChatType.PRIVATE or replies_to_me(message, context):
        await reply(message, [NON_TEXT])


async def edited(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is not None and message.chat.type == ChatType.PRIVATE:
        await reply(message, [EDITED])


async def ask(update: Update, context: Context, question: str) -> None:
    """Answer a question: within the user's rate limit, with the chat's conversation, "typing" shown meanwhile; the
    reply carries a "Show sources" button whose payload waits in the store."""
    s = service(context)
    message = _message(update)
    user = update.effective_user
    chat_id = message.chat.id
    key = user.id if user else chat_id
    wait = s.limiter.hit(key)
    if wait:
        if s.limiter.notice_due(key):
            await reply(message, [slow_down(s, wait)])
        return
    conversation = await s.store.conversation(chat_id)
    await typing(context, chat_id)
    keep_typing = asyncio.create_task(_keep_typing(context, chat_id, s.options.typing_every))
    try:
        async with s.computing:  # at most `concurrency` answers computed at once, in threads
            started = time.perf_counter()
            answer = await asyncio.to_thread(s.qa.answer, text_in(question), conversation)
    except QabotError as exc:  # a bad question and the like: the message is for the user
        await reply(message, [str(exc)])
        return
    finally:
        keep_typing.cancel()
    log.info(
        "chat %s: answered in %.2f s (%s, %d citation(s))",
        chat_id,
        time.perf_counter() - started,
        "abstained" if answer.abstained else answer.engine,
        len(answer.citations),
    )
    turn = Turn(question=answer.question, answer=answer)
    await s.store.set_conversation(chat_id, conversation.add(turn, keep=s.options.history_turns))
    markup = None
    if answer.citations and not answer.abstained:
        button = await s.store.put_button(Shown(chat_id=chat_id, citations=answer.citations))
        data = f"{CALLBACK_PREFIX}{button}"  # 26 bytes: well within Telegram's 64
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(SOURCES_BUTTON, callback_data=data)]])
    await reply(message, split_message(render_answer(answer), s.options.max_parts), html=True, markup=markup)


def slow_down(s: Service, wait: float) -> str:
    window = s.options.rate_window
    per = "a minute" if window == 60 else f"every {window:g} s"
    return (
        f"You're asking faster than I can answer: at most {s.options.rate_limit} questions {per}. "
        f"Please wait {max(1, round(wait))} s, then ask again."
    )


async def typing(context: Context, chat_id: int) -> None:
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as exc:  # cosmetic: never let it stop an answer
        log.info("typing action failed in chat %s: %s", chat_id, exc)


async def _keep_typing(context: Context, chat_id: int, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        await typing(context, chat_id)


# ---------------------------------------------------------------- admins add articles


def is_admin(user: User | None, context: Context) -> bool:
    s = service(context)
    return s.uploads is not None and user is not None and user.id in s.options.admin_user_ids


async def document(update: Update, context: Context) -> None:
    """A file: an admin's .txt/.md/.html/.jsonl goes into the corpus and the index; anyone else is told politely."""
    message = _message(update)
    if message.chat.type != ChatType.PRIVATE and not replies_to_me(message, context):
        return  # a file shared in a group, not for the bot
    s = service(context)
    if s.uploads is None or not is_admin(update.effective_user, context):
        await reply(message, [ADMINS_ONLY])
        return
    sent = message.document
    assert sent is not None
    name, limit = sent.file_name or "", s.uploads.max_bytes
    if sent.file_size and sent.file_size > limit:  # not even downloaded
        await reply(message, [NOT_ADDED.format(reason=f"{name} is {sent.file_size:,} bytes; the limit is {limit:,}")])
        return
    await typing(context, message.chat.id)
    data = bytes(await (await sent.get_file()).download_as_bytearray())
    await add_article(update, context, lambda uploads: uploads.add_file(name, data))


async def add_article(update: Update, context: Context, add: Callable[[Uploads], Added]) -> None:
    """Run an upload (blocking: it indexes) in a thread; reply with what was added, or why not."""
    s = service(context)
    message = _message(update)
    assert s.uploads is not None
    await typing(context, message.chat.id)
    try:
        added = await asyncio.to_thread(add, s.uploads)
    except UploadRefused as exc:
        await reply(message, [NOT_ADDED.format(reason=exc)])
        return
    log.info("chat %s: added %s (%d sentences)", message.chat.id, added.file, added.sentences)
    await reply(message, [added_text(added)])


def added_text(added: Added) -> str:
    several = f"{added.articles} articles, " if added.articles > 1 else ""
    lines = [
        f"Added “{added.title}” ({added.date or 'no date'}): {several}{added.sentences} sentences, "
        f"stored as {added.file} and indexed."
    ]
    if added.skipped:
        lines.append("Left out: " + "; ".join(added.skipped[:5]) + ("; …" if len(added.skipped) > 5 else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------- "Show sources"


async def show_sources(update: Update, context: Context) -> None:
    s = service(context)
    query = update.callback_query
    assert query is not None
    wait = s.presses.hit(query.from_user.id if query.from_user else 0)
    if wait:  # a press costs a message or more: a flood of them gets a notice, not a flood of messages
        await query.answer(SOURCES_SLOW_DOWN.format(seconds=max(1, round(wait))))
        return
    match = CALLBACK_DATA.fullmatch(query.data or "")
    shown = await s.store.button(match.group(1)) if match else None
    chat_id = query.message.chat.id if query.message else None
    if shown is None or chat_id is None or shown.chat_id != chat_id:
        await query.answer(SOURCES_GONE)
        return
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    for i, part in enumerate(split_message(render_quotes(shown.citations), s.options.max_parts)):
        await send(context.bot, chat_id, part, html=True, reply_to=message if i == 0 else None)
    if message is not None:
        with contextlib.suppress(BadRequest):  # e.g. already removed by a double tap
            await message.edit_reply_markup(reply_markup=None)


# ---------------------------------------------------------------- faults


async def on_error(update: object, context: Context) -> None:
    error = context.error
    log.error("error while handling %s: %s: %s", describe(update), type(error).__name__, error, exc_info=error)
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


def describe(update: object) -> str:
    if not isinstance(update, Update):
        return f"{type(update).__name__} (no update)"
    kind = next(
        (k for k in ("message", "edited_message", "callback_query", "channel_post") if getattr(update, k)), "update"
    )
    chat = update.effective_chat.id if update.effective_chat else None
    user = update.effective_user.id if update.effective_user else None
    return f"update {update.update_id} ({kind}, chat {chat}, user {user})"


# ---------------------------------------------------------------- helpers


async def load_sources(context: Context) -> list[SourceInfo]:
    """The articles as the index has them now (it may have been updated since the last call)."""
    return await asyncio.to_thread(service(context).qa.sources)


def _message(update: Update) -> Message:
    message = update.effective_message
    assert message is not None
    return message
