"""Readers of real news files, each written by the test: a web page full of boilerplate, a PDF
with a text layer, article dumps, and text files with front matter or header lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEEDS, HashingEmbedder
from news_files import ARTICLE, BOILERPLATE, DUMP, jsonl, news_page, pdf_report

from rag.corpus import load_article, load_corpus, load_file
from rag.extracted import ExtractedStore


@pytest.fixture
def news(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "kyiv-pledge.html").write_text(news_page(), encoding="utf-8")
    return folder


def test_a_news_page_gives_its_article_text_and_nothing_around_it(news: Path):
    article = load_article(news / "kyiv-pledge.html")

    for paragraph in ARTICLE:
        assert paragraph in article.text
    for noise in BOILERPLATE + ["Home", "Privacy policy", "Related stories", "By Lois Lane"]:
        assert noise not in article.text, noise
    assert "<" not in article.text


def test_a_news_page_gives_title_date_outlet_author_and_url_from_its_meta(news: Path):
    article = load_article(news / "kyiv-pledge.html")

    assert article.id == "kyiv-pledge"
    assert article.title == "Kyiv gets a NATO pledge"
    assert not article.text.startswith(article.title)  # the headline is not a cited sentence
    assert article.date == "2024-07-10"
    assert article.outlet == "The Daily Planet"
    assert article.author == "Lois Lane"
    assert article.url == "https://planet.example/world/kyiv-pledge"


def test_answers_from_a_news_page_quote_only_article_text(news: Path, make_pipeline):
    pipeline = make_pipeline(news, HashingEmbedder())
    pipeline.ingest()

    answer = pipeline.ask("How much long-term funding did Stoltenberg say the allies would give?")

    assert not answer.abstained
    article = load_article(news / "kyiv-pledge.html")
    for citation in answer.citations:
        assert citation.quote in article.text
        assert citation.title == "Kyiv gets a NATO pledge"
        assert (citation.date, citation.outlet) == ("2024-07-10", "The Daily Planet")
    assert "forty billion euros" in answer.text
    for noise in BOILERPLATE:
        assert noise not in answer.text
    for stored in pipeline.index.store.all_chunks():
        assert not any(noise in stored.chunk.text for noise in BOILERPLATE)


def test_a_page_without_an_article_is_skipped_and_named(news: Path):
    (news / "index.html").write_text(
        "<html><head><title>Home</title></head><body><nav><a href='/'>Home</a>"
        "<a href='/world'>World</a></nav><footer>All rights reserved</footer></body></html>",
        encoding="utf-8",
    )
    loaded = load_corpus(news)
    reasons = {Path(p).name: why for p, why in loaded.skipped}
    assert "no article text found" in reasons["index.html"]
    assert [a.id for a in loaded.articles] == ["kyiv-pledge"]


PAGES = [
    [
        "Allies and Kyiv",
        "NATO leaders met in Washington on Wednesday and said that the inter-",
        "national community stands with Ukraine. The declaration was",
    ],
    [
        "signed by all 32 allies. Stoltenberg spoke to reporters.",
        "He said air defence comes first.",
    ],
    ["Kyiv welcomed the decision.", "The next summit is in The Hague."],
]


def test_a_pdf_gives_its_text_layer_with_pages_joined_and_running_lines_dropped(tmp_path):
    article = load_article(pdf_report(tmp_path / "report.pdf", PAGES))

    assert article.id == "report"
    assert "the international community stands with Ukraine" in article.text  # hyphen mended
    # Page 1 ends mid-sentence and runs on into page 2.
    assert "The declaration was\nsigned by all 32 allies." in article.text
    assert "Daily Planet" not in article.text  # the running head on every page
    for line in article.text.splitlines():
        assert not line.strip().isdigit()  # page numbers
    assert article.title == "Allies and Kyiv"  # from the PDF's metadata
    assert not article.text.startswith("Allies and Kyiv")
    assert article.date == "2024-11-05"


def test_a_pdf_without_a_title_in_its_metadata_takes_a_headline_line(tmp_path):
    article = load_article(pdf_report(tmp_path / "untitled.pdf", PAGES, title=None))
    assert article.title == "Allies and Kyiv"


def test_a_jsonl_dump_is_one_article_per_record_with_its_fields(tmp_path: Path):
    corpus = tmp_path / "dumps"
    corpus.mkdir()
    (corpus / "wire.jsonl").write_text(jsonl(DUMP), encoding="utf-8")

    loaded = load_corpus(corpus)

    articles = {a.id: a for a in loaded.articles}
    assert list(articles) == ["wire:a1", "wire:2", "wire:a3"]  # record id, else line number
    a1, line2, a3 = articles.values()
    assert a1.text == DUMP[0]["text"] + "\n"
    assert (a1.title, a1.date, a1.outlet, a1.url) == (
        "Allies pledge air defence",
        "2024-07-09",
        "Reuters",
        "https://news.example/a1",
    )
    assert (line2.title, line2.date, line2.outlet) == ("Rutte takes over", "2024-10-01", "AP")
    assert line2.text.startswith("Mark Rutte took over")  # from "content"
    assert (a3.date, a3.outlet) == ("2024-07-11", "BBC")  # an RFC 2822 date, from "body"
    assert loaded.skipped == [] and loaded.warnings == []


def test_a_json_list_and_a_csv_dump_read_the_same_fields(tmp_path: Path):
    corpus = tmp_path / "dumps"
    corpus.mkdir()
    (corpus / "export.json").write_text(json.dumps({"articles": DUMP}), encoding="utf-8")
    (corpus / "sheet.csv").write_text(
        "id,title,text,date,source\n"
        'x1,Allies meet,"Allies met in Brussels on Thursday, and agreed.",2024-06-13,Reuters\n'
        ',Second,"A second, longer\nstory over two lines.",14 June 2024,AP\n',
        encoding="utf-8",
    )

    articles = {a.id: a for a in load_corpus(corpus).articles}

    assert set(articles) == {"export:a1", "export:2", "export:a3", "sheet:x1", "sheet:3"}
    assert articles["export:2"].outlet == "AP"
    x1 = articles["sheet:x1"]
    assert (x1.title, x1.date, x1.outlet) == ("Allies meet", "2024-06-13", "Reuters")
    assert articles["sheet:3"].text == "A second, longer\nstory over two lines.\n"
    assert articles["sheet:3"].date == "2024-06-14"


def test_a_dump_record_without_text_is_skipped_with_its_line_named(tmp_path: Path):
    corpus = tmp_path / "dumps"
    corpus.mkdir()
    records = [DUMP[0], {"id": "empty", "title": "No body here", "text": "  "}, DUMP[2]]
    (corpus / "wire.jsonl").write_text(jsonl(records), encoding="utf-8")

    loaded = load_corpus(corpus)

    assert [a.id for a in loaded.articles] == ["wire:a1", "wire:a3"]
    [(path, note)] = loaded.warnings
    assert Path(path).name == "wire.jsonl"
    assert "1 record(s) skipped: line 2: no text" in note


FRONT_MATTER = """---
title: "Rutte: Ukraine will join"
date: 2024-10-18
outlet: Ukrainska Pravda
url: https://pravda.example/rutte
author: [Jane Doe, John Roe]
---
NATO Secretary General Mark Rutte said Ukraine would become the 33rd or 34th member.
He spoke in Brussels.
"""


def test_front_matter_is_metadata_and_not_part_of_the_text(tmp_path: Path):
    path = tmp_path / "rutte.md"
    path.write_text(FRONT_MATTER, encoding="utf-8")

    article = load_article(path)

    assert article.text.startswith("NATO Secretary General Mark Rutte said")
    assert "---" not in article.text and "outlet:" not in article.text
    assert article.title == "Rutte: Ukraine will join"
    assert (article.date, article.outlet, article.author) == (
        "2024-10-18",
        "Ukrainska Pravda",
        "Jane Doe, John Roe",
    )
    assert article.url == "https://pravda.example/rutte"


def test_header_lines_are_metadata_and_the_headline_stays(tmp_path: Path):
    path = tmp_path / "pledge.txt"
    path.write_text(
        "Kyiv wins a pledge\nBy Jane Doe\nOctober 18, 2024\nSource: Reuters\n\n"
        "NATO allies met on Friday. They talked about air defence.\n",
        encoding="utf-8",
    )

    article = load_article(path)

    assert (
        article.text
        == "Kyiv wins a pledge\n\nNATO allies met on Friday. They talked about air defence.\n"
    )
    assert (article.title, article.date, article.outlet, article.author) == (
        "Kyiv wins a pledge",
        "2024-10-18",
        "Reuters",
        "Jane Doe",
    )


def test_a_source_sentence_further_down_stays_text(corpus: Path):
    # Seed 001's second paragraph starts "Source: a senior official ...": a sentence, cited.
    article = load_article(corpus / "001_5e5283315bc32363.txt")
    assert "Source: a senior official from the US administration" in article.text
    assert article.date is None


def test_the_seeds_date_header_is_read_and_left_out_of_the_text():
    article = load_article(SEEDS / "000_d5031ddde8e4f165.txt")
    assert article.date == "2024-10-18"
    assert article.text.startswith("US leader Joe Biden's team said")
    assert "date 2024" not in article.text


def test_invalid_front_matter_is_kept_as_text_with_a_warning(tmp_path: Path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "odd.md").write_text("---\n: bad: [\n---\nThe text. More text.\n", "utf-8")
    loaded = load_corpus(corpus)
    assert loaded.articles[0].text.startswith("---")
    assert "front matter not read" in loaded.warnings[0][1]


def test_the_extracted_text_is_kept_in_the_data_dir_and_read_back(news: Path, make_pipeline):
    pipeline = make_pipeline(news, HashingEmbedder())
    pipeline.ingest()
    extracted = ExtractedStore.in_data_dir(pipeline.settings.data_dir)
    stored = next(iter(pipeline.index.store.all_chunks()))

    kept = extracted.text(stored.content_hash)

    assert kept == load_article(news / "kyiv-pledge.html").text
    for s in pipeline.index.store.all_chunks():
        assert kept[s.chunk.start : s.chunk.end] == s.chunk.text  # citations index into it
    assert stored.source == str(news / "kyiv-pledge.html")


def test_a_page_is_extracted_again_only_when_its_bytes_change(news: Path, tmp_path, monkeypatch):
    import rag.formats.html

    extracted = ExtractedStore(tmp_path / "extracted")
    calls = []
    real = rag.formats.html.read_html
    monkeypatch.setattr(rag.formats.html, "read_html", lambda data: calls.append(1) or real(data))
    page = news / "kyiv-pledge.html"

    load_file(page, extracted)
    load_file(page, extracted)
    assert len(calls) == 1
    page.write_text(news_page(title="Kyiv gets a second pledge"), encoding="utf-8")
    articles, _ = load_file(page, extracted)
    assert len(calls) == 2
    assert articles[0].title == "Kyiv gets a second pledge"


def test_reingest_of_an_unchanged_mixed_folder_embeds_nothing(tmp_path: Path, make_pipeline):
    corpus = tmp_path / "mixed"
    corpus.mkdir()
    (corpus / "page.html").write_text(news_page(), encoding="utf-8")
    pdf_report(corpus / "report.pdf", PAGES)
    (corpus / "wire.jsonl").write_text(jsonl(DUMP), encoding="utf-8")
    embedder = HashingEmbedder()
    pipeline = make_pipeline(corpus, embedder)
    pipeline.ingest()
    embedded = embedder.embedded

    report = pipeline.ingest()

    assert embedder.embedded == embedded
    assert report.unchanged == 5 and not report.changed
