"""The chat state store on SQLite and on a real Redis server: the same behaviour behind one interface."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.telegram import state
from bot.telegram.state import ChatStore, RedisStore, SQLiteStore, open_store
from retrieval.errors import QabotError
from retrieval.records import Answer, Citation, Conversation, Shown, Turn

_databases = itertools.count(1)

CITATION = Citation(
    n=1, source="000_a.txt", title="T", date="2021-09-06", line_start=3, line_end=5, quote="q", passage="p q"
)


def turn(question: str) -> Turn:
    answer = Answer(question=question, standalone_question=question, text="A [1]", citations=(CITATION,))
    return Turn(question=question, answer=answer)


@pytest.fixture(params=["sqlite", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Opens stores on one shared backend, as separate processes would: a SQLite file, or one Redis database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    else:
        redis_url = request.getfixturevalue("redis_url")
        url = f"{redis_url}/{next(_databases) % 16}"
        import redis

        redis.Redis.from_url(url).flushdb()
    return lambda: open_store(url)


@pytest.fixture
async def stores(make_store) -> AsyncIterator[tuple[ChatStore, ChatStore]]:  # type: ignore[no-untyped-def]
    first, second = make_store(), make_store()
    yield first, second
    await first.close()
    await second.close()


async def test_conversations_are_kept_per_chat_and_shared_between_processes(
    stores: tuple[ChatStore, ChatStore],
) -> None:
    a, b = stores
    assert await a.conversation(5) == Conversation()
    conversation = Conversation().add(turn("Who leads the NRF?")).add(turn("Who was his father?"))
    await a.set_conversation(5, conversation)
    assert await b.conversation(5) == conversation  # another process sees it, the answers intact
    assert await b.conversation(6) == Conversation()
    await b.set_conversation(5, Conversation())  # /reset
    assert await a.conversation(5) == Conversation()


async def test_button_payloads_have_unique_short_keys_and_unknown_ones_are_none(
    stores: tuple[ChatStore, ChatStore],
) -> None:
    a, b = stores
    shown = Shown(chat_id=5, citations=(CITATION,))
    keys = {await a.put_button(shown) for _ in range(50)} | {await b.put_button(shown) for _ in range(50)}
    assert len(keys) == 100  # no per-process counter: two processes never hand out the same key
    key = keys.pop()
    assert len(f"src:{key}".encode()) <= 64 and key.replace("-", "").replace("_", "").isalnum()
    assert await b.button(key) == shown
    assert await a.button("no-such-key") is None


async def test_an_update_is_claimed_once_across_processes_then_done(stores: tuple[ChatStore, ChatStore]) -> None:
    a, b = stores
    results = await asyncio.gather(*(s.claim(42) for s in (a, b, a, b)))
    assert sorted(results) == ["busy", "busy", "busy", "new"]
    await b.finish(42)
    assert await a.claim(42) == "done" and await b.claim(42) == "done"
    assert await b.claim(43) == "new"


async def test_a_claim_left_by_a_dead_worker_expires(
    stores: tuple[ChatStore, ChatStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state, "CLAIM_SECONDS", 1.0)
    a, b = stores
    assert await a.claim(44) == "new"  # the worker holding it dies without finishing
    assert await b.claim(44) == "busy"
    await asyncio.sleep(1.6)
    assert await b.claim(44) == "new"  # Telegram's redelivery is processed after all


async def test_the_chat_lock_has_one_holder_at_a_time_across_processes(stores: tuple[ChatStore, ChatStore]) -> None:
    a, b = stores
    inside: list[str] = []
    overlaps = 0

    async def hold(store: ChatStore, name: str) -> None:
        nonlocal overlaps
        async with store.lock(7):
            inside.append(name)
            overlaps = max(overlaps, len(inside))
            await asyncio.sleep(0.02)
            inside.remove(name)

    await asyncio.gather(*(hold(s, f"{n}{i}") for i in range(5) for n, s in (("a", a), ("b", b))))
    assert overlaps == 1
    async with a.lock(7), b.lock(8):  # other chats are not held up
        pass


async def test_entries_expire(stores: tuple[ChatStore, ChatStore], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = stores
    monkeypatch.setitem(state.TTL, "button", 1)
    monkeypatch.setitem(state.TTL, "conversation", 1)
    key = await a.put_button(Shown(chat_id=5, citations=(CITATION,)))
    await a.set_conversation(5, Conversation().add(turn("q")))
    assert await b.button(key) is not None
    await asyncio.sleep(1.3)
    assert await b.button(key) is None
    assert await b.conversation(5) == Conversation()


def test_the_url_chooses_the_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/state.db")
    assert isinstance(store, SQLiteStore) and store.path == f"{tmp_path}/state.db"
    assert (tmp_path / "state.db").exists()
    assert isinstance(open_store("sqlite://"), SQLiteStore) and open_store("sqlite://").path == ":memory:"
    assert isinstance(open_store("redis://127.0.0.1:9/0"), RedisStore)  # connects lazily
    with pytest.raises(QabotError, match="QABOT_STATE_URL"):
        open_store("postgres://localhost/x")


def test_the_default_store_is_a_sqlite_file_next_to_the_index(tmp_path: Path) -> None:
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    assert settings.state_store_url == f"sqlite:///{tmp_path.resolve()}/index-state.sqlite3"
    assert make_settings(tmp_path, state_url="redis://10.0.0.5:6379/2").state_store_url == "redis://10.0.0.5:6379/2"
    store = open_store(settings.state_store_url)
    assert isinstance(store, SQLiteStore) and store.path == str(tmp_path.resolve() / "index-state.sqlite3")
