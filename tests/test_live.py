"""The live corpus (bot/live.py, QABot's reload): a running bot answers from articles added to or removed from its
corpus folder, without a restart and without dropping an answer in flight. Real folders, a real index on disk
(hashing embedder), the real watcher (watchfiles) in-process and `qabot index --watch` as a subprocess. Waits are
deadlines for correctness (poll up to 30-60 s), never timing asserts."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from bot.core import QABot
from bot.engines.base import Draft, Engine, Evidence
from bot.live import IndexWriter
from bot.settings import Settings
from retrieval.index import collect_versions, current_version, load_index
from retrieval.records import Answer
from tests.conftest import SEEDS, make_settings
from tests.test_cli import env_for
from tests.test_index_faults import child

FLOODS = (
    "Floods in Kabul\n2021-09-09\n\nHeavy rain flooded the old bazaar of Kabul on Thursday.\n\n"
    "The city council said forty shops were damaged by the water.\n"
)
SHOPS = "How many shops were damaged by the water in Kabul?"
NRF = "Who leads the NRF?"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(SEEDS.iterdir()):
        shutil.copy(path, corpus)
    s = make_settings(tmp_path, corpus=corpus, reload_interval=0.2, watch_debounce=0.2)
    IndexWriter(s).update()
    return s


def eventually(check: Callable[[], bool], deadline: float = 30.0) -> bool:
    """Whether `check()` comes true within `deadline` seconds (polled)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return check()


def cites(bot: QABot, question: str, source: str) -> bool:
    return any(c.source == source for c in bot.answer(question).citations)


def test_a_bot_watching_its_corpus_answers_from_added_and_stops_citing_removed_articles(settings: Settings) -> None:
    others = set(threading.enumerate())
    bot = QABot.load(settings.model_copy(update={"watch": True}))
    try:
        bot.follow()
        assert not cites(bot, SHOPS, "floods.txt")
        (settings.corpus / "floods.txt").write_text(FLOODS, encoding="utf-8")
        assert eventually(lambda: cites(bot, SHOPS, "floods.txt")), "the added article was never answered from"
        assert "floods.txt" in bot.index.files
        (settings.corpus / "floods.txt").unlink()
        assert eventually(lambda: "floods.txt" not in bot.index.files), "the removed article stayed in the index"
        assert not cites(bot, SHOPS, "floods.txt")
        assert bot.answer(NRF).citations  # the rest of the corpus still answers
    finally:
        bot.close()
    assert [t.name for t in threading.enumerate() if t not in others and t.name.startswith("qabot-")] == []


def test_a_bot_reloads_what_another_process_writes(settings: Settings) -> None:
    """No watcher in the bot: a writer elsewhere publishes a version and the bot only follows CURRENT."""
    bot = QABot.load(settings)
    try:
        bot.follow()
        old = bot.index.version
        (settings.corpus / "floods.txt").write_text(FLOODS, encoding="utf-8")
        writer = child(env_for(settings), "index")
        assert writer.wait(120) == 0, writer.communicate()
        assert eventually(lambda: bot.index.version != old)
        assert bot.index.version == current_version(settings.index_dir).name
        assert cites(bot, SHOPS, "floods.txt")
    finally:
        bot.close()


class Paused(Engine):
    """The real engine, stopped after retrieval until released: an answer held in flight."""

    def __init__(self, inner: Engine) -> None:
        self.inner, self.name = inner, inner.name
        self.started, self.release = threading.Event(), threading.Event()
        self.seen: list[str] = []

    def draft(self, evidence: Evidence) -> Draft:
        self.seen.append(evidence.index.version)
        self.started.set()
        assert self.release.wait(30)
        return self.inner.draft(evidence)


def test_an_answer_in_flight_during_a_reload_completes(settings: Settings) -> None:
    loaded = QABot.load(settings)
    engine = Paused(loaded.engine)
    bot = QABot(settings, loaded.index, loaded.retriever, engine)
    old = bot.index.version
    answers: list[Answer] = []
    asking = threading.Thread(target=lambda: answers.append(bot.answer(NRF)))
    asking.start()
    try:
        assert engine.started.wait(30)
        (settings.corpus / "floods.txt").write_text(FLOODS, encoding="utf-8")
        IndexWriter(settings).update()
        bot.reload()  # the bot's follower (every 0.2 s here) may have switched to the new version first
        assert bot.index.version != old
        collect_versions(settings.index_dir, keep=bot.index.version, grace=0)  # the old version is gone from disk
        assert not (settings.index_dir / old).exists()
    finally:
        engine.release.set()
        asking.join(30)
    assert engine.seen == [old]
    assert answers and answers[0].citations and not answers[0].abstained
    assert cites(bot, SHOPS, "floods.txt")  # the next answer uses the new version
    bot.close()


def test_a_version_that_cannot_be_loaded_leaves_the_bot_answering(settings: Settings) -> None:
    bot = QABot.load(settings)
    before = bot.index.version
    (settings.corpus / "floods.txt").write_text(FLOODS, encoding="utf-8")
    IndexWriter(settings).update()
    new = current_version(settings.index_dir)
    (new / "manifest.json").write_text("{broken", encoding="utf-8")
    assert not bot.reload()
    assert bot.index.version == before and bot.answer(NRF).citations
    assert not bot.reload()  # not tried again until CURRENT moves on


def test_qabot_index_watch_picks_up_a_new_file_and_exits_0_on_sigterm(settings: Settings) -> None:
    proc = child(env_for(settings, QABOT_WATCH_DEBOUNCE="0.2"), "index", "--watch")
    out, err = Collected(proc.stdout), Collected(proc.stderr)
    try:
        assert eventually(lambda: "the index is up to date" in out.text, 90), err.text  # watching from here on
        (settings.corpus / "floods.txt").write_text(FLOODS, encoding="utf-8")
        assert eventually(lambda: "floods.txt" in load_index(settings.index_dir).files, 60)
        assert eventually(lambda: "added floods.txt" in out.text)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, err.text
    finally:
        if proc.poll() is None:
            proc.kill()
    out.join(), err.join()
    assert "added floods.txt -> 6 files, 6 articles" in out.text
    assert "Traceback" not in err.text and "stopped watching" in err.text


class Collected(threading.Thread):
    """What a child process writes to one stream, read as it comes."""

    def __init__(self, stream: IO[str] | None) -> None:
        super().__init__(daemon=True)
        assert stream is not None
        self.stream, self.text = stream, ""
        self.start()

    def run(self) -> None:
        for line in self.stream:
            self.text += line
