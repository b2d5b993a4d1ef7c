"""The short answer to a question that asks for no name, number or date ("What did X urge Y to do?",
"What kind of government ...?"): the part of the answer sentence that the question does not already say.

The sentence is cut into phrases at the question's own words, at punctuation that ends a clause or a
sentence and at words of attribution ("said", "told"); each phrase loses its leading and trailing stop
words and is cut to MAX_WORDS. The phrase kept is the one that best looks like the answer, in this order:
for "what kind of X", the words just before X; for "... to do?", a phrase that begins with a verb; for
"which X", a phrase with a name in it; then one that holds a word other than a verb, stands next to the
question's words, is not a relative clause ("who ...", "which ...") describing something the question
names, and holds the most content words (up to four count). "Why" questions get the clause of the reason
the sentence gives instead (`reason_span`: "because ...", "due to ...", "delayed by ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.language.lexicon import SENTENCE_END, stopwords
from bot.language.words import _bare, asked_words, base_form, stems

# a word, a number with its thousands and decimals in one ("3,000", "25.5") ...
WORD = re.compile(r"\d+(?:[,.]\d+)+|[\w’'-]+")
# ... and a comma inside a number ("3,000 members") breaks nothing
CLAUSE_BREAK = re.compile(rf"(?<!\d),|,(?!\d)|[;:()\[\]“”\"—–…]|{SENTENCE_END}|\s-{{1,2}}\s")
# quotation marks stay inside an argument
ARGUMENT_BREAK = re.compile(rf"(?<!\d),|,(?!\d)|[;:()\[\]—–…]|{SENTENCE_END}|\s-{{1,2}}\s")
KIND_OF = re.compile(r"\b(?:kinds?|types?|sorts?|forms?) of (?:an? |the )?([\w’'-]+)", re.IGNORECASE)
ACTION = re.compile(r"\bdo\W*$", re.IGNORECASE)  # "What did X urge Y to do?"
WHICH = re.compile(r"\bwhich\b", re.IGNORECASE)
WHY = re.compile(r"\bwhy\b", re.IGNORECASE)
ATTRIBUTION = frozenset(
    {"said", "says", "say", "saying", "told", "tells", "tell", "added", "adds", "stated", "according", "reported",
     "reportedly", "quoted", "announced", "spokesman", "spokeswoman", "spokesperson"}
)  # fmt: skip
# titles before a name say nothing by themselves: "Mr" is no answer
HONORIFICS = frozenset({"mr", "mrs", "ms", "dr", "sir", "mullah", "sheikh", "messrs"})
RELATIVE = frozenset({"who", "whom", "whose", "which", "that", "where", "when"})
MAX_WORDS = 8  # a phrase longer than this is cut to its first MAX_WORDS words
SAID_WORDS = 16  # ... and what someone said, to its first SAID_WORDS
MARKERS = frozenset({"that", "whether", "if"})  # what begins a clause someone said, not part of it
# verbs of asking someone to do something: one asks what another does ("asked" / "urged them to join")
REQUESTS = frozenset({"ask", "urge", "call", "appeal", "order", "instruct", "invite", "press", "encourage"})
LIGHT_VERBS = frozenset({"be", "have", "do", "get", "make"})  # say too little to find the answer by


Offsets = tuple[int, int] | None

# what introduces a reason: "because (of)", "due to", "owing to", "as a result of", "citing", "blamed on",
# "argued that"
REASON = re.compile(
    r"\b(?:because(?:\s+of)?|due\s+to|owing\s+to|as\s+a\s+result\s+of|result(?:ed|ing)?\s+from|thanks\s+to|"
    r"in\s+response\s+to|on\s+the\s+back\s+of|citing|attributed\s+(?:it\s+)?to|blamed\s+(?:it\s+)?on|argu(?:ed|es)\s+that|"
    r"(?:caused|prompted|necessitated|delayed|hit|hurt)\s+by)\s+",
    re.IGNORECASE,
)
# where a reason's clause ends: a new clause of attribution ("..., he said"), a semicolon, the sentence's end
REASON_END = re.compile(
    r"\s*(?:[;:]|,\s+(?:[\w'’-]+\s+){1,6}?(?:said|says|added|told|reported)\b|[,.]?[\"”’]?\s*$|"
    rf"{SENTENCE_END})"
)
REASON_WORDS = 20  # a reason longer than this is cut to its first REASON_WORDS words


def reason_span(sentence: str) -> Offsets:
    """(start, end) in `sentence` of the reason it gives for a "why" question: the clause after "because",
    "due to", "citing", "delayed by" ... ("customer resistance to the fixed prices of Abu Dhabi oil"), up to
    the clause's end or its attribution ("..., he said"), cut to REASON_WORDS words; None without one."""
    found = REASON.search(sentence)
    if found is None:
        return None
    end = REASON_END.search(sentence, found.end())
    stop = end.start() if end is not None else len(sentence)
    words = list(WORD.finditer(sentence, found.end(), stop))
    if not words:
        return None
    return found.end(), words[min(len(words), REASON_WORDS) - 1].end()


def argument_span(
    sentence: str,
    question: str,
    clauses: Sequence[tuple[str, Offsets, Offsets, Offsets]],
    speech: frozenset[str] = frozenset(),
) -> tuple[int, int] | None:
    """(start, end) in `sentence` of what the question's verb takes there: "their flag" for "what were they
    shown raising?" in "... show members raising their flag over the house", "to join the ranks" for "what
    did he ask the forces to do?". `clauses`: (verb lemma, subject, object, complement) with offsets in
    `sentence`, from the index-time parse. A verb the question gives as a noun ("the claim", "claim of") is
    not its verb, nor one without a subject or whose subject is a name the question does not give (the
    question asks what its own subject did). `speech`: lemmas of the verbs of saying, when the question asks
    what someone said ("say" is too common a word to be one of its terms): what such a verb takes answers it,
    its clause ("that the group is forming a government") first, whole. The object comes first, the
    complement for "... to do?"; the part kept is cut at the first break of its clause, then to the phrase
    in it the question does not say (`unasked_span`)."""
    if WHY.search(question):
        return None
    asked = {base_form(s) for s in stems(question)}
    asked_bare = asked_words(question)
    action = ACTION.search(question) is not None
    stop = stopwords()
    nouns = {base_form(s) for m in NOUN_USE.finditer(question) for s in stems(m.group(1) or m.group(2))}
    verbs = asked - nouns
    requested = bool(verbs & _request_stems())  # "what did he ask them to do": "urged them to join" answers
    for verb, subject, taken, complement in clauses:
        said = verb in speech
        forms = {base_form(s) for s in stems(verb)}
        if verb in LIGHT_VERBS or not (forms & verbs or said or (requested and verb in REQUESTS)):
            continue
        if subject is None or not _subject_fits(sentence[subject[0] : subject[1]], question):
            continue  # no one does it ("claims of conquering the province"), or someone else does
        for part in (complement, taken) if action or said else (taken, complement):
            if part is None:
                continue
            kept: list[re.Match[str]] = []
            for word in WORD.finditer(sentence, part[0], part[1]):
                if kept and ARGUMENT_BREAK.search(sentence, kept[-1].end(), word.start()):
                    break
                kept.append(word)
            while kept and _bare(kept[0].group(0)) in (MARKERS if said else stop):
                kept.pop(0)
            kept = kept[: SAID_WORDS if said else MAX_WORDS + 2]
            while kept and _bare(kept[-1].group(0)) in stop:
                kept.pop()
            new = [w for w in kept if _bare(w.group(0)) not in stop and _bare(w.group(0)) not in asked_bare]
            if any(_stem(w) not in asked for w in new):
                start, end = kept[0].start(), kept[-1].end()
                if said:  # what was said is the whole clause, not a phrase of it
                    return start, end
                inner = unasked_span(sentence[start:end], question)
                return (start + inner[0], start + inner[1]) if inner else (start, end)
    return None


# "what word did X use for the reports", "what term did she use to describe the deal": the word is what X
# calls the thing ("called it a fabrication"), what a pronoun for it is ("This is a fabrication."), or a
# single word quoted (“quagmire”)
WORD_USED = re.compile(r"\bwhat (?:word|term|phrase|expression|label)\b.*\b(?:use|used|call|called|describe)\b", re.I)
CALLED_AS = re.compile(
    r"\b(?:call(?:ed|s|ing)?|describ(?:ed|es|ing) (?:it|them|this|that|the \w+) as|dubb(?:ed|ing))\s+"
    r"(?:(?:it|them|this|that|the \w+)\s+)?(?:an?\s+|the\s+)?(?P<word>[\w-]+(?:\s+[\w-]+)?)(?=\s*[.,;:!?”\"]|$)"
    r"|\b(?:this|it|that|these|they)\s+(?:is|was|are|were)\s+(?:an?\s+|the\s+)?(?P<pred>[\w-]+(?:\s+[\w-]+)?)"
    r"(?=\s*[.,;:!?”\"]|$)"
    r"|[“\"](?P<quoted>[\w-]+)[”\"]",
    re.IGNORECASE,
)


def word_used(sentence: str, question: str) -> tuple[int, int] | None:
    """(start, end) in `sentence` of the word the question asks someone used for something, or None."""
    if not WORD_USED.search(question):
        return None
    found = CALLED_AS.search(sentence)
    if found is None:
        return None
    group = next(g for g in ("word", "pred", "quoted") if found.group(g))
    return found.start(group), found.end(group)


@lru_cache(maxsize=1)
def _request_stems() -> frozenset[str]:
    """REQUESTS as the question's stems hold them."""
    return frozenset(base_form(s) for verb in REQUESTS for s in stems(verb))


# a question word used as a noun: after an article or a possessive, or before "of" ("the Taliban's claim")
NOUN_USE = re.compile(r"(?:\b(?:the|a|an|its|their|his|her)\s+|['’]s\s+)(\w+)|\b(\w+)\s+of\b", re.IGNORECASE)


def _subject_fits(subject: str, question: str) -> bool:
    """Is a clause's subject the question's own: a pronoun, one without a name, or a name the question gives?"""
    names = [w for w in WORD.finditer(subject) if w.group(0)[:1].isupper()]
    if not names:
        return True
    given = asked_words(question)
    return any(_bare(w.group(0)) in given for w in names)


@dataclass(frozen=True)
class _Phrase:
    start: int  # character offsets in the sentence
    end: int
    content: int  # words other than stop words
    nominal: bool  # holds a content word that is not one of the sentence's verbs
    beside_question: bool  # the question's own words stand right before or after it (stop words between)
    relative: bool  # begins with "who", "which", ...
    closed_by: str  # the stem of the question's word right after it ("" if none)
    verb_first: bool  # its first word is one of the sentence's verbs
    named: bool  # holds a capitalised word that does not begin the sentence
    tail: int  # where its last run of content words begins (the words that modify what closes it)


def unasked_span(sentence: str, question: str, verbs: Iterable[str] = ()) -> tuple[int, int] | None:
    """(start, end) in `sentence` of the phrase that answers beyond what the question says, or None (also
    for "why": see `reason_span`). `verbs`: lemmas of the sentence's verbs
    (from the index-time parse)."""
    if WHY.search(question):
        return None
    asked = {base_form(s) for s in stems(question)}
    asked_bare = asked_words(question)
    verb_stems = {base_form(s) for v in verbs for s in stems(v)}
    kind = KIND_OF.search(question)
    kind_of = _stem_of(kind.group(1)) if kind else None
    action = ACTION.search(question) is not None
    which = WHICH.search(question) is not None
    stop = stopwords()
    words = list(WORD.finditer(sentence))
    phrases: list[_Phrase] = []
    run: list[re.Match[str]] = []
    before_given = False

    def close(after_given: bool, closer: str = "") -> None:
        nonlocal run
        kept = list(run)
        lead = _bare(kept[0].group(0)) if kept else ""
        while kept and _bare(kept[0].group(0)) in stop:
            kept.pop(0)
        while kept and _bare(kept[-1].group(0)) in stop:
            kept.pop()
        if kept:
            kept = kept[:MAX_WORDS]
            while _bare(kept[-1].group(0)) in stop:
                kept.pop()
            content = [w for w in kept if _bare(w.group(0)) not in stop and _bare(w.group(0)) not in HONORIFICS]
            phrases.append(
                _Phrase(
                    start=kept[0].start(),
                    end=kept[-1].end(),
                    content=len(content),
                    nominal=any(_stem(w) not in verb_stems for w in content),
                    beside_question=before_given or after_given,
                    relative=lead in RELATIVE,
                    closed_by=closer if after_given else "",
                    verb_first=_stem(kept[0]) in verb_stems,
                    named=any(w.group(0)[0].isupper() and w.start() > 0 for w in content),
                    tail=_tail(kept, stop),
                )
            )
        run = []

    previous_end = 0
    for word in words:
        bare = _bare(word.group(0))
        broken = CLAUSE_BREAK.search(sentence, previous_end, word.start()) is not None
        given = bare not in stop and (bare in asked_bare or _stem(word) in asked)
        if broken:
            if run:
                close(after_given=False)
            before_given = False
        if given or bare in ATTRIBUTION:
            if run:
                close(after_given=given, closer=_stem(word))
            before_given = given
        elif action and bare == "to" and run and _verb_follows(words, word, verb_stems):
            close(after_given=False)  # "urged its members in both plants | to reject the offer"
            before_given = False
        else:
            run.append(word)
        previous_end = word.end()
    if run:
        close(after_given=False)
    best = max(
        (p for p in phrases if p.content),
        key=lambda p: (
            kind_of is not None and p.closed_by == kind_of,  # "what kind of harbour": the words before "harbour"
            action and p.verb_first,  # "what did they urge him to do": a phrase that begins with a verb
            which and p.named,  # "which army": a name
            p.nominal,
            p.beside_question,
            not p.relative,
            min(p.content, 4),
            -p.start,
        ),
        default=None,
    )
    if best is None:
        return None
    if kind_of is not None and best.closed_by == kind_of:
        return best.tail, best.end
    return best.start, best.end


def _stem(word: re.Match[str]) -> str:
    return _stem_of(word.group(0))


def _tail(words: list[re.Match[str]], stop: frozenset[str]) -> int:
    at = len(words) - 1
    while at > 0 and _bare(words[at - 1].group(0)) not in stop:
        at -= 1
    return words[at].start()


def _stem_of(word: str) -> str:
    found = stems(word)
    return base_form(found[0]) if found else ""


def _verb_follows(words: list[re.Match[str]], word: re.Match[str], verb_stems: set[str]) -> bool:
    after = next((w for w in words if w.start() > word.start()), None)
    return after is not None and _stem(after) in verb_stems
