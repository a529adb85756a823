"""Gold sets and answer files (DESIGN.md "Evaluation gold format"), and what counts as evidence in a passage.

Relevance is judged by content, not by chunk id, so any system's Answer JSONL can be scored: a
retrieved or cited passage is relevant when it holds an evidence quote (`passage_holds`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from assistant.core.errors import InputError
from assistant.core.jsonl import read_jsonl
from assistant.text import normalise_for_match

# A passage counts as evidence when it holds this share of an evidence quote's characters.
MIN_QUOTE_OVERLAP = 0.6


@dataclass(frozen=True)
class Evidence:
    doc: str
    quote: str
    start: int = -1  # offsets of the quote in the document, when it could be located
    end: int = -1


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    answerable: bool
    evidence: tuple[Evidence, ...]
    must: tuple[tuple[str, ...], ...]
    history: tuple[Mapping[str, str], ...] = ()
    filters: Mapping[str, Any] = field(default_factory=dict)
    kind: str = ""  # the devset's question kind (single, paraphrase, ...); gold.jsonl has none


def load_gold(path: Path, corpus_dir: Path | None = None) -> list[GoldItem]:
    """Gold items in file order, evidence located in `corpus_dir` when given; any bad line is an InputError."""
    items = []
    seen: set[str] = set()
    for line_no, raw in read_jsonl(path, "gold file"):
        try:
            evidence = tuple(_locate(Evidence(e["doc"], e["quote"]), corpus_dir) for e in raw.get("evidence", []))
            item = GoldItem(
                id=str(raw["id"]), question=raw["question"], answerable=bool(raw["answerable"]), evidence=evidence,
                must=tuple(tuple(group) for group in raw.get("must", [])),
                history=tuple(raw.get("history") or ()), filters=raw.get("filters") or {},
                kind=str(raw.get("kind") or ""),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}:{line_no}: not a gold item ({exc})") from None
        if item.id in seen:
            raise InputError(f"{path}:{line_no}: duplicate id '{item.id}'")
        seen.add(item.id)
        items.append(item)
    return items


def _locate(evidence: Evidence, corpus_dir: Path | None) -> Evidence:
    if corpus_dir is None:
        return evidence
    try:
        text = (corpus_dir / evidence.doc).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return evidence
    start = text.find(evidence.quote)
    return Evidence(evidence.doc, evidence.quote, start, start + len(evidence.quote)) if start >= 0 else evidence


def load_answers(path: Path) -> list[dict[str, Any]]:
    """Answer JSONL (one Answer JSON, or an {"id", "error"} record, per line)."""
    answers = []
    for line_no, record in read_jsonl(path, "answers file"):
        if "id" not in record:
            raise InputError(f"{path}:{line_no}: not an Answer JSON object with an id")
        for key in ("citations", "retrieved", "sentences"):
            if key in record and not (
                isinstance(record[key], list) and all(isinstance(entry, dict) for entry in record[key])
            ):
                raise InputError(f"{path}:{line_no}: '{key}' must be a list of objects")
        answers.append(record)
    return answers


def passage_holds(evidence: Evidence, source: str, start: int, end: int, text: str) -> bool:
    """True when a passage (by its source, offsets and text) contains the evidence quote."""
    if Path(str(source)).name != evidence.doc:
        return False
    if normalise_for_match(evidence.quote) in normalise_for_match(str(text)):
        return True
    if evidence.start < 0 or not isinstance(start, int) or not isinstance(end, int) or start < 0:
        return False
    overlap = min(end, evidence.end) - max(start, evidence.start)
    return overlap >= MIN_QUOTE_OVERLAP * (evidence.end - evidence.start)


def missing_groups(answer: str, must: Iterable[Iterable[str]]) -> list[tuple[str, ...]]:
    """The required phrase groups (OR-alternatives) of which the answer contains no phrase."""
    text = normalise_for_match(answer)
    return [tuple(group) for group in must if not any(normalise_for_match(p) in text for p in group)]
