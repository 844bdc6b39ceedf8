"""Real news files written by the tests themselves: a web page around an article, PDFs
(with a text layer, a scan, encrypted, damaged, bombs), dumps and front-matter texts."""

from __future__ import annotations

import io
import json
import zlib
from datetime import datetime
from pathlib import Path

ARTICLE = [
    "NATO leaders meeting in Washington said on Wednesday that Ukraine's path to membership "
    "in the alliance is irreversible, according to the summit declaration.",
    "The declaration stopped short of a formal invitation, which several eastern European "
    "allies had pushed for during months of negotiations ahead of the summit.",
    "Secretary General Jens Stoltenberg told reporters that the allies would keep supporting "
    "Kyiv with air defence systems and long-term funding of forty billion euros.",
]
# Boilerplate around the article: none of it may be indexed or quoted.
BOILERPLATE = [
    "World news menu",
    "We use cookies to improve your experience",
    "Buy cheap watches today",
    "Ten things about summits you never knew",
    "Celebrity gossip roundup",
    "All rights reserved",
    "Subscribe now to the cookie monster",
]


def news_page(title: str = "Kyiv gets a NATO pledge", paragraphs: list[str] = ARTICLE) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | Daily Planet</title>
<meta property="og:site_name" content="The Daily Planet">
<meta property="og:title" content="{title}">
<meta property="og:url" content="https://planet.example/world/kyiv-pledge">
<meta property="article:published_time" content="2024-07-10T09:30:00Z">
<meta name="author" content="Lois Lane">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "{title}", "datePublished": "2024-07-10", "publisher": {{"@type": "Organization",
 "name": "The Daily Planet"}}}}</script>
<script>var tracking = "Subscribe now to the cookie monster";</script>
<style>.ad {{ color: red }}</style></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news menu</a></li></ul></nav>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
<button>Accept all cookies</button></div>
<div class="advertisement ad">Buy cheap watches today</div>
<main><article><h1>{title}</h1><p class="byline">By Lois Lane</p>
{body}
</article></main>
<aside class="related"><h2>Related stories</h2><ul>
<li><a href="/a">Ten things about summits you never knew</a></li>
<li><a href="/b">Celebrity gossip roundup</a></li></ul></aside>
<footer><p>Copyright 2024 Daily Planet. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/contact">Contact us</a></footer>
</body></html>
"""


def pdf_report(path: Path, pages: list[list[str]], title: str | None = "Allies and Kyiv") -> Path:
    """A PDF with a text layer: every page has the same running head and a page number."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    pdf.set_creation_date(datetime(2024, 11, 5, 12, 0))
    for number, lines in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_font("helvetica", size=9)
        pdf.text(20, 12, "The Daily Planet - Europe edition")
        pdf.set_font("helvetica", size=11)
        y = 30
        for line in lines:
            pdf.text(20, y, line)
            y += 7
        pdf.set_font("helvetica", size=9)
        pdf.text(100, 285, str(number))
    pdf.output(str(path))
    return path


def scanned_pdf(path: Path) -> Path:
    """Two pages holding only a picture (drawn shapes): no text layer."""
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.set_fill_color(90, 90, 90)
        for row in range(20):
            pdf.rect(20, 20 + row * 12, 170, 8, style="F")
    pdf.output(str(path))
    return path


def encrypted_pdf(path: Path, source: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with open(path, "wb") as out:
        writer.write(out)
    return path


def many_pages_pdf(path: Path, pages: int) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    with open(path, "wb") as out:
        writer.write(out)
    return path


def stream_bomb_pdf(path: Path, inflated_bytes: int) -> Path:
    """One page whose content stream is a few KB on disk and ``inflated_bytes`` inflated."""
    content = zlib.compress(b"0 0 m 1 1 l S\n" * (inflated_bytes // 14), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    path.write_bytes(out.getvalue())
    return path


DUMP = [
    {
        "id": "a1",
        "title": "Allies pledge air defence",
        "text": "Allies pledged five air defence systems for Ukraine on Tuesday.",
        "published": "2024-07-09T10:00:00Z",
        "source": {"id": "reuters", "name": "Reuters"},
        "url": "https://news.example/a1",
    },
    {
        "title": "Rutte takes over",
        "content": "Mark Rutte took over as NATO Secretary General on 1 October 2024.",
        "date": "2024-10-01",
        "outlet": "AP",
    },
    {
        "id": "a3",
        "title": "Summit ends",
        "body": "The Washington summit ended with a declaration on Ukraine's path to NATO.",
        "date": "Thu, 11 Jul 2024 18:00:00 +0000",
        "source": "BBC",
    },
]


def jsonl(records: list[dict | str]) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n"
