"""A loaded index: the corpus (articles, chunks, sentence rows), the sentence vectors and the store that
searches them. Whatever the store, the engines read this one object (through Evidence).

Memory layout. `articles` is any Mapping of source -> Article and `chunks` any Sequence of Chunk (chunk id =
position): plain dicts and lists where an index is built in memory (Milvus, tests), views over the
version's SQLite files for the FAISS store (retrieval/stores/faiss.py: only the sources and a bounded cache
of decoded articles stay in memory). The sentence rows are `SentenceRows`, numpy columns: per row its
article (an ordinal into the sources), its span (start, end) and the chunks that contain it (CSR offsets
into one array of chunk ids), about 26 bytes a sentence; `sentence_source`, `sentence_span` and
`sentence_chunks` read them row by row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from retrieval.ingest import file_hashes
from retrieval.manifest import file_changes
from retrieval.records import Article, Chunk, Span

if TYPE_CHECKING:
    from retrieval.stores.base import VectorStore


@dataclass
class Index:
    """A loaded index: what the engines read (articles, chunks, sentence rows, vectors); dense and keyword
    search through `store`."""

    path: Path
    manifest: dict[str, object]
    articles: Mapping[str, Article]  # in corpus order (sentence rows follow it)
    chunks: Sequence[Chunk]  # chunk id -> chunk; the chunks of one article are consecutive
    vectors: Any  # (sentences, dim) float32 rows: a numpy array, or rows read back from an IVF index
    sentence_source: Sequence[str]  # per sentence row: its article's source
    sentence_span: Sequence[Span]  # per sentence row: its span in the article text
    sentence_chunks: Sequence[tuple[int, ...]]  # per sentence row: the chunks that contain it
    faiss_index: Any = field(default=None, repr=False)  # the FAISS index (the faiss store), else None
    store: VectorStore | None = field(default=None, repr=False)  # what `Retriever` searches
    version: str = ""  # the version folder it was loaded from (what CURRENT named); "" for a Milvus store
    _by_source: dict[str, list[Chunk]] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def model_id(self) -> str:
        return str(self.manifest["model_id"])

    @property
    def files(self) -> dict[str, str]:
        files = self.manifest["files"]
        assert isinstance(files, dict)
        return files

    def sentence_text(self, row: int) -> str:
        span = self.sentence_span[row]
        return self.articles[self.sentence_source[row]].text[span.start : span.end]

    def catalogue(self) -> list[tuple[str, str, str | None, int]]:
        """(source, title, date, chunk count) of every article, in corpus order. A stored index answers from its
        columns and one query per segment, without decoding every article."""
        headings = getattr(self.articles, "headings", None)
        count_of = getattr(self.chunks, "count_of", None)
        if headings is not None and count_of is not None:
            return [(source, title, date, count_of(source)) for source, title, date in headings()]
        return [(a.source, a.title, a.date, len(self.chunks_of(a.source))) for a in self.articles.values()]

    def chunks_of(self, source: str) -> list[Chunk]:
        """The chunks of one article, in order."""
        of_article = getattr(self.chunks, "of_article", None)
        if of_article is not None:
            return list(of_article(source))
        if self._by_source is None:  # chunks held in memory: grouped once
            grouped: dict[str, list[Chunk]] = {}
            for chunk in self.chunks:
                grouped.setdefault(chunk.source, []).append(chunk)
            self._by_source = grouped
        return self._by_source.get(source, [])

    def stale_files(self, corpus: Path) -> list[str]:
        """Files added, changed or removed since the build."""
        return sorted(set().union(*file_changes(self.manifest, file_hashes(corpus))))  # type: ignore[arg-type]


class SentenceRows:
    """Per sentence row (articles in order, their sentences in order), as numpy columns: `article` (an ordinal
    into `sources`), `start` and `end` (its span in the article text), and the chunks that contain it,
    `chunk_ids[chunk_offsets[row] : chunk_offsets[row + 1]]` in id order."""

    def __init__(
        self,
        sources: Sequence[str],
        article: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        chunk_offsets: np.ndarray,
        chunk_ids: np.ndarray,
    ) -> None:
        self.sources = sources
        self.article, self.start, self.end = article, start, end
        self.chunk_offsets, self.chunk_ids = chunk_offsets, chunk_ids

    @classmethod
    def build(
        cls,
        sources: Sequence[str],
        article: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        chunk_first: np.ndarray,
        chunk_count: np.ndarray,
        chunk_id: np.ndarray | None = None,
    ) -> SentenceRows:
        """The rows, with chunk membership made from each chunk's first row and sentence count (its id: `chunk_id`,
        by default its position)."""
        n = len(article)
        counts = chunk_count.astype(np.int64)
        ids = np.arange(len(counts), dtype=np.int32) if chunk_id is None else chunk_id.astype(np.int32)
        ids = np.repeat(ids, counts)
        starts = np.repeat(chunk_first.astype(np.int64) - np.cumsum(counts) + counts, counts)
        rows = starts + np.arange(len(ids), dtype=np.int64)  # each chunk's rows, chunk after chunk
        if len(rows) and (rows.min() < 0 or rows.max() >= n):
            raise ValueError("a chunk holds sentence rows the index does not have")
        order = np.argsort(rows, kind="stable")  # by row, then by chunk id (the chunks come in id order)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=offsets[1:])
        return cls(sources, article, start, end, offsets, ids[order])

    def __len__(self) -> int:
        return len(self.article)

    def views(self) -> tuple[Sequence[str], Sequence[Span], Sequence[tuple[int, ...]]]:
        """What `Index.sentence_source`, `sentence_span` and `sentence_chunks` hold."""
        return _SourceColumn(self), _SpanColumn(self), _ChunksColumn(self)


class _Column(Sequence[Any]):
    """One per-row view of SentenceRows."""

    def __init__(self, rows: SentenceRows) -> None:
        self.rows = rows
        self.n = len(rows)

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, row: int) -> Any: ...
    @overload
    def __getitem__(self, row: slice) -> list[Any]: ...
    def __getitem__(self, row: int | slice) -> Any:
        if isinstance(row, slice):
            return [self.at(r) for r in range(*row.indices(self.n))]
        r = row + self.n if row < 0 else row
        if not 0 <= r < self.n:
            raise IndexError(f"sentence row {row} of {self.n}")
        return self.at(r)

    def __iter__(self) -> Iterator[Any]:
        return (self.at(r) for r in range(self.n))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(other) == self.n and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def at(self, row: int) -> Any:
        raise NotImplementedError


class _SourceColumn(_Column):
    def at(self, row: int) -> str:
        return self.rows.sources[self.rows.article[row]]

    def __iter__(self) -> Iterator[str]:
        sources = self.rows.sources
        return (sources[a] for a in self.rows.article.tolist())


class _SpanColumn(_Column):
    def at(self, row: int) -> Span:
        return Span(int(self.rows.start[row]), int(self.rows.end[row]))


class _ChunksColumn(_Column):
    def __init__(self, rows: SentenceRows) -> None:
        super().__init__(rows)
        self.offsets, self.ids = rows.chunk_offsets, rows.chunk_ids

    def at(self, row: int) -> tuple[int, ...]:
        return tuple(self.ids[self.offsets[row] : self.offsets[row + 1]].tolist())


def sentence_rows(
    articles: Mapping[str, Article], chunks: Sequence[Chunk]
) -> tuple[Sequence[str], Sequence[Span], Sequence[tuple[int, ...]]]:
    """Per sentence row (articles in order, their sentences in order): its source, its span, its chunks."""
    sources = list(articles)
    counts = [len(a.sentences) for a in articles.values()]
    spans = np.array([(s.start, s.end) for a in articles.values() for s in a.sentences], dtype=np.int64)
    spans = spans.reshape(-1, 2)
    rows = SentenceRows.build(
        sources,
        np.repeat(np.arange(len(sources), dtype=np.int32), counts),
        spans[:, 0].astype(np.int32),
        spans[:, 1].astype(np.int32),
        np.array([c.first_sentence for c in chunks], dtype=np.int64),
        np.array([len(c.sentences) for c in chunks], dtype=np.int64),
        np.array([c.id for c in chunks], dtype=np.int64),
    )
    return rows.views()
