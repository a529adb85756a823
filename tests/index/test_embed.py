"""The query-side embedding cache: same vectors as the model, each text encoded once, bounded, thread-safe."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from assistant.index.embed import CachedEmbedder, HashingEmbedder


class Counting(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__(64)
        self.encoded: list[str] = []
        self.queries: list[str] = []

    def embed_documents(self, texts):
        self.encoded.extend(texts)
        return super().embed_documents(texts)

    def embed_query(self, text):
        self.queries.append(text)
        return super().embed_query(text)


def test_cached_vectors_are_the_models_and_each_text_is_encoded_once():
    inner = Counting()
    cached = CachedEmbedder(inner)
    texts = ["The MASH is effective.", "Plans lack clarity.", "The MASH is effective."]
    first = cached.embed_documents(texts)
    second = cached.embed_documents(list(reversed(texts)))
    assert np.array_equal(first, HashingEmbedder(64).embed_documents(texts))
    assert np.array_equal(second, first[::-1])
    assert inner.encoded == ["The MASH is effective.", "Plans lack clarity."]


def test_queries_and_documents_are_cached_apart():
    inner = Counting()
    cached = CachedEmbedder(inner)
    cached.embed_documents(["What did inspectors find?"])
    cached.embed_query("What did inspectors find?")
    cached.embed_query("What did inspectors find?")
    assert inner.queries == ["What did inspectors find?"] and inner.encoded == ["What did inspectors find?"]


def test_the_cache_keeps_only_the_most_recent_texts():
    inner = Counting()
    cached = CachedEmbedder(inner, size=2)
    cached.embed_documents(["a b", "c d"])
    cached.embed_documents(["a b"])  # now the most recent
    cached.embed_documents(["e f"])  # evicts "c d"
    cached.embed_documents(["a b", "c d"])
    assert inner.encoded == ["a b", "c d", "e f", "c d"]


def test_threads_sharing_the_cache_get_the_right_vectors():
    cached = CachedEmbedder(HashingEmbedder(64), size=50)
    texts = [f"sentence number {i} about plans" for i in range(200)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda t: (t, cached.embed_query(t)), texts * 3))
    reference = HashingEmbedder(64)
    assert all(np.array_equal(vector, reference.embed_query(text)) for text, vector in results)
