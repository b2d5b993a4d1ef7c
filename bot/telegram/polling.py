"""Long polling: one process asks Telegram for updates (the simple default, `qabot telegram`)."""

from __future__ import annotations

from typing import Any

from bot.telegram.app import ALLOWED_UPDATES
from bot.telegram.state import ChatStore


def run_polling(app: Any, store: ChatStore) -> None:
    """Poll until SIGTERM or Ctrl-C (python-telegram-bot's handlers), then close the store."""

    async def close_store(_: Any) -> None:
        await store.close()

    app.post_shutdown = close_store
    app.run_polling(allowed_updates=ALLOWED_UPDATES)
