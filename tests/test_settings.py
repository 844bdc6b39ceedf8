"""Settings: collection naming (one collection per embedding model) and validation."""

from __future__ import annotations

import pydantic
import pytest

from rag import Settings


def test_different_embed_models_get_different_collections():
    minilm = Settings(embed_model="all-MiniLM-L6-v2")
    other = Settings(embed_model="all-mpnet-base-v2")
    assert minilm.collection_name() != other.collection_name()


def test_different_embedders_and_chunkings_get_different_collections():
    base = Settings()
    assert base.collection_name() != Settings(embedder="openai").collection_name()
    assert base.collection_name() != Settings(chunk_size=128).collection_name()
    assert base.collection_name() != Settings(chunk_overlap=0).collection_name()


def test_collection_name_is_stable_and_chroma_safe():
    name = Settings(embedder="openai", embed_model="org/Some Model:v1.5").collection_name()
    assert name == Settings(embedder="openai", embed_model="org/Some Model:v1.5").collection_name()
    assert 3 <= len(name) <= 63
    assert name[0].isalnum() and name[-1].isalnum()
    assert all(c.isalnum() or c in "-_." for c in name)


def test_models_with_a_long_common_prefix_get_different_collections():
    multilingual_minilm = Settings(
        embedder="openai",
        embed_model="sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2",
    )
    multilingual_mpnet = Settings(
        embedder="openai",
        embed_model="sentence-transformers/paraphrase-multilingual-mpnet-base-v2",
    )
    assert multilingual_minilm.collection_name() != multilingual_mpnet.collection_name()


def test_settings_read_rag_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "articles"))
    monkeypatch.setenv("RAG_TOP_K", "3")
    settings = Settings()
    assert settings.corpus_dir == tmp_path / "articles"
    assert settings.top_k == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"chunk_size": 251},
        {"top_k": 0},
        {"retrieval": "magic"},
        {"abstain_threshold": 2},
        {"answerer": "magic"},
        {"llm_timeout": 0},
        {"llm_retries": 99},
        {"support_threshold": 1.5},
    ],
)
def test_out_of_range_settings_are_rejected(bad: dict):
    with pytest.raises(pydantic.ValidationError):
        Settings(**bad)


def test_the_local_model_reads_sentences_and_a_hosted_one_passages_unless_told():
    from rag import Settings

    assert Settings().reads_sentences("local")
    assert not Settings().reads_sentences("openai")
    assert Settings(llm_sources="sentences").reads_sentences("openai")
    assert not Settings(llm_sources="passages").reads_sentences("local")
