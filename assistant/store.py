"""Chroma storage: a chunk collection (vectors) and a document collection (full texts, the commit record).

A document counts as indexed only once its record is in the document collection, and that record is
written after its chunks are stored and verified. Chunks whose document record is missing or carries
another content hash are leftovers of an interrupted ingest: `repair` deletes them and queries skip them.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping, Protocol, Sequence

import numpy as np

from assistant.errors import StoreError
from assistant.settings import Settings
from assistant.types import Chunk, Document

_CHUNK_KEYS = ("doc_id", "source", "title", "start", "end", "page", "content_hash")


class Store(Protocol):
    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray, content_hash: str) -> None: ...
    def delete_document(self, doc_id: str) -> None: ...
    def commit_document(self, document: Document, chunk_count: int) -> None: ...
    def chunk_ids_for(self, doc_id: str) -> list[str]: ...
    def documents(self) -> dict[str, dict[str, Any]]: ...
    def document(self, doc_id: str) -> Document | None: ...
    def query(self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None) -> list[tuple[Chunk, float]]: ...
    def all_chunks(self) -> list[Chunk]: ...
    def repair(self) -> int: ...
    def count(self) -> int: ...


def chroma_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except Exception as exc:  # chromadb raises plain ValueError/ConnectionError for an unreachable server
        where = settings.chroma_url or settings.index_dir
        raise StoreError(f"cannot open Chroma at {where}: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


class ChromaStore:
    """Works the same over chromadb.PersistentClient (index/) and chromadb.HttpClient (a Chroma server)."""

    def __init__(self, settings: Settings, create: bool = True) -> None:
        self.settings = settings
        self.client = chroma_client(settings)
        self.chunk_collection_name = f"chunks-{settings.fingerprint}"
        self.doc_collection_name = f"documents-{settings.fingerprint}"
        self._chunks = self._collection(self.chunk_collection_name, create)
        self._docs = self._collection(self.doc_collection_name, create)

    @property
    def exists(self) -> bool:
        return self._chunks is not None and self._docs is not None

    def _collection(self, name: str, create: bool):
        try:
            if create:
                # Vectors always come from our embedder: no Chroma default embedding function (it downloads).
                return self.client.get_or_create_collection(
                    name, metadata={"hnsw:space": "cosine"}, embedding_function=None
                )
            return self.client.get_collection(name, embedding_function=None)
        except Exception as exc:  # NotFoundError, or a connection error from a server
            message = str(exc).lower()
            if not create and ("does not exist" in message or "not found" in message):
                return None
            raise StoreError(f"Chroma collection '{name}': {_first_line(exc)}") from None

    def _call(self, what: str, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except StoreError:
            raise
        except Exception as exc:  # connection resets, server errors: one clear message
            raise StoreError(f"Chroma {what} failed: {_first_line(exc)}") from None

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray, content_hash: str) -> None:
        batch = max(1, min(5000, self._call("batch size", self.client.get_max_batch_size)))
        for offset in range(0, len(chunks), batch):
            part = chunks[offset : offset + batch]
            self._call(
                "add",
                self._chunks.upsert,
                ids=[c.id for c in part],
                embeddings=embeddings[offset : offset + batch].tolist(),
                documents=[c.text for c in part],
                metadatas=[_chunk_metadata(c, content_hash) for c in part],
            )

    def delete_document(self, doc_id: str) -> None:
        # Uncommit first, so a crash between the two deletes leaves orphans that repair() removes.
        self._call("delete", self._docs.delete, ids=[doc_id])
        self._call("delete", self._chunks.delete, where={"doc_id": doc_id})

    def commit_document(self, document: Document, chunk_count: int) -> None:
        stored = self.chunk_ids_for(document.id)
        if len(stored) != chunk_count:
            raise StoreError(f"{document.source}: stored {len(stored)} chunks, expected {chunk_count}")
        metadata = {
            **{k: v for k, v in document.metadata.items()},
            "source": document.source,
            "title": document.title,
            "content_hash": document.content_hash,
            "chunks": chunk_count,
            "page_starts": json.dumps(list(document.page_starts)),
        }
        self._call(
            "commit", self._docs.upsert, ids=[document.id], embeddings=[[1.0]], documents=[document.text],
            metadatas=[metadata],
        )

    def chunk_ids_for(self, doc_id: str) -> list[str]:
        return self._call("get", self._chunks.get, where={"doc_id": doc_id}, include=[])["ids"]

    def documents(self) -> dict[str, dict[str, Any]]:
        result = self._call("get", self._docs.get, include=["metadatas"])
        return {doc_id: dict(meta or {}) for doc_id, meta in zip(result["ids"], result["metadatas"])}

    def document(self, doc_id: str) -> Document | None:
        result = self._call("get", self._docs.get, ids=[doc_id], include=["metadatas", "documents"])
        if not result["ids"]:
            return None
        meta = dict(result["metadatas"][0])
        return Document(
            id=doc_id,
            source=meta.pop("source"),
            title=meta.pop("title"),
            text=result["documents"][0],
            content_hash=meta.pop("content_hash"),
            page_starts=tuple(json.loads(meta.pop("page_starts", "[0]"))),
            metadata={k: v for k, v in meta.items() if k != "chunks"},
        )

    def _committed(self) -> dict[str, Any]:
        """doc_id -> content hash of every committed document."""
        return {doc_id: meta.get("content_hash") for doc_id, meta in self.documents().items()}

    @staticmethod
    def _is_committed(meta: Mapping[str, Any] | None, committed: Mapping[str, Any]) -> bool:
        meta = meta or {}
        return meta.get("doc_id") in committed and committed[meta.get("doc_id")] == meta.get("content_hash")

    def query(self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None) -> list[tuple[Chunk, float]]:
        total = self.count()
        if total == 0:
            return []
        committed = self._committed()
        wanted = min(k, total)
        while True:
            result = self._call(
                "query",
                self._chunks.query,
                query_embeddings=[embedding.tolist()],
                n_results=wanted,
                where=dict(where) if where else None,
                include=["documents", "metadatas", "distances"],
            )
            rows = list(zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]))
            # Leftovers of an interrupted ingest are not part of the index until repair() removes them.
            kept = [row for row in rows if self._is_committed(row[2], committed)]
            if len(kept) >= k or len(rows) < wanted or wanted >= total:
                break
            wanted = min(total, wanted * 2 + (len(rows) - len(kept)))
        return [(_chunk_from(chunk_id, text, meta), 1.0 - float(distance)) for chunk_id, text, meta, distance in kept[:k]]

    def all_chunks(self) -> list[Chunk]:
        """Every chunk of every committed document (uncommitted leftovers are skipped)."""
        committed = self._committed()
        chunks: list[Chunk] = []
        page = 5000
        offset = 0
        while True:
            result = self._call(
                "get", self._chunks.get, include=["documents", "metadatas"], limit=page, offset=offset
            )
            chunks.extend(
                _chunk_from(i, t, m)
                for i, t, m in zip(result["ids"], result["documents"], result["metadatas"])
                if self._is_committed(m, committed)
            )
            if len(result["ids"]) < page:
                return chunks
            offset += page

    def chunks_by_id(self, ids: Iterable[str]) -> list[Chunk]:
        ids = list(ids)
        if not ids:
            return []
        committed = self._committed()
        result = self._call("get", self._chunks.get, ids=ids, include=["documents", "metadatas"])
        found = {
            i: _chunk_from(i, t, m)
            for i, t, m in zip(result["ids"], result["documents"], result["metadatas"])
            if self._is_committed(m, committed)
        }
        return [found[i] for i in ids if i in found]

    def repair(self) -> int:
        """Delete chunks of documents whose ingest never committed; returns how many went."""
        committed = {doc_id: meta.get("content_hash") for doc_id, meta in self.documents().items()}
        result = self._call("get", self._chunks.get, include=["metadatas"])
        orphans = [
            chunk_id
            for chunk_id, meta in zip(result["ids"], result["metadatas"])
            if committed.get(meta.get("doc_id")) != meta.get("content_hash")
        ]
        for offset in range(0, len(orphans), 5000):
            self._call("delete", self._chunks.delete, ids=orphans[offset : offset + 5000])
        return len(orphans)

    def count(self) -> int:
        return self._call("count", self._chunks.count)

    def drop(self) -> None:
        for name in (self.chunk_collection_name, self.doc_collection_name):
            try:
                self.client.delete_collection(name)
            except Exception:  # already absent is fine: we are about to recreate it
                pass
        self._chunks = self._collection(self.chunk_collection_name, True)
        self._docs = self._collection(self.doc_collection_name, True)


def _chunk_metadata(chunk: Chunk, content_hash: str) -> dict[str, Any]:
    return {
        **{k: v for k, v in chunk.metadata.items()},
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "title": chunk.title,
        "start": chunk.start,
        "end": chunk.end,
        "page": chunk.page,
        "content_hash": content_hash,
    }


def _chunk_from(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    meta = dict(meta)
    fields = {key: meta.pop(key) for key in _CHUNK_KEYS}
    fields.pop("content_hash")
    return Chunk(id=chunk_id, text=text, metadata=meta, **fields)


def chunks_of(store: ChromaStore, doc_id: str) -> list[Chunk]:
    """All chunks of one document, in text order."""
    committed = store._committed()
    result = store._call("get", store._chunks.get, where={"doc_id": doc_id}, include=["documents", "metadatas"])
    chunks = [
        _chunk_from(i, t, m)
        for i, t, m in zip(result["ids"], result["documents"], result["metadatas"])
        if store._is_committed(m, committed)
    ]
    return sorted(chunks, key=lambda c: c.start)
