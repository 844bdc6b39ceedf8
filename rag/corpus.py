"""Corpus loading: every .txt/.md file under a folder becomes an Article with metadata."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.sentences import split_sentences

log = logging.getLogger("rag")

SUFFIXES = (".txt", ".md")
MAX_ARTICLE_BYTES = 5_000_000
TITLE_CHARS = 90

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")  # control characters but \t \n \f \r
_DATE_PREFIX = re.compile(r"^\s*date[:\s]+(\d{4}-\d{2}-\d{2})\b\s*", re.IGNORECASE)
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH_NAMES = tuple(m.capitalize() for m in _MONTHS)
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_FULL_DATES = (
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
    re.compile(rf"\b(\d{{1,2}}) {_MONTH},? (\d{{4}})\b"),
    re.compile(rf"\b{_MONTH} (\d{{1,2}}),? (\d{{4}})\b"),
)
_NAME = r"((?:the )?[A-Z][\w.&-]*(?:[ -](?:[A-Z][\w.&-]*|of|de|du))*)"
# Each with a phrase it cannot match without: most articles skip most searches.
_OUTLET_PATTERNS = (
    ("as reported by ", re.compile(rf"\bas reported by {_NAME}")),
    ("reported by ", re.compile(rf"\breported by {_NAME}")),
    (" report", re.compile(rf"\b{_NAME} reports?\b")),
    ("according to ", re.compile(rf"\baccording to {_NAME}(?:,| reports?)")),
)


@dataclass(frozen=True)
class Article:
    id: str
    path: Path
    text: str
    title: str
    date: str | None
    outlet: str | None
    content_hash: str


@dataclass
class CorpusLoad:
    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def skip(self, path: Path, reason: str) -> None:
        log.warning("skipped %s: %s", path, reason)
        self.skipped.append((path, reason))


def load_corpus(corpus_dir: Path) -> CorpusLoad:
    """Every article under ``corpus_dir``; a bad file is skipped with a warning, never fatal."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(
            f"Corpus folder {corpus_dir} does not exist: create it with .txt or .md articles "
            "or set RAG_CORPUS_DIR"
        )
    result = CorpusLoad()
    seen: dict[str, Path] = {}
    for path in article_paths(corpus_dir):
        if path.stem in seen:
            result.skip(path, f"same article id as {seen[path.stem]} (ids are file names)")
            continue
        try:
            article = load_article(path)
        except (OSError, ValueError) as err:
            result.skip(path, str(err))
            continue
        seen[article.id] = path
        result.articles.append(article)
    return result


def article_paths(corpus_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in Path(corpus_dir).rglob("*")
        if p.suffix.lower() in SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )


def load_article(path: Path) -> Article:
    """Raises ValueError (empty, binary, too large) or OSError (unreadable) with a reason."""
    if path.stat().st_size > MAX_ARTICLE_BYTES:
        raise ValueError(f"larger than {MAX_ARTICLE_BYTES // 1_000_000} MB, not a news article")
    data = path.read_bytes()
    text = decode_text(data)
    if not text.strip():
        raise ValueError("empty file")
    date, body = split_date_prefix(text)
    return Article(
        id=path.stem,
        path=path,
        text=text,
        title=title_of(body),
        date=date or first_full_date(body),
        outlet=outlet_of(body),
        content_hash=hashlib.sha256(data).hexdigest()[:16],
    )


def decode_text(data: bytes) -> str:
    """UTF-8 first, then cp1252, then latin-1; binary data is refused."""
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    control = len(_CONTROL.findall(text, 0, 8192))
    if control > 0.05 * max(1, min(len(text), 8192)):
        raise ValueError("binary file (mostly control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_date_prefix(text: str) -> tuple[str | None, str]:
    match = _DATE_PREFIX.match(text)
    if not match:
        return None, text
    return match.group(1), text[match.end() :]


def first_full_date(text: str) -> str | None:
    """The earliest date with a year that the text states, as YYYY-MM-DD."""
    named = any(month in text for month in _MONTH_NAMES)  # else only ISO dates can match
    patterns = _FULL_DATES if named else _FULL_DATES[:1]
    matches = [m for pattern in patterns if (m := pattern.search(text))]
    for match in sorted(matches, key=lambda m: m.start()):
        groups = match.groups()
        if match.re is _FULL_DATES[0]:
            year, month, day = groups
        elif match.re is _FULL_DATES[1]:
            day, month, year = groups[0], _MONTHS.index(groups[1].lower()) + 1, groups[2]
        else:
            month, day, year = _MONTHS.index(groups[0].lower()) + 1, groups[1], groups[2]
        if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return None


def title_of(text: str) -> str:
    """A headline line where there is one, else the first sentence, cut short."""
    lines = [line.strip().lstrip("#").strip() for line in text.splitlines()]
    first = next((line for line in lines if line), "")
    if first and len(first) <= 120 and first[-1] not in ".!?\"”'":
        return first
    spans = split_sentences(first)
    if not spans:
        return ""
    start, end = spans[0]
    sentence = first[start:end]
    if len(sentence) <= TITLE_CHARS:
        return sentence
    return sentence[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def outlet_of(text: str) -> str | None:
    """The outlet where the article names one: a "– CNN" headline, "as reported by Bloomberg"."""
    first_line = text.strip().split("\n", 1)[0]
    headline = re.search(r"\s[–—-]\s([A-Z][\w.&-]*(?: [A-Z][\w.&-]*)*)\s*$", first_line)
    if headline and len(first_line) <= 120:
        return headline.group(1)
    for phrase, pattern in _OUTLET_PATTERNS:
        match = phrase in text and pattern.search(text)
        if match:
            name = match.group(1)
            return name[4:] if name.startswith("the ") else name
    return None
