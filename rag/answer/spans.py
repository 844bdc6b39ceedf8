"""Spans of a kind in a sentence (names, places, dates, numbers, reasons): what an answer of
the asked kind looks like, and the short answer shown before the quote."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.terms import STOPWORDS, terms

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|March|April|May|June|July|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozens?|several|half)"
)
PATTERNS: dict[str, re.Pattern] = {
    "date": re.compile(
        rf"\b(?:(?:{_WEEKDAY},? )?\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}(?:,? \d{{4}})?|"
        rf"(?:{_WEEKDAY},? )?{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|"
        rf"{_MONTH},? \d{{4}}|(?-i:{_MONTH})|{_WEEKDAY}|\d{{4}}-\d{{2}}-\d{{2}}|"
        r"(?:1[0-9]|20)\d\d(?:s)?|\d{1,2}(?:st|nd|rd|th) centur(?:y|ies)|"
        r"(?:early|mid|late)[- ]\d{4}s?|(?:this|next|last) (?:week|month|year|spring|summer|"
        r"autumn|fall|winter))\b",
        re.IGNORECASE,
    ),
    "number": re.compile(
        rf"(?:[$€£]\s?)?\b(?:\d[\d,.]*(?:st|nd|rd|th)?|{_NUMBER_WORD})"
        r"(?:[ -](?:(?:\d[\d,.]*|million|billion|thousand|hundred|bn|m|per ?cent|percent)\b|%))*"
        r"(?: [a-z]+)?",
        re.IGNORECASE,
    ),
    "reason": re.compile(
        r"\b(?:because|due to|owing to|so that|in order to|as a result|since|for fear|"
        r"the reason|reasons?|aims? to|to (?:avoid|prevent|ensure|protect|counter|help|stop)|"
        r"concerns?|risk|would|could|fear)\b[^.;]*",
        re.IGNORECASE,
    ),
    "statement": re.compile(
        r"\b(?:said|says|stated|told|noted|added|explained|emphasi[sz]ed|stressed|warned|"
        r"argued|insisted|claimed|announced|wrote|according to|believes|commented)\b",
        re.IGNORECASE,
    ),
}
# Nouns that name a person by what they do or are ("Which judge ...?"). In a name they are
# a title: "President Donald Trump" names no one that "Donald Trump" does not.
ROLES = tuple(
    """leader official person people man woman men women king ruler spokesman spokeswoman
    spokesperson politician president premier minister ambassador diplomat envoy counterpart
    general commander officer soldier duke count earl baron lord knight prince princess
    emperor empress monarch heir pope bishop archbishop priest monk abbot mayor chancellor
    queen secretary governor gov director chief head founder author captain coach ceo chair
    chairman chairwoman chairperson senator lawmaker legislator congressman congresswoman
    judge prosecutor lawyer attorney candidate activist journalist reporter editor player
    athlete artist actor actress singer rapper musician composer producer writer poet painter
    novelist historian scientist researcher professor economist analyst expert doctor victim
    suspect gunman attacker driver pilot witness owner inventor explorer conqueror wife
    husband son daughter father mother brother sister engineer worker teacher student farmer
    manager banker investor designer architect""".split()
)


@lru_cache(maxsize=1)
def _titles() -> frozenset[str]:
    return frozenset(terms(" ".join(ROLES)))


_NAME_RUN = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of |de |von |van |the |al-)?[A-Z][\w’'.-]*)*")
_PLACE_BEFORE = re.compile(r"\b(?:in|at|to|from|near|capital|city|of)\s+(?:the\s+)?$")
_CALENDAR = re.compile(rf"^(?:{_MONTH}|{_WEEKDAY})$")


def spans(kind: str, sentence: str) -> list[tuple[int, int]]:
    """Character spans of things of ``kind`` in the sentence, in reading order."""
    if kind in ("person", "place"):
        return [
            (s, e)
            for s, e, before in names(sentence)
            if kind == "person" or _PLACE_BEFORE.search(before)
        ]
    if kind == "date":
        return [m.span() for m in PATTERNS["date"].finditer(sentence)]
    if kind == "number":
        return [m.span() for m in PATTERNS["number"].finditer(sentence)]
    if kind in ("reason", "statement"):
        return [m.span() for m in PATTERNS[kind].finditer(sentence)]
    return []


def names(sentence: str) -> list[tuple[int, int, str]]:
    """Capitalised runs (start, end, the text before), a sentence's opening word only inside
    a longer run; months and weekdays are dates, not names."""
    found = []
    for match in _NAME_RUN.finditer(sentence):
        start, text = match.start(), match.group()
        opens = start == 0 or sentence[:start].rstrip()[-1:] in '.!?"“(:'
        if opens:
            first, _, rest = text.partition(" ")
            if not rest or first.lower() in STOPWORDS:
                if not rest:
                    continue
                start, text = start + len(first) + 1, rest
        text = text.rstrip(".’'")
        if _CALENDAR.match(text) or len(text) < 2:
            continue
        found.append((start, start + len(text), sentence[max(0, start - 20) : start]))
    return found


def new_spans(
    kind: str, sentence: str, asked: frozenset[str], unit: str | None = None
) -> list[tuple[int, int]]:
    """Spans of ``kind`` holding a word the question does not: the question's own "Vigo" or
    "2024" answers nothing. A "how many <unit>" question's figures must count that unit."""
    out = []
    for s, e in spans(kind, sentence):
        words = set(terms(sentence[s:e])) - (_titles() if kind == "person" else set())
        if kind in ("reason", "statement") or (words and not words <= asked):
            if kind != "number" or not unit or counts(unit, sentence, s, e):
                out.append((s, e))
    return out


_MONEY = frozenset(terms("money dollars euros pounds funds funding cash aid cost price"))
_CURRENCY = re.compile(r"[$€£]|\b(?:dollars?|euros?|pounds?|usd|eur|gbp|bn)\b", re.IGNORECASE)


def counts(unit: str, sentence: str, start: int, end: int) -> bool:
    """Whether the figure at ``start:end`` counts ``unit``: the unit's word in it or just
    after it ("32 allies", "three secret appendices"), or a currency for money."""
    wanted = set(terms(unit))
    if not wanted or wanted & set(terms(sentence[start:end])):
        return True
    if unit_end(unit, sentence, end) is not None:
        return True
    return bool(wanted & _MONEY) and bool(_CURRENCY.search(sentence[max(0, start - 2) : end]))


def unit_end(unit: str, sentence: str, end: int, reach: int = 3) -> int | None:
    """Where the counted unit's word ends among the ``reach`` words after a figure ending at
    ``end``, before the next figure; None when it is not there."""
    wanted = set(terms(unit))
    following = PATTERNS["number"].search(sentence, end)
    stop = following.start() if following else len(sentence)
    for n, m in enumerate(re.finditer(r"\S+", sentence[end:stop])):
        if n >= reach:
            break
        if wanted & set(terms(m.group())):
            return end + m.start() + len(m.group().rstrip(".,;:!?\"”’'"))
    return None


def short_answer(
    kind: str, sentence: str, asked: frozenset[str], unit: str | None = None
) -> str | None:
    """The span to lead the answer with for a name, place, date or number question: the new
    span closest to a word the sentence shares with the question (edge to edge: "Jerry
    Connolly, head of the Assembly", not a name after the question's word said again)."""
    if kind not in ("person", "place", "date", "number"):
        return None
    found = new_spans(kind, sentence, asked, unit)
    anchors = asked_words_at(sentence, asked)
    if not found or not anchors:  # a sentence that shares no word with the question leads nothing
        return None
    s, e = min(found, key=lambda span: min(gap(span, a) for a in anchors))
    if kind == "number" and unit:
        e = unit_end(unit, sentence, e) or e  # "three secret" → "three secret appendices"
    text = sentence[s:e].strip(" ,;:")
    if kind in ("person", "place"):
        text = own_part(text, asked)
    return text if 0 < len(text) <= 60 else None


def asked_words_at(sentence: str, asked: frozenset[str]) -> list[tuple[int, int]]:
    """Character spans of the sentence's words that the question asks with."""
    return [m.span() for m in re.finditer(r"[\w’'-]+", sentence) if set(terms(m.group())) & asked]


def own_part(name: str, asked: frozenset[str]) -> str:
    """A name without the leading words the question already gives and without a trailing
    possessive: "NATO Julianne Smith" (asked about NATO) is "Julianne Smith"."""
    words = name.split()
    while len(words) > 1 and set(terms(words[0])) <= asked:
        words = words[1:]
    return re.sub(r"['’]s$", "", " ".join(words))


def gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, b[0] - a[1], a[0] - b[1])
