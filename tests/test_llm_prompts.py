"""Prompt files: loaded from the package, variables checked at load and at format time."""

from __future__ import annotations

from pathlib import Path

import pytest

from prompts import VARIABLES, PromptError, load_prompt, load_prompts, template_variables
from retrieval.errors import EngineError

GOOD = {
    "system": "Rules. Abstain with: {abstain_phrase}",
    "answer": "<passages>\n{passages}\n</passages>\n<question>\n{question}\n</question>\n"
    "{answer_label}\n{abstain_phrase}",
    "condense": "<conversation>\n{conversation}\n</conversation>\n{question}",
}


def write(directory: Path, **templates: str) -> Path:
    for name, text in {**GOOD, **templates}.items():
        (directory / f"{name}.txt").write_text(text, encoding="utf-8")
    return directory


def test_the_packaged_prompts_load_with_their_variables() -> None:
    prompts = load_prompts()
    for name in VARIABLES:
        assert getattr(prompts, name).variables == VARIABLES[name]
    system = prompts.system.format(abstain_phrase="The articles don't say.")
    assert "The articles don't say." in system and "{" not in system


def test_a_missing_variable_fails_at_load(tmp_path: Path) -> None:
    write(tmp_path, answer="<passages>\n{passages}\n</passages>\n{answer_label}\n{abstain_phrase}")
    with pytest.raises(PromptError, match=r"prompt 'answer' with missing \{question\}"):
        load_prompts(tmp_path)


def test_an_unexpected_variable_fails_at_load(tmp_path: Path) -> None:
    write(tmp_path, condense="{conversation} {question} {history}")
    with pytest.raises(PromptError, match=r"unexpected \{history\}"):
        load_prompts(tmp_path)


@pytest.mark.parametrize("template", ["{0}", "{question.upper}", "{question[0]}", "an { unbalanced", "{}"])
def test_malformed_placeholders_fail(template: str) -> None:
    with pytest.raises(PromptError):
        template_variables(template, "t")


def test_format_checks_the_values() -> None:
    answer = load_prompt("answer")
    with pytest.raises(PromptError, match=r"missing \{question\}"):
        answer.format(passages="p", abstain_phrase="x", answer_label="A:")
    with pytest.raises(PromptError, match=r"unexpected \{extra\}"):
        answer.format(passages="p", question="q", abstain_phrase="x", answer_label="A:", extra="e")


def test_values_with_braces_are_inserted_verbatim() -> None:
    text = load_prompt("answer").format(
        passages="{question} {0} }{", question="q?", abstain_phrase="x", answer_label="A:"
    )
    assert "{question} {0} }{" in text


def test_prompt_errors_are_user_facing_engine_errors(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="cannot be read"):
        load_prompt("system", tmp_path)
    with pytest.raises(EngineError, match="unknown prompt"):
        load_prompt("nope")
    assert load_prompt("answer", write(tmp_path)).variables == VARIABLES["answer"]
