"""An in-memory Store: the same seam as ChromaStore, deterministic and process-local, for tests that
exercise the pipeline without Chroma (and beside the tests that run it on the real Chroma)."""
from __future__ import annotations

from typing import Any, Container, Iterable, Iterator, Mapping, Sequence

import numpy as np

from assistant.core.errors import StoreError
from assistant.core.types import Chunk, Document, StoredSentence
from assistant.index.records import chunk_from, chunk_metadata, document_metadata


class InMemoryStore:
    chunk_collection_name = "memory-chunks"

    def __init__(self) -> None:
        self.drop()

    def drop(self) -> None:
        self._chunks: dict[str, tuple[str, dict[str, Any], np.ndarray]] = {}
        self._sentences: dict[str, tuple[StoredSentence, str, np.ndarray]] = {}
        self._docs: dict[str, tuple[Document, dict[str, Any]]] = {}

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray, hashes: Mapping[str, str]) -> None:
        for chunk, vector in zip(chunks, embeddings):
            self._chunks[chunk.id] = (chunk.text, chunk_metadata(chunk, hashes[chunk.doc_id]), np.asarray(vector))

    def add_sentences(self, rows: Sequence[StoredSentence], embeddings: np.ndarray, hashes: Mapping[str, str]) -> None:
        for row, vector in zip(rows, embeddings):
            self._sentences[row.id] = (row, hashes[row.doc_id], np.asarray(vector))

    def delete_document(self, doc_id: str) -> None:
        self._docs.pop(doc_id, None)
        self._chunks = {i: c for i, c in self._chunks.items() if c[1]["doc_id"] != doc_id}
        self._sentences = {i: s for i, s in self._sentences.items() if s[0].doc_id != doc_id}

    def commit_documents(self, entries: Sequence[tuple[Document, int]]) -> None:
        for document, chunk_count in entries:
            stored = len(self.chunk_ids_for(document.id))
            if stored != chunk_count:
                raise StoreError(f"{document.source}: stored {stored} chunks, expected {chunk_count}")
        for document, chunk_count in entries:
            self._docs[document.id] = (document, document_metadata(document, chunk_count))

    def update_document_metadata(self, doc_id: str, values: Mapping[str, Any]) -> None:
        def merged(meta: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in {**meta, **values}.items() if v is not None}

        for chunk_id in self.chunk_ids_for(doc_id):
            text, meta, vector = self._chunks[chunk_id]
            self._chunks[chunk_id] = (text, merged(meta), vector)
        document, meta = self._docs[doc_id]
        self._docs[doc_id] = (document, merged(meta))

    def chunk_ids_for(self, doc_id: str) -> list[str]:
        return [i for i, (_, meta, _) in self._chunks.items() if meta["doc_id"] == doc_id]

    def documents(self) -> dict[str, dict[str, Any]]:
        return {doc_id: dict(meta) for doc_id, (_, meta) in self._docs.items()}

    def document(self, doc_id: str) -> Document | None:
        entry = self._docs.get(doc_id)
        return entry[0] if entry else None

    def documents_by_id(self, ids: Sequence[str]) -> list[Document]:
        return [self._docs[i][0] for i in dict.fromkeys(ids) if i in self._docs]

    def document_texts(self, doc_ids: Iterable[str], documents: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
        return {i: self._docs[i][0].text for i in doc_ids if i in documents and i in self._docs}

    def _committed(self, meta: Mapping[str, Any]) -> bool:
        entry = self._docs.get(str(meta.get("doc_id")))
        return entry is not None and entry[1]["content_hash"] == meta.get("content_hash")

    def _chunk(self, chunk_id: str) -> Chunk:
        text, meta, _ = self._chunks[chunk_id]
        return chunk_from(chunk_id, text, meta)

    def query(
        self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None,
        documents: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[tuple[Chunk, float]]:
        allowed = set(where["doc_id"]["$in"]) if where else None
        scored = [
            (float(vector @ embedding), chunk_id) for chunk_id, (_, meta, vector) in self._chunks.items()
            if self._committed(meta) and (allowed is None or meta["doc_id"] in allowed)
        ]
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [(self._chunk(chunk_id), score) for score, chunk_id in scored[:k]]

    def nearest_chunk_ids(
        self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None, known: Container[str]
    ) -> list[tuple[str, float]]:
        return [(chunk.id, score) for chunk, score in self.query(embedding, len(self._chunks), where)
                if chunk.id in known][:k]

    def nearest_sentence_ids(self, embedding: np.ndarray, k: int, doc_ids: Sequence[str] | None) -> list[str]:
        allowed = set(doc_ids) if doc_ids is not None else None
        rows = [
            (float(vector @ embedding), row.id) for row, content_hash, vector in self._sentences.values()
            if self._committed({"doc_id": row.doc_id, "content_hash": content_hash})
            and (allowed is None or row.doc_id in allowed)
        ]
        rows.sort(key=lambda item: (-item[0], item[1]))
        return [i for _, i in rows[:k]]

    def sentences_in(
        self, chunks: Sequence[Chunk], documents: Mapping[str, Mapping[str, Any]] | None = None
    ) -> list[tuple[StoredSentence, np.ndarray]]:
        return [
            (row, vector) for row, content_hash, vector in self._sentences.values()
            if self._committed({"doc_id": row.doc_id, "content_hash": content_hash})
            and any(c.doc_id == row.doc_id and c.start <= row.start and row.end <= c.end for c in chunks)
        ]

    def chunks_by_id(self, ids: Iterable[str], documents: Mapping[str, Mapping[str, Any]] | None = None,
                     document_of: Mapping[str, str] | None = None) -> list[Chunk]:
        return [self._chunk(i) for i in ids if i in self._chunks and self._committed(self._chunks[i][1])]

    def iter_chunks(self) -> Iterator[Chunk]:
        return (self._chunk(i) for i, (_, meta, _) in list(self._chunks.items()) if self._committed(meta))

    def all_chunks(self) -> list[Chunk]:
        return list(self.iter_chunks())

    def repair(self) -> int:
        orphans = [i for i, (_, meta, _) in self._chunks.items() if not self._committed(meta)]
        for chunk_id in orphans:
            del self._chunks[chunk_id]
        self._sentences = {
            i: s for i, s in self._sentences.items() if self._committed({"doc_id": s[0].doc_id, "content_hash": s[1]})
        }
        return len(orphans)

    def count(self) -> int:
        return len(self._chunks)
