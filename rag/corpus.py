"""Corpus loading: every .txt/.md file under a folder becomes an Article with metadata."""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.sentences import split_sentences

log = logging.getLogger("rag")

SUFFIXES = (".txt", ".md")
MAX_ARTICLE_BYTES = 5_000_000
TITLE_CHARS = 90
MAX_LINE_CHARS = 100_000  # longer than any paragraph of a real article

_HTML = re.compile(r"<(?:!doctype|html|head|body|script|style)\b", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")

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
    notes: tuple[str, ...] = ()  # oddities worth a warning that did not stop the load


@dataclass
class CorpusLoad:
    articles: list[Article] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[tuple[Path, str]] = field(default_factory=list)
    duplicates: list[Path] = field(default_factory=list)  # skipped: same text as another file

    def skip(self, path: Path, reason: str) -> None:
        log.warning("skipped %s: %s", path, reason)
        self.skipped.append((path, reason))

    def warn(self, path: Path, note: str) -> None:
        log.warning("%s: %s", path, note)
        self.warnings.append((path, note))


def load_corpus(corpus_dir: Path) -> CorpusLoad:
    """Every article under ``corpus_dir``; a bad file is skipped with a warning, never fatal.

    A file with the same text as an earlier one (in path order) is skipped as a duplicate,
    so an answer never cites the same sentence twice under two names.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(
            f"Corpus folder {corpus_dir} does not exist: create it with .txt or .md articles "
            "or set RAG_CORPUS_DIR"
        )
    result = CorpusLoad()
    seen: dict[str, Path] = {}
    by_hash: dict[str, Path] = {}
    for path in article_paths(corpus_dir):
        if path.stem in seen:
            result.skip(path, f"same article id as {seen[path.stem]} (ids are file names)")
            continue
        try:
            article = load_article(path)
        except FileNotFoundError:
            result.skip(path, "vanished while the corpus was read (deleted or moved)")
            continue
        except (OSError, ValueError) as err:
            result.skip(path, str(err))
            continue
        if article.content_hash in by_hash:
            result.skip(path, f"same text as {by_hash[article.content_hash]} (a duplicate)")
            result.duplicates.append(path)
            continue
        for note in article.notes:
            result.warn(path, note)
        seen[article.id] = path
        by_hash[article.content_hash] = path
        result.articles.append(article)
    return result


def article_paths(corpus_dir: Path) -> list[Path]:
    """Article files under the folder, hidden files and folders left out.

    ``os.walk`` ignores a folder that vanishes or cannot be listed while it walks.
    """
    paths = []
    for folder, dirs, files in os.walk(corpus_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(folder) / name
            if not name.startswith(".") and path.suffix.lower() in SUFFIXES and path.is_file():
                paths.append(path)
    return sorted(paths)


def load_article(path: Path) -> Article:
    """Raises ValueError (empty, binary, too large) or OSError (unreadable) with a reason."""
    with open(path, "rb") as file:
        data = file.read(MAX_ARTICLE_BYTES + 1)  # a file still growing cannot get past the cap
    if len(data) > MAX_ARTICLE_BYTES:
        raise ValueError(f"larger than {MAX_ARTICLE_BYTES // 1_000_000} MB, not a news article")
    text, encoding = text_and_encoding(data)
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
        notes=text_notes(text, encoding),
    )


def text_and_encoding(data: bytes) -> tuple[str, str]:
    """UTF-8 first (UTF-16 when it starts with its mark), then cp1252, then latin-1.

    Binary data is refused with a ValueError.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise ValueError("binary file (a UTF-16 mark, but not UTF-16 text)") from err
        return _checked(text), "utf-16"
    if b"\x00" in data[:8192]:
        raise ValueError("binary file (contains NUL bytes)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return _checked(data.decode(encoding)), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def decode_text(data: bytes) -> str:
    """The text alone (see text_and_encoding); binary data is refused with a ValueError."""
    return text_and_encoding(data)[0]


def _checked(text: str) -> str:
    control = len(_CONTROL.findall(text, 0, 8192))
    if control > 0.05 * max(1, min(len(text), 8192)):
        raise ValueError("binary file (mostly control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_notes(text: str, encoding: str) -> tuple[str, ...]:
    """What a reader of the ingest log should know about a file that loaded anyway.

    HTML markup is kept as text, not stripped: quotes stay verbatim spans of the file
    (and a UI must show them as text).
    """
    notes = []
    if encoding != "utf-8-sig":
        notes.append(f"not UTF-8: read as {encoding}")
    if _HTML.search(text) or len(_TAG.findall(text[:100_000])) >= 5:
        notes.append("contains HTML markup: indexed as plain text, tags included")
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        notes.append(f"has a line of {longest:,} characters: indexed as one long paragraph")
    return tuple(notes)


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
