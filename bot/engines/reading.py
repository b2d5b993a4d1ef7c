"""Reading a candidate sentence against a question: the typed answer span it offers, and how well it
keeps the question's constraints. Everything here works on the parses stored at index time.

A candidate is a sentence (or a short paragraph) the engine's sentence score placed near the top. Its
features, all general, feed one logistic model (bot/engines/calibration.py) that both ranks the
candidates and says how likely the best one is to answer the question:
- the sentence score and its parts (similarity, word coverage);
- the question's named entities found in the sentence, or only in its context (the sentence before it,
  the article's title) when the sentence's subject is a pronoun or a title ("he", "the company");
- the question's months, years and quarters: given there, missing, or contradicted (another month);
- an entity of the wanted kind (a PERSON for "who", MONEY for "how much") not given by the question,
  and how close it stands to the question's other words;
- whether the nearest name to an amount is another company or person than the one asked about;
- the question's verbs among the sentence's verbs;
and checks of the question's constraints, which only the answer model weighs:
- the entity the question is about (its subject, a possessor: "how much did Chrysler pay", "Kuwait's quota")
  is neither in the sentence nor in its context;
- the answer span lacks the form asked for (an amount without a number, a bare number for "how much", a
  share without "pct" for "what percentage", "today" for "on what date");
- the sentence never names the noun whose value is asked ("quota", "cash", "fee");
- the person in the answer is named beside another role than the one asked ("who is the chairman"), or,
  for "which judge ...", beside another title ("A. William Reynolds, chairman of GenCorp");
- a "why" or "what caused" question whose sentence, and the few after it, give no cause;
- the thing the question asks to be named spoken of only as an unnamed one ("several shipping lines" for
  "which shipping lines", "appointed a mediator" for "who was appointed mediator");
- the question asks a period the whole article never names while it names others of that kind ("the
  second quarter" in a story of the third);
- the question names a place the whole article never names ("Taiwan's trade surplus with Japan" in a story
  that gives only Taiwan's whole surplus).
An amount measured in another unit than the question names or implies ("4.7 mln tonnes" for a capacity in
barrels per day, "eight pct" for how much money), one of another business result ("revenues of 695 mln
dlrs" for what it earned) or one the text ties to another period ("10.6 billion in 1985" for 1986) is no
answer span at all.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from bot.language import asked_words, base_form, mentions, stems, tokens
from bot.language.lexicon import (
    DEMONYMS,
    FACILITIES,
    HEADCOUNT,
    INSTITUTIONS,
    KIND_NOUNS,
    NOT_NAME_WORDS,
    PEOPLE,
    RATES,
    SENTENCE_END,
    stopwords,
)
from bot.language.question import (
    COUNTS_OF_THINGS,
    HALF,
    MONEY_HEADS,
    MONTH,
    MONTHS_RUN,
    NAMED,
    PER_UNIT,
    PREPOSITIONS,
    QUARTER,
    QUARTER_END,
    Ask,
    actors,
    asked_preposition,
    asked_thing,
    asks_amount_of,
    asks_holder,
    asks_price,
    compared_times,
    measure_conflict,
    names_relative_time,
    relative_times,
    time_kind,
    times_in,
)
from bot.language.question import WORD as NAME_WORD
from bot.language.values import MONEY_UNITS, UNITS, amount_conflict, units_in
from bot.language.words import WORD as TOKEN
from bot.language.words import _bare
from retrieval.records import Article, Mention, Parse


class Weights(Protocol):
    """Per stem its weight (a dict, or the engine's corpus-wide Rarity)."""

    def get(self, stem: str, default: float, /) -> float: ...


FEATURES = (
    "score",
    "dense",
    "lexical",
    "focus",
    "rare_missing",
    "entity_missing",
    "entity_context",
    "entity_rival",
    "time_conflict",
    "time_missing",
    "typed",
    "span_near",
    "owner_other",
    "verb",
    "untyped",
    "rank",
    "typed_near",
)
# checks of the question's constraints the answer model weighs (the ranker does not: it picks the sentence
# that matches the question best; these say whether that sentence answers it)
CHECKS = (
    "subject_missing",
    "span_vague",
    "head_missing",
    "role_missing",
    "amount_conflict",
    "actor_other",
    "cause_missing",
    "speaker_missing",
    "unnamed",
    "time_absent",
    "place_absent",
)
# ... and the ranker's score and lead, and whether the answer is the weaker of a two-part question's
ANSWER_FEATURES = (*FEATURES, *CHECKS, "ranked", "lead", "two_part")
NUMERIC = frozenset({"MONEY", "PERCENT", "CARDINAL", "QUANTITY"})
CALLED = NAMED - {"NORP"}  # "German bank", "U.S. officials": a nationality before a kind noun is no name of one
NATIONALITIES = frozenset(a for adjectives in DEMONYMS.values() for a in adjectives)
COUNTRY_OF = {a: country for country, adjectives in DEMONYMS.items() for a in adjectives}  # "thai": "thailand"
COMPANY_FORMS = frozenset(
    {"corp", "inc", "co", "plc", "ltd", "llc", "ag", "sa", "nv", "bv", "spa", "the", "of", "and"}
    | {"international", "industries", "group", "holdings", "holding", "corporation", "company", "incorporated"}
    | {"limited", "enterprises"}
)  # "Baker International Corp" is the "Baker" a question names
KIND_STEP = 0.15  # nearness a less likely kind of answer gives up (a bare number against money for "how much")
DATE_VAGUE = 2  # kinds a date without day, month or year gives up
UNIT_WORD = re.compile(
    r"\s*(?:mln|million|billion|bln|trillion|thousand|pct|percent|per cent|%|dlrs?|dollars?|cts|cents|pence|"
    r"stg|pounds?|sterling|yen|francs?|marks?|lire|guilders?|crowns?|rupees?|pesos?|tonnes|tons|barrels|bpd|"
    r"ounces|bags|shares|(?:a|an|per|each) (?:share|tonne|ton|barrel|ounce|pound|kilo|bag|gallon|bushel|lb))\b",
    re.IGNORECASE,
)
MEASURE = re.compile(
    r"\d|\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|dozen|several|few|many)\b",
    re.IGNORECASE,
)
MEASURE_UNIT = re.compile(
    r"[\s-]*(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries|km|kms|kilometres?|"
    r"kilometers?|miles?|metres?|meters?|feet|old)\b",
    re.IGNORECASE,
)
NUMBER_WORD = (
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundred|thousand|million|billion|mln|bln|dozen|half|quarter)\b"
)
NUMBER = re.compile(rf"\d|{NUMBER_WORD}", re.IGNORECASE)
# a number with nothing it counts or measures: "two", "158", "about 40"
BARE_NUMBER = re.compile(rf"(?:about |some |around |over |nearly |almost )?(?:[\d.,]+|{NUMBER_WORD})", re.IGNORECASE)
FRACTION = re.compile(
    r"(?:about |some |nearly |almost |over |more than )?(?:(?:an?|one|two|three|four)[\s-])?"
    r"(?:half|halves|thirds?|quarters?|fifths?|tenths?)",
    re.IGNORECASE,
)  # "two-thirds", "one third", "half": a share
PERCENT_WORD = re.compile(r"%|\b(?:pct|percent|per cent|percentage points?)\b", re.IGNORECASE)
YEAR_OR_DAY = re.compile(r"\b(?:1[89]\d\d|20\d\d)\b|\d{1,2}/\d{1,2}")  # "1987", "9/11"
YEAR_ONLY = re.compile(r"(?:1[89]\d\d|20\d\d)(?:/\d\d)?")
# "a price per tonne", "how much per share": the answer is a price of that unit ("71 dlrs a share")
SCALE = re.compile(r"\b(?:mln|million|billion|bln|trillion)\b", re.I)
A_UNIT = re.compile(r"\ban? (?:share|tonne|ton|barrel|ounce|pound|kilo|bag|gallon|bushel|lb)\b", re.I)
# measures of length, area, volume, weight, time and headcounts: a sum of money is none of them
MEASURE_WORD = re.compile(
    r"\b(?:yards?|miles?|km|kilometres?|kilometers?|metres?|meters?|feet|foot|inches|acres?|hectares?|gallons?|"
    r"litres?|liters?|bushels?|kilos?|kg|lbs?|bales|carats|days?|weeks?|months?|years?|hours?|minutes?|"
    r"people|workers|employees|members|vessels|ships|plants)\b",
    re.IGNORECASE,
)
CURRENCY = re.compile(
    r"\$|\d+(?:\.\d+)?p\b|\b(?:dlrs?|dollars?|cts|cents?|pence|stg|pounds?|sterling|yen|francs?|marks?|lire|guilders?|crowns?|"
    r"rupees?|pesos?|riyals?|dinars?|rand|schillings?|kroner|ringgit|baht|won|yuan|[rl]oubles?|rubles?|kwacha|"
    r"naira|cruzados?|cruzeiros?|australs?|shillings?|dirhams?|renminbi|rupiah|escudos?|drachmas?|kron[aeo]r?|"
    r"zlotys?|forints?|pesetas?)\b",
    re.I,
)
WEEKDAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", re.IGNORECASE)
ON_DATE = re.compile(r"\b(?:on\s+)?(?:what|which)\s+(?:date|day)\b", re.IGNORECASE)
ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}")
PRONOUN_SUBJECTS = frozenset({"he", "she", "it", "they"})
SPEECH = frozenset({"said", "says", "told", "added", "stated", "announced"})
# "J. Makumbi", "A.B. Smith": a person's name, whatever label the parser gave it
INITIALLED = re.compile(r"^(?:[A-Z]\.\s?)+[A-Z][a-z]")
SPAN_WINDOW = 10  # words: how far an answer span may stand from the question's words and still count as near


@dataclass
class Reading:
    """One candidate read against one question (part)."""

    features: dict[str, float]
    span: tuple[str, int, int] | None = None  # (source, start, end) of the short answer in its article
    antecedent: int | None = None  # position of a sentence the answer needs: the name behind "he", or the
    # neighbouring sentence that holds the figure
    probability: float = 0.0
    absent: frozenset[str] = frozenset()  # the question's full names (people, names the corpus does not know)
    # found neither in the sentence nor in its context
    nearest: float = 0.0  # the best sentence score among the candidates read with this one
    unnamed: bool = False  # the sentence gives the thing asked to be named only as one it leaves unnamed
    # ("several shipping lines had ordered ..." for "which shipping lines")


@dataclass(frozen=True)
class Unit:
    """A candidate's place: its article and the positions of its sentences in that article."""

    article: Article
    positions: tuple[int, ...]
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]

    @property
    def parses(self) -> list[Parse]:
        return [self.article.parses[i] for i in self.positions if i < len(self.article.parses)]

    def mentions(self) -> list[Mention]:
        return [m for p in self.parses for m in p.mentions]


KIND_OF_LABEL = {"GPE": "place", "LOC": "place", "NORP": "place", "FAC": "place", "ORG": "org", "PERSON": "person"}


def _rivals(unit: Unit, lacking: Sequence[tuple[str, str]], entities: Sequence[tuple[str, str]]) -> float:
    """How many of the `lacking` entities (name, label) have a rival in the sentence: a mention of the same
    kind (a place or nationality, an organisation, a person) that is none of the question's entities."""
    kinds = {KIND_OF_LABEL.get(label) for _, label in lacking} - {None}
    if not kinds:
        return 0.0
    text = unit.article.text
    named = [n.lower() for n, _ in entities]
    present = set()
    for m in unit.mentions():
        kind = KIND_OF_LABEL.get(m.label)
        if kind in kinds and m.start >= unit.start and m.end <= unit.end:
            found = text[m.start : m.end].lower()
            if not any(n in found or found in n for n in named):
                present.add(kind)
    return float(sum(KIND_OF_LABEL.get(label) in present for _, label in lacking))


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[tuple[int, str], ...]:
    """Where each word of a text starts, and the word. Sentences and questions come back candidate after
    candidate, so each is split once."""
    return tuple((m.start(), m.group(0)) for m in NAME_WORD.finditer(text))


@lru_cache(maxsize=65536)
def _anchor_stem(word: str) -> str:
    """The base form of a word's first stem, as the question's focus holds it ("" for a stop word)."""
    found = stems(word)
    return base_form(found[0]) if found else ""


def _previous(unit: Unit, count: int = 2) -> list[int]:
    """Positions of up to `count` sentences before the unit, in the same or the preceding paragraph."""
    first = unit.positions[0]
    return list(range(max(0, first - count), first))


def _subject_kind(unit: Unit) -> str:
    return unit.parses[0].subject_kind if unit.parses else ""


def read(
    unit: Unit,
    ask: Ask,
    entities: Sequence[tuple[str, str]],
    times: frozenset[str],
    focus: frozenset[str],
    idf: Weights,
    verbs: frozenset[str],
    base: dict[str, float],
    subjects: Sequence[tuple[str, str]] = (),
    heads: frozenset[str] = frozenset(),
    roles: frozenset[str] = frozenset(),
    taken: frozenset[tuple[str, int, int]] = frozenset(),
) -> Reading:
    """The features of one candidate for one question part, and the answer span it offers (never one of the
    spans `taken` by another part of the question)."""
    article = unit.article
    text = unit.text
    before = [article.text[article.sentences[i].start : article.sentences[i].end] for i in _previous(unit)]
    leans_back = _subject_kind(unit) in ("pronoun", "title")
    context = " ".join([*before, article.title]) if leans_back else " ".join([*before[-1:], article.title])

    # a name the question gives is also the short name the article defines for it ("Equiticorp Tasman Ltd (ETL)")
    defined = _aliases(article.text) + _initialled(article.text)
    asked_doers = actors(ask.text, subjects)  # as the question writes them, to find their verb in it
    doers = [(_with_alias(name, defined), label) for name, label in asked_doers]
    if defined:
        written = {_with_alias(name, defined): name for name, _ in entities}
        entities = [(_with_alias(name, defined), label) for name, label in entities]
        subjects = [(_with_alias(name, defined), label) for name, label in subjects]
    else:
        written = {name: name for name, _ in entities}
    # a short name the question gives that the article only spells out ("EIAJ" for the Electronic
    # Industries Association of Japan)
    if any(ACRONYM.fullmatch(name) for name, _ in entities):
        spelled = {name: _spelled_out(name, article.text) for name, _ in entities if ACRONYM.fullmatch(name)}
        written |= {full: written.get(name, name) for name, full in spelled.items() if full}
        entities = [(spelled.get(name) or name, label) for name, label in entities]
        subjects = [(spelled.get(name) or name, label) for name, label in subjects]

    # the question's named entities: in the sentence, only in its context, or nowhere near
    missing = context_only = 0.0
    absent = []
    lacking = []  # (name, label) of those the sentence does not give
    for name, label in entities:
        if mentions(text, name):
            continue
        lacking.append((name, label))
        if mentions(context, name):
            context_only += 1
        else:
            missing += 1
            surname = name.split()[-1]
            if (
                label in ("PERSON", "")
                and len(name.split()) > 1
                and not (label == "PERSON" and re.search(rf"\b{re.escape(surname)}\b", f"{text} {context}"))
            ):  # a person's or an unknown full name; news names a person by surname once it has named him
                absent.append(written[name])
    n_entities = max(len(entities), 1)
    # the entities the question is about (its subject, a possessor): a sentence about another one answers
    # another question
    subject_missing = sum(not mentions(text, name) and not mentions(context, name) for name, _ in subjects) / max(
        len(subjects), 1
    )
    # of the question's entities the sentence lacks, those it names another one of the same kind in place
    # of ("Venezuela's quota" for "Kuwait's quota", "Ford's bonuses" for "Chrysler's")
    rival = _rivals(unit, lacking, entities)

    # months, years, quarters
    # the sentence's own times govern its figures; the sentence before sets the time only of a sentence that
    # gives none of that kind ("In the 1985/86 financial year, pre-tax profit rose" after a sentence on 1986/87)
    own = times_in(text) | relative_times(text, article.date) | compared_times(text, article.date)
    earlier = frozenset().union(*(times_in(t) | relative_times(t, article.date) for t in before[-1:]))
    here = own | earlier
    dated = times_in(article.date or "")
    weekday = any(time_kind(v) == "weekday" for v in own)
    conflict = missing_time = 0.0
    spanned = _period_ends(ask.text)  # "between September 1986 and September 1987": both ends are asked
    described = _describing_times(ask.text) if ask.prefer[:1] in (("DATE",), ("TIME",)) else frozenset()
    for value in times:
        if value in own or value in described:  # a date asked of "the July 23 meeting" is another date
            continue
        kind = time_kind(value)
        if (
            value in dated
            and value not in spanned
            and any(v != value and time_kind(v) == kind and v in own for v in times)
        ):
            continue  # "in March 1987, what share of the 1986 increase ...": the story's date is when it was said
        if kind == "year" and value not in dated and weekday and any(time_kind(d) == "year" for d in dated):
            conflict = 1.0  # "took pains Monday": the story's own week, not the 1980s the sentence before names
            continue
        if any(time_kind(v) == kind for v in own) or (value not in earlier and any(time_kind(v) == kind for v in here)):
            conflict = 1.0  # another day, month, year or quarter than the one asked
        elif value in earlier:
            continue
        elif kind in ("month", "year", "quarter") and value not in dated and value not in times_in(article.title):
            missing_time += 1

    # words the question asks about other than its names, weighted by rarity
    found = _content(text) | ({s for b in before for s in _content(b)} if leans_back else set())
    found |= _kin_given(text, ask.text)
    weight = sum(idf.get(t, 1.0) for t in focus) or 1.0
    focus_share = sum(idf.get(t, 1.0) for t in focus if t in found) / weight
    # the rarest word the question asks about that the sentence lacks ("fee" in "what fee will ... charge")
    rarest = max((idf.get(t, 1.0) for t in focus), default=1.0)
    rare_missing = max((idf.get(t, 1.0) for t in focus if t not in found), default=0.0) / rarest
    # the noun whose value the question asks ("quota", "cash"): a sentence that never names it gives another value
    valued = bool(ask.prefer) and ask.prefer[0] in NUMERIC
    head_forms = {base_form(h) for h in heads} | {
        base_form(s) for h in heads if h in HEADCOUNT for s in _counted_forms(h)
    }
    head_missing = float(valued and bool(heads) and not head_forms & found)
    unit_verbs = {v for p in unit.parses for v in p.verbs}
    unit_forms = {f for v in unit_verbs for s in stems(v) for f in (s, base_form(s))}
    verb_share = len(verbs & unit_forms) / len(verbs) if verbs else 1.0

    reading = Reading(features={}, absent=frozenset(absent))
    typed = near = owner = vague = role = 0.0
    cause_missing = 0.0
    if ask.reason and not CAUSE.search(text):  # "why": a cause the next sentence gives, when this one gives none
        reading.antecedent = _cause_after(unit, focus)
        cause_missing = float(reading.antecedent is None)
    if ask.labels:
        offered = _best_span(unit, ask, entities, focus, taken, times)
        span, fitted = (offered[:3], offered[3]) if offered is not None else (None, True)
        if span is None and leans_back and ask.labels & {"PERSON", "ORG"} and not _speaker_after(unit, ask.text, verbs):
            back = _antecedent_span(unit, ask, entities)
            if back is not None:
                span, reading.antecedent = back[:3], back[3]
        titled = False  # a person named after the sentence that gives the role
        if span is None and "ROLE" in ask.labels:
            span = _role_span(unit, entities)
        if span is None and "KIN" in ask.labels and (kin := KIN_WORD.search(text)) is not None:
            span = (unit.start + kin.start(), unit.start + kin.end(), 1.0)
        if span is None and roles and "PERSON" in ask.labels:
            named = _titled_span(unit, ask, roles)
            if named is not None:
                span, reading.antecedent, titled = named[:3], named[3], True
        if span is None or not fitted:  # a neighbour that answers in the form asked beats a poor span here
            beside = _neighbour_span(unit, ask, entities, focus, times)
            if beside is not None:
                span, reading.antecedent, fitted = beside[:3], beside[3], True
        if span is not None:
            near = span[2]
            reading.span = (article.source, span[0], span[1])
            vague = float(not (fitted and fits_ask(ask, article.text[span[0] : span[1]])))
            typed = 1.0
            # whose role it is matters when the question says ("Chrysler's chairman", not "which minister")
            owners = entities if subjects or _owner_named(ask.text, roles) else ()
            if roles and not titled and asks_holder(ask.text):  # "who is Chrysler's chairman"
                role = float(not _holds_role(article, span[0], span[1], roles, owners, ask.text))
            elif roles and not titled:  # "which judge is hearing the suit": not one named as chairman
                other = _holds_role(article, span[0], span[1], TITLES - roles, (), ask.text)
                role = float(other and not _holds_role(article, span[0], span[1], roles, owners, ask.text))
            owner = float(_other_owner(unit, span[0], span[1], entities)) if ask.labels <= NUMERIC | {"DATE"} else 0.0
    unnamed, reading.unnamed = (
        (False, False)
        if _is_subject(unit, reading.span)
        else _unnamed(text, asked_thing(ask.text), ask.text, _local(reading.span, unit))
    )
    reading.features = {
        **base,
        "focus": focus_share,
        "rare_missing": rare_missing,
        "entity_missing": missing / n_entities,
        "entity_context": context_only / n_entities,
        "entity_rival": rival / n_entities,
        "time_conflict": conflict,
        "time_missing": missing_time / max(len(times), 1),
        "typed": typed,
        "span_near": near,
        "owner_other": owner,
        "verb": verb_share,
        "untyped": float(not ask.labels),
        "subject_missing": subject_missing,
        "span_vague": vague,
        "head_missing": head_missing,
        "role_missing": role,
        "amount_conflict": float(amount_conflict(ask.text, text)),
        "actor_other": max(
            _actor_other(unit, _done_by(ask.text, tuple(asked_doers), verbs), doers, entities, ask.text, reading.span),
            _done_to_the_asked(unit, verbs, entities, reading.span, ask.text),
        ),
        "cause_missing": cause_missing,
        "speaker_missing": float(_speaker_missing(unit, doers, context, ask.text)),
        "unnamed": float(unnamed),
        "time_absent": float(_time_absent(article, times)),
        "place_absent": float(
            any(
                label in ("GPE", "LOC") and not mentions(f"{article.title} {article.text}", name)
                for name, label in entities
            )
        ),
    }
    return reading


PERIOD = re.compile(
    r"\b(?:between|from)\s+(?P<first>[^?,;]{1,40}?)\s+(?:and|to|through|until)\s+(?P<last>[^?,;]{1,40})"
)


def _period_ends(question: str) -> frozenset[str]:
    """The times that begin or end a period the question asks about ("between September 1986 and September
    1987": the two years and the month): the story's own date among them is asked, not when it was told."""
    found = PERIOD.search(question)
    if found is None:
        return frozenset()
    return times_in(found.group("first")) | times_in(found.group("last"))


def _time_absent(article: Article, times: frozenset[str]) -> bool:
    """Whether the question asks a period (a month, year, quarter, half ...) the whole article never names,
    while its text names others of that kind: "the second quarter" in a story of the third quarter, "1984" in
    one of 1985 and 1986. The article's figures are for those other periods. Days are left out: news gives
    them as weekdays."""
    if not times:
        return False
    named, kinds = _periods(article.text, article.title, article.date)
    return any(v not in named and time_kind(v) in kinds for v in times)


@lru_cache(maxsize=256)
def _periods(text: str, title: str, date: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """The periods an article names (its dateline's too), and the kinds of those its text names besides
    the dateline's."""
    dated = times_in(date or "")
    named = times_in(text) | times_in(title) | relative_times(text, date) | dated
    kinds = frozenset(time_kind(n) for n in named - dated) - {"day", "weekday"}  # the dateline names no rival
    return named, kinds


def _is_subject(unit: Unit, span: tuple[str, int, int] | None) -> bool:
    """Is the answer span the head (the end) of the subject of one of the unit's verbs ("Norway collected 39
    medals, the largest haul by any country")? Then the sentence names what it speaks of, however it words it
    after. The subject of a verb of saying is who speaks ("..., secretary Ross Wilson told reporters")."""
    if span is None:
        return False
    _, start, end = span
    return any(
        c.subject is not None and c.subject.start <= start and end == c.subject.end and c.verb not in SPEECH_LEMMAS
        for p in unit.parses
        for c in p.clauses
    )


# a short name a story defines for a longer one: "<Equiticorp Tasman Ltd> (ETL)", "International Sugar
# Organization (ISO)"
DEFINED = re.compile(r"((?:[A-Z][\w&.'’-]*\s+)*[A-Z][\w&.'’-]*)>?\s*\(([A-Z][A-Z&]{1,6})\)")


@lru_cache(maxsize=1024)
def _aliases(text: str) -> tuple[tuple[str, str], ...]:
    """The short names the text defines, as (short name, the words of the full name its letters begin):
    the last words before the brackets whose initials spell it ("Equiticorp Tasman Ltd" for "ETL")."""
    found = []
    for match in DEFINED.finditer(text):
        words, short = match.group(1).split(), match.group(2).replace("&", "")
        for size in range(len(short), 0, -1):
            if len(words) >= size and "".join(w[0] for w in words[-size:]) == short:
                found.append((match.group(2), " ".join(words[-size:])))
                break
    return tuple(dict.fromkeys(found))


NAME_RUN = re.compile(r"(?<![\w&.'’-])(?:[A-Z][\w&'’-]*\s+){1,4}[A-Z][\w&'’-]*")


@lru_cache(maxsize=1024)
def _initialled(text: str) -> tuple[tuple[str, str], ...]:
    """The short names a text uses without defining them, as `_aliases` gives them: a word of three to six
    capitals that spells the initials of a name the text writes in full ("AMC is 46.1 pct owned by Renault"
    in a story that names American Motors Corp)."""
    used = {w for w in re.findall(r"(?<![\w<])[A-Z]{3,6}(?![\w>])", text)}
    if not used:
        return ()
    found = []
    for run in NAME_RUN.finditer(text):
        words = run.group(0).split()
        for size in range(len(words), 1, -1):
            short = "".join(w[0] for w in words[:size])
            if short in used and not any(w.isupper() for w in words[:size]):
                found.append((short, " ".join(words[:size])))
                break
    return tuple(dict.fromkeys(found))


ACRONYM = re.compile(r"[A-Z]{3,6}")
# the small words a spelled-out name may hold that its short name leaves out ("Association of Japan")
NAME_LINKS = frozenset({"of", "and", "the", "for", "de", "du", "la", "&"})


@lru_cache(maxsize=1024)
def _spelled_out(short: str, text: str) -> str | None:
    """The name in the text whose capitalised words' initials spell `short`, when the text never writes
    `short` itself: "Electronic Industries Association of Japan" for "EIAJ"."""
    if re.search(rf"\b{short}\b", text):
        return None
    words = list(re.finditer(r"[A-Za-z&][\w&'-]*", text))
    for i, first in enumerate(words):
        if first.group(0)[0] != short[0]:
            continue
        letters, j = "", i
        while j < len(words) and len(letters) < len(short):
            word = words[j].group(0)
            if word.lower() in NAME_LINKS and letters:
                j += 1
                continue
            if not word[0].isupper() or word[0] != short[len(letters)]:
                break
            letters += word[0]
            j += 1
        if letters == short:
            return text[first.start() : words[j - 1].end()]
    return None


def _with_alias(name: str, defined: Sequence[tuple[str, str]]) -> str:
    """The name with the short name the text defines for it added as one more word ("Equiticorp Tasman ETL"):
    when every word of the name is a word of the full name."""
    words = {_bare(w) for w in name.split()}
    for short, full in defined:
        if short.lower() not in words and words <= {w.lower() for w in full.split()}:
            return f"{name} {short}"
    return name


def _local(span: tuple[str, int, int] | None, unit: Unit) -> tuple[int, int] | None:
    """An answer span in article offsets as offsets into the unit's text."""
    return (span[1] - unit.start, span[2] - unit.start) if span is not None else None


ROLE_REACH = 40  # characters either side of a person's name where the role it holds is named


HYPHEN = re.compile(r"(?<=\w)-(?=\w)")


def _content(text: str) -> set[str]:
    """The text's word stems in base form, a hyphenated word's parts too ("profit-sharing" gives "profit" and
    "share", as the question may write it)."""
    found = set(map(base_form, stems(text)))
    return found | set(map(base_form, stems(HYPHEN.sub(" ", text)))) if "-" in text else found


def _sentence_at(article: Article, offset: int) -> int:
    """The position of the sentence that holds the offset (0 when the article has none)."""
    return max(bisect.bisect_right([s.start for s in article.sentences], offset) - 1, 0)


def _sentence_of(article: Article, offset: int) -> str:
    """The text of the sentence that holds the offset."""
    if not article.sentences:
        return article.text
    span = article.sentences[_sentence_at(article, offset)]
    return article.text[span.start : span.end]


# what stands between a name and the role it holds after it: an apposition ("John Smith, chairman of") or a
# copula ("John Smith is the chairman of", "who became its chairman")
COPULA = r"(?:is|was|has\s+been|had\s+been|will\s+be|became|becomes)\s+(?:(?:named|appointed|elected)\s+(?:as\s+)?)?"
APPOSED = re.compile(
    rf"(?:\s*,\s*(?:who\s+{COPULA})?(?:(?:the|a|an|its|their|his|her)\s+)?(?:[\w.'’&-]+,?\s+){{0,4}}"
    rf"|\s+{COPULA}(?:(?:the|its|their|his|her)\s+)?(?:[\w.'’&-]+\s+){{0,2}})$"
)
# titles a person is named with ("chairman Bill Locke", "Judge John Smith"), as base-form stems: the
# nouns of people whose stem no common word shares ("governor" stems as "government" does, "negotiator" as
# "negotiations", "mayor" as "may")
TITLE_NOUNS = (
    "chairman president minister secretary judge senator ambassador spokesman spokeswoman spokesperson "
    "treasurer chancellor congressman undersecretary captain envoy queen prince analyst economist"
)
TITLES = frozenset(base_form(stem) for noun in TITLE_NOUNS.split() for stem in stems(noun))
# words that make a role another one: a deputy chairman or a former chairman is not the chairman
ROLE_PREFIXES = frozenset({"deputy", "vice", "assistant", "former", "acting", "co", "ex", "sub", "under", "outgoing"})


def _holds_role(
    article: Article,
    start: int,
    end: int,
    roles: frozenset[str],
    entities: Sequence[tuple[str, str]] = (),
    question: str = "",
) -> bool:
    """Is one of the asked roles ("chairman", "manager") named right beside the name, in its sentence ("ICCO
    chairman John Smith", "John Smith, chairman of ...")? A name beside another role answers another question;
    so does one beside the role of another organisation than the question names ("Renault chairman Georges
    Besse" for "who is Chrysler's chairman"), and so does a deputy's or a former holder's, unless the question
    asks for one ("deputy chairman Graeme Odgers" for "who is the chairman"). A person named by surname alone
    holds the role the story gives beside the full name elsewhere ("chief executive Bryan Kelman ..." for
    "..., Kelman said")."""
    if _role_beside(article, start, end, roles, entities, question):
        return True
    name = article.text[start:end].split()
    if len(name) != 1 or not name[0][:1].isupper():
        return False
    return any(
        found.start() != start and _role_beside(article, found.start(), found.end(), roles, entities, question)
        for found in re.finditer(rf"(?<![\w.])(?:[A-Z][\w.'’-]*\s+){{1,2}}{re.escape(name[0])}\b", article.text)
    )


def _role_beside(
    article: Article,
    start: int,
    end: int,
    roles: frozenset[str],
    entities: Sequence[tuple[str, str]],
    question: str,
) -> bool:
    """Is one of the asked roles named right beside the name at start..end, in its sentence (see `_holds_role`)?"""
    at = _sentence_at(article, start)
    sentence = article.sentences[at] if article.sentences else None
    low, high = (sentence.start, sentence.end) if sentence is not None else (0, len(article.text))
    owners = [m for m in (article.parses[at].mentions if at < len(article.parses) else ()) if m.label in OWNER_LABELS]
    asked = {part for _, w in _words(question) for part in w.lower().split("-")}
    for found in NAME_WORD.finditer(article.text, low, high):  # whole words that begin or end within reach
        if found.end() < start - ROLE_REACH or found.start() > end + ROLE_REACH:
            continue
        word = found.group(0)
        prefix, _, rest = word.partition("-")
        if _anchor_stem(rest if prefix.lower() in ROLE_PREFIXES and rest else word) not in roles:
            continue
        before = re.search(r"(\w+)[\s-]+$", article.text[max(0, found.start() - 12) : found.start()])
        other = (prefix.lower() if rest else "") or (before.group(1).lower() if before else "")
        if other in ROLE_PREFIXES and other not in asked:
            continue  # "deputy chairman Graeme Odgers" is not the chairman
        if found.start() >= end and not APPOSED.match(article.text, end, found.start()):
            continue  # after the name only as its apposition ("John Smith, chairman of"), not "appointed a chairman"
        owner = _role_owner(article.text, found.start(), found.end(), owners, end if found.start() >= end else -1)
        named = _owner_named(question, roles)  # of the question's names, the one whose role it asks
        company = any(label == "ORG" and _same_name(name, named) for name, label in entities) if named else False
        if owner is None and company and (story := _story_org(article)) and not _same_name(story, named):
            continue  # "..., chairman Bill Locke said" in a story about Monier: Monier's, not Redland's
        if owner is None or f"{owner} {word}".lower() in " ".join(question.lower().split()):
            return True  # no owner named, or the word the question too gives the role ("Finance Minister")
        if not entities:  # the question names no organisation the parser knows; it may still say whose role
            # ("the chairman of the company" names none: the company is the one the story is about)
            if not named or _same_body(owner, named) or set(stems(owner)) & set(stems(question)):
                return True
            continue  # "AFBF president Dean Kleckner" for "the president of the Ontario corn growers' association"
        if named and not any(_same_body(owner, name) for name in (named, *_apposed_names(question, named))):
            continue  # "Monier chairman Bill Locke" for "the chairman of Redland Plc, Monier's major shareholder"
        if any(_same_body(owner, name) for name, _ in entities):
            return True
    return False


# words before a noun that leave it unnamed: "several shipping lines", "a mediator", "other possible suitors",
# "what EC products", "certain officers", "two banks"
UNNAMING = frozenset(
    {"a", "an", "another", "other", "others", "several", "some", "certain", "various", "many", "few", "any", "no"}
    | {"unnamed", "unidentified", "undisclosed", "unspecified", "what", "which", "whichever", "more", "one"}
    | {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen", "dozens", "number"}
)
VALUE_AFTER = re.compile(
    rf"\s+(?:of|at|to|is|was|were|are)\s+(?:about\s+|some\s+|around\s+)?(?:\d|[A-Z]\w*\b|(?i:{NUMBER_WORD}))"
)  # "a registered capital of four mln dlrs": a value, not a thing to name
# what a noun of content says, after it: "a condition of reimposition, that objective criteria be set"
CONTENT_AFTER = re.compile(r"(?:\s+(?:of|for)\s+[^,.;]{1,60})?,?\s+that\b(?!\s+(?:is|was|are|were|has|had)\b)")
# words before a noun that point at one named elsewhere ("the mediator", "its chairman")
POINTING = frozenset({"the", "this", "that", "these", "those", "its", "his", "her", "their", "our", "whose"})
# what may stand between a noun and a name that says which: "lines, including Evergreen", "a bank (Midland)"
NAMING_AFTER = re.compile(
    r"(?:['’]s)?\s*(?:[,(:]\s*|\s+-+\s+)?(?:(?:including|such as|like|namely|notably|led by|called|named|known as)\s+)?"
    r"(?:the\s+)?(?P<name>[A-Z][\w.&'’-]*)"
)


def _unnamed(text: str, thing: str, question: str, span: tuple[int, int] | None = None) -> tuple[bool, bool]:
    """Does the sentence speak of the thing the question asks to be named only as one it does not name?
    "Which shipping lines ..." against "several shipping lines had ordered their vessels away", "who was
    appointed mediator" against "appointed a mediator", "which other suitors" against "other possible suitors,
    which it did not identify". Each mention of the noun is looked at: a name in its phrase or right after it
    (not one the question gives, nor a nationality) names it; "the"/"its" point at one named elsewhere; "a",
    "several", "other", a number, or nothing at all before a noun no name follows leave it unnamed. False
    when the sentence never names the noun. Returned with it: whether a word before the noun leaves each
    mention unnamed ("several shipping lines"; "on technical grounds" may say which grounds)."""
    wanted = stems(thing)
    if not wanted:
        return False, False
    asked = asked_words(question)
    _, stemmed = tokens(text)  # one stem per word of TOKEN, the tokenizer `tokens` splits by
    words = list(TOKEN.finditer(text))
    mentions = [i for i, stem in enumerate(stemmed) if stem == wanted[0]]
    by_word = True
    for i in mentions:
        unnamed = not (i and words[i].group(0)[:1].isupper())  # "Midland Bank", "the Canadian Import Tribunal"
        determined = False  # a word before the noun leaves it unnamed: "several", "a", a number
        for j in range(i - 1, max(i - 6, -1), -1):
            word = words[j].group(0)
            low = _bare(word)
            if text[words[j].end() : words[j + 1].start()].strip().strip("-"):
                break  # punctuation: the phrase starts after it
            if low[:1].isdigit() and not YEAR_ONLY.fullmatch(low):
                # "about 16 banks": how many, not which; "a 10 mln dlr cap": a value, not a thing to name
                unnamed = determined = j == i - 1 and stemmed[i] != _bare(words[i].group(0))
                break
            if low in UNNAMING:
                determined = True
                if low in ("a", "an") and j and _apposed_to_name(text, words[j - 1], words[j], asked):
                    unnamed = False  # "Business and Society Review, a business publication"
                break
            if low in POINTING or word.endswith(("'s", "’s")):
                unnamed = False  # "the mediator", "its chairman", "IBM's move": one the story points at
                break
            if word[:1].isupper() and low not in asked and low not in NATIONALITIES:
                unnamed = False  # "Midland Bank", "Lloyds chairman"
                break
            if low == "as" and any(
                w.group(0)[:1].isupper() and _bare(w.group(0)) not in asked for w in words[max(j - 6, 0) : j]
            ):
                unnamed = False  # "plans to use First Boston Corp as financial advisers"
                break
            if low in stopwords():
                break  # a preposition or a verb's auxiliary: the phrase starts after it
        if span is not None and span[0] - ROLE_REACH <= words[i].start() <= span[1] + ROLE_REACH:
            unnamed = False  # the answer stands beside it: "First Boston Corp ... as financial advisers"
        if VALUE_AFTER.match(text, words[i].end()) or CONTENT_AFTER.match(text, words[i].end()):
            unnamed = False  # "a registered capital of four mln dlrs", "a condition ..., that criteria be set"
        after = NAMING_AFTER.match(text, words[i].end())
        if after is not None:
            name = _bare(after.group("name"))
            if name not in asked and name not in NATIONALITIES and name not in stopwords():
                unnamed = False  # "a bank, Midland", "lines including Evergreen"
        if not unnamed:
            return False, False
        by_word = by_word and determined
    return bool(mentions), bool(mentions) and by_word


def _apposed_to_name(text: str, before: re.Match[str], article: re.Match[str], asked: AbstractSet[str]) -> bool:
    """Does "a"/"an" open an apposition to a name the question does not give ("Business and Society Review, a
    business publication")?"""
    name = before.group(0)
    return (
        text[before.end() : article.start()].strip() == ","
        and name[:1].isupper()
        and _bare(name) not in asked
        and _bare(name) not in NATIONALITIES
    )


@lru_cache(maxsize=4096)
def _owner_named(question: str, roles: frozenset[str]) -> str:
    """The name the question gives as the role's owner: "Redland Plc" in "who is the chairman of Redland Plc,
    Monier's major shareholder", "Chrysler" in "who is Chrysler's chairman"; "" when it gives none."""
    for at, word in _words(question):
        if _anchor_stem(word) not in roles:
            continue
        after = re.match(OWNER_AFTER, question[at + len(word) :])
        if after is not None:
            return after.group(1).strip()
        before = re.search(r"((?:[A-Z][\w&.'’-]*\s+)*[A-Z][\w&.'’-]*)['’]s\s+(?:[\w-]+\s+){0,4}$", question[:at])
        if before is not None:
            return before.group(1)
    return ""


# the owner after the role: "of Redland Plc", "of AT and T" (a capitalised run, joined by "and" or "&")
OWNER_AFTER = re.compile(r"\s+(?:of|at|for)\s+(?:the\s+)?((?:[A-Z][\w&.'’-]*\s*(?:(?:and|&)\s+(?=[A-Z]))?)+)")
OWNER_LABELS = frozenset({"ORG", "GPE", "NORP"})
# a name in apposition to another: "Abrassuco, the Brazilian Association of Citrus Juice Industries" (not a
# possessor: "Redland Plc, Monier's major shareholder")
APPOSED_NAME = r",\s+(?:the\s+)?((?:[A-Z][\w&.'’-]*(?:\s+(?:of|for|and|&)\b)?\s*)+)"


def _apposed_names(question: str, name: str) -> tuple[str, ...]:
    """The names the question puts in apposition to the name: another name of the same body."""
    found = re.search(re.escape(name) + APPOSED_NAME, question)
    apposed = found.group(1).strip() if found is not None else ""
    return (apposed,) if apposed and not apposed.endswith(("'s", "’s")) else ()


def _same_name(one: str, other: str) -> bool:
    return mentions(one, other) or mentions(other, one)


# words that make a name another body than the one it holds: "the LEGO Foundation" is not Lego, "the Ford
# Foundation" not Ford; company forms ("Lego Group", "Ford Motor Co") leave it the same
BODY_WORDS = frozenset(
    {"foundation", "institute", "university", "museum", "school", "college", "hospital", "union", "association"}
    | {"federation", "council", "committee", "commission", "ministry", "department", "party", "tribunal", "court"}
)


def _same_body(one: str, other: str) -> bool:
    """Do two names name one body: one holds the other, and the longer adds no word of another body?"""
    if not _same_name(one, other):
        return False
    longer, shorter = (one, other) if len(one) >= len(other) else (other, one)
    if shorter.isupper() and "".join(w[0] for w in longer.split() if w[:1].isupper()) == shorter:
        return True  # "AFBF" is the American Farm Bureau Federation
    added = {w.lower().strip(".,") for w in longer.split()} - {w.lower().strip(".,") for w in shorter.split()}
    return not added & BODY_WORDS


def _story_org(article: Article) -> str:
    """The organisation a story is about: the first its lead names ("Monier Ltd said ..."), past a headline
    in capitals, whose names the parser reads poorly."""
    for span, parse in list(zip(article.sentences, article.parses, strict=False))[:STORY_OPENING]:
        if article.text[span.start : span.end].isupper():
            continue
        for m in parse.mentions:
            if m.label == "ORG":
                return article.text[m.start : m.end]
    return ""


STORY_OPENING = 2  # sentences: the headline and the lead


def _role_owner(text: str, start: int, end: int, owners: Sequence[Mention], held_from: int = -1) -> str | None:
    """The organisation or country a role belongs to, as the text names it: right before it ("Renault
    chairman", "Renault's chairman", past a word that says which role, "Harbour Workers union secretary"),
    after "of" ("chairman of Renault"), or between the holder's name (ending at `held_from`) and the role
    after it ("David Haggard, American Soybean Association, ASA, president")."""
    between = [m for m in owners if held_from >= 0 and held_from <= m.start and m.end <= start]
    if between:
        return text[between[0].start : between[0].end]
    for _ in range(5):  # past the words of a longer title: "TWA vice president and general counsel"
        which = re.search(r"\b([a-z][a-z-]+)\s+$", text[max(0, start - 30) : start])
        if which is None or (which.group(1) in stopwords() and which.group(1) != "and"):
            break
        start -= len(which.group(0))
    for m in owners:
        if 0 <= start - m.end <= 3 and re.fullmatch(r"(?:['’]s)?\s*", text[m.end : start]):
            return text[m.start : m.end]
        if re.fullmatch(r"\s+of\s+(?:the\s+)?", text[end : m.start]):
            return text[m.start : m.end]
    # past the capitalised words of a title: "Ecuadorean Energy and Mines Minister"
    title = start
    for _ in range(4):
        word = re.search(r"\b(?:[A-Z][a-z-]+|and)\s+$", text[max(0, title - 30) : title])
        if word is None:
            break
        title -= len(word.group(0))
        owner = next((m for m in owners if m.end == title - 1 and text[m.end] == " "), None)
        if owner is not None:
            return text[owner.start : owner.end]
    # a name the parser missed, right before the role, that holds a short name in capitals ("AT and T chairman")
    run = OWNER_RUN.search(text, max(0, start - 40), start)
    if run is not None and any(CAPITALS.fullmatch(w) for w in run.group("name").split()):
        return run.group("name")
    return None


OWNER_RUN = re.compile(r"(?P<name>(?:[A-Z][\w&.'’-]*\s+(?:(?:and|&)\s+)?)*[A-Z][\w&.'’-]*)(?:['’]s)?\s+$")
CAPITALS = re.compile(r"[A-Z]{2,6}")


def fits_ask(ask: Ask, span: str) -> bool:
    """Has the answer span the form its question asks for? An amount needs a number, and "how much" or "what
    price" more than a bare number ("two", "158" of something else), "what percentage" a share, "how many
    products" a count; "on what date" needs a day, month or year ("today", "five-year" and "25 years" are
    not dates; "Friday" is one)."""
    first = ask.prefer[0] if ask.prefer else ""
    if first in NUMERIC and YEAR_ONLY.fullmatch(span.strip()):  # "1987/88" is a year, no amount or count
        return False
    if first == "PERCENT":  # "what percentage", "what rate": a share, not an amount
        return bool(NUMBER.search(span)) and bool(PERCENT_WORD.search(span))
    amount_of = first in NUMERIC - {"PERCENT"} and asks_amount_of(ask.text)
    share = FRACTION.fullmatch(span.strip()) or (amount_of and PERCENT_WORD.search(span))
    if share and (amount_of or (first in NUMERIC - {"PERCENT"} and ask.measure == "money")):
        return False  # "how much copper": "70.5 pct" or "two-thirds" is a share of something, no amount
    if first == "MONEY":
        priced = asks_price(ask.text) or PER_UNIT.search(ask.text)
        if priced and not CURRENCY.search(span) and (UNIT_WORD.search(span) or MEASURE_WORD.search(span)):
            return False  # "what price": "50,000 tonnes", "1.96 pct" or "some 100 yards" is no money
        return bool(NUMBER.search(span)) and not BARE_NUMBER.fullmatch(span.strip())
    if first in ("CARDINAL", "QUANTITY"):  # a count is no share or sum ("up to 50 pct", "90.25 dlrs a share"
        # for "how many products", "how many shares")
        sum_of = PERCENT_WORD.search(span) or (CURRENCY.search(span) and not CURRENCY.fullmatch(ask.counted))
        return bool(NUMBER.search(span)) and not (ask.counted and sum_of)
    if first == "DATE" and (ask.measured or ask.counted):  # "how many days", "how long": a number of them
        return bool(NUMBER.search(span))
    if first == "DATE" and ON_DATE.search(ask.text):  # "on what date": a day ("March 24", "Friday"), not "April"
        day = re.search(r"\d{1,2}\b", span) is not None and MONTH.search(span) is not None
        return day or bool(WEEKDAY.search(span) or ISO_DAY.search(span))
    if first == "DATE":  # a day, month or year: "25 years" is a length of time
        return bool(YEAR_OR_DAY.search(span) or MONTH.search(span) or WEEKDAY.search(span))
    return True


APPROXIMATE = frozenset({"about", "some", "around", "roughly", "nearly", "almost", "approximately", "over"})


@lru_cache(maxsize=4096)
def _given(text: str, question: str) -> bool:
    """Is a span's text something the question itself gives (its names, its numbers)?"""
    words = {w.lower().removesuffix("’s").removesuffix("'s") for _, w in _words(question)}
    words |= {part for country in COUNTRY_OF.keys() & words for part in COUNTRY_OF[country].split()}
    span_words = [w.lower().removesuffix("’s").removesuffix("'s") for _, w in _words(text)]
    # "Barclays Bank Plc" for "before Barclays followed": a company's form and kind words don't make it another;
    # words are compared by stem ("Tate and Lyles" for "Tate and Lyle", "Cyclops'" for "Cyclops")
    asked = set(stems(question)) | words
    # a kind word ("tribunal", "bank") does not make another name of one the question gives, when the span
    # holds a name the question gives besides a nationality ("Barclays Bank Plc"); without one it does: "the
    # Canadian Import Tribunal" is no name "which Canadian body found that imports ..." gives
    named = {w.lower().removesuffix("’s").removesuffix("'s") for at, w in _words(question) if at and w[:1].isupper()}
    names_given = any(w in named and w not in NATIONALITIES for w in span_words)
    core = [
        w
        for w in span_words
        if w.strip(".") not in COMPANY_FORMS and (w not in KIND_NOUNS or not names_given) and w not in APPROXIMATE
    ] or span_words  # "about 180" is the "roughly 180" the question gives
    # "the National Resistance Front" for "NRF"; "General Motors Corp" for "GM", its company form left out
    bare = " ".join(w for w in text.split() if w.lower().strip(".,") not in COMPANY_FORMS)
    acronym = any(i.lower() in words for i in _name_initials(text) | _name_initials(bare))
    spelled = text.strip(" .,").isupper() and text.strip(" .,") in _name_initials(question)  # "ISO" for its name
    return bool(span_words) and (acronym or spelled or all(w in words or _stems_in(w, asked) for w in core))


def _stems_in(word: str, asked: set[str]) -> bool:
    found = set(stems(word))
    return bool(found) and found <= asked


def _name_initials(question: str) -> set[str]:
    """The initials of the question's runs of capitalised words ("International Sugar Organization" gives
    "ISO"), short function words inside a run skipped."""
    found: set[str] = set()
    run = ""
    for _, word in [*_words(question), (0, "")]:
        if word.lower() in ("of", "and", "for", "the", "&"):
            continue
        if word[:1].isupper():
            run += word[0]
        else:
            if len(run) > 1:
                found.add(run)
            run = ""
    return found


# how well a mention answers: of the form asked, qualified as asked, the kin asked, the doer of the verb asked,
# after the preposition asked, its nearness less the steps of a less likely kind, its kind
Preference = tuple[bool, bool, bool, bool, bool, float, int]
# words that may stand between a preposition and its amount or name: "to a record 148.40", "at about 10 pct"
PREPOSITION_FILLERS = frozenset({"a", "an", "the", "about", "around", "some", "nearly", "almost", "roughly", "record"})
PREPOSITION_WORDS = frozenset(PREPOSITIONS.split("|")) | {"of", "as", "than"}


def _after_preposition(text: str, start: int, preposition: str) -> bool:
    """Whether the mention at `start` stands after `preposition`, a few filler words aside ("to a record 148.40")."""
    before = re.findall(r"[\w'-]+", text[max(0, start - 40) : start].lower())
    for word in reversed(before[-4:]):
        if word in PREPOSITION_WORDS:
            return word == preposition
        if word not in PREPOSITION_FILLERS and not word.replace(",", "").replace(".", "").isdigit():
            return False
    return False


# a question of when something ended, and the words a sentence tells an end with
ASKS_END = re.compile(
    r"^(?:when|(?:on|by)\s+what\s+(?:date|day)|what\s+(?:date|day)|at\s+what\s+time)\b"
    r".*\b(?:end|ended|ends|finish|finished|conclude|concluded)\s*\??$",
    re.IGNORECASE,
)
END_TOLD = re.compile(
    r"\b(?:end|ends|ended|ending|finish\w*|conclu\w*|over|expir\w*|call(?:ed|s)?\s+off|settle\w*|lift\w*|"
    r"(?:back|return\w*|went)\s+to\s+work|until|till|through|deadline)\b",
    re.IGNORECASE,
)


def _best_span(
    unit: Unit,
    ask: Ask,
    entities: Sequence[tuple[str, str]],
    focus: frozenset[str],
    taken: frozenset[tuple[str, int, int]] = frozenset(),
    times: frozenset[str] = frozenset(),
) -> tuple[int, int, float, bool] | None:
    """The mention of a wanted kind nearest to the question's other words, those of the form asked for first:
    (start, end, nearness in 0..1, whether it has that form). An amount the text ties to another period than
    the one asked is none ("10.6 billion in 1985" for 1986)."""
    text = unit.text
    words = _words(text)
    starts = [unit.start + at for at, _ in words]
    anchors = [i for i, (_, w) in enumerate(words) if (s := _anchor_stem(w)) and s in focus]
    agents = _agents(unit, _asked_doing(ask.text))
    kinships = [k.group(0).lower() for k in KIN_WORD.finditer(ask.text)] if "PERSON" in ask.labels else []
    preposition = asked_preposition(ask.text)
    aggregates = _aggregate_asked(ask.text)
    told_asked = _asks_told(ask.text)  # "which news agency did he tell": the one told may answer
    level_asked = not ASKS_CHANGE.search(ask.text)  # "what net income", not "by how much did it fall"
    end_asked = ASKS_END.search(" ".join(ask.text.split())) is not None  # "when did the strike end?"
    asked_result = _result_asked(ask.text)  # "income" or "turnover" when the question asks one
    best: tuple[Preference, int, int, float] | None = None
    offers: list[tuple[Preference, int, int]] = []  # every mention that could answer, for "which two X"
    text_of = unit.article.text
    found = [
        _as_title(
            _as_person(_as_place(_as_time(_as_amount(_whole_range(m, text_of), text_of), text_of), text_of), text_of),
            text_of,
        )
        for m in unit.mentions()
    ]
    if ask.counted:  # a count the parser did not tag ("to over 93,000 hourly and salaried employees")
        found += _untagged_numbers(unit, found)
    if ask.labels & {"PERSON", "ORG"}:  # a doer the parser did not tag ("which was acquired by Facebook in 2014")
        found += _untagged_agents(unit, _asked_doing(ask.text), found, "ORG" if "ORG" in ask.labels else "PERSON")
    if "PERSON" in ask.labels:
        surnames = _surnames(unit.article)
        found = [_by_surname(m, text_of, surnames) for m in found]
    people = [m for m in found if m.label == "PERSON"]
    for mention in found:
        called = bool(ask.called_kind) and mention.label in CALLED and _called(unit.article.text, mention, ask)
        if (mention.label not in ask.labels or ask.noun in FACILITIES) and not called:
            continue
        unbracketed = _unbracketed(mention, text_of)
        if unbracketed is None:
            continue  # "<TX>" after "Texaco Inc" is its ticker symbol, no name
        mention = unbracketed
        span_text = unit.article.text[mention.start : mention.end]
        if _given(span_text, ask.text) or _headline_run(span_text) or (not told_asked and _told(text_of, mention)):
            continue
        if mention.label in NAMED and _mistaken_name(span_text):
            continue  # "54 billion U.S. Dlrs", "the Financial Services Act": no name
        if mention.label == "ORG" and _another_institution(ask.noun, span_text):
            continue  # "the Standstill Coordinating Committee" for "which bank"
        if "PERSON" in ask.labels and mention.label != "PERSON" and _titles(text_of, mention, people):
            continue  # "Navy" in "given by Navy Minister Henrique Saboya": whose minister, not who
        if mention.label == "PERSON" and ATTRIBUTIVE.match(text_of, mention.end):
            continue  # "the Reagan administration": a government named for its head, no person's deed
        if ask.measured and not _measures(unit.article.text, mention, span_text):
            continue
        # a number that does not count what "how many" asks is a poor answer, but the only one a sentence about
        # those things gives when it does not repeat the noun after the number ("employment was predicted to
        # fall 550,000 ... due to higher job losses" for "by how many jobs"); in a sentence that never names
        # them it counts something else ("50 vessels" for "how many icebreakers")
        counts = _counts(unit.article.text, mention, ask.counted, ask.text)
        if not counts and (
            _counts_other(unit.article.text, mention)
            or not _names_counted(ask.counted, stems(_sentence_of(unit.article, mention.start)))
        ):
            continue
        at = max(bisect.bisect_right(starts, mention.start) - 1, 0)
        distance = min((abs(at - i) for i in anchors), default=SPAN_WINDOW)
        nearness = max(0.0, 1 - distance / SPAN_WINDOW)
        if WHEN.match(ask.text) and _length_of_time(text_of, mention, span_text):
            continue  # "a strike in its 25 years" says how long, not when
        kind = 0 if called else ask.prefer.index(mention.label) + (DATE_VAGUE if vague_date(mention, span_text) else 0)
        end = extend_amount(unit.article.text, mention.end) if mention.label in NUMERIC else mention.end
        if mention.label == "DATE" and vague_date(mention, span_text) and WHEN.match(ask.text):
            end = _relative_to(unit.article.text, end)  # "just days before the 9/11 terrorist attacks"
        if ask.measured and (age := AGE.match(span_text)) is not None and HOW_OLD.search(ask.text):
            end = mention.start + age.end(1)  # "how old": "32", not "32-year-old"
        if ask.noun in TALLIES and (tally := _tally(unit.article.text, mention)) is not None:
            mention = Mention(tally[0], tally[1], mention.label)  # "99 to 0", not "0", for "by what vote"
            end = tally[1]
        if any(source == unit.article.source and start < end and mention.start < stop for source, start, stop in taken):
            continue  # another part's answer
        offered = unit.article.text[mention.start : end]
        if measure_conflict(ask.measure, offered):
            continue  # an amount of another kind: "4.7 mln tonnes" for a capacity in barrels per day
        if _sum_for_a_rate(ask, offered):
            continue  # "a 100 mln mark bond" for the interest rate it carries
        if _sum_for_a_unit(ask, offered):
            continue  # "37 mln dlrs" for what price per share was paid: what the whole block cost
        if _of_another(ask.text, unit.article.text, end):
            continue  # "413,800 tonnes of zinc" for "how much copper"
        if asked_result[0] and mention.label in NUMERIC:
            result, line = _result_of(unit.article.text, mention.start, end)
            if result not in ("", asked_result[0]) or (line and asked_result[1] and line != asked_result[1]):
                continue  # "revenues of 695 mln dlrs" for how much it earned; operating income for net income
        if mention.label in NUMERIC and _of_another_aggregate(unit.article.text, mention.start, end, aggregates):
            continue  # "its trade surplus, which hit 15.6 billion dlrs" for how large its reserves were
        if level_asked and mention.label in NUMERIC and _a_change(unit.article.text, mention.start):
            continue  # "fell more than 80 pct" for what its income was
        if _unmeasured(ask.measure, unit.article.text, mention, end):
            continue  # "killed one person", "about half its capacity" for "how much" of money or barrels
        if mention.label in NUMERIC and _of_another_time(unit.article.text, mention.start, end, times, ask.text):
            continue  # "... hit 15.6 billion dlrs in 1986 and 10.6 billion in 1985": the 1985 one for 1985
        if mention.label in NUMERIC and _of_a_part_of_the_year(unit.article.text, mention.start, end, times):
            continue  # "in the fourth quarter of 1986, ... sales of 215.7 mln dlrs" for the 1986 sales
        if (TOTAL.search(ask.text) or _asks_holding(ask.text)) and _per_unit(unit.article.text, offered, end):
            continue  # "40 dlr per share" is no total value, nor "52 dlrs cash per share" the cash a company has
        if mention.label in ("DATE", "TIME") and _when_said(unit.article.text, mention) and not _asks_saying(ask):
            continue  # "..., a spokesman said today": when it was said, not when the strike ended
        if (
            end_asked
            and mention.label in ("DATE", "TIME")
            and not END_TOLD.search(_sentence_of(unit.article, mention.start))
        ):
            continue  # "voted to strike on March 24" tells no end: it says when a strike begins, not when it ended
        if mention.label == "DATE" and _before_the_story(ask, unit.article, offered):
            continue  # "when does China plan to issue its first bond": not the bonds of 1911
        # a span of the form asked for ("37.5 cts" for "how much per share") before one without ("three")
        fits = counts and fits_ask(ask, offered)
        # "which Canadian body": a span the text qualifies so ("the Canadian Import Tribunal") before another
        qualified = all(mentions(unit.article.text[max(0, mention.start - 25) : end], q) for q in ask.qualifiers)
        # "who is leading the resistance": the one the text gives the verb to ("led by ... Amrullah Saleh")
        agent = any(start <= mention.start and mention.end <= stop for start, stop in agents)
        # "who was Massoud's father": the one the text makes that kin ("Massoud, the son of ... Ahmad Shah Massoud")
        kin = bool(kinships) and _kin_of(unit.article.text, mention, kinships)
        after = bool(preposition) and _after_preposition(unit.article.text, mention.start, preposition)
        preference = (fits, qualified, kin, agent, after, nearness - KIND_STEP * (kind - called), -kind)
        start = _name_start(unit.article.text, mention.start) if called else mention.start
        offers.append((preference, start, end))
        if best is None or preference > best[0]:
            best = (preference, start, end, nearness)
    if best is None:
        return None
    start, end = _trimmed_name(unit.article.text, *_listed(unit.article.text, offers, ask.many))
    return start, end, best[3], best[0][0]


def _trimmed_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the possessive ending it ("the Canadian Import Tribunal's decision": the tribunal) nor
    the half of a bracket it does not close ("<Oki Electric Industry Co>'s")."""
    if text[start:end].endswith(("'s", "’s")) and end - start > 2:
        end -= 2
    if text[end - 1 : end] == ">" and "<" not in text[start:end]:
        end -= 1
    if text[start : start + 1] == "<" and ">" not in text[start:end]:
        start += 1
    return start, end


COUNT_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\w,]|\.\d)|(?<![\w.,])\d+(?![\w.,]|\.\d)")


def _untagged_numbers(unit: Unit, found: Sequence[Mention]) -> list[Mention]:
    """The whole numbers of a unit's text that no mention covers, as counts."""
    return [
        Mention(n.start(), n.end(), "CARDINAL")
        for n in COUNT_NUMBER.finditer(unit.article.text, unit.start, unit.end)
        if not any(m.start < n.end() and n.start() < m.end for m in found)
    ]


SENTENCE_BREAK = re.compile(SENTENCE_END)
LIST_REACH = 150  # characters: the names "which two X" asks for stand this close together ("A, its spokesman, and B")


def _listed(text: str, offers: Sequence[tuple[Preference, int, int]], many: int) -> tuple[int, int]:
    """The answer span among the offered names, each with its preference: the best one; for "which two X"
    the tightest run of `many` names in a row, in one sentence and close together, that takes in the best
    name such a run can take in."""
    ranked = sorted(offers, key=lambda offer: offer[0], reverse=True)
    if many > 1:
        ordered = sorted({(o[1], o[2]) for o in offers})
        runs = [ordered[i : i + many] for i in range(len(ordered) - many + 1)]
        for _, start, _ in ranked:
            fitting = [
                (run[0][0], max(o[1] for o in run))
                for run in runs
                if any(o[0] == start for o in run)
                and max(o[1] for o in run) - run[0][0] <= LIST_REACH
                and not SENTENCE_BREAK.search(text, run[0][0], max(o[1] for o in run))
            ]
            if fitting:
                return min(fitting, key=lambda span: span[1] - span[0])
    return ranked[0][1], ranked[0][2]


# "646p", "about 12", "$5": an amount, whatever label the parser gave it ("646p" is no PRODUCT)
AMOUNT_TEXT = re.compile(r"(?:about |some |around )?(?P<dollar>\$)?\d[\d,.]*(?P<pence>p)?")


# "who leads", "which company bought", "who is leading", "who has agreed": the wh-phrase does the verb
DOES = (
    r"\s+(?:(?:is|was|are|were)\s+(?P<ing>\w+ing)|(?:has|have|had)\s+(?P<perfect>\w+)|"
    r"(?!(?:is|was|are|were|has|have|had|did|does|do|will|would|can|could|should)\b)(?P<verb>\w+))\b"
)
DOING = (
    re.compile(r"^(?:who|which\s+[\w-]+)" + DOES, re.IGNORECASE),  # "which company bought"
    re.compile(r"^which\s+[\w-]+\s+[\w-]+" + DOES, re.IGNORECASE),  # "which oil company bought"
)


@lru_cache(maxsize=4096)
def _asked_doing(question: str) -> frozenset[str]:
    """The forms of the verb the question's wh-phrase does ("lead" in "who is leading the resistance"); none
    when it asks who had something done to them ("who was killed")."""
    written = " ".join(question.split())
    forms: set[str] = set()
    for pattern in DOING:
        found = pattern.match(written)
        verb = found and (found.group("ing") or found.group("perfect") or found.group("verb"))
        forms |= _verb_forms(verb) if verb else set()
    return frozenset(forms)


def _agents(unit: Unit, doing: frozenset[str]) -> list[tuple[int, int]]:
    """Article offsets of who does the verb in the sentence: the subject of its clause in the active voice,
    the name after "by" in the passive ("was being led by the former vice president, Amrullah Saleh")."""
    if not doing:
        return []
    passive = named = False  # the verb in the passive; with "by" right after it (as `_passive` reads it)
    found = []
    for match in PASSIVE.finditer(unit.text):
        if _verb_forms(match.group("verb")) & doing:
            passive = True
            named = named or BY_AGENT.match(unit.text, match.end(), match.end() + 40) is not None
            if (by := BY_AGENT.match(unit.text, match.end())) is not None:
                found.append((unit.start + by.end(), unit.start + min(len(unit.text), by.end() + AGENT_REACH)))
    if passive:  # the names after "by", none when the passive names no one
        return found if named else []
    return [
        (c.subject.start, c.subject.end)
        for p in unit.parses
        for c in p.clauses
        if c.subject is not None and _verb_forms(c.verb) & doing
    ]


AGENT_REACH = 60  # characters after "by" where the doer's name stands ("by the former vice president, X")
BY = re.compile(r"\s+by\b")
AGENT_NAME = re.compile(r"\s+(?:the\s+)?(?P<name>[A-Z][\w&.'’-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w&.'’-]*)*)")


def _untagged_agents(unit: Unit, doing: frozenset[str], found: Sequence[Mention], label: str) -> list[Mention]:
    """The names right after "by" of the asked verb in the passive that the parser tagged as nothing ("which was
    acquired by Facebook in February 2014"), as mentions of the label asked."""
    out = []
    for match in PASSIVE.finditer(unit.text):
        if not _verb_forms(match.group("verb")) & doing:
            continue
        by = BY.match(unit.text, match.end())
        name = AGENT_NAME.match(unit.text, by.end()) if by is not None else None
        if name is None or times_in(name.group("name")):  # "by March", "by Friday": a time
            continue
        start, end = unit.start + name.start("name"), unit.start + name.end("name")
        if re.search(r"\w{4}\.$", name.group("name")):
            end -= 1  # the sentence's full stop, not an abbreviation's ("Inc.")
        if not any(m.start < end and start < m.end for m in found):
            out.append(Mention(start=start, end=end, label=label))
    return out


RANGE_CUT = re.compile(r"\d[\d.,/]*\s+(?:to|and)$")  # "50 to": the parser cut "50 to 65-days'" in two
RANGE_END = re.compile(r"\s+\d[\d.,/]*")


def _whole_range(mention: Mention, text: str) -> Mention:
    """A range of numbers the parser cut after its "to" ("50 to" of "50 to 65-days' supply"), made whole."""
    if mention.label not in NUMERIC or not RANGE_CUT.search(text[mention.start : mention.end]):
        return mention
    rest = RANGE_END.match(text, mention.end)
    return Mention(mention.start, rest.end(), mention.label) if rest else mention


def _as_amount(mention: Mention, text: str) -> Mention:
    """The mention, labelled MONEY or CARDINAL when the parser took an amount for a name."""
    if mention.label in NUMERIC or mention.label in ("DATE", "TIME"):
        return mention
    found = AMOUNT_TEXT.fullmatch(text[mention.start : mention.end])
    if found is None:
        return mention
    return Mention(mention.start, mention.end, "MONEY" if found.group("dollar") or found.group("pence") else "CARDINAL")


PLACE_BEFORE = re.compile(r"\b(?:to|in|into|from|at|across|toward|towards)\s+(?:neighbou?ring\s+|the\s+)?$", re.I)
PLACE_AFTER = re.compile(r"\s*(?:[.,;:)]|and\b|or\b|$)")


# an hour as news gives it: "1000 EDT", "1500 GMT (0900 est)", "10 a.m."
CLOCK = re.compile(
    r"(?:[01]?\d|2[0-3])[0-5]\d\s*(?:hrs\s+)?(?:[ECMP][SD]T|GMT|BST|local(?:\s+time)?)\b"
    r"(?:\s*[/(]\s*\d{3,4}\s*(?:[ECMP][SD]T|GMT|BST)\)?)?|\d{1,2}(?:[.:]\d\d)?\s*[ap]\.m\.",
    re.IGNORECASE,
)


def _as_time(mention: Mention, text: str) -> Mention:
    """The mention, labelled TIME and taking in its zone, when the parser took an hour for a number
    ("1000 EDT/1400 GMT")."""
    if mention.label not in ("CARDINAL", "DATE", "TIME"):
        return mention
    clock = CLOCK.match(text, mention.start)
    return Mention(start=mention.start, end=clock.end(), label="TIME") if clock else mention


def _as_place(mention: Mention, text: str) -> Mention:
    """The mention, labelled GPE when the parser took a country for a nationality ("fled to neighboring
    Tajikistan." is a place): after "to", "in", "from" and with no noun after it, it names a place."""
    if mention.label != "NORP":
        return mention
    if PLACE_BEFORE.search(text, max(0, mention.start - 20), mention.start) and PLACE_AFTER.match(text, mention.end):
        return Mention(mention.start, mention.end, "GPE")
    return mention


PEOPLE_NOUNS = "|".join(sorted((k for k, v in KIND_NOUNS.items() if v == PEOPLE), key=len, reverse=True))
# a role right before a name ("spokesman Don Townson", "ISO officer in charge Constantin Politoff")
TITLE_BEFORE = re.compile(rf"\b(?:{PEOPLE_NOUNS})s?(?:\s+in\s+charge)?\s+$", re.IGNORECASE)
# a role in apposition after a name ("Wilson Gomes de Moura, president of ..."), or taken up "as" one
# ("Alfredo Ricart will take over as executive director")
TITLE_AFTER = re.compile(
    rf"\s*,\s+(?:(?:the|a|an|its|their)\s+)?(?:(?!(?:whose|which|who|whom|that|and|or|but)\b)[\w'’-]+\s+){{0,3}}?"
    rf"(?:{PEOPLE_NOUNS})\b"
    rf"|\s+(?:[a-z]+\s+){{0,4}}?as\s+(?:(?:the|a|an|its|their)\s+)?(?:[\w-]+\s+){{0,2}}?(?:{PEOPLE_NOUNS})\b"
)
# words of organisations' names, never of a person's
ORG_NAME_WORDS = COMPANY_FORMS | frozenset(
    {"bank", "association", "union", "council", "committee", "organization", "organisation", "ministry"}
    | {"department", "commission", "board", "court", "agency", "federation", "confederation", "party", "fund"}
    | {"government", "exchange", "institute", "university", "airlines", "airways", "lines", "motors", "oil"}
    | {"petroleum", "steel", "mining", "securities", "trust", "partners", "brothers", "bancorp", "tribunal"}
)
NAME_PARTICLES = frozenset({"de", "da", "do", "dos", "van", "von", "der", "al", "el", "bin", "ben", "del", "la", "le"})


# a name in quotation marks is a work's title ("while 'Nomadland' took best picture"), no person or body:
# the marks open after a space and close before one or before punctuation ("'Nomadland'", not "Massoud's")
QUOTED_OPEN = re.compile(r"(?:^|(?<=[\s(]))['‘\"“]$")
QUOTED_CLOSE = re.compile(r"[,.]?['’\"”](?![\w])")


def _as_title(mention: Mention, text: str) -> Mention:
    """The mention, labelled WORK_OF_ART when the parser took a title in quotation marks for a name."""
    if mention.label not in ("PERSON", "ORG", "GPE", "NORP"):
        return mention
    if QUOTED_OPEN.search(text, max(0, mention.start - 2), mention.start) and QUOTED_CLOSE.match(text, mention.end):
        return Mention(mention.start, mention.end, "WORK_OF_ART")
    return mention


# nouns a person's name qualifies when it names what the person leads ("the Reagan administration", "the
# Thatcher government", "the Baker plan")
ATTRIBUTIVE = re.compile(
    r"\s+(?:administration|government|cabinet|presidency|era|camp|plan|proposals?|initiative|doctrine)\b"
)


def _as_person(mention: Mention, text: str) -> Mention:
    """The mention, labelled PERSON when the parser took a person's name for an organisation's and the text
    says it is a person's: a role right before it or in apposition after it, or one taken up "as". Only a
    name of two to five capitalised words with no word of an organisation's name ("Bank", "Corp") is one."""
    if mention.label != "ORG":
        return mention
    words = text[mention.start : mention.end].split()
    if not 2 <= len(words) <= 5 or any(w.lower().strip(".,") in ORG_NAME_WORDS for w in words):
        return mention
    if not all((w[:1].isupper() and not w.isupper()) or w.lower() in NAME_PARTICLES for w in words):
        return mention  # "ISO", "U.S. Lines": an acronym or a lower-case word is no part of a person's name
    if TITLE_BEFORE.search(text, max(0, mention.start - 40), mention.start) or TITLE_AFTER.match(text, mention.end):
        return Mention(mention.start, mention.end, "PERSON")
    return mention


def _surnames(article: Article) -> frozenset[str]:
    """The last names of the people the parser found in the article ("Karasawa" of "Shunjiro Karasawa")."""
    text = article.text
    return frozenset(
        text[m.start : m.end].split()[-1]
        for p in article.parses
        for m in p.mentions
        if m.label == "PERSON" and len(text[m.start : m.end].split()) > 1
    )


def _by_surname(mention: Mention, text: str, surnames: AbstractSet[str]) -> Mention:
    """The mention, labelled PERSON when it is the surname of a person the article names in full: news names a
    person by surname once it has named him, and the parser may take the lone surname for an organisation's
    name ("Karasawa is regarded as behind the opposition")."""
    if mention.label in ("ORG", "GPE", "NORP") and text[mention.start : mention.end] in surnames:
        return Mention(mention.start, mention.end, "PERSON")
    return mention


def _titles(text: str, mention: Mention, people: Sequence[Mention]) -> bool:
    """Does the mention name whose role a person after it holds ("Navy" in "Navy Minister Henrique Saboya",
    "ICCO" in "ICCO chairman John Smith")?"""
    return any(
        0 < person.start - mention.end <= ROLE_REACH
        and re.fullmatch(r"(?:['’]s)?\s+(?:[\w-]+\s+){1,3}", text[mention.end : person.start]) is not None
        and TITLE_BEFORE.search(text, mention.end, person.start) is not None
        for person in people
    )


HEADLINE_JOINS = frozenset({"of", "to", "for", "in", "on", "at", "by", "with", "from", "and", "or", "the", "a", "an"})
# "Yates told Reuters", "told the newspaper": the one told is who heard it, not a party to what was told
TOLD = re.compile(r"\b(?:told|tells|telling|tell)\s+(?:the\s+)?$", re.IGNORECASE)
ASKS_TELLING = re.compile(
    r"\b(?:told|tells?|telling|interview\w*|(?:speak\w*|spoke|talk(?:ed|ing)?)\s+(?:to|with)|hear\w*|"
    r"address\w*|briefed)\b",
    re.IGNORECASE,
)
# "which British company told Texaco ...": the question asks who told, not who was told
ASKS_TELLER = re.compile(r"^\s*(?:who|(?:which|what)(?:\s+[\w'’.-]+){1,3})\s+(?:has\s+|had\s+)?told\b", re.IGNORECASE)


def _asks_told(question: str) -> bool:
    """Does the question ask who was told ("which news agency did he tell"), not who told?"""
    return ASKS_TELLING.search(question) is not None and not ASKS_TELLER.search(question)


def _told(text: str, mention: Mention) -> bool:
    """Is a mention the one somebody spoke to ("Yates told Reuters")? Not a number ("told about 200 bankers")
    nor the one told to do something ("told Tamura to redouble efforts")."""
    if mention.label in NUMERIC:
        return False
    if re.match(r"\s+to\b", text[mention.end : mention.end + 4]):
        return False  # "Nakasone told Tamura to redouble efforts": the one told does what was asked
    return TOLD.search(text[max(0, mention.start - 20) : mention.start]) is not None


TICKER = re.compile(r"<[A-Z][A-Z0-9.]{0,7}>")


def _unbracketed(mention: Mention, text: str) -> Mention | None:
    """A mention without the angle brackets news feeds put around a company's name or ticker
    ("<Warburg Securities Ltd>" gives "Warburg Securities Ltd"); None for a ticker symbol ("<TX>")."""
    start, end = mention.start, mention.end
    while start < end and text[start] in "<> ":
        start += 1
    while end > start and text[end - 1] in "<> ":
        end -= 1
    if start == end or TICKER.fullmatch(text[max(0, start - 1) : end + 1]):
        return None
    return mention if (start, end) == (mention.start, mention.end) else Mention(start, end, mention.label)


def _headline_run(text: str) -> bool:
    """Is a mention a run of a capitalised headline the parser took for a name ("LANGE PREDICTS N.Z.
    INFLATION TO FALL")? A name runs to three or so words; four or more upper-case words are a headline."""
    words = text.split()
    if not text.isupper() or not words:
        return False
    # a name neither begins nor ends with a function word: "TARGET OF" is a piece of "... IS TARGET OF SEC ..."
    return len(words) >= 4 or words[0].lower() in HEADLINE_JOINS or words[-1].lower() in HEADLINE_JOINS


# the last words of what the parser may take for a name and is none: a currency ("U.S. Dlrs", "Japanese Yen";
# not "Mark" or "Rand", which may end one) or, after a name's other words, a law ("the Financial Services Act")
CURRENCY_ENDS = frozenset(
    w for w, unit in UNITS.items() if unit in MONEY_UNITS and (w.endswith("s") or w in ("stg", "yen"))
)
LAW_ENDS = frozenset({"act", "bill"})


def _mistaken_name(text: str) -> bool:
    """Is a mention the parser took for a name an amount's currency ("some 54 billion U.S. Dlrs") or a law
    ("the Financial Services Act")?"""
    words = text.lower().split()
    last = words[-1].strip(".,") if words else ""
    return last in CURRENCY_ENDS or (len(words) > 1 and last in LAW_ENDS)


# a day or year that says which thing the question is about, before the noun it describes ("the July 23
# special meeting", "its 1986 results"), not when what is asked happened ("in March", "on July 23")
DESCRIBING = re.compile(
    r"(?<!\bin )(?<!\bon )(?<!\bby )(?<!\bsince )(?<!\buntil )"
    r"\b(?P<when>(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}|(?:1[89]|20)\d\d))"
    r"(?:['’]s)?\s+(?!(?:in|on|at|to|and|or|by|for|of|from|with|was|were|is|are|will|did)\b)[a-z]"
)


@lru_cache(maxsize=1024)
def _describing_times(question: str) -> frozenset[str]:
    """The times a question gives to say which thing it is about (see DESCRIBING)."""
    return frozenset().union(*(times_in(m.group("when")) for m in DESCRIBING.finditer(question)))


# nouns that ask the level of what the question names: "to what level did he cut the top rate" asks a rate
LEVEL_NOUNS = frozenset({"level", "figure", "value"})
RATE_NOUNS = sorted((k for k, v in KIND_NOUNS.items() if v == RATES), key=len, reverse=True)
RATE_NAMED = re.compile(rf"(?<![\w-])(?:{'|'.join(RATE_NOUNS)})s?(?![\w-])", re.IGNORECASE)


def _sum_for_a_rate(ask: Ask, offered: str) -> bool:
    """Is a sum of money in millions or billions offered for the rate a question asks ("what interest rate")?
    A rate is a share ("7/8 pct"), a price of a unit ("4.56 dlrs per bushel") or a flow ("2.4 mln bpd"),
    never a sum of that size."""
    rate = bool(ask.noun) and (
        KIND_NOUNS.get(ask.noun) == RATES or (ask.noun in LEVEL_NOUNS and RATE_NAMED.search(ask.text) is not None)
    )
    sum_of_money = bool(SCALE.search(offered) and CURRENCY.search(offered))  # not "2.4 mln bpd", a rate of flow
    return rate and sum_of_money and not (PER_UNIT.search(offered) or A_UNIT.search(offered))


def _sum_for_a_unit(ask: Ask, offered: str) -> bool:
    """Is a sum in millions or billions offered for a price per unit ("what price per share")?"""
    if not PER_UNIT.search(ask.text) or not SCALE.search(offered):
        return False
    return not (PER_UNIT.search(offered) or A_UNIT.search(offered))


def _another_institution(noun: str, name: str) -> bool:
    """Does a name say by its head word that it is another kind of institution than the one "which X" asks
    ("the Finance Ministry" for "which bank"; not "Fuji Bank", nor "Barclays", which says no kind)?"""
    asked = [group for group in INSTITUTIONS if noun.lower() in group]
    words = re.split(r"\s+of\s+", name, maxsplit=1)[0].split()
    head = words[-1].lower().strip(".,'’") if words else ""
    named = [group for group in INSTITUTIONS if head in group or head.removesuffix("s") in group]
    return bool(asked and named) and not any(group in named for group in asked)


# a question about what is still to come: "when will", "when does ... plan to", "when is ... due"
FUTURE = re.compile(
    r"^when\s+(?:will|would|is\s+.*\b(?:due|expected|scheduled|set)\b|does\s+.*\b(?:plan|expect|intend)s?\b|"
    r"do\s+.*\b(?:plan|expect|intend)\b)",
    re.IGNORECASE,
)


def _before_the_story(ask: Ask, article: Article, span: str) -> bool:
    """Is a date that names a year before the story's own the answer to a question about what is still to
    come? It cannot be ("1911" for "when does China plan to issue its first bond")."""
    dated = re.search(r"(1[89]\d\d|20\d\d)", article.date or "")
    if dated is None or not FUTURE.search(" ".join(ask.text.split())):
        return False
    years = [int(y) for y in re.findall(r"\b(1[89]\d\d|20\d\d)\b", span)]
    return bool(years) and max(years) < int(dated.group(1))


def _called(text: str, mention: Mention, ask: Ask) -> bool:
    """Does the text call the mention by the question's kind noun ("Rokha district", "the port of Santos",
    "the mine at Onverdacht"; "of" only for places: "the bank of Germany" is a bank in Germany, not one
    called Germany)?"""
    noun = re.escape(ask.noun)
    if re.search(rf"\s{noun}s?$", text[mention.start : mention.end], re.IGNORECASE):
        return True  # the name holds the noun: "the Boardwalk Regency Hotel" for "which hotel"
    # "Rokha district"; "the Troutdale, Ore., primary aluminum plant": a place's state and up to two words
    # that say what it is between the name and its noun
    after = re.match(
        rf"(?P<state>,\s+(?-i:[A-Z])[\w.]*(?:\s+(?-i:[A-Z])[\w.]*)?,?)?(?P<modifiers>(?:\s+[\w-]+){{0,2}}?)"
        rf"\s+{noun}s?\b",
        text[mention.end : mention.end + len(noun) + 60],
        re.IGNORECASE,
    )
    between = after.group("state") or after.group("modifiers") if after is not None else ""
    if between and (ask.called_kind != "place" or set(between.lower().split()) & stopwords()):
        after = None  # "Acme said the company": only a place's noun stands apart from its name
    before = text[max(0, mention.start - len(noun) - 9) : mention.start]
    # "the port of Santos"; a facility also by where it stands: "Billiton's mine at Onverdacht"
    of = "(?:of|at)" if ask.noun in FACILITIES else "of"
    return bool(after or (ask.called_kind == "place" and re.search(rf"\b{noun}s? {of} (?:the )?$", before, re.I)))


def _name_start(text: str, start: int) -> int:
    """The start of the run of capitalised words a name ends ("Hindu Kush" when the parser found "Kush"); a
    name opened by "the" is whole ("But the Harbour Workers Union")."""
    if text[start : start + 1].islower():
        return start
    while found := re.search(r"(?<![\w.])([A-Z][\w'’-]*) $", text[max(0, start - 40) : start]):
        if found.group(1).lower() in NOT_NAME_WORDS:
            break
        start -= len(found.group(0))
    return start


RELATIVE_TO = re.compile(
    r"\s+(?:before|after|since|following|ahead of|prior to)\s+[^,;:()\[\]“”\"]{3,60}?"
    r"(?=[,;:()“”\"]|(?<!\b[A-Z])\.(?:\s|$)|\s+(?:and|but|when|which|who|that)\b|$)"
)  # "days before the 9/11 attacks", "two weeks after the U.S. election"


WHEN = re.compile(r"\s*(?:when|on what (?:date|day)|at what time)\b", re.IGNORECASE)  # not "how long"


def _relative_to(text: str, end: int) -> int:
    """The end of a date given by what it comes before or after ("just days" -> "just days before the 9/11
    terrorist attacks in the United States"): the event it is told by, up to a clause break."""
    found = RELATIVE_TO.match(text, end, min(len(text), end + 80))
    return found.end() if found else end


LENGTH_OF_TIME = re.compile(
    r"(?:(?:the|its|their|his|her)\s+)?(?:(?:past|last|next|first|nearly|about|some|over)\s+)?(?:\d[\d.,]*|an?|one|two|"
    r"three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|several|few|many)[\s-]+"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)",
    re.IGNORECASE,
)
POINT_AFTER = re.compile(r"\s+(?:ago|later|earlier|before|after|from now)\b", re.IGNORECASE)  # "two days ago"


def _length_of_time(text: str, mention: Mention, span: str) -> bool:
    """Is a date the parser found a length of time ("25 years", "the past five days"), which tells no when,
    and not a point it measures from ("two days ago", "three weeks later")?"""
    if mention.label != "DATE" or not LENGTH_OF_TIME.fullmatch(span.strip()):
        return False
    return POINT_AFTER.match(text, mention.end) is None


def vague_date(mention: Mention, text: str) -> bool:
    """A date with neither a digit nor a month ("today", "last month", "recent years"): a poorer answer to
    "when" than a dated one."""
    return mention.label == "DATE" and not (any(ch.isdigit() for ch in text) or MONTH.search(text))


def extend_amount(text: str, end: int) -> int:
    """The end of an amount with its scale and unit ("52" -> "52 dlrs", "1.3" -> "1.3 billion dlrs")."""
    for match in UNIT_WORD.finditer(text, end):
        if match.start() != end:
            break
        end = match.end()
    return end


MEASURE_COMPOUND = re.compile(r"\d[\d.,]*-[a-z]+", re.IGNORECASE)  # "60-kg", "32-km", "10-year": a size


HOW_MUCH_OF = re.compile(
    r"\bhow much (?:more |less )?(?P<what>(?:[\w-]+ ){1,4}?)"
    r"(?=(?:did|does|do|is|are|was|were|will|would|has|have|had|can|could)\b)",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def _how_much_of(question: str) -> frozenset[str]:
    """The stems of what "how much X" asks an amount of ("copper"); none for money or without a noun."""
    asked = HOW_MUCH_OF.search(question)
    what = frozenset(s for w in asked.group("what").split() for s in stems(w)) if asked else frozenset()
    return frozenset() if what & {s for h in MONEY_HEADS for s in stems(h)} else what


# the period an amount is of, as the text ties it: "10.6 billion in 1985", "1985's 10.2 billion", "3.82 billion
# dlrs between 1987 and 1989"
TIME_AFTER = re.compile(r"\s+(?:in|for|during|of|between|over|from)\s+(?:the\s+)?(?P<when>[^,.;()]{1,30})")
TIME_BEFORE = re.compile(r"(?P<when>\b(?:1[89]\d\d|20\d\d)(?:/\d\d)?)['’]s\s+(?:\w+\s+){0,2}$")
# years taken together: "between 1987 and 1989", "1987-89", "from 1987 to 1989" (not "1987/88", one split year)
YEARS = re.compile(
    r"\b(?:1[89]|20)\d\d(?:\s*[-–]\s*(?:(?:1[89]|20)\d\d|\d\d)|\s+(?:and|to)\s+(?:1[89]|20)\d\d)(?![.,]?\d)"
)


def _of_another_time(text: str, start: int, end: int, times: frozenset[str], question: str = "") -> bool:
    """Does the text tie the amount at start..end to another period of a kind the question asks ("10.6
    billion in 1985" when it asks 1986), and not to the one asked? An amount of several years together
    ("3.82 billion dlrs between 1987 and 1989") is of no one year the question asks alone, and the other way."""
    if not times:
        return False
    after = TIME_AFTER.match(text, end)
    before = TIME_BEFORE.search(text[max(0, start - 40) : start])
    if (
        after
        and times_in(after.group("when"))
        and bool(YEARS.search(after.group("when"))) != bool(YEARS.search(question))
    ):
        return True  # several years together for one alone, or one alone for several together
    tied = (times_in(after.group("when")) if after else frozenset()) | (
        times_in(before.group("when")) if before else frozenset()
    )
    kinds = {time_kind(v) for v in times}
    tied = frozenset(v for v in tied if time_kind(v) in kinds)
    return bool(tied) and not tied & times


PART_OF_YEAR = frozenset({"quarter", "half", "months", "quarter end"})
PART_PHRASE = re.compile("|".join(f"(?:{p.pattern})" for p in (QUARTER, QUARTER_END, HALF, MONTHS_RUN)), re.IGNORECASE)
WHOLE_YEAR = re.compile(r"\b(?:year|annual|annually|12\s+months|twelve\s+months)\b", re.IGNORECASE)


def _of_a_part_of_the_year(text: str, start: int, end: int, times: frozenset[str]) -> bool:
    """Does the text tie the amount at start..end to a part of a year ("In the fourth quarter of 1986, Hughes
    earned 31.7 mln dlrs on sales of 215.7 mln dlrs") when the question asks a whole year ("1986 sales")?"""
    asked = {time_kind(v) for v in times}
    if not asked & {"year", "split year"} or asked & (PART_OF_YEAR | {"month", "day"}):
        return False
    clause = _clause_before(text, start)
    after = TIME_AFTER.match(text, end)
    for part in (clause, after.group("when") if after else ""):
        parts = list(PART_PHRASE.finditer(part))
        if parts and not WHOLE_YEAR.search(part, parts[-1].end()):
            return True
    return False


# what a result figure measures: what a business earned or lost, or what it sold
RESULTS = {
    "income": frozenset({"profit", "profits", "earn", "earns", "earned", "earnings", "income", "loss", "losses"}),
    "turnover": frozenset({"sales", "revenue", "revenues", "turnover"}),
}
RESULT_WINDOW = 11  # words: "Operating income in 1986 fell more than 80 pct, to 38.0 mln dlrs"
RESULT_LINES = frozenset({"net", "operating", "pretax", "gross"})  # which income: "net income", "operating profit"
CLAUSE_BREAK = re.compile(rf"[;:]|{SENTENCE_END}|,\s+(?:while|whereas|but|and)\b|\s(?:while|whereas)\s")


def _result_asked(question: str) -> tuple[str, str]:
    """ "income" or "turnover" when the question asks one of them (and not both), else "", with the line it
    names ("net", "operating", "pretax", "gross"; "" for none)."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)?", question)]
    asked = [kind for kind, names in RESULTS.items() if set(words) & names]
    if len(asked) != 1:
        return "", ""
    line = next((_line(words[i - 1]) for i, w in enumerate(words) if w in RESULTS[asked[0]] and i), "")
    return asked[0], line


def _line(word: str) -> str:
    word = word.lower().replace("-", "")
    return word if word in RESULT_LINES else ""


def _clause_before(text: str, start: int) -> str:
    """The text of an amount's clause before it (up to 120 characters)."""
    clause = text[max(0, start - 120) : start]
    breaks = list(CLAUSE_BREAK.finditer(clause))
    return clause[breaks[-1].end() :] if breaks else clause


def _result_of(text: str, start: int, end: int) -> tuple[str, str]:
    """What result an amount is of, by the nearest result word before it in its clause ("had revenues of 695
    mln dlrs", "net income rose to 5 mln") or right after it ("5 mln dlrs in sales"), with the line the text
    names ("Operating income ... to 38.0 mln dlrs"); ("", "") for none."""
    before = re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)?|\d[\d.,]*", _clause_before(text, start))[-RESULT_WINDOW - 1 :]
    after = re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)?", text[end : end + 30])[:3]
    near = [(w, before[i - 1] if i else "") for i, w in enumerate(before)][::-1][:RESULT_WINDOW]
    if after and after[0].lower() in ("in", "of"):
        near += [(w, "") for w in after]
    for word, previous in near:
        for kind, names in RESULTS.items():
            if word.lower() in names:
                return kind, _line(previous)
    return "", ""


# the aggregates news reports amounts of, in families of words for the same one: an amount stands for the one
# named nearest before it in its clause, or right after it ("its trade surplus, which hit 15.6 billion dlrs" is
# a balance of trade, no answer for how large the reserves were; "its 44.5 billion dlr foreign debt" is a debt)
AGGREGATE_FAMILIES = (
    "income profit profits earnings earned earn loss losses",
    "turnover sales revenue revenues",
    "balance surplus deficit",
    "reserves",
    "debt debts",
    "exports exported exporting",
    "imports imported importing",
    "output production produce produced producing",
    "budget spending spend spent",
    "investment investments invest invested investing",
    "inflation",
    "unemployment",
    "growth",
)
AGGREGATES = {word: family.split()[0] for family in AGGREGATE_FAMILIES for word in family.split()}


def _aggregate_asked(question: str) -> frozenset[str]:
    """The families of the aggregates the question names ("reserves", "trade surplus")."""
    return frozenset(AGGREGATES[w] for w in re.findall(r"[a-z]+", question.lower()) if w in AGGREGATES)


def _of_another_aggregate(text: str, start: int, end: int, asked: frozenset[str]) -> bool:
    """Is an amount one of another aggregate than the question names ("surplus ... hit 15.6 billion dlrs" for
    "how large were the reserves")? Only when the question names one and the text ties the amount to another."""
    if not asked:
        return False
    after = [w.lower() for w in re.findall(r"[A-Za-z]+", text[end : end + 40])[:3]]
    if any(AGGREGATES.get(w) in asked for w in after):
        return False  # "its 44.5 billion dlr foreign debt"
    words = re.findall(r"[A-Za-z]+|\d[\d.,]*", _clause_before(text, start))
    # a word of a name is none of its aggregates ("the Organisation of Petroleum Exporting Countries")
    before = [w for w, p in zip(words, ["", *words], strict=False) if not (w[:1].isupper() and p[:1].isupper())]
    nearest = next((AGGREGATES[w.lower()] for w in reversed(before[-RESULT_WINDOW:]) if w.lower() in AGGREGATES), None)
    return nearest is not None and nearest not in asked


# an amount something moved by, not the level it stands at: "fell more than 80 pct, to 38.0 mln dlrs",
# "will be reduced by about 40 mln dlrs"
CHANGE_VERB = (
    r"(?:rose|risen|rises?|rising|fell|fallen|falls?|falling|increased|decreased|declined|dropped|gained|grew|"
    r"grown|climbed|jumped|slipped|eased|reduced|lowered|cut|slumped|plunged|soared|surged|widened|narrowed|"
    r"trimmed|shrank|shrunk)"
)
CHANGED_BY = re.compile(
    r"\b" + CHANGE_VERB + r"\s+(?:by\s+)?(?:(?:about|some|nearly|almost|roughly|around|over|under|only|just|"
    r"a\s+further|an\s+estimated|more\s+than|less\s+than|up\s+to)\s+)*$",
    re.IGNORECASE,
)
ASKS_CHANGE = re.compile(
    r"\b(?:ris\w*|rose|increas\w*|decreas\w*|declin\w*|fall\w*|fell|drop\w*|gain\w*|grow\w*|grew|climb\w*|"
    r"jump\w*|slip\w*|eas(?:e|ed|ing)|reduc\w*|lower\w*|cut\w*|slump\w*|plung\w*|soar\w*|surg\w*|widen\w*|"
    r"narrow\w*|trim\w*|shr[ai]nk\w*|shrunk|chang\w*|more|less|higher|up|down|by\s+(?:how|what))\b",
    re.IGNORECASE,
)


def _a_change(text: str, start: int) -> bool:
    """Is an amount what something moved by ("reduced by about 40 mln dlrs"), not the level it stands at?"""
    return CHANGED_BY.search(text[max(0, start - 60) : start]) is not None


def _of_another(question: str, text: str, end: int) -> bool:
    """Is an amount one of another thing than "how much X" asks ("413,800 tonnes of zinc" for "how much
    copper did the mine produce")?"""
    what = _how_much_of(question)
    if not what:
        return False
    other = re.match(r"\s+of\s+((?:[\w-]+\s+){0,2}[\w-]+)", text[end : end + 60], re.IGNORECASE)
    return other is not None and not set(stems(other.group(1))) & what


@lru_cache(maxsize=1024)
def _counted_forms(counted: str) -> frozenset[str]:
    """The stems a sentence names what "how many" counts by: its own, or any word for people in work."""
    words = HEADCOUNT if counted.lower() in HEADCOUNT else {counted}
    return frozenset(s for w in words for s in stems(w))


COMPOUND_HEAD = 4  # letters: "yard" heads "shipyard"; "s" or "ar" heads nothing


def _names_counted(counted: str, said: Sequence[str]) -> bool:
    """Do the stems `said` name what "how many" counts: in its own word, a word for people in work when it
    counts them, or the head of its compound ("33 yards" for "how many shipyards")?"""
    forms = _counted_forms(counted)
    return any(f == s or (len(s) >= COMPOUND_HEAD and f.endswith(s)) for f in forms for s in said)


def _counts(text: str, mention: Mention, counted: str, ask_text: str = "") -> bool:
    """Does a number count what "how many" asks about ("nine mln (60-kg) bags" for "how many bags", "eight
    days" for "how many days", not "the end of April")?"""
    if not counted or mention.label not in ("CARDINAL", "QUANTITY", "DATE", "TIME"):
        return True
    if MEASURE_COMPOUND.fullmatch(text[mention.start : mention.end]):
        return False  # "(60-kg) bags": the size of each, not how many
    after = stems(text[mention.start : mention.end + 40])  # the mention's own words and the next few
    if not _names_counted(counted, after[:6]):
        return False
    # "how many ounces of gold": not "24.0 ounces of silver"; "how many districts of Baghlan": not "eight
    # districts in Panjshir"
    noun = re.escape(counted.removesuffix("s"))
    asked = re.search(rf"\b{noun}s? (?:of|in) (\w+)", ask_text, re.I) if ask_text else None
    given = re.search(rf"\b{noun}s?\b(?: (?:of|in) (?:the )?(\w+))?", text[mention.start : mention.end + 60], re.I)
    named = given.group(1) if given else None
    return not (asked and named and not set(stems(named)) & set(stems(ask_text)))


# words that give a cause or a reason ("because of strong demand", "due to rains", "citing losses")
CAUSE = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|as\s+a\s+result\s+of|result(?:ed|ing)?\s+from|reflect(?:s|ed|ing)?|citing|"
    r"cited|attributed|blamed|thanks\s+to|in\s+order\s+to|in\s+response\s+to|on\s+the\s+back\s+of|"
    r"argu(?:ed|es|ing)\s+that|(?:would|will|could|might)\s+lead\s+to|"  # the reasoning someone gave for it
    r"\w+ed\s+by)\b",  # "delayed by parliamentary debate", "necessitated by strong demand"
    re.IGNORECASE,
)


def _cause_after(unit: Unit, focus: frozenset[str], reach: int = 3) -> int | None:
    """The position of the first of the `reach` sentences after the unit that gives a cause and shares a word
    the question asks about, or goes on about the same subject ("it", "the company"): "Reynolds said it will
    restart the potline. ... The company said the start up was necessitated by continuing strong demand." """
    article = unit.article
    for after in range(unit.positions[-1] + 1, min(unit.positions[-1] + 1 + reach, len(article.sentences))):
        span = article.sentences[after]
        text = article.text[span.start : span.end]
        leans_back = after < len(article.parses) and article.parses[after].subject_kind in ("pronoun", "title")
        if CAUSE.search(text) and ({base_form(s) for s in stems(text)} & focus or leans_back):
            return after
    return None


TALLIES = frozenset({"vote", "margin", "tally"})
TALLY = re.compile(r"\d[\d,]*(?:\s*-\s*|\s+to\s+)\d[\d,]*")


def _tally(text: str, mention: Mention) -> tuple[int, int] | None:
    """The "99 to 0" or "2-1" a number of a vote stands in, as (start, end)."""
    for found in TALLY.finditer(text, max(0, mention.start - 20), mention.end + 20):
        if found.start() <= mention.start < found.end():
            return found.start(), found.end()
    return None


def _counts_other(text: str, mention: Mention) -> bool:
    """Is a number followed by a noun it counts ("two plants", "50 vessels"), not by a preposition or the
    end of its clause ("fall 550,000 from", "rose 3,000.")?"""
    after = re.match(r"[\s-]*([A-Za-z][\w-]*)", text[extend_amount(text, mention.end) :])
    return after is not None and after.group(1).lower() not in stopwords()


AGE = re.compile(r"(\d+)[\s-]+years?[\s-]+old\b", re.IGNORECASE)
HOW_OLD = re.compile(r"\bhow old\b", re.IGNORECASE)
TOTAL = re.compile(r"\b(?:total|in all|altogether|all told)\b", re.IGNORECASE)
# what a company or country holds, earns or spends as a whole: "how much cash did TWA have" asks no per-share sum
HOLDINGS = frozenset(
    {"cash", "debt", "debts", "reserves", "assets", "capital", "revenue", "revenues", "sales", "turnover", "income"}
    | {"profit", "profits", "loss", "losses", "budget", "deficit", "surplus", "spending", "investment", "financing"}
    | {"credit", "credits", "loan", "loans"}
)
PER_UNIT_AFTER = re.compile(
    r"\s*(?:cash\s+|in\s+cash\s+)?(?:per|a|an|each)\s+(?:share|tonne|ton|barrel|ounce|pound|kilo|bag|gallon|bushel|lb)\b",
    re.IGNORECASE,
)


def _asks_holding(question: str) -> bool:
    """ "How much cash / debt / revenue ...", not asked per share or per unit."""
    found = HOW_MUCH_OF.search(question)
    if found is None or PER_UNIT.search(question) or A_UNIT.search(question):
        return False
    return any(w.lower() in HOLDINGS for w in found.group("what").split())


def _per_unit(text: str, offered: str, end: int) -> bool:
    """Is the amount one per share or per unit ("40 dlr per share", "52 dlrs cash per share")?"""
    return bool(PER_UNIT.search(offered) or A_UNIT.search(offered) or PER_UNIT_AFTER.match(text, end))


# the days news gives for when something was said: "today", "yesterday", "on Friday", "late yesterday"
SPEECH_DAY = re.compile(
    r"(?:(?:late|early|earlier|later)\s+)?(?:today|yesterday|tonight|(?:mon|tues|wednes|thurs|fri|satur|sun)day)",
    re.IGNORECASE,
)
SAID_BEFORE = re.compile(
    r"\b(?:said|says|told|announced|stated|added|reported|statement|remarks|comments|announcement)"
    r"(?:\s+\w+){0,2}\s+(?:on\s+)?$",
    re.I,
)  # "a spokesman said today", "Wilson's statement on Friday"


def _when_said(text: str, mention: Mention) -> bool:
    """Is a date the day something was said ("a spokesman said today", "told reporters on Friday"), not the
    day of what was said?"""
    said = SAID_BEFORE.search(text[max(0, mention.start - 30) : mention.start]) is not None
    return said and SPEECH_DAY.fullmatch(text[mention.start : mention.end].strip()) is not None


def _asks_saying(ask: Ask) -> bool:
    """Does the question ask when something was said ("when did Acme announce", "on what day did he say")?"""
    return bool(
        re.search(r"\b(?:say|said|tell|told|announce|announced|state|stated|report|reported)\b", ask.text, re.I)
    )


def _unmeasured(measure: str, text: str, mention: Mention, end: int) -> bool:
    """Is a number with no unit of its own something else than an amount the question measures: a count of
    other things ("one person", "one of the three plants") when money, a share or a unit is asked, or any
    number without the unit the question names ("about half" for a capacity in barrels per day)?"""
    if not measure or measure == "count" or measure in COUNTS_OF_THINGS or units_in(text[mention.start : end]):
        return False
    if measure not in ("money", "pct"):
        return True
    if CURRENCY.search(text, end, end + 30):  # "201.66 Malaysian/Singapore cents", "79.41 U.S. dlrs"
        return False
    partitive = measure == "money" and re.match(r"\s+of\s+(?:the|its|their|his|her)\b", text[end:]) is not None
    return partitive or _counts_other(text, mention)


def _measures(text: str, mention: Mention, span_text: str) -> bool:
    """Is a mention a length of time, an age or a distance ("30 minutes", "32-year-old", "43 km"), not "today"
    or "two" of something else?"""
    if not MEASURE.search(span_text):
        return False
    if mention.label != "CARDINAL":
        return True
    aside = text[max(0, mention.start - 2) : mention.start] == ", " and text[mention.end : mention.end + 1] in ",)"
    return aside or bool(MEASURE_UNIT.match(text, mention.end))  # "Smith, 32, said", "for 30 minutes"


def _antecedent_span(unit: Unit, ask: Ask, entities: Sequence[tuple[str, str]]) -> tuple[int, int, float, int] | None:
    """For a sentence whose subject is "he" or "the company": the nearest earlier mention of the wanted
    kind, in the sentences just before it (start, end, nearness, the sentence's position)."""
    article = unit.article
    for position in reversed(_previous(unit)):
        parse = article.parses[position] if position < len(article.parses) else None
        if parse is None:
            continue
        for mention in reversed(parse.mentions):
            named = article.text[mention.start : mention.end]
            if mention.label not in ask.labels or _given(named, ask.text) or _mistaken_name(named):
                continue
            if mention.label == "ORG" and _another_institution(ask.noun, named):
                continue
            return mention.start, mention.end, 0.5, position
    return None


ROLE_WORDS = frozenset(k for k, kinds in KIND_NOUNS.items() if kinds == PEOPLE) | {"commander", "general"}
ROLE_MODIFIERS = ROLE_PREFIXES | {"first", "second", "chief", "senior", "general", "managing", "executive", "prime"}


# ", manager of Colombia's coffee growers' federation," after a name
ROLE_AFTER = re.compile(
    r",\s+(?:the\s+)?((?:[\w'’-]+\s+){0,2}?(?:"
    + "|".join(sorted(ROLE_WORDS, key=len, reverse=True))
    + r")\b(?:\s+of\s+[^,;.()]{1,80}?(?=\s*[,;.(]))?)",
    re.IGNORECASE,
)


# what a kinship says from the other side: "X, the son of Y" says who X's father (or mother) is
KIN_INVERSE = {
    "father": ("son", "daughter", "child"), "mother": ("son", "daughter", "child"),
    "parent": ("son", "daughter", "child"), "son": ("father", "mother", "parent"),
    "daughter": ("father", "mother", "parent"), "child": ("father", "mother", "parent"),
    "brother": ("brother", "sister", "sibling"), "sister": ("brother", "sister", "sibling"),
    "nephew": ("uncle", "aunt"), "niece": ("uncle", "aunt"), "uncle": ("nephew", "niece"), "aunt": ("nephew", "niece"),
    "wife": ("husband",), "husband": ("wife", "widow"), "widow": ("husband",),
}  # fmt: skip


def _kin_of(text: str, mention: Mention, kinships: Sequence[str]) -> bool:
    """Does the text make the mention the kin asked: "Y, the father of X" or, from the other side, "X, the
    son of the late commander Y"?"""
    for kin in kinships:
        inverse = "|".join(KIN_INVERSE.get(kin, ()))
        after = text[mention.end : mention.end + 30]
        if re.match(rf",?\s+(?:was\s+|is\s+)?(?:the|his|her|their)\s+{kin}\b", after, re.IGNORECASE):
            return True
        before = text[max(0, mention.start - 80) : mention.start]
        if inverse and re.search(rf"\b(?:{inverse})s? of\b[^.;,]*$", before, re.IGNORECASE):
            return True
    return False


def _kin_given(text: str, question: str) -> set[str]:
    """The kinship words a question asks ("who was Massoud's father") that the sentence gives from the other
    side ("Massoud, the son of ..."), as stems: the sentence does name the relation asked."""
    given: set[str] = set()
    for asked in KIN_WORD.finditer(question):
        kin = asked.group(0).lower()
        if re.search(rf"\b(?:{'|'.join(KIN_INVERSE.get(kin, ()))})s? of\b", text, re.IGNORECASE):
            given |= {base_form(s) for s in stems(kin)}
    return given


KIN_WORD = re.compile(
    r"\b(?:(?:grand|great-grand|step|half-)?(?:son|daughter|father|mother|brother|sister|nephew|niece|uncle|aunt|"
    r"cousin|wife|husband|widow|widower|child|parent|sibling|grandson|granddaughter)(?:-in-law)?)\b",
    re.IGNORECASE,
)


def _role_span(unit: Unit, entities: Sequence[tuple[str, str]]) -> tuple[int, int, float] | None:
    """The role named beside the person the question asks about: "vice president" in "led by the former vice
    president, Amrullah Saleh", "manager of Colombia's coffee growers federation" in "Jorge Cardenas, manager
    of ...". (start, end, nearness)."""
    text = unit.article.text
    people = [n for n, label in entities if label in ("PERSON", "")]
    for mention in unit.mentions():
        name = text[mention.start : mention.end]
        if mention.start < unit.start or not any(mentions(name, p) or mentions(p, name) for p in people):
            continue
        base = max(unit.start, mention.start - 60)
        before = list(re.finditer(r"[\w.'’-]+", text[base : mention.start]))
        gap = text[base + before[-1].end() : mention.start] if before else ""
        if before and re.fullmatch(r",?\s*", gap) and before[-1].group(0).lower() in ROLE_WORDS:
            first = len(before) - 1
            while first > 0 and (before[first - 1].group(0).lower() in ROLE_MODIFIERS):
                first -= 1
            return base + before[first].start(), base + before[-1].end(), 1.0
        after = ROLE_AFTER.match(text, mention.end, min(len(text), mention.end + 120))
        if after is not None:
            return after.start(1), after.end(1), 1.0
    return None


def _titled_span(unit: Unit, ask: Ask, roles: frozenset[str]) -> tuple[int, int, float, int] | None:
    """For a sentence that names the asked role with no one beside it ("..., the chairman of the board, said."):
    the person named in the sentence after it ("J. Makumbi said ..."), where news names the one it titled, or
    else in the sentences just before it (start, end, nearness, the sentence's position)."""
    article = unit.article
    if any(m.label == "PERSON" for m in unit.mentions()):
        return None
    # the role stands for someone who does something in the sentence: the subject of a verb, or the one who
    # speaks ("..., the chairman of the board, said"); not the owner of something ("the governor's compound")
    words = _words(unit.text)
    speaks = any(
        _anchor_stem(word) in roles and any(w.lower().strip(".") in SPEECH for _, w in words[i + 1 : i + 12])
        for i, (_, word) in enumerate(words)
    )
    does = any(
        {base_form(s) for s in stems(article.text[c.subject.start : c.subject.end])} & roles
        for p in unit.parses
        for c in p.clauses
        if c.subject is not None
    )
    if not (speaks or does):
        return None
    limit = min(len(article.sentences), len(article.parses))
    for position in (unit.positions[-1] + 1, *reversed(_previous(unit))):
        if not 0 <= position < limit:
            continue
        for mention in article.parses[position].mentions:
            text = article.text[mention.start : mention.end]
            person = mention.label == "PERSON" or (mention.label in NAMED and INITIALLED.match(text) is not None)
            if person and not _given(text, ask.text):
                return mention.start, mention.end, 0.5, position
    return None


def _neighbour_span(
    unit: Unit,
    ask: Ask,
    entities: Sequence[tuple[str, str]],
    focus: frozenset[str],
    times: frozenset[str] = frozenset(),
) -> tuple[int, int, float, int] | None:
    """The answer in the sentence after the candidate, or the one before it, when that sentence is about
    the question too (it shares two words the question asks about, or its only one) and gives no other time
    than the question's (a figure "in the year to February 1987" answers nothing about 1984): "Rha said the
    surplus would cut its foreign debt. The debt stands at 44.5 billion dlrs." (start, end, nearness, its
    position)."""
    article = unit.article
    after = unit.positions[-1] + 1
    for position in (after, unit.positions[0] - 1):
        if not 0 <= position < min(len(article.sentences), len(article.parses)):
            continue
        span = article.sentences[position]
        shared = {base_form(s) for s in stems(article.text[span.start : span.end])} & focus
        if len(shared) < min(2, len(focus)):  # about the question too: two of its words, or its one word
            continue
        said = article.text[span.start : span.end]
        given = times_in(said)
        if not names_relative_time(ask.text):  # "sown last year" in a 1987 story: 1986, unless the question
            given |= relative_times(said, article.date)  # too asks about "last year"
        if any(v not in given and any(time_kind(g) == time_kind(v) for g in given) for v in times):
            continue
        found = _best_span(Unit(article, (position,), span.start, span.end), ask, entities, focus)
        if found is not None and found[3]:  # a neighbour is read only for an answer of the form asked
            return found[0], found[1], found[2] / 2, position
    return None


# what someone said: "say" and "tell" are stop words to the stemmer, so the question's focus never holds them;
# any verb of saying in the sentence answers "what did X say" ("the Taliban claimed", "the minister told")
ASKS_SAYING = re.compile(r"\b(?:say|said|says|tell|told|tells)\b", re.IGNORECASE)
SPEECH_LEMMAS = frozenset(
    {"say", "tell", "claim", "announce", "state", "add", "report", "deny", "warn", "tweet", "insist", "note"}
)


def _speaker_after(unit: Unit, question: str, verbs: frozenset[str]) -> bool:
    """Is the sentence's subject the one who speaks after what is reported ("One bank showed interest, he
    said")? Then "he" says it and did not do it: he answers who did only when the question's verbs say."""
    parse = unit.parses[0] if unit.parses else None
    if parse is None or parse.subject is None or verbs & SPEECH_LEMMAS or ASKS_SAYING.search(question):
        return False
    before = unit.article.text[unit.start : parse.subject.start]
    speaks = any(c.verb in SPEECH_LEMMAS and c.subject == parse.subject for c in parse.clauses)
    return speaks and re.search(r"[,\"”’]\s*$", before) is not None


@lru_cache(maxsize=4096)
def _speech_verbs(question: str) -> frozenset[str]:
    """The parser's lemmas of the verbs of saying, when the question asks what someone said."""
    return SPEECH_LEMMAS if ASKS_SAYING.search(question) else frozenset()


# "what did X say?", "what did X say about Y": the whole of what was said is asked, not a value inside it
# ("what did X say the losses were")
SAYS_WHAT = re.compile(
    r"^what\b.*\b(?:say|tell|tweet|announce|claim|warn|promise|add)\b\s*(?:\?|$|about\b|of\b|on\b|regarding\b)",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def what_was_said(question: str) -> frozenset[str]:
    """The verbs of saying whose whole clause answers the question, when it asks what someone said."""
    return SPEECH_LEMMAS if SAYS_WHAT.search(" ".join(question.split())) else frozenset()


def _verb_forms(verb: str) -> set[str]:
    """A clause's verb as the question's verbs hold it: its stems and their base forms, or a speech lemma."""
    return {f for s in stems(verb) for f in (s, base_form(s))} | ({verb} if verb in SPEECH_LEMMAS else set())


# nouns a speaker's words come in, done by their possessor ("Massoud's statement")
SPEECH_NOUNS = frozenset({"statement", "remark", "comment", "message", "tweet", "announcement", "speech", "letter"})


def _speaker_missing(unit: Unit, doers: Sequence[tuple[str, str]], context: str, question: str) -> bool:
    """For "what did X say (about Y)": does no one in the sentence say anything who is X? X says it as the
    subject of a verb of saying ("Massoud tweeted", "X told reporters"; "he" or "the minister" when the
    sentence before names X), in a statement of X's ("X's statement"), or "according to X"."""
    if not doers or not what_was_said(question):
        return False
    text = unit.article.text
    for clause in (c for p in unit.parses for c in p.clauses):
        if clause.subject is None or clause.verb not in SPEECH_LEMMAS | SPEECH_NOUNS:
            continue
        who = text[clause.subject.start : clause.subject.end]
        if any(mentions(who, name) for name, _ in doers):
            return False
        named = any(m.label in NAMED and clause.subject.start <= m.start < clause.subject.end for m in unit.mentions())
        if not named and any(mentions(unit.text, name) or mentions(context, name) for name, _ in doers):
            return False  # "he said", "the minister said" of the X the sentence or the one before names
    for according in re.finditer(r"\baccording to\s+([^,.;]{1,60})", unit.text, re.IGNORECASE):
        if any(mentions(according.group(1), name) for name, _ in doers):
            return False
    return True


@lru_cache(maxsize=4096)
def _done_by(question: str, doers: tuple[tuple[str, str], ...], verbs: frozenset[str]) -> frozenset[str]:
    """The question's verbs its own subject does: the verb right after it ("accept" in "how much of the sugar
    offered did the EC accept", not "offer"), or all of them when none follows it; and the verbs of saying
    when it asks what someone said."""
    lower = " ".join(question.split()).lower()
    done: set[str] = set()
    for name, _ in doers:
        after = re.search(
            rf"(?<![\w.]){re.escape(name.lower())}(?![\w])\s+(?:(?:\w+ly|not|also|still)\s+)*([a-z]+)", lower
        )
        if after is not None:
            done |= {base_form(s) for s in stems(after.group(1))}
    return frozenset(verbs & done or verbs) | _speech_verbs(question)


def _actor_other(
    unit: Unit,
    verbs: frozenset[str],
    subjects: Sequence[tuple[str, str]],
    entities: Sequence[tuple[str, str]],
    question: str = "",
    span: tuple[str, int, int] | None = None,
) -> float:
    """Does the sentence give the question's verb to another named subject than the question's ("Chrysler
    raised its dividend" for "by how much did AT&T raise its dividend", "the U.S. would pay" for "what does
    Cuba pay"), or to another role than the one the question names ("Iran's Foreign Ministry spokesman told
    reporters" for "what did Iran's foreign minister say"), and never to the question's own? The answer
    itself doing a verb is no other actor ("which minister did Nakasone instruct to redouble efforts")."""
    if not subjects or not verbs:
        return 0.0
    asked_roles = {w.lower() for _, w in _words(question)} & ROLE_WORDS
    text = unit.article.text
    named = [m for m in unit.mentions() if m.label in NAMED]
    other = False
    for clause in (c for p in unit.parses for c in p.clauses):
        if clause.subject is None or not _verb_forms(clause.verb) & verbs:
            continue
        if span is not None and clause.subject.start <= span[1] and span[2] <= clause.subject.end:
            continue  # the answer does it
        who = text[clause.subject.start : clause.subject.end]
        inside = any(clause.subject.start <= m.start and m.end <= clause.subject.end for m in named)
        if who.lower() in PRONOUN_SUBJECTS:  # "the U.S. indicated it would pay": the name before the pronoun
            before = [
                m for m in named if unit.start <= m.end <= clause.subject.start and _agrees(who, m.label)
            ]  # "it" is no person ("ETL, controlled by Allan Hawkins, ... it built up a stake"), "he" one
            # the first name of the subject of a clause before it comes first: "The offer by ETL, controlled by
            # New Zealand entrepreneur Allan Hawkins, came after it built up a stake" is ETL's
            heads = [m for m in before if _in_subject_before(unit, m, clause.subject.start)]
            # "Cooper Basin oil producer Santos Ltd said it will bid": the question's own name among them
            own = [m for m in heads if any(mentions(text[m.start : m.end], name) for name, _ in subjects)]
            before = own[:1] or heads[:1] or before[-1:]
            who, inside = (text[before[-1].start : before[-1].end], True) if before else (who, False)
        their_roles = {w.lower() for _, w in _words(who)} & ROLE_WORDS
        another_role = bool(asked_roles and their_roles and not their_roles & asked_roles)
        if any(mentions(who, name) for name, _ in subjects) and not another_role:
            return 0.0
        other = other or another_role or (inside and not any(mentions(who, name) for name, _ in entities))
    return float(other)


def _in_subject_before(unit: Unit, mention: Mention, at: int) -> bool:
    """Does the mention stand in the subject of a clause of the unit that ends before offset `at`?"""
    return any(
        c.subject is not None and c.subject.start <= mention.start and mention.end <= c.subject.end <= at
        for p in unit.parses
        for c in p.clauses
    )


def _agrees(pronoun: str, label: str) -> bool:
    """Can the pronoun stand for a name of this kind? "It" for no person, "he" and "she" for persons only."""
    word = pronoun.lower()
    if word in ("he", "she", "him", "her", "his"):
        return label == "PERSON"
    if word in ("it", "its"):
        return label != "PERSON"
    return True


# "who killed ...", "which company bought ...": the wh-word does what the verb says
AGENTIVE = re.compile(
    r"^(?:who|which\s+[\w-]+(?:\s+[\w-]+)?)\s+(?!(?:is|was|are|were|has|have|had|did|does|do|will|would|can|could)\b)"
    r"(?P<verb>\w+)\s+(?:the\s+)?(?P<object>.{1,60})",
    re.IGNORECASE,
)


def _done_to_the_asked(
    unit: Unit,
    verbs: frozenset[str],
    entities: Sequence[tuple[str, str]],
    span: tuple[str, int, int] | None,
    question: str,
) -> float:
    """For "who killed X": does the sentence give the verb X as its subject ("X, who was killed days
    before ...") and none to the answer span? It says what was done to X, not who did it."""
    asked = AGENTIVE.match(" ".join(question.split()))
    if span is None or asked is None:
        return 0.0
    verb = _verb_forms(asked.group("verb")) & verbs  # the question's own verb, right after the wh-phrase
    objects = [name for name, _ in entities if asked.group("object").startswith(name)]  # and what it takes
    if not verb or not objects:
        return 0.0
    voice = _passive(unit.text, verb)
    if voice == "by":
        return 0.0  # "X was killed by Y": the sentence names who did it
    text = unit.article.text
    done_to = False
    for clause in (c for p in unit.parses for c in p.clauses):
        if clause.subject is None or not _verb_forms(clause.verb) & verb:
            continue
        if clause.subject.start <= span[1] and span[2] <= clause.subject.end:
            return 0.0
        who = text[clause.subject.start : clause.subject.end]
        done_to = done_to or any(mentions(who, name) for name in objects)
    return float(done_to or voice == "agentless")


PASSIVE = re.compile(
    r"\b(?:is|are|was|were|be|been|being)\s+(?:(?:\w+ly|in part|also|not|still|already|being|been)\s+)*"
    r"(?P<verb>\w+(?:ed|en|wn|t))\b",
    re.IGNORECASE,
)  # "was killed", "is in part led", "was being led"
BY_AGENT = re.compile(r"(?:\s+[\w’'-]+){0,3}?\s+by\b")


def _passive(text: str, verbs: AbstractSet[str]) -> str:
    """How the sentence gives the verb in the passive: "by" when it names who did it ("X was killed by Y"),
    "agentless" when it never does ("Massoud, who was killed days before 9/11"), "" when not in the passive."""
    voice = ""
    for match in PASSIVE.finditer(text):
        if _verb_forms(match.group("verb")) & verbs:
            if BY_AGENT.match(text, match.end(), match.end() + 40):
                return "by"
            voice = "agentless"
    return voice


def _other_owner(unit: Unit, start: int, end: int, entities: Sequence[tuple[str, str]]) -> bool:
    """Is the name nearest to an amount another company/person/place than those the question names,
    while a question name stands in the sentence too ("Texaco earned X while Chevron earned Y")?"""
    named = [m for m in unit.mentions() if m.label in NAMED]
    if not named or not entities:
        return False
    text = unit.article.text

    def asked(m: Mention) -> bool:
        return any(
            mentions(text[m.start : m.end], name) or mentions(name, text[m.start : m.end]) for name, _ in entities
        )

    if not any(asked(m) for m in named):
        return False
    nearest = min(named, key=lambda m: min(abs(m.end - start), abs(m.start - end)))
    return not asked(nearest)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-max(min(x, 30.0), -30.0)))
