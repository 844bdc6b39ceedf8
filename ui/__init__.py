"""The apps over the public ``rag`` API: the Gradio web chat and the OpenAI-compatible HTTP
API, served together by `rag serve` (found through the ``rag.apps`` entry point)."""
