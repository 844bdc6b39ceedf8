"""Article dates at question time: the date range a caller restricts retrieval to, and the
time a question asks about ("the latest", "before June 2024"), read once from its words.

Dates are stored on every chunk as ``day``, an integer YYYYMMDD (0 for an undated article),
so Chroma can compare them in a ``where`` filter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

UNDATED = 0


def day_number(iso: str | None) -> int:
    """``YYYY-MM-DD`` as the integer YYYYMMDD the store filters on; 0 when undated."""
    if not iso:
        return UNDATED
    try:
        return int(dt.date.fromisoformat(iso[:10]).strftime("%Y%m%d"))
    except ValueError:
        return UNDATED


def _day(value: dt.date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


@dataclass(frozen=True)
class DateRange:
    """Articles dated ``since`` .. ``until`` (both included; either may be open); undated
    articles are kept unless ``include_undated`` is False."""

    since: dt.date | None = None
    until: dt.date | None = None
    include_undated: bool = True

    @property
    def unbounded(self) -> bool:
        return self.since is None and self.until is None and self.include_undated

    def admits(self, day: int) -> bool:
        if day == UNDATED:
            return self.include_undated
        low = _day(self.since) if self.since else 0
        high = _day(self.until) if self.until else 99999999
        return low <= day <= high

    def where(self) -> dict | None:
        """The Chroma ``where`` filter on the chunks' ``day``; None when nothing is filtered."""
        if self.unbounded:
            return None
        dated: list[dict] = [{"day": {"$gt": UNDATED}}]
        if self.since:
            dated.append({"day": {"$gte": _day(self.since)}})
        if self.until:
            dated.append({"day": {"$lte": _day(self.until)}})
        in_range = dated[0] if len(dated) == 1 else {"$and": dated}
        if self.include_undated:
            return {"$or": [in_range, {"day": UNDATED}]}
        return in_range

    def describe(self) -> str:
        span = f"{self.since or '…'} to {self.until or '…'}"
        return span + ("" if self.include_undated else ", dated articles only")


def date_range(
    since: object = None, until: object = None, include_undated: bool = True
) -> DateRange:
    """A checked range from ``datetime.date``/``datetime`` values or ISO strings
    (``2024-10-18``, or ``2024-10`` and ``2024`` for a whole month or year)."""
    low = _bound(since, "since", first=True)
    high = _bound(until, "until", first=False)
    if low and high and low > high:
        raise ValueError(f"since ({low}) is after until ({high}): swap them")
    if not isinstance(include_undated, bool):
        raise TypeError("include_undated must be True or False")
    return DateRange(low, high, include_undated)


_ISO_PART = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _bound(value: object, name: str, first: bool) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a date or an ISO date string, not {type(value).__name__}")
    match = _ISO_PART.match(value.strip())
    try:
        if match is None:
            raise ValueError
        year, month, day = (int(g) if g else None for g in match.groups())
        return _edge(year, month, day, first)
    except ValueError:
        raise ValueError(
            f"{name}={value!r} is not a date: use YYYY-MM-DD (or YYYY-MM, YYYY)"
        ) from None


def _edge(year: int, month: int | None, day: int | None, first: bool) -> dt.date:
    """The date itself, or the first (last) day of the month or year given."""
    if day is not None:
        return dt.date(year, 1 if month is None else month, day)
    if month is not None:
        return dt.date(year, month, 1 if first else calendar.monthrange(year, month)[1])
    return dt.date(year, 1, 1) if first else dt.date(year, 12, 31)


# --- the time a question asks about ----------------------------------------------------------

Order = Literal["newest", "oldest"]


@dataclass(frozen=True)
class TimeFrame:
    """What a question says about when: the newest or oldest reports wanted, and a window of
    article dates ("before June 2024", "in 2023"). Retrieval prefers articles that fit it;
    nothing is filtered out."""

    order: Order | None = None
    window: DateRange | None = None

    def __bool__(self) -> bool:
        return self.order is not None or self.window is not None


_NEWEST = re.compile(
    r"\b(latest|most recent(?:ly)?|newest|recently|lately|currently|nowadays|right now|"
    r"these days|up to date|as things stand|by now)\b",
    re.IGNORECASE,
)
_OLDEST = re.compile(
    r"\b(earliest|oldest|originally|initially|at first|in the beginning|to begin with|"
    r"first (?:reported|announced|said|mentioned|report|article|reports|articles))\b",
    re.IGNORECASE,
)
_MONTHS = {m.lower(): n for n, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): n for n, m in enumerate(calendar.month_abbr) if m}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)? {_MONTH},? \d{{4}}|"
    rf"{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|{_MONTH},? \d{{4}}|(?:19|20)\d{{2}})"
)
_WINDOW = re.compile(
    rf"\b(before|prior to|until|till|up to|by|after|since|following|in|during|on|as of|from)"
    rf"\s+(?:the\s+)?(?:end of\s+|start of\s+)?({_DATE})\b",
    re.IGNORECASE,
)


def time_frame(text: str) -> TimeFrame:
    """The question's time frame from its words; empty when it says nothing about time."""
    order: Order | None = None
    if _NEWEST.search(text):
        order = "newest"
    elif _OLDEST.search(text):
        order = "oldest"
    window = None
    match = _WINDOW.search(text)
    if match:
        span = _span(match.group(2))
        if span is not None:
            word, (low, high) = match.group(1).lower(), span
            if word in ("before", "prior to"):
                window = DateRange(None, low - dt.timedelta(days=1))
            elif word in ("until", "till", "up to", "by", "as of"):
                window = DateRange(None, high)
            elif word in ("after", "following"):
                window = DateRange(high + dt.timedelta(days=1), None)
            elif word in ("since", "from"):
                window = DateRange(low, None)
            else:
                window = DateRange(low, high)
    return TimeFrame(order, window)


def _span(phrase: str) -> tuple[dt.date, dt.date] | None:
    """The first and last day a date phrase covers ("October 2024": the whole month)."""
    words = re.findall(r"[a-z]+|\d+", phrase.lower())
    numbers = [int(w) for w in words if w.isdigit()]
    month = next((_MONTHS.get(w[:3]) for w in words if w[:3] in _MONTHS), None)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", phrase):
            day = dt.date.fromisoformat(phrase)
            return day, day
        year = next(n for n in numbers if n > 31)
        days = [n for n in numbers if n <= 31]
        if month and days:
            day = dt.date(year, month, days[0])
            return day, day
        if month:
            return _edge(year, month, None, True), _edge(year, month, None, False)
        return _edge(year, None, None, True), _edge(year, None, None, False)
    except (StopIteration, ValueError):
        return None
