"""Publication dates as the readers find them (ISO, RFC 2822, "18 October 2024") → YYYY-MM-DD."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_tz

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[t\s])")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_DAY_MONTH = re.compile(rf"^(?:[a-z]+,?\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})\b")
_MONTH_DAY = re.compile(rf"^(?:[a-z]+,?\s+)?{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b")


def iso_date(value: object) -> str | None:
    """``value`` as YYYY-MM-DD when it states a whole date; None otherwise (never a guess)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    for pattern in (_ISO, _SLASHED):
        if match := pattern.match(text):
            return _valid(*match.groups())
    if match := _DAY_MONTH.match(text):
        day, month, year = match.groups()
        return _valid(year, _month_number(month), day)
    if match := _MONTH_DAY.match(text):
        month, day, year = match.groups()
        return _valid(year, _month_number(month), day)
    parsed = parsedate_tz(value)  # "Fri, 18 Oct 2024 09:30:00 +0000"
    if parsed and parsed[0] > 1800:
        return _valid(parsed[0], parsed[1], parsed[2])
    return None


def _month_number(name: str) -> int:
    return next(n for n, month in enumerate(_MONTHS, 1) if month.startswith(name[:3]))


def _valid(year, month, day) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None
