"""Stance: does a sentence claim, deny or vow to resist; is a question an instruction; is a line a caption."""

from __future__ import annotations

import re

from bot.language.question import time_kind, times_in
from bot.language.words import asked_words, base_form, stems

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


# a sentence that says what it does not say: "he did not say what EC products would be singled out", "the
# company did not indicate when it would resubmit the proposals", "terms were not disclosed"
_NOT_TOLD = r"(?:(?:did|does|do|would|could|will)\s+not|declined\s+to|refused\s+to|without)\s+"
_TELL = (
    r"(?:say(?:ing)?|indicat(?:e|ing)|disclos(?:e|ing)|specify(?:ing)?|reveal(?:ing)?|identify(?:ing)?|nam(?:e|ing)|"
    r"give|giving|comment\s+on)\s+"
)
WITHHELD = re.compile(
    rf"\b{_NOT_TOLD}{_TELL}(?:(?P<wh>when|what|which|who|whom|how\s+much|how\s+many|where|why|whether|if)\b|"
    r"(?:the\s+|its\s+|their\s+|any\s+)?(?P<noun>amount|price|terms|value|cost|size|figure|name|identity|date|"
    r"timing|reason)s?\b)"
    r"|\b(?P<passive>price|terms|amount|value|cost|financial\s+terms)\s+(?:was|were)\s+not\s+"
    r"(?:disclosed|given|revealed|announced)\b",
    re.IGNORECASE,
)
# a value the sentence speaks of without giving it: "above a certain level", "an undisclosed sum"
UNSTATED = re.compile(
    r"\b(?:a|an)\s+(?:certain|undisclosed|unspecified|undetermined|unnamed|unidentified)\s+"
    r"(?P<noun>level|amount|sum|price|figure|fee|rate|number|date|time|percentage|share|stake|premium)\b",
    re.IGNORECASE,
)
# "Spethmann made no comment on 1986/87 group earnings", "he gave no details of the financing": nothing said of
# what follows, whatever the question asks of it
NO_COMMENT = re.compile(
    r"\b(?:made|makes|gave|gives|offered|provided)\s+no\s+(?:comment|details|figures?|forecast|indication)s?\s+"
    r"(?:on|of|about|for)\s+(?P<what>[^.;]{3,60})",
    re.IGNORECASE,
)
# what each withheld thing would have answered
WITHHELD_ANSWERS = {
    "when": "when", "date": "when", "timing": "when", "what": "what", "which": "what",
    "who": "who", "whom": "who", "name": "who", "identity": "who", "how much": "how much", "amount": "how much",
    "price": "how much", "terms": "how much", "value": "how much", "cost": "how much", "figure": "how much",
    "size": "how much", "how many": "how many", "where": "where", "why": "why", "reason": "why",
}  # fmt: skip
ASKING = re.compile(r"\b(when|what|which|who|whom|how\s+much|how\s+many|how\s+large|how\s+big|where|why)\b", re.I)


def withholds(sentence: str, question: str, verbs: frozenset[str] = frozenset()) -> bool:
    """Does the sentence say it does not tell what the question asks ("did not say what EC products" for
    "which EC products", "did not indicate when" for "when will it resubmit", "terms were not disclosed" for
    "how much did it pay")? Then the articles say they don't say. With `verbs` (base-form stems), only what
    it withholds of one of them counts ("when it might resubmit" for "resubmit")."""
    asked = ASKING.search(question)
    if asked is None:
        return False
    wh = " ".join(asked.group(1).lower().split())
    wh = {"which": "what", "whom": "who", "how large": "how much", "how big": "how much"}.get(wh, wh)
    question_words = {w.lower() for w in re.findall(r"[a-z]+", question, re.IGNORECASE)}
    for vague in () if verbs else UNSTATED.finditer(sentence):  # "profits above a certain level": "what profit level"
        if vague.group("noun").lower() in question_words:
            return True
    asked_stems = {t for t in stems(question) if not t[:1].isdigit()}
    for found in NO_COMMENT.finditer(sentence):
        what = found.group("what")
        said_of = {t for t in stems(what) if not t[:1].isdigit()}
        # a name the question does not give makes it another thing: "the Colombian segment" for the Ecuadorean
        named = {w.lower() for w in re.findall(r"\b[A-Z][\w-]*", what)} - asked_words(question)
        if (
            said_of & asked_stems
            and not named
            and not _of_another_time(what, question)
            and (not verbs or said_of & verbs)
        ):
            return True
    for found in WITHHELD.finditer(sentence):
        told = " ".join((found.group("wh") or found.group("noun") or found.group("passive") or "").lower().split())
        kind = WITHHELD_ANSWERS.get(told, "how much" if found.group("passive") else "")
        matches = kind == wh or (kind == "what" and wh in ("what", "who")) or ({kind, wh} == {"how much", "what"})
        after = sentence[found.end() :]
        if verbs and not {base_form(t) for t in stems(re.split(r"[.;]\s", after, maxsplit=1)[0])} & verbs:
            continue
        if matches and not _of_another_time(after, question) and not _of_another_thing(told, after, question):
            return True
    return False


def _of_another_thing(told: str, after: str, question: str) -> bool:
    """Does "what ..." or "which ..." withhold a thing the question does not ask about ("he did not say what
    EC products would be hit" withholds nothing about which organisation's convention he spoke to)?"""
    if told not in ("what", "which"):
        return False
    thing = re.match(
        r"\s*((?:[\w'’-]+\s+){0,3}?)(?:would|will|is|are|was|were|had|has|have|did|do|does|could|might|"
        r"may|it|they|he|she|we|to)\b",
        after,
    )
    words = thing.group(1).split() if thing else []  # "EC products": its head, "products", says what it is
    return bool(words) and not set(stems(words[-1])) & set(stems(question))


def _of_another_time(after: str, question: str) -> bool:
    """Is what a sentence withholds of another period than the question asks ("did not give figures for the
    fourth quarter of 1985" withholds nothing about 1986)?"""
    said, asked = times_in(re.split(r"[.;]\s", after, maxsplit=1)[0]), times_in(question)
    for kind in {time_kind(v) for v in asked}:
        of_kind = {v for v in said if time_kind(v) == kind}
        if of_kind and not of_kind & asked:
            return True
    return False


# what makes a verb after it a plan, an expectation or a possibility, not a thing done: "is due to rule",
# "will vote", "would arrive", "plans to appeal"
IRREALIS = re.compile(
    r"\b(?:will|would|shall|may|might|could|(?:due|expected|scheduled|set|likely|planning|plans?|planned|intends?|"
    r"intended|hopes?|hoped|wants?|wanted|going|about)\s+to)\s+(?:\w+ly\s+|not\s+|also\s+|still\s+|then\s+)?$",
    re.IGNORECASE,
)
DONE_AUXILIARIES = frozenset({"did", "has", "have", "had"})


def only_planned(sentence: str, question: str, verbs: frozenset[str]) -> bool:
    """Does the sentence give the verb a question asks of a thing done ("how did the tribunal rule", "what did
    the board decide") only as a plan or an expectation ("the tribunal is due to rule later today")? Then it
    tells what was to happen, not what happened."""
    words = question.lower().split()
    if not verbs or not DONE_AUXILIARIES & set(words[1:3]):
        return False
    found = [m for m in re.finditer(r"[A-Za-z]+", sentence) if {base_form(s) for s in stems(m.group(0))} & verbs]
    return bool(found) and all(IRREALIS.search(sentence[max(0, m.start() - 40) : m.start()]) for m in found)
