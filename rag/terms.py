"""Text → index terms, shared by BM25 and the answerer so both see words the same way."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

# Negations typed without their apostrophe ("isnt"); "isn't" is "is not", no more a
# content word than "not" is, with either apostrophe.
_NEGATIONS = (
    "isnt arent wasnt werent dont doesnt didnt hasnt havent hadnt cant couldnt wont wouldnt "
    "shouldnt"
).split()
STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does doing for from had has have
    having he her hers herself him himself his how i if in into is it its itself just me more most
    my no nor not of on once only or other our ours out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom whose why will with would you
    your yours also about after again against all am any because before below between both during
    each few further here off s t don now said says say according tell told know let us
    whats wheres whos hows whens whys thats theres""".split()  # contractions typed bare
    + _NEGATIONS
    + [f"{w[:-2]}{q}t" for w in _NEGATIONS for q in ("n'", "n’")]
)
# Spellings of one name map to one term: "U.S." in an article matches "United States".
_ALIASES = (
    (re.compile(r"\bu\.\s?s\.(?:\s?a\.)?|\bunited states(?: of america)?\b|\busa\b"), " usa "),
    (re.compile(r"\bu\.\s?k\.|\bunited kingdom\b|\bbritain\b|\bgreat britain\b"), " uk "),
    (re.compile(r"\bzelenskyy\b"), " zelensky "),
    (re.compile(r"\bsecretary[- ]general\b"), " secretary general "),
)
_WORD = re.compile(r"[a-z0-9]+(?:[-'’][a-z0-9]+)*")


@lru_cache(maxsize=1)
def rules() -> str:
    """A fingerprint of how text becomes terms (stop words, aliases, word pattern, stemmer):
    a keyword index made under other rules is rebuilt, not read with these."""
    parts = (sorted(STOPWORDS), [(p.pattern, r) for p, r in _ALIASES], _WORD.pattern, "english")
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def normalize(text: str) -> str:
    text = text.lower()
    for pattern, replacement in _ALIASES:
        text = pattern.sub(replacement, text)
    # "US" written in capitals is the country; lowercase "us" is a pronoun (already a stopword).
    return text


def terms(text: str) -> list[str]:
    """Stemmed content words in order (stop words dropped, possessives stripped)."""
    text = re.sub(r"\bUS\b", "usa", text)
    words = []
    for word in _WORD.findall(normalize(text)):
        if word.endswith(("'s", "’s")):  # a possessive
            word = word[:-2]
        if "-" in word and not word[0].isdigit():
            words.extend(part for part in word.split("-") if part and part not in STOPWORDS)
        elif word not in STOPWORDS:
            words.append(word)
    return _stemmer().stemWords(words)


@lru_cache(maxsize=16384)
def term_set(text: str) -> frozenset[str]:
    """The set of ``terms(text)``, remembered: an article's sentences come back question after
    question, and the answerer compares them by these sets."""
    return frozenset(terms(text))
