"""Admin uploads over Telegram: a real Application polling the fake Bot API, documents downloaded through getFile,
URLs fetched from a real HTTP server on 127.0.0.1, articles stored in a temporary corpus and indexed for real
(hashing embedder). Everyone else sending a file is refused politely."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.settings import Settings
from bot.telegram.app import Uploads
from bot.telegram.handlers import ADMINS_ONLY
from retrieval.index import load_index
from tests.fake_bot_api import FakeBotAPI, parse_html
from tests.test_telegram import ScriptedQA, running
from tests.test_uploads import RAIN, server, settings, writer  # the corpus, index and web server of those tests

__all__ = ["server", "settings", "writer"]  # fixtures used here

ADMIN, ALLOWED = 7, 8


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def site(server: str) -> str:
    return f"{server}/news/dam.html"


def corpus_files(s: Settings) -> set[str]:
    return {p.name for p in s.corpus.iterdir()}


async def test_an_admin_adds_a_document_and_a_url_and_both_are_indexed(
    api: FakeBotAPI, settings: Settings, site: str
) -> None:
    async with running(api, uploads=Uploads(settings), admin_user_ids=frozenset({ADMIN})) as (_, qa):
        api.document(ADMIN, "Kabul rain.txt", RAIN)
        [added] = await api.until_sent(ADMIN, 1, timeout=60)
        api.message(ADMIN, site)
        await api.until_sent(ADMIN, 2, timeout=60)
    page = api.sent(ADMIN)[1]  # the page, titled "Dam opens on the Helmand river"
    assert added.text == "Added “Floods in Kabul” (2021-09-09): 3 sentences, stored as Kabul-rain.txt and indexed."
    assert page.text.startswith("Added “Dam opens on the Helmand river” (2021-09-10): ")
    assert api.calls("getFile") and api.calls("download")  # the file came through the Bot API's file download
    assert qa.questions() == []  # the URL was an article to add, not a question
    assert {"Kabul-rain.txt", "Dam-opens-on-the-Helmand-river.txt"} <= corpus_files(settings)
    assert {"Kabul-rain.txt", "Dam-opens-on-the-Helmand-river.txt"} <= set(load_index(settings.index_dir).files)


async def test_a_bad_file_is_refused_with_its_reason_and_nothing_is_added(api: FakeBotAPI, settings: Settings) -> None:
    before = corpus_files(settings)
    async with running(api, uploads=Uploads(settings), admin_user_ids=frozenset({ADMIN})):
        api.document(ADMIN, "report.pdf", b"%PDF-1.4 ...")
        api.document(ADMIN, "empty.txt", b"   \n")
        api.document(ADMIN, "big.txt", b"Big story\n\n" + b"A sentence that repeats. " * 4000)
        pdf, empty, big = [m.text for m in await api.until_sent(ADMIN, 3, timeout=60)]
    assert pdf.startswith("Not added: report.pdf: .pdf is not taken; send .txt")
    assert empty == "Not added: empty.txt is empty"
    assert big.startswith("Not added: big.txt is 100,011 bytes; the limit is 50,000")
    assert len(api.calls("download")) == 2  # the one over the limit was never downloaded
    assert corpus_files(settings) == before


async def test_anyone_else_sending_a_file_is_refused_politely_and_a_url_is_a_question(
    api: FakeBotAPI, settings: Settings, site: str
) -> None:
    before = corpus_files(settings)
    options = {"admin_user_ids": frozenset({ADMIN}), "allowed_user_ids": frozenset({ALLOWED})}
    async with running(api, ScriptedQA(), uploads=Uploads(settings), **options) as (_, qa):
        api.document(ALLOWED, "rain.txt", RAIN)
        [refusal] = await api.until_sent(ALLOWED)
        api.message(ALLOWED, site)
        await api.until_sent(ALLOWED, 2)
        api.message(ADMIN, "/sources")  # an admin is allowed even when not in the allowed list
        await api.until_sent(ADMIN)
    assert refusal.text == ADMINS_ONLY
    assert not api.calls("getFile")
    assert qa.questions() == [site]
    assert corpus_files(settings) == before


async def test_an_uploaded_article_is_listed_and_answered_by_the_running_bot(
    api: FakeBotAPI, settings: Settings
) -> None:
    from bot.core import QABot

    qa = QABot.load(settings)
    qa.follow()  # as `qabot telegram` does: the index's CURRENT is watched (QABOT_RELOAD_INTERVAL)
    try:
        async with running(api, qa, uploads=Uploads(settings, qa.writer), admin_user_ids=frozenset({ADMIN})):
            api.document(ADMIN, "Kabul rain.txt", RAIN)
            await api.until_sent(ADMIN, 1, timeout=60)
            await api.until(lambda: "Kabul-rain.txt" in {s.source for s in qa.sources()}, timeout=15, what="reload")
            api.message(ADMIN, "/sources")
            api.message(ADMIN, "How many shops did the flood in Kabul damage?")
            _, sources, answer = await api.until_sent(ADMIN, 3, timeout=60)
    finally:
        qa.close()
    assert "Floods in Kabul" in parse_html(sources.text)
    assert "forty shops" in parse_html(answer.text) and "Kabul-rain.txt" in parse_html(answer.text)
