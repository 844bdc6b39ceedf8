"""Two articles telling one event differently (two dates, two figures): both are shown."""

from __future__ import annotations

import re

from rag.answer.features import FEATURES, Candidate
from rag.answer.spans import names
from rag.terms import term_set, terms

DIFFER_TEXT = "The articles differ:"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b", re.I)
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I)
_FIGURE = re.compile(r"\b\d[\d,.]*(?:st|nd|rd|th|%)?", re.I)
_TYPED = FEATURES.index("typed")


def disagreeing(ranked: list[Candidate], margin: float = 0.03, reach: int = 3) -> Candidate | None:
    """A runner-up (among the best ``reach``, at least ``margin`` of the best one's share) from
    another article that states a different date or figure for the top sentence's event (the
    same names, most words shared)."""
    top = ranked[0]
    mine = stated_values(top.text)
    if not mine:
        return None
    for c in ranked[1:reach]:
        if c.score < margin * top.score:
            break
        if c.doc_id == top.doc_id or not c.values[_TYPED]:
            continue
        theirs = stated_values(c.text)
        kinds = {k for k, _ in mine} & {k for k, _ in theirs}
        if not kinds or not same_event(top.text, c.text):
            continue
        if any({v for v in mine if v[0] == k} != {v for v in theirs if v[0] == k} for k in kinds):
            return c
    return None


def stated_values(text: str) -> set[tuple[str, str]]:
    """Dates (day and month) and figures a sentence states, normalised for comparison."""
    values = set()
    for day, month in _DAY_MONTH.findall(text):
        values.add(("date", f"{int(day)} {_MONTHS.index(month[:3].lower()) + 1}"))
    for month, day in _MONTH_DAY.findall(text):
        values.add(("date", f"{int(day)} {_MONTHS.index(month[:3].lower()) + 1}"))
    if values:
        return values
    return {("figure", m.group().lower().replace(",", "")) for m in _FIGURE.finditer(text)}


def same_event(a: str, b: str) -> bool:
    """Two sentences about one thing: they share most of the names of the shorter one and a
    good part of their words."""
    names_a = set(terms(" ".join(a[s:e] for s, e, _ in names(a))))
    names_b = set(terms(" ".join(b[s:e] for s, e, _ in names(b))))
    shared_names = len(names_a & names_b) / max(1, min(len(names_a), len(names_b)))
    ta, tb = term_set(a), term_set(b)
    shared_words = len(ta & tb) / max(1, min(len(ta), len(tb)))
    return shared_names >= 0.6 and shared_words >= 0.3
