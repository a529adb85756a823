"""Every sentence of a document, with exact offsets and the chunk that holds it whole: the units the
answer ranker scores, embedded once at ingest."""
from __future__ import annotations

from typing import Sequence

from assistant.core.types import Chunk, StoredSentence
from assistant.text import sentences, squash


def document_sentences(chunks: Sequence[Chunk]) -> list[StoredSentence]:
    """Sentences of a document's chunks, each once (chunks overlap), in text order."""
    found: dict[int, StoredSentence] = {}
    for chunk in sorted(chunks, key=lambda c: c.start):
        for span in sentences(chunk.text):
            start = chunk.start + span.start
            if start in found:
                continue
            text = squash(chunk.text[span.start : span.end])
            if text:
                found[start] = StoredSentence(
                    f"{chunk.doc_id}:{start}", chunk.doc_id, chunk.id, start, chunk.start + span.end, text
                )
    return [found[k] for k in sorted(found)]
