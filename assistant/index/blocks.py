"""Each document's stored sentences (with their vectors), chunk texts and full text, in small files per document
content beside Chroma.

A question reads the chunks it retrieved and the sentences inside them. Read from Chroma these were the largest
store costs of a warm question at 10k chunks: the sentences with their vectors and metadata 9 ms (the vectors
and the metadata about 7 ms each for ~60 sentences, their ids under 1 ms), the 8 chunks with their metadata
3.5 ms. Ingest writes each document's files as it writes Chroma (the vectors it computed: Chroma's own copies
differ in the last bit or two, as it normalises them again), and a question reads the few files of its
passages' documents. A chunk's metadata is not in the file: it is its document's committed metadata (ingest
gives every chunk its document's metadata, and a correction changes both alike), read once per question. The
full texts of the passages' documents (what citations quote) were another Chroma read, 2.5 ms at 10k chunks.

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
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, Union

import numpy as np

from assistant.core.types import Chunk, Document, StoredSentence

log = logging.getLogger(__name__)

Rows = list[tuple[StoredSentence, np.ndarray]]
# A document's chunks as the files keep them: (id, start, end, page, text).
ChunkRow = tuple[str, int, int, int, str]
# Read what is missing from the store: (doc_id -> committed content hash) -> rows (or the text) per document.
Reader = Callable[[Mapping[str, str]], Mapping[str, Any]]
_CHUNK_COLUMNS = ("ids", "starts", "ends", "pages", "texts")
# What is kept of a document: its sentences, its chunks' rows, or its text.
Held = Union["DocumentSentences", list, str]
# Commit-record keys that are not the metadata every chunk of the document carries, and the chunk's own fields.
_NOT_SHARED = ("source", "title", "content_hash", "chunks", "page_starts", "doc_id", "start", "end", "page")
# What a document the store holds nothing of has: no sentences or chunks (kept, so it is not read again), or no
# text: it was uncommitted after the caller read the committed documents, and nothing of it is kept.
_ABSENT: dict[str, list | None] = {"sentences": [], "chunks": [], "text": None}
# A sentence file holds bytes after its JSON line. (Indexes written before kept the vectors in a `.npy` beside a
# `-sentences.json`: those are not read, so each such document is read from the store once and written anew.)
_SUFFIX = {"sentences": ".bin", "chunks": ".json", "text": ".json"}


class SentenceBlocks:
    """The files of one index (a folder like the BM25 cache's) and a small cache of those last read."""

    # Files kept read in memory (three a document): a question's passages come from a few documents, and one
    # document's sentences are a few hundred KB at most (~65 sentences of 1.5 KB of vector each in the bench's
    # reports), its text tens of KB.
    cached = 384

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._memory: OrderedDict[tuple[str, str, str], Held] = OrderedDict()
        self._lock = threading.Lock()

    def write(self, rows: Sequence[StoredSentence], vectors: np.ndarray, hashes: Mapping[str, str]) -> None:
        """Save each document's sentences (ingest calls this with what it writes to Chroma)."""
        for doc_id, positions in _by_document(row.doc_id for row in rows).items():
            held = DocumentSentences.of(doc_id, [rows[i] for i in positions], vectors[positions])
            self._save("sentences", doc_id, str(hashes[doc_id]), held, False)

    def write_chunks(self, chunks: Sequence[Chunk], hashes: Mapping[str, str]) -> None:
        for doc_id, positions in _by_document(chunk.doc_id for chunk in chunks).items():
            found = [(c.id, c.start, c.end, c.page, c.text) for c in (chunks[i] for i in positions)]
            self._save("chunks", doc_id, str(hashes[doc_id]), found, False)

    def write_texts(self, documents: Sequence[Document]) -> None:
        for document in documents:
            self._save("text", document.id, document.content_hash, document.text, False)

    def texts(self, doc_ids: set[str], documents: Mapping[str, Mapping[str, Any]], read: Reader) -> dict[str, str]:
        """doc_id -> full text of those of these documents that are committed."""
        return self._rows("text", doc_ids, documents, read)

    def sentences_in(self, chunks: Sequence[Chunk], documents: Mapping[str, Mapping[str, Any]], read: Reader) -> Rows:
        """The committed sentences lying inside these chunks, with their vectors, each once."""
        found = self._rows("sentences", {c.doc_id for c in chunks}, documents, read)
        spans: dict[str, list[tuple[int, int]]] = {}
        for chunk in chunks:
            spans.setdefault(chunk.doc_id, []).append((chunk.start, chunk.end))
        # Plain loops: a generator per sentence (any(...)) cost about 1 ms a question over ~1,000 sentences.
        inside: Rows = []
        for doc_id, held in found.items():
            around = spans[doc_id]
            for i, (first, last) in enumerate(zip(held.starts, held.ends)):
                for start, end in around:
                    if start <= first and last <= end:
                        inside.append(held.row(i))
                        break
        return inside

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
                                            start, end, page, dict(shared), str(meta["content_hash"]))
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

    def _rows(self, kind: str, doc_ids: set[str], documents: Mapping[str, Mapping[str, Any]], read: Reader) -> dict[str, Any]:
        keys = {d: str(documents[d].get("content_hash")) for d in doc_ids if d in documents}
        found = {doc_id: self._load(kind, doc_id, content_hash) for doc_id, content_hash in keys.items()}
        missing = {doc_id: keys[doc_id] for doc_id, rows in found.items() if rows is None}
        if missing:
            fetched = read(missing)
            for doc_id, content_hash in missing.items():
                found[doc_id] = fetched.get(doc_id, _ABSENT[kind])
                if kind == "sentences":  # the store's rows, kept as a file holds them
                    found[doc_id] = DocumentSentences.of(doc_id, *_unzipped(found[doc_id]))
                if found[doc_id] is not None:
                    self._save(kind, doc_id, content_hash, found[doc_id], True)
        return {doc_id: rows for doc_id, rows in found.items() if rows is not None}

    def _name(self, kind: str, doc_id: str, content_hash: str) -> Path:
        return self.folder / f"{_digest(doc_id)}-{_digest(content_hash)}-{kind}{_SUFFIX[kind]}"

    def _load(self, kind: str, doc_id: str, content_hash: str) -> Held | None:
        key = (kind, doc_id, content_hash)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        path = self._name(kind, doc_id, content_hash)
        try:
            # A JSON line, then (for sentences) the vectors' float32 bytes: one open and no .npy header to parse
            # (np.load's header parse was half of reading a document's sentences).
            data = path.read_bytes()
            cut = data.find(b"\n")
            meta = json.loads(data[:cut] if cut >= 0 else data)
            if meta["doc_id"] != doc_id or meta["content_hash"] != content_hash:
                raise ValueError("the file is of another content")
            if kind == "text":
                rows = meta["text"]
                if not isinstance(rows, str):
                    raise ValueError("the text is not a string")
            elif kind == "chunks":
                rows = list(zip(*(meta[c] for c in _CHUNK_COLUMNS)))
            else:
                rows = DocumentSentences.read(meta, memoryview(data)[cut + 1 :] if cut >= 0 else b"")
        except FileNotFoundError:
            return None
        except Exception as exc:  # damaged or half-written: read again from the store, as if missing
            log.warning("index file %s is unreadable (%s); reading it from the store", path, exc)
            return None
        self._remember(key, rows)
        return rows

    def _save(self, kind: str, doc_id: str, content_hash: str, rows: Held, remember: bool) -> None:
        if remember:  # (not while ingest writes a whole corpus: no question is reading it)
            self._remember((kind, doc_id, content_hash), rows)
        path = self._name(kind, doc_id, content_hash)
        meta: dict[str, Any] = {"doc_id": doc_id, "content_hash": content_hash}
        body = b""
        if kind == "text":
            meta["text"] = rows
        elif kind == "chunks":
            columns = list(zip(*rows)) if rows else [()] * len(_CHUNK_COLUMNS)
            meta.update({name: list(column) for name, column in zip(_CHUNK_COLUMNS, columns)})
        else:
            meta.update(rows.columns())
            body = b"\n" + rows.vectors.astype("<f4").tobytes()
        tmp = self.folder / f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Swapped in whole: a reader sees the old file or the new one, never part of one (and every file of one
            # name holds the same content: the name carries its hash).
            tmp.write_bytes(json.dumps(meta).encode() + body)
            os.replace(tmp, path)
        except OSError as exc:  # a read-only index or a full disk: the store still answers, from memory
            tmp.unlink(missing_ok=True)
            log.debug("could not save index file %s (%s)", path, exc)

    def _remember(self, key: tuple[str, str, str], rows: Held) -> None:
        with self._lock:
            self._memory[key] = rows
            self._memory.move_to_end(key)
            while len(self._memory) > self.cached:
                self._memory.popitem(last=False)


class DocumentSentences:
    """A document's sentences as its file holds them: columns, and the vectors as one array. A question reads the
    few lying inside its passages, so a sentence's record is made when first read (making all of a document's
    ~65 as its file was read was a third of the read)."""

    def __init__(self, doc_id: str, starts: list[int], ends: list[int], chunks: list[str], texts: list[str],
                 vectors: np.ndarray) -> None:
        if not len(starts) == len(ends) == len(chunks) == len(texts) == len(vectors):
            raise ValueError("the columns are not of the same sentences")
        self.doc_id, self.starts, self.ends, self.chunks, self.texts = doc_id, starts, ends, chunks, texts
        self.vectors = vectors
        self._rows: list[tuple[StoredSentence, np.ndarray] | None] = [None] * len(starts)

    @classmethod
    def of(cls, doc_id: str, sentences: Sequence[StoredSentence], vectors: np.ndarray) -> "DocumentSentences":
        return cls(doc_id, [s.start for s in sentences], [s.end for s in sentences],
                   [s.chunk_id for s in sentences], [s.text for s in sentences],
                   np.asarray(vectors, dtype=np.float32))

    @classmethod
    def read(cls, meta: Mapping[str, Any], body: bytes | memoryview) -> "DocumentSentences":
        count, dimension = len(meta["starts"]), int(meta["dimension"])
        if len(body) != count * dimension * 4:
            raise ValueError("the vectors are not those of the sentences")
        vectors = np.frombuffer(body, dtype="<f4").reshape(count, dimension)
        return cls(meta["doc_id"], meta["starts"], meta["ends"], meta["chunks"], meta["texts"], vectors)

    def columns(self) -> dict[str, Any]:
        return {"starts": self.starts, "ends": self.ends, "chunks": self.chunks, "texts": self.texts,
                "dimension": self.vectors.shape[1] if len(self.starts) else 0}

    def row(self, i: int) -> tuple[StoredSentence, np.ndarray]:
        row = self._rows[i]
        if row is None:
            start = self.starts[i]
            row = self._rows[i] = (StoredSentence(f"{self.doc_id}:{start}", self.doc_id, self.chunks[i], start,
                                                  self.ends[i], self.texts[i]), self.vectors[i])
        return row

    def __len__(self) -> int:
        return len(self.starts)


def _unzipped(rows: Rows) -> tuple[list[StoredSentence], np.ndarray]:
    """The sentences and their vectors (as one array) of rows read from the store."""
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    return [row for row, _ in rows], np.stack([np.asarray(vector, dtype=np.float32) for _, vector in rows])


def _by_document(doc_ids) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for position, doc_id in enumerate(doc_ids):
        positions.setdefault(doc_id, []).append(position)
    return positions


@lru_cache(maxsize=4096)  # a question names a few documents' files, each by two digests
def _digest(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()[:16]
