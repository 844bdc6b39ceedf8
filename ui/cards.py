"""Everything the UI shows as HTML, built in one place from escaped text.

Article text is untrusted: every piece of it passes through ``_text`` (``html.escape``), so
an article holding ``<script>`` shows the tag as text. Chat messages are one line of HTML:
the chat renders Markdown, and a blank line would end the HTML block.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from rag import Answer, Citation

CONTEXT_CHARS = 280  # at most this much paragraph text on each side of a quote
_ANSWER_DIV = re.compile(r'<div class="rag-answer[^"]*">(.*?)</div>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_MARKER = re.compile(r"\[(\d+)\]")


def _text(value: object) -> str:
    """Escaped, on one line (newlines become spaces)."""
    return html.escape(str(value), quote=True).replace("\n", " ")


def card_id(key: str | int, number: int) -> str:
    return f"src-{key}-{number}"


def answer_html(answer: Answer, texts: Mapping[str, str], key: str | int) -> str:
    """The final answer: text with [n] linked to its card, the cards, and retrieval details.

    ``texts`` maps doc ids to article text (to show each quote inside its paragraph);
    ``key`` makes the card anchors unique within a conversation.
    """
    numbers = {c.number for c in answer.citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in numbers:
            return match.group(0)
        return f'<a class="rag-marker" href="#{card_id(key, n)}">[{n}]</a>'

    kind = "rag-answer rag-abstained" if answer.abstained else "rag-answer"
    parts = [f'<div class="{kind}">{_MARKER.sub(link, _text(answer.text))}</div>']
    if answer.notice:
        parts.append(f'<div class="rag-notice">{_text(answer.notice)}</div>')
    if answer.unsupported:
        items = "".join(f"<li>{_text(s)}</li>" for s in answer.unsupported)
        parts.append(
            '<div class="rag-unsupported"><b>Left out: no article supports</b>'
            f"<ul>{items}</ul></div>"
        )
    if answer.citations:
        cards = "".join(source_card(c, texts.get(c.doc_id), key) for c in answer.citations)
        parts.append(f'<div class="rag-sources">{cards}</div>')
    parts.append(retrieval_html(answer))
    return "".join(parts)


def source_card(citation: Citation, article_text: str | None, key: str | int) -> str:
    meta = " · ".join(_text(x) for x in (citation.date, citation.outlet, citation.doc_id) if x)
    return (
        f'<div class="rag-card" id="{card_id(key, citation.number)}">'
        f'<div class="rag-card-head"><span class="rag-num">{citation.number}</span>'
        f'<span class="rag-title">{_text(citation.title or citation.doc_id)}</span></div>'
        f'<div class="rag-meta">{meta}</div>'
        f'<div class="rag-context">{quote_in_context(citation, article_text)}</div>'
        "</div>"
    )


def quote_in_context(citation: Citation, article_text: str | None) -> str:
    """The quote highlighted inside its paragraph (just the quote if the text has changed)."""
    quote = f"<mark>{_text(citation.quote)}</mark>"
    text, start, end = article_text, citation.start, citation.end
    if text is None or text[start:end] != citation.quote:
        return quote
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    before = text[para_start:start]
    after = text[end : para_end if para_end >= 0 else len(text)]
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"
    return f"{_text(before)}{quote}{_text(after)}"


def retrieval_html(answer: Answer) -> str:
    """A closed toggle: the standalone query and every ranked chunk with its three scores."""
    cited = {c.chunk_id for c in answer.citations}
    rows = (
        "".join(
            f'<tr class="{"rag-cited" if p.chunk.id in cited else ""}">'
            f"<td>{p.rank}</td><td>{_text(p.stored.title or p.chunk.doc_id)}"
            f'<div class="rag-snippet">{_text(_snippet(p.chunk.text))}</div></td>'
            f"<td>{p.dense:.3f}</td><td>{p.bm25:.2f}</td><td>{p.fused:.4f}</td></tr>"
            for p in answer.passages
        )
        or '<tr><td colspan="5">No passage matched the query.</td></tr>'
    )
    return (
        '<details class="rag-details"><summary>Retrieval details</summary>'
        f'<div class="rag-query">Standalone query: <code>{_text(answer.query)}</code></div>'
        "<table><thead><tr><th>#</th><th>Chunk</th><th>Dense</th><th>BM25</th>"
        f"<th>Fused</th></tr></thead><tbody>{rows}</tbody></table></details>"
    )


def _snippet(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def draft_html(text: str) -> str:
    """The answer while it streams in (replaced by ``answer_html`` when it is complete)."""
    return f'<div class="rag-answer rag-draft">{_text(text)}</div>'


def error_html(message: str) -> str:
    return f'<div class="rag-error">{_text(message)}</div>'


def answer_text_of(content: str) -> str:
    """The plain answer text back from a chat message built here, for the conversation history.

    Anything else (a message typed by a user, an API caller's text) is returned unchanged.
    """
    match = _ANSWER_DIV.search(content)
    if match is None:
        return content if "rag-error" not in content else ""
    return html.unescape(_TAG.sub("", match.group(1)))


def article_html(title: str, date: str | None, outlet: str | None, text: str) -> str:
    """A whole article for the reader, paragraph by paragraph."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = "".join(f"<p>{html.escape(p.strip()).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    meta = " · ".join(_text(x) for x in (date, outlet) if x)
    return (
        f'<article class="rag-article"><h3>{_text(title)}</h3>'
        f'<div class="rag-meta">{meta}</div>{body}</article>'
    )


def notice_html(lines: list[str], kind: str = "info") -> str:
    """A short status box (upload results, errors); every line is escaped."""
    items = "".join(f"<li>{_text(line)}</li>" for line in lines)
    return f'<div class="rag-status rag-{kind}"><ul>{items}</ul></div>'
