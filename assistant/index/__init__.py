"""The index: the embedder, the Chroma store and the BM25 keyword index kept in step."""
