"""chunk_vectors=sentence_mean: chunk vectors made from the stored sentence vectors (plus the report context),
no chunk text encoded a second time, and never mixed with an index of encoded chunk vectors."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from assistant.core.types import Chunk, StoredSentence
from assistant.core.settings import INDEX_SCHEMA_VERSION
from assistant.index.chroma import ChromaStore
from assistant.index.embed import sentence_means
from assistant.index.keyword import context_line, indexed_text
from assistant.pipeline import Assistant


class Recording:
    """The real embedder, remembering every text it was asked to encode."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.encoded: list[str] = []

    def embed_documents(self, texts):
        self.encoded.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


@pytest.fixture(scope="module")
def mean_index(tmp_path_factory, shared_embedder):
    from tests.conftest import build_settings

    settings = build_settings(tmp_path_factory.mktemp("sentence-mean"), chunk_vectors="sentence_mean")
    recording = Recording(shared_embedder)
    helper = Assistant(settings, embedder=recording)
    report = helper.ingest()
    assert report.ok and report.count("indexed") == 5
    return helper, recording


def stored_chunks(store: ChromaStore) -> list[tuple[Chunk, np.ndarray]]:
    chunks = {c.id: c for c in store.iter_chunks()}
    result = store._chunks.get(ids=list(chunks), include=["embeddings"])
    return [(chunks[i], np.asarray(v, dtype=np.float32)) for i, v in zip(result["ids"], result["embeddings"])]


def test_a_chunk_vector_is_its_sentences_mean_plus_its_report_context(mean_index, shared_embedder):
    helper, _ = mean_index
    rows = stored_chunks(helper.store)
    assert len(rows) > 30
    weight = helper.settings.chunk_context_weight
    checked = 0
    for chunk, vector in rows[::3]:
        inside = helper.store.sentences_in([chunk])
        if not inside:
            continue
        expected = np.mean([v for _, v in inside], axis=0) + weight * shared_embedder.embed_documents(
            [context_line(chunk)])[0]
        expected /= np.linalg.norm(expected)
        assert float(vector @ expected) == pytest.approx(1.0, abs=1e-4), chunk.id
        # Not what encoding the chunk would give: the mean really replaced the encode.
        assert float(vector @ shared_embedder.embed_documents([indexed_text(chunk)])[0]) < 0.999
        checked += 1
    assert checked >= 5


def test_each_text_is_encoded_once(mean_index):
    helper, recording = mean_index
    chunks = [c for c, _ in stored_chunks(helper.store)]
    encoded_chunks = {indexed_text(c) for c in chunks} & set(recording.encoded)
    holds_a_sentence = {c.id for c in chunks if helper.store.sentences_in([c])}
    # Only a chunk without one whole sentence of its own is encoded; every other text is a sentence or a
    # report's context line, each encoded once.
    assert all(indexed_text(c) not in encoded_chunks for c in chunks if c.id in holds_a_sentence)
    contexts = {context_line(c) for c in chunks}
    assert len(contexts) == 5 and contexts <= set(recording.encoded)
    sentences = helper.store._sentences.count()
    assert len(recording.encoded) == sentences + len(contexts) + len(encoded_chunks)


def test_the_setting_is_part_of_the_index_identity(mean_index, make_settings, tmp_path):
    helper, _ = mean_index
    mean = helper.settings
    encode = make_settings(mean.index_dir.parent, chunk_vectors="encode")
    heavier = make_settings(mean.index_dir.parent, chunk_context_weight=1.0)
    assert mean.fingerprint == make_settings(tmp_path).fingerprint  # sentence_mean is the default
    assert len({mean.fingerprint, encode.fingerprint, heavier.fingerprint}) == 3
    # Encoded chunks keep the identity's form from before the setting existed (no suffix for it): an index of the
    # same schema built before the setting stays readable.
    key = f"{encode.embed_model}|{encode.chunk_size}|{encode.chunk_overlap}|v{INDEX_SCHEMA_VERSION}"
    assert encode.fingerprint == hashlib.sha1(key.encode()).hexdigest()[:10]
    # Same folder, the other setting: an empty index of its own, not the sentence-mean vectors.
    other = ChromaStore(encode)
    assert other.chunk_collection_name != helper.store.chunk_collection_name
    assert other.count() == 0 and helper.store.count() > 0


def test_a_sentence_finds_its_own_passage(mean_index, shared_embedder):
    helper, _ = mean_index
    documents = helper.store.documents()
    stored = helper.store.sentences_in(helper.store.all_chunks(), documents)
    # Every long sentence, not a sample: which fifth a sample drew depended on the store's listing order, and
    # one sample's share sat on the threshold (19 of 24 on one machine, 23 of 24 on another).
    picked = [(s.text, s.metadata()) for s, _ in stored if len(s.text) > 80]
    assert len(picked) >= 50
    found = 0
    for (text, meta), vector in zip(picked, shared_embedder.embed_documents([t for t, _ in picked])):
        hits = helper.store.query(vector, 3, None)
        found += any(c.doc_id == meta["doc_id"] and c.start <= meta["start"] and meta["end"] <= c.end for c, _ in hits)
    assert found >= 0.8 * len(picked)


def test_a_chunk_without_a_whole_sentence_is_left_to_the_encoder():
    sentences = [StoredSentence("d:0", "d", "c0", 0, 10, "One."), StoredSentence("d:11", "d", "c0", 11, 30, "Two.")]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    chunks = [Chunk("c0", "d", "s", "t", "x", 0, 30, 1), Chunk("c1", "d", "s", "t", "x", 12, 29, 1),
              Chunk("c2", "e", "s", "t", "x", 0, 30, 1)]
    out, orphans = sentence_means(chunks, sentences, vectors, np.zeros((3, 2), dtype=np.float32))
    assert orphans == [1, 2]
    assert np.allclose(out[0], [2 ** -0.5, 2 ** -0.5]) and not out[1].any() and not out[2].any()
