"""llm:openai and llm:ollama through the real factory and the real client libraries, against small
local fake servers that speak the OpenAI chat-completions and Ollama /api/chat protocols.
Skipped when the optional client package is not installed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.core import QABot
from bot.engines import make_engine
from tests.conftest import make_settings

REPLY = "The NRF is led by Ahmad Massoud [1]."


class FakeServer:
    """Answers every chat request with REPLY and keeps what it was sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path.endswith("/chat/completions"):
                    payload = {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "m"),
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    }
                elif self.path == "/api/chat":
                    payload = {
                        "model": body.get("model", "m"),
                        "created_at": "2026-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": REPLY},
                        "done": True,
                        "done_reason": "stop",
                        "prompt_eval_count": 10,
                        "eval_count": 5,
                    }
                else:
                    self.send_error(404)
                    return
                data = (json.dumps(payload) + "\n").encode()
                self.send_response(200)
                content_type = "application/x-ndjson" if self.path == "/api/chat" else "application/json"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    s = FakeServer()
    yield s
    s.close()


def bot_with(base: QABot, spec: str, tmp_path: Path, **settings: Any) -> QABot:
    s = make_settings(tmp_path, **settings)
    return QABot(s, base.index, base.retriever, make_engine(spec, s))


def test_openai_compatible_endpoint(fast_bot: QABot, server: FakeServer, tmp_path: Path) -> None:
    pytest.importorskip("langchain_openai")
    bot = bot_with(
        fast_bot, "llm:openai", tmp_path, openai_base_url=server.url + "/v1", openai_model="my-model",
        openai_api_key="sk-test",
    )  # fmt: skip
    answer = bot.answer("Who leads the NRF?")
    assert answer.engine == "llm:openai" and not answer.abstained and len(answer.citations) == 1
    path, headers, body = server.requests[-1]
    assert path == "/v1/chat/completions" and body["model"] == "my-model" and body["temperature"] == 0
    assert headers["authorization"] == "Bearer sk-test"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "<passages>" in body["messages"][1]["content"]


def test_ollama_endpoint(fast_bot: QABot, server: FakeServer, tmp_path: Path) -> None:
    pytest.importorskip("langchain_ollama")
    bot = bot_with(fast_bot, "llm:ollama", tmp_path, ollama_base_url=server.url, ollama_model="qwen2.5:1.5b")
    answer = bot.answer("Who leads the NRF?")
    assert answer.engine == "llm:ollama" and not answer.abstained and len(answer.citations) == 1
    path, _, body = server.requests[-1]
    assert path == "/api/chat" and body["model"] == "qwen2.5:1.5b"
    assert body["messages"][0]["role"] == "system"
