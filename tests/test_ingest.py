"""Ingestion: file types, metadata, boilerplate, normalisation; chunking: offsets and line spans."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

from retrieval.chunking import ChunkConfig, chunk_article, spacy_splitter, split_sentences
from retrieval.ingest import find_date, load_corpus, normalise
from retrieval.records import Article
from tests.conftest import SEEDS


def test_seed_titles_dates_and_boilerplate() -> None:
    corpus = load_corpus(SEEDS)
    assert len(corpus.articles) == 5 and not corpus.skipped
    by = {a.source: a for a in corpus.articles}
    assert by["000_4f3a661b7eca570c.txt"].date == "2021-09-06"
    assert by["003_7f4bbf828aada050.txt"].date == "2021-09-07"
    assert by["002_3a15821f95648dd1.txt"].date is None  # the text states no date of its own
    assert by["004_d43c2334b4d5c13b.txt"].date is None  # a photo caption's date is not the article's
    assert by["003_7f4bbf828aada050.txt"].title == "Panjshir, the last pocket of resistance, falls to Taliban"
    press = by["004_d43c2334b4d5c13b.txt"]
    furniture = [press.text[s.start : s.end] for s in press.boilerplate]
    assert any("alternate addresses" in line for line in furniture)
    assert any(line.replace("\xa0", " ").split() == ["News", "/", "Afghanistan"] for line in furniture)
    assert all(len(a.sha256) == 64 for a in corpus.articles)


def test_file_types_unknown_and_unreadable(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A headline about the valley\n\nThe valley is narrow. It has one road.\n")
    html = (
        "<html><head><title>Valley news</title></head><body><nav>Home | World</nav><article><h1>Valley news</h1>"
        + "".join(
            f"<p>Paragraph {i} says the valley is long and narrow and hard to reach by road.</p>" for i in range(6)
        )
        + "</article><footer>All rights reserved</footer></body></html>"
    )
    (tmp_path / "b.html").write_text(html)
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"text": "First record text.", "title": "One", "date": "2021-09-06"})
        + "\n\n"
        + json.dumps({"text": "Second record text."})
        + "\n"
    )
    (tmp_path / "d.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "e.txt").write_bytes(b"\xff\xfe\x00bad utf-8 \xc3")
    corpus = load_corpus(tmp_path)
    sources = {a.source for a in corpus.articles}
    assert sources == {"a.md", "b.html", "c.jsonl#1", "c.jsonl#3"}
    skipped = dict(corpus.skipped)
    assert "unsupported" in skipped["d.pdf"] and "unreadable" in skipped["e.txt"]
    by = {a.source: a for a in corpus.articles}
    assert by["a.md"].title == "A headline about the valley"
    assert "Paragraph 3 says" in by["b.html"].text and "<p>" not in by["b.html"].text
    assert by["c.jsonl#1"].title == "One" and by["c.jsonl#1"].date == "2021-09-06"
    assert by["c.jsonl#3"].line_offset == 2


def test_normalise_and_dates() -> None:
    assert normalise("\ufeffe\u0301\r\nx") == "\u00e9\nx"
    assert find_date(" date 2021-09-06 Something happened.") == "2021-09-06"
    assert find_date("Headline\n7 Sep 2021\nBody") == "2021-09-07"
    assert find_date("It happened on September 6, 2021, in the valley.") is None
    # a newswire dateline with what the feed left after it
    assert find_date("MCLEAN SETS SALE OF ASSETS\n27-MAR-1987 13:23:36.32&#5;&#5;&#5;F\n\nBody") == "1987-03-27"
    for codes in ("RM", "C G T M", "V RM"):  # several routing codes
        assert find_date(f"STRIKES IN SPAIN\n27-MAR-1987 07:05:32.87&#5;&#5;&#5;{codes}\n\nBody") == "1987-03-27"


def test_chunks_keep_offsets_lines_and_sentences() -> None:
    corpus = load_corpus(SEEDS)
    articles = split_sentences(corpus.articles, spacy_splitter())
    for article in articles:
        lines = (SEEDS / article.source).read_text(encoding="utf-8").split("\n")
        chunks = chunk_article(article, ChunkConfig(chunk_size=400, overlap=1))
        assert chunks, article.source
        for chunk in chunks:
            assert chunk.text == article.text[chunk.start : chunk.end]
            span_text = "\n".join(lines[chunk.line_start - 1 : chunk.line_end])
            assert chunk.text in normalise(span_text)
            for s in chunk.sentences:
                assert chunk.start <= s.start < s.end <= chunk.end
                assert "\n" not in article.text[s.start : s.end]  # sentences never cross a line
            assert not chunk.text.startswith("date 2021")  # the date mark is metadata
        # consecutive chunks share the overlap sentence, unless a one-sentence chunk or a boilerplate line
        # (a new section) stands between them
        for a, b in itertools.pairwise(chunks):
            section_break = any(a.end <= s.start and s.end <= b.start for s in article.boilerplate)
            assert a.sentences[-1] == b.sentences[0] or len(a.sentences) == 1 or section_break
        # boilerplate is never chunked
        for span in article.boilerplate:
            assert all(not (c.start < span.end and span.start < c.end) for c in chunks)


def test_an_ellipsis_between_a_lower_case_word_and_a_capitalised_one_ends_a_sentence() -> None:
    text = (
        "Jul 7, 2020 ... Jane Doe won the 2019 Open golf ... The event will be the first of 2020. CEO ... CEO of Acme."
    )
    article = Article(source="a.txt", title="t", sha256="0" * 64, text=text)

    def whole(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return [[(0, len(t))] for t in texts]  # a segmenter that never splits

    (split,) = split_sentences([article], whole)
    assert [text[s.start : s.end] for s in split.sentences] == [
        "Jul 7, 2020 ... Jane Doe won the 2019 Open golf ...",
        "The event will be the first of 2020. CEO ... CEO of Acme.",
    ]
