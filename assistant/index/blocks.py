"""Each document's stored sentences with their vectors, one small file per document content, beside Chroma.

The answer step needs the sentences (and vectors) of a question's passages: a Chroma `get` of them with their
vectors and metadata was the largest store cost of a warm question (9 ms at 10k chunks; the vectors and the
metadata cost about 7 ms each, the ids alone under 1). Ingest writes a document's sentences here as it writes
them to Chroma, the same float32 vectors, and a question reads the few files of its passages' documents.

A file is named by its document's id and content hash, so a changed document (a new hash) or a deleted one
(no longer committed) is never served from an old file: what a question reads is always the committed
content's. A missing or damaged file (an index written before these files, or by another machine through a
Chroma server) is read from Chroma once and written. Only the whole index is held in no process's memory:
at 100k chunks the sentence vectors alone are about 1 GB.
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
# Reads a document's committed sentences from the store: (doc_id -> content hash) -> rows per document.
Reader = Callable[[Mapping[str, Any]], Mapping[str, Rows]]


class SentenceBlocks:
    """The sentence files of one index (a folder like the BM25 cache's) and a small cache of those last read."""

    # Documents kept read in memory: a question's passages come from a few documents, and one block is
    # a few hundred KB at most (~65 sentences of 1.5 KB of vector each in the bench's reports).
    cached = 256

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._memory: OrderedDict[tuple[str, str], Rows] = OrderedDict()
        self._lock = threading.Lock()

    def write(self, rows: Sequence[StoredSentence], vectors: np.ndarray, hashes: Mapping[str, str]) -> None:
        """Save each document's rows (ingest calls this with what it writes to Chroma)."""
        by_doc: dict[str, list[int]] = {}
        for position, row in enumerate(rows):
            by_doc.setdefault(row.doc_id, []).append(position)
        for doc_id, positions in by_doc.items():
            self._save(doc_id, str(hashes[doc_id]), [(rows[i], vectors[i]) for i in positions], remember=False)

    def sentences_in(self, chunks: Sequence[Chunk], committed: Mapping[str, Any], read: Reader) -> Rows:
        """The committed sentences lying inside these chunks, with their vectors, each once."""
        keys = {c.doc_id: str(committed[c.doc_id]) for c in chunks if c.doc_id in committed}
        found = {doc_id: self._load(doc_id, content_hash) for doc_id, content_hash in keys.items()}
        missing = {doc_id: keys[doc_id] for doc_id, rows in found.items() if rows is None}
        if missing:
            fetched = read(missing)
            for doc_id, content_hash in missing.items():
                found[doc_id] = list(fetched.get(doc_id, []))
                self._save(doc_id, content_hash, found[doc_id], remember=True)
        spans: dict[str, list[tuple[int, int]]] = {}
        for chunk in chunks:
            spans.setdefault(chunk.doc_id, []).append((chunk.start, chunk.end))
        return [
            (row, vector)
            for doc_id, rows in found.items()
            for row, vector in rows or ()
            if any(start <= row.start and row.end <= end for start, end in spans[doc_id])
        ]

    def forget(self, doc_id: str) -> None:
        """Remove every file of a document (a deleted document's files would only take room)."""
        with self._lock:
            for key in [k for k in self._memory if k[0] == doc_id]:
                del self._memory[key]
        for path in self.folder.glob(f"{_digest(doc_id)}-*"):
            path.unlink(missing_ok=True)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _name(self, doc_id: str, content_hash: str) -> Path:
        return self.folder / f"{_digest(doc_id)}-{_digest(content_hash)}"

    def _load(self, doc_id: str, content_hash: str) -> Rows | None:
        key = (doc_id, content_hash)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        base = self._name(doc_id, content_hash)
        try:
            meta = json.loads(base.with_suffix(".json").read_text())
            vectors = np.load(base.with_suffix(".npy"), allow_pickle=False)
            if meta["doc_id"] != doc_id or meta["content_hash"] != content_hash or len(vectors) != len(meta["starts"]):
                raise ValueError("the file is of another content")
            rows = [
                (StoredSentence(f"{doc_id}:{start}", doc_id, chunk_id, start, end, text), vector)
                for start, end, chunk_id, text, vector in zip(
                    meta["starts"], meta["ends"], meta["chunks"], meta["texts"], vectors)
            ]
        except FileNotFoundError:
            return None
        except Exception as exc:  # damaged or half-written: read again from the store, as if missing
            log.warning("sentence file %s is unreadable (%s); reading it from the store", base, exc)
            return None
        self._remember(key, rows)
        return rows

    def _save(self, doc_id: str, content_hash: str, rows: Rows, remember: bool) -> None:
        if remember:  # (not while ingest writes a whole corpus: no question is reading it)
            self._remember((doc_id, content_hash), rows)
        base = self._name(doc_id, content_hash)
        sentences = [row for row, _ in rows]
        meta = {"doc_id": doc_id, "content_hash": content_hash, "starts": [s.start for s in sentences],
                "ends": [s.end for s in sentences], "chunks": [s.chunk_id for s in sentences],
                "texts": [s.text for s in sentences]}
        vectors = np.asarray([v for _, v in rows], dtype=np.float32) if rows else np.zeros((0, 0), np.float32)
        tag = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Each file is swapped in whole; both files of one name always hold the same content (the name
            # carries its hash), so a reader never pairs vectors with another content's sentences.
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
            log.debug("could not save sentence file %s (%s)", base, exc)

    def _remember(self, key: tuple[str, str], rows: Rows) -> None:
        with self._lock:
            self._memory[key] = rows
            self._memory.move_to_end(key)
            while len(self._memory) > self.cached:
                self._memory.popitem(last=False)


def _digest(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()[:16]
