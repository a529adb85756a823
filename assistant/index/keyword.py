"""BM25 keyword index over the same chunk ids as Chroma, saved beside it and rebuilt when out of step."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import uuid
from array import array
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Container, Iterable, Mapping

import numpy as np

from assistant.text import TOKENIZER_VERSION, content_terms
from assistant.core.types import Chunk

if TYPE_CHECKING:
    from assistant.core.settings import Settings

log = logging.getLogger(__name__)
MANIFEST = "ids.json"
# Bumped when what the saved index holds changes (3: each chunk's document and offsets): `load` declines a
# saved index of another format, which is then rebuilt.
FORMAT = 3


def cache_dir(settings: "Settings", kind: str = "bm25") -> Path:
    """Where the BM25 index (or another cache of the store, `kind`) of these settings lives: beside Chroma in
    index_dir.

    With a Chroma server the folder name also carries the server's address, so two servers never
    share one cache (index_dir then holds only these caches and the ingest lock)."""
    name = f"{kind}-{settings.fingerprint}"
    if settings.chroma_url:
        name += f"-{server_key(settings.chroma_url)}"
    return settings.index_dir / name


def server_key(url: str) -> str:
    """A short, stable key for a Chroma server address: scheme, host and port as store.chroma_client reads them."""
    from urllib.parse import urlparse

    parsed = urlparse(url.strip())
    identity = f"{parsed.scheme.lower()}://{(parsed.hostname or '127.0.0.1').lower()}:{parsed.port or 8000}"
    return hashlib.sha1(identity.encode()).hexdigest()[:10]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# The report context indexed_text adds to every passage: a correction changes it without changing the text.
_CONTEXT = ("authority", "inspection_type")


def state_of(committed: Mapping[str, Mapping]) -> str:
    """Identity of the committed documents (id, content hash, indexed context) and of the tokenizer: equal
    states mean equal chunk sets tokenized the same way."""
    items = sorted(
        ":".join([doc_id, str(meta.get("content_hash")), *(str(meta.get(k)) for k in _CONTEXT)])
        for doc_id, meta in committed.items()
    )
    return hashlib.sha1("\n".join([f"tokenizer:{TOKENIZER_VERSION}", *items]).encode()).hexdigest()


def context_line(chunk: Chunk) -> str:
    """The report context a passage rarely repeats (authority, inspection type, title): the same for every
    passage of a document."""
    meta = chunk.metadata
    context = " ".join(str(meta.get(k)) for k in _CONTEXT if meta.get(k) and meta.get(k) != "unknown")
    return f"{context}. {chunk.title}." if context else f"{chunk.title}."


def indexed_text(chunk: Chunk) -> str:
    """What BM25 and the embedder see: the passage after its report context."""
    return f"{context_line(chunk)}\n{chunk.text}"


class KeywordIndex:
    """BM25 over the committed chunks; it also knows each chunk's document and offsets, so retrieval can
    check, scope and boost chunk ids, and find the chunk holding a sentence, before it reads any chunk."""

    def __init__(self, ids: list[str], doc_ids: list[str], spans: list[tuple[int, int]], retriever, state: str) -> None:
        if not len(ids) == len(doc_ids) == len(spans):
            raise ValueError("one document id and one span per chunk id")
        self.ids = ids
        self.doc_ids = doc_ids
        self.spans = spans
        self.state = state
        self._retriever = retriever

    @cached_property
    def document_of(self) -> dict[str, str]:
        """chunk id -> its document's id, for every indexed (so committed) chunk."""
        return dict(zip(self.ids, self.doc_ids))

    @cached_property
    def _chunks_by_document(self) -> dict[str, list[tuple[int, int, str]]]:
        chunks: dict[str, list[tuple[int, int, str]]] = {}
        for chunk_id, doc_id, (start, end) in zip(self.ids, self.doc_ids, self.spans):
            chunks.setdefault(doc_id, []).append((start, end, chunk_id))
        return {doc_id: sorted(spans) for doc_id, spans in chunks.items()}

    def chunk_holding(self, doc_id: str, offset: int) -> str | None:
        """The first chunk of the document whose span holds this offset: for a sentence's start, the chunk ingest
        stored the sentence with (ingest/sentences.py takes each sentence from the first chunk it begins in)."""
        return next((i for start, end, i in self._chunks_by_document.get(doc_id, ()) if start <= offset < end), None)

    @classmethod
    def build(cls, chunks: Iterable[Chunk], state: str) -> "KeywordIndex":
        """Index chunks as they stream past: each is kept only as an array of term numbers, so memory
        grows by a few bytes per term rather than by whole passages and token strings (100k chunks)."""
        import bm25s
        from bm25s.tokenization import Tokenized

        vocab: dict[str, int] = {}
        ids: list[str] = []
        doc_ids: list[str] = []
        spans: list[tuple[int, int]] = []
        documents: list[array] = []
        for chunk in chunks:
            # An empty token list breaks bm25s; "_" stands in for a passage with no content terms.
            terms = content_terms(indexed_text(chunk)) or ["_"]
            documents.append(array("i", (vocab.setdefault(term, len(vocab)) for term in terms)))
            ids.append(chunk.id)
            doc_ids.append(chunk.doc_id)
            spans.append((chunk.start, chunk.end))
        if not ids:
            return cls([], [], [], None, state)
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        retriever = bm25s.BM25()
        retriever.index(Tokenized(ids=documents, vocab=vocab), show_progress=False)
        return cls(ids, doc_ids, spans, retriever, state)

    def save(self, folder: Path) -> bool:
        """Write the index beside Chroma; False (and a warning) if it could not be written.

        The file is only a cache of what Chroma holds, so failing to write it never fails a question.
        Each writer uses its own temporary folder, and ids.json records a SHA-256 of every file, so a
        reader sees a whole index of one state or rebuilds: never a mix, never a damaged file.
        """
        tag = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
        tmp = folder.with_name(f"{folder.name}.tmp-{tag}")
        old = folder.with_name(f"{folder.name}.old-{tag}")
        try:
            tmp.mkdir(parents=True)
            if self._retriever is not None:
                self._retriever.save(str(tmp), show_progress=False)
            files = {p.name: _sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
            (tmp / MANIFEST).write_text(json.dumps({"format": FORMAT, "state": self.state, "ids": self.ids, "doc_ids": self.doc_ids,
                                                  "spans": self.spans, "files": files}))
            # Swap in whole: a crash mid-save leaves the old index (or none), never a mix.
            if folder.exists():
                folder.rename(old)
            tmp.rename(folder)
            return True
        except OSError as exc:  # another process swapping at the same moment, a full or read-only disk
            log.warning("could not save the keyword index to %s (%s); using it from memory", folder, exc)
            return False
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex | None":
        """The saved index, or None when it is missing or damaged (the caller rebuilds it)."""
        try:
            meta = json.loads((folder / MANIFEST).read_text())
            if meta.get("format") != FORMAT:
                return None  # saved in another format: rebuilt, as an index out of step is
            ids, doc_ids, state = list(meta["ids"]), list(meta["doc_ids"]), str(meta["state"])
            spans = [(int(start), int(end)) for start, end in meta["spans"]]
            files = dict(meta["files"])
            for name, digest in files.items():
                if _sha256(folder / name) != digest:
                    raise ValueError(f"{name} does not match its checksum")
            retriever = None
            if ids:
                import bm25s

                retriever = bm25s.BM25.load(str(folder), show_progress=False)
                if retriever.scores["num_docs"] != len(ids):
                    raise ValueError("document count differs from ids")
            return cls(ids, doc_ids, spans, retriever, state)
        except Exception as exc:  # any damage at all means: rebuild
            if folder.exists():
                log.warning("keyword index at %s is unreadable (%s); rebuilding", folder, exc)
            return None

    def knows(self, term: str) -> bool:
        """Whether a (stemmed) term occurs in any indexed chunk."""
        return self._retriever is not None and term in self._retriever.vocab_dict

    def postings(self, term: str) -> list[str]:
        """Ids of the chunks holding a (stemmed) term: its column of bm25s's CSC score matrix."""
        position = self._retriever.vocab_dict.get(term) if self._retriever is not None else None
        if position is None:
            return []
        scores = self._retriever.scores
        rows = scores["indices"][scores["indptr"][position] : scores["indptr"][position + 1]]
        return [self.ids[int(row)] for row in rows]

    def scores(self, query: str) -> np.ndarray:
        terms = [t for t in content_terms(query) if self._retriever is not None and t in self._retriever.vocab_dict]
        if not terms:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)

    def search(self, query: str, k: int, within: Container[str] | None = None) -> list[tuple[str, float]]:
        """The k best-scoring chunks, of the documents `within` when given."""
        scores = self.scores(query)
        hits: list[tuple[str, float]] = []
        for i in _best_first(scores, k if within is None else len(scores)):
            if len(hits) >= k or scores[i] <= 0:
                break
            if within is None or self.doc_ids[i] in within:
                hits.append((self.ids[i], float(scores[i])))
        return hits


def _best_first(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of at least the k highest scores, highest first, ties in position order: the first k of a
    stable sort of all of them. Only the scores up to the k-th highest are sorted (at 10k chunks most score
    above zero, and sorting them all was 0.6 ms a question)."""
    if k < len(scores):
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        chosen = np.flatnonzero(scores >= kth)  # every tie of the k-th too, so ties keep their order
    else:
        chosen = np.arange(len(scores))
    return chosen[np.argsort(-scores[chosen], kind="stable")]


def inverse_document_frequency(index: KeywordIndex, term: str) -> float:
    """Smoothed IDF of a (stemmed) term over the indexed chunks; unseen terms get the maximum."""
    total = len(index.ids)
    retriever = index._retriever
    position = retriever.vocab_dict.get(term) if retriever is not None else None
    # bm25s stores one CSC column per vocabulary entry: its length is the term's document frequency.
    df = 0 if position is None else int(retriever.scores["indptr"][position + 1] - retriever.scores["indptr"][position])
    return float(np.log(1.0 + (total - df + 0.5) / (df + 0.5)))


class KeywordCache:
    """The BM25 index kept in step with the store's committed documents: loaded from disk, rebuilt from
    Chroma when missing, damaged or out of step (another process may have ingested since)."""

    def __init__(self, store, folder: Path) -> None:
        self.store = store
        self.folder = folder
        self._index: KeywordIndex | None = None
        self._remembered: tuple[str, str] | None = None  # (generation token, state_of its documents)
        self._lock = threading.Lock()

    def refresh(self) -> KeywordIndex:
        with self._lock:
            state = self._state(self.store.documents())
            index = self._index if self._index and self._index.state == state else None
            if index is None:
                index = KeywordIndex.load(self.folder)
            if index is None or index.state != state:
                index = KeywordIndex.build(self.store.iter_chunks(), state)
                index.save(self.folder)
            self._index = index
            return index

    def current(self, documents: Mapping[str, Mapping] | None = None) -> KeywordIndex:
        """The index in step with these committed documents (read them once per question and pass them in)."""
        index = self._index
        if index is not None and (documents is None or index.state == self._state(documents)):
            return index
        return self.refresh()

    def _state(self, documents: Mapping[str, Mapping]) -> str:
        """state_of(documents), remembered per generation token when the store gave one (a question need
        not hash every document's metadata while nothing has been committed)."""
        token = getattr(documents, "token", None)
        remembered = self._remembered
        if token is not None and remembered is not None and remembered[0] == token:
            return remembered[1]
        state = state_of(documents)
        if token is not None:
            self._remembered = (token, state)
        return state
