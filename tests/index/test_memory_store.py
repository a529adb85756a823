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
