"""Everything the UI shows as HTML, built in one place from escaped text.

Article text is untrusted: every piece of it passes through ``_text`` (``html.escape``), so
an article holding ``<script>`` shows the tag as text. Chat messages are one line of HTML:
the chat renders Markdown, and a blank line would end the HTML block.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping

import rag
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


def answer_html(
    answer: Answer, texts: Mapping[str, str], key: str | int, details: bool = True
) -> str:
    """The final answer: text with [n] linked to its card, the cards, and retrieval details.

    ``texts`` maps doc ids to article text (to show each quote inside its paragraph);
    ``key`` makes the card anchors unique within a conversation. The message also holds its
    plain-text form (hidden), which is what copying it puts on the clipboard.
    """
    numbers = {c.number for c in answer.citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in numbers:
            return match.group(0)
        return f'<a class="rag-marker" href="#{card_id(key, n)}">[{n}]</a>'

    kind = "rag-answer rag-abstained" if answer.abstained else "rag-answer"
    text = _MARKER.sub(link, _with_short(_text(answer.text), answer.short))
    parts = [f'<div class="rag-message"><div class="{kind}">{text}</div>']
    if answer.notice:
        parts.append(f'<div class="rag-notice">{_text(answer.notice)}</div>')
    if answer.unsupported:
        items = "".join(f"<li>{_text(s)}</li>" for s in answer.unsupported)
        parts.append(
            '<div class="rag-unsupported"><b>Left out: no article supports</b>'
            f"<ul>{items}</ul></div>"
        )
    if answer.citations:
        groups = card_groups(answer.citations, texts)
        cards = "".join(source_card(group, texts.get(group[0].doc_id), key) for group in groups)
        parts.append(f'<div class="rag-sources">{cards}</div>')
    if details:
        parts.append(retrieval_html(answer))
    plain = html.escape(rag.answer_text(answer.to_message()), quote=True).replace("\n", "&#10;")
    parts.append(f'<div class="rag-plain">{plain}</div></div>')
    return "".join(parts)


def _with_short(escaped_text: str, short: str | None) -> str:
    """The short answer span (``Answer.short``) set in bold where the text first gives it."""
    if not short:
        return escaped_text
    target = _text(short)
    at = escaped_text.find(target)
    if at < 0:
        return escaped_text
    end = at + len(target)
    return f'{escaped_text[:at]}<strong class="rag-short">{target}</strong>{escaped_text[end:]}'


def saved_answer(message: Mapping) -> Answer:
    """An answer back from a saved assistant message (text and citations; no passages)."""
    citations = [Citation(**c) for c in message.get("citations") or []]
    return Answer(
        str(message.get("content", "")), citations, not citations, "", short=message.get("short")
    )


def card_groups(citations: list[Citation], texts: Mapping[str, str]) -> list[list[Citation]]:
    """Citations in card order; neighbouring quotes of one paragraph share a card."""
    groups: list[list[Citation]] = []
    for c in sorted(citations, key=lambda c: c.number):
        for group in groups:
            last = max(group, key=lambda g: g.end)
            if last.doc_id == c.doc_id and _neighbours(last, c, texts.get(c.doc_id)):
                group.append(c)
                break
        else:
            groups.append([c])
    return [sorted(g, key=lambda c: c.start) for g in groups]


def _neighbours(a: Citation, b: Citation, text: str | None) -> bool:
    if text is None or any(text[c.start : c.end] != c.quote for c in (a, b)):
        return False
    first, second = sorted((a, b), key=lambda c: c.start)
    between = text[first.end : second.start]
    return second.start >= first.end and "\n" not in between and len(between) <= CONTEXT_CHARS


def source_card(group: list[Citation] | Citation, article_text: str | None, key) -> str:
    """One article paragraph: its title, outlet and date, every quote of it highlighted."""
    group = [group] if isinstance(group, Citation) else group
    first = min(group, key=lambda c: c.number)
    meta = " · ".join(_text(x) for x in (first.outlet, first.date, first.doc_id) if x)
    nums = "".join(f'<span class="rag-num">{c.number}</span>' for c in group)
    anchors = "".join(
        f'<span class="rag-anchor" id="{card_id(key, c.number)}"></span>'
        for c in group
        if c is not first
    )
    return (
        f'<div class="rag-card" id="{card_id(key, first.number)}">{anchors}'
        f'<div class="rag-card-head">{nums}'
        f'<span class="rag-title">{_text(first.title or first.doc_id)}</span></div>'
        f'<div class="rag-meta">{meta}</div>'
        f'<div class="rag-context">{quotes_in_context(group, article_text)}</div>'
        "</div>"
    )


def quote_in_context(citation: Citation, article_text: str | None) -> str:
    """The quote highlighted inside its paragraph (just the quote if the text has changed)."""
    return quotes_in_context([citation], article_text)


def quotes_in_context(group: list[Citation], article_text: str | None) -> str:
    """The quotes (in text order, one paragraph) highlighted inside it."""
    text = article_text
    if text is None or any(text[c.start : c.end] != c.quote for c in group):
        return " … ".join(f"<mark>{_text(c.quote)}</mark>" for c in group)
    start, end = group[0].start, group[-1].end
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    before = text[para_start:start]
    after = text[end : para_end if para_end >= 0 else len(text)]
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"
    middle = []
    for c, nxt in zip(group, [*group[1:], None], strict=True):
        middle.append(f"<mark>{_text(c.quote)}</mark>")
        if nxt is not None:
            middle.append(_text(text[c.end : nxt.start]))
    return f"{_text(before)}{''.join(middle)}{_text(after)}"


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
        '<div class="rag-table-scroll"><table><thead><tr><th>#</th><th>Chunk</th>'
        "<th>Dense</th><th>BM25</th><th>Fused</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></details>"
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


def startup_html(ready) -> str:
    """The first start's status line: what is being done and for how long (empty once ready)."""
    if ready.is_set():
        return ""
    phase = getattr(ready, "phase", "Bringing the index up to date with the articles")
    started = getattr(ready, "started", None)
    took = f" ({time.monotonic() - started:.0f} s so far)" if started is not None else ""
    return (
        '<div class="rag-status rag-info rag-startup" role="status">'
        f'<progress aria-label="Building the index"></progress> {_text(phase)}…{took} '
        "Questions asked now are answered once it is ready.</div>"
    )
