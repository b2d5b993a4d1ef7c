"""Stance: does a sentence claim, deny or vow to resist; is a question an instruction; is a line a caption."""

from __future__ import annotations

import re

CLAIM_CUES = re.compile(
    r"\b(claim(?:s|ed|ing)?|assert(?:s|ed)?|declar(?:e|es|ed|ation)|announc(?:e|es|ed)|alleg(?:e|es|ed|ation)|"
    r"said|says|say|tweeted|insist(?:s|ed)?|reported|confirm(?:s|ed)?)\b",
    re.IGNORECASE,
)


DENIAL_CUES = re.compile(
    r"\b(den(?:y|ies|ied|ial)|false|fabrication|untrue|not true|reject(?:s|ed)?|refut(?:e|es|ed)|dismiss(?:es|ed)?|"
    r"(?:did|does|do) not concede|still (?:fighting|all over|present|in control))\b",
    re.IGNORECASE,
)


RESIST_CUES = re.compile(
    r"\b((?:will|to) continue|keep fighting|carry on fighting|far from over|vow(?:s|ed)? to (?:continue|keep|carry on)|"
    r"(?:will|would) continue|not over)\b",
    re.IGNORECASE,
)


INSTRUCTION = re.compile(
    r"^\s*(?:please\s+)?(?:ignore|disregard|forget|override|bypass)\b.*\b(?:instructions?|prompt|rules?|above)\b|"
    r"\b(?:system prompt|your instructions|you are now|act as|pretend to be|jailbreak)\b",
    re.IGNORECASE,
)


CAPTION = re.compile(r"(\[[^\]]*/[^\]]*\]|\((?:AFP|Reuters|AP) photo\)|\(Photo by [^)]*\))\s*$", re.IGNORECASE)


def stance(sentence: str) -> str | None:
    """'deny' when the sentence disputes something, 'resist' when it vows to go on against it,
    'claim' when it asserts or reports a claim."""
    if DENIAL_CUES.search(sentence):
        return "deny"
    if RESIST_CUES.search(sentence):
        return "resist"
    if CLAIM_CUES.search(sentence):
        return "claim"
    return None


def is_instruction(text: str) -> bool:
    """An attempt to give the bot orders rather than ask about the articles."""
    return bool(INSTRUCTION.search(text))


def is_caption(sentence: str) -> bool:
    return bool(CAPTION.search(sentence))
