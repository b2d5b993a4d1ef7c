"""The answering core: one `answer(question, conversation)` that every front-end calls."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.citations import SourceFiles, finalise
from bot.engines import make_engine
from bot.engines.base import Draft, Engine, Evidence
from bot.followup import standalone_question
from bot.phrases import NO_ANSWER
from bot.settings import Settings
from retrieval.errors import BadQuestion, IndexBusy, IndexMissing, IndexNotWritable, QabotError
from retrieval.index import LOCK_WAIT, BuildReport, Index, current_version, load_index
from retrieval.records import Answer, Conversation
from retrieval.search import Retriever
from retrieval.stores import open_store

if TYPE_CHECKING:
    from bot.live import IndexWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceInfo:
    source: str
    title: str
    date: str | None
    chunks: int


def check_question(question: str, max_chars: int) -> str:
    """The question, trimmed, in compatibility form (full-width letters as ASCII) without invisible format
    characters (zero-width spaces); BadQuestion with a friendly message if it cannot be asked."""
    folded = unicodedata.normalize("NFKC", question)
    text = " ".join("".join(ch for ch in folded if unicodedata.category(ch) != "Cf").split())
    if not text:
        raise BadQuestion("The question is empty. Ask something about the articles, e.g. “Who leads the NRF?”")
    if len(text) > max_chars:
        raise BadQuestion(f"The question is too long ({len(text)} characters; the limit is {max_chars}).")
    if not any(ch.isalnum() for ch in text):
        raise BadQuestion("The question has no words in it. Ask something about the articles in words.")
    return text


def ensure_index(settings: Settings, progress: bool = False, on_stage: Callable[[str], None] | None = None) -> Index:
    """Load the index; build it when there is none, update it when the corpus changed."""
    from retrieval.embed import make_embedder

    index: Index | None = None
    store = open_store(settings)
    try:
        index = store.load()
        stale = index.stale_files(settings.corpus) if settings.corpus.is_dir() else []
        rechunk = index.manifest.get("chunking") != settings.chunking.describe()
        if not stale and not rechunk:
            return index
        if rechunk:
            log.info("the index was chunked differently (settings or a newer qabot): rebuilding it")
        else:
            log.info("the corpus changed (%s): updating the index", ", ".join(stale[:5]))
        if not settings.corpus.is_dir():
            return index  # nothing to rebuild from: keep answering from the index as it is
    except IndexMissing:
        log.info("no index yet at %s: building it", store)
    try:  # with an index to fall back on, don't wait for another writer: answer from what is there
        rebuild_index(
            settings,
            make_embedder(settings.embedder),
            progress=progress,
            on_stage=on_stage,
            lock_wait=0.0 if index is not None else LOCK_WAIT,
        )
    except (IndexNotWritable, IndexBusy) as err:
        if index is None:
            raise
        log.warning("%s", stale_notice(err))
        return index
    return store.load()


def stale_notice(err: IndexNotWritable | IndexBusy) -> str:
    """One line: why the answers come from the last good index."""
    if isinstance(err, IndexBusy):
        return f"the index is being updated by {err.holder}; answering from the last good index"
    return f"the index could not be updated ({err.reason}); answering from the last good index"


def rebuild_index(
    settings: Settings,
    embedder: object,
    rebuild: bool = False,
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
    lock_wait: float = LOCK_WAIT,
) -> BuildReport:
    from retrieval.embed import Embedder

    assert isinstance(embedder, Embedder)
    return open_store(settings).update(
        settings.corpus,
        embedder,
        settings.chunking,
        rebuild=rebuild,
        index_type=settings.index_type,
        progress=progress,
        on_stage=on_stage,
        lock_wait=lock_wait,
    )


@dataclass(frozen=True)
class Loaded:
    """One index version and the retriever over it: what an answer uses from its start to its end."""

    index: Index
    retriever: Retriever


class QABot:
    """Index + retriever + engine, loaded once. `answer` is safe to call from several threads.

    The index stays live: once following (`follow()`, started by the first answer), the bot looks at the index's
    CURRENT every QABOT_RELOAD_INTERVAL seconds and loads a new version in the background; the next answers use it,
    answers in flight finish on the version they started with (a retired version stays on disk for a grace period).
    With QABOT_WATCH=true it also watches the corpus folder and writes the new versions itself (bot/live.py)."""

    def __init__(self, settings: Settings, index: Index, retriever: Retriever, engine: Engine) -> None:
        self.settings = settings
        self._loaded = Loaded(index, retriever)
        self.engine = engine
        self.files = SourceFiles(Path(str(index.manifest.get("corpus", settings.corpus))))
        self._engines: dict[str, Engine] = {engine.name: engine}
        self._lock = threading.RLock()
        self._writer: IndexWriter | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._reloading = threading.Lock()
        self._unusable = ""  # a version that failed to load: not tried again until CURRENT moves on

    @property
    def index(self) -> Index:
        return self._loaded.index

    @property
    def retriever(self) -> Retriever:
        return self._loaded.retriever

    @property
    def writer(self) -> IndexWriter:
        """This process's index writer (its models loaded once): for the watcher and for adding articles."""
        with self._lock:
            if self._writer is None:
                from bot.live import IndexWriter

                self._writer = IndexWriter(self.settings)
            return self._writer

    def reload(self) -> bool:
        """Load the index version CURRENT names if it is not the one answering; True if the bot switched to it.
        A version that cannot be used is logged once and the bot keeps answering from the one it has."""
        with self._reloading:  # one load at a time: a second caller then finds the version loaded
            loaded = self._loaded
            try:
                name = current_version(loaded.index.path).name
            except QabotError:
                return False
            if name in (loaded.index.version, self._unusable):
                return False
            try:
                index = load_index(loaded.index.path)
                retriever = Retriever(index, loaded.retriever.embedder, fusion=loaded.retriever.fusion)
                self.engine.prepare(index)  # before the switch: answers go on from the old version meanwhile
            except QabotError as err:
                self._unusable = name
                log.warning("the index has a new version that cannot be used (%s); answering from the loaded one", err)
                return False
            self._loaded = Loaded(index, retriever)  # one assignment: an answer sees the old version or the new one
            log.info("index reloaded: %s, %d articles", index.version, len(index.articles))
            return True

    def follow(self) -> None:
        """Start following the index in the background (and, with QABOT_WATCH, writing it from the corpus folder).
        Called again, it does nothing; `close()` stops it."""
        if self._threads or self._stop.is_set():
            return
        with self._lock:
            if self._threads:
                return
            # The threads hold no reference to the bot: a bot that is dropped stops them (finalize).
            weakref.finalize(self, self._stop.set)
            if self.settings.reload_interval > 0:
                follow = (weakref.ref(self), self._stop, self.settings.reload_interval)
                self._threads.append(threading.Thread(target=_follow, args=follow, name="qabot-reload", daemon=True))
            if self.settings.watch:
                watch = (self.settings, self.writer, self._stop)
                self._threads.append(threading.Thread(target=_watch, args=watch, name="qabot-watch", daemon=True))
            for thread in self._threads:
                thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop following the index and watching the corpus."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    @classmethod
    def load(
        cls, settings: Settings | None = None, progress: bool = False, on_stage: Callable[[str], None] | None = None
    ) -> QABot:
        from retrieval.embed import make_embedder

        settings = settings or Settings()
        index = ensure_index(settings, progress=progress, on_stage=on_stage)
        embedder = make_embedder(settings.query_embedder_spec, settings.query_threads)
        retriever = Retriever(index, embedder, fusion=settings.fusion)
        engine = make_engine(settings.engine, settings)
        engine.prepare(index)  # the first answer does not wait for what the engine reads of the whole corpus
        return cls(settings, index, retriever, engine)

    def use_engine(self, spec: str) -> None:
        """Switch the answering engine (e.g. from the REPL's :engine command)."""
        with self._lock:
            if spec not in self._engines:
                self._engines[spec] = make_engine(spec, self.settings)
            self.engine = self._engines[spec]

    def sources(self) -> list[SourceInfo]:
        return [SourceInfo(source, title, date, chunks) for source, title, date, chunks in self.index.catalogue()]

    def evidence(self, standalone: str, loaded: Loaded | None = None) -> Evidence:
        """What retrieval finds for a standalone question: the engine's input."""
        loaded = loaded or self._loaded  # read once: the index and its retriever come from the same version
        index, retriever = loaded.index, loaded.retriever
        qvec = retriever.embed_query(standalone)
        passages = retriever.search(standalone, k=self.settings.top_k, qvec=qvec)
        return Evidence(standalone, qvec, passages, index, retriever.search)

    def answer(self, question: str, conversation: Conversation | None = None) -> Answer:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        self.follow()
        loaded = self._loaded  # this answer's index version, whatever is reloaded meanwhile
        asked = check_question(question, self.settings.max_question_chars)
        conversation = conversation or Conversation()
        engine = self.engine
        standalone = (engine.condense(asked, conversation) if conversation.turns else None) or standalone_question(
            asked, conversation, loaded.index
        )
        timings["rewrite_ms"] = _ms(started)

        t = time.perf_counter()
        evidence = self.evidence(standalone, loaded)
        passages = evidence.passages
        timings["retrieve_ms"] = _ms(t)

        t = time.perf_counter()
        draft = engine.draft(evidence)
        text, citations = finalise(draft, loaded.index, self.files)
        if not draft.abstained and not citations:
            log.info("engine %s cited nothing verifiable: abstaining", engine.name)
            draft = Draft(text=NO_ANSWER, abstained=True, confidence=0.0, engine=draft.engine or engine.name)
            text = NO_ANSWER
        timings["compose_ms"] = _ms(t)
        timings["total_ms"] = _ms(started)
        return Answer(
            question=asked,
            standalone_question=standalone,
            text=text,
            short_answer="; ".join(draft.short_answers) if not draft.abstained else "",
            short_answers=draft.short_answers if not draft.abstained else (),
            citations=citations,
            abstained=draft.abstained,
            disputed=draft.disputed and not draft.abstained,
            confidence=round(draft.confidence, 4),
            engine=draft.engine or engine.name,
            retrieved_sources=tuple(p.chunk.source for p in passages),
            timings_ms=timings,
        )


def _follow(bot: weakref.ref[QABot], stop: threading.Event, interval: float) -> None:
    """Look for a new index version every `interval` seconds while the bot exists and is not closed."""
    while not stop.wait(interval):
        live = bot()
        if live is None:
            return
        try:
            live.reload()
        except Exception:  # never let the follower die: the next look may succeed
            log.exception("looking for a new index version failed")
        del live


def _watch(settings: Settings, writer: IndexWriter, stop: threading.Event) -> None:
    from bot.live import watch

    try:
        watch(settings, writer, stop)
    except Exception as err:
        log.warning("not watching the corpus folder: %s", err)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
