"""Every sentence of a document, with exact offsets and the chunk that holds it whole: the units the
answer ranker scores, embedded once at ingest."""
from __future__ import annotations

from typing import Iterator, Sequence

from assistant.core.types import Chunk, StoredSentence
from assistant.text import sentences, squash


def document_sentences(chunks: Sequence[Chunk]) -> list[StoredSentence]:
    """Sentences of a document's chunks, each once (chunks overlap), in text order."""
    found: dict[int, StoredSentence] = {}
    for chunk in sorted(chunks, key=lambda c: c.start):
        for start, end, text in _spans(chunk):
            if start not in found:
                found[start] = StoredSentence(sentence_id(chunk.doc_id, start), chunk.doc_id, chunk.id, start, end, text)
    return [found[k] for k in sorted(found)]


def sentence_ids_in(chunk: Chunk) -> list[str]:
    """The ids of the stored sentences that begin inside this chunk, found the way ingest found them, so a
    question needs no read of a document's sentence offsets to know which sentences its passages hold."""
    return [sentence_id(chunk.doc_id, start) for start, _, _ in _spans(chunk)]


def sentence_id(doc_id: str, start: int) -> str:
    return f"{doc_id}:{start}"


def sentence_start(sentence_id: str) -> tuple[str, int]:
    """The document and start offset a sentence id names (the inverse of `sentence_id`)."""
    doc_id, _, start = sentence_id.rpartition(":")
    return doc_id, int(start)


def _spans(chunk: Chunk) -> Iterator[tuple[int, int, str]]:
    """(start, end, text) of the chunk's sentences, offsets into the document."""
    for span in sentences(chunk.text):
        text = squash(chunk.text[span.start : span.end])
        if text:
            yield chunk.start + span.start, chunk.start + span.end, text
