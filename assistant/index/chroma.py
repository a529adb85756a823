"""Chroma storage: a chunk collection (vectors) and a document collection (full texts, the commit record).

A document counts as indexed only once its record is in the document collection, and that record is
written after its chunks are stored and verified. Chunks whose document record is missing or carries
another content hash are leftovers of an interrupted ingest: `repair` deletes them and queries skip them.
"""
from __future__ import annotations

import itertools
import threading
import uuid
from types import MappingProxyType
from typing import Any, Callable, Container, Iterable, Iterator, Mapping, Protocol, Sequence

import numpy as np

from assistant.core.errors import IndexMissingError, StoreError
from assistant.core.settings import Settings
from assistant.core.types import Chunk, Document, StoredSentence
from assistant.index.keyword import cache_dir
from assistant.index.blocks import SentenceBlocks
from assistant.text import squash
from assistant.index.records import Committed, chunk_from, chunk_metadata, committed_hashes, document_from, document_metadata
from assistant.index.client import (
    chroma_client, first_line, is_connection_error, is_missing_collection, opening, read_only, readable_copy,
    unreachable_message,
)

# A record in the document collection that is not a document: its token changes whenever a document does.
GENERATION_ID = "__generation__"


class Store(Protocol):
    """What the pipeline, ingest and retrieval need of a store: ChromaStore (a local index or a server) and
    InMemoryStore (index/memory.py, for tests) both provide it."""

    chunk_collection_name: str

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray, hashes: Mapping[str, str]) -> None: ...
    def add_sentences(self, rows: Sequence[StoredSentence], embeddings: np.ndarray, hashes: Mapping[str, str]) -> None: ...
    def delete_document(self, doc_id: str) -> None: ...
    def commit_documents(self, entries: Sequence[tuple[Document, int]]) -> None: ...
    def update_document_metadata(self, doc_id: str, values: Mapping[str, Any]) -> None: ...
    def chunk_ids_for(self, doc_id: str) -> list[str]: ...
    def documents(self) -> dict[str, Mapping[str, Any]]: ...
    def document(self, doc_id: str) -> Document | None: ...
    def documents_by_id(self, ids: Sequence[str]) -> list[Document]: ...
    def document_texts(self, doc_ids: Iterable[str], documents: Mapping[str, Mapping[str, Any]]) -> dict[str, str]: ...
    def query(
        self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None,
        documents: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[tuple[Chunk, float]]: ...
    def nearest_chunk_ids(
        self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None, known: Container[str]
    ) -> list[tuple[str, float]]: ...
    def nearest_sentence_ids(self, embedding: np.ndarray, k: int, doc_ids: Sequence[str] | None) -> list[str]: ...
    def sentences_in(
        self, chunks: Sequence[Chunk], documents: Mapping[str, Mapping[str, Any]] | None = None
    ) -> list[tuple[StoredSentence, np.ndarray]]: ...
    def chunks_by_id(
        self, ids: Iterable[str], documents: Mapping[str, Mapping[str, Any]] | None = None,
        document_of: Mapping[str, str] | None = None,
    ) -> list[Chunk]: ...
    def iter_chunks(self) -> Iterator[Chunk]: ...
    def repair(self) -> int: ...
    def count(self) -> int: ...
    def drop(self) -> None: ...


class ChromaStore:
    """Works the same over chromadb.PersistentClient (index/) and chromadb.HttpClient (a Chroma server)."""

    # Whole-collection reads go about this many chunks (or commit records) at a time, so memory stays flat
    # as the index grows: Chroma's memory for one get grows faster than the rows it returns (one get of
    # 8,000 commit records: +300 MiB; pages of 250: +27 MiB).
    page_size = 1000
    doc_page_size = 250

    def __init__(self, settings: Settings, create: bool = True) -> None:
        self.settings = settings
        self.chunk_collection_name = f"chunks-{settings.fingerprint}"
        self.doc_collection_name = f"documents-{settings.fingerprint}"
        self.sentence_collection_name = f"sentences-{settings.fingerprint}"
        self._create = create
        # One client per store, shared by every thread; the lock only guards (re)connecting.
        self._connect_lock = threading.RLock()
        self._stale = False
        self._documents: tuple[str, dict[str, Mapping[str, Any]]] | None = None  # (generation token, documents)
        # A read-only index answers from a private copy (made once, reused on reconnect); ingest refuses it.
        self._path = readable_copy(settings.index_dir) if read_only(settings) else None
        self._blocks = SentenceBlocks(cache_dir(settings, "sentence-files"))
        self._open()

    def _open(self) -> None:
        with opening(self.settings):
            self.client = chroma_client(self.settings, self._path)
            self._chunks = self._collection(self.chunk_collection_name, self._create)
            self._docs = self._collection(self.doc_collection_name, self._create)
            self._sentences = self._collection(self.sentence_collection_name, self._create)
            if self._create:
                self._ensure_generation()

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
            if self.settings.chroma_url and is_connection_error(exc):
                raise StoreError(unreachable_message(self.settings.chroma_url, exc)) from None
            raise StoreError(f"Chroma collection '{name}': {first_line(exc)}") from None

    def reconnect(self) -> None:
        """A new client and fresh collection handles (after the server went away, or the index was rebuilt)."""
        with self._connect_lock:
            self._open()
            self._stale = False

    def _target(self, name: str):
        if self._stale:
            with self._connect_lock:
                if self._stale:
                    self.reconnect()
        target = {"client": self.client, "chunks": self._chunks, "docs": self._docs, "sentences": self._sentences}[name]
        if target is None:
            raise IndexMissingError()
        return target

    def _run(self, what: str, target: str, method: str, *args, **kwargs):
        """Call `method` on the client or a collection: one clear StoreError on failure, and a reconnect.

        Every call made through here is idempotent (get, query, count, upsert, update, delete), so after a dropped
        connection or a collection recreated by another process it is tried once more on fresh handles.
        """
        for attempt in (1, 2):
            try:
                return getattr(self._target(target), method)(*args, **kwargs)
            except (StoreError, IndexMissingError):
                raise
            except Exception as exc:  # connection resets, server errors: one clear message
                lost = self.settings.chroma_url is not None and is_connection_error(exc)
                missing = is_missing_collection(exc)
                if lost or missing:
                    self._stale = True  # the retry below, or else the next call, reconnects
                timed_out = "timeout" in type(exc).__name__.lower() or isinstance(exc, TimeoutError)
                if attempt == 1 and (missing or (lost and not timed_out)):
                    continue
                if lost:
                    raise StoreError(unreachable_message(self.settings.chroma_url or "", exc)) from None
                raise StoreError(f"Chroma {what} failed: {first_line(exc)}") from None

    def add_chunks(self, chunks: Sequence[Chunk], embeddings: np.ndarray, hashes: Mapping[str, str]) -> None:
        """Store chunks of several documents at once (`hashes`: doc_id -> content hash)."""
        self._upsert("chunks", [c.id for c in chunks], embeddings, [c.text for c in chunks],
                     [chunk_metadata(c, hashes[c.doc_id]) for c in chunks])
        self._blocks.write_chunks(chunks, hashes)

    def add_sentences(self, rows: Sequence[StoredSentence], embeddings: np.ndarray, hashes: Mapping[str, str]) -> None:
        """Every sentence of a document, embedded once at ingest so no sentence is encoded at question time. Its
        text is not stored: it is its document's text at its offsets (`_read_sentences`), and Chroma indexes every
        stored text for full-text search: a third of the time of writing the ~65k sentence rows of 10k chunks
        (docs/benchmarks.md, "sentence texts out of Chroma")."""
        self._upsert("sentences", [r.id for r in rows], embeddings, None,
                     [{**r.metadata(), "content_hash": hashes[r.doc_id]} for r in rows])
        self._blocks.write(rows, embeddings, hashes)  # after Chroma holds them: a file never runs ahead of it

    def _upsert(
        self, target: str, ids: list[str], embeddings: np.ndarray, texts: list[str] | None, metadatas: list[dict]
    ) -> None:
        # Few large upserts: each Chroma write costs tens of milliseconds however small it is.
        batch = max(1, min(5000, self._run("batch size", "client", "get_max_batch_size")))
        for offset in range(0, len(ids), batch):
            documents = {} if texts is None else {"documents": texts[offset : offset + batch]}
            self._run(
                "add", target, "upsert",
                ids=ids[offset : offset + batch],
                embeddings=embeddings[offset : offset + batch].tolist(),
                metadatas=metadatas[offset : offset + batch],
                **documents,
            )

    def sentences_in(
        self, chunks: Sequence[Chunk], documents: Mapping[str, Mapping[str, Any]] | None = None
    ) -> list[tuple[StoredSentence, np.ndarray]]:
        """The stored sentences lying inside these chunks, with their vectors (deduplicated across chunks):
        from the files of their documents' committed contents (index/blocks.py), read from Chroma when missing.
        Chunks read from the index name their content, so only others make this read the committed documents."""
        if not chunks:
            return []
        if documents is None and all(c.content_hash for c in chunks):
            documents = {c.doc_id: {"content_hash": c.content_hash} for c in chunks}
        return self._blocks.sentences_in(chunks, self.documents() if documents is None else documents,
                                         self._read_sentences)

    def _read_sentences(self, keys: Mapping[str, str]) -> dict[str, list]:
        """doc_id -> its sentences with their vectors, of content hash keys[doc_id] (a committed one's), in text
        order: what index/blocks.py keeps of a document whose file is missing. A sentence's text is its document's
        at its offsets, as ingest/sentences.py made it (the text's own file when there is one)."""
        texts = self.document_texts(keys, {doc_id: {"content_hash": h} for doc_id, h in keys.items()})
        rows = self._read_records(
            "sentences", {d: h for d, h in keys.items() if d in texts}, ["metadatas", "embeddings"],
            lambda i, _, meta, vector: (meta, i, np.asarray(vector, dtype=np.float32)))
        return {
            doc_id: [(StoredSentence.from_metadata(i, squash(texts[doc_id][meta["start"] : meta["end"]]), meta), vector)
                     for meta, i, vector in found]
            for doc_id, found in rows.items()
        }

    def _read_chunks(self, keys: Mapping[str, str]) -> dict[str, list]:
        """doc_id -> its chunks as (id, start, end, page, text), of content hash keys[doc_id], in text order."""
        return self._read_records("chunks", keys, ["documents", "metadatas"], lambda i, text, meta, _: (
            i, meta["start"], meta["end"], meta["page"], text))

    def _read_records(self, target: str, keys: Mapping[str, str], include: list[str], row: Callable) -> dict[str, list]:
        if not keys:
            return {}
        result = self._run("get", target, "get", where={"doc_id": {"$in": list(keys)}}, include=include)
        vectors = result["embeddings"] if "embeddings" in include else itertools.repeat(None)
        texts = result["documents"] if "documents" in include else itertools.repeat(None)
        found: dict[str, list] = {}
        for i, text, meta, vector in zip(result["ids"], texts, result["metadatas"], vectors):
            if str(meta.get("content_hash")) == keys.get(meta.get("doc_id")):
                found.setdefault(meta["doc_id"], []).append((meta["start"], row(i, text, meta, vector)))
        return {doc_id: [r for _, r in sorted(rows, key=lambda pair: pair[0])] for doc_id, rows in found.items()}

    def nearest_sentence_ids(self, embedding: np.ndarray, k: int, doc_ids: Sequence[str] | None) -> list[str]:
        """The ids of the k sentences nearest the question (within `doc_ids` when given), best first. Retrieval
        wants only the chunks holding them, which an id tells (ingest/sentences.py `sentence_start`): reading
        the sentences' texts and metadata tripled this query's cost. Leftovers of an interrupted ingest may be
        among the ids; retrieval maps ids to committed chunks only (KeywordIndex.chunk_holding)."""
        # Chroma returns what there is when asked for more than the collection holds, even from an empty one.
        result = self._run(
            "query", "sentences", "query", query_embeddings=[embedding.tolist()], n_results=k,
            where={"doc_id": {"$in": list(doc_ids)}} if doc_ids is not None else None, include=["distances"],
        )
        return list(result["ids"][0])

    def delete_document(self, doc_id: str) -> None:
        # Uncommit first, so a crash between the two deletes leaves orphans that repair() removes.
        self._run("delete", "docs", "delete", ids=[doc_id])
        self._bump_generation()
        self._run("delete", "chunks", "delete", where={"doc_id": doc_id})
        self._run("delete", "sentences", "delete", where={"doc_id": doc_id})
        self._blocks.forget(doc_id)

    def commit_documents(self, entries: Sequence[tuple[Document, int]]) -> None:
        """Verify each document's stored chunks, then write their commit records and a new generation token
        in one upsert: until it lands none of them is indexed, and after it all of them are."""
        for document, chunk_count in entries:
            stored = self.chunk_ids_for(document.id)
            if len(stored) != chunk_count:
                raise StoreError(f"{document.source}: stored {len(stored)} chunks, expected {chunk_count}")
        if not entries:
            return
        generation = _generation_record()
        self._run(
            "commit", "docs", "upsert",
            ids=[d.id for d, _ in entries] + generation["ids"],
            embeddings=[[1.0] for _ in entries] + generation["embeddings"],
            documents=[d.text for d, _ in entries] + generation["documents"],
            metadatas=[document_metadata(d, n) for d, n in entries] + generation["metadatas"],
        )
        self._blocks.write_texts([d for d, _ in entries])

    def update_document_metadata(self, doc_id: str, values: Mapping[str, Any]) -> None:
        """Merge `values` (None removes a key) into a document's commit record and its chunks' metadata, keeping
        their vectors; the new generation token makes other processes read the records again."""
        chunk_ids = self.chunk_ids_for(doc_id)
        if chunk_ids:
            self._run("update", "chunks", "update", ids=chunk_ids, metadatas=[dict(values) for _ in chunk_ids])
        self._run("update", "docs", "update", ids=[doc_id], metadatas=[dict(values)])
        self._bump_generation()

    def _bump_generation(self) -> None:
        """Every change to the commit records gets a new token, so readers know when their copy is stale."""
        self._run("commit", "docs", "upsert", **_generation_record())

    def _ensure_generation(self) -> None:
        """A new index, or one written before generation tokens, gets one (called while opening: no _run)."""
        try:
            if not self._docs.get(ids=[GENERATION_ID], include=[])["ids"]:
                self._docs.upsert(**_generation_record())
        except Exception as exc:
            if self.settings.chroma_url and is_connection_error(exc):
                raise StoreError(unreachable_message(self.settings.chroma_url, exc)) from None
            raise StoreError(f"Chroma collection '{self.doc_collection_name}': {first_line(exc)}") from None

    def chunk_ids_for(self, doc_id: str) -> list[str]:
        return self._run("get", "chunks", "get", where={"doc_id": doc_id}, include=[])["ids"]

    def documents(self) -> Committed:
        """doc_id -> metadata (read-only) of every committed document.

        Every question needs these, and reading them all grows with the index; reading the generation token
        does not. Another process (an ingest, another app on the same server) bumps the token on each change.
        Until then every caller shares one copy of the metadata, read-only: copying it for each question cost
        0.6 ms at 10k chunks (the mapping of ids is each caller's own)."""
        token = self._generation()
        cached = self._documents
        if token is not None and cached is not None and cached[0] == token:
            return Committed(cached[1], token)
        while True:
            documents: dict[str, Mapping[str, Any]] = {}
            page = self.doc_page_size
            for offset in itertools.count(0, page):
                result = self._run("get", "docs", "get", include=["metadatas"], limit=page, offset=offset)
                documents.update(
                    (doc_id, MappingProxyType(meta or {}))
                    for doc_id, meta in zip(result["ids"], result["metadatas"])
                    if doc_id != GENERATION_ID
                )
                if len(result["ids"]) < page:
                    break
            # A commit by another process between pages would shift them: read again until none came between.
            latest = self._generation()
            if latest == token:
                break
            token = latest
        self._documents = (token, documents) if token is not None else None
        return Committed(documents, token)

    def _generation(self) -> str | None:
        marker = self._run("get", "docs", "get", ids=[GENERATION_ID], include=["metadatas"])
        return marker["metadatas"][0].get("token") if marker["ids"] else None

    def document(self, doc_id: str) -> Document | None:
        return next(iter(self.documents_by_id([doc_id])), None)

    def documents_by_id(self, ids: Sequence[str]) -> list[Document]:
        """The committed documents of these ids, with their full texts, in one read (those not indexed are left out)."""
        wanted = [i for i in dict.fromkeys(ids) if i != GENERATION_ID]
        if not wanted:
            return []
        result = self._run("get", "docs", "get", ids=wanted, include=["metadatas", "documents"])
        found = {i: document_from(i, dict(m), t) for i, m, t in zip(result["ids"], result["metadatas"], result["documents"])}
        return [found[i] for i in wanted if i in found]

    def document_texts(self, doc_ids: Iterable[str], documents: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
        """doc_id -> full text of those of these documents that `documents` (the committed ones, just read) holds:
        from the files of their contents (index/blocks.py), read from Chroma when missing."""
        return self._blocks.texts(set(doc_ids), documents, self._read_texts)

    def _read_texts(self, keys: Mapping[str, str]) -> dict[str, str]:
        """doc_id -> text of the documents whose commit record carries content hash keys[doc_id]."""
        result = self._run("get", "docs", "get", ids=list(keys), include=["metadatas", "documents"])
        return {i: text for i, meta, text in zip(result["ids"], result["metadatas"], result["documents"])
                if str((meta or {}).get("content_hash")) == keys.get(i)}

    def _committed(self, documents: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """doc_id -> content hash of every committed document (of `documents`, when the caller has just read them)."""
        return committed_hashes(self.documents() if documents is None else documents)

    @staticmethod
    def _is_committed(meta: Mapping[str, Any] | None, committed: Mapping[str, Any]) -> bool:
        meta = meta or {}
        return meta.get("doc_id") in committed and committed[meta.get("doc_id")] == meta.get("content_hash")

    def query(
        self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None,
        documents: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[tuple[Chunk, float]]:
        committed = self._committed(documents)
        result = self._nearest(embedding, k, where, ["documents", "metadatas"],
                               lambda i, text, meta: self._is_committed(meta, committed))
        return [(chunk_from(i, text, meta), similarity) for i, similarity, text, meta in result]

    def nearest_chunk_ids(
        self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None, known: Container[str]
    ) -> list[tuple[str, float]]:
        """The ids and similarities of the k nearest chunks among `known` (the committed ones, as the keyword
        index lists them): reading no texts or metadata makes this a third of query's cost."""
        return [(i, similarity) for i, similarity in self._nearest(embedding, k, where, [], lambda i, *_: i in known)]

    def _nearest(
        self, embedding: np.ndarray, k: int, where: Mapping[str, Any] | None, include: list[str],
        keep: Callable[..., bool],
    ) -> list[tuple[Any, ...]]:
        """Rows (id, similarity, *include) of the k nearest chunks that `keep(id, *include)` accepts."""
        wanted = k
        while True:
            result = self._run(
                "query", "chunks", "query", query_embeddings=[embedding.tolist()], n_results=wanted,
                where=dict(where) if where else None, include=[*include, "distances"],
            )
            columns = [result[name][0] for name in include]
            rows = [(i, 1.0 - float(d), *rest) for i, d, *rest in zip(result["ids"][0], result["distances"][0], *columns)]
            # Leftovers of an interrupted ingest are not part of the index until repair() removes them.
            kept = [row for row in rows if keep(row[0], *row[2:])]
            if len(kept) >= k or len(rows) < wanted:
                return kept[:k]  # enough, or the collection has no more rows
            wanted = wanted * 2 + (len(rows) - len(kept))

    def all_chunks(self) -> list[Chunk]:
        """Every chunk of every committed document (uncommitted leftovers are skipped)."""
        return list(self.iter_chunks())

    def iter_chunks(self) -> Iterator[Chunk]:
        """all_chunks() a few documents at a time, so a caller that streams them never holds the whole index."""
        documents = self.documents()
        committed = committed_hashes(documents)
        for result in self._by_document(["documents", "metadatas"], documents):
            yield from (
                chunk_from(i, t, m)
                for i, t, m in zip(result["ids"], result["documents"], result["metadatas"])
                if self._is_committed(m, committed)
            )

    def _by_document(self, include: list[str], documents: Mapping[str, Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
        """The chunk rows of these documents, about page_size chunks per read. Selecting by doc_id uses
        Chroma's metadata index; limit/offset paging re-reads every row before the page, and at 30k chunks
        held four times the memory."""
        group: list[str] = []
        size = 0
        for doc_id, meta in documents.items():
            group.append(doc_id)
            size += int(meta.get("chunks", 1))
            if size >= self.page_size:
                yield self._run("get", "chunks", "get", where={"doc_id": {"$in": group}}, include=include)
                group, size = [], 0
        if group:
            yield self._run("get", "chunks", "get", where={"doc_id": {"$in": group}}, include=include)

    def chunks_by_id(self, ids: Iterable[str], documents: Mapping[str, Mapping[str, Any]] | None = None,
                     document_of: Mapping[str, str] | None = None) -> list[Chunk]:
        """The committed chunks of these ids, in their order; from the files of their documents (index/blocks.py)
        when `document_of` (the keyword index's) names each one's document."""
        ids = list(ids)
        if not ids:
            return []
        documents = self.documents() if documents is None else documents
        if document_of is not None and all(i in document_of for i in ids):
            found = self._blocks.chunks(ids, document_of, documents, self._read_chunks)
            return [found[i] for i in ids if i in found]
        committed = self._committed(documents)
        result = self._run("get", "chunks", "get", ids=ids, include=["documents", "metadatas"])
        found = {
            i: chunk_from(i, t, m)
            for i, t, m in zip(result["ids"], result["documents"], result["metadatas"])
            if self._is_committed(m, committed)
        }
        return [found[i] for i in ids if i in found]

    def repair(self) -> int:
        """Delete chunks of documents whose ingest never committed; returns how many went."""
        documents = self.documents()
        self._repair_sentences(documents)
        if self.count() == sum(int(meta.get("chunks", 0)) for meta in documents.values()):
            return 0  # the usual case, with no reads that grow with the index: every chunk is a committed one
        committed = committed_hashes(documents)
        # Chunks of a committed document that carry another content hash: a changed file's new chunks.
        orphans = [
            chunk_id
            for result in self._by_document(["metadatas"], documents)
            for chunk_id, meta in zip(result["ids"], result["metadatas"])
            if not self._is_committed(meta, committed)
        ]
        # Chunks of documents never committed at all: a new file's chunks.
        unknown = {"doc_id": {"$nin": list(committed)}} if committed else None
        orphans += self._run("get", "chunks", "get", where=unknown, include=[])["ids"]
        for offset in range(0, len(orphans), 5000):
            self._run("delete", "chunks", "delete", ids=orphans[offset : offset + 5000])
        return len(orphans)

    def _repair_sentences(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        """Sentences of documents never committed (an interrupted ingest) go; a changed document's old
        sentences went with delete_document before its new ones were written."""
        unknown = {"doc_id": {"$nin": list(documents)}} if documents else None
        orphans = self._run("get", "sentences", "get", where=unknown, include=[])["ids"]
        for offset in range(0, len(orphans), 5000):
            self._run("delete", "sentences", "delete", ids=orphans[offset : offset + 5000])

    def count(self) -> int:
        return self._run("count", "chunks", "count")

    def drop(self) -> None:
        client = self._target("client")  # reconnects first if the server went away
        for name in (self.chunk_collection_name, self.doc_collection_name, self.sentence_collection_name):
            try:
                client.delete_collection(name)
            except Exception:  # already absent is fine: we are about to recreate it
                pass
        self._chunks = self._collection(self.chunk_collection_name, True)
        self._docs = self._collection(self.doc_collection_name, True)
        self._sentences = self._collection(self.sentence_collection_name, True)
        self._blocks.clear()


def _generation_record() -> dict[str, list]:
    return {"ids": [GENERATION_ID], "embeddings": [[1.0]], "documents": [""], "metadatas": [{"token": uuid.uuid4().hex}]}
