"""Sentence spans in article text: the unit an answer quotes and a citation points to."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen sen rep gov lt col sgt capt st jr sr inc ltd co corp vs etc no "
    "jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e approx dept est fig".split()
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9…])")
# A line ending mid-sentence (a word or comma, one newline) before a lowercase word.
_RUNS_ON = re.compile(r"[\w,;]\n[a-z]")
_LOOKBACK = 40  # longer than any abbreviation or run of initials


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences in ``text``, shifted by ``offset``.

    Lines are split first (a headline or paragraph never runs into the next), then
    sentences at terminal punctuation that is not an abbreviation such as "U.S." or "Mr.".
    """
    spans: list[tuple[int, int]] = []
    for first, last in _lines(text):
        start = first
        for boundary in _BOUNDARY.finditer(text, first, last):
            end = boundary.end()
            if _is_abbreviation(text, boundary.start()):
                continue
            _append_trimmed(spans, text, start, end)
            start = end
        _append_trimmed(spans, text, start, last)
    return [(s + offset, e + offset) for s, e in spans]


def _lines(text: str) -> list[tuple[int, int]]:
    """Spans of the text's lines, a hard-wrapped sentence's lines joined: a line running on
    to the next ("... the 2005 film of\nthe novel") without terminal punctuation."""
    lines: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        # Only the two characters around the newline are read: a long wrapped paragraph
        # stays linear (searching the joined lines again for each new one was quadratic).
        if lines and _RUNS_ON.match(text, line.start() - 2):
            lines[-1] = (lines[-1][0], line.end())
        else:
            lines.append(line.span())
    return lines


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    # Only the word before the dot matters; looking at a bounded window keeps a huge
    # one-line article linear (a search over text[:dot] made it quadratic).
    window = max(0, dot - _LOOKBACK)
    word = re.search(r"([\w.]+)$", text[window:dot])
    if not word or (word.start() == 0 and window > 0):  # no word, or one too long to abbreviate
        return False
    token = word.group(1)
    if re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", token):  # U.S, U.K, J (an initial)
        return len(token) == 1 and token.isupper() or "." in token
    return token.lower() in _ABBREVIATIONS


def _append_trimmed(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if not stripped:
        return
    lead = len(segment) - len(segment.lstrip())
    spans.append((start + lead, start + lead + len(stripped)))
