"""A question reads its chunks, their sentences (with vectors) and its documents' texts from per-document files
beside Chroma (index/blocks.py): on the shipped corpus and the real Chroma they give exactly what Chroma's
collections give, and stay so after a correction, an incremental ingest of a changed report, a delete, and when
a file is missing or damaged."""
from __future__ import annotations

import shutil

import numpy as np

from assistant.text import squash
import pytest

from assistant.index.memory import InMemoryStore
from tests.conftest import CORPUS, build_settings


def chroma_rows(store, documents) -> dict[str, tuple]:
    """Every committed sentence as the sentence collection holds it: id -> (doc, chunk, start, end, text, vector).
    The collection holds no texts: a sentence's is its document's at its offsets, squashed (ingest/sentences.py)."""
    collection = store.client.get_collection(store.sentence_collection_name, embedding_function=None)
    stored = collection.get(include=["documents", "metadatas", "embeddings"])
    assert not any(stored["documents"]), "sentence texts are not written to Chroma"
    texts = store.document_texts(documents, documents)
    return {
        i: (m["doc_id"], m["chunk_id"], m["start"], m["end"], squash(texts[m["doc_id"]][m["start"] : m["end"]]),
            np.asarray(v, dtype=np.float32))
        for i, m, v in zip(stored["ids"], stored["metadatas"], stored["embeddings"])
        if documents.get(m["doc_id"], {}).get("content_hash") == m["content_hash"]
    }


def file_rows(store, chunks, documents=None) -> dict[str, tuple]:
    found = store.sentences_in(chunks, documents)
    rows = {s.id: (s.doc_id, s.chunk_id, s.start, s.end, s.text, v) for s, v in found}
    assert len(rows) == len(found), "a sentence came twice"
    return rows


def assert_same(found: dict[str, tuple], expected: dict[str, tuple]) -> None:
    assert found.keys() == expected.keys()
    for sentence_id, row in expected.items():
        assert found[sentence_id][:5] == row[:5]
        assert found[sentence_id][5].dtype == np.float32
        # The vectors ingest computed: Chroma normalises them again as it stores them (a cosine collection),
        # which moves the last bit or two of some components (at most a few 1e-8).
        assert np.abs(found[sentence_id][5] - row[5]).max() < 1e-6, sentence_id


def assert_same_chunks(store, keyword, documents) -> None:
    """Every committed chunk read from the files (with the keyword index's document of each) is the chunk Chroma
    returns: text, offsets, page, source, title and metadata. The keyword index (its state remembered per
    generation token) is the one of these documents computed afresh, and holds every committed chunk."""
    from assistant.index.keyword import state_of

    assert documents.token is not None and keyword.state == state_of(dict(documents))
    assert sorted(keyword.ids) == sorted(c.id for c in store.all_chunks())
    ids = list(keyword.ids)
    from_chroma = store.chunks_by_id(ids, documents)
    assert len(from_chroma) == len(ids) > 0
    assert store.chunks_by_id(ids, documents, keyword.document_of) == from_chroma
    assert store.chunks_by_id(ids[::-3], documents, keyword.document_of) == store.chunks_by_id(ids[::-3], documents)


def assert_same_texts(store, documents) -> None:
    """Every committed document's text read from the files is its text in Chroma's document collection; a
    document not among `documents` (not committed, or deleted since) has none."""
    expected = {d.id: d.text for d in store.documents_by_id(list(documents))}
    assert len(expected) == len(documents) > 0
    assert store.document_texts(documents, documents) == expected
    assert store.document_texts(["no such report", *list(documents)[:2]], documents) == {
        d: expected[d] for d in list(documents)[:2]}


def inside(rows: dict[str, tuple], chunks) -> dict[str, tuple]:
    return {i: r for i, r in rows.items()
            if any(c.doc_id == r[0] and c.start <= r[2] and r[3] <= c.end for c in chunks)}


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory, shared_embedder):
    """The shipped corpus, copied so a report can be changed, ingested into a real Chroma index of its own."""
    from assistant.pipeline import Assistant

    root = tmp_path_factory.mktemp("sentence-files")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    helper = Assistant(build_settings(root, corpus_dir=corpus), embedder=shared_embedder)
    assert helper.ingest().count("indexed") == 5
    return helper


def test_the_files_hold_what_chroma_holds_for_every_chunk(corpus_index):
    store = corpus_index.store
    documents = store.documents()
    chunks = store.all_chunks()
    expected = chroma_rows(store, documents)
    assert len(expected) > 100  # the five shipped reports
    assert_same(file_rows(store, chunks, documents), expected)  # every sentence lies inside some chunk
    for chunk in chunks[::7]:  # one chunk at a time: exactly the sentences inside it
        assert_same(file_rows(store, [chunk]), inside(expected, [chunk]))
    assert any(store._blocks.folder.glob("*-sentences.bin")) and store._blocks.folder.parent == store.settings.index_dir
    assert_same_chunks(store, corpus_index.keyword_for(documents), documents)
    assert_same_texts(store, documents)
    assert len(list(store._blocks.folder.glob("*-text.json"))) == 5  # written by ingest


def test_a_missing_or_damaged_file_is_read_from_chroma_and_written_again(corpus_index, tmp_path):
    from assistant.index.chroma import ChromaStore

    store = corpus_index.store
    documents = store.documents()
    expected = chroma_rows(store, documents)
    picked = store.all_chunks()[3:40:4]
    files = sorted(store._blocks.folder.glob("*-sentences.bin")) + sorted(store._blocks.folder.glob("*-chunks.json"))
    files += sorted(store._blocks.folder.glob("*-text.json"))
    damaged = [files[0], files[6], files[10]]
    files[2].write_bytes(files[2].read_bytes()[:-4])  # a vector short
    files[1].unlink()
    files[7].unlink()
    files[11].unlink()
    files[12].write_text(files[12].read_text().replace('"text": "', '"text": ["', 1).replace('"}', '"]}'))
    for path in damaged:
        path.write_text("{not json")
    fresh = ChromaStore(store.settings)  # nothing remembered in memory: what is on disk, or Chroma
    assert_same(file_rows(fresh, picked, documents), inside(expected, picked))
    assert_same(file_rows(fresh, store.all_chunks(), documents), expected)
    assert_same_chunks(fresh, corpus_index.keyword_for(documents), documents)
    assert_same_texts(fresh, documents)
    assert all(path.exists() and path.read_bytes().startswith(b'{"doc_id"') for path in files)
    fresh = ChromaStore(store.settings)
    assert_same(file_rows(fresh, store.all_chunks(), documents), expected)
    assert_same_chunks(fresh, corpus_index.keyword_for(documents), documents)
    assert_same_texts(fresh, documents)


def test_a_changed_report_and_a_deleted_one_are_never_served_from_old_files(corpus_index, shared_embedder):
    store = corpus_index.store
    # A correction changes a report's metadata, not its content: the chunks carry the corrected metadata.
    first = sorted(store.documents())[0]
    corpus_index.correct(first, "authority", "north somerset")
    documents = store.documents()
    assert documents[first]["authority"] == "North Somerset"
    assert_same_chunks(store, corpus_index.keyword_for(documents), documents)
    # Another process's correction: this one's remembered keyword state is for the old token, not the new.
    from assistant.pipeline import Assistant

    other = Assistant(corpus_index.settings, embedder=shared_embedder)
    other.correct(first, "authority", "bristol")
    token, documents = documents.token, store.documents()
    assert documents[first]["authority"] == "Bristol" and documents.token != token
    assert_same_chunks(store, corpus_index.keyword_for(documents), documents)
    corpus = corpus_index.settings.corpus_dir
    changed = sorted(corpus.glob("*.txt"))[1]
    before = {doc_id: meta["content_hash"] for doc_id, meta in store.documents().items()}
    old_chunks = store.all_chunks()
    changed.write_text(changed.read_text() + "\n\nA sentence added after the inspection for this test.\n")
    report = corpus_index.ingest()
    assert report.count("indexed") == 1 and report.count("unchanged") == 4
    documents = store.documents()
    (doc_id,) = [d for d in documents if documents[d]["content_hash"] != before[d]]
    expected = chroma_rows(store, documents)
    assert any("added after the inspection" in row[4] for row in expected.values())
    assert_same(file_rows(store, store.all_chunks(), documents), expected)
    assert_same_chunks(store, corpus_index.keyword_for(documents), documents)
    assert_same_texts(store, documents)
    assert "added after the inspection" in store.document_texts([doc_id], documents)[doc_id]
    # The old content's files went with it; its chunks' offsets only find sentences of the new content.
    assert not any(store._blocks._name(kind, doc_id, before[doc_id]).exists() for kind in ("sentences", "chunks", "text"))
    assert len(list(store._blocks.folder.glob("*.bin"))) == 5
    assert_same(file_rows(store, old_chunks, documents), inside(expected, old_chunks))

    gone = next(iter(documents))
    gone_chunks = [c for c in store.all_chunks() if c.doc_id == gone]
    assert corpus_index.delete(gone)
    documents = store.documents()
    assert file_rows(store, gone_chunks, documents) == {}
    assert store.document_texts([gone], documents) == {}
    assert len(list(store._blocks.folder.glob("*.bin"))) == 4 and len(list(store._blocks.folder.glob("*.json"))) == 8
    assert store.chunks_by_id([c.id for c in gone_chunks], documents, {c.id: gone for c in gone_chunks}) == []
    assert_same(file_rows(store, store.all_chunks(), documents), chroma_rows(store, documents))
    assert_same_chunks(store, corpus_index.keyword_for(documents), documents)
    assert_same_texts(store, documents)


def test_the_in_memory_store_gives_the_same_sentences(ingested, tmp_path, shared_embedder):
    from assistant.pipeline import Assistant

    memory = Assistant(build_settings(tmp_path), embedder=shared_embedder, store=InMemoryStore())
    memory.ingest()
    chunks = ingested.store.all_chunks()
    assert {c.id for c in chunks} == {c.id for c in memory.store.all_chunks()}
    for picked in (chunks[:12], chunks[5::6]):
        ours, theirs = file_rows(ingested.store, picked), file_rows(memory.store, picked)
        assert ours.keys() == theirs.keys() and ours
        for sentence_id, row in ours.items():
            assert row[:5] == theirs[sentence_id][:5]
            assert np.abs(row[5] - theirs[sentence_id][5]).max() < 1e-5
    documents = ingested.store.documents()
    assert ingested.store.document_texts(documents, documents) == memory.store.document_texts(documents, documents)


def test_a_documents_files_round_trip_exactly_and_only_for_their_content(tmp_path):
    from assistant.core.types import Chunk, Document, StoredSentence
    from assistant.index.blocks import DocumentSentences, SentenceBlocks

    text = 'First one. Second "quoted",\nline.\u2019s end'
    rows = [StoredSentence("d:0", "d", "c1", 0, 10, "First one."),
            StoredSentence("d:11", "d", "c1", 11, 34, 'Second "quoted",\nline.')]
    vectors = np.random.default_rng(0).standard_normal((2, 384)).astype(np.float32)
    chunk = Chunk("c1", "d", "a.txt", "A", text[:34], 0, 34, 1, {"authority": "Wirral"})
    written = SentenceBlocks(tmp_path)
    written.write(rows, vectors, {"d": "h1", "e": "h9"})
    written.write_chunks([chunk], {"d": "h1"})
    written.write_texts([Document("d", "a.txt", "A", text, "h1")])
    documents = {"d": {"content_hash": "h1", "source": "a.txt", "title": "A", "authority": "Wirral"}}

    def never(keys):
        raise AssertionError(f"read from the store: {keys}")

    fresh = SentenceBlocks(tmp_path)  # nothing in memory: the files alone
    found = fresh.sentences_in([chunk], documents, never)
    assert [row for row, _ in found] == rows
    assert np.array_equal(np.stack([vector for _, vector in found]), vectors)  # bit for bit
    assert fresh.chunks(["c1"], {"c1": "d"}, documents, never) == {"c1": chunk}
    assert fresh.texts({"d"}, documents, never) == {"d": text}
    # Another content of the same document is never served from these files: it is read from the store.
    changed = {"d": {**documents["d"], "content_hash": "h2"}}
    assert fresh.texts({"d"}, changed, lambda keys: {"d": "new text"}) == {"d": "new text"}
    assert fresh.texts({"d"}, changed, never) == {"d": "new text"}  # and kept under the new content
    assert fresh.sentences_in([chunk], changed, lambda keys: {}) == []
    # A document the store no longer holds (uncommitted since `documents` was read) has no text, and none is kept.
    assert fresh.texts({"e"}, {"e": {"content_hash": "h9"}}, lambda keys: {}) == {}
    assert not fresh._name("text", "e", "h9").exists()
    # A document without sentences round-trips as none.
    fresh._save("sentences", "e", "h9", DocumentSentences.of("e", [], np.zeros((0, 0), dtype=np.float32)), False)
    (none,) = SentenceBlocks(tmp_path)._rows("sentences", {"e"}, {"e": {"content_hash": "h9"}}, never).values()
    assert len(none) == 0


def test_chunks_read_from_the_index_name_their_content_so_their_sentences_need_no_document_read(ingested, monkeypatch):
    documents = ingested.store.documents()
    chunks = ingested.store.all_chunks()[::5]
    assert chunks and all(c.content_hash == documents[c.doc_id]["content_hash"] for c in chunks)
    expected = file_rows(ingested.store, chunks, documents)
    assert expected

    def no_read():
        raise AssertionError("the committed documents were read again")

    monkeypatch.setattr(ingested.store, "documents", no_read)
    assert file_rows(ingested.store, chunks).keys() == expected.keys()
    # A chunk made elsewhere names no content: then the committed documents say which.
    from dataclasses import replace

    with pytest.raises(AssertionError, match="read again"):
        ingested.store.sentences_in([replace(chunks[0], content_hash="")])
