"""Citation verification on hand-made sources: parsing markers, repairing them, streaming."""

from __future__ import annotations

import pytest
from conftest import HashingEmbedder

from rag.answer import ABSTAIN_TEXT
from rag.chunking import Chunk
from rag.retrieval import Passage
from rag.settings import Settings
from rag.store import StoredChunk
from rag.support import SourceIndex
from rag.verify import MarkerResolver, verify

OCT_18 = (
    "Biden will meet Olaf Scholz, Emmanuel Macron and Keir Starmer in Berlin on Friday, "
    "18 October. The talks will cover air defence for Ukraine."
)
OCT_16 = (
    "During a meeting on October 16 between Biden and the leaders of Germany, the United "
    "Kingdom and France, no consensus was reached on the victory plan."
)
SMITH = (
    "Julianne Smith is the US Ambassador to NATO. She said NATO did not plan to invite "
    "Ukraine in the short term."
)


def passage(doc_id: str, text: str, rank: int, offset: int = 40) -> Passage:
    """A retrieved chunk that sits ``offset`` characters into its article."""
    chunk = Chunk(f"{doc_id}#0", doc_id, 0, text, offset, offset + len(text))
    stored = StoredChunk(chunk, f"Title of {doc_id}", "2024-10-10", "Outlet", "hash", 1)
    return Passage(stored, 0.5, 1.0, 1.0 / (60 + rank), rank)


@pytest.fixture
def index() -> SourceIndex:
    passages = [passage("a18", OCT_18, 1), passage("b16", OCT_16, 2), passage("c", SMITH, 3)]
    return SourceIndex(passages, HashingEmbedder(), Settings().support_threshold)


def article_slice(index: SourceIndex, citation) -> str:
    """The cited span, read back through the passage's article offsets."""
    chunk = next(p.chunk for p in index.passages if p.chunk.doc_id == citation.doc_id)
    return chunk.text[citation.start - chunk.start : citation.end - chunk.start]


def test_quotes_are_the_exact_article_span(index):
    result = verify("Julianne Smith is the US Ambassador to NATO. [3]", index)
    (citation,) = result.citations
    assert citation.quote == "Julianne Smith is the US Ambassador to NATO."
    assert citation.start == 40 + SMITH.index("Julianne")
    assert article_slice(index, citation) == citation.quote
    assert (citation.title, citation.date, citation.outlet) == (
        "Title of c",
        "2024-10-10",
        "Outlet",
    )


def test_markers_are_renumbered_in_order_of_first_use(index):
    result = verify(
        "Smith said NATO did not plan to invite Ukraine in the short term. [3] "
        "Biden will meet Scholz, Macron and Starmer on Friday, 18 October. [1] "
        "Julianne Smith is the US Ambassador to NATO. [3]",
        index,
    )
    assert [c.doc_id for c in result.citations] == ["c", "a18", "c"]
    assert [c.number for c in result.citations] == [1, 2, 3]
    assert result.text.endswith(
        "[1] Biden will meet Scholz, Macron and Starmer on Friday, "
        "18 October. [2] Julianne Smith is the US Ambassador to NATO. [3]"
    )


def test_the_same_span_cited_twice_keeps_one_number(index):
    result = verify(
        "Julianne Smith is the US Ambassador to NATO. [3] Smith is the US Ambassador to NATO. [3]",
        index,
    )
    assert result.text.count("[1]") == 2
    assert len(result.citations) == 1


def test_a_date_the_cited_source_does_not_hold_moves_to_the_one_that_does(index):
    result = verify("Biden met the leaders of Germany, the UK and France on October 16. [1]", index)
    assert [c.doc_id for c in result.citations] == ["b16"]
    assert result.verification.repaired == 1


def test_disagreeing_sources_each_keep_their_marker(index):
    result = verify(
        "One article puts the meeting with Scholz, Macron and Starmer on Friday, 18 October [1], "
        "another puts a meeting of Biden and the leaders of Germany and France on October 16 [2].",
        index,
    )
    assert [c.doc_id for c in result.citations] == ["a18", "b16"]
    assert result.text.endswith("on October 16. [1][2]")
    assert result.verification.kept == 2


@pytest.mark.parametrize(
    "marker", ["[1, 3]", "[1][3]", "[Source 1, Source 3]", "[1; 3]", "[^1][^3]", "[ 1 ] [3]"]
)
def test_marker_spellings(index, marker):
    result = verify(
        f"Biden will meet Scholz, Macron and Starmer on 18 October and Julianne Smith is the US "
        f"Ambassador to NATO. {marker}",
        index,
    )
    assert {c.doc_id for c in result.citations} == {"a18", "c"}
    assert result.verification.markers == 2


def test_brackets_that_are_not_markers_stay_text(index):
    result = verify("Julianne Smith [sic] is the US Ambassador to NATO. [3]", index)
    assert result.text == "Julianne Smith [sic] is the US Ambassador to NATO. [1]"


def test_a_partial_abstention_is_not_reported_unsupported(index):
    result = verify(
        "Julianne Smith is the US Ambassador to NATO. [3] The articles don't say when she "
        "took office.",
        index,
    )
    assert not result.abstained
    assert result.unsupported == []
    assert len(result.citations) == 1


@pytest.mark.parametrize("reply", ["", "   ", ABSTAIN_TEXT, "The articles do not say. [2]"])
def test_abstentions(index, reply):
    result = verify(reply, index)
    assert result.abstained and result.text == ABSTAIN_TEXT and result.citations == []


def test_without_an_embedder_word_overlap_decides(index):
    words_only = SourceIndex(index.passages, None, index.threshold)
    result = verify("Julianne Smith is the US Ambassador to NATO. [1]", words_only)
    assert [c.doc_id for c in result.citations] == ["c"]
    assert verify("Paris hosts the Olympics. [1]", words_only).unsupported == [
        "Paris hosts the Olympics."
    ]


REPLY = (
    "Julianne Smith is the US Ambassador to NATO. [2] She said NATO did not plan to invite "
    "Ukraine in the short term [3], though Biden will meet Scholz on Friday, 18 October. [1]\n"
    "The summit was moved to Paris. [9] The articles don't say more."
)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 1000])
def test_streamed_text_is_the_final_text_whatever_the_piece_size(index, size):
    whole = verify(REPLY, index)
    resolver = MarkerResolver(index)
    pieces = [resolver.feed(REPLY[i : i + size]) for i in range(0, len(REPLY), size)]
    tail, result = resolver.close()
    assert "".join(pieces) + tail == result.text == whole.text
    assert result.citations == whole.citations
    assert result.unsupported == ["The summit was moved to Paris."]
    assert "[9]" not in "".join(pieces)


def test_a_sentence_is_released_once_decided_before_the_reply_ends(index):
    resolver = MarkerResolver(index)
    assert resolver.feed("Julianne Smith is the US Ambassador to NATO. [3") == ""  # undecided
    first = resolver.feed("] She said")
    assert first == "Julianne Smith is the US Ambassador to NATO. [1]"
    assert resolver.feed(" NATO did not plan to invite Ukraine.") == ""
    assert resolver.feed(" The") == " She said NATO did not plan to invite Ukraine. [2]"


def test_a_sentence_no_source_supports_is_taken_out_of_the_answer(index):
    result = verify(
        "The summit was moved to Paris. [1] Julianne Smith is the US Ambassador to NATO. [3] "
        "Olaf Scholz resigned on Friday.",
        index,
    )
    assert result.text == "Julianne Smith is the US Ambassador to NATO. [1]"
    assert result.unsupported == [
        "The summit was moved to Paris.",
        "Olaf Scholz resigned on Friday.",
    ]
    assert not result.abstained


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_an_answer_with_no_supported_sentence_is_the_abstention(index, size):
    reply = "That is all. The summit was moved to Paris. [1] Olaf Scholz resigned on Friday. [2]"
    resolver = MarkerResolver(index)
    pieces = [resolver.feed(reply[i : i + size]) for i in range(0, len(reply), size)]
    tail, result = resolver.close()
    assert "".join(pieces) == ""  # nothing unsupported was ever shown
    assert tail == result.text == ABSTAIN_TEXT and result.abstained
    assert result.unsupported == [
        "The summit was moved to Paris.",
        "Olaf Scholz resigned on Friday.",
    ]
    assert result.citations == []


def test_a_sentence_with_nothing_to_check_waits_for_a_supported_one(index):
    resolver = MarkerResolver(index)
    assert resolver.feed("Here it is: ") == ""
    assert resolver.feed("Julianne Smith is the US Ambassador to NATO. [3] Next") == (
        "Here it is: Julianne Smith is the US Ambassador to NATO. [1]"
    )


SAID = (
    "US Ambassador to NATO Julianne Smith said that NATO did not plan to invite Ukraine to "
    'join the Alliance "in the short term", despite this being the first point of the '
    "Victory Plan put forward by President Volodymyr Zelenskyy."
)


def test_a_restatement_of_one_clause_keeps_its_marker():
    index = SourceIndex([passage("s", SAID, 1)], HashingEmbedder(), Settings().support_threshold)
    kept = verify("Julianne Smith is the US Ambassador to NATO. [1]", index)
    assert kept.text == "Julianne Smith is the US Ambassador to NATO. [1]"
    assert kept.citations[0].quote == SAID  # the citation quotes the whole sentence
    # a sentence that borrows the clause's name but says something else gains nothing
    borrowed = verify("Julianne Smith is the US Secretary of State. [1]", index)
    assert borrowed.abstained and borrowed.unsupported
