"""BM25 search sorts only the scores up to the k-th highest: its order is that of a stable sort of them all
(highest first, ties in position order), ties at the k-th included."""
from __future__ import annotations

import numpy as np

from assistant.index.keyword import _best_first


def test_the_first_k_are_those_of_a_stable_sort_of_every_score():
    rng = np.random.default_rng(0)
    for _ in range(3000):
        size = int(rng.integers(1, 80))
        # Few distinct values: many ties, at the k-th place too; zeros and negatives as BM25 may give.
        scores = rng.integers(-1, 4, size=size).astype(np.float32) * np.float32(0.7)
        everything = np.argsort(-scores, kind="stable")
        for k in range(1, size + 3):
            found = _best_first(scores, k)
            assert len(found) >= min(k, size)
            assert np.array_equal(found[:k], everything[:k]), (scores, k)


def test_search_keeps_the_order_of_a_full_sort(ingested):
    keyword = ingested.keyword
    for question in ("What did inspectors find about the MASH?", "leadership good children", "Wirral"):
        scores = keyword.scores(question)
        expected = [(keyword.ids[i], float(scores[i])) for i in np.argsort(-scores, kind="stable") if scores[i] > 0]
        for k in (1, 3, 8, 40, 10**6):
            assert keyword.search(question, k) == expected[:k]
        within = set(list(dict.fromkeys(keyword.doc_ids))[:2])
        assert keyword.search(question, 5, within) == [hit for hit in expected
                                                       if keyword.doc_ids[keyword.ids.index(hit[0])] in within][:5]
