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


@pytest.fixture(scope="session")
def milvus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The fast pipeline on the Milvus store: Milvus Lite in one .db file for the session."""
    pytest.importorskip("pymilvus", reason="the milvus extra: pip install -e '.[milvus]'")
    tmp = tmp_path_factory.mktemp("milvus")
    return make_settings(tmp, vector_store="milvus", milvus_uri=str(tmp / "milvus.db"))


@pytest.fixture(scope="session")
def milvus_bot(milvus_settings: Settings):  # type: ignore[no-untyped-def]
    from bot.core import QABot

    return QABot.load(milvus_settings)


@pytest.fixture(params=["faiss", "milvus"])
def store_bot(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The fast pipeline on each vector store in turn."""
    return request.getfixturevalue("fast_bot" if request.param == "faiss" else "milvus_bot")
