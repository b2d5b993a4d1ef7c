"""Telegram message formatting: escaping, splitting at 4096, plain-text fallback; and the bot's small parts
(rate limiter, per-chat locks). Checked against the fake server's Telegram HTML parser."""

from __future__ import annotations

import asyncio
import random
import re

import pytest

from bot.core import SourceInfo
from bot.telegram.format import (
    MAX_MESSAGE,
    html_to_text,
    render_answer,
    render_quotes,
    render_sources,
    split_html,
    tg_len,
)
from retrieval.records import Answer, Citation

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fake_bot_api import TelegramHTMLError, parse_html
except ModuleNotFoundError:
    from fake_bot_api import TelegramHTMLError, parse_html  # type: ignore[no-redef]

NASTY = "<b>bold?</b> & &amp; _*[x](y)` </i> <script>alert(1)</script> \"q\" 'a' > <"


def citation(n: int = 1, **kw: object) -> Citation:
    values: dict[str, object] = {
        "n": n,
        "source": "a_<b>.txt",
        "title": "Title & <i>co</i>",
        "date": "2021-09-06",
        "line_start": 3,
        "line_end": 4,
        "quote": "the quote & <tag>",
        "passage": "Before it, the quote & <tag> and after.",
    }
    values.update(kw)
    return Citation(**values)  # type: ignore[arg-type]


def answer(text: str, *citations: Citation, abstained: bool = False) -> Answer:
    return Answer(question="q", standalone_question="q", text=text, citations=citations, abstained=abstained)


def test_the_fake_parser_rejects_what_telegram_rejects() -> None:
    """The checks below lean on this parser: it must refuse raw markup characters and bad tags."""
    for bad in ("a < b", "fish & chips", "<b>open", "<b>x</i>", "<script>x</script>", "<b>x</b></b>"):
        with pytest.raises(TelegramHTMLError):
            parse_html(bad)
    assert parse_html("<b>a</b> &lt;&amp;&gt; <blockquote>q</blockquote>") == "a <&> q"


def test_every_dynamic_piece_is_escaped() -> None:
    a = answer(f"Answer {NASTY} [1]", citation(title=NASTY, source=f"{NASTY}.txt", date=NASTY, quote=NASTY))
    html = render_answer(a)
    shown = parse_html(html)  # valid Telegram HTML despite the markup characters everywhere
    assert f"Answer {NASTY} [1]" in shown
    assert f"[1] {NASTY}.txt · {NASTY} · lines 3–4 — {NASTY}" in shown
    quotes = render_quotes(a.citations)
    assert NASTY in parse_html(quotes)
    sources = render_sources([SourceInfo(f"{NASTY}.txt", NASTY, None, 2)])
    assert f"1. {NASTY}\n    {NASTY}.txt · undated" in parse_html(sources)


def test_answer_lists_sources_with_file_date_lines_and_abstention_has_none() -> None:
    a = answer("X said Y [1] and Z [2].", citation(1), citation(2, source="b.txt", date=None, line_start=7, line_end=7))
    shown = parse_html(render_answer(a))
    assert shown.splitlines()[:3] == ["X said Y [1] and Z [2].", "", "Sources"]
    assert "[1] a_<b>.txt · 2021-09-06 · lines 3–4 — Title & <i>co</i>" in shown
    assert "[2] b.txt · undated · line 7 — Title & <i>co</i>" in shown
    assert parse_html(render_answer(answer("The articles don't say.", abstained=True))) == "The articles don't say."


def test_quotes_show_the_quote_in_bold_within_its_passage() -> None:
    html = render_quotes([citation(1), citation(2, passage="")])
    assert "<blockquote>Before it, <b>the quote &amp; &lt;tag&gt;</b> and after.</blockquote>" in html
    assert "<blockquote><b>the quote &amp; &lt;tag&gt;</b></blockquote>" in html  # no passage: the quote alone


def _check_parts(parts: list[str], original: str, limit: int) -> None:
    assert parts, "nothing to send"
    for part in parts:
        assert tg_len(part) <= limit, f"part of {tg_len(part)} units over {limit}"
        assert parse_html(part).strip(), "an empty part would be a 400 from Telegram"
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731 - cuts only drop the whitespace they happen at
    assert squash("".join(parse_html(p) for p in parts)) == squash(parse_html(original))


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    para = "word " * 150  # 750 chars
    text = "\n\n".join(f"Paragraph {i}. {para.strip()}" for i in range(12))  # ~9,100 chars
    parts = split_html(text)
    _check_parts(parts, text, MAX_MESSAGE)
    assert len(parts) == 3
    assert all(p.startswith("Paragraph ") and p.endswith("word") for p in parts)  # whole paragraphs

    lines = "\n".join(f"line {i} " + "x" * 60 for i in range(200))  # no blank lines: cut at a line end
    parts = split_html(lines)
    _check_parts(parts, lines, MAX_MESSAGE)
    assert all(re.fullmatch(r"line \d+ x{60}", p.splitlines()[-1]) for p in parts)

    words = " ".join(f"w{i}" for i in range(3000))  # one huge line: cut between words
    parts = split_html(words)
    _check_parts(parts, words, MAX_MESSAGE)
    assert all(re.fullmatch(r"w\d+", p.split(" ")[-1]) for p in parts)


def test_split_never_cuts_inside_a_tag_or_an_entity_and_reopens_tags() -> None:
    text = "<b>" + "&amp;&lt; " * 1500 + "</b>\n\n<blockquote>" + "quoted text " * 700 + "</blockquote>"
    parts = split_html(text, limit=1000)
    _check_parts(parts, text, 1000)  # parse_html raises on a cut tag or entity, or an unclosed tag
    assert len(parts) >= 10
    assert all(p.startswith(("<b>", "<blockquote>")) for p in parts)


def test_split_counts_utf16_units_and_handles_a_word_longer_than_a_message() -> None:
    emoji = "🤔" * 3000  # 6,000 UTF-16 units, no boundary at all
    parts = split_html(emoji)
    _check_parts(parts, emoji, MAX_MESSAGE)
    assert len(parts) == 2
    assert split_html("short <b>one</b>") == ["short <b>one</b>"]
    assert split_html("  \n\n ") == []


def test_split_random_markup_always_gives_valid_parts() -> None:
    rng = random.Random(7)
    pieces = ["word", "&amp;", "&lt;", "🤔", "é", " ", " ", "\n", "\n\n", "<b>x y</b>", "<i>a</i>", "<code>c d</code>"]
    for _ in range(8):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(200, 2500)))
        if not html_to_text(text).strip():
            continue
        for limit in (300, 1000, MAX_MESSAGE):
            _check_parts(split_html(text, limit), text, limit)


def test_plain_text_fallback_is_what_the_reader_would_have_seen() -> None:
    html = render_answer(answer(f"A {NASTY} [1]", citation()))
    assert html_to_text(html) == parse_html(html)


def test_rate_limiter_sliding_window_and_one_notice_per_window() -> None:
    from bot.telegram.limits import RateLimiter

    now = [100.0]
    limiter = RateLimiter(limit=2, window=60, clock=lambda: now[0])
    assert limiter.hit(1) == 0 and limiter.hit(1) == 0
    assert limiter.hit(1) == pytest.approx(60)
    assert limiter.hit(2) == 0  # another user is not affected
    assert limiter.notice_due(1) and not limiter.notice_due(1)
    now[0] += 30
    assert limiter.hit(1) == pytest.approx(30) and not limiter.notice_due(1)
    now[0] += 30.5
    assert limiter.hit(1) == 0  # the first two fell out of the window
    assert limiter.notice_due(1)
    assert RateLimiter(limit=0, window=60).hit(1) == 0  # 0 turns it off


async def test_chat_locks_keep_order_within_a_chat_and_are_dropped_when_unused() -> None:
    from bot.telegram.ordering import ChatLocks

    locks = ChatLocks()
    order: list[str] = []

    async def job(chat: int, name: str, delay: float) -> None:
        async with locks.hold(chat):
            await asyncio.sleep(delay)
            order.append(name)

    await asyncio.gather(job(1, "a1", 0.2), job(1, "a2", 0.0), job(2, "b1", 0.05), job(1, "a3", 0.0))
    assert order == ["b1", "a1", "a2", "a3"]
    assert len(locks) == 0


def test_the_short_answer_leads_in_bold_one_line_per_part_and_never_for_an_abstention() -> None:
    two = Answer(
        question="q", standalone_question="q", text="Body [1]", citations=(citation(),),
        short_answer="6 <Sept> & co; to end it", short_answers=("6 <Sept> & co", "to end it"),
    )  # fmt: skip
    html = render_answer(two)
    assert html.startswith("<b>6 &lt;Sept&gt; &amp; co</b>\n<b>to end it</b>\n\nBody [1]\n\n<b>Sources</b>")
    abstained = Answer(question="q", standalone_question="q", text="The articles don't say.", short_answer="Yes",
                       short_answers=("Yes",), abstained=True)  # fmt: skip
    assert render_answer(abstained) == "The articles don't say."
    assert parse_html(render_answer(answer("Body [1]", citation()))).startswith("Body [1]\n\nSources")


def test_file_names_with_newlines_and_control_characters_stay_on_their_line() -> None:
    odd = citation(source="nrf\nreport\x1b[2J.txt", title="Two\nlines\x07", date="2021-09-06")
    shown = parse_html(render_answer(answer("Body [1]", odd)))
    [line] = [line for line in shown.splitlines() if line.startswith("[1]")]
    assert line == "[1] nrf\\nreport\\x1b[2J.txt · 2021-09-06 · lines 3–4 — Two lines"
    assert "\x07" not in render_quotes([odd]) and "\x1b" not in render_quotes([odd])


def test_may_have_arrived_tells_a_failed_send_from_one_telegram_may_have_carried_out() -> None:
    import httpx
    from telegram.error import NetworkError, TimedOut

    from bot.telegram.sending import may_have_arrived

    def caused(error: NetworkError, cause: BaseException | None) -> NetworkError:
        error.__cause__ = cause
        return error

    request = httpx.Request("POST", "http://127.0.0.1/bot/sendMessage")
    assert not may_have_arrived(caused(NetworkError("Bad Gateway (502)"), None))  # Telegram answered: it failed
    assert not may_have_arrived(caused(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")))
    assert not may_have_arrived(caused(TimedOut(), httpx.ConnectTimeout("slow", request=request)))
    assert not may_have_arrived(caused(TimedOut("Pool timeout"), httpx.PoolTimeout("busy", request=request)))
    assert may_have_arrived(caused(TimedOut(), httpx.ReadTimeout("no answer", request=request)))
    assert may_have_arrived(caused(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone")))
