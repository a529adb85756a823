"""From retrieved passages to checked sentences: the generator drafts, the citation check keeps what the
passages support, and a language model whose citations all fail falls back to quoting the reports."""
from __future__ import annotations

from typing import Mapping, Sequence

from assistant.answer.cite import joined, verify
from assistant.answer.llm import Generator
from assistant.core.types import Citation, Passage, Sentence


def respond(
    question: str,
    passages: Sequence[Passage],
    generator: Generator,
    fallback: Generator,
    document_texts: Mapping[str, str],
) -> tuple[tuple[Sentence, ...], tuple[Citation, ...]]:
    """Checked sentences and their citations; empty when nothing answers (the caller abstains)."""
    if not passages:
        return (), ()
    proposal = generator.generate(question, passages)
    sentences, citations = verify(proposal, passages, document_texts)
    if not sentences and proposal and generator is not fallback:
        sentences, citations = verify(fallback.generate(question, passages), passages, document_texts)
    return joined(sentences, citations, document_texts)
