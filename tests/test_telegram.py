"""The Telegram bot end to end: a real python-telegram-bot Application polls the fake Bot API over HTTP.

Most tests answer with `ScriptedQA`, a real Answerer whose answers (and delays, and failures) are chosen by
the question, so each Telegram behaviour is checked on its own; `test_real_pipeline...` uses the real core.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.core import NO_ANSWER, SourceInfo, check_question
from bot.telegram.app import TelegramOptions, build_application
from bot.telegram.format import CUT_NOTE
from bot.telegram.handlers import ADMINS_ONLY, COMMANDS, EDITED, NON_TEXT, SOMETHING_WENT_WRONG, SOURCES_GONE
from retrieval.records import Answer, Citation, Conversation

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotAPI, parse_html, utf16_len
except ModuleNotFoundError:
    from fake_bot_api import BOT_USERNAME, TOKEN, FakeBotAPI, parse_html, utf16_len  # type: ignore[no-redef]

GROUP = -100200300
NASTY = "<b> & _*[ ]( ` </i> &amp;"


class ScriptedQA:
    """An Answerer (the interface of bot.core.QABot) for the Telegram tests. It validates questions like the core,
    then: "sleep N" sleeps N s (blocking, like a model), "boom" raises, "unknown" abstains, "long" answers with
    ~9,000 characters; anything else is answered "Answer to: <question> [1]" with one citation."""

    def __init__(self, max_chars: int = 1000) -> None:
        self.max_chars = max_chars
        self.calls: list[tuple[str, Conversation]] = []
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()

    def answer(self, question: str, conversation: Conversation | None = None) -> Answer:
        asked = check_question(question, self.max_chars)
        with self._lock:
            self.calls.append((asked, conversation or Conversation()))
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        try:
            if m := re.search(r"sleep (\d+(?:\.\d+)?)", asked):
                time.sleep(float(m.group(1)))
            if "boom" in asked:
                raise RuntimeError("internal detail: /srv/secret/path exploded")
            if "unknown" in asked:
                return Answer(question=asked, standalone_question=asked, text=NO_ANSWER, abstained=True)
            if "huge" in asked:  # a 200,000-character "sentence" with no punctuation, quoted whole
                words = " ".join(["word"] * 40_000)
                quote = Citation(**{**CITATION.model_dump(), "quote": words, "passage": f"Before. {words} After."})
                return Answer(question=asked, standalone_question=asked, text=f"{words} [1]", citations=(quote,))
            if "short" in asked:
                return Answer(
                    question=asked,
                    standalone_question=asked,
                    text=f"Answer to: {asked} [1]",
                    short_answer="Ahmad <Massoud> & co",
                    short_answers=("Ahmad <Massoud> & co",),
                    citations=(CITATION,),
                )
            if "long" in asked:
                paragraph = "The resistance said the fighting continues in the valley [1]. " * 12
                text = "\n\n".join(f"Part {i}. {paragraph.strip()}" for i in range(12))
                return Answer(question=asked, standalone_question=asked, text=text, citations=(CITATION,))
            return Answer(
                question=asked, standalone_question=asked, text=f"Answer to: {asked} [1]", citations=(CITATION,)
            )
        finally:
            with self._lock:
                self.running -= 1

    def sources(self) -> list[SourceInfo]:
        return [
            SourceInfo("000_a.txt", "Taliban & resistance <claims>", "2021-09-06", 6),
            SourceInfo("001_b.txt", "Panjshir falls", "2021-09-07", 8),
            SourceInfo("002_c.txt", "Undated report", None, 8),
        ]

    def questions(self) -> list[str]:
        with self._lock:
            return [q for q, _ in self.calls]


CITATION = Citation(
    n=1,
    source="000_a.txt",
    title="Taliban & resistance <claims>",
    date="2021-09-06",
    line_start=3,
    line_end=5,
    quote="fighting <continues> & more",
    passage="The NRF said the fighting <continues> & more in the valley.",
)


@pytest.fixture
def api() -> Any:
    with FakeBotAPI() as server:
        yield server


@contextlib.asynccontextmanager
async def running(
    api: FakeBotAPI, qa: Any = None, timeout: float | None = None, uploads: Any = None, **options: Any
) -> AsyncIterator[tuple[Any, Any]]:
    """A real Application polling the fake server (what run_polling does, minus signals and loop handling)."""
    qa = qa if qa is not None else ScriptedQA()
    opts = TelegramOptions(**{"backoff": 0.05, "typing_every": 0.2, **options})
    app = build_application(TOKEN, qa, opts, base_url=api.base_url, timeout=timeout, uploads=uploads)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield app, qa
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def visible(api: FakeBotAPI, chat_id: int) -> list[str]:
    return api.texts(chat_id)


async def test_starts_registers_commands_and_answers_a_question_with_typing_citations_and_button(
    api: FakeBotAPI,
) -> None:
    async with running(api):
        start = [r.method for r in api.calls()][:3]
        assert start == ["getMe", "setMyCommands", "deleteWebhook"]
        assert [c["command"] for c in api.commands] == ["start", "help", "sources", "reset", "ask"]
        assert len(api.commands) == len(COMMANDS) and all(c["description"] for c in api.commands)

        question = api.message(5, "Who claims Panjshir?")
        [reply] = await api.until_sent(5)

    methods = [r.method for r in api.calls() if r.params.get("chat_id") == "5"]
    assert methods.index("sendChatAction") < methods.index("sendMessage")
    assert api.calls("sendChatAction", chat_id=5)[0].params["action"] == "typing"
    assert reply.parse_mode == "HTML"
    assert reply.reply_to == question["message"]["message_id"]
    shown = parse_html(reply.text)
    assert shown.startswith("Answer to: Who claims Panjshir? [1]\n\nSources\n")
    assert "[1] 000_a.txt · 2021-09-06 · lines 3–5 — Taliban & resistance <claims>" in shown
    [[button]] = reply.reply_markup["inline_keyboard"]  # type: ignore[index]
    assert button["text"] == "Show sources"
    assert len(button["callback_data"].encode()) <= 64


async def test_show_sources_reveals_the_quotes_and_every_callback_is_answered(api: FakeBotAPI) -> None:
    async with running(api):
        api.message(5, "What does the NRF say?")
        [reply] = await api.until_sent(5)
        data = reply.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]

        press = api.callback(5, reply.message_id, data)
        sent = await api.until_sent(5, 2)
        await api.until(lambda: api.calls("editMessageReplyMarkup", ok=True), what="the button removed")
        api.callback(5, reply.message_id, "src:999999")  # an answer the bot no longer has
        api.callback(5, reply.message_id, "garbage data")
        api.callback(6, reply.message_id, data)  # a key from another chat
        await api.until(lambda: len(api.calls("answerCallbackQuery")) == 4, what="four callback answers")

    quotes = sent[1]
    assert quotes.reply_to == reply.message_id and quotes.parse_mode == "HTML"
    shown = parse_html(quotes.text)
    assert "[1] 000_a.txt · 2021-09-06 · lines 3–5" in shown
    assert "The NRF said the fighting <continues> & more in the valley." in shown
    assert "<b>fighting &lt;continues&gt; &amp; more</b>" in quotes.text  # the quote itself stands out
    assert api.messages[reply.message_id].reply_markup is None
    answers = api.calls("answerCallbackQuery")
    assert answers[0].params["callback_query_id"] == press["callback_query"]["id"]
    assert "text" not in answers[0].params
    assert [a.params.get("text") for a in answers[1:]] == [SOURCES_GONE] * 3
    assert len(api.sent(5)) == 2 and not api.sent(6)


async def test_start_help_sources_reset_and_unknown_commands(api: FakeBotAPI) -> None:
    async with running(api, rate_limit=6) as (_, qa):
        for text in ("/start", "/help", "/sources", "/nonsense"):
            api.message(5, text)
        start, help_, sources, unknown = await _texts(api, 5, 4)

        api.message(7, "first question")
        await api.until_sent(7)
        api.message(7, "/reset")
        await api.until_sent(7, 2)
        api.message(7, "second question")
        await api.until_sent(7, 3)

    assert start.startswith("Hi! I answer questions about 3 news articles, dated 2021-09-06 to 2021-09-07")
    assert "Send me a question as a message." in start
    assert "/ask — " in help_ and "/reset — " in help_ and "questions up to 1000 characters" in help_
    assert "6 questions a minute" in help_
    assert sources.splitlines()[0] == "The articles (3)"
    assert "1. Taliban & resistance <claims>\n    000_a.txt · 2021-09-06" in sources
    assert "3. Undated report\n    002_c.txt · undated" in sources
    assert unknown == "I don't know the command /nonsense. Try /help."
    assert "forgot this chat's conversation" in visible(api, 7)[1]
    assert [len(conv.turns) for q, conv in qa.calls] == [0, 0]  # /reset: the second question starts fresh


async def _texts(api: FakeBotAPI, chat_id: int, count: int) -> list[str]:
    await api.until_sent(chat_id, count)
    return visible(api, chat_id)


async def test_follow_ups_keep_a_bounded_conversation_per_chat(api: FakeBotAPI) -> None:
    async with running(api, history_turns=2) as (_, qa):
        for i in range(4):
            api.message(5, f"chat five question {i}")
            await api.until_sent(5, i + 1)
        api.message(6, "chat six question")
        await api.until_sent(6)

    seen = {q: [t.question for t in conv.turns] for q, conv in qa.calls}
    assert seen["chat five question 0"] == []
    assert seen["chat five question 1"] == ["chat five question 0"]
    assert seen["chat five question 3"] == ["chat five question 1", "chat five question 2"]  # bounded to 2
    assert seen["chat six question"] == []  # chats do not share a conversation


async def test_groups_answer_ask_replies_and_mentions_and_ignore_other_chatter(api: FakeBotAPI) -> None:
    async with running(api) as (_, qa):
        api.message(GROUP, "just chatting about lunch", user_id=11)
        api.message(GROUP, "/ask@otherbot what is this", user_id=11)
        api.message(GROUP, "/nonsense", user_id=11)
        api.message(
            GROUP,
            None,
            user_id=11,
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        )
        api.message(GROUP, "/ask Who leads the NRF?", user_id=11)
        [first] = await api.until_sent(GROUP)
        api.message(GROUP, "/ask", user_id=11)
        await api.until_sent(GROUP, 2)
        api.message(GROUP, f"/ask@{BOT_USERNAME} Where is Panjshir?", user_id=12)
        await api.until_sent(GROUP, 3)
        api.message(GROUP, f"@{BOT_USERNAME} is the valley captured?", user_id=12)
        await api.until_sent(GROUP, 4)
        api.message(GROUP, "and who denies it?", user_id=11, reply_to=first.message_id)
        await api.until_sent(GROUP, 5)
        api.message(GROUP, "a reply to a person, not the bot", user_id=11, reply_to=1)
        api.message(GROUP, f"/nonsense@{BOT_USERNAME}", user_id=11)
        texts = await _texts(api, GROUP, 6)
        await api.until(lambda: api.pending_updates() == 0, what="all updates fetched")

    assert qa.questions() == [
        "Who leads the NRF?",
        "Where is Panjshir?",
        "is the valley captured?",
        "and who denies it?",
    ]
    assert texts[1].startswith("Ask your question after the command")
    assert texts[5] == "I don't know the command /nonsense. Try /help."
    assert len(api.sent(GROUP)) == 6  # the chatter, other bots' commands and the sticker got nothing


async def test_allowed_users_get_answers_and_everyone_else_a_polite_refusal(api: FakeBotAPI) -> None:
    async with running(api, allowed_user_ids=frozenset({7})) as (_, qa):
        api.message(7, "allowed question")
        await api.until_sent(7)
        api.message(8, "a stranger's question")
        api.message(8, "a stranger insists")  # refused once per window, not once per message
        [refusal] = await _texts(api, 8, 1)
        api.message(GROUP, "stranger chatting in a group", user_id=8)
        api.message(GROUP, "/ask stranger asks in a group", user_id=8)
        [group_refusal] = await _texts(api, GROUP, 1)
        api.callback(8, 5000, "src:1", user_id=8)
        await api.until(lambda: api.calls("answerCallbackQuery"), what="the callback answered")
        await api.until(lambda: api.pending_updates() == 0, what="all updates fetched")

    assert qa.questions() == ["allowed question"]
    assert refusal.startswith("Sorry, this bot only answers the people it was set up for.")
    assert "user id: 8." in refusal
    assert group_refusal == refusal
    assert len(api.sent(8)) == 1 and len(api.sent(GROUP)) == 1  # the group chatter got nothing
    [cb] = api.calls("answerCallbackQuery")
    assert cb.params["text"] == refusal and cb.params["show_alert"] == "true"


async def test_a_flood_gets_one_notice_per_window_and_other_users_are_unaffected(api: FakeBotAPI) -> None:
    async with running(api, rate_limit=2, rate_window=60) as (_, qa):
        for i in range(5):
            api.message(5, f"flood {i}")
        api.message(6, "calm question")
        await api.until_sent(6)
        texts = await _texts(api, 5, 3)
        await api.until(lambda: api.pending_updates() == 0, what="all updates fetched")

    assert sorted(qa.questions()) == ["calm question", "flood 0", "flood 1"]
    notices = [t for t in texts if t.startswith("You're asking faster than I can answer")]
    assert len(notices) == 1 and "at most 2 questions a minute" in notices[0]
    assert len(api.sent(5)) == 3


@pytest.mark.parametrize(
    ("text", "extra", "expected"),
    [
        ("   ", {}, "The question is empty."),
        ("🤔🤔 ❓", {}, "The question has no words in it."),
        ("x" * 1001, {}, "The question is too long (1001 characters; the limit is 1000)."),
        (None, {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
                            "is_video": False, "type": "regular"}}, NON_TEXT),
        (None, {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}, NON_TEXT),
        (None, {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}}, NON_TEXT),
        (None, {"document": {"file_id": "d", "file_unique_id": "d"}}, ADMINS_ONLY),
        ("an edited question", {"edited": True}, EDITED),
        ("/nonsense", {}, "I don't know the command /nonsense. Try /help."),
        ("/ask   ", {}, "Ask your question after the command, e.g. /ask"),
    ],
    ids=["whitespace", "emoji-only", "too-long", "sticker", "photo", "voice", "document", "edited", "unknown-cmd",
         "empty-ask"],
)  # fmt: skip
async def test_bad_input_gets_a_friendly_reply_and_never_reaches_the_engine(
    api: FakeBotAPI, text: str | None, extra: dict[str, Any], expected: str
) -> None:
    async with running(api) as (_, qa):
        api.message(5, text, **extra)
        [reply] = await _texts(api, 5, 1)
        api.message(5, "still working?")  # the bot is alive afterwards
        await api.until_sent(5, 2)
    assert reply.startswith(expected)
    assert qa.questions() == ["still working?"]
    assert not api.calls("sendMessage", ok=False)


async def test_markup_characters_in_questions_and_sources_are_escaped_not_resent(api: FakeBotAPI) -> None:
    async with running(api):
        api.message(5, f"What about {NASTY}?")
        [reply] = await api.until_sent(5)
        api.callback(5, reply.message_id, reply.reply_markup["inline_keyboard"][0][0]["callback_data"])  # type: ignore[index]
        sent = await api.until_sent(5, 2)
    assert f"Answer to: What about {NASTY}? [1]" in parse_html(reply.text)  # shown exactly as typed
    assert "fighting <continues> & more" in parse_html(sent[1].text)
    assert [r.status for r in api.calls("sendMessage")] == [200, 200]  # accepted as HTML the first time


async def test_long_answers_are_split_within_4096_with_the_button_on_the_last_part(api: FakeBotAPI) -> None:
    async with running(api) as (_, qa):
        question = api.message(5, "a long answer please")
        await api.until(lambda: any(m.reply_markup for m in api.sent(5)), what="the last part with its button")
        parts = api.sent(5)
    full = qa.answer("a long answer please")
    assert len(parts) >= 3
    assert all(utf16_len(p.text) <= 4096 for p in parts)
    assert all(p.reply_markup is None for p in parts[:-1]) and parts[-1].reply_markup
    assert parts[0].reply_to == question["message"]["message_id"]
    shown = "\n\n".join(parse_html(p.text) for p in parts)
    assert shown.startswith(full.text)  # nothing lost or reordered, cut only between paragraphs
    assert all(parse_html(p.text).startswith("Part ") for p in parts[:3])
    assert not api.calls("sendMessage", ok=False)


async def test_markup_rejected_by_telegram_is_resent_as_plain_text(api: FakeBotAPI) -> None:
    api.fail("sendMessage", 400, description="Bad Request: can't parse entities: Unsupported start tag",
             match=lambda p: p.get("parse_mode") == "HTML")  # fmt: skip
    async with running(api):
        api.message(5, "Who claims Panjshir?")
        [reply] = await api.until_sent(5)
    first, second = api.calls("sendMessage")
    assert first.status == 400 and first.params["parse_mode"] == "HTML"
    assert second.status == 200 and "parse_mode" not in second.params
    assert reply.text.startswith("Answer to: Who claims Panjshir? [1]\n\nSources\n[1] 000_a.txt · 2021-09-06")
    assert reply.reply_markup  # the button survives the resend


async def test_429_is_retried_after_retry_after(api: FakeBotAPI) -> None:
    api.fail("sendMessage", 429, retry_after=1)
    async with running(api):
        api.message(5, "Who claims Panjshir?")
        [reply] = await api.until_sent(5)
    first, second = api.calls("sendMessage")
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0  # waited as Telegram asked
    assert parse_html(reply.text).startswith("Answer to: Who claims Panjshir?")


async def test_a_sendmessage_outage_is_retried_with_capped_backoff_until_delivered_in_chat_order(
    api: FakeBotAPI,
) -> None:
    """Issue 12, item 7: 502s for longer than the old 3-retry budget (which dropped the answer for good) are retried
    with backoff until the message goes through; the chat's next reply comes after it, not before."""
    assert TelegramOptions().retry_for >= 60  # in production: at least a minute per message
    api.fail("sendMessage", 502, times=12)
    api.fail("getUpdates", 502)  # polling survives a bad gateway too
    async with running(api, backoff=0.05, max_backoff=0.2, retry_for=10):
        api.message(5, "first question")
        api.message(5, "second question")
        first, second = await api.until_sent(5, 2, timeout=20)
    attempts = api.calls("sendMessage")
    assert [a.status for a in attempts] == [502] * 12 + [200, 200]
    gaps = [b.at - a.at for a, b in itertools.pairwise(attempts[:13])]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and min(gaps[2:]) >= 0.2  # doubling, then capped...
    assert max(gaps) < 1.5  # ...at max_backoff
    assert parse_html(first.text).startswith("Answer to: first question")
    assert parse_html(second.text).startswith("Answer to: second question")  # in the order they were asked
    assert len(api.sent(5)) == 2


async def test_retrying_a_message_is_bounded_and_the_bot_goes_on(api: FakeBotAPI) -> None:
    api.fail("sendMessage", 502, times=1000)  # Telegram down for good
    async with running(api, backoff=0.05, max_backoff=0.1, retry_for=0.6):
        api.message(5, "lost question")
        await api.until(lambda: len(api.calls("sendMessage")) >= 3, what="a few attempts")
        await asyncio.sleep(1.0)
        tried = len(api.calls("sendMessage"))
        api.clear_faults()
        api.message(5, "next question")
        [reply] = await api.until_sent(5)
    assert 3 <= tried <= 12  # given up after ~0.6 s; no "something went wrong" sent into the outage
    assert parse_html(reply.text).startswith("Answer to: next question")


async def test_a_send_that_times_out_after_telegram_accepted_it_is_not_sent_twice(api: FakeBotAPI) -> None:
    """Issue 12, item 7: the reply arrives after the client stopped waiting, but Telegram did deliver it; sending it
    again showed the answer twice. A timed-out send is not repeated; sends that surely failed still are."""
    api.fail("sendMessage", 0, delay=1.0)  # accepted, answered late
    async with running(api, timeout=0.5, backoff=0.05):
        api.message(5, "Who claims Panjshir?")
        await api.until(lambda: api.sent(5), what="the (late) delivery")
        await asyncio.sleep(0.8)  # time for a blind re-send to happen, if there was one
        api.message(5, "and now?")  # the bot goes on
        await api.until_sent(5, 2)
    answers = [m for m in api.sent(5) if parse_html(m.text).startswith("Answer to: Who claims Panjshir?")]
    assert len(answers) == 1 and len(api.calls("sendMessage", chat_id=5)) == 2


def test_the_bot_waits_for_a_slow_telegram_rather_than_resending() -> None:
    app = build_application(TOKEN, ScriptedQA(), base_url="http://127.0.0.1:9/bot")
    assert app.bot.request.read_timeout >= 30  # the default 5 s would give up on a slow but successful send


async def test_errors_are_logged_with_context_and_the_user_told_without_internals(
    api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running(api):
        api.message(5, "boom")
        [sorry] = await _texts(api, 5, 1)
        api.message(5, "and now?")  # the chat is not stuck behind the failed question
        await api.until_sent(5, 2)
    assert sorry == SOMETHING_WENT_WRONG
    assert "secret" not in " ".join(visible(api, 5))
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "bot.telegram.handlers"]
    assert "chat 5, user 5" in record.getMessage() and "RuntimeError" in record.getMessage()
    assert record.exc_info is not None


async def test_the_token_never_appears_in_logs(api: FakeBotAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.NOTSET)  # as if nothing had quieted it: the bot must
    api.fail("sendMessage", 502)
    async with running(api):
        api.message(5, "boom")
        api.message(6, "Who claims Panjshir?")
        await api.until_sent(5)
        await api.until_sent(6)
    assert api.calls("getUpdates") and caplog.records  # there was plenty to log
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert TOKEN.split(":")[1] not in caplog.text
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


async def test_the_token_is_redacted_in_any_letter_case_in_log_lines_and_tracebacks(
    api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 12, item 2: an error text quoting the request URL, which python-telegram-bot lower-cases when it
    starts with "Bad Request:", reached the log line and the traceback unredacted."""
    caplog.set_level(logging.DEBUG)
    leaked = f"Bad Request: chat not found (POST /bot{TOKEN}/sendMessage)"
    api.fail("sendMessage", 400, description=leaked, times=2)  # the HTML send, then its plain-text resend
    async with running(api):
        api.message(5, "Who claims Panjshir?")
        [sorry] = await _texts(api, 5, 1)
    assert sorry == SOMETHING_WENT_WRONG
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "bot.telegram.handlers"]
    assert errors and errors[0].exc_info  # logged with its traceback...
    text = caplog.text.lower()
    assert "chat not found" in text and "<token>" in text  # ...which quoted the URL, redacted
    assert TOKEN.lower() not in text and TOKEN.split(":")[1].lower() not in text
    assert all(TOKEN.split(":")[1].lower() not in r.getMessage().lower() for r in caplog.records)


async def test_a_huge_quote_is_abridged_and_a_reply_takes_few_messages(api: FakeBotAPI) -> None:
    """Issue 12, item 12: a 200,000-character sentence became a 400 KB answer in about 50 messages."""
    async with running(api):
        api.message(5, "a huge answer please")
        [reply] = await api.until(lambda: [m for m in api.sent(5) if m.reply_markup], what="the answer")
        api.callback(5, reply.message_id, reply.reply_markup["inline_keyboard"][0][0]["callback_data"])  # type: ignore[index]
        await api.until(lambda: api.calls("editMessageReplyMarkup", ok=True), what="the sources shown")
        await asyncio.sleep(0.2)
        sent = api.sent(5)
    answer, quotes = sent[0], sent[1:]
    assert len(sent) == 2 and answer is reply
    shown = parse_html(answer.text)
    assert shown.startswith("word word") and " … [1]" in shown and len(shown) < 2_000
    assert "Before. " not in parse_html(quotes[0].text) and len(quotes[0].text) < 4_096


async def test_a_reply_is_cut_after_max_parts_messages(api: FakeBotAPI) -> None:
    async with running(api, max_parts=2):
        api.message(5, "a long answer please")
        parts = await api.until(lambda: [m for m in api.sent(5) if m.reply_markup] and api.sent(5), what="the reply")
    assert len(parts) == 2 and parts[-1].reply_markup
    assert parse_html(parts[-1].text).endswith(parse_html(CUT_NOTE))


@pytest.mark.parametrize("data", ["src:²", "src:٣", "src:", "src:-1", "src: 1", "src:1e3", "src:" + "9" * 60])
async def test_odd_callback_data_gets_the_gone_notice_not_an_error(
    api: FakeBotAPI, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    """Issue 12, item 12: callback data like `src:²` ('²'.isdigit() is True, int('²') raises) crashed the handler."""
    async with running(api):
        api.callback(5, 1, data)
        await api.until(lambda: api.calls("answerCallbackQuery"), what="the callback answered")
    [answered] = api.calls("answerCallbackQuery")
    assert answered.params.get("text") == SOURCES_GONE
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not api.sent(5)


async def test_show_sources_presses_are_rate_limited_per_user(api: FakeBotAPI) -> None:
    """Issue 12, item 12: every press sent the quoted passages again, without limit."""
    async with running(api, sources_rate_limit=2):
        api.message(5, "What does the NRF say?")
        [reply] = await api.until_sent(5)
        data = reply.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
        for _ in range(6):
            api.callback(5, reply.message_id, data)
        await api.until(lambda: len(api.calls("answerCallbackQuery")) == 6, what="every press answered")
        await asyncio.sleep(0.2)
    assert len(api.sent(5)) == 1 + 2  # the answer, then the quotes twice: the other four presses were refused
    notices = [c.params.get("text", "") for c in api.calls("answerCallbackQuery")]
    assert sum(n.startswith("That's a lot of sources at once") for n in notices) == 4


async def test_history_turns_0_keeps_no_conversation(api: FakeBotAPI) -> None:
    """Issue 12, item 12: QABOT_HISTORY_TURNS=0 kept every turn (a slice [-0:] is the whole list)."""
    async with running(api, history_turns=0) as (_, qa):
        for i in range(3):
            api.message(5, f"question {i}")
            await api.until_sent(5, i + 1)
    assert [len(conversation.turns) for _, conversation in qa.calls] == [0, 0, 0]


async def test_the_short_answer_comes_first_in_bold(api: FakeBotAPI) -> None:
    async with running(api):
        api.message(5, "a short answer please")
        [reply] = await api.until_sent(5)
    assert reply.text.startswith("<b>Ahmad &lt;Massoud&gt; &amp; co</b>\n\nAnswer to: a short answer please [1]")
    assert parse_html(reply.text).startswith("Ahmad <Massoud> & co\n\nAnswer to:")


async def test_chats_are_answered_in_parallel_and_each_chat_in_order(api: FakeBotAPI) -> None:
    async with running(api, concurrency=3) as (_, qa):
        api.message(1, "slow one sleep 1.5")
        api.message(2, "fast two")
        for i, delay in enumerate((0.8, 0, 0.3)):
            api.message(3, f"chat three q{i} sleep {delay}")
        api.message(4, "fast four")
        await api.until_sent(2)
        await api.until_sent(4)
        slow_still_running = not api.sent(1)
        await api.until_sent(1)
        three = await api.until_sent(3, 3)

    assert slow_still_running  # chats 2 and 4 did not wait for chat 1
    assert len(api.calls("sendChatAction", chat_id=1, action="typing")) >= 3  # kept up while computing
    assert [parse_html(m.text).split(" [1]")[0] for m in three] == [
        "Answer to: chat three q0 sleep 0.8",
        "Answer to: chat three q1 sleep 0",
        "Answer to: chat three q2 sleep 0.3",
    ]
    assert [m.reply_to for m in three] == sorted(m.reply_to for m in three)  # type: ignore[type-var]
    assert qa.most_running >= 2  # answers ran in threads, side by side


async def test_one_busy_chat_does_not_hold_the_slots_other_chats_need(api: FakeBotAPI) -> None:
    async with running(api, concurrency=2, rate_limit=20) as _:
        for i in range(4):
            api.message(1, f"queued q{i} sleep 0.3")
        api.message(2, "fast two")
        [fast] = await api.until_sent(2)
        done_in_chat_one = len(api.sent(1))
        await api.until_sent(1, 4)
    assert done_in_chat_one <= 2  # chat 2 was answered while chat 1's queue was still being worked through
    assert parse_html(fast.text).startswith("Answer to: fast two")


async def test_webhook_mode_with_secret_token(api: FakeBotAPI) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = build_application(TOKEN, ScriptedQA(), TelegramOptions(), base_url=api.base_url)
    await app.initialize()
    assert app.updater is not None
    url = f"http://127.0.0.1:{port}/hook"
    await app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="hook", webhook_url=url, secret_token="s3cret-token"
    )
    await app.start()
    try:
        assert api.webhook is not None and api.webhook["url"] == url
        assert api.webhook["secret_token"] == "s3cret-token"
        update = {"update_id": 1, "message": api.make_message(5, "Who claims Panjshir?")}

        def post(secret: str) -> int:
            request = urllib.request.Request(
                url,
                data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return int(response.status)
            except urllib.error.HTTPError as exc:
                return exc.code

        assert await asyncio.to_thread(post, "wrong") == 403
        assert await asyncio.to_thread(post, "s3cret-token") == 200
        [reply] = await api.until_sent(5)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert parse_html(reply.text).startswith("Answer to: Who claims Panjshir? [1]")
    assert len(api.sent(5)) == 1  # the update with the wrong secret was refused
    assert not api.calls("getUpdates")


async def test_real_pipeline_answers_from_the_seed_articles(api: FakeBotAPI, fast_bot: Any) -> None:
    async with running(api, qa=fast_bot):
        api.message(5, "/sources")
        api.message(5, "What did the Taliban claim about the Panjshir Valley?")
        sources, answer = await _texts(api, 5, 2)
        api.message(5, f"Any news about {NASTY}?")
        await api.until_sent(5, 3)
    assert sources.startswith("The articles (5)")
    assert all(f"{s.source}" in sources for s in fast_bot.sources())
    reply = api.sent(5)[1]
    if answer == NO_ANSWER:
        assert reply.reply_markup is None
    else:  # the engine is still being tuned: whatever it answers must cite the seed files, with the button
        assert "\n\nSources\n[1] 00" in answer and reply.reply_markup
    assert not api.calls("sendMessage", ok=False)


def test_build_application_needs_no_network_and_keeps_the_options() -> None:
    qa = ScriptedQA()
    options = TelegramOptions(allowed_user_ids=frozenset({1}), rate_limit=3, concurrency=2)
    app = build_application(TOKEN, qa, options, base_url="http://127.0.0.1:9/bot")
    service = app.bot_data["qa_service"]
    assert service.qa is qa and service.options is options
    assert app.bot.base_url == f"http://127.0.0.1:9/bot{TOKEN}"


async def test_the_fake_bot_api_behaves_like_telegram(api: FakeBotAPI) -> None:
    """What the other tests lean on: Telegram's 400s, 404 for unknown methods, 401 for a wrong token, and
    getUpdates with offset confirmation and a long-poll timeout."""
    from telegram import Bot
    from telegram.error import BadRequest, EndPointNotFound, InvalidToken

    async with Bot(TOKEN, base_url=api.base_url) as bot:
        with pytest.raises(BadRequest, match="text is empty"):
            await bot.send_message(5, " ")
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(5, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(5, "a < b", parse_mode="HTML")
        assert (await bot.send_message(5, "🤔" * 2048)).message_id  # 4096 UTF-16 units: the most allowed
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")

        first = api.message(5, "one")
        api.message(5, "two")
        got = await bot.get_updates(offset=0, timeout=0)
        assert [u.message.text for u in got if u.message] == ["one", "two"]
        got = await bot.get_updates(offset=first["update_id"] + 1, timeout=0)  # confirms "one"
        assert [u.message.text for u in got if u.message] == ["two"]
        started = time.monotonic()
        assert await bot.get_updates(offset=got[0].update_id + 1, timeout=1) == ()
        assert 0.9 <= time.monotonic() - started < 3  # held open until the long-poll timeout
    with pytest.raises(InvalidToken):
        async with Bot("1:wrong", base_url=api.base_url) as other:
            await other.get_me()
    assert api.sent(5)[0].text == "🤔" * 2048
