"""What can be wrong with a search request, as codes with parameters, and the query's plain words.

A query that cannot be read as written (an unbalanced quote, a wildcard after one letter, a
range over words, wildcards matching too many words...) is searched as its plain words
(index.query). The response names why with a ``Problem`` per reason, a code and its
parameters, so that a caller translates the codes (the web UI) or shows their English (the
API, ``kb search``) without reading a sentence. Each code's English is written here once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
# 'a*' and '*e' ask every term of sixteen fields (1-5 s each at 50k documents); Lucene also refuses leading wildcards
MIN_WILDCARD_PREFIX = 2
# A range over words ("[a TO z]") asks every term of sixteen fields (9.5 s at 50k documents) and
# means nothing to a reader; ranges are for the year and the date.
RANGE_FIELDS = ("year", "date")
RANGE = re.compile(r"(?:(\w+):)?[\[{][^\]}]*\bTO\b[^\]}]*[\]}]")
# "digital^999..." made a score of Infinity; a boost is a weight among the query's words, and
# beyond a hundred it says nothing more than "only this word"
MAX_BOOST = 100.0
BOOST = re.compile(r"\^(\S*)")

# The query was searched as its plain words, because of:
UNBALANCED_QUOTE = "unbalanced_quote"
UNBALANCED_PARENTHESIS = "unbalanced_parenthesis"
LONE_OPERATOR = "lone_operator"  # {operator}: AND, OR... at an end of the query
SHORT_WILDCARD = "short_wildcard"  # {letters}: the letters a wildcard needs before it
WORD_RANGE = "word_range"  # {fields}: the fields a range may be over
BOOST_OUT_OF_RANGE = "boost_out_of_range"  # {max}
# 100 two-letter prefixes held a thread for 7-9 s: past index.cost's budget (or index.query.MAX_WILDCARDS)
COSTLY_WILDCARDS = "costly_wildcards"
UNPARSABLE = "unparsable"  # the parser failed on the query all the same
# Not filtered by date, because of:
UNREADABLE_DATES = "unreadable_dates"  # {date_from, date_to}

ENGLISH = {
    UNBALANCED_QUOTE: "unbalanced quote",
    UNBALANCED_PARENTHESIS: "unbalanced parenthesis",
    LONE_OPERATOR: "operator {operator} without a term",
    SHORT_WILDCARD: "a wildcard needs {letters} letters before it",
    WORD_RANGE: "ranges work on year: and date: only",
    BOOST_OUT_OF_RANGE: "a boost (^) must be a number from 0 to {max}",
    COSTLY_WILDCARDS: "its wildcards match too many words",
    UNPARSABLE: "",
    UNREADABLE_DATES: "Could not read the dates {date_from}..{date_to} (use YYYY, YYYY-MM or YYYY-MM-DD); "
    "not filtered by date.",
}
QUERY_PROBLEMS = frozenset(ENGLISH) - {UNREADABLE_DATES}  # those that make the query searched as plain words


@dataclass(frozen=True)
class Problem:
    code: str  # one of ENGLISH's keys
    params: dict = field(default_factory=dict)

    @property
    def english(self) -> str:
        return ENGLISH[self.code].format(**self.params)

    def to_json(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class Reading:
    """How a query was read when not as written: why, and the plain words searched instead."""

    problems: tuple[Problem, ...]
    words: str


def message(problems, words: str | None) -> str | None:
    """The problems in one English sentence or two (None without any)."""
    parts = []
    query = [problem.english for problem in problems if problem.code in QUERY_PROBLEMS]
    if query:
        named = ", ".join(text for text in query if text)
        parts.append(f"Could not read the query as written{f' ({named})' if named else ''}; "
                     f"searched for the words: {words or '(none)'}.")
    parts += [problem.english for problem in problems if problem.code not in QUERY_PROBLEMS]
    return " ".join(parts) or None


def syntax_problems(text: str) -> list[Problem]:
    """What is wrong with a query's syntax: each a reason to search its plain words instead."""
    problems = []
    if text.count('"') % 2:
        problems.append(Problem(UNBALANCED_QUOTE))
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        problems.append(Problem(UNBALANCED_PARENTHESIS))
    words = text.split()
    if words and (words[0] in OPERATORS - {"NOT"} or words[-1] in OPERATORS):  # "NOT x": every page but x's
        problems.append(Problem(LONE_OPERATOR, {"operator": words[-1] if words[-1] in OPERATORS else words[0]}))
    if any(len(_before_wildcard(word)) < MIN_WILDCARD_PREFIX for word in words if "*" in word or "?" in word):
        problems.append(Problem(SHORT_WILDCARD, {"letters": MIN_WILDCARD_PREFIX}))
    if any(field_name not in RANGE_FIELDS for field_name in RANGE.findall(text)):
        problems.append(Problem(WORD_RANGE, {"fields": list(RANGE_FIELDS)}))
    if any(not _sane_boost(value) for value in BOOST.findall(text)):
        problems.append(Problem(BOOST_OUT_OF_RANGE, {"max": int(MAX_BOOST)}))
    return problems


def _sane_boost(value: str) -> bool:
    number = re.match(r"[0-9]*\.?[0-9]+", value)
    return bool(number) and float(number.group()) <= MAX_BOOST


def _before_wildcard(word: str) -> str:
    """The letters of a query word before its first wildcard, without a ``field:`` or brackets."""
    word = word.rsplit(":", 1)[-1].lstrip('("+-')
    return re.split(r"[*?]", word, maxsplit=1)[0]


def plain_words(text: str) -> str:
    """The query's words without its syntax: what is searched when it cannot be read as written."""
    words = re.findall(r"\w+(?:[-'’.]\w+)*", text)
    return " ".join(w for w in words if w not in OPERATORS)
