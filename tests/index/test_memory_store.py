"""The Store seam: the in-memory store answers exactly as Chroma does over the same corpus and model, and
keeps the commit-record rules (uncommitted chunks are invisible, repair removes them)."""
from __future__ import annotations

import numpy as np

from assistant.index.memory import InMemoryStore
from tests.conftest import build_settings

QUESTION = "What proportion of initial child protection conferences in Wirral were held on time?"


def test_the_in_memory_store_answers_as_chroma_does(tmp_path, shared_embedder, ingested):
    from assistant.pipeline import Assistant

    helper = Assistant(build_settings(tmp_path), embedder=shared_embedder, store=InMemoryStore())
    report = helper.ingest()
    assert report.count("indexed") == 5 and helper.stats()["documents"] == 5
    in_memory, chroma = helper.ask(QUESTION), ingested.ask(QUESTION)
    assert not in_memory.abstained and "65.5%" in in_memory.answer
    assert in_memory.answer == chroma.answer
    assert [p.chunk.id for p in in_memory.retrieved] == [p.chunk.id for p in chroma.retrieved]


def test_uncommitted_chunks_are_invisible_until_repair_removes_them(ingested):
    store = InMemoryStore()
    chunk = ingested.store.all_chunks()[0]
    store.add_chunks([chunk], np.ones((1, 384), dtype=np.float32) / np.sqrt(384), {chunk.doc_id: "other-hash"})
    assert store.count() == 1 and store.chunks_by_id([chunk.id]) == [] and list(store.iter_chunks()) == []
    assert store.repair() == 1 and store.count() == 0


def test_sentences_in_chunks_of_several_reports_are_exactly_those_inside_them(ingested):
    chunks = ingested.store.all_chunks()
    by_doc: dict[str, list] = {}
    for chunk in chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    picked = [sorted(group, key=lambda c: c.start)[len(group) // 2] for group in list(by_doc.values())[:3]]
    assert len({c.doc_id for c in picked}) == 3
    found = ingested.store.sentences_in(picked)
    collection = ingested.store.client.get_collection(ingested.store.sentence_collection_name, embedding_function=None)
    stored = collection.get(include=["metadatas"])
    inside = {i for i, m in zip(stored["ids"], stored["metadatas"])
              if any(c.doc_id == m["doc_id"] and c.start <= m["start"] and m["end"] <= c.end for c in picked)}
    assert inside and {s.id for s, _ in found} == inside
    for sentence, vector in found:
        assert vector.shape == (384,) and abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3
