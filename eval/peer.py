"""The naive llama-index pipeline we compare against: defaults, same model, top-2, no abstention."""

from __future__ import annotations

from pathlib import Path


class NaivePipeline:
    """``VectorStoreIndex.from_documents`` with its defaults; the retrieved text is the answer."""

    def __init__(self, corpus_dir: Path, top_k: int = 2, embed_model=None):
        """``embed_model`` (a llama-index embedding) defaults to MiniLM through HuggingFace."""
        from llama_index.core import Document, Settings, VectorStoreIndex

        from rag import load_corpus

        Settings.llm = None
        embed = embed_model or naive_embed_model()
        self.articles = {a.id: a for a in load_corpus(corpus_dir).articles}
        documents = [Document(text=a.text, id_=a.id) for a in self.articles.values()]
        self.index = VectorStoreIndex.from_documents(documents, embed_model=embed)
        self.retriever = self.index.as_retriever(similarity_top_k=top_k)

    def ask(self, question: str) -> dict:
        """An answer dict shaped like ``Answer.to_dict()``: each retrieved chunk is a citation."""
        nodes = self.retriever.retrieve(question)
        citations = []
        for n, hit in enumerate(nodes, start=1):
            node = hit.node
            start = node.start_char_idx or 0
            citations.append(
                {
                    "number": n,
                    "doc_id": node.ref_doc_id,
                    "quote": node.get_content(),
                    "start": start,
                    "end": start + len(node.get_content()),
                }
            )
        return {
            "text": "\n\n".join(c["quote"] for c in citations),
            "citations": citations,
            "abstained": False,
            "query": question,
            "passages": [{"doc_id": c["doc_id"]} for c in citations],
        }


def naive_embed_model():
    """The bundled MiniLM as llama-index's HuggingFaceEmbedding (torch), as a naive user would."""
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    from rag import minilm_dir

    return HuggingFaceEmbedding(model_name=str(minilm_dir()), device="cpu")
