"""Article dumps: JSON Lines, a JSON list (or ``{"articles": [...]}``) and CSV, a record each.

The usual field names are read: ``title``; ``text``, ``content`` or ``body``; ``date`` or
``published``; ``source`` or ``outlet``; ``url``; ``id``. A record's key is its ``id`` or,
without one, its line number (its position in a JSON list). A record that cannot be read
or has no text is skipped and named by its line; the rest of the file still loads.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from rag.formats import Extracted, Extraction
from rag.formats.dates import iso_date
from rag.formats.encoding import encoding_note, text_and_encoding

TEXT_FIELDS = ("text", "content", "body", "article", "full_text", "maintext")
TITLE_FIELDS = ("title", "headline")
DATE_FIELDS = ("date", "published", "published_at", "publishedat", "pubdate", "date_publish")
OUTLET_FIELDS = ("source", "outlet", "publisher", "site_name", "sitename", "source_name")
URL_FIELDS = ("url", "link")
AUTHOR_FIELDS = ("author", "authors", "byline")
ID_FIELDS = ("id", "article_id", "uuid", "guid")
LIST_KEYS = ("articles", "data", "items", "records", "results")
MAX_KEY_CHARS = 200
MAX_CSV_FIELD = 20_000_000  # csv's default limit (128 KB) is below a long article


def read_dump(suffix: str, data: bytes) -> Extraction:
    text, encoding = text_and_encoding(data)
    if not text.strip():
        raise ValueError("empty file")
    if suffix == ".jsonl":
        records = _jsonl_records(text)
    elif suffix == ".json":
        records = _json_records(text)
    else:
        records = _csv_records(text)
    articles: list[Extracted] = []
    problems: list[str] = []
    partial = False
    seen: dict[str, str] = {}
    for place, record, problem in records:
        if problem:
            problems.append(f"{place}: {problem}")
            partial = True
            continue
        article, why = article_of(record, default_key=place.split()[-1])
        if article is None:
            problems.append(f"{place}: {why}")
            continue
        if article.key in seen:
            problems.append(f"{place}: same id {article.key!r} as {seen[article.key]}")
            continue
        seen[article.key] = place
        articles.append(article)
    if not articles:
        why = "; ".join(problems[:3]) or "no records"
        raise ValueError(f"no article in this dump ({why})")
    return Extraction(
        tuple(articles), notes=encoding_note(encoding), partial=partial, problems=tuple(problems)
    )


Records = Iterator[tuple[str, dict, str | None]]  # (where, record, why it is unreadable)


def _jsonl_records(text: str) -> Records:
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield f"line {number}", {}, f"not JSON ({err.msg}, column {err.colno})"
            continue
        if not isinstance(record, dict):
            yield f"line {number}", {}, "not a JSON object of fields"
            continue
        yield f"line {number}", record, None


def _json_records(text: str) -> Records:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON ({err.msg}, line {err.lineno} column {err.colno})") from err
    if isinstance(data, dict):
        data = next((data[k] for k in LIST_KEYS if isinstance(data.get(k), list)), data)
    if not isinstance(data, list):
        raise ValueError(
            'not an article dump: expected a JSON list of records (or {"articles": [...]})'
        )
    for number, record in enumerate(data, 1):
        if isinstance(record, dict):
            yield f"record {number}", record, None
        else:
            yield f"record {number}", {}, "not a JSON object of fields"


def _csv_records(text: str) -> Records:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD))
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = [(name or "").strip().lower() for name in reader.fieldnames or []]
    except csv.Error as err:
        raise ValueError(f"not a readable CSV header ({err})") from err
    if not set(fields) & set(TEXT_FIELDS):
        raise ValueError(
            f"no text column ({', '.join(TEXT_FIELDS[:3])}) in its header: {', '.join(fields[:8])}"
        )
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield f"line {start}", {}, f"not readable CSV ({err}); the lines after it are not read"
            return
        record = {(k or "").strip().lower(): v for k, v in row.items() if isinstance(k, str)}
        if any(v for v in record.values()):
            yield f"line {start}", record, None
        start = reader.line_num + 1


def article_of(record: dict, default_key: str) -> tuple[Extracted | None, str]:
    """The record's article, or None and why it has none."""
    fields = {str(k).strip().lower(): v for k, v in record.items()}
    text = _text(_first(fields, TEXT_FIELDS))
    if not text.strip():
        return None, f"no text ({', '.join(TEXT_FIELDS[:3])}): skipped"
    key = _plain(_first(fields, ID_FIELDS))[:MAX_KEY_CHARS] or default_key
    return (
        Extracted(
            text=text.replace("\r\n", "\n").replace("\r", "\n").strip() + "\n",
            title=" ".join(_plain(_first(fields, TITLE_FIELDS)).split()),
            date=iso_date(_first(fields, DATE_FIELDS)),
            outlet=_name(_first(fields, OUTLET_FIELDS)) or None,
            author=_names(_first(fields, AUTHOR_FIELDS)) or None,
            url=_plain(_first(fields, URL_FIELDS)) or None,
            key=key,
        ),
        "",
    )


def _first(fields: dict, names: tuple[str, ...]) -> object:
    return next((fields[n] for n in names if fields.get(n) not in (None, "")), None)


def _text(value: object) -> str:
    if isinstance(value, list):  # paragraphs
        return "\n\n".join(str(p).strip() for p in value if isinstance(p, str) and p.strip())
    return value if isinstance(value, str) else ""


def _plain(value: object) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


def _name(value: object) -> str:
    """An outlet as a string, or NewsAPI's ``{"id": ..., "name": "Reuters"}``."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("title")
    return " ".join(_plain(value).split())


def _names(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(n for v in value if (n := _name(v)))
    return _name(value)
