"""Webhook workers end to end: two `qabot telegram serve` processes on loopback share one real Redis; updates are
POSTed to them as Telegram does and their replies go to the fake Bot API. And a polling bot restarted with SIGTERM
keeps its chats' conversations and old buttons (SQLite state store)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.serving import free_port
from bot.settings import Settings
from bot.telegram.state import open_store
from retrieval.records import Conversation

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fake_bot_api import TOKEN, FakeBotAPI, parse_html
    from tests.test_telegram_cli import COMMAND, environment
except ModuleNotFoundError:
    from fake_bot_api import TOKEN, FakeBotAPI, parse_html  # type: ignore[no-redef]
    from test_telegram_cli import COMMAND, environment  # type: ignore[no-redef]

SECRET = "worker-secret_42"
QUESTION = "Who leads the NRF?"  # answered with citations over seeds/ with the hashing embedder
FOLLOW_UP = "Who was his father?"


def bot_env(api: FakeBotAPI, settings: Settings, **extra: str) -> dict[str, str]:
    return environment(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        QABOT_EMBEDDER="hash",
        QABOT_INDEX_DIR=str(settings.index_dir),  # built by the fast_bot fixture: start-up only loads it
        QABOT_CORPUS=str(settings.corpus),
        **extra,
    )


class Worker:
    def __init__(self, api: FakeBotAPI, settings: Settings, state_url: str, cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [*COMMAND, "-v", "telegram", "serve", "--listen", f"127.0.0.1:{self.port}"],
            cwd=cwd,
            env=bot_env(api, settings, QABOT_STATE_URL=state_url),
            stderr=subprocess.PIPE,
            text=True,
        )

    def healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the worker exited with {self.proc.returncode}: {self.proc.communicate()[1]}")
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return json.loads(response.read())["ok"] is True
        except OSError:
            return False

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(f"{self.url}/telegram", data=json.dumps(update).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        return self.proc.returncode, err


@pytest.fixture(scope="module")
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        yield server


@pytest.fixture(scope="module")
def workers(
    api: FakeBotAPI, redis_url: str, fast_settings: Settings, fast_bot: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Worker, Worker]]:
    cwd = tmp_path_factory.mktemp("workers")
    import redis

    redis.Redis.from_url(f"{redis_url}/15").flushdb()
    pair = (Worker(api, fast_settings, f"{redis_url}/15", cwd), Worker(api, fast_settings, f"{redis_url}/15", cwd))
    try:
        for worker in pair:
            api.wait_for(worker.healthy, timeout=90, what="the worker to answer /health")
        yield pair
    finally:
        for worker in pair:
            worker.stop()


def conversation(redis_url: str, chat_id: int) -> Conversation:
    async def read() -> Conversation:
        store = open_store(f"{redis_url}/15")
        try:
            return await store.conversation(chat_id)
        finally:
            await store.close()

    return asyncio.run(read())


def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_processed(
    api: FakeBotAPI, workers: tuple[Worker, Worker]
) -> None:
    a, b = workers
    update = {"update_id": 900001, "message": api.make_message(21, "/sources")}
    assert a.post(update, secret="wrong") == 403
    assert b.post(update, secret=SECRET.upper()) == 403
    assert a.post(update, secret=None) == 401
    assert not api.sent(21)
    assert a.post(update) == 200  # the refused deliveries did not mark the update as handled
    [reply] = api.wait_for(lambda: api.sent(21), what="the reply")
    assert parse_html(reply.text).startswith("The articles (5)")
    assert not api.calls("setWebhook") and not api.calls("getUpdates")  # workers never register or poll


def test_a_follow_up_and_a_button_work_on_the_other_worker(
    api: FakeBotAPI, workers: tuple[Worker, Worker], redis_url: str
) -> None:
    a, b = workers
    assert a.post(api.push({"message": api.make_message(22, QUESTION)})) == 200
    [answer] = api.sent(22)  # processed before the 200 went back
    assert "Massoud" in parse_html(answer.text) and answer.reply_markup
    assert b.post(api.push({"message": api.make_message(22, FOLLOW_UP)})) == 200
    first, second = conversation(redis_url, 22).turns
    assert first.question == QUESTION and second.question == FOLLOW_UP
    assert second.answer.standalone_question != FOLLOW_UP  # worker b read the conversation worker a kept

    data = answer.reply_markup["inline_keyboard"][0][0]["callback_data"]
    assert b.post(api.callback(22, answer.message_id, data)) == 200
    quotes = api.sent(22)[2]
    assert quotes.reply_to == answer.message_id and parse_html(quotes.text).startswith("Quoted passages")
    assert api.calls("answerCallbackQuery")[-1].params.get("text") is None

    assert a.post(api.callback(22, answer.message_id, "src:NoSuchButtonKey123")) == 200
    assert "no longer available" in api.calls("answerCallbackQuery")[-1].params["text"]


def test_an_update_delivered_to_both_workers_is_answered_once(api: FakeBotAPI, workers: tuple[Worker, Worker]) -> None:
    update = api.push({"message": api.make_message(23, QUESTION)})
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda w=w: statuses.append(w.post(update))) for w in (*workers, *workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # one worker answers; a copy that arrives while it is on it is asked to come again (503), one after it is done
    # is acknowledged (200)...
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}, statuses
    for worker in workers:  # ...so Telegram's later deliveries are all acknowledged...
        assert worker.post(update) == 200
    assert len(api.sent(23)) == 1  # ...and it is answered once
    assert len(api.calls("sendChatAction", chat_id=23)) == 1


def test_one_chat_is_answered_one_update_at_a_time_across_workers(
    api: FakeBotAPI, workers: tuple[Worker, Worker]
) -> None:
    api.fail("sendMessage", 0, delay=1.0, match=lambda p: p.get("chat_id") == "24")  # the first reply is slow
    first = api.push({"message": api.make_message(24, QUESTION)})
    second = api.push({"message": api.make_message(24, "/sources")})
    a, b = workers
    thread = threading.Thread(target=a.post, args=(first,))
    thread.start()
    api.wait_for(lambda: api.calls("sendMessage", chat_id=24), what="the first reply on its way")
    assert b.post(second) == 200  # waited for the chat's lock until the first update was done
    thread.join()
    methods = [r.method for r in api.calls() if r.params.get("chat_id") == "24"]
    assert methods == ["sendChatAction", "sendMessage", "sendMessage"]
    answer, sources = api.sent(24)
    assert "Massoud" in parse_html(answer.text) and parse_html(sources.text).startswith("The articles (5)")


def test_sigterm_finishes_the_update_in_flight_then_exits_0(api: FakeBotAPI, workers: tuple[Worker, Worker]) -> None:
    a, b = workers
    api.fail("sendMessage", 0, delay=1.5, match=lambda p: p.get("chat_id") == "25")
    statuses: list[int] = []
    thread = threading.Thread(
        target=lambda: statuses.append(a.post(api.push({"message": api.make_message(25, QUESTION)})))
    )
    thread.start()
    api.wait_for(lambda: api.calls("sendMessage", chat_id=25), what="the reply on its way")
    code, err = a.stop()
    thread.join()
    assert code == 0, err
    assert statuses == [200] and len(api.sent(25)) == 1  # answered and acknowledged before the worker exited
    assert err.rstrip().endswith("stopped") and TOKEN not in err and SECRET not in err
    assert b.post(api.push({"message": api.make_message(26, "/sources")})) == 200  # the other worker goes on


def test_a_polling_bot_restarted_keeps_follow_ups_and_old_buttons(
    tmp_path: Path, fast_settings: Settings, fast_bot: Any
) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    with FakeBotAPI() as api:

        @contextlib.contextmanager
        def polling() -> Iterator[None]:
            polls = len(api.calls("getUpdates"))
            proc = subprocess.Popen(
                [*COMMAND, "telegram"],
                cwd=tmp_path,
                env=bot_env(api, fast_settings, QABOT_STATE_URL=state_url),
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                api.wait_for(lambda: len(api.calls("getUpdates")) > polls, timeout=90, what="the bot to poll")
                yield
                api.wait_for(lambda: api.pending_updates() == 0, what="the updates confirmed")
                proc.send_signal(signal.SIGTERM)
                _, err = proc.communicate(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
            assert proc.returncode == 0, err

        with polling():
            api.message(5, QUESTION)
            [answer] = api.wait_for(lambda: api.sent(5), timeout=30, what="the answer")
        with polling():
            api.message(5, FOLLOW_UP)
            api.wait_for(lambda: len(api.sent(5)) == 2, timeout=30, what="the follow-up's answer")
            api.callback(5, answer.message_id, answer.reply_markup["inline_keyboard"][0][0]["callback_data"])
            quotes = api.wait_for(lambda: api.sent(5)[2:], timeout=30, what="the quotes")[0]

    async def read() -> Conversation:
        store = open_store(state_url)
        try:
            return await store.conversation(5)
        finally:
            await store.close()

    first, second = asyncio.run(read()).turns
    assert (first.question, second.question) == (QUESTION, FOLLOW_UP)
    assert second.answer.standalone_question != FOLLOW_UP  # the restarted bot answered it as a follow-up
    assert quotes.reply_to == answer.message_id and parse_html(quotes.text).startswith("Quoted passages")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"no_update_id": 1}', b'{"update_id": "x"}', b""])
def test_a_body_that_is_not_an_update_is_refused_with_400(body: bytes, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from bot.telegram.app import build_application
    from bot.telegram.state import SQLiteStore
    from bot.telegram.webhook import make_asgi

    try:
        from tests.test_telegram import ScriptedQA
    except ModuleNotFoundError:
        from test_telegram import ScriptedQA  # type: ignore[no-redef]

    with FakeBotAPI() as api:
        store = SQLiteStore(tmp_path / "state.sqlite3")
        app = build_application(TOKEN, ScriptedQA(), base_url=api.base_url, store=store, webhook=True)
        with TestClient(make_asgi(app, store, SECRET)) as client:
            response = client.post("/telegram", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert client.get("/health").json() == {"ok": True, "bot": "qabot_test_bot"}
        assert response.status_code == 400 and response.text == "not a Telegram update"
        assert not api.calls("sendMessage")
