"""Quotes -> verified, numbered citations. Any marker without a verified quote behind it is removed."""

from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from bot.engines.base import Draft, Quote
from retrieval.chunking import line_of
from retrieval.files import read_inside
from retrieval.index import Index
from retrieval.ingest import jsonl_record_text, normalise
from retrieval.records import Article, Citation

MARKER = re.compile(r"\[(\d{1,3})\]")


class SourceFiles:
    """The cited files as they are on disk now (normalised as at indexing), re-read when they change.

    The files read last are kept, up to CACHE_BYTES in all (the file being read always): a bot that has
    answered for a long time holds a few files, not every file it ever cited. Thread-safe."""

    CACHE_BYTES = 32 * 2**20

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        # file -> (its key: inodes, mode, mtime, size), its bytes, for .jsonl where each line starts
        self._cache: OrderedDict[str, tuple[tuple[int, ...], bytes, np.ndarray | None]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def text(self, article: Article) -> str | None:
        """The article's text as it is on disk now, normalised as at indexing; None if it cannot be read
        (gone, not UTF-8, or a link out of the corpus folder: those are never read)."""
        path = self.corpus / article.file
        try:  # the key changes when the file, or what a link points at, is replaced (even by a same-size twin)
            link, stat = path.lstat(), path.stat()
            key = (link.st_ino, link.st_mode, stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
            with self._lock:
                cached = self._cache.get(article.file)
                if cached is not None and cached[0] == key:
                    self._cache.move_to_end(article.file)
            if cached is None or cached[0] != key:
                data = read_inside(self.corpus, path)
                starts = _line_starts(data) if article.record is not None else None
                cached = (key, data, starts)
                self._keep(article.file, cached)
        except (OSError, RuntimeError):
            return None
        _, data, starts = cached
        try:
            if article.record is not None:  # one article of a .jsonl file: the text field of that line
                if starts is None:  # the file was cached as a whole-file article
                    starts = _line_starts(data)
                line = article.record - 1
                if not 0 <= line < len(starts):
                    return None
                end = int(starts[line + 1]) - 1 if line + 1 < len(starts) else len(data)
                return jsonl_record_text(data[int(starts[line]) : end])
            return normalise(data.decode("utf-8"))
        except (IndexError, ValueError):
            return None

    def _keep(self, file: str, entry: tuple[tuple[int, ...], bytes, np.ndarray | None]) -> None:
        with self._lock:
            old = self._cache.pop(file, None)
            if old is not None:
                self._bytes -= len(old[1])
            self._cache[file] = entry
            self._bytes += len(entry[1])
            while self._bytes > self.CACHE_BYTES and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._bytes -= len(dropped[1])


def _line_starts(data: bytes) -> np.ndarray:
    """Where each line of the bytes starts (line i runs up to the next start, minus its newline)."""
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    return np.concatenate(([0], newlines + 1)).astype(np.int64)


def quote_is_verbatim(index: Index, files: SourceFiles, quote: Quote) -> bool:
    """The quote lies within its article, and its text is found verbatim in the cited file."""
    article = index.articles.get(quote.source)
    if article is None or not (0 <= quote.start < quote.end <= len(article.text)):
        return False
    text = article.text[quote.start : quote.end]
    if not text.strip():
        return False
    on_disk = files.text(article)
    if on_disk is None:
        return False
    text = normalise(text)  # both sides in the one form articles are indexed in (NFC)
    if article.file.lower().endswith((".html", ".htm")):
        return _collapse(text) in _collapse(html.unescape(re.sub(r"<[^>]+>", " ", on_disk)))
    return text in on_disk


def _collapse(text: str) -> str:
    """Whitespace folded to single spaces: an HTML page and its extracted text differ only there."""
    return " ".join(text.split())


def passage_around(index: Index, quote: Quote) -> str:
    """The chunk that holds the quote (the first one, if chunks overlap), for "show sources"."""
    for chunk in index.chunks_of(quote.source):
        if chunk.start <= quote.start and quote.end <= chunk.end:
            return chunk.text
    return index.articles[quote.source].text[quote.start : quote.end]


def finalise(draft: Draft, index: Index, files: SourceFiles) -> tuple[str, tuple[Citation, ...]]:
    """Renumber the markers that point at verified quotes (in order of first use), drop the rest."""
    renumber: dict[int, int] = {}
    citations: list[Citation] = []
    seen: dict[Quote, int] = {}

    def replace(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n in renumber:
            return f"[{renumber[n]}]"
        if not (1 <= n <= len(draft.quotes)) or not quote_is_verbatim(index, files, draft.quotes[n - 1]):
            return ""
        quote = draft.quotes[n - 1]
        if quote in seen:
            renumber[n] = seen[quote]
            return f"[{renumber[n]}]"
        article = index.articles[quote.source]
        citations.append(
            Citation(
                n=len(citations) + 1,
                source=quote.source,
                title=article.title,
                date=article.date,
                line_start=line_of(article, quote.start),
                line_end=line_of(article, quote.end),
                quote=article.text[quote.start : quote.end],
                passage=passage_around(index, quote),
            )
        )
        renumber[n] = seen[quote] = len(citations)
        return f"[{renumber[n]}]"

    text = MARKER.sub(replace, draft.text)
    text = re.sub(r"(\[\d+\])(?:\s*\1)+", r"\1", text)  # "[1] [1]" -> "[1]"
    text = re.sub(r"[ \t]+([.,;:])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()
    return text, tuple(citations)
