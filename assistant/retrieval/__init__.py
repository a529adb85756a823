"""Retrieval: scope and filters, follow-up condensing, dense + BM25 fusion."""
