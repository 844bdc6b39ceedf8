"""A question parsed once into what it asks for; every later step reads this value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rag.answer.spans import ROLES
from rag.dates import TimeFrame, time_frame
from rag.terms import terms

_ROLES = rf"(?:{'|'.join(ROLES)})s?"
# Words between "which" and the noun it asks about: modifiers ("which top Chinese
# diplomat"), not a verb, article or preposition ("what happened to the president").
_AUX = r"is|are|was|were|do|does|did|has|have|had|will|would|can|could|should|may|might|must"
_MODIFIER = (
    rf"(?!(?:{_AUX}|the|a|an|of|to|in|on|at|for|by|with|from|about|that|this|\w+ed|\w+ing)\b)"
    r"[\w.'’-]+ "
)
_NOT_AUX = rf"(?!(?:{_AUX})\b)"
# What the question asks for, read off its opening words: the pattern that matches first in
# the question decides ("Who ... when his term ran out?" asks for a person), the earlier in
# this list on a tie; yes/no only when no other matches ("Did he say when ...?" asks when).
# One declared list, each with the kind of answer it asks for.
KINDS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            "number",
            r"\bhow (many|much|long|far|big|old|large|often)\b|"
            r"\b(what|which) (\w+ )?(number|percentage|percent|share|amount|proportion)\b",
        ),
        (
            "date",
            r"^(when|what (date|day|month|year|time|century|decade))\b|"
            r"\b(when|what (date|day|month|year|century|decade)|which (day|year|month))\b",
        ),
        (
            "reason",
            r"^why\b|\b(what|which) (is|was|were|are) the reasons?\b|\bfor what reason\b|"
            r"\bwhy\b",
        ),
        (
            "place",
            rf"^where\b|\b(which|what) (city|country|countries|capital|town|place|"
            rf"region|location|area|state|island|continent)\b(?! {_ROLES}\b)|\bwhere\b",
        ),
        (
            "statement",
            r"\bwhat (did|does|do|has|have|had|will|would) [^?]{1,40}? "
            r"(say|said|tell|told|state|think|mean|write|add|note|explain|warn)\b",
        ),
        # "Who is John Kirby?" asks what he is, not for a name: a bare name of up to three
        # words after "who is" (no article, possessive, role or verb) asks for a description.
        (
            "other",
            rf"^who (is|was|are|were) (?!(the|a|an) )(?![^?]*(['’]s\b|\b{_ROLES}\b|ing\b|ed\b))"
            r"[\w.’'-]+( [\w.’'-]+){0,2}\W*$",
        ),
        # "Which NATO official", "what top US diplomat": the words between are modifiers
        # ("What were people afraid of?" asks what they feared, not who).
        ("person", rf"^(who|whom|whose)\b|\bwho\b|\b(which|what) ({_MODIFIER}){{0,3}}{_ROLES}\b"),
        ("manner", r"^how\b|\bin what way\b"),
        (
            "yes_no",
            r"^(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|"
            r"shall|may|might|must|isn't|aren't|wasn't|didn't|doesn't|won't)\b",
        ),
    )
)
# Words that name the kind of answer wanted ("In which country?"), which the answering
# sentence need not contain, so they are not words to match.
_KIND_WORDS = re.compile(
    r"\b(?:which|what) (?:\w+ )?(country|countries|city|cities|capital|town|place|year|date|day|"
    r"month|time|century|decade|name|number|percentage|amount|reason)\b|['’]s (job|role|title)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w’'.-]*)*")
_FIGURE = re.compile(r"\b\d+(?:[.,]\d+)?\b")
# "How many <unit>": the words after it, unless a verb comes first ("How much were the
# losses?" names no unit).
_UNIT = re.compile(
    rf"\bhow (?:many|much) {_NOT_AUX}([a-z][\w-]*(?: [a-z][\w-]*)?)",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"\bhow (?:many|much)\b|\b(?:what|which) (?:\w+ )?(?:number|percentage|percent|amount)\b",
    re.IGNORECASE,
)
_MORE = re.compile(
    r"\b(what|who|anything|anyone|where|which) else\b|\bbesides\b|\bother than\b"
    r"|\bapart from\b|\banything more\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Question:
    text: str
    kind: str  # number, date, reason, place, statement, person, manner, yes_no or other
    focus: frozenset[str]  # the question's own content terms, kind words left out
    names: tuple[tuple[str, ...], ...]  # each name the question gives, as its terms
    figures: frozenset[str]  # years and figures the question states
    unit: str | None = None  # "how many <unit>": the two words after it ("NATO allies")
    amount: bool = False  # it asks how many or how much: only a figure answers it
    carried: frozenset[str] = frozenset()  # terms a follow-up carries from earlier turns
    wants_more: bool = False  # "What else ...?": something not yet said
    said: tuple[str, ...] = field(default=(), repr=False)  # answers already given, as text
    time: TimeFrame = TimeFrame()  # "the latest", "before June 2024": retrieval prefers by date


def parse_question(
    text: str,
    query: str | None = None,
    referent: str = "",
    said: tuple[str, ...] = (),
) -> Question:
    """``text`` as a Question; ``query`` is its standalone form (a follow-up's carries words
    of earlier turns), ``referent`` what its "he" or "that city" stands for, ``said`` the
    answers the conversation already gave."""
    base = _parsed(text)
    own = base.focus | frozenset(terms(referent))
    carried = frozenset(terms(query or "")) - own - _kind_terms(text)
    names = base.names + tuple(n for n in _names(referent) if n not in base.names)
    return replace(base, text=text, focus=own, names=names, carried=carried, said=said)


def question_time(text: str, query: str | None = None) -> TimeFrame:
    """The time frame the question states (a follow-up's, its standalone query's)."""
    return _parsed(text).time or (_parsed(query).time if query else TimeFrame())


@lru_cache(maxsize=512)
def _parsed(text: str) -> Question:
    kind = question_kind(text)
    unit = _UNIT.search(text)
    return Question(
        text=text,
        kind=kind,
        focus=frozenset(terms(text)) - _kind_terms(text),
        names=_names(text),
        figures=frozenset(_FIGURE.findall(text)),
        unit=unit.group(1).lower() if unit and kind == "number" and terms(unit.group(1)) else None,
        amount=kind == "number" and bool(_AMOUNT.search(text)),
        wants_more=bool(_MORE.search(text)),
        time=time_frame(text),
    )


# Contractions typed without their apostrophe ("whos", "isnt") read as written with it.
_BARE_CONTRACTION = re.compile(
    r"\b(?:(who|what|where|when|why|how)s|(is|are|was|were|do|does|did|has|have|had|ca|wo)nt)\b",
    re.IGNORECASE,
)


def question_kind(text: str) -> str:
    q = _BARE_CONTRACTION.sub(lambda m: f"{m[1]}'s" if m[1] else f"{m[2]}n't", text.strip())
    found = [(m.start(), i) for i, (_, pattern) in enumerate(KINDS) if (m := pattern.search(q))]
    found = [f for f in found if KINDS[f[1]][0] != "yes_no"] or found
    return KINDS[min(found)[1]][0] if found else "other"


def _kind_terms(text: str) -> frozenset[str]:
    return frozenset(terms(" ".join(w for m in _KIND_WORDS.findall(text) for w in m if w)))


def _names(text: str) -> tuple[tuple[str, ...], ...]:
    """Capitalised runs, each as its terms; a sentence's opening word counts only within a
    longer run ("Mark Rutte", not "Which")."""
    found = []
    for match in _NAME.finditer(text):
        words = match.group().split()
        if match.start() == 0 or text[match.start() - 1] in '"“(':
            words = words[1:] if len(words) > 1 and not terms(words[0]) else words
            if len(words) == 1 and match.start() == 0:
                continue
        name = tuple(terms(" ".join(words)))
        if name and name not in found:
            found.append(name)
    return tuple(found)
