"""Web pages: the article's main text and its metadata, by trafilatura (dates by htmldate).

Navigation, cookie banners, ads, scripts, styles, related links and footers are left out;
title, date, author and outlet (og:site_name or the publisher) come from the page's meta
tags, JSON-LD or byline.
"""

from __future__ import annotations

import logging
import re

from rag.formats import Extracted, Extraction

MIN_WORDS = 25  # fewer words than a news brief: what was found is a menu or a notice
_CLOSED = re.compile(rb"</(?:html|body)\s*>", re.IGNORECASE)


def read_html(data: bytes) -> Extraction:
    document = _extract(data)
    text = (getattr(document, "text", None) or "").strip()
    title = " ".join((getattr(document, "title", None) or "").split())
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]  # the headline is the title, not a sentence of the article
    if sum(len(line.split()) for line in lines) < MIN_WORDS:
        raise ValueError(
            "no article text found on the page (navigation, a list of links or a notice only)"
        )
    article = Extracted(
        text="\n\n".join(lines) + "\n",
        title=title,
        date=getattr(document, "date", None) or None,
        outlet=getattr(document, "sitename", None) or getattr(document, "hostname", None),
        author=getattr(document, "author", None) or None,
        url=getattr(document, "url", None) or None,
    )
    notes = ()
    if not _CLOSED.search(data[-4096:]):
        notes = ("the page looks cut short (no closing </body> or </html>): read what is there",)
    return Extraction((article,), notes=notes)


def _extract(data: bytes):
    """trafilatura's document for the page; any failure inside it means the page is unreadable."""
    import trafilatura

    # Its own log lines ("empty HTML tree") would repeat our warning without the file's name.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    try:
        return trafilatura.bare_extraction(
            data,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            favor_precision=True,
            date_extraction_params={"extensive_search": True, "original_date": True},
        )
    except Exception as err:  # lxml and trafilatura raise many kinds on broken markup
        raise ValueError(f"malformed HTML: no article could be read ({_reason(err)})") from err


def _reason(err: Exception) -> str:
    return f"{type(err).__name__}: {err}"[:200] if str(err) else type(err).__name__
