"""Scoring answers against gold items: one Row per question (retrieval, citations, support, answer,
abstention, with the reasons it failed) and the mean of each metric over a set of rows."""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from assistant.eval.gold import GoldItem, missing_groups, passage_holds
from assistant.eval.metrics import KS, RETRIEVAL_KEYS, hand_retrieval_metrics, library_retrieval_metrics, novel_gains


def _relevance(item: GoldItem, passages: Sequence[Mapping[str, Any]]) -> list[set[int]]:
    """For each passage, which evidence quotes (by index) it holds."""
    return [
        {
            i for i, ev in enumerate(item.evidence)
            if passage_holds(ev, p.get("source", ""), p.get("start", -1), p.get("end", -1), p.get("text", ""))
        }
        for p in passages
    ]


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
    gains: list[int] = field(default_factory=list)
    evidence: int = 0
    cite_pairs: int = 0  # (sentence, citation) pairs
    supported_pairs: int = 0
    sentences: int = 0
    supported_sentences: int = 0
    answer: str = ""
    first_evidence_rank: int | None = None
    error: str | None = None
    latency_ms: float | None = None

    @property
    def failed(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "question": self.question, "answerable": self.answerable, "abstained": self.abstained,
            "correct": self.correct, **{f"recall@{k}": round(v, 4) for k, v in self.recall.items()},
            "mrr": round(self.reciprocal_rank, 4) if self.recall else None,
            "ndcg@10": round(self.ndcg10, 4) if self.recall else None,
            "first_evidence_rank": self.first_evidence_rank, "citations": self.citations,
            "good_citations": self.good_citations, "supported_citations": self.supported_pairs,
            "cited_pairs": self.cite_pairs, "sentences": self.sentences,
            "supported_sentences": self.supported_sentences, "answer": self.answer, "error": self.error,
            "latency_ms": self.latency_ms, "reasons": list(self.reasons),
        }


def _sentences_of(answer: Mapping[str, Any]) -> list[tuple[str, tuple[int, ...]]]:
    """(sentence, cited numbers) pairs; from the answer text's [n] markers when `sentences` is absent."""
    given = answer.get("sentences")
    if isinstance(given, list) and given:
        return [
            (str(s.get("text", "")), tuple(_numbers(s.get("citations")))) for s in given if isinstance(s, Mapping)
        ]
    text = str(answer.get("answer", ""))
    if not text or not re.search(r"\[\d+\]", text):
        return []
    from assistant.answer.llm import parse_cited_sentences

    return [(d.text, tuple(d.cites)) for d in parse_cited_sentences(text)]


def _numbers(values: Any) -> list[int]:
    out = []
    for value in values if isinstance(values, list) else []:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


def _rank(passage: Mapping[str, Any]) -> float:
    rank = passage.get("rank")
    return float(rank) if isinstance(rank, (int, float)) else 0.0


def score_answer(item: GoldItem, answer: Mapping[str, Any]) -> Row:
    from assistant.answer.cite import SUPPORT_THRESHOLD, support

    error = answer.get("error")
    # Best first by rank; passages without a rank keep their listed order.
    retrieved = sorted((p for p in answer.get("retrieved") or [] if isinstance(p, Mapping)), key=_rank)
    relevance = _relevance(item, retrieved)
    gains = novel_gains(relevance)
    reasons: list[str] = []
    if error:
        reasons.append(f"no answer: {error}")
    recall: dict[int, float] = {}
    reciprocal_rank = ndcg = 0.0
    first = next((rank for rank, gain in enumerate(gains, start=1) if gain), None)
    if item.answerable and item.evidence:
        metrics = hand_retrieval_metrics(gains, len(item.evidence))
        recall = {k: metrics[f"recall@{k}"] for k in KS}
        reciprocal_rank, ndcg = metrics["mrr"], metrics["ndcg@10"]
        if not error and recall[5] == 0:
            where = f"first at rank {first}" if first else f"none in the {len(retrieved)} retrieved"
            reasons.append(f"no evidence quote in the top 5 passages ({where})")
    abstained = bool(answer.get("abstained"))
    citations = [c for c in answer.get("citations") or [] if isinstance(c, Mapping)]
    good = sum(1 for c in citations if _relevance(item, [c])[0]) if item.answerable else 0
    # Support: does each cited passage lexically support the sentence that cites it (cite.support)?
    by_number = {n: c for c in citations for n in _numbers([c.get("n")])}
    pairs = supported_pairs = n_sentences = supported_sentences = 0
    if not abstained:
        for text, numbers in _sentences_of(answer):
            n_sentences += 1
            ok = [
                support(text, str(by_number[n].get("text", ""))) >= SUPPORT_THRESHOLD for n in numbers if n in by_number
            ]
            pairs += len(numbers)
            supported_pairs += sum(ok)
            supported_sentences += 1 if any(ok) else 0
    if item.answerable:
        gaps = missing_groups(str(answer.get("answer", "")), item.must)
        correct = not error and not abstained and not gaps
        if abstained:
            reasons.append("abstained on an answerable question")
        elif gaps and not error:
            reasons.append("answer lacks " + "; ".join(" / ".join(f"'{p}'" for p in g) for g in gaps))
        if not abstained and citations and good < len(citations):
            reasons.append(f"{len(citations) - good} of {len(citations)} citations hold no evidence quote")
        if not abstained and not error and not citations:
            reasons.append("answer has no citations")
    else:
        correct = abstained and not error
        if not abstained and not error:
            reasons.append("answered an unanswerable question")
    if pairs and supported_pairs < pairs:
        reasons.append(f"{pairs - supported_pairs} of {pairs} citations do not support their sentence")
    timings = answer.get("timings_ms") or {}
    latency = timings.get("total") if isinstance(timings, Mapping) else None
    return Row(
        item.id, item.question, item.answerable, abstained, bool(correct), recall, reciprocal_rank, ndcg,
        len(citations), good, reasons, gains=gains, evidence=len(item.evidence) if item.answerable else 0,
        cite_pairs=pairs, supported_pairs=supported_pairs, sentences=n_sentences,
        supported_sentences=supported_sentences, answer=str(answer.get("answer", "")),
        first_evidence_rank=first, error=str(error) if error else None,
        latency_ms=float(latency) if isinstance(latency, (int, float)) else None,
    )


def summarise(rows: Sequence[Row], retrieval: bool = True) -> dict[str, Any]:
    """Mean metrics over rows; retrieval metrics are None when the answers carried no `retrieved` lists."""
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    with_evidence = [r for r in answerable if r.recall]
    answered = [r for r in answerable if not r.abstained and not r.error]
    answered_any = [r for r in rows if not r.abstained and not r.error]
    cited = sum(r.citations for r in answered)
    pairs = sum(r.cite_pairs for r in answered_any)
    n_sentences = sum(r.sentences for r in answered_any)

    def mean(values: Sequence[float]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    summary: dict[str, Any] = {f"recall@{k}": mean([r.recall[k] for r in with_evidence]) for k in KS}
    summary.update({
        "mrr": mean([r.reciprocal_rank for r in with_evidence]),
        "ndcg@10": mean([r.ndcg10 for r in with_evidence]),
    })
    if not retrieval:
        summary.update(dict.fromkeys(RETRIEVAL_KEYS))
    latencies = sorted(r.latency_ms for r in rows if r.latency_ms is not None)
    summary.update({
        "answer_accuracy": mean([1.0 if r.correct else 0.0 for r in answerable]),
        "citation_precision": round(sum(r.good_citations for r in answered) / cited, 4) if cited else 0.0,
        "citation_recall": mean([1.0 if r.good_citations else 0.0 for r in answered]),
        "support_precision": round(sum(r.supported_pairs for r in answered_any) / pairs, 4) if pairs else 0.0,
        "support_recall": (
            round(sum(r.supported_sentences for r in answered_any) / n_sentences, 4) if n_sentences else 0.0
        ),
        "abstention_unanswerable": mean([1.0 if r.abstained else 0.0 for r in unanswerable]),
        "false_abstention": mean([1.0 if r.abstained else 0.0 for r in answerable]),
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "errors": sum(1 for r in rows if r.error),
        "latency_ms_p50": round(statistics.median(latencies), 1) if latencies else None,
    })
    return summary


def score_all(items: Sequence[GoldItem], answers: Sequence[Mapping[str, Any]]) -> list[Row]:
    """Rows in gold order; retrieval metrics on each row are pytrec_eval's (see `evaluate_answers`)."""
    by_id = {str(a.get("id")): a for a in answers}
    missing = {"abstained": False, "answer": "", "citations": [], "retrieved": [],
               "error": "no answer with this id"}
    return [score_answer(item, by_id.get(item.id, missing)) for item in items]


@dataclass
class Evaluation:
    """One system scored on one gold set."""

    system: str
    rows: list[Row]
    summary: dict[str, Any]
    check: float  # largest difference between pytrec_eval and the hand-computed retrieval metrics
    retrieval: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def failing(self) -> list[Row]:
        return [r for r in self.rows if r.failed]

    def to_dict(self, rows: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = {
            "system": self.system, "summary": self.summary, "metric_check_max_diff": self.check,
            "notes": self.notes,
        }
        if rows:
            result["rows"] = [r.to_dict() for r in self.rows]
        return result


def evaluate_answers(
    system: str, items: Sequence[GoldItem], answers: Sequence[Mapping[str, Any]], notes: Sequence[str] = ()
) -> Evaluation:
    """Score answers; the retrieval metrics on rows and summary are replaced by pytrec_eval's values."""
    rows = score_all(items, answers)
    retrieval = any("retrieved" in a for a in answers)
    library = library_retrieval_metrics({r.id: (r.gains, r.evidence) for r in rows if r.recall})
    check = 0.0
    for row in rows:
        values = library.get(row.id)
        if not values:
            continue
        hand = {**{f"recall@{k}": row.recall[k] for k in KS}, "mrr": row.reciprocal_rank, "ndcg@10": row.ndcg10}
        check = max([check] + [abs(values[key] - hand[key]) for key in RETRIEVAL_KEYS])
        row.recall = {k: values[f"recall@{k}"] for k in KS}
        row.reciprocal_rank, row.ndcg10 = values["mrr"], values["ndcg@10"]
    notes = list(notes)
    if not retrieval:
        notes.append("the answers carry no `retrieved` lists: retrieval metrics are not reported")
    if check > 1e-6:
        notes.append(f"pytrec_eval and the hand-computed metrics differ by up to {check:.2g}")
    return Evaluation(system, rows, summarise(rows, retrieval), round(check, 12), retrieval, notes)
