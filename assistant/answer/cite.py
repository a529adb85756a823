"""Citation checking: every answer sentence must be supported by the passages it cites, or it is dropped."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Mapping, Sequence

from assistant.text import content_terms, sentences, squash, stamp_length
from assistant.core.types import Citation, Passage, Sentence

# Share of an answer sentence's content terms that must appear in a cited passage.
SUPPORT_THRESHOLD = 0.6


@dataclass(frozen=True)
class DraftSentence:
    """A sentence proposed by a generator, citing passages by their 1-based position in the retrieved list."""

    text: str
    cites: tuple[int, ...]
    answer_span: tuple[int, int] | None = None  # offsets within `text` of the part that answers
    label: str | None = None  # the report it comes from, in a multi-report answer


# Text addressed to a model rather than a reader ("ignore previous instructions ..."): report text is
# data, so such sentences can never be the support for a claim. Reports themselves say "staff say that
# ...": only wording aimed at a model counts.
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b[^.]{0,40}\b(instructions?|prompts?|rules|above)\b"
    r"|\b(you are an? (?:ai|assistant|language model)|you must|as an ai|language model|system prompt)\b",
    re.I,
)


@dataclass(frozen=True)
class _PassageSentence:
    start: int
    end: int
    terms: frozenset[str]
    instructs: bool  # addressed to a model: never support


@lru_cache(maxsize=512)
def _passage_sentences(passage: str) -> tuple[_PassageSentence, ...]:
    # An answer checks each passage against several sentences, for support and for the quote: splitting it into
    # sentences each time cost 1 ms a question.
    return tuple(
        _PassageSentence(span.start, span.end, frozenset(content_terms(passage[span.start : span.end])),
                         bool(_INSTRUCTION.search(passage[span.start : span.end])))
        for span in sentences(passage)
    )


@lru_cache(maxsize=512)
def _factual_terms(passage: str) -> frozenset[str]:
    """The content terms of the passage without its sentences that instruct a model: those of its other sentences
    (terms never span two sentences: a word is letters and digits, and text is normalised one character at a time)."""
    return frozenset().union(*(s.terms for s in _passage_sentences(passage) if not s.instructs))


def support(sentence: str, passage: str) -> float:
    """Lexical support: the share of the sentence's content terms that the passage's factual text contains."""
    terms = set(content_terms(sentence))
    if not terms:
        return 0.0
    return len(terms & _factual_terms(passage)) / len(terms)


def best_quote(sentence: str, passage: Passage) -> tuple[int, int, float]:
    """Document offsets of the passage sentence that best supports `sentence`, with its overlap."""
    chunk = passage.chunk
    terms = set(content_terms(sentence))
    best = (chunk.start, chunk.end, 0.0)
    for candidate in _passage_sentences(chunk.text):
        overlap = len(terms & candidate.terms) / len(terms) if terms else 0.0
        if overlap > best[2]:
            start = candidate.start + stamp_length(chunk.text[candidate.start:candidate.end])
            best = (chunk.start + start, chunk.start + candidate.end, overlap)
    return best


def with_markers(text: str, numbers: Sequence[int]) -> str:
    markers = "".join(f"[{n}]" for n in numbers)
    match = re.search(r"[.!?]$", text)
    return f"{text[:-1]} {markers}{text[-1]}" if match else f"{text} {markers}"


def verify(
    draft: Sequence[DraftSentence],
    passages: Sequence[Passage],
    document_texts: Mapping[str, str],
) -> tuple[tuple[Sentence, ...], tuple[Citation, ...]]:
    """Keep supported sentences and their valid citations, numbered in order of first use."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    kept: list[Sentence] = []
    for proposed in draft:
        text = squash(re.sub(r"\s*\[\d+\]", "", proposed.text))
        if not text:
            continue
        cited: list[int] = []
        for index in dict.fromkeys(proposed.cites):
            if not 1 <= index <= len(passages):
                continue  # a marker that points nowhere
            passage = passages[index - 1]
            chunk = passage.chunk
            document = document_texts.get(chunk.doc_id)
            if document is None or document[chunk.start : chunk.end] != chunk.text:
                continue  # never cite text that is not verbatim in the stored report
            supported = support(text, chunk.text)
            if supported < SUPPORT_THRESHOLD:
                continue
            start, end, _ = best_quote(text, passage)
            if chunk.id not in numbers:
                numbers[chunk.id] = len(citations) + 1
                citations.append(
                    Citation(
                        n=numbers[chunk.id], chunk_id=chunk.id, doc_id=chunk.doc_id, source=chunk.source,
                        title=chunk.title, start=chunk.start, end=chunk.end, text=chunk.text,
                        quote=document[start:end], score=round(supported, 4),
                        metadata=_public_metadata(chunk.metadata, chunk.page),
                    )
                )
            else:
                citations[numbers[chunk.id] - 1] = _quoting(citations[numbers[chunk.id] - 1], document, start, end)
            cited.append(numbers[chunk.id])
        if cited:
            span = proposed.answer_span if text == proposed.text else None
            kept.append(Sentence(text=text, citations=tuple(dict.fromkeys(cited)), answer_span=span, label=proposed.label))
    return tuple(kept), tuple(citations)


# Passages one citation joins at most: a summary's run of sentences through a report stays several citations a
# reader can take in, not one wall of text.
JOIN_MOST = 3


def joined(
    sentences_: Sequence[Sentence], citations: Sequence[Citation], document_texts: Mapping[str, str]
) -> tuple[tuple[Sentence, ...], tuple[Citation, ...]]:
    """Passages of one report that overlap or follow each other (nothing but white space between them), cited by the
    same answer, become one citation of the stretch of text they cover (up to JOIN_MOST passages): an answer whose
    sentences run across a chunk boundary cites one passage of the report, not two halves of it. Sentences keep
    their order; citations are renumbered in order of first use. `document_texts` holds every cited report (verify
    cites no other)."""
    stretches: list[list[Citation]] = []
    for citation in sorted(citations, key=lambda c: (c.doc_id, c.start)):
        last = stretches[-1] if stretches else []
        # Text between two chunks was left out of both (site furniture): a stretch never runs across it.
        if (last and last[0].doc_id == citation.doc_id and len(last) < JOIN_MOST
                and not document_texts[citation.doc_id][max(c.end for c in last) : citation.start].strip()):
            last.append(citation)
        else:
            stretches.append([citation])
    stretch_of = {c.n: i for i, stretch in enumerate(stretches) for c in stretch}
    numbers: dict[int, int] = {}
    for sentence in sentences_:
        for n in sentence.citations:
            numbers.setdefault(stretch_of[n], len(numbers) + 1)
    merged = sorted(((numbers[i], stretch) for i, stretch in enumerate(stretches) if i in numbers),
                    key=lambda item: item[0])
    return (
        tuple(replace(s, citations=tuple(dict.fromkeys(numbers[stretch_of[n]] for n in s.citations)))
              for s in sentences_),
        tuple(_stretch_citation(n, stretch, document_texts[stretch[0].doc_id]) for n, stretch in merged),
    )


def _quote_span(citation: Citation) -> tuple[int, int]:
    """Document offsets of the citation's quote (verify takes it from inside the cited passage)."""
    start = citation.start + citation.text.find(citation.quote)
    return start, start + len(citation.quote)


def _quoting(citation: Citation, document: str, start: int, end: int) -> Citation:
    """The citation with its quote widened to cover document[start:end] too. Each sentence citing a passage is
    shown its quote (the chat's preview, an export's footnote): with one sentence's quote, the next sentence citing
    the same passage was shown a sentence it does not say."""
    first, last = _quote_span(citation)
    return replace(citation, quote=document[min(first, start) : max(last, end)])


def _stretch_citation(n: int, stretch: Sequence[Citation], document: str) -> Citation:
    first_cited = min(stretch, key=lambda c: c.n)  # gives the score
    if len(stretch) == 1:
        return replace(first_cited, n=n)
    opening = stretch[0]  # first in the report: the page is where the stretch starts, as a reader would turn to it
    metadata = {**first_cited.metadata, **({"page": opening.metadata["page"]} if "page" in opening.metadata else {})}
    start, end = opening.start, max(c.end for c in stretch)
    quoted = replace(first_cited, n=n, chunk_id="+".join(c.chunk_id for c in stretch), start=start, end=end,
                     text=document[start:end], metadata=metadata)
    for other in stretch:
        quoted = _quoting(quoted, document, *_quote_span(other))
    return quoted


def _public_metadata(meta: Mapping[str, object], page: int) -> dict[str, object]:
    keys = ("authority", "date", "inspection_type", "inspectorates", "judgement", "judgements")
    return {**{k: meta[k] for k in keys if k in meta}, "page": page}


def render(sentences_: Sequence[Sentence]) -> str:
    return " ".join((f"{s.label}: " if s.label else "") + with_markers(s.text, s.citations) for s in sentences_)
