"""Index-time analysis: each distinct sentence parsed once; many sentences parsed in worker processes with
the same results as in one."""

from __future__ import annotations

import math
import multiprocessing
import threading
from collections.abc import Sequence

import pytest

from retrieval import analysis
from retrieval.analysis import analyse_articles, spacy_analyser
from retrieval.records import Article, Mention, Parse, Span


def _article(source: str, sentences: list[str]) -> Article:
    text = " ".join(sentences)
    spans, at = [], 0
    for s in sentences:
        spans.append(Span(start=at, end=at + len(s)))
        at += len(s) + 1
    return Article(source=source, title=source, sha256="0" * 64, text=text, sentences=tuple(spans))


def test_each_distinct_sentence_is_parsed_once_and_every_sentence_gets_its_parse() -> None:
    asked: list[str] = []

    def analyser(texts: Sequence[str]) -> list[Parse]:
        asked.extend(texts)
        return [Parse(mentions=(Mention(0, len(t), "ORG"),), verbs=(t.lower(),)) for t in texts]

    a = _article("a.txt", ["Reuter", "Acme rose.", "Reuter"])
    b = _article("b.txt", ["Acme rose.", "Beta fell."])
    done = analyse_articles([a, b], analyser)
    assert asked == ["Reuter", "Acme rose.", "Beta fell."]
    verbs = [p.verbs for d in done for p in d.parses]
    assert verbs == [("reuter",), ("acme rose.",), ("reuter",), ("acme rose.",), ("beta fell.",)]
    # offsets are moved to each article's own text
    third = done[0].parses[2].mentions[0]
    assert done[0].text[third.start : third.end] == "Reuter"
    assert done[1].text[done[1].parses[1].mentions[0].start :] == "Beta fell."


def test_many_sentences_are_parsed_in_worker_processes_with_the_same_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [
        f"Shares of Acme Corp {verb} {n} pct in Tokyo on March {n % 28 + 1}, the company's president said."
        for n, verb in zip(range(60), ["rose", "fell", "jumped"] * 20, strict=False)
    ]
    analyse = spacy_analyser()
    monkeypatch.setattr(analysis, "MANY_TEXTS", math.inf)
    alone = analyse(texts)
    monkeypatch.setattr(analysis, "MANY_TEXTS", 10)
    monkeypatch.setattr(analysis.os, "cpu_count", lambda: 2)
    started: list[int] = []
    start = multiprocessing.Process.start

    def counted(process: multiprocessing.Process) -> None:
        started.append(1)
        start(process)

    monkeypatch.setattr(multiprocessing.Process, "start", counted)
    shared = analyse(texts)
    assert len(started) == 2  # two workers did the parsing
    assert shared == alone
    # a process with other threads (a bot that indexes uploads) parses in itself: no fork
    started.clear()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert analyse(texts) == alone and started == []
    finally:
        stop.set()
        other.join()
    assert any(p.mentions for p in alone) and any(p.subject for p in alone)


def test_the_parser_reads_a_word_capitalised_after_an_abbreviation_as_the_article_writes_it() -> None:
    asked: list[str] = []

    def analyser(texts: Sequence[str]) -> list[Parse]:
        asked.extend(texts)
        return [Parse() for _ in texts]

    a = _article(
        "a.txt",
        [
            "Reserves rose to 54 billion U.S. Dlrs, while dlrs fell.",
            "U.S. Trade Representative Clayton Yeutter spoke on trade.",
            "U.S. And New Zealand talks resume.",
            "U.S. Steel said it would cut output.",  # no "steel" in lower case here: a name
        ],
    )
    done = analyse_articles([a], analyser)
    assert asked == [
        "Reserves rose to 54 billion U.S. dlrs, while dlrs fell.",
        "U.S. Trade Representative Clayton Yeutter spoke on trade.",
        "U.S. and New Zealand talks resume.",
        "U.S. Steel said it would cut output.",
    ]
    assert done[0].text == a.text  # the text itself is kept as it is


def test_clauses_give_each_verb_its_subject_object_and_complement() -> None:
    texts = [
        "Walt Disney Co agreed to pay 217 mln dlrs for the station.",
        "The spokesman urged former soldiers to join the ranks.",
        "Fighters held out in Panjshir, which offers a natural defensive advantage.",
        "The board met to consider USAir's offer for Piedmont.",
        "The U.S. indicated it would only be able to pay 56 pct of the budget.",
    ]
    parses = spacy_analyser()(texts)

    def clause(at: int, verb: str) -> tuple[str | None, str | None, str | None]:
        found = next(c for c in parses[at].clauses if c.verb == verb)
        text = texts[at]
        return tuple(text[s.start : s.end] if s else None for s in (found.subject, found.object, found.complement))  # type: ignore[return-value]

    assert clause(0, "pay")[:2] == ("Walt Disney Co", "217 mln dlrs for the station")  # the subject of "agreed"
    assert clause(1, "urge") == ("The spokesman", "former soldiers", "to join the ranks")
    assert clause(1, "join")[0] == "former soldiers"  # who joins is the one urged
    assert clause(2, "offer")[:2] == ("Panjshir", "a natural defensive advantage")  # "which" is Panjshir
    assert clause(3, "offer")[0] == "USAir"  # a possessor does what its noun names
    assert clause(4, "pay")[0] == "it"  # the subject of "be able to"


def test_stored_parses_come_back_the_same() -> None:
    parses = spacy_analyser()(["Acme Corp said its board raised the dividend to 37.5 cts."])
    assert parses[0].clauses
    assert analysis.parses_from_json(analysis.parses_to_json(parses)) == tuple(parses)
