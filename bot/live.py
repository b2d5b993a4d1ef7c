"""The live corpus: the index follows the corpus folder while the bot runs.

One writer: `IndexWriter.update` brings the index up to date with the folder (incremental, under the index's
writer lock, so one process writes at a time whoever runs it). `watch` calls it whenever files under the
folder change (watchfiles, debounced): `qabot index --watch` runs it beside the bots, or a bot runs it itself
(QABOT_WATCH=true). Every reader (QABot in bot/core.py) reloads the index when its CURRENT names a new
version, so the writer need not be the process that answers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from retrieval.index import LOCK_WAIT, BuildReport
from retrieval.stores import open_store

if TYPE_CHECKING:
    from bot.settings import Settings
    from retrieval.records import Article

log = logging.getLogger(__name__)


class IndexWriter:
    """Updates the index from the corpus folder, keeping what a build loads (the embedding model, spaCy) between
    updates. Thread-safe: updates from several threads run one at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._models: tuple[Any, Any, Any] | None = None
        self._lock = threading.Lock()

    def _loaded(self) -> tuple[Any, Any, Any]:
        if self._models is None:
            from retrieval.analysis import spacy_analyser
            from retrieval.chunking import spacy_splitter
            from retrieval.embed import make_embedder

            self._models = (make_embedder(self.settings.embedder), spacy_splitter(), spacy_analyser())
        return self._models

    def split(self, articles: list[Article]) -> list[Article]:
        """The articles with their sentences, split as a build splits them."""
        from retrieval.chunking import split_sentences

        with self._lock:
            return split_sentences(articles, self._loaded()[1])

    def update(self, lock_wait: float = LOCK_WAIT, on_stage: Callable[[str], None] | None = None) -> BuildReport:
        """Bring the index up to date with the corpus folder, embedding only what changed."""
        s = self.settings
        with self._lock:
            embedder, splitter, analyser = self._loaded()
            return open_store(s).update(
                s.corpus,
                embedder,
                s.chunking,
                index_type=s.index_type,
                splitter=splitter,
                analyser=analyser,
                on_stage=on_stage,
                lock_wait=lock_wait,
            )
