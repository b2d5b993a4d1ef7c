"""The real entry point: `qabot telegram` as a subprocess against the fake Bot API, stopped with SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.settings import ROOT, Settings

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fake_bot_api import TOKEN, FakeBotAPI, parse_html
except ModuleNotFoundError:
    from fake_bot_api import TOKEN, FakeBotAPI, parse_html  # type: ignore[no-redef]

QABOT = Path(sys.executable).with_name("qabot")
COMMAND = [str(QABOT)] if QABOT.exists() else [sys.executable, "-c", "from bot.cli import main; main()"]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "QABOT_"))}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", HF_HUB_OFFLINE="1")
    env.update(extra)
    return env


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], cwd=cwd, env=environment(**env), capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def api() -> Any:
    with FakeBotAPI() as server:
        yield server


def test_the_cli_does_not_import_telegram_until_the_bot_runs(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from bot.cli import app\n"
        "helped = CliRunner().invoke(app, ['telegram', '--help'])\n"
        "assert helped.exit_code == 0 and '--webhook-url' in helped.output, helped.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'telegram'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": "  "}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_ALLOWED_USER_IDS": "12,alice"}, "'alice' is not a numeric user id"),
    ],
    ids=["missing-token", "bad-allowed-ids"],
)
def test_bad_settings_are_a_clear_error_and_exit_code_1(tmp_path: Path, env: dict[str, str], message: str) -> None:
    done = run(["telegram"], tmp_path, **env)
    assert done.returncode == 1  # like every other command (bot/console.py)
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_rejected_token_fails_fast_without_showing_it(tmp_path: Path, api: FakeBotAPI) -> None:
    wrong = "999:WRONG-token-value"
    started = time.monotonic()
    done = run(["-v", "telegram"], tmp_path, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_BASE_URL=api.base_url)
    assert done.returncode == 1
    assert "Telegram rejected the bot token" in done.stderr
    assert wrong not in done.stderr + done.stdout and "WRONG-token" not in done.stderr
    assert "loading the index" not in done.stderr  # checked before the slow start-up
    assert time.monotonic() - started < 30
    assert [r.method for r in api.calls()] == ["getMe"]


def test_start_up_errors_never_show_the_token_in_any_letter_case(tmp_path: Path, api: FakeBotAPI) -> None:
    """Issue 12, item 2: "cannot reach Telegram (...)" quoted a proxy's `Cannot POST /bot<token>/getMe`, which
    python-telegram-bot lower-cases after a "Bad Request:" prefix, so a case-sensitive replace missed it."""
    api.fail("getMe", 400, description=f"Bad Request: Cannot POST /bot{TOKEN}/getMe")
    done = run(["-v", "telegram"], tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url)
    assert done.returncode == 1
    assert "cannot reach Telegram" in done.stderr and "cannot post /bot<token>/getme" in done.stderr.lower()
    shown = (done.stdout + done.stderr).lower()
    assert TOKEN.lower() not in shown and TOKEN.split(":")[1].lower() not in shown


def test_qabot_telegram_answers_over_long_polling_and_exits_0_on_sigterm(
    tmp_path: Path, api: FakeBotAPI, fast_settings: Settings, fast_bot: Any
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "QABOT_EMBEDDER": "hash",
        "QABOT_INDEX_DIR": str(fast_settings.index_dir),  # built by the fast_bot fixture: start-up only loads it
        "QABOT_CORPUS": str(fast_settings.corpus),
    }
    with subprocess.Popen(
        [*COMMAND, "-v", "telegram"],
        cwd=tmp_path,
        env=environment(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            api.wait_for(lambda: api.calls("getUpdates"), timeout=60, what="the bot to start polling")
            api.message(5, "What did the Taliban claim about Panjshir?")
            [reply] = api.wait_for(lambda: api.sent(5), timeout=30, what="the answer")
            api.wait_for(lambda: api.pending_updates() == 0, timeout=10, what="the update confirmed")
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert [c["command"] for c in api.commands] == ["start", "help", "sources", "reset", "ask"]
    assert api.calls("getUpdates")[0].params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    shown = parse_html(reply.text) if reply.parse_mode == "HTML" else reply.text
    assert shown == "The articles don't say." or "\n\nSources\n[1] 00" in shown
    assert "long polling" in err and err.rstrip().endswith("stopped")
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in err


def test_sigterm_during_start_up_exits_0(tmp_path: Path, api: FakeBotAPI) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "QABOT_EMBEDDER": "hash",
        "QABOT_INDEX_DIR": str(tmp_path / "index"),  # none yet: start-up would take a while to build it
    }
    with subprocess.Popen(
        [*COMMAND, "telegram"], cwd=tmp_path, env=environment(**env), stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            api.wait_for(lambda: api.calls("getMe"), timeout=60, what="the token check")
            time.sleep(0.3)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert not api.calls("getUpdates")  # stopped before it started polling


def test_qabot_telegram_serves_a_webhook_with_its_secret_and_exits_0_on_sigterm(
    tmp_path: Path, api: FakeBotAPI, fast_settings: Settings, fast_bot: Any
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/qabot-hook"
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "QABOT_EMBEDDER": "hash",
        "QABOT_INDEX_DIR": str(fast_settings.index_dir),
        "QABOT_CORPUS": str(fast_settings.corpus),
        "QABOT_TELEGRAM_WEBHOOK_URL": url,
        "QABOT_TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "QABOT_TELEGRAM_WEBHOOK_PORT": str(port),
        "QABOT_TELEGRAM_WEBHOOK_SECRET": "hook-secret_1",
    }
    update = {"update_id": 1, "message": api.make_message(5, "/sources")}

    def post(secret: str) -> int:
        request = urllib.request.Request(
            url,
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    with subprocess.Popen(
        [*COMMAND, "telegram"], cwd=tmp_path, env=environment(**env), stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            hook = api.wait_for(lambda: api.calls("setWebhook"), timeout=60, what="the webhook to be set")[0]
            time.sleep(0.2)  # setWebhook is called before the server accepts connections
            assert api.wait_for(lambda: post("wrong") == 403, timeout=10, what="the webhook server")
            assert post("hook-secret_1") == 200
            [reply] = api.wait_for(lambda: api.sent(5), timeout=30, what="the reply")
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert hook.params["url"] == url and hook.params["secret_token"] == "hook-secret_1"
    assert hook.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert parse_html(reply.text).startswith("The articles (5)")
    assert len(api.sent(5)) == 1 and not api.calls("getUpdates")
    assert "serving the webhook" in err and err.rstrip().endswith("stopped")


def test_set_webhook_registers_url_secret_and_commands_once_and_delete_webhook_removes_it(
    tmp_path: Path, api: FakeBotAPI
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url, "TELEGRAM_WEBHOOK_SECRET": "s3cret_x"}
    done = run(
        ["telegram", "set-webhook", "https://bot.example.org/telegram", "--max-connections", "8"], tmp_path, **env
    )
    assert done.returncode == 0, done.stderr
    assert api.webhook is not None and api.webhook["url"] == "https://bot.example.org/telegram"
    assert api.webhook["secret_token"] == "s3cret_x" and api.webhook["max_connections"] == "8"
    assert api.webhook["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert [c["command"] for c in api.commands] == ["start", "help", "sources", "reset", "ask"]
    assert "s3cret_x" not in done.stderr and TOKEN not in done.stderr
    done = run(["telegram", "delete-webhook"], tmp_path, **env)
    assert done.returncode == 0, done.stderr
    assert api.webhook is None and "webhook removed" in done.stderr


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["serve"], {}, "TELEGRAM_WEBHOOK_SECRET is not set"),
        (["set-webhook", "https://x.org/t"], {}, "TELEGRAM_WEBHOOK_SECRET is not set"),
        (["set-webhook", "https://x.org/t"], {"TELEGRAM_WEBHOOK_SECRET": "bad secret!"}, "may only hold"),
        (["set-webhook", "ftp://x.org/t"], {"TELEGRAM_WEBHOOK_SECRET": "ok"}, "is not an https URL"),
        (["serve", "--listen", "8080"], {"TELEGRAM_WEBHOOK_SECRET": "ok"}, "is not HOST:PORT"),
        (["serve", "--listen", "203.0.113.9:8080"], {"TELEGRAM_WEBHOOK_SECRET": "ok"}, "cannot listen on"),
        (["serve"], {"TELEGRAM_WEBHOOK_SECRET": "ok", "QABOT_STATE_URL": "mysql://x"}, "QABOT_STATE_URL"),
    ],
    ids=["serve-no-secret", "set-no-secret", "bad-secret", "bad-url", "bad-listen", "foreign-address", "bad-state-url"],
)
def test_webhook_commands_refuse_bad_settings_with_one_line(
    tmp_path: Path, api: FakeBotAPI, fast_settings: Settings, fast_bot: Any, args: list[str], env: dict[str, str],
    message: str,
) -> None:  # fmt: skip
    base = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "QABOT_EMBEDDER": "hash",
        "QABOT_INDEX_DIR": str(fast_settings.index_dir),
        "QABOT_CORPUS": str(fast_settings.corpus),
    }
    done = run(["telegram", *args], tmp_path, **base, **env)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert api.webhook is None
