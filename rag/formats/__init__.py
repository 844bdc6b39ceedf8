"""Readers of news files: each turns one file's bytes into the articles it holds.

Plain text and Markdown (``text``), web pages (``html``, by trafilatura), PDFs (``pdf``, by
pypdf) and article dumps (``dumps``: JSON Lines, a JSON list, CSV). A reader raises
ValueError with the reason when a file holds no article it can read; what it could read
despite a problem comes back with a note. trafilatura and pypdf load only when a file of
their type is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Bump when any reader's output changes: extractions cached under an older version are redone.
FORMAT_VERSION = 1

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
DUMP_SUFFIXES = (".jsonl", ".json", ".csv")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + (".pdf",) + DUMP_SUFFIXES

MB = 1_000_000
# Past these a file is not one news article (or one dump of them) but something else.
MAX_BYTES = {".txt": 5 * MB, ".md": 5 * MB, ".html": 10 * MB, ".htm": 10 * MB, ".pdf": 50 * MB}
MAX_DUMP_BYTES = 200 * MB


def max_bytes(suffix: str) -> int:
    return MAX_BYTES.get(suffix.lower(), MAX_DUMP_BYTES)


@dataclass(frozen=True)
class Extracted:
    """One article as a reader found it; ``text`` is what is chunked and cited."""

    text: str
    title: str = ""
    date: str | None = None  # YYYY-MM-DD
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    key: str | None = None  # a dump record's id (the article id is "<file stem>:<key>")


@dataclass(frozen=True)
class Extraction:
    articles: tuple[Extracted, ...]
    notes: tuple[str, ...] = ()  # caveats about the file, each worth a warning
    # Records that could not be read (a broken line): articles of this file indexed earlier
    # and missing now are kept, since one of them may be the unreadable record.
    partial: bool = False
    problems: tuple[str, ...] = field(default=())  # one per skipped record, naming its line

    def to_dict(self) -> dict:
        return {
            "articles": [a.__dict__ for a in self.articles],
            "notes": list(self.notes),
            "partial": self.partial,
            "problems": list(self.problems),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Extraction:
        return cls(
            articles=tuple(Extracted(**a) for a in data["articles"]),
            notes=tuple(data["notes"]),
            partial=bool(data["partial"]),
            problems=tuple(data["problems"]),
        )


def extract(suffix: str, data: bytes) -> Extraction:
    """The articles in a file of this type; ValueError says why there are none."""
    suffix = suffix.lower()
    if suffix in TEXT_SUFFIXES:
        from rag.formats.text import read_text

        return read_text(data)
    if suffix in HTML_SUFFIXES:
        from rag.formats.html import read_html

        return read_html(data)
    if suffix == ".pdf":
        from rag.formats.pdf import read_pdf

        return read_pdf(data)
    if suffix in DUMP_SUFFIXES:
        from rag.formats.dumps import read_dump

        return read_dump(suffix, data)
    raise ValueError(f"not a supported type ({', '.join(SUFFIXES)})")


def costly(suffix: str) -> bool:
    """Worth caching: extraction takes far longer than reading the file again."""
    return suffix.lower() not in TEXT_SUFFIXES
