"""Wiring only: the Assistant object ties settings, embedder, store, keyword index and answerer together."""
from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from assistant.embed import Embedder, make_embedder
from assistant.ingest import Progress, ingest_files, ingest_lock
from assistant.keyword import KeywordIndex, state_of
from assistant.settings import Settings, load_settings
from assistant.store import ChromaStore
from assistant.types import Document, IngestReport


class Assistant:
    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(settings.embed_model, settings.embed_batch_size)
        self.store = ChromaStore(settings)
        self._keyword: KeywordIndex | None = None
        self._keyword_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings | None = None, **kwargs: Any) -> "Assistant":
        return cls(settings or load_settings(), **kwargs)

    @property
    def keyword_dir(self) -> Path:
        return self.settings.index_dir / f"bm25-{self.settings.fingerprint}"

    def ingest(
        self,
        paths: Sequence[Path | str] | None = None,
        rebuild: bool = False,
        prune: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        targets = [Path(p) for p in paths] if paths else [self.settings.corpus_dir]
        lock = ingest_lock(self.settings)
        try:
            if rebuild:
                self.store.drop()
            self.store.repair()
            report = ingest_files(targets, self.store, self.embedder, self.settings, prune, progress)
            self.refresh_keyword_index()
            return report
        finally:
            lock.release()

    def delete(self, doc_id: str) -> bool:
        lock = ingest_lock(self.settings)
        try:
            if doc_id not in self.store.documents():
                return False
            self.store.delete_document(doc_id)
            self.refresh_keyword_index()
            return True
        finally:
            lock.release()

    def refresh_keyword_index(self) -> KeywordIndex:
        """Load the BM25 index, rebuilding it from Chroma when it is missing, damaged or out of step."""
        with self._keyword_lock:
            state = state_of(self.store.documents())
            index = self._keyword if self._keyword and self._keyword.state == state else None
            if index is None:
                index = KeywordIndex.load(self.keyword_dir)
            if index is None or index.state != state:
                index = KeywordIndex.build(self.store.all_chunks(), state)
                index.save(self.keyword_dir)
            self._keyword = index
            return index

    @property
    def keyword(self) -> KeywordIndex:
        return self._keyword or self.refresh_keyword_index()

    def documents(self) -> dict[str, dict[str, Any]]:
        return self.store.documents()

    def document(self, doc_id: str) -> Document | None:
        return self.store.document(doc_id)

    def stats(self) -> dict[str, Any]:
        documents = self.store.documents()
        authorities = Counter(str(meta.get("authority", "unknown")) for meta in documents.values())
        return {
            "documents": len(documents),
            "chunks": self.store.count(),
            "model": self.settings.embed_model,
            "index": self.settings.chroma_url or str(self.settings.index_dir),
            "collection": self.store.chunk_collection_name,
            "chunk_size": self.settings.chunk_size,
            "chunk_overlap": self.settings.chunk_overlap,
            "authorities": dict(sorted(authorities.items())),
            "inspection_types": dict(sorted(Counter(str(m.get("inspection_type")) for m in documents.values()).items())),
        }
