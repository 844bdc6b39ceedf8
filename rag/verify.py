"""Citation verification: every [n] a model writes is checked against the source it names.

An answer sentence is *supported* by a span of a retrieved chunk (one sentence, or two
adjacent ones) when the calibrated embedding similarity and the share of the sentence's
content words found in the span together reach the threshold. A marker whose source does
not support its sentence (or does not exist) is moved to the retrieved source that does,
or dropped; a sentence nothing supports is taken out of the answer and reported (an
answer left with no supported sentence is the abstention). Markers are renumbered in order
of first use and each citation quotes the exact supporting span.

``MarkerResolver`` does this incrementally, so a stream shows each sentence once it is
decided, with resolved markers, and the joined stream equals the final answer text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from rag.answer.base import ABSTAIN_TEXT
from rag.citations import Citation, Verification
from rag.sentences import split_sentences
from rag.support import DIGITS, MIN_PART_TERMS, SourceIndex, Span
from rag.terms import terms

_MARKER = re.compile(
    r"\[\^?\s*(?:sources?\s*)?(\d{1,3}(?:\s*[,;]\s*(?:sources?\s*)?\d{1,3})*)\s*\]",
    re.IGNORECASE,
)
_PARTIAL_MARKER = re.compile(r"\[\^?[\w\s,;]{0,24}", re.IGNORECASE)


def is_abstention(sentence: str) -> bool:
    """The fixed abstention sentence, or a sentence that opens with it."""
    plain = sentence.replace("’", "'").strip().lower()
    return plain.startswith(ABSTAIN_TEXT.lower().rstrip(".")) or plain.startswith(
        "the articles do not say"
    )


@dataclass
class Resolution:
    """A verified answer: text with renumbered markers, citations, and what was changed."""

    text: str
    citations: list[Citation]
    unsupported: list[str]
    verification: Verification
    abstained: bool


class MarkerResolver:
    """Feed it the model's text piece by piece; it hands back verified text as it can.

    A sentence is released once it is decided (when the next sentence starts, or at
    ``close``), with its markers settled: a sentence a source supports goes out with its
    markers; one that no source supports is never released (it goes to ``unsupported``);
    one with nothing to check (no content words, or "The articles don't say ...") waits for
    the next supported sentence. With no supported sentence at all the answer is the
    abstention. The joined releases always equal the final answer's text.
    """

    def __init__(self, sources: SourceIndex):
        self.sources = sources
        self._raw = ""  # a marker that may still be arriving ("[1" without its "]")
        self._clean = ""  # the model's text without its markers
        self._marks: list[tuple[int, tuple[int, ...]]] = []  # (position in _clean, numbers)
        self._decided = 0  # sentences whose markers are settled
        self._seen = 0  # end (in _clean) of the last decided sentence
        self._held: list[str] = []  # decided sentences with nothing to check, not yet out
        self._out: list[str] = []
        self._numbers: dict[tuple[str, int, int], int] = {}
        self._citations: list[Citation] = []
        self._unsupported: list[str] = []
        self._judged: dict[tuple, float | None] = {}  # (span, sentence) -> the judge's P(yes)
        self._counts = dict.fromkeys(("markers", "kept", "repaired", "removed", "added"), 0)

    def feed(self, piece: str) -> str:
        self._parse(self._raw + piece, final=False)
        return self._release(final=False)

    def close(self) -> tuple[str, Resolution]:
        """The last text piece and the verified answer."""
        self._parse(self._raw, final=True)
        tail = self._release(final=True)
        verification = Verification(**self._counts, unsupported=len(self._unsupported))
        if not self._citations:  # nothing supported: nothing was released either
            return ABSTAIN_TEXT, Resolution(
                ABSTAIN_TEXT, [], list(self._unsupported), verification, True
            )
        if self._held:
            tail += self._emit("".join(self._held))
        text = "".join(self._out)
        return tail, Resolution(
            text, list(self._citations), list(self._unsupported), verification, False
        )

    def _parse(self, raw: str, final: bool) -> None:
        """Move text into ``_clean`` and markers into ``_marks``; keep a partial marker raw."""
        i = 0
        while i < len(raw):
            bracket = raw.find("[", i)
            if bracket < 0:
                self._clean += raw[i:]
                i = len(raw)
                break
            self._clean += raw[i:bracket]
            match = _MARKER.match(raw, bracket)
            if match:
                self._clean = self._clean.rstrip()
                numbers = tuple(int(n) for n in DIGITS.findall(match.group(1)))
                self._marks.append((len(self._clean), numbers))
                i = match.end()
                continue
            partial = _PARTIAL_MARKER.fullmatch(raw, bracket)
            if partial and not final:
                self._raw = raw[bracket:]
                return
            self._clean += "["
            i = bracket + 1
        self._raw = ""

    def _release(self, final: bool) -> str:
        """The sentences decided by now that may be shown, each after the gap before it."""
        spans = split_sentences(self._clean)
        starts = [s for s, _ in spans]
        complete = len(spans) if final else len(spans) - 1
        pieces = []
        for i in range(self._decided, complete):
            start, end = spans[i]
            marks = [m for m in self._marks if owner(starts, m[0]) == i]
            text = self._clean[self._seen : end]
            self._seen, self._decided = end, i + 1
            verdict, markers = self._decide(start, end, marks)
            if verdict == "supported":
                pieces.append(self._emit("".join(self._held) + text + markers))
                self._held = []
            elif verdict == "unchecked":
                self._held.append(text)
        return "".join(pieces)

    def _emit(self, text: str) -> str:
        """``text`` as it joins what was released before (no leading blanks at the start)."""
        if not self._out:
            text = text.lstrip()
        self._out.append(text)
        return text

    def _decide(
        self, start: int, end: int, marks: list[tuple[int, tuple[int, ...]]]
    ) -> tuple[str, str]:
        """One sentence's verdict ("supported", "unsupported" or "unchecked") and its
        verified marker text (" [2][3]", or "" when none holds)."""
        sentence = self._clean[start:end]
        cited = [
            (n, self._clean[max(start, p) : pos])
            for p, (pos, ns) in _clauses(start, marks)
            for n in ns
        ]
        self._counts["markers"] += len(cited)
        if is_abstention(sentence) or not terms(sentence):
            self._counts["removed"] += len(cited)
            return "unchecked", ""
        sentence_scores = self.sources.scores(sentence)
        # A sentence that draws on several sources: each needs to back a part of it.
        parts = clauses(sentence) if len({n for n, _ in cited}) > 1 else []
        keep: list[tuple[Span, float]] = []
        bad = 0
        for number, clause in cited:
            span, score = self._cited_support(number, sentence_scores, [clause, *parts])
            if self._backs(span, score, sentence):
                keep.append((span, score))
            else:
                bad += 1
        self._counts["kept"] += len(keep)
        if not keep:
            span, score = self.sources.best(sentence_scores)
            if self._backs(span, score, sentence):
                keep.append((span, score))
                if bad:
                    self._counts["repaired"] += 1
                    bad -= 1
                else:
                    self._counts["added"] += 1
        self._counts["removed"] += bad
        if not keep:
            self._unsupported.append(sentence)
            return "unsupported", ""
        numbers = list(dict.fromkeys(self._number(span, score) for span, score in keep))
        return "supported", " " + "".join(f"[{n}]" for n in numbers)

    def _backs(self, span: Span | None, score: float, sentence: str) -> bool:
        """The span supports the sentence: by the embedding check's score alone, or, with a
        model judge, by the judge's yes on any span the embedding check finds near enough
        (its verdict standing where the judge cannot tell)."""
        if span is None:
            return False
        judge = self.sources.judge
        if judge is None:
            return score >= self.sources.threshold
        if score < judge.judged_from:
            return False
        key = (span.key, sentence)
        if key not in self._judged:
            self._judged[key] = judge.probability(span.text, sentence)
        yes = self._judged[key]
        return score >= self.sources.threshold if yes is None else yes >= judge.yes

    def _cited_support(
        self, number: int, sentence_scores: np.ndarray, parts: list[str]
    ) -> tuple[Span | None, float]:
        """Source ``number``'s best span for the sentence, or else for a part of it
        (the clause the marker ends, or a clause of a sentence that cites several sources)."""
        if not 1 <= number <= len(self.sources):
            return None, 0.0
        span, score = self.sources.best(sentence_scores, number)
        if score >= self.sources.threshold:
            return span, score
        parts = [p for p in dict.fromkeys(parts) if len(terms(p)) >= MIN_PART_TERMS]
        for part_scores in self.sources.scores_many(parts) if parts else []:
            part_span, part_score = self.sources.best(part_scores, number)
            if part_score > score:
                span, score = part_span, part_score
        return span, score

    def _number(self, span: Span, score: float) -> int:
        if span.key not in self._numbers:
            self._numbers[span.key] = len(self._numbers) + 1
            stored = span.passage.stored
            self._citations.append(
                Citation(
                    self._numbers[span.key],
                    stored.chunk.doc_id,
                    stored.title,
                    stored.date,
                    stored.outlet,
                    span.text,
                    span.start,
                    span.end,
                    round(score, 4),
                    stored.chunk.id,
                )
            )
        return self._numbers[span.key]


def clauses(sentence: str, most: int = 8) -> list[str]:
    """The parts of a compound sentence: every run of the pieces between , ; : and joining
    words ("and", "but", "while", ...), short of the whole sentence."""
    cuts = re.compile(r"\s*[,;:—–]\s*|\s+(?:and|but|while|whereas|though|although)\s+")
    bounds = [0]
    for match in cuts.finditer(sentence):
        bounds += [match.start(), match.end()]
    bounds.append(len(sentence))
    pieces = list(zip(bounds[::2], bounds[1::2]))[:most]
    runs = [
        sentence[pieces[i][0] : pieces[j][1]]
        for i in range(len(pieces))
        for j in range(i, len(pieces))
    ]
    return [r for r in runs if r.strip() and r != sentence]


def owner(starts: list[int], position: int) -> int:
    """Index of the sentence a marker at ``position`` follows (the last one starting before)."""
    return max(bisect.bisect_left(starts, position) - 1, 0)


def _clauses(start: int, marks: list[tuple[int, tuple[int, ...]]]):
    """Each marker with where its clause begins: the sentence start or the previous marker."""
    previous = start
    for pos, numbers in marks:
        yield previous, (pos, numbers)
        previous = pos


def verify(text: str, sources: SourceIndex) -> Resolution:
    """A whole reply at once (the non-streaming path)."""
    resolver = MarkerResolver(sources)
    resolver.feed(text)
    return resolver.close()[1]
