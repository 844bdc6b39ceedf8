"""The web chat UI over the public ``rag`` API (Gradio; imported only by `rag serve`)."""
