"""Sending replies: retries with backoff (never sending a message twice), HTML with a plain-text fallback, long
replies in parts with the keyboard on the last one."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

from bot.telegram.format import html_to_text

log = logging.getLogger(__name__)

SEND_TIMEOUT = 30.0  # seconds to write a request and read Telegram's answer: a slow answer is waited for, since a
# request that may have been accepted is never sent again (Telegram has no way to tell whether it was)

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


async def reply(
    message: Message, parts: Sequence[str], html: bool = False, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Reply to `message` with `parts` in order; the keyboard goes on the last part."""
    for i, part in enumerate(parts):
        await send(
            message.get_bot(),
            message.chat.id,
            part,
            html=html,
            reply_to=message if i == 0 else None,
            markup=markup if i == len(parts) - 1 else None,
        )


async def send(
    bot: Bot,
    chat_id: int,
    text: str,
    html: bool,
    reply_to: Message | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send one message; None when Telegram may or may not have received it (a timeout after it went out): it is
    not sent again, since a second copy would show up if the first one did arrive."""
    where = (
        ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True)
        if reply_to is not None
        else None
    )
    try:
        if not html:
            return await bot.send_message(chat_id, text, reply_parameters=where, reply_markup=markup)
        try:
            return await bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_parameters=where, reply_markup=markup
            )
        except BadRequest as exc:
            log.warning("Telegram rejected an HTML message in chat %s (%s): resending as plain text", chat_id, exc)
            return await bot.send_message(chat_id, html_to_text(text), reply_parameters=where, reply_markup=markup)
    except BadRequest:
        raise
    except NetworkError as exc:
        if not may_have_arrived(exc):
            raise
        log.warning("a message to chat %s may not have arrived (%s); not sending it again", chat_id, exc)
        return None
