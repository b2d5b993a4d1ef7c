"""Follow-up questions -> standalone questions, by carrying over what the conversation was about.

"Who is Ahmad Massoud?" then "Who was his father?" becomes "Who was Ahmad Massoud's father?".
The person a personal pronoun stands for is the one the previous question asked about ("Who is X?"),
or, when it asked who someone was ("Who is the Taliban's spokesman?"), the first new name of the
previous answer. Other references ("it", "them", "that", "the general", "And Saleh?") are resolved by
adding the previous question as context, which retrieval and scoring then use.
"""

from __future__ import annotations

import re

from bot.language import SENTENCE_STARTERS
from bot.phrases import DISAGREE
from retrieval.index import Index
from retrieval.records import Conversation, Turn

PERSONAL = {"he": "{e}", "him": "{e}", "his": "{e}'s", "she": "{e}", "her": "{e}'s", "hers": "{e}'s"}
POSSESSIVE = {"its": "{e}'s", "their": "{e}'s"}  # "its ministry" after "Which country ...?"
REFERRING = {"it", "its", "they", "them", "their", "theirs", "that", "this", "those", "these", "there", "then"}
NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:(?:of|al|bin)\s+)?[A-Z][\w’'-]*)*")
DEFINITION = re.compile(r"^\s*(?:who|what)\s+(?:is|was|are|were)\s+(?P<name>.+?)\s*\??\s*$", re.IGNORECASE)
ELLIPSIS = re.compile(r"^\s*(?:and|what about|how about|and what about)\s+(?P<entity>.+?)\s*\??\s*$", re.IGNORECASE)


def names(text: str) -> list[str]:
    """Capitalised names (single or multi-word), without question words at the start of a sentence."""
    found = []
    for match in NAME.finditer(text):
        words = match.group(0).split()
        while words and words[0].lower() in SENTENCE_STARTERS:
            words = words[1:]
        name = " ".join(words).removesuffix("’s").removesuffix("'s")
        if name:
            found.append(name)
    return found


def referent(turn: Turn) -> str | None:
    """The person a "he"/"she" in the next question most likely means."""
    asked = turn.answer.standalone_question or turn.question
    definition = DEFINITION.match(asked)
    if definition and definition.group("name")[:1].isupper() and names(definition.group("name")):
        return names(definition.group("name"))[0]
    if _asks_for_entity(asked) and not turn.answer.abstained:
        # the answer's new name that the answer keeps coming back to (its surname counted)
        known = {w.lower() for w in re.findall(r"[\w’'-]+", asked)}
        text = _without_markers(turn.answer.text)
        sentences = re.split(r"(?<=[.!?])\s", text)
        candidates = [
            name
            for sentence in sentences
            for name in names(sentence[:1].lower() + sentence[1:])
            if not any(w.lower() in known for w in name.split())
        ]
        if candidates:
            return max(candidates, key=lambda n: (text.count(n.split()[-1]), -candidates.index(n)))
    in_question = names(asked)
    return max(in_question, key=lambda n: len(n.split())) if in_question else None


def _asks_for_entity(question: str) -> bool:
    return bool(re.match(r"^\s*(?:who|whom|which)\b", question, re.IGNORECASE))


def _without_markers(text: str) -> str:
    return re.sub(r"\s*\[\d+\]", "", text.removeprefix(f"{DISAGREE} "))


def standalone_question(question: str, conversation: Conversation, index: Index | None = None) -> str:
    """The question rewritten to stand alone, or unchanged when it already does (or nothing to carry)."""
    if not conversation.turns:
        return question
    last = conversation.turns[-1]
    previous = last.answer.standalone_question or last.question
    ellipsis = ELLIPSIS.match(question)
    if ellipsis:
        return f"{previous} ({ellipsis.group('entity')})"
    words = [w.lower() for w in re.findall(r"[\w’']+", question)]
    pronouns = PERSONAL if not _asks_for_entity(previous) else {**PERSONAL, **POSSESSIVE}
    if any(w in pronouns for w in words):
        entity = referent(last)
        if entity:
            pattern = r"\b(" + "|".join(pronouns) + r")\b"
            return re.sub(
                pattern, lambda m: pronouns[m.group(0).lower()].format(e=entity), question, count=1, flags=re.IGNORECASE
            )
    if any(w in REFERRING for w in words) or re.search(r"\b(?:the|that|this) (?:general|man|woman|group)\b", question):
        return f"{question} (context: {previous})"
    return question
