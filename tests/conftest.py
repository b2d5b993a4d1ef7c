"""Shared fixtures. `fast_bot`: the real pipeline with the hashing embedder (no model, ~1 s).
`real_bot`: the real pipeline with the packaged MiniLM over seeds/ (built once per session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.settings import ROOT, Settings

SEEDS = ROOT / "seeds"

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def make_settings(tmp: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"corpus": SEEDS, "index_dir": tmp / "index", "embedder": "hash"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def fast_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("fast"))


@pytest.fixture(scope="session")
def fast_bot(fast_settings: Settings):  # type: ignore[no-untyped-def]
    from bot.core import QABot

    return QABot.load(fast_settings)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("real"), embedder="minilm")


@pytest.fixture(scope="session")
def real_bot(real_settings: Settings):  # type: ignore[no-untyped-def]
    from bot.core import QABot

    return QABot.load(real_settings)


REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real redis-server on a free loopback port, no persistence, stopped after the session."""
    import shutil
    import subprocess
    import time

    binary = shutil.which("redis-server") or REDIS_SERVER
    if not Path(binary).exists():
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run installs it)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(folder),
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        try:
            yield f"redis://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
