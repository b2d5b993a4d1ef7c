"""The real local LLM (Qwen2.5-Coder-1.5B-Instruct Q4_K_M through llama-cpp-python) over seeds/.

Marked `llm` and skipped unless the model file and llama_cpp are installed (`make llm`), so a fresh
machine or CI needs neither. Where the model is installed they run when asked for, with `pytest -m llm`
or QABOT_TEST_LLM=1: each answer is a ~1k-token prompt, seconds on idle cores but minutes on a shared,
busy machine, too slow to ride along with every `pytest -q`.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import pytest

from bot.settings import Settings


def _installed() -> str | None:
    path = Settings().llm_model_path  # the tests' settings keep this default
    if not path.is_file():
        return f"no local model at {path} (install it with `make llm`)"
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (`make llm`)"
    return None


pytestmark = [pytest.mark.llm, pytest.mark.skipif(_installed() is not None, reason=str(_installed()))]


@pytest.fixture(scope="module", autouse=True)
def _asked_for(request: pytest.FixtureRequest) -> None:
    markexpr = str(request.config.getoption("-m") or "")
    if ("llm" not in markexpr or "not llm" in markexpr) and os.environ.get("QABOT_TEST_LLM") != "1":
        pytest.skip("the local LLM is installed; run these with `pytest -m llm` or QABOT_TEST_LLM=1")


@pytest.fixture(scope="module")
def local_bot(real_bot: Any) -> Any:
    from bot.core import QABot
    from bot.engines import make_engine

    engine = make_engine("llm:local", real_bot.settings)  # the tests' settings keep the default model path
    return QABot(real_bot.settings, real_bot.index, real_bot.retriever, engine)


def test_the_local_model_answers_with_verified_citations(local_bot: Any) -> None:
    answer = local_bot.answer("Who leads the National Resistance Front?")
    assert answer.engine == "llm:local", answer
    assert not answer.abstained and answer.citations
    assert "Massoud" in answer.text + " ".join(c.quote for c in answer.citations)
    for c in answer.citations:
        assert c.quote in local_bot.index.articles[c.source].text


def test_the_local_model_abstains_or_cites_only_verbatim(local_bot: Any) -> None:
    answer = local_bot.answer("What is the population of Panjshir province?")
    assert answer.abstained or all(c.quote in local_bot.index.articles[c.source].text for c in answer.citations)


def test_the_local_model_condenses_a_follow_up(local_bot: Any) -> None:
    from retrieval.records import Conversation, Turn

    first = local_bot.answer("Who is Ahmad Massoud?")
    second = local_bot.answer(
        "Who was his father?", Conversation(turns=(Turn(question="Who is Ahmad Massoud?", answer=first),))
    )
    assert "Massoud" in second.standalone_question
