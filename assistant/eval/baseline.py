"""A plain LangChain RAG baseline, scored with the same harness as the assistant.

RecursiveCharacterTextSplitter -> langchain_chroma.Chroma (the same sentence-transformers model, wrapped
as a LangChain `Embeddings`) -> top-k similarity -> the answer is the top passage, cited as [1].
No query rewriting, no keyword index, no metadata filters, no citation check, no abstention:
what a team gets from the LangChain quick-start. Its answers follow the Answer JSON contract.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Sequence

from langchain_core.embeddings import Embeddings

from assistant.index.embed import Embedder
from assistant.text import squash
from assistant.core.types import Document

log = logging.getLogger(__name__)

COLLECTION_PREFIX = "langchain-baseline"
# The splitter settings of LangChain's RAG quick-start, not the assistant's own chunking: the baseline is
# what a team gets without tuning (on the devset these give it a higher score than 700/150 would).
QUICKSTART_CHUNK_SIZE = 1000
QUICKSTART_CHUNK_OVERLAP = 200


class LangChainEmbeddings(Embeddings):
    """Our embedder (embed.py) behind LangChain's Embeddings interface: same model, same vectors."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


class LangChainBaseline:
    """Top-k similarity search over a LangChain Chroma vector store; answer = top passage."""

    name = "langchain"

    def __init__(self, vectorstore, k: int = 8, workdir: Path | None = None) -> None:
        self.vectorstore = vectorstore
        self.k = k
        metadata = getattr(vectorstore, "_collection", None) and vectorstore._collection.metadata
        self.cosine = (metadata or {}).get("hnsw:space") == "cosine"
        self._workdir = workdir  # a temporary folder this object owns and removes on close()

    @classmethod
    def from_documents(
        cls,
        documents: Sequence[Document],
        embedder: Embedder,
        chunk_size: int = QUICKSTART_CHUNK_SIZE,
        chunk_overlap: int = QUICKSTART_CHUNK_OVERLAP,
        k: int = 8,
        persist_directory: Path | None = None,
    ) -> "LangChainBaseline":
        """Index already-loaded documents (e.g. the ones in the assistant's index, so both see the same texts)."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True
        )
        pieces = splitter.create_documents(
            [d.text for d in documents],
            metadatas=[{"doc_id": d.id, "source": d.source, "title": d.title} for d in documents],
        )
        for piece in pieces:
            piece.metadata["end_index"] = piece.metadata["start_index"] + len(piece.page_content)
        owned = persist_directory is None
        folder = Path(tempfile.mkdtemp(prefix="assistant-baseline-")) if owned else Path(persist_directory)
        client = chromadb.PersistentClient(path=str(folder), settings=ChromaSettings(anonymized_telemetry=False))
        store = Chroma(
            collection_name=f"{COLLECTION_PREFIX}-{uuid.uuid4().hex[:8]}",
            embedding_function=LangChainEmbeddings(embedder),
            client=client,
        )
        if pieces:
            store.add_documents(pieces, ids=[f"{p.metadata['doc_id']}:{p.metadata['start_index']}" for p in pieces])
        return cls(store, k, folder if owned else None)

    @classmethod
    def over_collection(cls, client, collection_name: str, embedder: Embedder, k: int = 8) -> "LangChainBaseline":
        """LangChain's query path over an existing collection (the assistant's own index): for latency."""
        from langchain_chroma import Chroma

        store = Chroma(collection_name=collection_name, embedding_function=LangChainEmbeddings(embedder), client=client)
        return cls(store, k)

    def search(self, question: str, k: int | None = None) -> list[tuple[Any, float]]:
        return self.vectorstore.similarity_search_with_score(question, k=k or self.k)

    def ask(self, question: str, id: str | None = None, k: int | None = None, **_ignored: Any) -> dict[str, Any]:
        """An Answer-contract dict. History and filters are ignored: a plain RAG has neither."""
        started = time.perf_counter()
        hits = self.search(question, k)
        retrieved_at = time.perf_counter()
        retrieved = [_passage(rank, doc, distance, self.cosine) for rank, (doc, distance) in enumerate(hits, start=1)]
        finished = time.perf_counter()
        timings = {
            "retrieve": round((retrieved_at - started) * 1000, 2),
            "answer": round((finished - retrieved_at) * 1000, 2),
            "total": round((finished - started) * 1000, 2),
        }
        base = {"id": id, "question": question, "standalone_question": question, "retrieved": retrieved,
                "timings_ms": timings}
        if not retrieved:
            return {**base, "answer": "The indexed reports do not answer this question.", "abstained": True,
                    "sentences": [], "citations": []}
        top = retrieved[0]
        text = squash(top["text"])
        citation = {
            "n": 1, "chunk_id": top["chunk_id"], "doc_id": top["doc_id"], "source": top["source"],
            "title": top["title"], "start": top["start"], "end": top["end"], "text": top["text"],
            "quote": top["text"], "score": top["score"], "metadata": {},
        }
        return {**base, "answer": f"{text} [1]", "abstained": False,
                "sentences": [{"text": text, "citations": [1]}], "citations": [citation]}

    def close(self) -> None:
        if self._workdir is not None:
            try:
                self.vectorstore.delete_collection()
            except Exception:  # the folder goes anyway
                pass
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


def _passage(rank: int, doc, distance: float, cosine: bool = False) -> dict[str, Any]:
    meta = doc.metadata or {}
    start = int(meta.get("start_index", meta.get("start", -1)))
    end = int(meta.get("end_index", meta.get("end", start + len(doc.page_content) if start >= 0 else -1)))
    return {
        "rank": rank, "chunk_id": str(doc.id or f"{meta.get('doc_id')}:{start}"), "doc_id": meta.get("doc_id", ""),
        "source": meta.get("source", ""), "title": meta.get("title", ""), "start": start, "end": end,
        "text": doc.page_content,
        # Chroma's default space is squared L2; for unit vectors cosine similarity = 1 - d / 2.
        "score": round(1.0 - float(distance) / (1.0 if cosine else 2.0), 6),
    }


def load_documents(paths: Sequence[Path], max_file_bytes: int | None = None, root: Path | None = None) -> list[Document]:
    """Documents through the assistant's loaders (so sources and offsets are comparable); a bad file is logged
    and skipped. `max_file_bytes` defaults to the settings' limit."""
    from assistant.core.errors import LoadError
    from assistant.core.settings import load_settings
    from assistant.ingest.load import discover, load_document

    limit = max_file_bytes if max_file_bytes is not None else load_settings().max_file_bytes
    files, skipped = discover([Path(p) for p in paths])
    for path, reason in skipped:
        log.warning("baseline skips %s: %s", path, reason)
    documents = []
    for path in files:
        try:
            documents.append(load_document(path, limit, root))
        except LoadError as exc:
            log.warning("baseline skips %s: %s", path, exc)
    return documents
