"""Telegram message text: HTML rendering (every dynamic piece escaped), splitting at 4096, plain-text fallback.

Pure functions, no telegram import: the Telegram front-end and its tests share them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.console import clean, file_name, one_line, short_answer_lines, shorten, shorten_quotes
from bot.phrases import NO_ANSWER

if TYPE_CHECKING:
    from bot.core import SourceInfo
    from retrieval.records import Answer, Citation

MAX_MESSAGE = 4096  # Telegram's limit for one message's text, in UTF-16 code units
MAX_PARTS = 5  # messages one reply may take; the rest is cut with CUT_NOTE
MAX_PASSAGE_CHARS = 3000  # a quoted passage under "Show sources" longer than this is shown abridged
CUT_NOTE = "<i>(The rest is too long to send here.)</i>"
_CLOSING_RESERVE = 64  # room kept for the closing tags added where a message is cut

_TOKEN = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|[^<&]", re.S)
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")


def esc(value: object) -> str:
    """One dynamic piece, safe in Telegram HTML text (<, > and & escaped; no dynamic piece goes in an attribute)."""
    return html.escape(str(value), quote=False)


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def html_to_text(markup: str) -> str:
    """The text a reader sees: tags dropped, entities decoded (for the plain-text resend)."""
    return html.unescape(re.sub(r"<[^<>]*>", "", markup))


def lines_label(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


def citation_label(c: Citation) -> str:
    """`[1] file.txt · 2021-09-06 · lines 5–7`, escaped."""
    lines = lines_label(c.line_start, c.line_end)
    return f"[{c.n}] <code>{esc(file_name(c.source))}</code> · {esc(one_line(c.date or 'undated'))} · {lines}"


def render_answer(answer: Answer) -> str:
    """The short answer in bold (one line per part of a two-part question) when the engine gave one, then the
    cited body with its inline markers (very long quotes abridged), then a Sources list (file, date, lines, title)."""
    body = esc(clean(shorten_quotes(answer.text.strip())) or NO_ANSWER)
    short = [f"<b>{esc(clean(line))}</b>" for line in short_answer_lines(answer)]
    if short:
        body = "\n".join(short) + "\n\n" + body
    if answer.abstained or not answer.citations:
        return body
    lines = [body, "", "<b>Sources</b>"]
    for c in answer.citations:
        lines.append(f"{citation_label(c)} — <i>{esc(one_line(c.title))}</i>")
    return "\n".join(lines)


def render_quotes(citations: Sequence[Citation]) -> str:
    """The quoted passages behind an answer's citations, the quote itself in bold within its passage."""
    blocks = ["<b>Quoted passages</b>"]
    for c in citations:
        passage = clean(c.passage).strip()
        quote = shorten(clean(c.quote).strip(), MAX_PASSAGE_CHARS)
        at = passage.find(quote) if passage and quote else -1
        if at >= 0 and len(passage) <= MAX_PASSAGE_CHARS:
            inner = f"{esc(passage[:at])}<b>{esc(quote)}</b>{esc(passage[at + len(quote) :])}"
        elif at >= 0:  # a huge passage: the quote with a little of what surrounds it
            before, after = passage[:at], passage[at + len(quote) :]
            room = max(0, (MAX_PASSAGE_CHARS - len(quote)) // 2)
            before = ("… " + before[-room:].lstrip()) if len(before) > room else before
            after = shorten(after, room) if room else ("…" if after.strip() else "")
            inner = f"{esc(before)}<b>{esc(quote)}</b>{esc(after)}"
        else:
            inner = f"<b>{esc(quote or shorten(passage, MAX_PASSAGE_CHARS))}</b>"
        blocks.append(f"{citation_label(c)}\n<i>{esc(one_line(c.title))}</i>\n<blockquote>{inner}</blockquote>")
    return "\n\n".join(blocks)


def render_sources(sources: Iterable[SourceInfo]) -> str:
    items = list(sources)
    if not items:
        return "There are no articles in the index yet."
    lines = [f"<b>The articles ({len(items)})</b>"]
    for i, s in enumerate(items, 1):
        lines.append(
            f"{i}. <i>{esc(one_line(s.title))}</i>\n"
            f"    <code>{esc(file_name(s.source))}</code> · {esc(one_line(s.date or 'undated'))}"
        )
    return "\n\n".join(lines)


def split_message(markup: str, max_parts: int = MAX_PARTS) -> list[str]:
    """`split_html`, at most `max_parts` messages: what does not fit is cut, and the last part says so."""
    parts = split_html(markup)
    if len(parts) <= max(1, max_parts):
        return parts
    kept = parts[: max(1, max_parts) - 1]
    last = split_html(parts[len(kept)], MAX_MESSAGE - tg_len(CUT_NOTE) - 2)[0]
    return [*kept, f"{last}\n\n{CUT_NOTE}"]


def split_html(markup: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut Telegram HTML into messages of at most `limit` UTF-16 units each, preferring paragraph, then line,
    then word boundaries; never inside a tag or an entity. Tags open at a cut are closed at the end of one part
    and reopened at the start of the next, so every part is valid HTML on its own. Empty parts are dropped."""
    if limit <= _CLOSING_RESERVE * 2:
        raise ValueError(f"limit {limit} is too small")
    parts: list[str] = []
    rest = markup.strip()
    while rest and tg_len(rest) > limit:
        head, tail = _cut(rest, limit - _CLOSING_RESERVE)
        if html_to_text(head).strip():
            parts.append(head)
        rest = tail
    if rest and html_to_text(rest).strip():
        parts.append(rest)
    return parts


def _cut(markup: str, budget: int) -> tuple[str, str]:
    """Split `markup` at the best boundary within `budget` units; returns (closed head, reopened tail)."""
    Open = tuple[tuple[str, str], ...]  # (name, opening tag) of the tags open at a position
    stack: Open = ()
    best: dict[str, tuple[int, Open]] = {}  # "para" / "line" / "word" / "any" -> last such position within budget
    used = 0
    for match in _TOKEN.finditer(markup):
        token = match.group(0)
        size = 1 if len(token) == 1 and token < "\U00010000" else tg_len(token)
        if used + size > budget:
            break
        used += size
        pos = match.end()
        if len(token) > 1 and token[0] == "<" and (tag := _TAG.match(token)):
            name = tag.group(2).lower()
            if tag.group(1):
                names = [n for n, _ in stack]
                if name in names:
                    stack = stack[: len(names) - 1 - names[::-1].index(name)]
            elif not token.rstrip().endswith("/>"):
                stack = (*stack, (name, token))
        best["any"] = (pos, stack)
        if token == "\n":
            best["line"] = (pos, stack)
            if markup[pos - 2 : pos] == "\n\n":
                best["para"] = (pos, stack)
        elif token in (" ", "\t"):
            best["word"] = (pos, stack)
    cut, open_tags = next((best[k] for k in ("para", "line", "word", "any") if k in best), (0, ()))
    if cut == 0:  # a single token larger than the budget: cannot happen with escaped text, but never loop
        cut = max(1, min(len(markup), budget))
    head = markup[:cut].rstrip() + "".join(f"</{name}>" for name, _ in reversed(open_tags))
    tail = "".join(tag for _, tag in open_tags) + markup[cut:].lstrip()
    return head, tail
