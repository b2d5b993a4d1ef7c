"""Answer engines, chosen by a settings string through a registry (retrieval/registry.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.errors import EngineError
from retrieval.registry import Registry

if TYPE_CHECKING:
    from bot.engines.base import Engine
    from bot.settings import Settings

ENGINES_REGISTRY: Registry[Engine] = Registry("engine", error=EngineError)


@ENGINES_REGISTRY.register("extractive")
def _extractive(settings: Settings) -> Engine:
    from bot.engines.extractive import ExtractiveEngine

    return ExtractiveEngine(settings)


@ENGINES_REGISTRY.register("llm", takes_argument=True)
def _llm(kind: str, settings: Settings) -> Engine:
    from bot.engines.llm import make_llm_engine

    return make_llm_engine(kind, settings)


# what users are shown; `llm:fake` (scripted replies, for tests and demos) works but is not listed
ENGINES = "extractive, llm:local, llm:openai, llm:ollama"


def make_engine(spec: str, settings: Settings) -> Engine:
    return ENGINES_REGISTRY.make(spec, settings)
