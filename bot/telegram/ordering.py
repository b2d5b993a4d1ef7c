"""Per-chat ordering: one chat's updates run one at a time, in order of arrival; different chats side by side.

python-telegram-bot's hook for it is the update processor: every update passes through `do_process_update`. Inside
one process a chat's updates queue on an asyncio lock (FIFO); across processes (webhook workers) they take the
chat's lock in the state store as well.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.state import ChatStore

UPDATES_AT_ONCE = 256  # updates in flight at once: cheap, since a chat's updates wait on its lock


class ChatLocks:
    """One asyncio.Lock per chat while anyone holds or waits for it (asyncio locks are FIFO). Dropped when unused."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class ChatOrder(BaseUpdateProcessor):
    """Runs each update after everything its chat sent earlier, here and (through the store's lock) elsewhere."""

    def __init__(self, store: ChatStore, max_concurrent_updates: int = UPDATES_AT_ONCE) -> None:
        super().__init__(max_concurrent_updates)
        self.store = store
        self.locks = ChatLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self.locks.hold(chat.id), self.store.lock(chat.id):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
