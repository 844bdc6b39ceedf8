"""`python -m ui`: the web chat and the HTTP API, as `rag serve` starts them."""

import rag
from ui.serve import serve

serve(rag.Settings())
