"""How chunks and documents are kept as Chroma records (metadata), and read back: shared by the stores."""
from __future__ import annotations

import json
from typing import Any, Mapping

from assistant.core.types import Chunk, Document


class Committed(dict):
    """doc_id -> metadata of the committed documents, with the generation token they were read at: equal
    tokens mean equal documents, so what is derived from them alone can be remembered per token."""

    def __init__(self, items=(), token: str | None = None) -> None:
        super().__init__(items)
        self.token = token


_CHUNK_KEYS = ("doc_id", "source", "title", "start", "end", "page", "content_hash")


def chunk_metadata(chunk: Chunk, content_hash: str) -> dict[str, Any]:
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


def document_metadata(document: Document, chunk_count: int) -> dict[str, Any]:
    return {
        **document.metadata,
        "source": document.source,
        "title": document.title,
        "content_hash": document.content_hash,
        "chunks": chunk_count,
        "page_starts": json.dumps(list(document.page_starts)),
    }


def committed_hashes(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {doc_id: meta.get("content_hash") for doc_id, meta in documents.items()}


def document_from(doc_id: str, meta: dict[str, Any], text: str) -> Document:
    return Document(
        id=doc_id,
        source=meta.pop("source"),
        title=meta.pop("title"),
        text=text,
        content_hash=meta.pop("content_hash"),
        page_starts=tuple(json.loads(meta.pop("page_starts", "[0]"))),
        metadata={k: v for k, v in meta.items() if k != "chunks"},
    )


def chunk_from(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    meta = dict(meta)
    fields = {key: meta.pop(key) for key in _CHUNK_KEYS}
    return Chunk(id=chunk_id, text=text, metadata=meta, **fields)
