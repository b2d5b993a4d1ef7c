"""The live corpus: the index follows the corpus folder while the bot runs.

One writer: `IndexWriter.update` brings the index up to date with the folder (incremental, under the index's
writer lock, so one process writes at a time whoever runs it). `watch` calls it whenever files under the
folder change (watchfiles, debounced): `qabot index --watch` runs it beside the bots, or a bot runs it itself
(QABOT_WATCH=true). Every reader (QABot in bot/core.py) reloads the index when its CURRENT names a new
version, so the writer need not be the process that answers.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrieval.errors import CorpusError
from retrieval.files import display_name
from retrieval.index import LOCK_WAIT, BuildReport
from retrieval.stores import open_store

if TYPE_CHECKING:
    from bot.settings import Settings
    from retrieval.records import Article, Parse

log = logging.getLogger(__name__)


class IndexWriter:
    """Updates the index from the corpus folder, keeping what a build loads (the embedding model, spaCy) between
    updates; each is loaded the first time a build needs it. Updates from several threads run one at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._embedder: Any = None
        self._split: Callable[[Sequence[str]], list[list[tuple[int, int]]]] | None = None
        self._analyse: Callable[[Sequence[str]], list[Parse]] | None = None
        self._lock = threading.RLock()

    def _splitter(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        if self._split is None:
            from retrieval.chunking import spacy_splitter

            self._split = spacy_splitter()
        return self._split(texts)

    def _analyser(self, texts: Sequence[str]) -> list[Parse]:
        if self._analyse is None:
            from retrieval.analysis import spacy_analyser

            self._analyse = spacy_analyser()
        return self._analyse(texts)

    def warm(self) -> None:
        """Load the models now (a watcher does, so that its first update is as quick as the next)."""
        with self._lock:
            self._load_embedder().embed(["warm up"])
            self._analyser(["Warm up."])
            self._splitter(["Warm up."])

    def _load_embedder(self) -> Any:
        if self._embedder is None:
            from retrieval.embed import make_embedder

            self._embedder = make_embedder(self.settings.embedder)
        return self._embedder

    def split(self, articles: list[Article]) -> list[Article]:
        """The articles with their sentences, split as a build splits them."""
        from retrieval.chunking import split_sentences

        with self._lock:
            return split_sentences(articles, self._splitter)

    def update(
        self, lock_wait: float = LOCK_WAIT, on_stage: Callable[[str], None] | None = None, rebuild: bool = False
    ) -> BuildReport:
        """Bring the index up to date with the corpus folder, embedding only what changed (everything: `rebuild`)."""
        s = self.settings
        with self._lock:
            return open_store(s).update(
                s.corpus,
                self._load_embedder(),
                s.chunking,
                rebuild=rebuild,
                index_type=s.index_type,
                splitter=self._splitter,
                analyser=self._analyser,
                on_stage=on_stage,
                lock_wait=lock_wait,
            )


def watch(
    settings: Settings,
    writer: IndexWriter | None = None,
    stop: threading.Event | None = None,
    report: Callable[[str], None] = log.info,
) -> None:
    """Update the index now, then whenever files under the corpus folder change (once they have been quiet for
    QABOT_WATCH_DEBOUNCE seconds), until `stop` is set or Ctrl-C. One line per update goes to `report`; an update
    that fails is reported and watching goes on (the index stays as it was)."""
    from watchfiles import watch as changes

    writer = writer or IndexWriter(settings)
    corpus = settings.corpus.resolve()
    if not corpus.is_dir():
        raise CorpusError(f"The corpus folder {settings.corpus} does not exist.")
    try:
        writer.warm()
    except Exception as err:  # a missing model: the update reports it
        log.warning("the index writer's models did not load: %s", err)
    quiet = max(50, int(settings.watch_debounce * 1000))
    wanted = functools.partial(_wanted, corpus, settings.index_dir.resolve())
    first = True
    for batch in changes(
        corpus,
        watch_filter=wanted,
        step=quiet,
        debounce=max(1600, 4 * quiet),
        stop_event=stop,
        rust_timeout=1000,
        yield_on_timeout=True,  # the first (empty) batch: the watcher is running, so nothing is missed from here on
        raise_interrupt=False,
    ):
        if batch or first:
            line = update_line(writer, first)
            if line:
                report(line)
            first = False


def _wanted(corpus: Path, index_dir: Path, change: object, path: str) -> bool:
    """A change under the corpus that may matter: not a hidden file (an upload's temporary file) nor the index."""
    p = Path(path)
    if p == index_dir or p.is_relative_to(index_dir):
        return False
    try:
        return not any(part.startswith(".") for part in p.relative_to(corpus).parts)
    except ValueError:
        return False


def update_line(writer: IndexWriter, always: bool = False) -> str | None:
    """Update the index; one line saying what changed (None if nothing did, unless `always`)."""
    at = time.strftime("%H:%M:%S")
    try:
        report = writer.update()
    except Exception as err:  # any failure: the previous index stays live and the watch goes on
        log.debug("update failed", exc_info=True)
        return f"{at} the index was not updated: {err}"
    totals = f"{report.files} files, {report.articles} articles, {report.sentences} sentences"
    skipped = "".join(f"; skipped {display_name(path)}: {why}" for path, why in report.skipped)
    if report.up_to_date:
        return f"{at} the index is up to date ({totals}){skipped}" if always else None
    changed = [
        f"{label} {', '.join(map(display_name, items))}"
        for label, items in (("added", report.added), ("changed", report.changed), ("removed", report.removed))
        if items
    ]
    return f"{at} {'; '.join(changed) or 'updated'}{skipped} -> {totals} in {report.seconds:.1f} s"
