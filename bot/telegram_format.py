"""Telegram message text: HTML rendering (every dynamic piece escaped), splitting at 4096, plain-text fallback.

Pure functions, no telegram import: the Telegram front-end and its tests share them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bot.phrases import NO_ANSWER

if TYPE_CHECKING:
    from bot.core import SourceInfo
    from retrieval.records import Answer, Citation

MAX_MESSAGE = 4096  # Telegram's limit for one message's text, in UTF-16 code units
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
    return f"[{c.n}] <code>{esc(c.source)}</code> · {esc(c.date or 'undated')} · {lines}"


def render_answer(answer: Answer) -> str:
    """The answer with its inline markers, then a Sources list (file, date, lines, title)."""
    body = esc(answer.text.strip() or NO_ANSWER)
    if answer.abstained or not answer.citations:
        return body
    lines = [body, "", "<b>Sources</b>"]
    for c in answer.citations:
        lines.append(f"{citation_label(c)} — <i>{esc(c.title)}</i>")
    return "\n".join(lines)


def render_quotes(citations: Sequence[Citation]) -> str:
    """The quoted passages behind an answer's citations, the quote itself in bold within its passage."""
    blocks = ["<b>Quoted passages</b>"]
    for c in citations:
        passage = c.passage.strip()
        quote = c.quote.strip()
        at = passage.find(quote) if passage and quote else -1
        if at >= 0:
            inner = f"{esc(passage[:at])}<b>{esc(quote)}</b>{esc(passage[at + len(quote) :])}"
        else:
            inner = f"<b>{esc(quote or passage)}</b>"
        blocks.append(f"{citation_label(c)}\n<i>{esc(c.title)}</i>\n<blockquote>{inner}</blockquote>")
    return "\n\n".join(blocks)


def render_sources(sources: Iterable[SourceInfo]) -> str:
    items = list(sources)
    if not items:
        return "There are no articles in the index yet."
    lines = [f"<b>The articles ({len(items)})</b>"]
    for i, s in enumerate(items, 1):
        lines.append(f"{i}. <i>{esc(s.title)}</i>\n    <code>{esc(s.source)}</code> · {esc(s.date or 'undated')}")
    return "\n\n".join(lines)


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
