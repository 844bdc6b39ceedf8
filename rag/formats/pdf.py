"""PDFs: the text layer by pypdf, pages joined, hyphenation mended, running heads dropped.

A scan (no text layer), an encrypted or a damaged PDF, and one past the limits below (a
PDF bomb: thousands of pages, or a page whose content inflates to megabytes) are refused
with the reason; title and date come from the document's metadata when it has them.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from rag.formats import Extracted, Extraction
from rag.formats.text import headline_of

MAX_PAGES = 500  # more than any news article or report; past it, a PDF bomb or a book
MAX_PAGE_CONTENT_BYTES = 5_000_000  # a page of text is ~10-100 KB of drawing operators
MAX_TEXT_CHARS = 5_000_000
MIN_TEXT_CHARS = 20
EDGE_LINES = 2  # running heads and page numbers sit in a page's first or last lines

_PAGE_NUMBER = re.compile(r"^\W*(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\W*$", re.I)
_HYPHENATED = re.compile(r"([^\W\d_])-\n([^\W\d_A-Z])")
_SENTENCE_END = re.compile(r"[.!?:\"”’)]\s*$")
_WORD_EXPORT = re.compile(r"^(microsoft \w+ - |untitled)|\.(docx?|pdf|indd|odt)$", re.I)


def read_pdf(data: bytes) -> Extraction:
    reader = _open(data)
    pages = _page_texts(reader)
    text = joined_pages(pages)
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise ValueError(
            f"no text layer ({len(pages)} page(s) of images only: a scanned PDF?); "
            "run OCR on it first (e.g. ocrmypdf) and add the result"
        )
    title, date, author = _metadata(reader)
    first, _, rest = text.partition("\n")
    if title and first.strip().casefold() == title.casefold() and rest.strip():
        text = rest.lstrip("\n")  # the headline is the title, not a sentence of the article
    article = Extracted(
        text=text, title=title or headline_of(text), date=date, author=author or None
    )
    return Extraction((article,))


def _open(data: bytes):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # our warning names the file instead
    if b"%PDF-" not in data[:1024]:
        raise ValueError("damaged PDF: no %PDF- header (not a PDF, or cut at the start)")
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as err:  # pypdf raises many kinds on broken files
        raise ValueError(f"damaged PDF: cannot be opened ({_reason(err)})") from err
    if encrypted:
        try:
            opened = reader.decrypt("")  # an owner password alone still lets anyone read it
        except DependencyError as err:
            raise ValueError(
                "encrypted PDF (AES; reading it needs the cryptography package): "
                "save an unencrypted copy"
            ) from err
        except Exception as err:
            raise ValueError(f"encrypted PDF that cannot be decrypted ({_reason(err)})") from err
        if not opened:
            raise ValueError("encrypted PDF: it needs a password; save an unencrypted copy")
    return reader


def _page_texts(reader) -> list[str]:
    from pypdf.errors import LimitReachedError

    try:
        count = len(reader.pages)
    except Exception as err:
        raise ValueError(f"damaged PDF: its page tree cannot be read ({_reason(err)})") from err
    if count == 0:
        raise ValueError("damaged PDF: it has no pages")
    if count > MAX_PAGES:
        raise ValueError(
            f"{count:,} pages, over the {MAX_PAGES}-page limit for one article "
            "(a PDF bomb, or a book: split it)"
        )
    texts, total = [], 0
    for number in range(1, count + 1):
        try:
            page = reader.pages[number - 1]
            size = _content_bytes(page)
            if size > MAX_PAGE_CONTENT_BYTES:
                raise ValueError(
                    f"page {number}'s content inflates to {size / 1e6:.0f} MB, over the "
                    f"{MAX_PAGE_CONTENT_BYTES // 1_000_000} MB limit (a PDF bomb?)"
                )
            text = page.extract_text() or ""
        except ValueError:
            raise
        except LimitReachedError as err:
            raise ValueError(
                f"page {number}'s content inflates past pypdf's limit ({err}): a PDF bomb?"
            ) from err
        except Exception as err:  # pypdf raises many kinds on broken files
            raise ValueError(f"damaged PDF: page {number} cannot be read ({_reason(err)})") from err
        total += len(text)
        if total > MAX_TEXT_CHARS:
            raise ValueError(
                f"over {MAX_TEXT_CHARS // 1_000_000} million characters of text by page "
                f"{number}: not one article"
            )
        texts.append(text)
    return texts


def _content_bytes(page) -> int:
    contents = page.get_contents()
    return len(contents.get_data()) if contents is not None else 0


def joined_pages(pages: list[str]) -> str:
    """One text: running heads and page numbers dropped, pages and hyphenated words joined.

    A page that ends mid-sentence runs on into the next; one that ends a sentence starts
    a new paragraph.
    """
    text = ""
    for lines in without_running_lines(pages):
        page = "\n".join(lines).strip()
        if not page:
            continue
        if not text:
            text = page
        elif _SENTENCE_END.search(text):
            text += "\n\n" + page
        else:
            text += "\n" + page
    return _HYPHENATED.sub(r"\1\2", text) + "\n" if text else ""


def without_running_lines(pages: list[str]) -> list[list[str]]:
    """Each page's lines, less page numbers and the heads or feet repeated on most pages."""
    split = [[line.rstrip() for line in page.split("\n")] for page in pages]
    split = [[line for line in lines if line.strip()] for lines in split]
    repeated: set[str] = set()
    if len(split) >= 3:
        seen = Counter(key for lines in split for key in {_key(line) for line in _edges(lines)})
        repeated = {key for key, n in seen.items() if n >= max(3, 0.6 * len(split))}
    result = []
    for lines in split:
        edges = set(range(min(EDGE_LINES, len(lines))))
        edges |= set(range(max(0, len(lines) - EDGE_LINES), len(lines)))
        result.append(
            [
                line
                for i, line in enumerate(lines)
                if i not in edges
                or not (_PAGE_NUMBER.match(line.strip()) or _key(line) in repeated)
            ]
        )
    return result


def _edges(lines: list[str]) -> list[str]:
    return lines[:EDGE_LINES] + lines[-EDGE_LINES:]


def _key(line: str) -> str:
    """A line with its numbers masked: "Daily Planet · page 3" repeats as one key."""
    return re.sub(r"\d+", "#", " ".join(line.split())).casefold()


def _metadata(reader) -> tuple[str, str | None, str | None]:
    """Title, date (YYYY-MM-DD, from the creation date) and author, where the PDF states them."""
    try:
        meta = reader.metadata
        if meta is None:
            return "", None, None
        title = " ".join((meta.title or "").split())
        author = " ".join((meta.author or "").split()) or None
        try:
            created = meta.creation_date
        except Exception:  # a malformed date string: the date is unknown, not an error
            created = None
    except Exception:
        return "", None, None
    if _WORD_EXPORT.search(title):
        title = ""  # "Microsoft Word - draft3.docx" names a file, not the article
    return title, created.date().isoformat() if created else None, author


def _reason(err: Exception) -> str:
    return f"{type(err).__name__}: {err}"[:200] if str(err) else type(err).__name__
