"""What kind of figure a question asks for, and whether a passage states one of that kind.

"How many weeks of parental leave…" is answered only by a passage giving a number of
weeks; a handbook full of other numbers does not answer it. Near-topic questions that
documents do not answer are mostly of this shape (a figure or an amount they never
give), so "asked for, stated nowhere" is evidence for refusing that carries to any
corpus. Nothing here names a corpus's words: only units of time, money and dates.
"""

from __future__ import annotations

import re

_NUMBER = (
    r"(?:\d+(?:[.,]\d+)*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fifteen|twenty|thirty|forty|fifty|sixty|hundred|thousand|half|several)"
)
_DURATION_UNITS = r"(?:second|minute|hour|day|week|fortnight|month|quarter|year|cycle)s?"
_MONEY = (
    r"(?:[$£€¥]\s?\d|\d[\d.,]*\s?(?:k|m|usd|eur|gbp|dollars?|pounds?|euros?)\b"
    r"|\d+(?:\.\d+)?\s?(?:%|per\s?cent|percent))"
)
_DATE = (
    r"(?:\b(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|monday|tuesday|wednesday|thursday|friday|q[1-4])\b|\b\d{1,2}/\d{1,2}\b"
    r"|\b(?:19|20)\d\d\b)"
)
#: "how many <thing>": the thing, to be counted in the passage.
_HOW_MANY = re.compile(r"\bhow\s+many\s+(\w+)(?:\s+(\w+))?", re.IGNORECASE)
_HOW_LONG = re.compile(r"\b(?:how\s+long|how\s+soon|how\s+often|duration)\b", re.IGNORECASE)
_HOW_MUCH = re.compile(
    r"\b(?:how\s+much|what(?:'s|’s|\s+is)?\s+the\s+(?:\w+\s+)?(?:rate|salary|budget|price|cost|fee"
    r"|stipend|allowance|subsidy|match|bonus|amount)|salary|salaries|stipend|allowance"
    r"|subsidy|per\s+diem|reimburse\w*|budget|cost)\b",
    re.IGNORECASE,
)
_WHEN = re.compile(
    r"^\s*when\b|\b(?:what|which)\s+(?:date|day|month|year|deadline)\b|\bdeadline\b",
    re.IGNORECASE,
)


def asked_figure(question: str) -> re.Pattern[str] | None:
    """What a passage must contain to state the figure ``question`` asks for; None when
    it asks for none."""
    many = _HOW_MANY.search(question)
    if many:
        things = [w for w in many.groups() if w]
        stems = "|".join(re.escape(w.casefold()[:4]) for w in things if len(w) >= 3)
        unit = things[0].casefold().rstrip("s")
        if _DURATION_UNITS_ONLY.fullmatch(unit):  # "how many weeks": a number of weeks
            return re.compile(rf"\b{_NUMBER}[\s-]+{re.escape(unit)}s?\b", re.IGNORECASE)
        if stems:
            return re.compile(rf"\b{_NUMBER}\s+(?:\w+\s+){{0,2}}(?:{stems})\w*", re.IGNORECASE)
    if _HOW_LONG.search(question):
        return re.compile(rf"\b{_NUMBER}[\s-]+{_DURATION_UNITS}\b", re.IGNORECASE)
    if _HOW_MUCH.search(question):
        return re.compile(_MONEY, re.IGNORECASE)
    if _WHEN.search(question):
        return re.compile(rf"{_DATE}|\b{_NUMBER}\s+{_DURATION_UNITS}\b", re.IGNORECASE)
    return None


_DURATION_UNITS_ONLY = re.compile(_DURATION_UNITS)
