"""What kind of figure a question asks for, and whether a passage states one of that kind.

"How many weeks of carer's leave…" is answered only by a passage giving a number of
weeks; a handbook full of other numbers does not answer it. Near-topic questions that
documents do not answer are mostly of this shape (a figure or an amount they never
give), so "asked for, stated nowhere" is evidence for refusing that carries to any
corpus. Nothing here names a corpus's words: only units of time, money and dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexical import tokenize
from .taxonomy import STOP_WORDS

_ONE_NUMBER = (
    r"(?:\d+(?:[.,]\d+)*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|(?:thir|four|fif|six|seven|eigh|nine)teen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|thousand|half|several|couple|few|dozen)"
)
#: A number or a range of them: "2", "1-2", "three to four".
_NUMBER = rf"{_ONE_NUMBER}(?:\s*(?:-|–|to|or)\s*{_ONE_NUMBER})?"
_DURATION_UNITS = r"(?:second|minute|hour|day|week|fortnight|month|quarter|year|cycle)s?"
#: At most one word between a number and its unit ("5 business days"); not "$280 a month".
_QUALIFIER = r"(?:(?!(?:a|an|per|each|every|the)\b)\w+\s+)?"
#: A number of a unit: "5 business days", "2-3 weeks".
_SPAN = rf"\b{_NUMBER}(?:\s+of)?[\s-]+{_QUALIFIER}{_DURATION_UNITS}\b"
#: How often something happens: "quarterly", "every six months", "twice a year".
_FREQUENCY = (
    r"\b(?:(?:bi-?|semi-?)?(?:daily|weekly|monthly|annually|yearly)|fortnightly|quarterly"
    rf"|every\s+(?:other\s+|{_NUMBER}\s+)?{_DURATION_UNITS}"
    rf"|(?:once|twice|{_NUMBER}\s+times)\s+(?:a|an|per|each|every)\s+{_DURATION_UNITS})\b"
)
_MONEY = (
    r"(?:[$£€¥]\s?\d|\d[\d.,]*\s?(?:k|m|usd|eur|gbp|dollars?|pounds?|euros?)\b"
    r"|\d+(?:\.\d+)?\s?(?:%|per\s?cent|percent))"
)
_DATE = (
    r"(?:\b(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|monday|tuesday|wednesday|thursday|friday|q[1-4])\b|\b\d{1,2}/\d{1,2}\b"
    r"|\b(?:19|20)\d\d\b)"
)
#: "what is…" / "what's…" / "what are…" then "the": a noun phrase follows, whose words
#: name the thing asked for ("what is the monthly phone allowance").
_WHAT_IS_THE = r"\bwhat(?:'s|’s|\s+is|\s+are)\s+the\s+"
#: "how many <thing>", "what's the (usual) number of <thing>": the thing, to be counted in
#: the passage.
_HOW_MANY = re.compile(
    rf"(?:\bhow\s+many|{_WHAT_IS_THE}(?:\w+\s+)?number\s+of)\s+(\w+)(?:\s+(\w+))?",
    re.IGNORECASE,
)
_HOW_LONG = re.compile(r"\b(?:how\s+long|how\s+soon|duration|how\s+much\s+time)\b", re.IGNORECASE)
_HOW_OFTEN = re.compile(r"\bhow\s+often\b", re.IGNORECASE)
_MONEY_WORDS = (
    r"(?:salary|salaries|pay|compensation|rate|budget|price|cost|fee|stipend|allowance"
    r"|subsidy|bonus|amount)"
)
_AUXILIARY = r"(?:is|are|was|were|does|do|did|will|would|can|could|should)"
#: An amount of money: "how much is…", "how much does X earn / cost", "how much money",
#: "how much (learning) budget" (not "how much does salary matter"), "what (is the)
#: <word> <fee>", "what is the (up to three words) <fee>". ("How much autonomy…", "how
#: much does a TPM code?" ask for a degree; "what happens to my pay" asks no figure.)
_HOW_MUCH = re.compile(
    r"\bhow\s+much\s+(?:is|are|was|were|money|pay|extra|more|salary|cash|equity|budget)\b"
    rf"|\bhow\s+much\s+{_AUXILIARY}\s+(?:\w+\s+){{0,4}}?"
    r"(?:earn|make|pay|cost|charge|get\s+paid|receive)\w*\b"
    rf"|\bhow\s+much\s+(?!{_AUXILIARY}\b)(?:\w+\s+){{0,2}}{_MONEY_WORDS}s?\b",
    re.IGNORECASE,
)
#: … or a money word after "what (is the)": an amount, most often ("what's the salary for
#: a staff engineer?"), but not always ("what is the bonus structure?").
_WHAT_AMOUNT = re.compile(
    rf"\bwhat(?:'s|’s|\s+is|\s+are)?\s+(?:the\s+)?(?:\w+\s+)?{_MONEY_WORDS}s?\b"
    rf"|{_WHAT_IS_THE}(?:\w+\s+){{0,3}}{_MONEY_WORDS}s?\b",
    re.IGNORECASE,
)
#: A date: asked for by name, or "when" with a verb of timing ("when does X start?").
#: ("When am I expected to…" asks for a condition, not a date.)
_WHEN = re.compile(
    r"\b(?:what|which)\s+(?:date|day|month|year|deadline)\b|\bdeadline\b"
    r"|^\s*when\s+(?:is|are|does|do|will|did)\b.*\b(?:(?:start|begin|end|open|close|happen"
    r"|run|launch|expire|renew)(?:s|d|ed|ing|ning)?|due|take\s+place)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AskedFigure:
    """A figure a question asks for: what a passage must contain to state it, and what
    kind of figure that is in words, for a refusal to say what is missing ("the passages
    closest to the question give no number of weeks")."""

    pattern: re.Pattern[str]
    kind: str
    #: Asked in so many words ("how many", "how much", "how long", "how often"): no
    #: answer without one. ("What is the bonus structure?" or "when does a lead start to
    #: manage?" may be answered in words.)
    explicit: bool = True

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text)


#: A word between a number and what it counts: plain, or a hyphenated compound that a
#: comma may follow ("two 45-minute, one-to-one sessions"; not "6 months, new sessions").
_COUNT_WORD = r"(?:\w+(?:-\w+)+,?|\w+)"
#: A count stated as none or as no fixed one: "no fixed number of promotions" answers
#: "how many promotions are there?" as surely as "two promotion rounds" does.
_NO_NUMBER = (
    r"(?:unlimited|(?:no|any|not\s+(?:\w+\s+)?an?)\s+(?:fixed\s+|set\s+|maximum\s+)?"
    r"(?:number|limit|cap|quota)"
    r"\s+(?:of|on))"
)
#: … or with the counted thing first: "promotions are unlimited / not capped".
_NOT_LIMITED = r"\s+(?:are|is)\s+(?:unlimited|not\s+(?:limited|capped|fixed))\b"
#: Words that end the name of what "how many" counts ("how many people *should* sit…").
_COUNT_END = STOP_WORDS | {
    "per", "every", "could", "would", "must", "may", "might", "get", "gets"
}  # fmt: skip


def _counted(question_words: list[str]) -> str:
    """What "how many" counts, in the question's words: up to its first plural noun
    ("free coaching sessions"), or its first word ("people")."""
    words = []
    for word in question_words[:3]:
        if word.casefold() in _COUNT_END:
            break
        words.append(word)
        if word.casefold().endswith("s"):
            return " ".join(words)
    return " ".join(words[:1])


def asked_figure(question: str) -> AskedFigure | None:
    """What a passage must contain to state the figure ``question`` asks for; None when
    it asks for none. A question asking for two ("how many weeks, and how much pay?")
    is read for the first."""
    many = _HOW_MANY.search(question)
    things = [w for w in many.groups() if w] if many else []
    if many and things and tokenize(things[:1])[0]:  # "the phone number of X": not "the"
        stems = "|".join(re.escape(w.casefold()[:4]) for w in things if len(w) >= 3)
        unit = things[0].casefold().rstrip("s")
        if _DURATION_UNITS_ONLY.fullmatch(unit):  # "how many weeks": a number of weeks
            return AskedFigure(
                re.compile(
                    rf"\b{_NUMBER}(?:\s+of)?[\s-]+{_QUALIFIER}{re.escape(unit)}s?\b",
                    re.IGNORECASE,
                ),
                f"number of {unit}s",
            )
        if unit == "time":  # "how many times a year": how often
            return AskedFigure(_OFTEN_STATED, "frequency")
        if stems:
            counted = _counted(re.findall(r"[\w-]+", question[many.start(1) :]))
            return AskedFigure(
                re.compile(
                    rf"\b{_NUMBER}\s+(?:{_COUNT_WORD}\s+){{0,3}}(?:{stems})\w*"
                    rf"|\b{_NO_NUMBER}\s+(?:\w+\s+)?(?:{stems})\w*|\b(?:{stems})\w*{_NOT_LIMITED}",
                    re.IGNORECASE,
                ),
                f"number of {counted}",
            )
    for asks, stated, kind, explicit in _KINDS:
        if asks.search(question):
            return AskedFigure(stated, kind, explicit)
    return None


#: The other kinds of figure, in the order they are tried: how a question asks for one,
#: what states one, and its name.
_OFTEN_STATED = re.compile(rf"{_SPAN}|{_FREQUENCY}", re.IGNORECASE)
_MONEY_STATED = re.compile(_MONEY, re.IGNORECASE)
_KINDS = (
    (_HOW_LONG, re.compile(_SPAN, re.IGNORECASE), "duration", True),
    (_HOW_OFTEN, _OFTEN_STATED, "frequency", True),
    (_HOW_MUCH, _MONEY_STATED, "amount", True),
    (_WHAT_AMOUNT, _MONEY_STATED, "amount", False),
    (_WHEN, re.compile(rf"{_DATE}|{_SPAN}", re.IGNORECASE), "date", False),
)
_DURATION_UNITS_ONLY = re.compile(_DURATION_UNITS)
