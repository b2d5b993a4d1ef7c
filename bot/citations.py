"""Quotes -> verified, numbered citations. Any marker without a verified quote behind it is removed."""

from __future__ import annotations

import html
import re
from pathlib import Path

from bot.engines.base import Draft, Quote
from retrieval.chunking import line_of
from retrieval.files import read_inside
from retrieval.index import Index
from retrieval.ingest import jsonl_record_text, normalise
from retrieval.records import Article, Citation

MARKER = re.compile(r"\[(\d{1,3})\]")


class SourceFiles:
    """The cited files as they are on disk now (normalised as at indexing), re-read when they change."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self._cache: dict[str, tuple[tuple[int, ...], bytes]] = {}  # file -> (inodes, mtime, size), its bytes
        self._lines: dict[str, tuple[bytes, list[bytes]]] = {}  # .jsonl files: the bytes and their lines

    def text(self, article: Article) -> str | None:
        """The article's text as it is on disk now, normalised as at indexing; None if it cannot be read
        (gone, not UTF-8, or a link out of the corpus folder: those are never read)."""
        path = self.corpus / article.file
        try:  # the key changes when the file, or what a link points at, is replaced (even by a same-size twin)
            link, stat = path.lstat(), path.stat()
            key = (link.st_ino, link.st_mode, stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(article.file)
            if cached is None or cached[0] != key:
                cached = (key, read_inside(self.corpus, path))
                self._cache[article.file] = cached
        except (OSError, RuntimeError):
            return None
        data = cached[1]
        try:
            if article.record is not None:  # one article of a .jsonl file: the text field of that line
                entry = self._lines.get(article.file)
                if entry is None or entry[0] is not data:
                    entry = self._lines[article.file] = (data, data.split(b"\n"))
                return jsonl_record_text(entry[1][article.record - 1])
            return normalise(data.decode("utf-8"))
        except (IndexError, ValueError):
            return None


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
