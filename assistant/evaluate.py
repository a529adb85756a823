"""Scoring answers against a gold set: retrieval, citations, answers and abstention (DESIGN.md)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from assistant.errors import InputError
from assistant.text import normalise_for_match

KS = (1, 3, 5, 10)
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


def load_gold(path: Path, corpus_dir: Path | None = None) -> list[GoldItem]:
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read gold file {path}: {exc.strerror}") from None
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            evidence = tuple(_locate(Evidence(e["doc"], e["quote"]), corpus_dir) for e in raw.get("evidence", []))
            items.append(GoldItem(
                id=str(raw["id"]), question=raw["question"], answerable=bool(raw["answerable"]), evidence=evidence,
                must=tuple(tuple(group) for group in raw.get("must", [])),
                history=tuple(raw.get("history") or ()), filters=raw.get("filters") or {},
            ))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{line_no}: not a gold item ({exc})") from None
    return items


def _locate(evidence: Evidence, corpus_dir: Path | None) -> Evidence:
    if corpus_dir is None:
        return evidence
    try:
        text = (corpus_dir / evidence.doc).read_text(encoding="utf-8")
    except OSError:
        return evidence
    start = text.find(evidence.quote)
    return Evidence(evidence.doc, evidence.quote, start, start + len(evidence.quote)) if start >= 0 else evidence


def passage_holds(evidence: Evidence, source: str, start: int, end: int, text: str) -> bool:
    """True when a passage (by its source, offsets and text) contains the evidence quote."""
    if Path(source).name != evidence.doc:
        return False
    if normalise_for_match(evidence.quote) in normalise_for_match(text):
        return True
    if evidence.start < 0:
        return False
    overlap = min(end, evidence.end) - max(start, evidence.start)
    return overlap >= MIN_QUOTE_OVERLAP * (evidence.end - evidence.start)


def _relevance(item: GoldItem, passages: Sequence[Mapping[str, Any]]) -> list[set[int]]:
    """For each passage, which evidence quotes (by index) it holds."""
    return [
        {i for i, ev in enumerate(item.evidence) if passage_holds(ev, p["source"], p["start"], p["end"], p["text"])}
        for p in passages
    ]


def must_satisfied(answer: str, must: Iterable[Iterable[str]]) -> bool:
    text = normalise_for_match(answer)
    return all(any(normalise_for_match(phrase) in text for phrase in group) for group in must)


@dataclass
class Row:
    id: str
    question: str
    answerable: bool
    abstained: bool
    correct: bool
    recall: dict[int, float]
    reciprocal_rank: float
    ndcg10: float
    citations: int
    good_citations: int
    reasons: list[str]


def score_answer(item: GoldItem, answer: Mapping[str, Any]) -> Row:
    retrieved = sorted(answer.get("retrieved", []), key=lambda p: p.get("rank", 0))
    relevance = _relevance(item, retrieved)
    recall: dict[int, float] = {}
    reasons: list[str] = []
    reciprocal_rank = ndcg = 0.0
    if item.answerable and item.evidence:
        for k in KS:
            found = set().union(*relevance[:k]) if relevance[:k] else set()
            recall[k] = len(found) / len(item.evidence)
        first = next((rank for rank, hit in enumerate(relevance, start=1) if hit), None)
        reciprocal_rank = 1.0 / first if first else 0.0
        gains = [1.0 if hit else 0.0 for hit in relevance[:10]]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(item.evidence), 10)))
        ndcg = dcg / ideal if ideal else 0.0
        if recall[5] == 0:
            reasons.append("evidence not in top 5")
    abstained = bool(answer.get("abstained"))
    citations = answer.get("citations", [])
    good = sum(1 for c in citations if _relevance(item, [c])[0]) if item.answerable else 0
    if item.answerable:
        correct = not abstained and must_satisfied(answer.get("answer", ""), item.must)
        if abstained:
            reasons.append("abstained on an answerable question")
        elif not correct:
            reasons.append("answer lacks a required phrase")
        if not abstained and citations and good < len(citations):
            reasons.append(f"{len(citations) - good} of {len(citations)} citations hold no evidence")
    else:
        correct = abstained
        if not abstained:
            reasons.append("answered an unanswerable question")
    return Row(item.id, item.question, item.answerable, abstained, correct, recall, reciprocal_rank, ndcg,
               len(citations), good, reasons)


def summarise(rows: Sequence[Row]) -> dict[str, float]:
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    with_evidence = [r for r in answerable if r.recall]
    answered = [r for r in answerable if not r.abstained]
    cited = sum(r.citations for r in answered)

    def mean(values: Sequence[float]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    summary = {f"recall@{k}": mean([r.recall[k] for r in with_evidence]) for k in KS}
    summary.update({
        "mrr": mean([r.reciprocal_rank for r in with_evidence]),
        "ndcg@10": mean([r.ndcg10 for r in with_evidence]),
        "answer_accuracy": mean([1.0 if r.correct else 0.0 for r in answerable]),
        "citation_precision": round(sum(r.good_citations for r in answered) / cited, 4) if cited else 0.0,
        "citation_recall": mean([1.0 if r.good_citations else 0.0 for r in answered]),
        "abstention_unanswerable": mean([1.0 if r.abstained else 0.0 for r in unanswerable]),
        "false_abstention": mean([1.0 if r.abstained else 0.0 for r in answerable]),
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
    })
    return summary


def run_gold(helper, items: Sequence[GoldItem], mode: str = "hybrid") -> list[dict[str, Any]]:
    """Answer every gold question with the assistant; returns Answer dicts in gold order."""
    return [
        helper.ask(item.question, history=item.history, filters=item.filters, id=item.id, mode=mode).to_dict()
        for item in items
    ]


def score_all(items: Sequence[GoldItem], answers: Sequence[Mapping[str, Any]]) -> list[Row]:
    by_id = {str(a.get("id")): a for a in answers}
    missing = {"abstained": False, "answer": "", "citations": [], "retrieved": []}
    return [score_answer(item, by_id.get(item.id, missing)) for item in items]
