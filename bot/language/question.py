"""A question -> what kind of answer it wants (entity labels), what it fixes (constraints), and its parts.

General English only: wh-words and the nouns that name a kind of thing ("which company" wants an ORG,
"how much" an amount), months, years and quarters, and the named entities the corpus knows (the
labels spaCy gave them at index time), so a question is never parsed by a model at answer time.

Also the older, coarser analysis the sentence score uses (QuestionInfo: wants a name, number or date)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from bot.language.lexicon import (
    AMOUNTS,
    AUXILIARIES,
    DATE_LEADS,
    KIND_NOUNS,
    LABEL_ORDER,
    NAMED,
    NOT_NAME_WORDS,
    NUMBERS,
    ORGS,
    PEOPLE,
    PLACES,
    RATES,
    TIMES,
    stopwords,
)
from bot.language.values import UNITS, names_in, unit_family, units_in
from bot.language.words import asked_words, base_form, stems

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH = re.compile(
    r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?",
    re.IGNORECASE,
)
WEEKDAY = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")
ISO_DATE = re.compile(r"\b(1[89]\d\d|20\d\d)-(\d\d)-\d\d\b")
YEAR = re.compile(r"(?<![\d.,])(1[89]\d\d|20\d\d)(?:/(\d\d))?(?![\d])")
QUARTER = re.compile(r"\b(?:(first|second|third|fourth|1st|2nd|3rd|4th)[- ](?:quarter|qtr)|q([1-4]))\b", re.IGNORECASE)
_QUARTERS = {"first": "q1", "1st": "q1", "second": "q2", "2nd": "q2", "third": "q3", "3rd": "q3"}
_QUARTERS |= {"fourth": "q4", "4th": "q4"}
# "the March quarter", "the quarter ended December 31": a quarter named by its last month
QUARTER_END = re.compile(
    rf"\b{MONTH.pattern[2:-5]}\.?(?:\s+\d{{4}})?\s+quarter\b|\bquarter\s+(?:ended|ending|to)\s+{MONTH.pattern[2:-5]}",
    re.IGNORECASE,
)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
MONTH_COUNTS = {"three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "11": 11}
# "the first half", "the first nine months": the part of a year a figure covers
HALF = re.compile(r"\b(first|second|1st|2nd)\s+half\b", re.IGNORECASE)
MONTHS_RUN = re.compile(r"\bfirst\s+(three|four|five|six|seven|eight|nine|ten|11)\s+months\b", re.IGNORECASE)
# "the second year of the agreement", "the third agreement year"; not "a second straight year" (a streak)
NTH_YEAR = re.compile(
    r"\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th)\s+(?!(?:straight|consecutive|successive|running|"
    r"full|half|quarter)\b)(?:[a-z]+\s+)?year\b(?!\s+in\s+a\s+row)",
    re.IGNORECASE,
)
PREPOSITION_LEADS = frozenset({"to", "at", "in", "on", "by", "from", "for", "under", "until", "since", "with", "into"})
PART_SPLIT = re.compile(
    rf"^(?P<first>.+?),?\s+and\s+(?P<second>(?:(?:{'|'.join(PREPOSITION_LEADS)})\s+)?"
    r"(?:what|when|where|who|whom|how|which|why)\b.+)$",
    re.I,
)  # "..., and by how much would its net income fall?"
WORD = re.compile(r"[\w’'.&-]+")


@dataclass(frozen=True)
class Ask:
    """What one part of a question asks for."""

    text: str
    prefer: tuple[str, ...]  # entity labels that answer it, likeliest first; (): no typed answer ("why")
    polar: bool  # yes/no
    reason: bool  # "why", "what prompted": the answer is a clause, not an entity
    counted: str = ""  # what "how many" counts ("bags" in "how many bags of coffee"): a number must count it
    measured: bool = False  # "how long", "how old": the answer is a length of time or an age, with a number
    noun: str = ""  # the kind noun of "which district", "what company": a name the text calls one ("Rokha
    # district") is of the kind, whatever label the parser gave it
    many: int = 1  # how many names "which two senior figures" asks for

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(self.prefer)

    @property
    def qualifiers(self) -> tuple[str, ...]:
        """The names that qualify the kind noun of "which Canadian body", "which EC country": the answer is
        one of those ("Canadian Import Tribunal"), not any body."""
        if not self.noun:
            return ()
        found = re.search(rf"\b(?i:which|what)\s+((?:[A-Z][\w.&'’-]*\s+)+){re.escape(self.noun)}", self.text)
        return tuple(found.group(1).split()) if found else ()

    @property
    def measure(self) -> str:
        """What an amount that answers must be measured in (see `asked_measure`)."""
        return asked_measure(self.text, self.counted)

    @property
    def called_kind(self) -> str:
        """ "place" or "organisation" when the kind noun names one ("district", "company"), else "": only
        those are called by name ("Rokha district"); "U.S. officials" and "ICO quota" are not names of an
        official or a quota."""
        kinds = KIND_NOUNS.get(self.noun)
        return "place" if kinds == PLACES else "organisation" if kinds == ORGS else ""


def wanted(question: str) -> Ask:
    """The kind of answer a question (or one part of it) asks for, the likeliest kinds first. A clause before
    the question proper says when or under what condition ("When New York futures fell below 1 dlr, at what
    price did they close?"): the question after it says what is asked."""
    clause = LEAD_CLAUSE.match(question.strip())
    if clause is not None:
        return replace(wanted(question.strip()[clause.end() :]), text=question)
    q = " ".join(question.lower().split())
    polar = bool(
        re.match(r"^(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should)\b", q)
        or re.match(r"^(?:is it true|true or false)\b", q)
    )
    reason = bool(re.match(r"^(?:why|what (?:prompted|caused|led|made|was the reason|is the reason|reason))\b", q))
    if polar or reason:
        return Ask(question, (), polar, reason)
    counted = ""
    prefer: tuple[str, ...] = ()
    listed = LISTED.search(question)  # "which two senior figures": two names of that kind
    many = COUNTS[listed.group("count").lower()] if listed else 1
    # "what ethnic group": a people, which the parser labels as a nationality, not an organisation
    kinded = PEOPLES.sub("nationality", question)
    noun = _kind_noun(LISTED.sub(r"\g<wh> ", kinded, count=1) if listed else kinded)
    if listed and noun is not None and KIND_NOUNS[noun] in (AMOUNTS, RATES):
        noun = None  # "which two figures died": people, not amounts
    first = re.search(r"\b(who|whom|whose|when|where|how|which|what)\b", q)
    lead = first.group(1) if first else ""  # the question's own wh-word, not one in a clause after it
    # "how long", "how old", "over what period": a length of time (or an age), not a date
    measured = (lead == "how" and bool(re.search(r"\bhow (?:long|old)\b", q))) or DURATION_ASKED.search(q) is not None
    if measured:
        prefer = ("DATE", "TIME", "CARDINAL", "QUANTITY")
    elif lead == "how" and re.search(r"\bhow many\b", q):
        counted = _counted(q)
        spans_time = KIND_NOUNS.get(_as_kind_noun(counted) or "") == TIMES  # "how many days": "three days" is a DATE
        prefer = (
            ("DATE", "TIME", "CARDINAL", "QUANTITY") if spans_time else ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")
        )
    elif re.search(r"\bhow much\b|\bby how\b|\bwhat (?:level|figure)\b|\bhow (?:large|big|high|low|heavy|far)\b", q):
        prefer = ("PERCENT", *NUMBERS) if noun is not None and KIND_NOUNS[noun] == RATES else NUMBERS
    elif lead == "how" and re.search(r"\brelated\b", q):  # "how was the general related to Massoud"
        prefer = ("KIN",)
    elif lead == "when":
        prefer = ("DATE", "TIME")
    elif lead == "where" and LEVEL_WHERE.search(q):  # "where did the May coffee contract close": at what level
        prefer = NUMBERS
    elif lead == "where":
        prefer = ("GPE", "LOC", "FAC", "ORG")
    elif lead in ("who", "whom", "whose"):
        person = any(KIND_NOUNS.get(_as_kind_noun(_bare_word(w)) or "") == PEOPLE for w in q.split())
        person = person or LEADS.search(q) is not None  # "who heads the council": a person heads it
        prefer = ("PERSON",) if person else ("PERSON", "ORG", "NORP")
    elif ETHNIC.search(q):  # "what ethnic group": a nationality or people, not an organisation
        prefer = ("NORP", "ORG")  # "the Pashtun Taliban" may be taken for an organisation
    elif COUNTRYS.search(q):  # "in which country's media": "Pakistani media", "Pakistan's media"
        prefer = ("NORP", "GPE")
    elif PLACES_OF.search(q):  # "in which city's court": the city
        prefer = ("GPE", "LOC")
    elif noun is not None:
        kinds = KIND_NOUNS[noun]
        if kinds == ROLE and not HOLDS.search(q):  # "what title does he claim": what the verb takes
            prefer = ()
        elif kinds == RATES:
            prefer = ("PERCENT", *NUMBERS)
        elif kinds == AMOUNTS:
            prefer = NUMBERS
        elif noun == "time":  # "at what time": the hour ("1000 EDT") before the day
            prefer = ("TIME", "DATE")
        else:
            prefer = tuple(label for label in LABEL_ORDER if label in kinds)
    elif lead in ("what", "which") and (listed or re.search(r"\bnames? of\b", q)):  # any name
        prefer = NAME_LABELS
    elif lead == "what" and AMOUNT_VERB.search(q):  # "what did the bonuses total", "what is the deal worth"
        prefer = NUMBERS
    elif measure := asked_measure(question, counted):  # "what wage ..., in pesos per month": an amount
        prefer = ("PERCENT", *NUMBERS) if measure == "pct" else NUMBERS
    if prefer and "MONEY" not in prefer and set(prefer) <= set(NUMBERS) and asked_measure(question, counted) == "money":
        prefer = ("MONEY", *prefer)  # "what total government spending": a sum of money
    return Ask(question, tuple(dict.fromkeys(prefer)), polar, reason, counted, measured, noun or "", many)


# verbs whose object is an amount: "what did GM's 1986 bonuses total", "what did Saudi output average in March",
# "what is the acquisition worth"
AMOUNT_VERB = re.compile(
    r"^what\s+(?:(?:did|does|do|will|would|could)\s+.*(?<!\bthe)(?<!\ban)(?<!\ba)(?<!\bits)(?<!\btheir)(?<!\bof)"
    r"(?<!\babout)\s(?:total|average|amount\s+to|come\s+to|cost)"
    r"|(?:is|was|are|were)\s+.*\bworth)\b"
)
DURATION_ASKED = re.compile(r"\b(?:over|for|within) what (?:\w+ )?(?:period|length of time|span)\b")
# markets' "where": the level a price, an index or a currency ended at
LEVEL_WHERE = re.compile(
    r"\bwhere\s+(?:did|does|do|will|would|was|were|is|are|has|have|had)\s+.*\b(?:contracts?|prices?|index|stocks?|"
    r"shares|dollar|yen|mark|sterling|pound|currency|futures|bonds?|market|average|rates?)\s+(?:\w+\s+)?"
    r"(?:close|closed|end|ended|finish|finished|settle|settled|stand|stood|trade|traded|open|opened)\b"
)
# a clause before the question proper: "When Taiwan's reserves hit 56 billion dlrs, what ...", "If the stalemate
# continued, until what date ..."; not a question's own "when did ..."
LEAD_CLAUSE = re.compile(
    r"^(?:when|if|after|before|as|while|since|once|although|though|besides)\s+"
    r"(?!(?:do|does|did|has|have|had|is|are|was|were|will|would|can|could|should|may|might|must|shall)\b)"
    r"[^?]*?,\s*(?=(?:(?:at|in|on|to|by|from|for|under|with|of|into|until)\s+)?"
    r"(?:what|when|where|who|whom|whose|which|how|why)\b)",
    re.IGNORECASE,
)
COUNTRYS = re.compile(r"\b(?:which|what)\s+(?:country|nation)['’]s\b")
PLACES_OF = re.compile(r"\b(?:which|what)\s+(?:city|town|state|province|region|district|port|capital)['’]s\b")
ETHNIC = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?ethnic\s+(?:group|minority|community|people)\b")

# "which two senior figures", "what three airlines": a list of names
COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
LISTED = re.compile(rf"\b(?P<wh>which|what)\s+(?P<count>{'|'.join(COUNTS)})\s+(?=[a-z])", re.IGNORECASE)


# "the capacity in barrels per day", "the value in dollars"
IN_UNIT = re.compile(r"\bin ([a-z]+)\b", re.IGNORECASE)
ASKS_PERCENT = re.compile(
    r"\b(?:what|which|by what) (?:percentage|percent|pct|proportion)\b|\bpercentage points?\b|\bwhat share of\b",
    re.IGNORECASE,
)
MONEY_HEADS = frozenset(
    {"money", "cash", "financing", "funding", "funds", "credit", "credits", "loan", "loans", "spending", "expenditure"}
)
SPENDS = re.compile(
    r"\bhow much (?:did|does|do|is|are|was|were|has|have|had|will|would|could|can|should|might|must)\b.*"
    r"\b(?:earn|earned|earns|borrow|borrowed|spend|spent|lend|lent|invest|invested|inject|injected)\b"
    r"|\bdollar (?:value|amount|figure|total)\b|\bhow many (?:dollars|dlrs)\b",
    re.IGNORECASE,
)
# "per share", "each tonne": what a price is of
PER_UNIT = re.compile(r"\b(?:per|each)[ -](?:share|tonne|ton|barrel|ounce|pound|kilo|bag|gallon|bushel|lb)\b", re.I)
COUNTS_OF_THINGS = frozenset({"worker", "ship", "share", "bag"})  # units that count things, as "how many" does


@lru_cache(maxsize=4096)
def asked_measure(question: str, counted: str = "") -> str:
    """What an amount that answers the question must be measured in: a unit family ("barrel" for "in
    barrels per day", "tonne" for "how many tonnes"), "pct" for "what percentage", "money" for a price, a
    fee or what was paid or earned, "count" for "how many jobs"; "" when the question does not say.
    An amount measured in something else answers another question ("4.7 mln tonnes" for the capacity in
    barrels per day, "eight pct" for how much money was injected, "1.05 dlrs per bushel" for how many
    bushels)."""
    written = " ".join(question.split())
    for found in IN_UNIT.finditer(written):
        if found.group(1).lower() in UNITS:
            return unit_family(UNITS[found.group(1).lower()])
    if ASKS_PERCENT.search(written):
        return "pct"
    if counted:
        unit = UNITS.get(counted.lower())
        return unit_family(unit) if unit else "count"
    # a price, what was paid or spent, a sum of money, or a price of a unit ("what export bonus per tonne")
    if asks_price(written) or SPENDS.search(written) or _heads(written, nominal=False) & MONEY_HEADS:
        return "money"
    return "money" if PER_UNIT.search(written) else ""


def measure_conflict(measure: str, span: str) -> bool:
    """Is an answer span an amount of another kind than the question asks (see `asked_measure`)? A span
    that states no unit ("two", "20 billion") is not; it may be vague, but it contradicts nothing."""
    found = units_in(span)
    if not measure or not found:
        return False
    if measure == "count":
        return bool(found - COUNTS_OF_THINGS)
    return measure not in found


ROLE = frozenset({"ROLE"})
HOLDS = re.compile(r"\b(?:hold|holds|held|have|has|had|is|was|are|were|serve[sd]?|occup(?:y|ies|ied))\b")


COUNT_ENDS = frozenset({"a", "an", "per", "each", "long", "wide", "high", "deep", "tall", "old", "away", "far"})
# what ends the counted noun after it: a preposition ("how many workers struck at ...") or a verb in -ed
COUNT_STOPS = frozenset(
    {"in", "at", "on", "during", "for", "from", "by", "with", "to", "into", "since", "after", "before"}
)
PLURALS = frozenset({"people", "men", "women", "children", "staff", "personnel", "aircraft", "cattle", "police"})


def _counted(q: str) -> str:
    """What "how many" counts: the last word before the verb or "of" that follows ("how many new jobs
    will it create" -> "jobs", "how many bags of coffee" -> "bags", "how many days' supply" -> "days"); ""
    when nothing stands there."""
    found = re.search(r"\bhow many\s+(.*)", q)
    words: list[str] = []
    for word in found.group(1).split() if found else []:
        word = word.strip("?,.;:")
        if word in AUXILIARIES or word in COUNT_ENDS or not word:  # "how many pickups a day", "kilometres long"
            break
        if words and (word in COUNT_STOPS or word.endswith("ed")):  # "how many bank branches closed in ..."
            break
        words.append(word)
    # a plural possessive counts what measures the noun after it ("how many days' supply of cars": days)
    measure = next((w for w in words if w.endswith(("s'", "s’"))), None)
    if measure is not None:
        return measure[:-1]
    # the last plural among them ("workers" in "how many workers struck at ...")
    plural = [w for w in words if w.endswith("s") or w in PLURALS]
    return plural[-1] if plural and len(words) <= 3 else ""


NAME_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW")
COPULAS = frozenset({"is", "are", "was", "were", "'s", "’s"})
DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those"})
NUMBER_WORDS = frozenset(["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen"])
# what ends the noun phrase after "which/what": a preposition, a verb's auxiliary, a relative word
VERB_AUXILIARIES = frozenset(
    {"do", "does", "did", "has", "have", "had", "is", "are", "was", "were", "will", "would", "can", "could"}
    | {"should", "may", "might", "must", "shall"}
)
PHRASE_ENDS = frozenset(
    {"of", "in", "on", "at", "for", "to", "by", "with", "from", "per", "about", "over", "under", "into", "than"}
    | {"that", "which", "who", "whom", "whose", "when", "where", "as"}
    | VERB_AUXILIARIES
)


POSSESSIVE = ("'s", "’s", "s'", "s’")


PEOPLES = re.compile(r"\b(?:ethnic|religious|tribal)\s+(?:group|minority|community)\b", re.IGNORECASE)
MODALS = frozenset({"will", "would", "shall", "should", "could", "can", "may", "might", "must"})


def _phrase_after(wh: str, question: str) -> tuple[list[str], bool]:
    """The words (as written, punctuation stripped) after the first match of `wh`, without a copula right
    after it ("what is the price" -> "the price"), and whether there was one; ([], False) without a match."""
    match = re.search(rf"{wh}(.*)", question, re.IGNORECASE)
    if not match:
        return [], False
    words = [w for w in (w.strip('?,.;:!"“”') for w in match.group(1).split()) if w]
    if words and words[0].lower() in COPULAS:  # "what is the price", "what was Japan's surplus"
        return words[1:], True
    lowered = [w.lower() for w in words]
    if lowered[:1] and lowered[0] in MODALS and "be" in lowered[2:8]:  # "what will Japan's quota be in 1988"
        at = lowered.index("be", 2)
        return words[1:at] + words[at + 1 :], True
    return words, False


def after_possessor(words: list[str]) -> list[str]:
    """The words of a noun phrase after its possessor ("the Bank of Japan's discount rate" -> "discount
    rate"): the possessor's own nouns ("Bank") say nothing of what is asked. A possessor is a name (words as
    written, capitalised) after at most a determiner; "the share of Pakistan's imports" keeps its "share"."""
    for i, word in enumerate(words[:6]):
        if word.endswith(POSSESSIVE):
            return words[i + 1 :]
        if not (word[:1].isupper() or word.lower() in DETERMINERS or word.lower() in ("of", "and", "&")):
            break
    return words


YEAR_WORD = re.compile(r"(?:1[89]|20)\d\d(?:/\d\d)?")


def _kind_noun(question: str) -> str | None:
    """The noun that says what kind of thing "which/what ..." asks for: the first kind noun of the phrase
    after the wh-word, or the last of a run of them ("what are the estimated capital costs", "what fixed
    exchange rate"), or of the phrase after "the name of" ("what is the name of the company"). None when a
    verb's auxiliary follows the wh-word ("what did he offer") or when it counts ("which two figures"). The
    wh-word's own possessor names the kind ("which companies' stock" asks for companies)."""
    written, copula = _phrase_after(r"\b(?:which|what)\b", question)
    while written and YEAR_WORD.fullmatch(written[0]):
        written = written[1:]  # "what 1987 inflation forecast": the year says when, not how many
    if not copula and written and (written[0] in PHRASE_ENDS or written[0] in NUMBER_WORDS or written[0][:1].isdigit()):
        return None
    if not copula and written and written[0].islower() and written[0].endswith(POSSESSIVE):
        return _as_kind_noun(_bare_word(written[0]))  # "which companies' stock": companies
    phrase = after_possessor(written)
    words = [w.lower() for w in phrase]
    found: str | None = None
    for i, word in enumerate(words[:8]):
        if word in PHRASE_ENDS and not (i and phrase[i][:1].isupper()):  # "the New York May coffee price": a month
            if word == "of" and words[i - 1] in ("name", "names") and found is None:
                return _kind_noun("what " + " ".join(phrase[i + 1 :]))
            break
        if word in DETERMINERS or word.endswith(("'s", "’s", "s'")):  # a determiner or a possessor
            continue
        if i and phrase[i][:1].isupper() and phrase[i - 1][:1].isupper() and phrase[i - 1].lower() not in DETERMINERS:
            # "which Atlantic City hotel", "which State Department spokesman": words of a name; a role at the end
            # of the run is a title that says who is asked ("which Canadian Labor Minister")
            role = _as_kind_noun(word)
            found = role if role is not None and KIND_NOUNS[role] == PEOPLE else None
            continue
        kind = _as_kind_noun(word)
        if found is not None and kind is None and KIND_NOUNS[found] == TIMES:
            # "third quarter net profit": a time before a noun only says when; the noun after says what
            later = next((k for w in itertools.takewhile(lambda w: w not in PHRASE_ENDS, words[i : i + 3])
                          if (k := _as_kind_noun(w)) is not None), None)  # fmt: skip
            if later is not None:
                return later
        if found is not None and (kind is None or words[i - 1] != found):  # a plural ends the compound
            break
        if found is not None and i + 1 < len(words) and (words[i + 1] in DETERMINERS or _is_name(phrase[i + 1])):
            break  # "which bank heads Japan's syndicate": "heads" is the verb, its object follows
        found = kind or found
    return found


def _is_name(word: str) -> bool:
    """Is a word as written a name or a possessor ("Japan's")?"""
    return word[:1].isupper() or word.endswith(POSSESSIVE)


GENERIC_HEADS = frozenset(
    {"name", "names", "figure", "figures", "level", "amount", "number", "value", "total", "kind", "type", "size"}
)
# an amount of money says these without the word ("95 dlrs per share" is a price)
PRICES = frozenset({"price", "prices", "cost", "costs", "value", "worth", "sum", "pay", "salary"})
TYPED_KINDS = (PEOPLE, PLACES, TIMES, RATES, ORGS, frozenset({"NORP"}))


@lru_cache(maxsize=4096)
def asked_heads(question: str) -> frozenset[str]:
    """The stems of the noun the question asks the value of ("quota" in "what is Kuwait's OPEC production
    quota", "cash" in "how much cash", "interest" and "fee" in "what interest or fee"): a sentence that never
    names it gives another value. Not for "which X", where X is the kind of answer ("which mountain range":
    the Hindu Kush), not a value the sentence names. Generic heads ("the name of the field", "the value of
    the find") give the noun after "of". Nouns of a kind the answer's type already checks (a company, a
    date, a person, a percentage) are left out; so is everything when the phrase names no noun ("how much
    did", "what did") or where its end is unclear ("what miner won the contract": no preposition or
    auxiliary closes it)."""
    heads = _heads(" ".join(question.split()), nominal=False)
    kept = {h for h in heads if KIND_NOUNS.get(_as_kind_noun(h) or "") not in TYPED_KINDS and h not in PRICES}
    return frozenset(s for h in kept for word in (h, *_measured_by(h)) for s in stems(word))


def _measured_by(noun: str) -> tuple[str, ...]:
    """The unit a measure noun in "-age" counts in ("ton" for "tonnage", "mile" for "mileage", "acre" for
    "acreage"): a sentence giving "the 7,951 tonne ferry" names the tonnage asked."""
    if not noun.endswith("age") or len(noun) < 7:
        return ()
    root = noun[:-3]
    return (root[:-1],) if root[-1] == root[-2] else (root,)


PAYS = re.compile(
    r"\bhow much (?:did|does|do|is|are|was|were|will|would|could|can|has|have|had|should|might|must)\b.*"
    r"\b(?:pay|paid|paying|cost|costs|costing|charge|charged|charging|sell|sold|offer|offered|bid)\b"
    r"|\b(?:what|how (?:large|big|high)(?: is| was)?)(?: the| a| an)? (?:\w+ )?(?:price|cost|value|fee)s?\b",
    re.I,
)


# "how much copper did", "how much orange juice does": an amount of a thing, which a share of it is not
AMOUNT_OF = re.compile(
    r"\bhow much (?!(?:more|less|better|worse|higher|lower|longer|further|bigger|larger|smaller|of|per|a|an|in|on)\b)"
    r"([a-z]+(?: [a-z]+)?)"
    r"(?: (?:did|does|do|is|are|was|were|has|have|had|will|would|could|can|should|might|and)\b|\W*$)",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def asks_amount_of(question: str) -> bool:
    """Does the question ask how much of a thing there is, was made or was moved ("how much copper did the mine
    produce", "how much cash will it receive")? Then "70.5 pct" or "two-thirds" is a share of something, not
    the amount. Not for a rate ("how much interest rate", "how much growth") or a change ("how much more")."""
    found = AMOUNT_OF.search(" ".join(question.split()))
    if found is None:
        return False
    noun = found.group(1).lower().split()[-1]
    return KIND_NOUNS.get(_as_kind_noun(noun) or "") != RATES


@lru_cache(maxsize=4096)
def asks_price(question: str) -> bool:
    """Does the question ask for a sum of money: a price, cost or fee as the noun it asks the value of ("what
    price per share", "how large is the fee"), or what was paid ("how much did Disney pay")? Not "by how much
    did the consumer price index rise" or "what pay rise", where the word names something else."""
    written = " ".join(question.split())
    return bool(_heads(written, nominal=False) & (PRICES | {"fee", "fees"}) or PAYS.search(written))


def _heads(question: str, nominal: bool) -> frozenset[str]:
    words, copula = _phrase_after(r"\b(?:how (?:much|many)|what)\b", question)  # "which X": X is a kind
    nominal = nominal or copula  # "what is the quota": a noun phrase to the end
    words = after_possessor(words)
    run: list[str] = []
    closed = False
    for i, word in enumerate(words[:8]):
        lower = word.lower()
        if lower in PHRASE_ENDS:
            if lower == "of" and run and run[-1] in GENERIC_HEADS:
                return _heads("what " + " ".join(words[i + 1 :]), nominal=True)
            closed = True
            break
        if run and lower.endswith("ed") and not _modifies(words, i):  # "the miner killed in the fire"
            closed = True
            break
        if lower in DETERMINERS or lower.endswith(("'s", "’s", "s'")):
            continue
        run.append(lower if not word[:1].isupper() else "")  # a name is no head
    if len(run) > 1 and run[-1] in GENERIC_HEADS:  # "what net profit figure"
        run = run[:-1]
    if not run or not run[-1] or run[-1] in GENERIC_HEADS or not (closed or nominal):
        return frozenset()
    heads = {run[-1]}
    for i, word in enumerate(run[:-1]):  # "interest or fee": either will do
        if word and word not in ("or", "and") and run[i + 1] in ("or", "and"):
            heads.add(word)
    return frozenset(heads)


def _modifies(words: list[str], at: int) -> bool:
    """Is the "-ed" word at `at` a modifier of the noun after it ("seasonally adjusted unemployment total"),
    not a verb after the noun phrase ("the miner killed in the fire")? An adverb before it, or a noun after
    it, says so."""
    after = words[at + 1].lower() if at + 1 < len(words) else ""
    return words[at - 1].lower().endswith("ly") or bool(
        after
        and after not in PHRASE_ENDS
        and after not in DETERMINERS
        and not after[:1].isdigit()
        and not words[at + 1][:1].isupper()
        and after not in NOT_NAME_WORDS
    )


GENERIC_ROLES = frozenset(
    {"person", "man", "woman", "official", "head", "representative", "leader", "executive", "officer"}
    | {"actor", "actress", "singer", "player", "athlete", "author", "writer", "artist"}  # occupations, no offices
)


# "who heads / leads / chairs / negotiates for ...": what a person does for a body, never the body itself
LEADS = re.compile(
    r"\bwhom?(?:\s+(?:will|would|is|was|currently|now))*\s+(?:heads?|headed|heading|leads?|led|leading|chairs?|"
    r"chaired|chairing|negotiat\w+|represents?|represented|representing|commands?|commanded|commanding|presides?|"
    r"presided|presiding)\b",
    re.IGNORECASE,
)
# the role whose holder does what the verb says: "who chaired the talks" asks their chairman
ROLE_OF_VERB = {"chair": "chairman", "chairs": "chairman", "chaired": "chairman", "chairing": "chairman"} | {
    "command": "commander",
    "commands": "commander",
    "commanded": "commander",
    "commanding": "commander",
}
WHO_IS = re.compile(r"^whom? (?:is|was|are|were|will be|would be)\b")


def asks_holder(question: str) -> bool:
    """Does the question ask who holds a role, and nothing else ("who is Acme's chairman", "what is the name of
    the buffer stock manager")? "Which senator wrote the letters" asks who did something; the story may name
    him without the title."""
    written = " ".join(question.split()).lower()
    return bool(WHO_IS.match(written) or re.match(r"^what (?:is|was) the names? of\b", written))


AS_ROLE = re.compile(r"\bas (?:(?:the|its|their|his|her|a|an|new|acting|interim) )*([A-Za-z-]+)")


@lru_cache(maxsize=4096)
def asked_roles(question: str) -> frozenset[str]:
    """The role whose holder a question asks for ("which minister", "who is the chairman of", "who is Acme's
    chairman", "the name of the buffer stock manager"), as base-form stems: the person in the answer must be
    named with it. Empty for general words ("which official", "who is the leader") and for roles of others
    the question names."""
    written = " ".join(question.split())
    noun = _kind_noun(written)
    found = WHO_IS.match(written.lower())
    if noun is None and found is not None:
        rest = [w.lower() for w in after_possessor([w.strip("?,.;:!") for w in written[found.end() :].split()])]
        phrase = itertools.takewhile(lambda w: w not in PHRASE_ENDS, rest)
        noun = next((k for w in phrase if (k := _as_kind_noun(w)) and KIND_NOUNS[k] == PEOPLE), None)
    doing = LEADS.search(written)  # "who chaired the conference": its chairman
    if noun is None and doing is not None:
        noun = next((role for verb, role in ROLE_OF_VERB.items() if doing.group(0).lower().endswith(verb)), None)
    taken_up = AS_ROLE.search(written)  # "whom did the conference appoint as secretary general"
    if noun is None and taken_up is not None and re.match(r"whom?\b", written, re.IGNORECASE):
        noun = _as_kind_noun(taken_up.group(1).lower())
    if noun is None or KIND_NOUNS.get(noun) != PEOPLE or noun in GENERIC_ROLES:
        return frozenset()
    return frozenset(base_form(s) for s in stems(noun))


NAMED_KINDS = frozenset(NAME_LABELS) | {"NORP"}
OBJECT_STARTS = DETERMINERS | PHRASE_ENDS | {"our", "my", "your"}


@lru_cache(maxsize=4096)
def asked_thing(question: str) -> str:
    """The noun naming what a question asks to be named, as written: "lines" in "which shipping lines
    ordered ...", "suitors" in "which other suitors was ...", "mediator" in "who was appointed mediator",
    "chairman" in "who is Chrysler's chairman", "miner" in "what was the name of the miner killed". A
    sentence that speaks of it only as one unnamed ("several shipping lines", "a mediator") does not say
    which. "" when the question asks for an amount, a date or a place, or names no such noun ("who killed",
    "what did he say")."""
    written = " ".join(question.split())
    ask = wanted(written)
    if ask.polar or ask.reason or (ask.prefer and not set(ask.prefer) <= NAMED_KINDS):
        return ""
    lead = re.search(r"\b(who|which|what)\b", written, re.IGNORECASE)
    if lead is None:
        return ""
    words, copula = _phrase_after(rf"\b{lead.group(1)}\b", written)
    if lead.group(1).lower() == "who":
        if not copula:
            return ""  # "who killed ...": a verb, not a role
        passive = list(itertools.dropwhile(lambda w: w.lower().endswith("ed"), words))  # "who was appointed mediator"
        if passive != words and passive[:1] and passive[0].lower() in DETERMINERS:
            return ""  # "who was awarded the prize": what was given, not a role
        words = passive
    elif copula:
        lowered = [w.lower() for w in words]
        if lowered[:1] in (["name"], ["names"]) or lowered[1:2] in (["name"], ["names"]):
            at = lowered.index("of") + 1 if "of" in lowered[:4] else len(words)
            words = words[at:]  # "what was the name of the miner killed"
        else:
            return ""  # "what is Kenya's largest market": a value the sentence names
    phrase = after_possessor(words)
    if lead.group(1).lower() != "who" and len(phrase) < len(words):
        return ""  # "which city's court", "which OPEC committee's meeting": the possessor is what is asked
    run: list[str] = []
    for at, word in enumerate(phrase[:8]):
        low = word.lower()
        leading = low in DETERMINERS or low in NUMBER_WORDS or low in ("other", "another")
        if not run and (leading or _is_name(word) or not low.isalpha()):
            continue  # "which other suitors", "which EC products", "what 1987 forecast"
        acronym = word.isupper() and word.isalpha()  # "the new CEO"
        if low in PHRASE_ENDS or low in DETERMINERS or (word[:1].isupper() and not acronym) or not low.isalpha():
            break
        following = phrase[at + 1] if at + 1 < len(phrase) else ""
        if run and low.endswith(("ed", "ing")) and (following.lower() in OBJECT_STARTS or _is_name(following)):
            break  # a verb and its object: "which shipping lines ordered their ...", "the conciliator handling the"
        if low.endswith("ly"):
            return ""  # "what reportedly happened": a verb follows, no noun
        run.append(low)
    if not run:
        return ""
    plural = [w for w in run if w.endswith("s") and not w.endswith("ss") and len(w) > 3]
    if plural:
        return plural[0]  # a plural noun is the phrase's head ("which officers bought")
    return ask.noun if ask.noun in run else run[-1]


TITLE_PREFIXES = frozenset({"vice", "co", "deputy", "ex", "acting", "sub", "under", "assistant"})


def _bare_word(word: str) -> str:
    """A word without the punctuation around it and its possessive ending: "secretary" of "secretary?"."""
    word = word.strip('?,.;:!"()')
    for ending in POSSESSIVE:
        if word.endswith(ending):
            return word[: -len(ending)] + ("s" if ending in ("s'", "s’") else "")
    return word


def _as_kind_noun(word: str) -> str | None:
    first, _, last = word.partition("-")
    if first in TITLE_PREFIXES:  # "vice-president", "co-founder": the rest names the kind
        word = last
    for form in (word, word[:-3] + "y" if word.endswith("ies") else "", word[:-1] if word.endswith("s") else ""):
        if form in KIND_NOUNS:
            return form
    return None


PRONOUN = re.compile(r"\b(it|its|he|his|him|she|her|they|their|them)\b", re.IGNORECASE)
POSSESSIVE_PRONOUNS = frozenset({"its", "his", "her", "their"})
IT_IS = re.compile(r"\b(?:was|is|were|are|will be) it\b", re.IGNORECASE)
TIME_WORDS = frozenset({"last", "this", "next", "previous", "earlier", "later"})


def carry_over(second: str, first: str, names: Sequence[str], answer: str = "") -> str:
    """The second part of a two-part question with its pronoun replaced by what it stands for in the first:
    "what was it a year earlier?" after "What was BHP's third quarter net profit to February 1987?" asks
    "what was BHP's third quarter net profit a year earlier?"; "which country is he from?" after "Who ...?"
    asks where its answer (`answer`) is from, and so does "which other country was he visiting" after "Which
    British minister went to Tokyo?"; otherwise the pronoun is the first part's first name (`names`):
    "how many new jobs will it create?" after "Where is GenCorp building its plant?"."""
    found = PRONOUN.search(second)
    if found is None:
        return second
    if IT_IS.search(second) and (phrase := _value_phrase(first)):
        return second[: found.start()] + phrase + second[found.end() :]
    person = found.group(1).lower() in ("he", "his", "him", "she", "her")
    stands_for = answer if person and answer and "PERSON" in wanted(first).labels else ""
    stands_for = stands_for or (names[0] if names else "")
    if not stands_for:
        return second
    if found.group(1).lower() in POSSESSIVE_PRONOUNS:
        stands_for += "'s"
    return second[: found.start()] + stands_for + second[found.end() :]


def _value_phrase(first: str) -> str:
    """The noun phrase whose value "what was ..." asks, without its time ("BHP's third quarter net profit")."""
    words, copula = _phrase_after(r"\bwhat\b", " ".join(first.split()))
    if not copula:
        return ""
    kept = list(
        itertools.takewhile(
            lambda w: w.lower() not in PHRASE_ENDS and w.lower() not in TIME_WORDS and not YEAR.fullmatch(w), words
        )
    )
    return " ".join(kept)


def parts(question: str) -> list[str]:
    """A question that asks two things ("When ..., and what prompted it?", "When and where will they meet?")
    as its two parts; else itself. A first part with no verb of its own takes the second's ("How much corn
    and how much wheat did the Soviets buy?": "How much corn did the Soviets buy?")."""
    paired = WH_PAIR.match(question.strip())
    if paired is not None:
        rest = paired.group("rest")
        return [f"{paired.group('a')} {rest}", f"{paired.group('b')} {rest}"]
    match = PART_SPLIT.match(question.strip())
    if not match or len(match.group("first").split()) < 3 or len(match.group("second").split()) < 3:
        return [question]
    first, second = match.group("first").rstrip(" ,?"), match.group("second")
    words = first.lower().split()
    predicate = re.search(rf"\s(?:{'|'.join(VERB_AUXILIARIES)})\s.*$", second, re.IGNORECASE)
    bare = len(words) <= BARE_PHRASE and not set(words) & VERB_AUXILIARIES  # a wh-phrase and nothing more
    if predicate is not None and bare and words[0] in ("how", "what", "which"):
        return [first + predicate.group(0), second]
    # "..., and for how much cash?": a second part that is only a wh-phrase takes the first's predicate
    later = second.rstrip(" ?").split()
    taken = re.search(rf"\s(?:{'|'.join(VERB_AUXILIARIES)})\s.*$", first, re.IGNORECASE) or re.search(
        r"^(?:who|what|which)(\s.*)$", first, re.IGNORECASE
    )  # "Who agreed to buy X, and at what price?": "at what price agreed to buy X?"
    led = later[0].lower() in PREPOSITION_LEADS  # "for how much cash", "at what price": no verb of its own
    if taken is not None and led and len(later) <= BARE_PHRASE and not {w.lower() for w in later} & VERB_AUXILIARIES:
        return [f"{first}?", f"{' '.join(later)}{taken.group(taken.lastindex or 0)}?"]
    return [f"{first}?", second]


# the preposition the wh-phrase stands after: "to what level were rates cut", "at what rate did it quote the
# won", "what level were rates cut to"; its answer stands after the same one ("cut to 10 pct")
PREPOSITIONS = "to|at|in|on|by|from|for|under|along|into|against|through|since|until|with"
LEADING_PREPOSITION = re.compile(
    rf"^(?:[^,]+,\s+)?({PREPOSITIONS})\s+(?:what|which|whom|how\s+much|how\s+many)\b", re.IGNORECASE
)
TRAILING_PREPOSITION = re.compile(rf"^(?:what|which)\b[^,]*\s({PREPOSITIONS})\s*\?$", re.IGNORECASE)


def asked_preposition(question: str) -> str:
    """The preposition a question puts before (or, at its end, after) what it asks; "" for none."""
    found = LEADING_PREPOSITION.match(question.strip()) or TRAILING_PREPOSITION.match(question.strip())
    return found.group(1).lower() if found else ""


# words of a first part that is only a wh-phrase ("How much U.S. corn"); a longer one has a verb of its own
# ("Which company bought Allied-Signal's MPB Corp unit")
BARE_PHRASE = 5

# "When and where will they meet?": two questions with one predicate
WH_PAIR = re.compile(
    r"^(?P<a>when|where|who|why|how\s+much|how\s+many)\s+and\s+(?P<b>when|where|who|why|how\s+much|how\s+many)\s+"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def times_in(text: str) -> frozenset[str]:
    """Days ("mar-18"), months ("mar"), years ("1987"; "1986/87" gives both, and the split year "fy1987"),
    quarters ("q1"; "qe-dec" for "the quarter ended December 31"), halves ("h1"), the first months of a year
    ("m9" for "the first nine months"), a year of something ("y2" for "the second year of the accord")
    and days of the week ("sunday": news says "on Sunday" of this week's events) a text names."""
    out: set[str] = set()
    for m in MONTH.finditer(text):
        if not _is_month(m, text):
            continue
        month = m.group(1)[:3].lower()
        out.add(month)
        day = re.match(r"\s*(\d{1,2})(?:st|nd|rd|th)?\b(?![.,]?\d)", text[m.end() :])  # "March 18", "March 18, 1987"
        day = day or re.search(
            r"\b(\d{1,2})(?:st|nd|rd|th)?\s+$", text[max(0, m.start() - 6) : m.start()]
        )  # "18 March"
        if day and 1 <= int(day.group(1)) <= 31:
            out.add(f"{month}-{int(day.group(1))}")
    for m in ISO_DATE.finditer(text):
        if 1 <= int(m.group(2)) <= 12:
            out |= {MONTHS[int(m.group(2)) - 1], f"{MONTHS[int(m.group(2)) - 1]}-{int(m.group(0)[-2:])}"}
    for m in YEAR.finditer(text):
        out.add(m.group(1))
        if m.group(2):
            first = int(m.group(1))
            last = first - first % 100 + int(m.group(2)) + (100 if int(m.group(2)) < first % 100 else 0)
            out |= {str(last), f"fy{last}"}  # a split year is also a year of its own: 1986/87 is not 1985/86
    for m in QUARTER.finditer(text):
        out.add(_QUARTERS[m.group(1).lower()] if m.group(1) else f"q{m.group(2)}")
    for m in QUARTER_END.finditer(text):
        out.add(f"qe-{(m.group(1) or m.group(2))[:3].lower()}")
    out |= {f"h{ORDINALS[m.group(1).lower()]}" for m in HALF.finditer(text)}
    out |= {f"m{MONTH_COUNTS[m.group(1).lower()]}" for m in MONTHS_RUN.finditer(text)}
    out |= {f"y{ORDINALS[m.group(1).lower()]}" for m in NTH_YEAR.finditer(text)}
    out |= {m.group(0).lower() for m in WEEKDAY.finditer(text)}
    return frozenset(out)


RELATIVE = re.compile(
    r"\b(?:(last|this|next|previous|coming|current)\s+(year|month)|(?:a\s+)?(year|month)(?:-|\s+)(?:ago|earlier))\b",
    re.IGNORECASE,
)
_SHIFT = {"last": -1, "previous": -1, "this": 0, "current": 0, "next": 1, "coming": 1}
# "last summer": the latest one that had ended by the article's date (its last month, from 1)
SEASON_AWAY = re.compile(r"\b(last|this|next)\s+(spring|summer|autumn|fall)\b", re.IGNORECASE)
_SEASON_ENDS = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11}
# "next March", "last September": the month's year follows from the article's date
MONTH_AWAY = re.compile(rf"\b(last|next)\s+{MONTH.pattern[2:]}", re.IGNORECASE)


def names_relative_time(text: str) -> bool:
    """Does the text name a time relative to when it was written ("last year", "next March")?"""
    return any(p.search(text) for p in (RELATIVE, SEASON_AWAY, MONTH_AWAY))


@lru_cache(maxsize=4096)
def relative_times(text: str, dated: str | None) -> frozenset[str]:
    """The years and months that "last year", "this month", "a year ago" name in a text dated `dated`
    (an ISO date): the article's own date is the anchor. Nothing without a date."""
    anchor = ISO_DATE.search(dated or "")
    if anchor is None:
        return frozenset()
    year, month = int(anchor.group(1)), int(anchor.group(2)) - 1
    out: set[str] = set()
    for m in RELATIVE.finditer(text):
        shift, unit = (_SHIFT[m.group(1).lower()], m.group(2).lower()) if m.group(1) else (-1, m.group(3).lower())
        if unit == "year":
            out.add(str(year + shift))
        elif 0 <= month <= 11:  # "last month" in a story of March 1987 is February 1987
            out.add(MONTHS[(month + shift) % 12])
            out.add(str(year + (month + shift) // 12))
    for m in SEASON_AWAY.finditer(text):
        ends, which = _SEASON_ENDS[m.group(2).lower()], m.group(1).lower()
        if which == "last":
            out.add(str(year if month + 1 > ends else year - 1))
        else:
            out.add(str(year + (which == "next" and month + 1 > ends - 3)))
    for m in MONTH_AWAY.finditer(text):
        named = MONTHS.index(m.group(2)[:3].lower())
        if m.group(1).lower() == "next":
            out.add(str(year + (named <= month)))
        else:
            out.add(str(year - (named >= month)))
    return frozenset(out)


def compared_times(text: str, dated: str | None) -> frozenset[str]:
    """The story's own year (and month) when the text compares its figures with "a year ago" or "a month
    earlier": "122 ships at end-May against 233 a year ago" gives this year's figure first."""
    anchor = ISO_DATE.search(dated or "")
    if anchor is None:
        return frozenset()
    out: set[str] = set()
    for m in RELATIVE.finditer(text):
        if m.group(3):
            out.add(anchor.group(1))
            if m.group(3).lower() == "month":
                out.add(MONTHS[int(anchor.group(2)) - 1])
    return frozenset(out)


def _is_month(match: re.Match[str], text: str) -> bool:
    """ "May" and "March" are months unless they are plainly the verb ("may rise") or a name's part."""
    word = match.group(1)
    before = text[: match.start()].rstrip()
    if word.lower() == "may":
        previous = re.search(r"\b([A-Z][a-z]+)$", before)  # "Theresa May", not "In May"
        after_name = previous is not None and previous.group(1).lower() not in NOT_NAME_WORDS | DATE_LEADS
        return word[0].isupper() and bool(before) and not before.endswith((".", "?")) and not after_name
    if word.lower() in ("mar", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "jan", "feb", "apr"):
        return word[0].isupper()
    return word[0].isupper() or word.lower() in ("january", "february", "september", "october", "november", "december")


def time_kind(value: str) -> str:
    if value.startswith("qe-"):
        return "quarter end"
    if "-" in value:
        return "day"
    if value.endswith("day"):
        return "weekday"
    if value.startswith("fy"):
        return "split year"
    if value in MONTHS:
        return "month"
    return {"q": "quarter", "h": "half", "m": "months", "y": "nth year"}.get(value[0], "year")


ORG_KINDS = frozenset(w for w, kinds in KIND_NOUNS.items() if kinds == ORGS)


# a two-letter title-case abbreviation that begins a name: "Mt", "St", "Ft", "Mr", "Dr"
SHORT_PREFIX = re.compile(r"[A-Z][a-z]")


def entities_in(question: str, known: Mapping[str, str]) -> list[tuple[str, str]]:
    """The named entities of a question, longest first: word runs the corpus knows as entities (with the
    label spaCy gave them there), and capitalised runs it does not know (label "")."""
    words = [w.strip(".,?!;:’'\"") for w in WORD.findall(question)]
    words = [w.removesuffix("’s").removesuffix("'s") for w in words]
    used = [False] * len(words)
    found: list[tuple[str, str]] = []
    # a body named for what it is "of" ("Bank of New Zealand", "Department of Transportation"): one name, an
    # organisation's, though its place is a name of its own
    for i in range(1, len(words) - 2):
        if words[i] == "of" and words[i - 1].lower() in ORG_KINDS and words[i - 1][:1].isupper():
            start = end = i
            while start > 1 and words[start - 1][:1].isupper():  # not the question's first word
                start -= 1
            while end + 1 < len(words) and (words[end + 1][:1].isupper() or words[end + 1] == "of"):
                end += 1
            while words[end] == "of":
                end -= 1
            if end > i and not any(used[start : end + 1]):
                name = " ".join(words[start : end + 1])
                found.append((name, known.get(name.lower(), "ORG")))
                used[start : end + 1] = [True] * (end + 1 - start)
    for size in range(min(6, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            if any(used[i : i + size]):
                continue
            span = words[i : i + size]
            abbreviation = span[0].replace(".", "").isupper() and len(span[0]) > 1  # "U.S.", "US": no pronoun
            if not span[0][:1].isupper() or (
                size == 1 and ((span[0].lower() in NOT_NAME_WORDS and not abbreviation) or len(span[0]) < 2)
            ):
                continue
            key = " ".join(span).lower()
            label = known.get(key)
            if label is not None and label in NAMED:
                # a short title-case word before it is the name's own ("Mt Lyell", "St Helens", "Dr Kaul")
                before = words[i - 1] if i > 1 and not used[i - 1] else ""
                prefix = SHORT_PREFIX.fullmatch(before) is not None and before.lower() not in stopwords()
                found.append((" ".join(words[i - prefix : i + size]), label))
                used[i - prefix : i + size] = [True] * (size + prefix)
    # capitalised words the corpus does not know as entities, not the question's first word
    run: list[str] = []
    for i, word in enumerate([*words, ""]):
        capitalised = i and i < len(words) and not used[i] and word[:1].isupper()
        if capitalised and word.lower() not in NOT_NAME_WORDS and not MONTH.fullmatch(word):
            run.append(word)
            continue
        if run and len("".join(run)) > 1:  # not a lone initial ("S." of "S. and W. Berisford")
            found.append((" ".join(run), ""))
        run = []
    return found


def subjects(question: str, entities: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The question's entities that its answer is about: the subject after the auxiliary ("how much did
    Chrysler pay", "what share does the U.S. pay") and possessors ("Kuwait's quota", "Japan's delegation").
    An answer about another company or country than these answers another question."""
    return _placed(question, entities, VERB_AUXILIARIES, possessors=True)


ACTIVE_AUXILIARIES = VERB_AUXILIARIES - COPULAS


def actors(question: str, entities: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The question's entities that do what its verb says: the subject after an auxiliary of the active
    voice ("by how much did AT&T raise", "what will Venezuela charge"), not after "was" ("when was GPT-3
    released": GPT-3 is what was released) and not a possessor."""
    return _placed(question, entities, ACTIVE_AUXILIARIES, possessors=False)


def _placed(
    question: str, entities: Iterable[tuple[str, str]], auxiliaries: frozenset[str], possessors: bool
) -> list[tuple[str, str]]:
    """The entities that stand right after one of the auxiliaries ("the" between), or, with `possessors`,
    before "'s"."""
    found = []
    written = " ".join(question.split())
    lower = written.lower()
    entities = list(entities)
    for name, label in entities:
        for match in re.finditer(rf"(?<![\w.]){re.escape(name.lower())}(?![\w])", lower):
            before = lower[: match.start()].split()
            if before and before[-1] == "the":
                before = before[:-1]
            possessor = possessors and lower[match.end() : match.end() + 2] in ("'s", "’s")
            if possessor or (before and before[-1] in auxiliaries):
                found.append(_titled_after(written, match.end(), entities) or (name, label))
                break
    return list(dict.fromkeys(found))


def _titled_after(question: str, end: int, entities: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """The name a title joins to the one ending at `end`: "Timothy Pettee" in "did Bear Stearns analyst Timothy
    Pettee consider", where the phrase is about the analyst and the firm only says whose."""
    title = re.match(r"\s+((?:[a-z][\w-]*\s+){1,3})", question[end:])
    if title is None or not any(KIND_NOUNS.get(_as_kind_noun(w) or "") == PEOPLE for w in title.group(1).split()):
        return None
    rest = question[end + title.end() :]
    return next((pair for pair in entities if rest.startswith(pair[0])), None)


def entity_lexicon(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased entity text -> the label spaCy gave it most often in the corpus."""
    counts: dict[str, dict[str, int]] = {}
    count_entities(pairs, counts)
    return lexicon_of(counts)


def count_entities(pairs: Iterable[tuple[str, str]], counts: dict[str, dict[str, int]]) -> None:
    """Add (entity text, label) pairs to the counts of each label per lower-cased entity text."""
    for text, label in pairs:
        key = " ".join(w.strip(".,?!;:’'\"") for w in text.split()).lower()
        by_label = counts.setdefault(key, {})
        by_label[label] = by_label.get(label, 0) + 1


def lexicon_of(counts: dict[str, dict[str, int]]) -> dict[str, str]:
    """Each entity text's most frequent label (the first counted, on a tie)."""
    return {key: max(labels, key=lambda label: labels[label]) for key, labels in counts.items()}


@dataclass(frozen=True)
class QuestionInfo:
    text: str
    wants: str | None  # "name" | "number" | "date" | None
    polar: bool  # a yes/no question ("Did ...?", "Is ...?")
    terms: tuple[str, ...]  # stemmed content words

    @cached_property
    def numbers(self) -> tuple[str, ...]:
        """Terms with digits (years, ordinals, seasons): facts of another year do not answer."""
        return tuple(t for t in self.terms if any(ch.isdigit() for ch in t))

    @cached_property
    def asked(self) -> frozenset[str]:
        """The question's words, lower-cased: a name the question gives is not an answer to it."""
        return asked_words(self.text)

    @cached_property
    def focus(self) -> frozenset[str]:
        """The terms other than the words of names the question gives ("born" in "When was Ahmad
        Massoud born?"), or all of them when there are no others."""
        named = {s for name in names_in(self.text) for s in stems(name)}
        return frozenset(t for t in self.terms if t not in named) or frozenset(self.terms)

    @property
    def contestable(self) -> bool:
        """Could sources disagree on the answer: any yes/no question (whether they do is for the evidence to
        show: a claim and a denial of it both near the top)."""
        return self.polar


def analyse(question: str) -> QuestionInfo:
    q = question.strip().lower()
    first = q.split(" ", 1)[0] if q else ""
    wants: str | None = None
    if re.search(
        r"\bhow (?:many|much|long|old|far|large|big|tall|high|wide|deep)\b|\bwhat (?:number|percentage|share)\b", q
    ) or re.search(
        r"\b(?:(?:population|size|area|number|percentage|age|height|length|cost|budget|death toll) of|revenue|"
        r"price|salary|profit|sales|attendance|turnover)\b",
        q,
    ):
        wants = "number"
    elif re.search(r"^(?:\w+\s)?when\b|\b(?:what|which) (?:day|date|year|month|time|weekday|night)\b", q) or re.search(
        r"^(?:what|which)\s+(?:\w+\s+){0,3}(?:date|day|year)\b(?!['’]s)", q
    ):
        wants = "date"
    elif (
        re.search(r"\bwho\b|\bwhom\b|\bwhose\b|\bwhich (?:person|man|woman|leader|group|country)\b", q)
        or re.search(r"\b(?:name|capital|president|leader|head|mayor|governor|spokes(?:man|person|woman)) of\b", q)
        or re.search(
            r"^(?:which|what) (?!day|date|year|month|time|weekday|night|kind|sort|type|word)\w+ (?:\w+ )?"
            r"(?:won|is|was|are|were|did|has|had|will)\b",
            q,
        )
        or re.search(r"\bwhich (?:country|city|province|place|valley|district|outlet|agency)\b", q)
    ):
        wants = "name"
    polar = first in {"did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "can", "could", "will"}
    polar = polar or bool(re.match(r"^(?:is it true|true or false|really)\b", q))
    return QuestionInfo(text=question, wants=wants, polar=polar, terms=tuple(dict.fromkeys(stems(question))))
