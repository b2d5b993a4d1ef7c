"""Answer engines, chosen by a settings string."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.errors import EngineError

if TYPE_CHECKING:
    from bot.engines.base import Engine
    from bot.settings import Settings

ENGINES = "extractive, llm:local, llm:openai, llm:ollama, llm:fake"


def make_engine(spec: str, settings: Settings) -> Engine:
    if spec == "extractive":
        from bot.engines.extractive import ExtractiveEngine

        return ExtractiveEngine(settings)
    if spec.startswith("llm:"):
        from bot.engines.llm import make_llm_engine

        return make_llm_engine(spec.removeprefix("llm:"), settings)
    raise EngineError(f"Unknown engine {spec!r}. Choose one of: {ENGINES}.")
