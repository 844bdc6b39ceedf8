"""Plain text and Markdown: metadata from YAML front matter and header lines, the rest is text.

A front-matter block (``---`` ... ``---``: title, date, outlet or source, url, author) and
header lines at the top ("date 2024-10-18", "Source: Reuters", "By Jane Doe", a line that
is only a date) are metadata: they are left out of the text that is chunked and cited. The
title is the first line only when it looks like a headline; a date is never guessed.
"""

from __future__ import annotations

import re

from rag.formats import Extracted, Extraction
from rag.formats.dates import iso_date
from rag.formats.encoding import encoding_note, text_and_encoding

MAX_LINE_CHARS = 100_000  # longer than any paragraph of a real article
HEADLINE_CHARS = 150  # news headlines run to ~100 characters; a paragraph is longer
HEADER_VALUE_CHARS = 80

_HTML = re.compile(r"<(?:!doctype|html|head|body|script|style)\b", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_DATE_LINE = re.compile(
    r"^\s*(?:date|dated|published|posted|updated)(?:\s*:\s*|\s+)"
    r"(\d{4}-\d{2}-\d{2}|[A-Za-z]+,? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{1,2} [A-Za-z]+,? \d{4})"
    r"(?:[,.]?[ \t]+|[ \t]*$)",
    re.IGNORECASE,
)
_FIELD_LINE = re.compile(
    r"^\s*(title|source|outlet|publisher|publication|author|url|link)\s*:\s*(.+?)\s*$",
    re.IGNORECASE,
)
_BY_LINE = re.compile(r"^\s*[Bb]y\s+([A-Z][\w.'’-]*(?:,?\s+(?:and\s+)?[A-Z][\w.'’-]*){0,7})\s*$")
_HEADLINE_OUTLET = re.compile(r"\s[–—-]\s([A-Z][\w.&-]*(?: [A-Z][\w.&-]*)*)\s*$")
_NAME = r"((?:the )?[A-Z][\w.&-]*(?:[ -](?:[A-Z][\w.&-]*|of|de|du))*)"
# Each with a phrase it cannot match without: most articles skip most searches.
_OUTLET_PATTERNS = (
    ("as reported by ", re.compile(rf"\bas reported by {_NAME}")),
    ("reported by ", re.compile(rf"\breported by {_NAME}")),
    (" report", re.compile(rf"\b{_NAME} reports?\b")),
    ("according to ", re.compile(rf"\baccording to {_NAME}(?:,| reports?)")),
)
_FIELDS = {
    "title": "title",
    "date": "date",
    "published": "date",
    "outlet": "outlet",
    "source": "outlet",
    "publisher": "outlet",
    "publication": "outlet",
    "site_name": "outlet",
    "url": "url",
    "link": "url",
    "author": "author",
    "authors": "author",
    "byline": "author",
}


def read_text(data: bytes) -> Extraction:
    text, encoding = text_and_encoding(data)
    if not text.strip():
        raise ValueError("empty file")
    meta, body, notes = split_metadata(text)
    if not body.strip():
        raise ValueError("only metadata (front matter or header lines), no article text")
    article = Extracted(
        text=body,
        title=meta.get("title") or headline_of(body),
        date=meta.get("date"),
        outlet=meta.get("outlet") or outlet_of(body),
        author=meta.get("author"),
        url=meta.get("url"),
    )
    return Extraction((article,), notes=encoding_note(encoding) + notes + text_notes(body))


def split_metadata(text: str) -> tuple[dict[str, str], str, tuple[str, ...]]:
    """(metadata, the text without it, notes): front matter first, then header lines."""
    meta: dict[str, str] = {}
    notes: tuple[str, ...] = ()
    match = _FRONT_MATTER.match(text)
    if match:
        found, problem = front_matter(match.group(1) or "")
        if problem:
            notes = (f"front matter not read ({problem}): kept as text",)
        else:
            meta.update(found)
            text = text[match.end() :]
    header, text = header_lines(text)
    for key, value in header.items():
        meta.setdefault(key, value)
    return meta, text, notes


def front_matter(block: str) -> tuple[dict[str, str], str | None]:
    """The known fields of a YAML block, or the reason it could not be read."""
    import yaml

    try:
        data = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as err:
        return {}, f"not valid YAML: {str(err).splitlines()[0]}"
    if not isinstance(data, dict):
        return {}, "not a YAML mapping of fields"
    meta: dict[str, str] = {}
    for key, value in data.items():
        field = _FIELDS.get(str(key).lower())
        if field is None or field in meta or value is None:
            continue
        if field == "date":
            if date := iso_date(value):
                meta["date"] = date
        elif field == "author" and isinstance(value, list):
            meta["author"] = ", ".join(str(v) for v in value)
        elif isinstance(value, dict) and field == "outlet":
            meta["outlet"] = str(value.get("name") or "").strip()
        else:
            meta[field] = str(value).strip()
    return {k: v for k, v in meta.items() if v}, None


def header_lines(text: str) -> tuple[dict[str, str], str]:
    """Metadata lines at the top (after a headline, if there is one) and the text without them.

    A "date 2024-10-18" prefix may share its line with the first sentence: only the prefix
    is metadata. Anything else ends the header, so a "Source: ..." sentence further down
    stays text.
    """
    meta: dict[str, str] = {}
    lines = text.split("\n")
    kept: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and looks_like_headline(lines[i]) and not is_header(lines[i]):
        kept.append(lines[i])
        i += 1
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        date_prefix = _DATE_LINE.match(line)
        if date_prefix and (date := iso_date(date_prefix.group(1))):
            meta.setdefault("date", date)
            rest = line[date_prefix.end() :]
            if rest.strip():
                lines[i] = rest
                break
            i += 1
            continue
        found = header_value(line)
        if not found:
            break
        key, value = found
        meta.setdefault(key, value)
        i += 1
    if not meta:
        return {}, text
    if kept:
        # The headline stays text; a blank line parts it from the body it no longer touches.
        return meta, "\n".join(kept) + "\n\n" + "\n".join(lines[i:])
    return meta, "\n".join(lines[i:])


def is_header(line: str) -> bool:
    prefix = _DATE_LINE.match(line)
    return bool(prefix and iso_date(prefix.group(1))) or header_value(line) is not None


def header_value(line: str) -> tuple[str, str] | None:
    """("date" | "outlet" | "author" | "title" | "url", value) for one header line."""
    stripped = line.strip()
    if len(stripped) > HEADER_VALUE_CHARS + 20:
        return None
    if (date := iso_date(stripped)) and len(stripped) <= 40:
        return "date", date
    by = _BY_LINE.match(stripped)
    if by and len(by.group(1)) <= HEADER_VALUE_CHARS:
        return "author", by.group(1)
    field = _FIELD_LINE.match(stripped)
    if not field:
        return None
    key, value = _FIELDS[field.group(1).lower()], field.group(2)
    if len(value) > HEADER_VALUE_CHARS or (key == "outlet" and value.endswith(".")):
        return None  # a sentence ("Source: a senior official said ..."), not a name
    return key, value


def looks_like_headline(line: str) -> bool:
    """A short line without a sentence's final stop: "Biden holding firm on Ukraine – CNN"."""
    line = line.strip()
    if line.startswith("#"):
        return bool(line.lstrip("#").strip())
    return (
        0 < len(line) <= HEADLINE_CHARS
        and line[-1] not in ".!?,;:\"”'’"
        and any(c.isalpha() for c in line)
    )


def headline_of(text: str) -> str:
    """The first line when it looks like a headline and more text follows it; else unknown."""
    first, _, rest = text.strip().partition("\n")
    if not rest.strip() or not looks_like_headline(first):
        return ""
    return first.strip().lstrip("#").strip()


def outlet_of(text: str) -> str | None:
    """The outlet where the article names one: a "– CNN" headline, "as reported by Bloomberg"."""
    first_line = text.strip().split("\n", 1)[0]
    headline = _HEADLINE_OUTLET.search(first_line)
    if headline and len(first_line) <= HEADLINE_CHARS:
        return headline.group(1)
    for phrase, pattern in _OUTLET_PATTERNS:
        match = phrase in text and pattern.search(text)
        if match:
            name = match.group(1)
            return name[4:] if name.startswith("the ") else name
    return None


def text_notes(text: str) -> tuple[str, ...]:
    """What a reader of the ingest log should know about a text that loaded anyway.

    HTML markup in a .txt/.md file is kept as text, not stripped: quotes stay verbatim
    spans of the file (and a UI must show them as text).
    """
    notes = []
    if _HTML.search(text) or len(_TAG.findall(text[:100_000])) >= 5:
        notes.append(
            "contains HTML markup: indexed as plain text, tags included "
            "(save the page as .html to have its article extracted)"
        )
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        notes.append(f"has a line of {longest:,} characters: indexed as one long paragraph")
    return tuple(notes)
