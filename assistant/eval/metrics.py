"""Retrieval metrics over *novel evidence*, by hand and by pytrec_eval, and the names of every summary metric.

The passage at rank r gains the number of evidence quotes it holds that no better-ranked passage held
(a near-duplicate of a passage already seen gains nothing). From these gains:

* recall@k  = quotes held by the top k passages / quotes in the gold item
* MRR       = 1 / rank of the first passage that holds a quote
* nDCG@10   = sum(gain_r / log2(r + 1), r <= 10) / ideal, where the ideal orders the same gains, plus
              one gain for each quote no passage held, best first (the TREC definition, linear gains)

The summary numbers come from pytrec_eval (the trec_eval library); the hand-written versions
(`hand_retrieval_metrics`) compute the same quantities and every run cross-checks the two.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

KS = (1, 3, 5, 10)
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
