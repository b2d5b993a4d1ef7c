"""Ingest to sentences: corpus files -> articles -> sentences -> parses -> vectors, and articles -> chunks.
Every store reuses this; only where the results are kept differs (retrieval/stores/)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.analysis import SentenceAnalyser, analyse_articles, spacy_analyser
from retrieval.chunking import ChunkConfig, SentenceSplitter, chunk_article, spacy_splitter, split_sentences
from retrieval.embed import Embedder
from retrieval.ingest import load_corpus
from retrieval.records import Article, Chunk


@dataclass
class BuildReport:
    files: int = 0
    articles: int = 0
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0  # sentences embedded by this run
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason); a .jsonl line: "line N: ..."
    unread: set[str] = field(default_factory=set)  # files left out whole (not in the manifest)
    seconds: float = 0.0
    index_type: str = ""
    up_to_date: bool = False


@dataclass
class SentenceWork:
    """What a build needs to turn files into articles with sentences, their parses and their vectors."""

    embedder: Embedder
    splitter: SentenceSplitter | None = None
    analyser: SentenceAnalyser | None = None
    batch_size: int = 64
    progress: bool = False
    on_stage: Callable[[str], None] | None = None

    def articles_and_vectors(self, corpus: Path, files: set[str], report: BuildReport) -> tuple[list[Article], Any]:
        """The files' articles with their sentences, and one vector per sentence (only these are embedded)."""
        fresh = load_corpus(corpus, only=files)
        report.skipped += fresh.skipped
        report.unread |= fresh.unread
        if self.on_stage:
            self.on_stage(f"splitting {len(fresh.articles)} articles into sentences")
        articles = split_sentences(fresh.articles, self.splitter or spacy_splitter()) if fresh.articles else []
        if articles:
            if self.on_stage:
                self.on_stage(f"parsing {sum(len(a.sentences) for a in articles)} sentences")
            articles = analyse_articles(articles, self.analyser or spacy_analyser())
        texts = [a.text[s.start : s.end] for a in articles for s in a.sentences]
        if self.on_stage:
            self.on_stage(f"embedding {len(texts)} sentences")
        vectors = (
            self.embedder.embed(texts, batch_size=self.batch_size, progress=self.progress)
            if texts
            else np.zeros((0, self.embedder.dim), dtype=np.float32)
        )
        report.embedded = len(texts)
        return articles, np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.embedder.dim)


def make_chunks(
    articles: list[Article], config: ChunkConfig, first_id: int = 0, first_sentence: int = 0
) -> list[Chunk]:
    """The articles' chunks, ids counting from first_id, sentence rows from first_sentence (articles in order)."""
    chunks: list[Chunk] = []
    row = first_sentence
    for article in articles:
        chunks.extend(chunk_article(article, config, first_id=first_id + len(chunks), first_sentence=row))
        row += len(article.sentences)
    return chunks


def report_counts(report: BuildReport, manifest: dict[str, Any], files: int) -> None:
    counts = manifest["counts"]
    report.files = files
    report.articles, report.chunks, report.sentences = counts["articles"], counts["chunks"], counts["sentences"]
    report.index_type = str(manifest["index_type"])
