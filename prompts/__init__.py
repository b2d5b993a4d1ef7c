"""Prompt templates as files, loaded and checked for their variables in one place.

A template is a text file with `{name}` placeholders (str.format syntax; write `{{`/`}}` for a literal
brace). Each template has a fixed set of variables: loading fails when the file misses one or uses one
that nobody fills in, and formatting fails when a value is missing or unexpected. Values are inserted
as-is and never re-parsed, so documents containing braces are safe.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from retrieval.errors import EngineError

# template name -> the variables it must use, no more, no fewer
VARIABLES: dict[str, frozenset[str]] = {
    "system": frozenset({"abstain_phrase"}),
    "answer": frozenset({"passages", "question", "abstain_phrase", "answer_label"}),
    "condense": frozenset({"conversation", "question"}),
}


class PromptError(EngineError):
    """A prompt template that cannot be used as it is."""


@dataclass(frozen=True)
class Prompt:
    name: str
    template: str
    variables: frozenset[str]

    def format(self, **values: str) -> str:
        given = set(values)
        if given != self.variables:
            raise PromptError(_mismatch(f"prompt {self.name!r} was formatted", self.variables, given))
        return self.template.format(**values)


@dataclass(frozen=True)
class Prompts:
    system: Prompt
    answer: Prompt
    condense: Prompt


def template_variables(template: str, name: str = "template") -> frozenset[str]:
    """The `{name}` placeholders of a template; PromptError for positional, indexed or malformed ones."""
    found: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise PromptError(f"prompt {name!r} is malformed ({e}); write {{{{ and }}}} for literal braces.") from e
    for _, field, _, _ in parsed:
        if field is None:
            continue
        if not field.isidentifier():
            raise PromptError(f"prompt {name!r} has the placeholder {{{field}}}; use plain names like {{question}}.")
        found.add(field)
    return frozenset(found)


def check_template(name: str, template: str, expected: frozenset[str]) -> Prompt:
    found = template_variables(template, name)
    if found != expected:
        raise PromptError(_mismatch(f"prompt {name!r}", expected, found))
    return Prompt(name, template, expected)


def load_prompt(name: str, directory: Path | None = None, expected: frozenset[str] | None = None) -> Prompt:
    """Read `<name>.txt` (from this package unless `directory` is given) and check its variables."""
    if expected is None:
        if name not in VARIABLES:
            raise PromptError(f"unknown prompt {name!r}; known: {', '.join(sorted(VARIABLES))}.")
        expected = VARIABLES[name]
    try:
        if directory is None:
            text = (resources.files(__name__) / f"{name}.txt").read_text(encoding="utf-8")
        else:
            text = (directory / f"{name}.txt").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PromptError(f"prompt file {name}.txt cannot be read ({e}); reinstall qabot.") from e
    return check_template(name, text.strip() + "\n", expected)


def load_prompts(directory: Path | None = None) -> Prompts:
    """All the prompts the LLM engine uses, each checked."""
    return Prompts(
        system=load_prompt("system", directory),
        answer=load_prompt("answer", directory),
        condense=load_prompt("condense", directory),
    )


def _mismatch(what: str, expected: frozenset[str], found: set[str] | frozenset[str]) -> str:
    parts = []
    if missing := sorted(expected - found):
        parts.append("missing " + ", ".join("{" + v + "}" for v in missing))
    if unexpected := sorted(set(found) - expected):
        parts.append("unexpected " + ", ".join("{" + v + "}" for v in unexpected))
    return f"{what} with {'; '.join(parts)} (expected exactly: {', '.join(sorted(expected))})."
