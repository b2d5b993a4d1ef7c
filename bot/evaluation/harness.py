"""Run cases through the one `QABot.answer` every front-end uses: one process, the index loaded once, the
history of a follow-up asked first (unscored), every answer scored."""

from __future__ import annotations

import html
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.evaluation.cases import Case
from bot.evaluation.metrics import satisfies, score_case
from retrieval.errors import QabotError
from retrieval.records import Answer, Conversation, Turn

if TYPE_CHECKING:
    from bot.core import QABot

log = logging.getLogger(__name__)
TAG = re.compile(r"<[^>]+>")


class SourceTexts:
    """The cited files read straight from disk, independently of the index: what a quote must be found in."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self._files: dict[str, str | None] = {}

    def file_text(self, name: str) -> str | None:
        if name not in self._files:
            path = self.corpus / name
            try:
                text = path.read_text(encoding="utf-8").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
                self._files[name] = unicodedata.normalize("NFC", text)
            except (OSError, UnicodeDecodeError):
                self._files[name] = None
        return self._files[name]

    def record_text(self, source: str) -> str | None:
        """The text of one article of a .jsonl file ("file.jsonl#N"); None for whole-file sources."""
        name, _, number = source.partition("#")
        text = self.file_text(name) if number else None
        if text is None:
            return None
        try:
            return unicodedata.normalize("NFC", str(json.loads(text.split("\n")[int(number) - 1])["text"]))
        except (IndexError, ValueError, KeyError, TypeError):
            return None

    def check(self, citation: dict[str, Any]) -> tuple[bool, bool]:
        """(quote found verbatim in the cited file, quote inside the cited line span)."""
        quote = citation.get("quote") or ""
        name, _, record = str(citation["source"]).partition("#")
        text = self.file_text(name)
        if not quote.strip() or text is None:
            return False, False
        if record:  # one article of a .jsonl file: the quote must be in that line's text field
            lines = text.split("\n")
            try:
                body = str(json.loads(lines[int(record) - 1])["text"])
            except (IndexError, ValueError, KeyError, TypeError):
                return False, False
            found = quote in unicodedata.normalize("NFC", body)
            return found, found and citation.get("line_start") == int(record)
        if name.lower().endswith((".html", ".htm")):  # the file holds markup: look in its visible text
            visible = " ".join(html.unescape(TAG.sub(" ", text)).split())
            found = " ".join(quote.split()) in visible
            return found, found
        found = quote in text
        lines = text.split("\n")
        start, end = int(citation.get("line_start") or 0), int(citation.get("line_end") or 0)
        in_span = 1 <= start <= end <= len(lines) and quote in "\n".join(lines[start - 1 : end])
        return found, found and in_span


def unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def record(case: Case, answer: Answer | None, latency_ms: float | None, error: str | None = None) -> dict[str, Any]:
    """What the JSON keeps of one case: the question, what was expected and what the bot said."""
    row = case.to_json()
    row.update(
        answer=answer.text if answer else "",
        short_answer=answer.short_answer if answer else "",
        short_answers=list(answer.short_answers) if answer else [],
        standalone_question=answer.standalone_question if answer else None,
        abstained=bool(answer and answer.abstained),
        disputed=bool(answer and answer.disputed),
        confidence=answer.confidence if answer else None,
        engine=answer.engine if answer else None,
        citations=[
            {
                "n": c.n,
                "source": c.source,
                "title": c.title,
                "line_start": c.line_start,
                "line_end": c.line_end,
                "quote": c.quote,
            }
            for c in (answer.citations if answer else ())
        ],
        retrieved_sources=list(answer.retrieved_sources) if answer else [],
        latency_ms=round(latency_ms, 2) if latency_ms is not None else None,
        timings_ms=dict(answer.timings_ms) if answer else {},
        error=error,
    )
    return row


def run_case(bot: QABot, case: Case, texts: SourceTexts) -> dict[str, Any]:
    conversation = Conversation()
    try:
        for earlier in case.history:
            previous = bot.answer(earlier, conversation)
            conversation = conversation.add(Turn(question=earlier, answer=previous))
        started = time.perf_counter()
        answer = bot.answer(case.question, conversation)
        latency = (time.perf_counter() - started) * 1000
    except QabotError as e:  # a refusal the bot explains (e.g. BadQuestion): part of the result
        return score_case(record(case, None, None, error=f"{type(e).__name__}: {e}"), texts.check)
    except Exception as e:  # a bug: record it, keep the run going, and say so loudly in the log
        log.exception("case %s crashed the bot", case.id)
        return score_case(record(case, None, None, error=f"crash: {type(e).__name__}: {e}"), texts.check)
    scored = score_case(record(case, answer, latency), texts.check)
    add_gold_in_passages(scored, texts)
    return scored


def add_gold_in_passages(row: dict[str, Any], texts: SourceTexts) -> None:
    """For corpora of one-passage articles (.jsonl, e.g. RGB): does the top-1 / any top-5 retrieved passage hold the
    gold answer? (Whole-file articles are too long for this to mean anything: left as None.)"""
    retrieved = row.get("retrieved_sources") or []
    if not row["answerable"] or not row.get("must_include") or not retrieved:
        return
    passages = [texts.record_text(source) for source in retrieved[:5]]
    if any(p is None for p in passages):
        return
    holds = [satisfies(p or "", row["must_include"]) for p in passages]
    row["metrics"]["gold_in_top1"] = holds[0]
    row["metrics"]["gold_in_top5"] = any(holds)


def run_cases(
    bot: QABot,
    cases: Sequence[Case],
    corpus: Path,
    progress: bool = True,
    label: str = "evaluating",
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Every case through `bot.answer`, in order, with a progress bar on stderr."""
    texts = SourceTexts(corpus)
    results: list[dict[str, Any]] = []
    if not progress:
        for case in cases:
            results.append(run_case(bot, case, texts))
            if on_result:
                on_result(results[-1])
        return results

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[green]{task.fields[right]} right"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=len(cases), right=0)
        right = 0
        for case in cases:
            results.append(run_case(bot, case, texts))
            right += bool(results[-1]["right"])
            bar.update(task, advance=1, right=right)
            if on_result:
                on_result(results[-1])
    return results
