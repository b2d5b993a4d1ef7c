"""The word lists of qabot's language rules, in one place: question words, stop words, months, number
words, the kinds of things questions ask for, and the words that make an event contestable."""

from __future__ import annotations

from functools import lru_cache

QUESTION_WORDS = {
    "who", "whom", "whose", "what", "which", "when", "where", "why", "how", "many", "much", "did", "does",
    "do", "is", "are", "was", "were", "has", "have", "had", "can", "could", "will", "would", "should",
    "tell", "me", "please", "according", "article", "articles", "say", "said", "says", "mention", "mentioned",
    "name", "named", "kind", "happened", "happen",
}  # fmt: skip


MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)


DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"


NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"hundreds|thousand|thousands|million|millions|dozens?|several|decade|decades)"
)


# Questions about an event whose reports can be contested (stems, as `stems` returns them).
CONTESTED = frozenset(
    {"claim", "control", "take", "taken", "took", "fall", "fell", "fallen", "win", "won", "victori", "defeat",
     "true", "happen", "kill", "dead", "over", "end", "lost", "lose", "hold", "held", "now"}
)  # fmt: skip


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS) | QUESTION_WORDS


NUMBER_NAMES = (
    ("zero", "zeroth"), ("one", "first"), ("two", "second"), ("three", "third"), ("four", "fourth"),
    ("five", "fifth"), ("six", "sixth"), ("seven", "seventh"), ("eight", "eighth"), ("nine", "ninth"),
    ("ten", "tenth"), ("eleven", "eleventh"), ("twelve", "twelfth"), ("thirteen", "thirteenth"),
    ("fourteen", "fourteenth"), ("fifteen", "fifteenth"), ("sixteen", "sixteenth"), ("seventeen", "seventeenth"),
    ("eighteen", "eighteenth"), ("nineteen", "nineteenth"), ("twenty", "twentieth"),
)  # fmt: skip


# Words that start a question or sentence rather than a name ("Who", "The", "According"), for follow-ups.
SENTENCE_STARTERS = frozenset({
    "who", "whom", "whose", "what", "which", "when", "where", "why", "how", "did", "does", "do", "is", "are",
    "was", "were", "has", "have", "had", "can", "could", "will", "would", "and", "but", "tell", "according",
    "the", "a", "an", "in", "on", "about", "after", "before", "during", "for", "from", "since", "said",
})  # fmt: skip


# Entity labels (spaCy's) that answer the kinds of question
PEOPLE = frozenset({"PERSON"})
AGENTS = frozenset({"PERSON", "ORG", "NORP"})
PLACES = frozenset({"GPE", "LOC", "FAC"})
ORGS = frozenset({"ORG"})
TIMES = frozenset({"DATE", "TIME"})
AMOUNTS = frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"})
COUNTS = frozenset({"CARDINAL", "QUANTITY", "MONEY"})
NUMBERS = ("MONEY", "CARDINAL", "QUANTITY", "PERCENT")  # Reuters' "2.9 pct" is no PERCENT to the parser
RATES = frozenset({"PERCENT"})
LABEL_ORDER = (
    *("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "WORK_OF_ART", "DATE", "TIME", "MONEY", "PERCENT"),
    *("QUANTITY", "CARDINAL"),
    "ROLE",  # no parser's label: a role named beside a person ("the former vice president, Amrullah Saleh")
    "KIN",  # nor this: how two people are related ("General Wudod was the nephew of ... Ahmad Massoud")
)
NAMED = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})

# nouns that name the kind of thing asked for: "which company", "what price", "the name of the bank"
KIND_NOUNS: dict[str, frozenset[str]] = {}


def _kinds(words: str, labels: frozenset[str]) -> None:
    KIND_NOUNS.update(dict.fromkeys(words.split(), labels))


_kinds(
    "person man woman official executive minister president chairman spokesman spokeswoman analyst leader director "
    "head chief governor secretary economist trader dealer banker manager commander founder senator congressman "
    "undersecretary representative counsel lawyer judge ambassador mayor treasurer spokesperson envoy "
    "negotiator chancellor premier president-elect king queen prince officer commissioner delegate actor actress "
    "singer player athlete coach author writer artist mediator captain miner pilot farmer soldier victim passenger",
    PEOPLE,
)
_kinds(
    "company firm bank group agency party organisation organization corporation unit subsidiary airline carrier maker "
    "producer exchange newspaper outlet union association broker insurer investor bidder buyer seller partner team "
    "ministry department authority board council commission institute university court tribunal body panel "
    "committee federation foundation fund agency regulator watchdog chipmaker automaker carmaker retailer lender "
    "refiner supplier exporter importer shipper manufacturer publisher operator utility brokerage chain publication "
    "magazine journal newsletter",
    ORGS,
)
_kinds(
    "country city state nation province region town capital port village district island area valley river "
    "mountain mountains sea ocean lake coast county suburb field mine refinery plant site facility hotel casino "
    "station airport stadium",
    PLACES,
)
# places only a name beside the noun answers for: "the Grangemouth refinery", "the Bongkot field"; the country
# or town it stands in is no name of one
FACILITIES = frozenset(
    {"field", "mine", "refinery", "plant", "site", "facility", "hotel", "casino", "station", "airport", "stadium"}
)
_kinds("nationality", frozenset({"NORP"}))
_kinds("army militia", frozenset({"ORG", "NORP"}))
_kinds("movie film book song album novel", frozenset({"WORK_OF_ART"}))
_kinds("position office title post job", frozenset({"ROLE"}))  # the role a person holds: "vice president"
_kinds("relationship relation kinship", frozenset({"KIN"}))  # how two people are related: "nephew"
_kinds(
    "date day month year time week quarter period night morning evening weekday hour decade season term duration "
    "maturity",
    TIMES,
)
_kinds(
    "price cost value amount sum fee salary pay revenue revenues sales profit profits loss losses income earnings "
    "dividend budget debt deficit surplus worth fine loan bid offer output production exports imports reserves "
    "figure level volume capacity target quota forecast estimate unemployment employment wage wages bonus bonuses "
    "rebate subsidy subsidies tariff tariffs duty duties premium turnover assets spending payment payments balance "
    "rise increase fall decline drop gain tonnage weight length height depth width distance area speed thrust",
    frozenset({"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),
)
_kinds("percentage percent share rate proportion stake growth inflation", frozenset({"PERCENT"}))
_kinds(
    "number total count population size toll turnout attendance vote margin tally", frozenset({"CARDINAL", "QUANTITY"})
)

DATE_LEADS = frozenset(
    [
        "since",
        "until",
        "till",
        "by",
        "before",
        "after",
        "during",
        "last",
        "next",
        "early",
        "late",
        "mid",
        "from",
        "through",
    ]
)
AUXILIARIES = frozenset(
    [
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "is",
        "are",
        "was",
        "were",
        "will",
        "would",
        "can",
        "could",
        "should",
        "of",
        "in",
    ]
)
# kinds of institution a name says it is by its head word ("Fuji Bank", "the Finance Ministry", "the Standstill
# Coordinating Committee"): names of one group may answer for each other ("which agency": "the Federal Trade
# Commission", "which company": "Fuji Bank"), names of another group may not ("which bank": no committee or
# ministry; "which chipmakers": not the Treasury)
INSTITUTIONS = (
    frozenset({"company", "firm", "corporation", "chipmaker", "carmaker", "automaker", "maker", "manufacturer",
               "producer", "refiner", "retailer", "insurer", "publisher", "brokerage", "broker", "shipper", "operator",
               "utility", "airline", "airlines", "bank", "fund", "exchange", "newspaper", "magazine", "agency"}),
    frozenset({"agency", "authority", "commission", "board", "department", "ministry", "panel", "committee",
               "council", "tribunal", "court", "office", "bureau", "treasury", "government", "administration"}),
    frozenset({"union", "federation", "association", "council", "confederation", "guild"}),
    frozenset({"university", "institute", "college", "school", "foundation"}),
    frozenset({"party"}),
    frozenset({"newspaper", "magazine", "journal"}),
)  # fmt: skip
# what a count of people in work is of, in any of its words: "how many jobs" is answered by "its workforce was
# cut by 11,000", "how many employees" by "it will lay off 500 workers"
HEADCOUNT = frozenset(
    {"job", "jobs", "worker", "workers", "employee", "employees", "staff", "workforce", "personnel", "payroll", "post",
     "posts", "position", "positions", "people"}
)  # fmt: skip
# the end of a sentence inside a text, as a pattern: a full stop, "!" or "?" and a space; not the stop of an
# initial or an abbreviation ("U.S. oranges", "Texaco Inc. said", "Mr. Baker"), which continues the sentence
SENTENCE_END = (
    r"(?:(?<!\b[A-Z])(?<!\b(?:Mr|Dr|St|Co|Jr|Sr|No))(?<!\b(?:Mrs|Inc|Ltd|Bhd|Cie|Rep|Sen|Gen))(?<!\bCorp)\.|[!?])\s"
)
# words that are never part of a name in a question ("Who", "U.S" is kept whole by the corpus lexicon)
NOT_NAME_WORDS = frozenset({
    "who", "whom", "whose", "what", "which", "when", "where", "why", "how", "did", "does", "do", "is", "are", "was",
    "were", "has", "have", "had", "can", "could", "will", "would", "should", "the", "a", "an", "in", "on", "of", "for",
    "and", "or", "to", "by", "at", "from", "with", "as", "its", "it", "his", "her", "their", "i", "u.s", "us", "mr",
    "mrs", "ms",
})  # fmt: skip

# irregular past forms of verbs news uses, by their base ("was led by", "bought", "taken"); words that are also
# other words ("left", "found", "won", "lost") are left out
IRREGULAR = {
    "led": "lead", "taken": "take", "took": "take", "bought": "buy", "sold": "sell", "paid": "pay", "made": "make",
    "held": "hold", "shot": "shoot", "struck": "strike", "built": "build", "chosen": "choose", "chose": "choose",
    "given": "give", "gave": "give", "brought": "bring", "caught": "catch", "fought": "fight", "kept": "keep",
    "met": "meet", "sent": "send", "spent": "spend", "stolen": "steal", "thrown": "throw", "written": "write",
    "wrote": "write", "driven": "drive", "drove": "drive", "begun": "begin", "began": "begin", "shown": "show",
    "overran": "overrun", "seen": "see", "saw": "see", "told": "tell", "said": "say", "sought": "seek",
    "taught": "teach", "thought": "think", "withdrew": "withdraw", "withdrawn": "withdraw", "rose": "rise",
    "risen": "rise", "fell": "fall", "fallen": "fall", "grew": "grow", "grown": "grow",
}  # fmt: skip

# countries news names by their initials, and what else it calls them
INITIALS = {"u.s": ("united states", "american"), "u.k": ("united kingdom", "britain", "british")}
INITIALS |= {key.replace(".", ""): names for key, names in INITIALS.items()}

# countries and the adjectives news uses for them where the adjective does not begin with the name
# ("Japanese" begins with "Japan" and needs no entry): a story on "French unemployment" is about France
DEMONYMS: dict[str, tuple[str, ...]] = {
    "france": ("french",), "britain": ("british",), "england": ("english",), "germany": ("german",),
    "china": ("chinese",), "canada": ("canadian",), "italy": ("italian",), "mexico": ("mexican",),
    "netherlands": ("dutch",), "holland": ("dutch",), "switzerland": ("swiss",), "spain": ("spanish",),
    "denmark": ("danish",), "sweden": ("swedish",), "norway": ("norwegian",), "finland": ("finnish",),
    "belgium": ("belgian",), "greece": ("greek",), "turkey": ("turkish",), "poland": ("polish",),
    "portugal": ("portuguese",), "ireland": ("irish",), "philippines": ("philippine", "filipino"),
    "thailand": ("thai",), "venezuela": ("venezuelan",), "argentina": ("argentine", "argentinian"),
    "chile": ("chilean",), "peru": ("peruvian",), "colombia": ("colombian",),
    "ecuador": ("ecuadorean", "ecuadorian"), "bolivia": ("bolivian",), "nigeria": ("nigerian",),
    "kenya": ("kenyan",), "egypt": ("egyptian",), "iraq": ("iraqi",), "iran": ("iranian",),
    "saudi arabia": ("saudi",), "soviet union": ("soviet",), "ussr": ("soviet",), "korea": ("korean",),
    "united states": ("american",), "america": ("american",), "new zealand": ("new zealander",),
    "cuba": ("cuban",), "ghana": ("ghanaian",), "uganda": ("ugandan",), "zambia": ("zambian",),
    "afghanistan": ("afghan",), "pakistan": ("pakistani",), "israel": ("israeli",), "kuwait": ("kuwaiti",),
}  # fmt: skip
