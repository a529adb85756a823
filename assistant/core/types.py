"""Shared frozen records. Every chunk and citation carries its provenance: doc id, source, offsets."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping

Metadata = Mapping[str, Any]


@dataclass(frozen=True)
class Document:
    id: str
    source: str
    title: str
    text: str
    content_hash: str
    metadata: Metadata = field(default_factory=dict)
    # Character offset where each page starts (PDF); a single 0 for paged-less formats.
    page_starts: tuple[int, ...] = (0,)

    def page_at(self, offset: int) -> int:
        page = 1
        for number, start in enumerate(self.page_starts, start=1):
            if start <= offset:
                page = number
        return page


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    page: int
    metadata: Metadata = field(default_factory=dict)
    # Which content of its document the chunk was read from (its sentences are that content's), "" when it
    # was not read from an index; not part of what the chunk is.
    content_hash: str = field(default="", compare=False)


@dataclass(frozen=True)
class StoredSentence:
    """One sentence of a document, as the sentence index holds it: offsets into the document, and the
    chunk that holds it whole (what a citation of it quotes)."""

    id: str
    doc_id: str
    chunk_id: str
    start: int
    end: int
    text: str

    def metadata(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "chunk_id": self.chunk_id, "start": self.start, "end": self.end}

    @classmethod
    def from_metadata(cls, id: str, text: str, meta: Mapping[str, Any]) -> "StoredSentence":
        return cls(id, str(meta["doc_id"]), str(meta["chunk_id"]), int(meta["start"]), int(meta["end"]), text)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score and rank (1 = best)."""

    chunk: Chunk
    score: float
    rank: int


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    source: str
    title: str
    start: int
    end: int
    text: str
    quote: str
    score: float
    metadata: Metadata = field(default_factory=dict)


@dataclass(frozen=True)
class Sentence:
    text: str
    citations: tuple[int, ...]
    # Offsets within `text` of the part that answers (a grade, date, figure, name), when one stands out.
    answer_span: tuple[int, int] | None = None
    # Which report a sentence of a multi-report answer comes from ("Warrington (focused visit, 2019)"),
    # from the report's metadata; shown before the text in `answer`, never part of the checked text.
    label: str | None = None


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str


def unsaid_notes(answer: str, notes: Iterable[str]) -> list[str]:
    """The notes an answer's text does not already give: an abstention's reason is said once."""
    return [note for note in notes if note not in answer]


@dataclass(frozen=True)
class Answer:
    question: str
    standalone_question: str
    answer: str
    abstained: bool
    sentences: tuple[Sentence, ...] = ()
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[Passage, ...] = ()
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    id: str | None = None
    # Notes for humans (filters that matched nothing, reports searched); not part of the JSON contract.
    notes: tuple[str, ...] = ()
    # Uncited lines after the sentences: the sides of a comparison that no citation speaks for.
    uncovered: tuple[str, ...] = ()

    def unsaid_notes(self) -> list[str]:
        return unsaid_notes(self.answer, self.notes)

    def to_dict(self) -> dict[str, Any]:
        """The Answer JSON contract of DESIGN.md; field names are stable."""
        return {
            "id": self.id,
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.answer,
            "abstained": self.abstained,
            "sentences": [_sentence_json(s) for s in self.sentences],
            "citations": [{**asdict(c), "metadata": dict(c.metadata)} for c in self.citations],
            "retrieved": [
                {
                    "rank": p.rank,
                    "chunk_id": p.chunk.id,
                    "source": p.chunk.source,
                    "start": p.chunk.start,
                    "end": p.chunk.end,
                    "text": p.chunk.text,
                    "score": round(p.score, 6),
                }
                for p in self.retrieved
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            **({"uncovered": list(self.uncovered)} if self.uncovered else {}),
        }


def _sentence_json(sentence: Sentence) -> dict[str, Any]:
    row: dict[str, Any] = {"text": sentence.text, "citations": list(sentence.citations)}
    if sentence.answer_span is not None:
        row["answer_span"] = list(sentence.answer_span)
    if sentence.label:
        row["label"] = sentence.label
    return row


@dataclass(frozen=True)
class FileOutcome:
    """What ingest did with one input file."""

    path: str
    status: str  # "indexed" | "unchanged" | "failed" | "removed"
    chunks: int = 0
    reason: str = ""
    doc_id: str = ""
    same_as: str = ""  # a duplicate: the doc id of the indexed report whose content it repeats


@dataclass(frozen=True)
class IngestReport:
    outcomes: tuple[FileOutcome, ...]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> tuple[FileOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def ok(self) -> bool:
        return not self.failed
