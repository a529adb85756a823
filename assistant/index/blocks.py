"""Each document's stored sentences (with their vectors) and chunk texts, in small files per document content
beside Chroma.

A question reads the chunks it retrieved and the sentences inside them. Read from Chroma these were the largest
store costs of a warm question at 10k chunks: the sentences with their vectors and metadata 9 ms (the vectors
and the metadata about 7 ms each for ~60 sentences, their ids under 1 ms), the 8 chunks with their metadata
3.5 ms. Ingest writes each document's files as it writes Chroma (the vectors it computed: Chroma's own copies
differ in the last bit or two, as it normalises them again), and a question reads the few files of its
passages' documents. A chunk's metadata is not in the file: it is its document's committed metadata (ingest
gives every chunk its document's metadata, and a correction changes both alike), read once per question.

A file is named by its document's id and content hash, so a changed document (a new hash) or a deleted one
(no longer committed) is never served from an old file: what a question reads is always the committed
content's. A missing or damaged file (an index written before these files, or by another machine through a
Chroma server) is read from Chroma once and written. Only a few hundred documents are kept in memory: at
100k chunks the sentence vectors alone are about 1 GB.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from assistant.core.types import Chunk, StoredSentence

log = logging.getLogger(__name__)

Rows = list[tuple[StoredSentence, np.ndarray]]
# A document's chunks as the files keep them: (id, start, end, page, text).
ChunkRow = tuple[str, int, int, int, str]
# Read what is missing from the store: (doc_id -> committed content hash) -> rows per document.
Reader = Callable[[Mapping[str, str]], Mapping[str, list]]
_CHUNK_COLUMNS = ("ids", "starts", "ends", "pages", "texts")
# Commit-record keys that are not the metadata every chunk of the document carries, and the chunk's own fields.
_NOT_SHARED = ("source", "title", "content_hash", "chunks", "page_starts", "doc_id", "start", "end", "page")


class SentenceBlocks:
    """The files of one index (a folder like the BM25 cache's) and a small cache of those last read."""

    # Documents kept read in memory: a question's passages come from a few documents, and one document's
    # sentences are a few hundred KB at most (~65 sentences of 1.5 KB of vector each in the bench's reports).
    cached = 256

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._memory: OrderedDict[tuple[str, str, str], list] = OrderedDict()
        self._lock = threading.Lock()

    def write(self, rows: Sequence[StoredSentence], vectors: np.ndarray, hashes: Mapping[str, str]) -> None:
        """Save each document's sentences (ingest calls this with what it writes to Chroma)."""
        for doc_id, positions in _by_document(row.doc_id for row in rows).items():
            self._save("sentences", doc_id, str(hashes[doc_id]), [(rows[i], vectors[i]) for i in positions], False)

    def write_chunks(self, chunks: Sequence[Chunk], hashes: Mapping[str, str]) -> None:
        for doc_id, positions in _by_document(chunk.doc_id for chunk in chunks).items():
            found = [(c.id, c.start, c.end, c.page, c.text) for c in (chunks[i] for i in positions)]
            self._save("chunks", doc_id, str(hashes[doc_id]), found, False)

    def sentences_in(self, chunks: Sequence[Chunk], documents: Mapping[str, Mapping[str, Any]], read: Reader) -> Rows:
        """The committed sentences lying inside these chunks, with their vectors, each once."""
        found = self._rows("sentences", {c.doc_id for c in chunks}, documents, read)
        spans: dict[str, list[tuple[int, int]]] = {}
        for chunk in chunks:
            spans.setdefault(chunk.doc_id, []).append((chunk.start, chunk.end))
        return [
            (row, vector)
            for doc_id, rows in found.items()
            for row, vector in rows
            if any(start <= row.start and row.end <= end for start, end in spans[doc_id])
        ]

    def chunks(self, ids: Sequence[str], document_of: Mapping[str, str], documents: Mapping[str, Mapping[str, Any]],
               read: Reader) -> dict[str, Chunk]:
        """id -> chunk of the ids whose document (as `document_of` names it) is committed."""
        wanted = set(ids)
        found: dict[str, Chunk] = {}
        for doc_id, rows in self._rows("chunks", {document_of[i] for i in ids}, documents, read).items():
            meta = documents[doc_id]
            shared = {k: v for k, v in meta.items() if k not in _NOT_SHARED}
            for chunk_id, start, end, page, text in rows:
                if chunk_id in wanted:
                    found[chunk_id] = Chunk(chunk_id, doc_id, str(meta["source"]), str(meta["title"]), text,
                                            start, end, page, dict(shared))
        return found

    def forget(self, doc_id: str) -> None:
        """Remove every file of a document (a deleted document's files would only take room)."""
        with self._lock:
            for key in [k for k in self._memory if k[1] == doc_id]:
                del self._memory[key]
        for path in self.folder.glob(f"{_digest(doc_id)}-*"):
            path.unlink(missing_ok=True)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _rows(self, kind: str, doc_ids: set[str], documents: Mapping[str, Mapping[str, Any]], read: Reader) -> dict[str, list]:
        keys = {d: str(documents[d].get("content_hash")) for d in doc_ids if d in documents}
        found = {doc_id: self._load(kind, doc_id, content_hash) for doc_id, content_hash in keys.items()}
        missing = {doc_id: keys[doc_id] for doc_id, rows in found.items() if rows is None}
        if missing:
            fetched = read(missing)
            for doc_id, content_hash in missing.items():
                found[doc_id] = list(fetched.get(doc_id, []))
                self._save(kind, doc_id, content_hash, found[doc_id], True)
        return {doc_id: rows or [] for doc_id, rows in found.items()}

    def _name(self, kind: str, doc_id: str, content_hash: str) -> Path:
        return self.folder / f"{_digest(doc_id)}-{_digest(content_hash)}-{kind}"

    def _load(self, kind: str, doc_id: str, content_hash: str) -> list | None:
        key = (kind, doc_id, content_hash)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        base = self._name(kind, doc_id, content_hash)
        try:
            meta = json.loads(base.with_suffix(".json").read_text())
            if meta["doc_id"] != doc_id or meta["content_hash"] != content_hash:
                raise ValueError("the file is of another content")
            columns = [meta[c] for c in _CHUNK_COLUMNS] if kind == "chunks" else None
            rows = list(zip(*columns)) if columns else _sentences(meta, np.load(base.with_suffix(".npy")))
        except FileNotFoundError:
            return None
        except Exception as exc:  # damaged or half-written: read again from the store, as if missing
            log.warning("index file %s is unreadable (%s); reading it from the store", base, exc)
            return None
        self._remember(key, rows)
        return rows

    def _save(self, kind: str, doc_id: str, content_hash: str, rows: list, remember: bool) -> None:
        if remember:  # (not while ingest writes a whole corpus: no question is reading it)
            self._remember((kind, doc_id, content_hash), rows)
        base = self._name(kind, doc_id, content_hash)
        meta: dict[str, Any] = {"doc_id": doc_id, "content_hash": content_hash}
        if kind == "chunks":
            columns = list(zip(*rows)) if rows else [()] * len(_CHUNK_COLUMNS)
            meta.update({name: list(column) for name, column in zip(_CHUNK_COLUMNS, columns)})
        else:
            sentences = [row for row, _ in rows]
            meta.update(starts=[s.start for s in sentences], ends=[s.end for s in sentences],
                        chunks=[s.chunk_id for s in sentences], texts=[s.text for s in sentences])
        tag = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Each file is swapped in whole; every file of one name holds the same content (the name carries its
            # hash), so a reader never pairs vectors with another content's sentences. The JSON goes last: it is
            # what a reader looks for first.
            if kind == "sentences":
                vectors = np.asarray([v for _, v in rows], dtype=np.float32) if rows else np.zeros((0, 0), np.float32)
                tmp = self.folder / f".{base.name}.npy.tmp-{tag}"
                with tmp.open("wb") as handle:
                    np.save(handle, vectors, allow_pickle=False)
                os.replace(tmp, base.with_suffix(".npy"))
            tmp = self.folder / f".{base.name}.json.tmp-{tag}"
            tmp.write_text(json.dumps(meta))
            os.replace(tmp, base.with_suffix(".json"))
        except OSError as exc:  # a read-only index or a full disk: the store still answers, from memory
            for leftover in self.folder.glob(f".{base.name}.*.tmp-{tag}"):
                leftover.unlink(missing_ok=True)
            log.debug("could not save index file %s (%s)", base, exc)

    def _remember(self, key: tuple[str, str, str], rows: list) -> None:
        with self._lock:
            self._memory[key] = rows
            self._memory.move_to_end(key)
            while len(self._memory) > self.cached:
                self._memory.popitem(last=False)


def _sentences(meta: Mapping[str, Any], vectors: np.ndarray) -> Rows:
    if len(vectors) != len(meta["starts"]):
        raise ValueError("vectors and sentences differ in number")
    doc_id = meta["doc_id"]
    return [
        (StoredSentence(f"{doc_id}:{start}", doc_id, chunk_id, start, end, text), vector)
        for start, end, chunk_id, text, vector in zip(meta["starts"], meta["ends"], meta["chunks"], meta["texts"], vectors)
    ]


def _by_document(doc_ids) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for position, doc_id in enumerate(doc_ids):
        positions.setdefault(doc_id, []).append(position)
    return positions


def _digest(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()[:16]
