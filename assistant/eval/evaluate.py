"""Scoring answers against a gold set: retrieval, citations, answers and abstention (DESIGN.md).

Relevance is judged by content, not by chunk id, so any system's Answer JSONL can be scored: a
retrieved or cited passage is relevant when it holds an evidence quote (`passage_holds`).

Retrieval metrics are computed over *novel evidence*: the passage at rank r gains the number of
evidence quotes it holds that no better-ranked passage held (a near-duplicate of a passage already
seen gains nothing). From these gains:

* recall@k  = quotes held by the top k passages / quotes in the gold item
* MRR       = 1 / rank of the first passage that holds a quote
* nDCG@10   = sum(gain_r / log2(r + 1), r <= 10) / ideal, where the ideal orders the same gains, plus
              one gain for each quote no passage held, best first (the TREC definition, linear gains)

The summary numbers come from pytrec_eval (the trec_eval library); the hand-written versions below
(`hand_retrieval_metrics`) compute the same quantities and every run cross-checks the two.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from assistant.core.errors import InputError
from assistant.text import normalise_for_match

KS = (1, 3, 5, 10)
# A passage counts as evidence when it holds this share of an evidence quote's characters.
MIN_QUOTE_OVERLAP = 0.6
RETRIEVAL_KEYS = tuple(f"recall@{k}" for k in KS) + ("mrr", "ndcg@10")
# Summary metrics in display order, with what each one means (for tables and reports).
METRICS: dict[str, str] = {
    "recall@1": "share of evidence quotes held by the top passage",
    "recall@3": "share of evidence quotes held by the top 3 passages",
    "recall@5": "share of evidence quotes held by the top 5 passages",
    "recall@10": "share of evidence quotes held by the top 10 passages",
    "mrr": "mean reciprocal rank of the first passage holding evidence",
    "ndcg@10": "nDCG@10 over novel evidence per passage",
    "answer_accuracy": "answerable questions answered with every required phrase group",
    "citation_precision": "citations (answered, answerable) whose passage holds an evidence quote",
    "citation_recall": "answered answerable questions with at least one citation holding evidence",
    "support_precision": "citations whose passage lexically supports the sentence citing it",
    "support_recall": "answer sentences supported by at least one of their citations",
    "abstention_unanswerable": "unanswerable questions the system declined to answer",
    "false_abstention": "answerable questions the system declined to answer",
}
# Metrics where lower is better (bars and tables say so).
LOWER_IS_BETTER = frozenset({"false_abstention"})


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
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read gold file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    seen: set[str] = set()
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            evidence = tuple(_locate(Evidence(e["doc"], e["quote"]), corpus_dir) for e in raw.get("evidence", []))
            item = GoldItem(
                id=str(raw["id"]), question=raw["question"], answerable=bool(raw["answerable"]), evidence=evidence,
                must=tuple(tuple(group) for group in raw.get("must", [])),
                history=tuple(raw.get("history") or ()), filters=raw.get("filters") or {},
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}:{line_no}: not a gold item ({exc})") from None
        if item.id in seen:
            raise InputError(f"{path}:{line_no}: duplicate id '{item.id}'")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise InputError(f"gold file {path} holds no questions")
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


def _relevance(item: GoldItem, passages: Sequence[Mapping[str, Any]]) -> list[set[int]]:
    """For each passage, which evidence quotes (by index) it holds."""
    return [
        {
            i for i, ev in enumerate(item.evidence)
            if passage_holds(ev, p.get("source", ""), p.get("start", -1), p.get("end", -1), p.get("text", ""))
        }
        for p in passages
    ]


def novel_gains(relevance: Sequence[set[int]]) -> list[int]:
    """Per rank, how many evidence quotes the passage holds that no better-ranked passage held."""
    seen: set[int] = set()
    gains = []
    for hit in relevance:
        gains.append(len(hit - seen))
        seen |= hit
    return gains


def hand_retrieval_metrics(gains: Sequence[int], evidence: int) -> dict[str, float]:
    """recall@k, MRR and nDCG@10 from novel gains, written out by hand (the cross-check of pytrec_eval)."""
    if evidence <= 0:
        return {}
    metrics = {f"recall@{k}": sum(gains[:k]) / evidence for k in KS}
    first = next((rank for rank, gain in enumerate(gains, start=1) if gain), None)
    metrics["mrr"] = 1.0 / first if first else 0.0
    dcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(gains[:10], start=1))
    ideal_gains = sorted([g for g in gains if g] + [1] * (evidence - sum(gains)), reverse=True)[:10]
    ideal = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal_gains, start=1))
    metrics["ndcg@10"] = dcg / ideal if ideal else 0.0
    return metrics


def library_retrieval_metrics(cases: Mapping[str, tuple[Sequence[int], int]]) -> dict[str, dict[str, float]]:
    """The same metrics as `hand_retrieval_metrics`, computed by pytrec_eval, for {id: (gains, evidence)}.

    The ranking metrics use a run of passages p0001.. whose qrels grade is their novel gain, plus one
    judged-but-unretrieved document per quote no passage held. Recall@k counts quotes, not passages,
    so it is trec_eval's set_recall over the quotes the top k passages hold.
    """
    import pytrec_eval

    cases = {qid: (list(g), n) for qid, (g, n) in cases.items() if n > 0}
    if not cases:
        return {}
    qrels: dict[str, dict[str, int]] = {}
    run: dict[str, dict[str, float]] = {}
    for qid, (gains, evidence) in cases.items():
        qrels[qid] = {f"p{rank:04d}": gain for rank, gain in enumerate(gains, start=1) if gain}
        qrels[qid].update({f"unretrieved{i}": 1 for i in range(evidence - sum(gains))})
        run[qid] = {f"p{rank:04d}": float(len(gains) - rank + 1) for rank in range(1, len(gains) + 1)}
    ranked = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank", "ndcg_cut.10"}).evaluate(run)
    quote_qrels = {qid: {f"q{i}": 1 for i in range(evidence)} for qid, (_, evidence) in cases.items()}
    by_quote = pytrec_eval.RelevanceEvaluator(quote_qrels, {"set_recall"})
    results = {qid: {"mrr": ranked[qid]["recip_rank"], "ndcg@10": ranked[qid]["ndcg_cut_10"]} for qid in cases}
    for k in KS:
        # Quotes are interchangeable for recall: the top k passages hold sum(gains[:k]) distinct ones.
        quote_run = {qid: {f"q{i}": 1.0 for i in range(sum(g[:k]))} for qid, (g, _) in cases.items()}
        for qid, values in by_quote.evaluate(quote_run).items():
            results[qid][f"recall@{k}"] = values["set_recall"]
    return results


def must_satisfied(answer: str, must: Iterable[Iterable[str]]) -> bool:
    return not missing_groups(answer, must)


def missing_groups(answer: str, must: Iterable[Iterable[str]]) -> list[tuple[str, ...]]:
    """The required phrase groups (OR-alternatives) of which the answer contains no phrase."""
    text = normalise_for_match(answer)
    return [tuple(group) for group in must if not any(normalise_for_match(p) in text for p in group)]


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
    from assistant.answer.extractive import parse_cited_sentences

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
        "latency_ms_p50": round(_percentile(latencies, 50), 1) if latencies else None,
    })
    return summary


def _percentile(values: Sequence[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def run_gold(
    helper, items: Sequence[GoldItem], mode: str = "hybrid", k: int | None = None,
    progress: Callable[[GoldItem], None] | None = None,
) -> list[dict[str, Any]]:
    """Answer every gold question with the assistant; returns Answer dicts in gold order.

    A question the assistant refuses with an AssistantError becomes an {"id", "error"} record, as in batch."""
    from assistant.core.errors import AssistantError, IndexMissingError

    answers = []
    for item in items:
        try:
            answer = helper.ask(
                item.question, history=item.history, filters=item.filters, k=k, id=item.id, mode=mode
            ).to_dict()
        except IndexMissingError:
            raise
        except AssistantError as exc:
            answer = {"id": item.id, "error": str(exc)}
        answers.append(answer)
        if progress:
            progress(item)
    return answers


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


def load_answers(path: Path) -> list[dict[str, Any]]:
    """Answer JSONL (one Answer JSON, or an {"id", "error"} record, per line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read answers file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    answers = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{line_no}: invalid JSON ({exc.msg})") from None
        if not isinstance(record, dict) or "id" not in record:
            raise InputError(f"{path}:{line_no}: not an Answer JSON object with an id")
        for key in ("citations", "retrieved", "sentences"):
            if key in record and not (
                isinstance(record[key], list) and all(isinstance(entry, dict) for entry in record[key])
            ):
                raise InputError(f"{path}:{line_no}: '{key}' must be a list of objects")
        answers.append(record)
    if not answers:
        raise InputError(f"answers file {path} holds no answers")
    return answers


# ---------------------------------------------------------------- running systems on a gold set

RERANK_MODE = "hybrid+rerank"
COMPARE_CHOICES = ("dense", "bm25", "hybrid", RERANK_MODE)
BASELINES = ("langchain",)


def available_modes() -> tuple[str, ...]:
    from assistant.retrieval.hybrid import MODES

    return tuple(MODES)


@dataclass
class EvalRun:
    evaluations: list[Evaluation]
    unavailable: dict[str, str]
    meta: dict[str, Any]

    def to_dict(self, rows: bool = True) -> dict[str, Any]:
        return {**self.meta, "unavailable": self.unavailable,
                "systems": [e.to_dict(rows) for e in self.evaluations]}


Advance = Callable[[str, int, int], None]  # (system, done, total)


def run_evaluation(
    gold: Path,
    *,
    answers: Path | None = None,
    compare: Sequence[str] = (),
    baseline: str | None = None,
    k: int | None = None,
    corpus_dir: Path | None = None,
    open_assistant: Callable[[], Any] | None = None,
    progress: Advance | None = None,
) -> EvalRun:
    """Score an answers file and/or run the assistant (per retrieval mode) and/or a baseline on a gold set.

    With nothing chosen, the assistant runs in its default (hybrid) mode; a baseline alone is shown next
    to the default assistant. Modes the build does not have (hybrid+rerank) are listed as unavailable."""
    unavailable: dict[str, str] = {}
    modes: list[str] = []
    for mode in dict.fromkeys(compare):
        if mode in available_modes():
            modes.append(mode)
        elif mode == RERANK_MODE:
            unavailable[mode] = ("not run: this build has no reranker (retrieval modes: "
                                 f"{', '.join(available_modes())}); no numbers are reported for it")
        else:
            raise InputError(f"unknown retrieval mode '{mode}' (choose from {', '.join(COMPARE_CHOICES)})")
    if baseline is not None and baseline not in BASELINES:
        raise InputError(f"unknown baseline '{baseline}' (choose from {', '.join(BASELINES)})")
    if not modes and answers is None and not (compare and unavailable):
        modes = ["hybrid"]
    if not modes and baseline and answers is None:
        modes = ["hybrid"]
    helper = None
    settings = None
    if modes or baseline:
        if open_assistant is None:
            from assistant.pipeline import Assistant

            open_assistant = Assistant.open
        helper = open_assistant()
        settings = helper.settings
        if not helper.documents():
            from assistant.core.errors import IndexMissingError

            raise IndexMissingError()
        if corpus_dir is None:
            corpus_dir = settings.corpus_dir
    if corpus_dir is None:
        from assistant.core.settings import load_settings

        corpus_dir = load_settings().corpus_dir
    items = load_gold(gold, corpus_dir)
    k = k or (settings.top_k if settings else None)
    evaluations: list[Evaluation] = []

    def tick(system: str):
        done = [0]

        def step(_item: GoldItem) -> None:
            done[0] += 1
            if progress:
                progress(system, done[0], len(items))

        return step

    if answers is not None:
        evaluations.append(evaluate_answers(f"answers:{Path(answers).name}", items, load_answers(answers)))
    for mode in modes:
        produced = run_gold(helper, items, mode=mode, k=k, progress=tick(mode))
        evaluations.append(evaluate_answers(mode, items, produced))
    if baseline == "langchain":
        evaluations.append(_run_langchain(helper, items, k or 8, tick("langchain")))
    meta: dict[str, Any] = {
        "gold": str(gold), "questions": len(items), "k": k, "corpus": str(corpus_dir),
    }
    if helper is not None:
        meta.update({"index": settings.chroma_url or str(settings.index_dir), "model": settings.embed_model,
                     "generator": getattr(helper.generator, "name", "?")})
        if k is not None and k < 10:
            meta["k_note"] = f"{k} passages retrieved per question: recall@10 and nDCG@10 see only those"
    return EvalRun(evaluations, unavailable, meta)


def _run_langchain(helper, items: Sequence[GoldItem], k: int, step: Callable[[GoldItem], None]) -> Evaluation:
    """The LangChain baseline over the same documents as the assistant's index."""
    from assistant.eval.baseline import LangChainBaseline

    documents = [d for d in (helper.document(doc_id) for doc_id in sorted(helper.documents())) if d is not None]
    settings = helper.settings
    baseline = LangChainBaseline.from_documents(
        documents, helper.embedder, settings.chunk_size, settings.chunk_overlap, k
    )
    try:
        answers = []
        for item in items:
            answers.append(baseline.ask(item.question, id=item.id))
            step(item)
    finally:
        baseline.close()
    notes = ["plain LangChain RAG: RecursiveCharacterTextSplitter, Chroma, same embedding model, top-k "
             "similarity, answer = top passage; ignores history and filters, never abstains"]
    return evaluate_answers("langchain", items, answers, notes)
