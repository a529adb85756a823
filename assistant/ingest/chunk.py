"""Sentence-aware chunking with overlap; every chunk's text is exactly document.text[start:end]."""
from __future__ import annotations

import hashlib
from typing import Iterator, Sequence

from assistant.text import Span, sentences
from assistant.core.types import Chunk, Document


def chunk_document(
    document: Document, size: int, overlap: int, skip: Sequence[tuple[int, int]] = ()
) -> list[Chunk]:
    """Chunks of the text between the `skip` spans (site furniture): none crosses or holds one."""
    chunks: list[Chunk] = []
    for start, end in _between(len(document.text), skip):
        part = document.text[start:end]
        if part.strip():
            shifted = [Span(start + s.start, start + s.end) for s in sentences(part)]
            chunks.extend(_chunk_spans(document, list(_fit(document.text, shifted, size)), size, overlap))
    if not chunks and skip:
        # A text that is nothing but furniture lines is still what its file holds: index it whole rather than not at all.
        return chunk_document(document, size, overlap)
    return chunks


def _between(length: int, skip: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    position = 0
    for start, end in sorted(skip):
        if start > position:
            yield position, start
        position = max(position, end)
    if position < length:
        yield position, length


def _chunk_spans(document: Document, spans: list[Span], size: int, overlap: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    first = 0
    while first < len(spans):
        last = first
        while last + 1 < len(spans) and spans[last + 1].end - spans[first].start <= size:
            last += 1
        chunks.append(_make_chunk(document, spans[first].start, spans[last].end))
        if last + 1 >= len(spans):
            break
        # Next chunk starts with as many trailing sentences as fit in the overlap budget.
        restart = last + 1
        while restart - 1 > first and spans[last].end - spans[restart - 1].start <= overlap:
            restart -= 1
        first = restart
    return chunks


def _fit(text: str, spans: list[Span], size: int) -> Iterator[Span]:
    """Sentences longer than a chunk are cut with LangChain's recursive splitter at word boundaries."""
    for span in spans:
        if span.end - span.start <= size:
            yield span
            continue
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=size, chunk_overlap=0, separators=["; ", ", ", " ", ""], keep_separator="end",
            add_start_index=True, strip_whitespace=True,
        )
        for piece in splitter.create_documents([text[span.start : span.end]]):
            start = span.start + piece.metadata["start_index"]
            yield Span(start, start + len(piece.page_content))


def _make_chunk(document: Document, start: int, end: int) -> Chunk:
    text = document.text[start:end]
    digest = hashlib.sha1(f"{document.id}:{start}:{end}:{text}".encode("utf-8")).hexdigest()[:20]
    return Chunk(
        id=digest,
        doc_id=document.id,
        source=document.source,
        title=document.title,
        text=text,
        start=start,
        end=end,
        page=document.page_at(start),
        metadata=document.metadata,
    )
