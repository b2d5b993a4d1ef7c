"""The chat state store: what the bot remembers between updates, processes and restarts.

A chat's conversation (for follow-ups), the payload behind each "Show sources" button, the update ids already
handled (a webhook update delivered twice is answered once) and a per-chat lock (one chat's updates run one at a
time, whichever worker gets them). One interface, chosen by `QABOT_STATE_URL`:

- `sqlite:///PATH` (the default, next to the index): one machine; the processes on it share the file (WAL mode, a
  busy timeout, the lock a row taken with BEGIN IMMEDIATE). `sqlite://` alone keeps everything in memory.
- `redis://HOST:PORT/DB`: workers on several machines. Values are JSON with a TTL; the lock is redis-py's Lock.

Values are pydantic records serialised as JSON (never pickle); every entry expires (`TTL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from retrieval.errors import QabotError
from retrieval.records import Conversation, Shown

T = TypeVar("T")

DAY = 24 * 3600.0
TTL = {"conversation": DAY, "button": 7 * DAY, "update": DAY}  # seconds each kind of entry is kept
LOCK_EXPIRES = 120.0  # seconds: a chat lock left by a worker that died frees itself after this
CLAIM_SECONDS = 300.0  # seconds: an update claimed by a worker that died is processed again after this
LOCK_POLL = 0.01  # seconds between tries for a lock another process holds


def button_key() -> str:
    """An id for a button's payload, unique across processes and restarts: 128 random bits, 22 URL-safe chars."""
    return secrets.token_urlsafe(16)


class ChatStore(ABC):
    """Chat state shared by every process that serves the bot (see the module docstring)."""

    @abstractmethod
    async def conversation(self, chat_id: int) -> Conversation:
        """The chat's conversation (empty when there is none, or it expired)."""

    @abstractmethod
    async def set_conversation(self, chat_id: int, conversation: Conversation) -> None:
        """Replace the chat's conversation (an empty one forgets it)."""

    @abstractmethod
    async def put_button(self, shown: Shown) -> str:
        """Keep what a button brings back; the key to put in its callback data."""

    @abstractmethod
    async def button(self, key: str) -> Shown | None:
        """What the button with `key` brings back; None when unknown or expired."""

    @abstractmethod
    async def claim(self, update_id: int) -> str:
        """Take an update for processing: "new" the first time (it is now claimed for `CLAIM_SECONDS`), "busy"
        while another process holds the claim, "done" once it was handled. A claim left by a worker that died
        expires, so Telegram's redelivery of that update is processed after all."""

    @abstractmethod
    async def finish(self, update_id: int) -> None:
        """Mark a claimed update as handled (kept for `TTL["update"]`: a later copy is acknowledged, not answered)."""

    @abstractmethod
    def lock(self, chat_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the chat's lock: one holder at a time across every process that shares the store."""

    async def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections."""


def open_store(url: str) -> ChatStore:
    """The store a `QABOT_STATE_URL` names; QabotError for anything else."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = url[len("sqlite://") :]  # sqlite:///var/qabot/state.db -> /var/qabot/state.db
        return SQLiteStore(("/" + path.lstrip("/")) if path.startswith("/") else path or ":memory:")
    if scheme in ("redis", "rediss", "unix"):
        return RedisStore(url)
    raise QabotError(f"QABOT_STATE_URL {url!r} is not a sqlite:///PATH or redis://HOST:PORT/DB URL.")


# ---------------------------------------------------------------- SQLite


class SQLiteStore(ChatStore):
    """One SQLite file shared by the processes of one machine. Calls run in a thread (a commit may wait for the
    disk or for another process's write); one connection per store, used by one thread at a time."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value TEXT, expires REAL, PRIMARY KEY (kind, key));
        CREATE TABLE IF NOT EXISTS locks (chat_id INTEGER PRIMARY KEY, owner TEXT, expires REAL);
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(self.SCHEMA)
        except sqlite3.Error as exc:
            raise QabotError(f"cannot open the chat state store {self.path}: {exc}") from exc
        self._guard = threading.Lock()
        self._local: dict[int, asyncio.Lock] = {}
        self._writes = 0

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def run() -> T:
            with self._guard:
                return work(self._db)

        return await asyncio.to_thread(run)

    def _get(self, db: sqlite3.Connection, kind: str, key: str) -> str | None:
        row = db.execute(
            "SELECT value FROM entries WHERE kind = ? AND key = ? AND expires > ?", (kind, key, time.time())
        ).fetchone()
        return str(row[0]) if row else None

    def _put(self, db: sqlite3.Connection, kind: str, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", (kind, key, value, time.time() + TTL[kind]))
        self._writes += 1
        if self._writes % 500 == 0:  # now and then, forget what expired
            db.execute("DELETE FROM entries WHERE expires <= ?", (time.time(),))

    async def conversation(self, chat_id: int) -> Conversation:
        value = await self._run(lambda db: self._get(db, "conversation", str(chat_id)))
        return Conversation.model_validate_json(value) if value else Conversation()

    async def set_conversation(self, chat_id: int, conversation: Conversation) -> None:
        def work(db: sqlite3.Connection) -> None:
            if conversation.turns:
                self._put(db, "conversation", str(chat_id), conversation.model_dump_json())
            else:
                db.execute("DELETE FROM entries WHERE kind = 'conversation' AND key = ?", (str(chat_id),))

        await self._run(work)

    async def put_button(self, shown: Shown) -> str:
        key = button_key()
        await self._run(lambda db: self._put(db, "button", key, shown.model_dump_json()))
        return key

    async def button(self, key: str) -> Shown | None:
        value = await self._run(lambda db: self._get(db, "button", key))
        return Shown.model_validate_json(value) if value else None

    async def claim(self, update_id: int) -> str:
        def work(db: sqlite3.Connection) -> str:
            now = time.time()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "DELETE FROM entries WHERE kind = 'update' AND key = ? AND expires <= ?", (str(update_id), now)
                )
                added = db.execute(
                    "INSERT OR IGNORE INTO entries VALUES ('update', ?, 'busy', ?)",
                    (str(update_id), now + CLAIM_SECONDS),
                ).rowcount
                row = db.execute(
                    "SELECT value FROM entries WHERE kind = 'update' AND key = ?", (str(update_id),)
                ).fetchone()
            finally:
                db.execute("COMMIT")
            return "new" if added == 1 else ("done" if row and row[0] == "done" else "busy")

        return await self._run(work)

    async def finish(self, update_id: int) -> None:
        def work(db: sqlite3.Connection) -> None:
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO entries VALUES ('update', ?, 'done', ?)",
                    (str(update_id), time.time() + TTL["update"]),
                )

        await self._run(work)

    @contextlib.asynccontextmanager
    async def lock(self, chat_id: int) -> AsyncIterator[None]:
        owner = button_key()

        def take(db: sqlite3.Connection) -> bool:
            now = time.time()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM locks WHERE chat_id = ? AND expires <= ?", (chat_id, now))
                taken = db.execute(
                    "INSERT OR IGNORE INTO locks VALUES (?, ?, ?)", (chat_id, owner, now + LOCK_EXPIRES)
                ).rowcount
            finally:
                db.execute("COMMIT")
            return taken == 1

        while not await self._run(take):
            await asyncio.sleep(LOCK_POLL)
        try:
            yield
        finally:
            await asyncio.shield(
                self._run(lambda db: db.execute("DELETE FROM locks WHERE chat_id = ? AND owner = ?", (chat_id, owner)))
            )

    async def close(self) -> None:
        await self._run(lambda db: db.close())


# ---------------------------------------------------------------- Redis


class RedisStore(ChatStore):
    """Redis (redis-py asyncio) for workers on several machines: JSON values under `qabot:` keys, each with a TTL."""

    PREFIX = "qabot:"

    def __init__(self, url: str) -> None:
        try:
            import redis.asyncio as redis
        except ImportError as exc:  # pragma: no cover - redis is a core dependency
            raise QabotError("QABOT_STATE_URL=redis://... needs redis-py: pip install 'redis==8.1.0'.") from exc
        self.url = url
        self._redis: Any = redis.Redis.from_url(url, decode_responses=True)

    def _key(self, kind: str, key: object) -> str:
        return f"{self.PREFIX}{kind}:{key}"

    async def conversation(self, chat_id: int) -> Conversation:
        value = await self._redis.get(self._key("conversation", chat_id))
        return Conversation.model_validate_json(value) if value else Conversation()

    async def set_conversation(self, chat_id: int, conversation: Conversation) -> None:
        key = self._key("conversation", chat_id)
        if conversation.turns:
            await self._redis.set(key, conversation.model_dump_json(), ex=int(TTL["conversation"]))
        else:
            await self._redis.delete(key)

    async def put_button(self, shown: Shown) -> str:
        key = button_key()
        await self._redis.set(self._key("button", key), shown.model_dump_json(), ex=int(TTL["button"]))
        return key

    async def button(self, key: str) -> Shown | None:
        value = await self._redis.get(self._key("button", key))
        return Shown.model_validate_json(value) if value else None

    async def claim(self, update_id: int) -> str:
        key = self._key("update", update_id)
        if await self._redis.set(key, "busy", nx=True, ex=int(CLAIM_SECONDS)):
            return "new"
        return "done" if await self._redis.get(key) in ("done", b"done") else "busy"

    async def finish(self, update_id: int) -> None:
        await self._redis.set(self._key("update", update_id), "done", ex=int(TTL["update"]))

    @contextlib.asynccontextmanager
    async def lock(self, chat_id: int) -> AsyncIterator[None]:
        lock = self._redis.lock(self._key("lock", chat_id), timeout=LOCK_EXPIRES, sleep=LOCK_POLL)
        await lock.acquire()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # expired meanwhile (LOCK_EXPIRES): nothing left to release
                await asyncio.shield(lock.release())

    async def close(self) -> None:
        await self._redis.aclose()
