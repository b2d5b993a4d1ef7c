"""bot/language/question.py: what a question asks for, its parts, the times and the entities it names."""

from __future__ import annotations

import pytest

from bot.language import stems
from bot.language.question import (
    asked_heads,
    asked_measure,
    asked_roles,
    asked_thing,
    asks_price,
    carry_over,
    entities_in,
    entity_lexicon,
    measure_conflict,
    parts,
    relative_times,
    subjects,
    times_in,
    wanted,
)

# --- wanted: the kind of answer -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        ("Who succeeded Richard Roe?", {"PERSON", "ORG", "NORP"}),
        ("Whose bid was accepted?", {"PERSON", "ORG", "NORP"}),
        ("Who is the chairman of Acme?", {"PERSON"}),  # a person noun narrows "who" to people
        ("Whom did the conference appoint as secretary general?", {"PERSON"}),  # a noun starting with "s"
        ("Who heads the Council for Economic Planning?", {"PERSON"}),  # a person heads a body
        ("Who will lead Japan's delegation?", {"PERSON"}),
        ("Who negotiated for the employers?", {"PERSON"}),
        ("Which companies' stock is the SEC examining?", {"ORG"}),  # the wh-word's own possessor
        ("What is the name of Panjshir's provincial capital?", {"GPE", "LOC", "FAC"}),  # a name's possessive
        ("When did the strike end?", {"DATE", "TIME"}),
        ("Where is the new plant?", {"GPE", "LOC", "FAC", "ORG"}),
        ("How much did Acme pay for Beta?", {"MONEY", "PERCENT", "QUANTITY", "CARDINAL"}),
        ("By how much did exports fall?", {"MONEY", "PERCENT", "QUANTITY", "CARDINAL"}),
        ("How long did the strike last?", {"DATE", "TIME", "CARDINAL", "QUANTITY"}),
        ("How old is the refinery?", {"DATE", "TIME", "CARDINAL", "QUANTITY"}),
        ("How many workers went on strike?", {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
        ("How large is the foreign debt?", {"MONEY", "PERCENT", "QUANTITY", "CARDINAL"}),
        ("How high did prices climb?", {"MONEY", "PERCENT", "QUANTITY", "CARDINAL"}),
    ],
)
def test_wh_words_want_their_kind(question: str, labels: set[str]) -> None:
    ask = wanted(question)
    assert ask.labels == labels
    assert not ask.polar and not ask.reason


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many bags of coffee did Brazil produce?", "bags"),
        ("How many bank branches closed in Barcelona during the strike?", "branches"),  # ends at the verb
        ("How many workers struck at Daimler-Benz in Stuttgart?", "workers"),  # the plural before "at"
        ("How many people were injured?", "people"),
        ("How many Chrysler employees shared in the bonuses?", "employees"),
    ],
)
def test_how_many_counts_the_plural_before_the_verb(question: str, counted: str) -> None:
    assert wanted(question).counted == counted


@pytest.mark.parametrize(
    ("question", "labels"),
    [
        ("Which company bought the refinery?", {"ORG"}),
        ("Which U.S. bank lent the money?", {"ORG"}),  # the kind noun a few words after the wh-word
        ("What is the name of the bank?", {"ORG"}),
        ("Which country imported the most sugar?", {"GPE", "LOC", "FAC"}),
        ("Which ports were closed?", {"GPE", "LOC", "FAC"}),  # a plural kind noun
        ("What nationality is the buyer?", {"NORP"}),
        ("Which day did the talks start?", {"DATE", "TIME"}),
        ("What is the term of the credit agreement?", {"DATE", "TIME"}),  # a length of time
        ("Which actor won Best Actor?", {"PERSON"}),
        ("Which bank heads Japan's bond syndicate?", {"ORG"}),  # "heads" is the verb
        ("Which company officials resigned?", {"PERSON"}),  # a compound: officials of a company
        ("What was the tonnage of the ferry?", {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),  # a measure
        ("What was the price of the bid?", {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),
        ("Which official announced the cut?", {"PERSON"}),
        ("Which Acme vice-president objected?", {"PERSON"}),  # a title's prefix leaves the kind
        ("What was the year-on-year rise in prices?", {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),  # no year
        ("In which court did Acme sue?", {"ORG"}),
        ("What is the Bank of Japan's discount rate?", {"PERCENT", "MONEY", "CARDINAL", "QUANTITY"}),  # not a bank
        ("Which country condemned the Taliban's offensive?", {"GPE", "LOC", "FAC"}),
        ("What 1987 inflation forecast does the government have?", {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),
        ("What was the New York May coffee price?", {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),  # May: a month
        (
            "What did the company's 1986 bonuses total?",
            {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"},
        ),  # a verb of amount
        ("What is the acquisition worth in total?", {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),
        ("What did Saudi output average in March?", {"MONEY", "CARDINAL", "QUANTITY", "PERCENT"}),
        ("What did he say about the cost?", set()),  # "the cost": a noun, no verb of amount
        ("Which publication does Theodore Cross edit?", {"ORG"}),
        ("Which Atlantic City hotel does Caesars operate?", {"GPE", "LOC", "FAC"}),  # "City": a word of a name
        ("Which State Department spokesman spoke?", {"PERSON"}),  # the kind noun after the name's words
        # "the name of" something of no known kind: a name of any kind
        (
            "What is the name of Microsoft's headset?",
            {"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"},
        ),
    ],
)
def test_kind_nouns_say_what_which_and_what_want(question: str, labels: set[str]) -> None:
    assert wanted(question).labels == labels


def test_a_rate_question_puts_percent_first() -> None:
    assert wanted("What percentage of Acme does Beta own?").prefer[0] == "PERCENT"
    assert wanted("How much did Acme pay?").prefer[0] == "MONEY"  # money before a bare number


@pytest.mark.parametrize(
    "question",
    ["Did Acme buy Beta?", "Is it true that Acme bought Beta?", "Was the strike over by May?", "Has Beta agreed?"],
)
def test_yes_no_questions_are_polar_and_untyped(question: str) -> None:
    ask = wanted(question)
    assert ask.polar and not ask.reason
    assert ask.labels == frozenset()


@pytest.mark.parametrize("question", ["Why did Acme sell Beta?", "What prompted the sale?", "What caused the fall?"])
def test_reason_questions_want_a_clause_not_an_entity(question: str) -> None:
    ask = wanted(question)
    assert ask.reason and not ask.polar
    assert ask.labels == frozenset()


def test_what_happened_has_no_typed_answer() -> None:
    ask = wanted("What happened in Kabul?")
    assert ask.labels == frozenset() and not ask.polar and not ask.reason


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many bags of coffee did Brazil export?", "bags"),
        ("How many 60-kg bags did Brazil export?", "bags"),  # up to two words before the counted noun
        ("How many million tonnes were shipped?", "tonnes"),
        ("How many pickups a day does the plant build?", "pickups"),  # "a day" is no part of what is counted
        ("How many kilometres long is the valley?", "kilometres"),
        ("How many days' supply of cars did dealers have?", "days"),  # what measures the supply
        ("How many were killed?", ""),  # nothing named: any number will do
    ],
)
def test_how_many_names_what_it_counts(question: str, counted: str) -> None:
    ask = wanted(question)
    assert ask.counted == counted
    assert "CARDINAL" in ask.labels


@pytest.mark.parametrize(
    ("question", "measure"),
    [
        ("What is the capacity of the refinery in barrels per day?", "barrel"),
        ("How many tonnes of cocoa did the buffer stock buy?", "tonne"),
        ("How many bushels of corn did Canada import?", "bushel"),
        ("How many jobs will Acme cut?", "count"),
        ("What percentage of Beta does Acme own?", "pct"),
        ("What share of the budget does Cuba pay?", "pct"),
        ("What price per share did Acme pay?", "money"),
        ("How much money did the bank inject?", "money"),
        ("What was the total dollar value of the bid?", "money"),
        ("What export bonus per tonne did the USDA approve?", "money"),
        ("What per-tonne subsidy did the U.S. offer?", "money"),
        ("What total government spending did the budget set?", "money"),
        ("How much crude oil did Venezuela agree to lend?", ""),  # lent oil, not money
        ("By how much did the consumer price index rise?", ""),
        ("Who leads Acme?", ""),
    ],
)
def test_the_measure_an_amount_must_be_in(question: str, measure: str) -> None:
    assert asked_measure(question, wanted(question).counted) == measure


@pytest.mark.parametrize(
    ("measure", "span", "conflict"),
    [
        ("money", "some 100 metres", True),
        ("money", "3,000 hectares", True),
        ("money", "4.5 mln dlrs", False),
        ("money", "20 billion", False),  # no unit: vague, but it contradicts nothing
        ("tonne", "12 metres", True),
    ],
)
def test_an_amount_in_another_unit_than_the_one_asked_conflicts(measure: str, span: str, conflict: bool) -> None:
    assert measure_conflict(measure, span) is conflict


@pytest.mark.parametrize(
    ("question", "measured"),
    [
        ("How long did the strike last?", True),
        ("Over what minimum period will Brazil sell the coffee?", True),  # a length of time, not "last year"
        ("For what period was the ban set?", True),
        ("In what period did sales rise?", False),  # when: a date will do
        ("When did the strike end?", False),
    ],
)
def test_a_length_of_time_is_asked_by_how_long_or_over_what_period(question: str, measured: bool) -> None:
    assert wanted(question).measured is measured


def test_a_sum_of_money_asked_by_another_noun_wants_money_first() -> None:
    assert wanted("What total government spending did the budget set?").prefer[0] == "MONEY"
    assert "MONEY" not in wanted("What total did the poll give?").prefer


def test_a_question_that_names_its_unit_wants_an_amount() -> None:
    assert wanted("What wage increase did the miners demand, in pesos per month?").prefer[0] == "MONEY"
    assert wanted("What export bonus per tonne did the USDA approve?").prefer[0] == "MONEY"


@pytest.mark.parametrize(
    "question",
    ["How many people does Acme employ?", "How many people has Acme hired?", "How many of its employees left?"],
)
def test_how_many_does_not_count_a_verb_or_pronoun(question: str) -> None:
    assert wanted(question).counted in ("", "people", "employees")


def test_the_leading_wh_word_decides_over_a_later_clause() -> None:
    assert "PERSON" in wanted("Who was chairman when the merger was announced?").labels


@pytest.mark.parametrize(
    ("question", "labels"),
    [("Which companies bid for Acme?", {"ORG"}), ("Which countries signed the pact?", {"GPE", "LOC", "FAC"})],
)
def test_plural_ies_kind_nouns(question: str, labels: set[str]) -> None:
    assert wanted(question).labels == labels


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("What are the estimated capital costs of the mine?", "MONEY"),  # the head of "capital costs"
        ("What fixed exchange rate replaced the auction?", "PERCENT"),
        ("Which U.S. bank raised its prime rate?", "ORG"),  # the first kind noun, not a later object's
        ("Which company bought Acme?", "ORG"),
        ("What is the name of the company that bought Acme?", "ORG"),
        ("What is the name of the mine's manager?", "PERSON"),
        ("On what night did the fighting escalate?", "DATE"),
        ("How many days did the strike last?", "DATE"),  # "three days" is a date to the parser
        ("Which ministry does he head?", "ORG"),
        ("What price per tonne did producers propose?", "MONEY"),
        ("What is the maximum size of the buffer stock?", "QUANTITY"),  # a size, a population, a toll: a number
        ("What will Japan's orange juice quota be in 1988?", "MONEY"),  # "what will ... be": its subject is asked
        ("Which bank would the loan be from?", "ORG"),
        ("What ethnic group are the Taliban drawn from?", "NORP"),  # a people, not an organisation
    ],
)
def test_the_kind_noun_is_the_head_of_the_phrase_after_the_wh_word(question: str, first: str) -> None:
    assert wanted(question).prefer[0] == first


@pytest.mark.parametrize(
    "question",
    [
        "What did Massoud offer the Taliban?",  # a verb follows: the object is of no stated kind
        "What is Kenya's largest tea export market?",
    ],
)
def test_no_kind_when_the_phrase_names_none(question: str) -> None:
    assert wanted(question).prefer == ()


def test_an_ethnic_group_is_a_people_not_an_organisation() -> None:
    assert wanted("What ethnic group are the Taliban mainly drawn from?").prefer[0] == "NORP"
    assert wanted("Which group claimed the attack?").prefer[0] == "ORG"


def test_which_countrys_asks_for_a_nationality_or_a_country() -> None:
    assert wanted("In which country's media were the reports circulating?").prefer == ("NORP", "GPE")
    assert wanted("Which country's demands did he blame?").prefer == ("NORP", "GPE")  # not the demands' kind


@pytest.mark.parametrize(
    ("question", "first", "many"),
    [
        ("Which two senior figures died in the fighting?", "PERSON", 2),  # names; "figures" are no amounts here
        ("Which three airlines did the Commission threaten?", "ORG", 3),
        ("In which two districts did the strike begin?", "GPE", 2),
        ("Which airline did the Commission threaten?", "ORG", 1),
    ],
)
def test_which_two_asks_for_that_many_names_of_its_kind(question: str, first: str, many: int) -> None:
    asked = wanted(question)
    assert asked.prefer[0] == first and asked.many == many


# --- parts: two-part questions --------------------------------------------------------------------


def test_a_two_part_question_is_split_and_each_part_is_a_question() -> None:
    assert parts("When did the strike start, and what prompted it?") == [
        "When did the strike start?",
        "what prompted it?",
    ]
    assert parts("Who bought Beta and how much did Acme pay?") == ["Who bought Beta?", "how much did Acme pay?"]
    # a second part led by a preposition: "by how much ..."; with no verb of its own it takes the first's
    assert parts("How much did Acme lend, and by how much would its net income fall?") == [
        "How much did Acme lend?",
        "by how much would its net income fall?",
    ]
    assert parts("To whom did Acme agree to sell its station, and for how much cash?") == [
        "To whom did Acme agree to sell its station?",
        "for how much cash did Acme agree to sell its station?",
    ]


@pytest.mark.parametrize(
    "question",
    [
        "Who won, and what did he say?",  # first part under three words
        "Who won the vote and why?",  # second part under three words
        "What did Smith and Jones agree?",  # 'and' not followed by a wh-word
    ],
)
def test_a_single_question_is_kept_whole(question: str) -> None:
    assert parts(question) == [question]


# --- times_in: days, months, years, quarters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("profits in 1987", {"1987"}),
        ("the 1986/87 season", {"1986", "1987", "fy1987"}),
        ("Massoud said on Sunday", {"sunday"}),
        ("in the first quarter", {"q1"}),
        ("fourth-quarter profit", {"q4"}),
        ("Q3 results", {"q3"}),
        ("the 2nd qtr", {"q2"}),
        ("In March and Sept. sales rose", {"mar", "sep"}),
        ("Mar. 3 and Dec 4", {"mar", "dec", "mar-3", "dec-4"}),
        ("cut on March 18, 1987, the day after", {"mar", "mar-18", "1987"}),  # a day of a month
        ("on 18 March", {"mar", "mar-18"}),
        ("dated 1987-03-18", {"mar", "mar-18", "1987"}),
        ("exports in january", {"jan"}),  # full month names count in lower case
        ("In May, prices rose", {"may"}),
        ("sales in the third quarter of 1986", {"q3", "1986"}),
        ("the deficit in the March 1987 quarter", {"mar", "1987", "qe-mar"}),  # a quarter by its last month
        ("for the quarter ended December 31", {"dec", "dec-31", "qe-dec"}),
        ("first half profit", {"h1"}),
        ("in the first nine months of 1987", {"m9", "1987"}),
        ("in the second year of the accord", {"y2"}),
        ("in the third agreement year", {"y3"}),
        ("rose for a second straight year", set()),  # a streak, not a year of something
        ("its first full year", set()),
    ],
)
def test_times_named_by_a_text(text: str, times: set[str]) -> None:
    assert times_in(text) == frozenset(times)


@pytest.mark.parametrize(
    "text",
    [
        "Prices may rise",  # the verb
        "May rise further, dealers said",  # the verb at the start of a sentence
        "Prices fell. May see a rebound",  # the verb after a full stop
        "protesters march on the capital",  # lower-case 'march' is the verb
        "a bid of $1,987 a share",  # not a year: part of an amount
        "order number 21987",  # not a year: part of a longer number
        "the mayor and the marshal",  # month abbreviations only as whole words
    ],
)
def test_things_that_are_not_times(text: str) -> None:
    assert times_in(text) == frozenset()


def test_a_split_year_across_a_century() -> None:
    assert times_in("the 1999/00 season") == frozenset({"1999", "2000", "fy2000"})


def test_may_in_a_name_is_not_a_month() -> None:
    assert times_in("Prime Minister Theresa May said") == frozenset()


# --- entities_in / entity_lexicon -----------------------------------------------------------------


def test_lexicon_keeps_the_most_frequent_label_of_normalised_text() -> None:
    lexicon = entity_lexicon([("Texaco", "ORG"), ("TEXACO", "PERSON"), ("texaco", "ORG"), ("Texaco  Canada", "ORG")])
    assert lexicon == {"texaco": "ORG", "texaco canada": "ORG"}


def test_known_entities_longest_first_then_unknown_capitalised_runs() -> None:
    lexicon = entity_lexicon([("Texaco", "ORG"), ("Texaco Canada", "ORG"), ("Chevron", "ORG"), ("Ontario", "GPE")])
    found = entities_in("Did Texaco Canada sell its Ontario stake to Chevron and Foo Bar Holdings?", lexicon)
    assert found == [("Texaco Canada", "ORG"), ("Ontario", "GPE"), ("Chevron", "ORG"), ("Foo Bar Holdings", "")]


def test_a_short_title_case_abbreviation_before_a_known_name_is_the_names_own() -> None:
    lexicon = entity_lexicon([("Lyell", "GPE"), ("Acme", "ORG")])
    assert entities_in("How much copper does the Mt Lyell mine produce?", lexicon) == [("Mt Lyell", "GPE")]
    # a word of the sentence is not ("Is Acme ...", "In Acme's plan")
    assert entities_in("Why Is Acme selling?", lexicon) == [("Acme", "ORG")]


def test_a_body_named_for_its_place_is_one_organisation() -> None:
    lexicon = entity_lexicon([("New Zealand", "GPE"), ("Bank", "ORG"), ("Westpac", "ORG")])
    found = entities_in("What rate did the Bank of New Zealand and Westpac announce?", lexicon)
    assert found == [("Bank of New Zealand", "ORG"), ("Westpac", "ORG")]
    assert entities_in("What did the Department of Transportation approve?", lexicon) == [
        ("Department of Transportation", "ORG")
    ]


def test_entities_drop_possessives_question_words_months_and_the_first_word() -> None:
    lexicon = entity_lexicon([("Texaco", "ORG")])
    assert entities_in("What was Texaco's profit in March?", lexicon) == [("Texaco", "ORG")]
    assert entities_in("Acme said what?", {}) == []  # the first word is not taken as a name when unknown
    assert entities_in("Acme said what?", entity_lexicon([("Acme", "ORG")])) == [("Acme", "ORG")]
    # a lone initial is no name, known or not ("S." of "S. and W. Berisford")
    lexicon = entity_lexicon([("S", "ORG"), ("Berisford", "ORG")])
    assert entities_in("What would S. and W. Berisford own?", lexicon) == [("Berisford", "ORG")]
    assert entities_in("What would S. and W. Berisford own?", {}) == [("W Berisford", "")]


def test_a_known_entity_with_a_label_that_is_not_a_name_counts_as_unknown() -> None:
    lexicon = entity_lexicon([("Monday", "DATE"), ("Acme", "ORG")])
    assert entities_in("What did Acme say on Monday?", lexicon) == [("Acme", "ORG"), ("Monday", "")]


def test_a_country_by_its_initials_is_a_name_but_the_pronoun_is_not() -> None:
    lexicon = entity_lexicon([("U.S.", "GPE"), ("Japan", "GPE")])
    assert entities_in("By how much did the U.S. consumer price index rise?", lexicon) == [("U.S", "GPE")]
    assert entities_in("Did the US tax Japan?", entity_lexicon([("US", "GPE"), ("Japan", "GPE")])) == [
        ("US", "GPE"),
        ("Japan", "GPE"),
    ]
    assert entities_in("Did Japan tell us?", lexicon) == [("Japan", "GPE")]


def test_a_known_entity_ending_in_a_dot_keeps_its_label() -> None:
    lexicon = entity_lexicon([("Acme Corp.", "ORG")])
    assert entities_in("Did Acme Corp. raise its dividend?", lexicon) == [("Acme Corp", "ORG")]


# --- relative_times: "last year" in an article dated 1987 is 1986 --------------------------------


@pytest.mark.parametrize(
    ("text", "dated", "times"),
    [
        ("down from actual imports of 758,770 last year", "1987-03-02", {"1986"}),
        ("GNP will exceed 10 pct real growth this year", "1987-04-10", {"1987"}),
        ("output is expected to recover next year", "1987-04-10", {"1988"}),
        ("up from 1.2 mln a year ago", "1987-04-10", {"1986"}),
        ("were suspended a year\nago", "1987-03-02", {"1986"}),  # across a hard line wrap
        ("Last summer the administration offered", "1987-04-20", {"1986"}),
        ("last summer's drought", "1987-10-20", {"1987"}),
        ("the talks next spring", "1987-10-20", {"1988"}),
        ("compared with year-earlier sales", "1987-04-10", {"1986"}),
        ("prices fell last month", "1987-01-15", {"dec", "1986"}),
        ("the meeting this month", "1987-06-01", {"jun", "1987"}),
        ("Last Year, the Company lost money", "2021-09-06", {"2020"}),
        ("the year's best result", "1987-04-10", set()),
        ("to fall to nine pct by next March", "1987-03-18", {"1988"}),  # the next March after the date
        ("the talks due next June", "1987-03-18", {"1987"}),
        ("the strike last September", "1987-03-18", {"1986"}),
        ("prices cut last February", "1987-03-18", {"1987"}),
        ("imports rose last year", None, set()),
        ("imports rose last year", "spring 1987", set()),
    ],
)
def test_relative_times_resolve_against_the_article_date(text: str, dated: str | None, times: set[str]) -> None:
    assert relative_times(text, dated) == frozenset(times)


# --- subjects: the entities an answer must be about -----------------------------------------------


@pytest.mark.parametrize(
    ("question", "entities", "about"),
    [
        ("How much did Acme pay for Beta?", [("Acme", "ORG"), ("Beta", "ORG")], ["Acme"]),
        ("What is Kuwait's production quota?", [("Kuwait", "GPE")], ["Kuwait"]),
        ("What price did the Soviet Union offer?", [("Soviet Union", "GPE")], ["Soviet Union"]),
        ("Who will lead Japan’s delegation to Geneva?", [("Japan", "GPE"), ("Geneva", "GPE")], ["Japan"]),
        ("Who bought Beta from Acme?", [("Beta", "ORG"), ("Acme", "ORG")], []),  # objects, not subjects
        (  # the firm before a title only says whose analyst: the analyst is the subject
            "What price did Bear Stearns analyst Timothy Pettee consider?",
            [("Bear Stearns", "ORG"), ("Timothy Pettee", "PERSON")],
            ["Timothy Pettee"],
        ),
    ],
)
def test_subjects_follow_the_auxiliary_or_own_something(
    question: str, entities: list[tuple[str, str]], about: list[str]
) -> None:
    assert [name for name, _ in subjects(question, entities)] == about


# --- the noun whose value is asked, the role whose holder is asked ---------------------------------


@pytest.mark.parametrize(
    ("question", "heads"),
    [
        ("What is Kuwait's OPEC production quota?", {"quota"}),
        ("How much cash is Acme paying for Beta?", {"cash"}),
        ("What interest or fee will Acme charge?", {"interest", "fee"}),  # either will do
        ("What fee per tonne did the buyers offer?", {"fee"}),
        ("What is the estimated value of the gold find?", {"find"}),  # a generic head gives the noun after "of"
        ("What net profit figure does Acme forecast?", {"profit"}),
        ("How much did Acme pay?", set()),  # no noun asked
        ("Which mountain range does the valley lie in?", set()),  # "which X": X is the answer's kind
        ("Which company bought the refinery?", set()),
        ("What percentage of the project does Acme own?", set()),  # the type (a percentage) checks it
        ("What caused the fire?", set()),
        ("At what price did Acme stock close?", set()),  # an amount of money says "price" without the word
        ("What was France's seasonally adjusted unemployment total?", {"unemployment"}),  # "-ed" modifies
        ("What was the output of the mine closed in March?", {"output"}),  # "-ed" after a noun ends it
        ("What was the tonnage of the ferry?", {"tonnage", "ton"}),  # a measure in "-age" names its unit
        ("What acreage did farmers plant?", {"acreage", "acre"}),
    ],
)
def test_asked_heads_name_the_value_asked(question: str, heads: set[str]) -> None:
    assert asked_heads(question) == {s for h in heads for s in stems(h)}


@pytest.mark.parametrize(
    ("question", "roles"),
    [
        ("Who is the chairman of Acme?", {"chairman"}),
        ("Who is Acme's chairman?", {"chairman"}),  # after the possessor
        ("Who was Venezuela's energy and mines minister?", {"minist"}),
        ("What is the name of the buffer stock manager?", {"manag"}),
        ("Which minister signed the accord?", {"minist"}),
        ("Which U.S. official did Vice Minister Kuroda meet?", set()),  # another person's role is not asked
        ("Who heads Acme?", set()),
        ("Whom did the conference appoint as secretary general?", {"secretari"}),  # a role taken up "as"
        ("Who is seen as a likely buyer?", set()),
        ("Who bought Beta?", set()),
        ("Who chaired the rubber conference?", {"chairman"}),  # the verb names the role: its chairman
        ("Who commanded the garrison?", {"command"}),
        ("Which Canadian Labor Minister appointed a mediator?", {"minist"}),  # a title ends the run of a name
        ("Which Chrysler executive outlined the agreement?", set()),  # any executive: its treasurer, say
        ("Who is Acme's chief executive?", {"chief"}),
        ("Which State Department spokesman spoke?", {"spokesman"}),
    ],
)
def test_asked_roles_are_the_role_whose_holder_is_asked(question: str, roles: set[str]) -> None:
    assert asked_roles(question) == roles


@pytest.mark.parametrize(
    ("question", "price"),
    [
        ("What price per share did Acme pay?", True),
        ("How much did Acme pay for Beta?", True),
        ("How much are lost exports costing Ecuador each month?", True),
        ("How large is the breakup fee Acme can recover?", True),
        ("What value did the minister put on Acme?", True),
        ("What pay rise were the seamen seeking?", False),  # "pay" names the rise
        ("By how much did the consumer price index rise?", False),  # "price" names the index
        ("How much did Acme's profit grow?", False),
        ("How much of the sugar offered into intervention did the EC accept?", False),  # the sugar was offered
        ("How much thrust was the engine to offer?", False),  # an amount of thrust
    ],
)
def test_asks_price_is_a_question_for_a_sum_of_money(question: str, price: bool) -> None:
    assert asks_price(question) is price


@pytest.mark.parametrize(
    ("question", "names", "answer", "second"),
    [
        (
            "What was BHP's third quarter net profit to February 1987, and what was it a year earlier?",
            ["BHP"],
            "",
            "what was BHP's third quarter net profit a year earlier?",
        ),
        (
            "Who will the producers put forward as director, and which country is he from?",
            [],
            "Edouard Kouame",
            "which country is Edouard Kouame from?",
        ),
        (
            "What quota had Uganda been seeking, and what was its quota before?",
            ["Uganda", "ICO"],
            "",
            "what was Uganda's quota before?",
        ),
        (
            "Where is Acme building a plant, and how many jobs will it create?",
            ["Acme"],
            "Ohio",
            "how many jobs will Acme create?",
        ),
        (
            "Where is Acme building a plant, and how many jobs will be created?",
            ["Acme"],
            "",
            "how many jobs will be created?",
        ),
    ],
)
def test_carry_over_replaces_the_second_parts_pronoun(
    question: str, names: list[str], answer: str, second: str
) -> None:
    first, rest = parts(question)
    assert carry_over(rest, first, names, answer) == second


def test_the_names_that_qualify_the_kind_noun() -> None:
    assert wanted("Which Canadian body found that imports hurt growers?").qualifiers == ("Canadian",)
    assert wanted("Which U.S. official did Kuroda meet?").qualifiers == ("U.S.",)
    assert wanted("Which bank cut its rates first?").qualifiers == ()


@pytest.mark.parametrize(
    ("question", "thing"),
    [
        ("Which shipping lines ordered their vessels away from Panama?", "lines"),
        ("Which other suitors was Chemlawn negotiating with?", "suitors"),
        ("Which Waste Management officers bought ChemLawn stock?", "officers"),
        ("In which two major tin mining districts did the strike begin?", "districts"),
        ("Which company bought Ampex Corp?", "company"),
        ("Who was appointed mediator in the strike?", "mediator"),
        ("Who was the industrial conciliator handling the dispute?", "conciliator"),
        ("Who is Chrysler's chairman?", "chairman"),
        ("What was the name of the miner killed in the fire?", "miner"),
    ],
)
def test_the_thing_a_question_asks_to_be_named(question: str, thing: str) -> None:
    assert asked_thing(question) == thing


@pytest.mark.parametrize(
    "question",
    [
        "Who killed Ahmad Shah Massoud?",  # a verb, not a role
        "Who was awarded the 2019 Nobel Prize in Literature?",  # what was given
        "What rate did Lloyds set?",  # an amount
        "What is Kenya's largest tea export market?",  # a value the sentence names
        "In which city's court did the union file?",  # the possessor is what is asked
        "What reportedly happened to his house?",  # no noun
        "Did the Taliban take Panjshir?",
    ],
)
def test_no_thing_to_name(question: str) -> None:
    assert asked_thing(question) == ""


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("What was BHP's third quarter net profit to February 1987?", "MONEY"),  # a time before the noun says when
        ("What was the fourth quarter operating loss?", "MONEY"),
        ("What quarter did sales peak?", "DATE"),
    ],
)
def test_a_time_before_the_asked_noun_only_says_when(question: str, first: str) -> None:
    assert wanted(question).prefer[0] == first


@pytest.mark.parametrize(
    ("question", "split"),
    [
        (
            "When and where will the producers meet to discuss quotas?",
            ["When will the producers meet to discuss quotas?", "where will the producers meet to discuss quotas?"],
        ),
        (
            "How much corn and how much wheat did the Soviet Union buy in the third year?",
            [
                "How much corn did the Soviet Union buy in the third year?",
                "how much wheat did the Soviet Union buy in the third year?",
            ],
        ),
        ("When did the strike begin, and what prompted it?", ["When did the strike begin?", "what prompted it?"]),
    ],
)
def test_two_questions_that_share_a_predicate_each_get_it(question: str, split: list[str]) -> None:
    assert parts(question) == split


def test_where_a_market_closed_asks_for_a_level() -> None:
    assert wanted("Where did the London May coffee contract close on Monday?").prefer[0] == "MONEY"
    assert wanted("Where did the talks end?").prefer[0] == "GPE"


def test_a_clause_before_the_question_does_not_say_what_is_asked() -> None:
    asked = "When New York coffee futures fell below 1 dlr on April 1, at what price did the May contract close?"
    assert wanted(asked).prefer[0] == "MONEY"
    assert wanted(asked).text == asked
    assert wanted("When the strike began, who led it?").prefer[0] == "PERSON"
    assert wanted("When did the strike begin?").prefer[0] == "DATE"  # the question's own "when"


def test_a_first_part_with_a_verb_of_its_own_keeps_its_own_predicate() -> None:
    assert parts("Which company bought Allied-Signal's MPB Corp unit, and how much did it pay?") == [
        "Which company bought Allied-Signal's MPB Corp unit?",
        "how much did it pay?",
    ]


def test_he_in_a_second_part_stands_for_the_person_the_first_part_asks_for() -> None:
    second = carry_over(
        "which other country was he also visiting?", "Which British minister went to Tokyo?", ["Tokyo"], "Howard"
    )
    assert second == "which other country was Howard also visiting?"
