"""Evaluation harness: metric functions against hand calculations, pytrec_eval against the hand-written
metrics, `assistant eval --answers` on a crafted file with known scores, the LangChain baseline's
answers, and `--compare` with the real assistant (real model, real Chroma)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from assistant.apps import cli, cli_eval
from assistant.eval.gold import Evidence, GoldItem, load_gold, passage_holds
from assistant.eval.metrics import hand_retrieval_metrics, library_retrieval_metrics, novel_gains
from assistant.eval.scoring import evaluate_answers, score_answer
from tests.conftest import CORPUS, REPO



# ---------------------------------------------------------------- metric functions


def test_novel_gains_count_each_quote_once():
    # rank 1 holds quote 0; rank 2 repeats it (an overlapping chunk); rank 3 holds quotes 1 and 2.
    assert novel_gains([{0}, {0}, {1, 2}, set(), {2}]) == [1, 0, 2, 0, 0]
    assert novel_gains([]) == []


def test_hand_metrics_on_a_worked_example():
    # Four evidence quotes; passages gain 0, 1, 0, 2; one quote is never retrieved.
    metrics = hand_retrieval_metrics([0, 1, 0, 2], evidence=4)
    assert metrics["recall@1"] == 0.0
    assert metrics["recall@3"] == 0.25
    assert metrics["recall@5"] == 0.75
    assert metrics["recall@10"] == 0.75
    assert metrics["mrr"] == 0.5
    # DCG = 1/log2(3) + 2/log2(5) = 0.630930 + 0.861353 = 1.492283
    # ideal gains [2, 1, 1] (the two retrieved groups best first, then the missing quote):
    # IDCG = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.630930 + 0.5 = 3.130930
    assert metrics["ndcg@10"] == pytest.approx(1.492283 / 3.130930, abs=1e-6)
    assert metrics["ndcg@10"] == pytest.approx(0.476626, abs=1e-6)


def test_hand_metrics_perfect_and_empty():
    assert hand_retrieval_metrics([1, 0, 0], evidence=1) == {
        "recall@1": 1.0, "recall@3": 1.0, "recall@5": 1.0, "recall@10": 1.0, "mrr": 1.0, "ndcg@10": 1.0}
    nothing = hand_retrieval_metrics([], evidence=2)
    assert nothing == {"recall@1": 0.0, "recall@3": 0.0, "recall@5": 0.0, "recall@10": 0.0, "mrr": 0.0,
                       "ndcg@10": 0.0}
    # A duplicate of an already-found passage adds nothing: nDCG stays at most 1.
    assert hand_retrieval_metrics([1, 0], evidence=1)["ndcg@10"] == 1.0
    assert hand_retrieval_metrics([], evidence=0) == {}


CASES = {
    "worked": ([0, 1, 0, 2], 4),
    "perfect": ([1], 1),
    "late": ([0] * 9 + [1], 1),  # found at rank 10
    "beyond10": ([0] * 11 + [1], 2),  # found at rank 12: nothing within the cut-offs
    "none": ([0, 0, 0], 3),
    "empty": ([], 2),
    "grouped": ([2, 0, 1, 1], 5),
    "mixed": ([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1], 6),
}


def test_pytrec_eval_agrees_with_the_hand_calculation():
    library = library_retrieval_metrics(CASES)
    assert set(library) == set(CASES)
    for qid, (gains, evidence) in CASES.items():
        hand = hand_retrieval_metrics(gains, evidence)
        for key, value in hand.items():
            assert library[qid][key] == pytest.approx(value, abs=1e-9), (qid, key)
    # Spot values, by hand: rank 10 -> RR 0.1, nDCG 1/log2(11); rank 12 -> 0 within @10.
    assert library["late"]["mrr"] == pytest.approx(0.1)
    assert library["late"]["ndcg@10"] == pytest.approx(1 / math.log2(11))
    assert library["beyond10"]["recall@10"] == 0.0
    assert library["beyond10"]["mrr"] == pytest.approx(1 / 12)


# ---------------------------------------------------------------- scoring one answer

DOC = "report.txt"
TEXT = ("Inspectors judged services to be good overall. Leaders know their services well. "
        "Caseloads are too high in the assessment team. The partnership is effective.")
QUOTE_A = "judged services to be good overall"
QUOTE_B = "Caseloads are too high"
QUOTE_C = "The partnership is effective."


def _passage(text: str, rank: int = 1, source: str = f"corpus/{DOC}") -> dict:
    start = TEXT.find(text)
    return {"rank": rank, "chunk_id": f"c{rank}", "source": source, "start": start, "end": start + len(text),
            "text": text, "score": 1.0 / rank}


def _ev(quote: str) -> Evidence:
    start = TEXT.find(quote)
    return Evidence(DOC, quote, start, start + len(quote))


def test_passage_holds_by_text_or_by_offsets():
    evidence = _ev(QUOTE_B)
    assert passage_holds(evidence, f"x/{DOC}", 0, len(TEXT), TEXT)
    assert not passage_holds(evidence, "x/other.txt", 0, len(TEXT), TEXT)
    # Text differs (e.g. another system's whitespace) but the offsets cover 100% of the quote.
    assert passage_holds(evidence, DOC, evidence.start - 5, evidence.end + 5, "reformatted text")
    # Offsets covering under 60% of the quote do not count.
    assert not passage_holds(evidence, DOC, evidence.start, evidence.start + 5, "Casel")


def test_score_answer_reasons_and_counts():
    item = GoldItem("q", "What was the judgement?", True, (_ev(QUOTE_A), _ev(QUOTE_B)), (("good",), ("overall",)))
    answer = {
        "id": "q", "answer": "Services were good [1].", "abstained": False,
        "sentences": [{"text": "Services were judged good overall.", "citations": [1, 2]}],
        "citations": [dict(_passage("Inspectors judged services to be good overall."), n=1),
                      dict(_passage("Leaders know their services well."), n=2)],
        "retrieved": [_passage("Leaders know their services well.", 1),
                      _passage("Inspectors judged services to be good overall.", 2)],
    }
    row = score_answer(item, answer)
    assert row.gains == [0, 1]
    assert row.recall[1] == 0.0 and row.recall[3] == 0.5
    assert row.reciprocal_rank == 0.5
    assert not row.correct  # "overall" is missing from the answer text
    assert row.good_citations == 1 and row.citations == 2
    assert row.cite_pairs == 2 and row.supported_pairs == 1
    joined = " | ".join(row.reasons)
    assert "answer lacks 'overall'" in joined
    assert "1 of 2 citations hold no evidence quote" in joined
    assert "1 of 2 citations do not support their sentence" in joined


# ---------------------------------------------------------------- assistant eval --answers


@pytest.fixture
def crafted(tmp_path: Path) -> dict[str, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / DOC).write_text(TEXT, encoding="utf-8")
    gold = [
        {"id": "a1", "question": "What was the overall judgement?", "answerable": True,
         "evidence": [{"doc": DOC, "quote": QUOTE_A}], "must": [["good"]]},
        {"id": "a2", "question": "What is wrong with caseloads and the partnership?", "answerable": True,
         "evidence": [{"doc": DOC, "quote": QUOTE_B}, {"doc": DOC, "quote": QUOTE_C}], "must": [["workload"]]},
        {"id": "a3", "question": "Are leaders effective?", "answerable": True,
         "evidence": [{"doc": DOC, "quote": "Leaders know their services well."}], "must": [["know"]]},
        {"id": "u1", "question": "What did the 2031 inspection find?", "answerable": False, "evidence": [], "must": []},
        {"id": "u2", "question": "How many foster carers are there?", "answerable": False, "evidence": [],
         "must": []},
    ]
    both = "Caseloads are too high in the assessment team. The partnership is effective."
    answers = [
        # a1: evidence first at rank 2; correct; citations: one holds evidence, one does not.
        {"id": "a1", "question": "q", "answer": "Services were judged to be good overall [1][2].", "abstained": False,
         "sentences": [{"text": "Services were judged to be good overall.", "citations": [1, 2]}],
         "citations": [dict(_passage("Inspectors judged services to be good overall."), n=1),
                       dict(_passage("Leaders know their services well."), n=2)],
         "retrieved": [_passage("Leaders know their services well.", 1),
                       _passage("Inspectors judged services to be good overall.", 2),
                       _passage(both, 3)],
         "timings_ms": {"total": 10.0}},
        # a2: one passage holds both quotes at rank 1; answer lacks "workload"; its one citation holds evidence.
        {"id": "a2", "question": "q", "answer": "Caseloads are too high in the assessment team [1].",
         "abstained": False,
         "sentences": [{"text": "Caseloads are too high in the assessment team.", "citations": [1]}],
         "citations": [dict(_passage(both), n=1)], "retrieved": [_passage(both, 1)],
         "timings_ms": {"total": 30.0}},
        # a3: abstained, nothing retrieved.
        {"id": "a3", "question": "q", "answer": "The indexed reports do not answer this question.", "abstained": True,
         "sentences": [], "citations": [], "retrieved": [], "timings_ms": {"total": 20.0}},
        # u1: abstained (right).
        {"id": "u1", "question": "q", "answer": "The indexed reports do not answer this question.", "abstained": True,
         "sentences": [], "citations": [], "retrieved": []},
        # u2: answered (wrong), with a citation that does not support its sentence.
        {"id": "u2", "question": "q", "answer": "There are 40 foster carers [1].", "abstained": False,
         "sentences": [{"text": "There are 40 foster carers.", "citations": [1]}],
         "citations": [dict(_passage("Leaders know their services well."), n=1)],
         "retrieved": [_passage("Leaders know their services well.", 1)]},
    ]
    gold_path, answers_path = tmp_path / "gold.jsonl", tmp_path / "answers.jsonl"
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    answers_path.write_text("".join(json.dumps(a) + "\n" for a in answers), encoding="utf-8")
    return {"corpus": corpus, "gold": gold_path, "answers": answers_path, "root": tmp_path}


# Expected summary, by hand:
#   a1 gains [0,1,0] of 1 quote; a2 gains [2] of 2; a3 gains [] of 1.
#   recall@1 = (0 + 1 + 0) / 3;  recall@3 = (1 + 1 + 0) / 3;  MRR = (1/2 + 1 + 0) / 3
#   nDCG@10: a1 = (1/log2(3)) / 1 = 0.630930, a2 = 2/2 = 1, a3 = 0  -> 1.630930 / 3 = 0.543643
#   answer accuracy: only a1 is right -> 1/3; false abstention: a3 -> 1/3
#   citation precision over answered answerable (a1, a2): 2 good of 3 citations; recall: a1 and a2 -> 1.0
#   support over answered questions (a1, a2, u2): pairs a1 2 (1 supported), a2 1 (1), u2 1 (0) -> 2/4;
#   sentences a1 yes, a2 yes, u2 no -> 2/3
#   abstention on unanswerable: u1 yes, u2 no -> 1/2;  latency p50 of 10, 30, 20 -> 20
EXPECTED = {
    "recall@1": 0.3333, "recall@3": 0.6667, "recall@5": 0.6667, "recall@10": 0.6667, "mrr": 0.5,
    "ndcg@10": 0.5436, "answer_accuracy": 0.3333, "citation_precision": 0.6667, "citation_recall": 1.0,
    "support_precision": 0.5, "support_recall": 0.6667, "abstention_unanswerable": 0.5,
    "false_abstention": 0.3333, "questions": 5, "answerable": 3, "unanswerable": 2, "errors": 0,
    "latency_ms_p50": 20.0,
}


def test_eval_answers_cli_scores_a_crafted_file(crafted, capsys):
    code = cli.main(["eval", str(crafted["gold"]), "--answers", str(crafted["answers"]),
                     "--corpus", str(crafted["corpus"]), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert [s["system"] for s in result["systems"]] == ["answers:answers.jsonl"]
    system = result["systems"][0]
    assert system["summary"] == EXPECTED
    assert system["metric_check_max_diff"] == pytest.approx(0.0, abs=1e-9)
    rows = {r["id"]: r for r in system["rows"]}
    assert rows["a1"]["correct"] and rows["a1"]["first_evidence_rank"] == 2
    assert rows["a2"]["recall@1"] == 1.0 and not rows["a2"]["correct"]
    assert rows["a2"]["reasons"] == ["answer lacks 'workload'"]
    assert rows["a3"]["reasons"][:2] == ["no evidence quote in the top 5 passages (none in the 0 retrieved)",
                                         "abstained on an answerable question"]
    assert rows["u1"]["correct"] and rows["u1"]["reasons"] == []
    assert rows["u2"]["reasons"] == ["answered an unanswerable question",
                                     "1 of 1 citations do not support their sentence"]


def test_eval_answers_report_html_and_markdown(crafted, capsys):
    report = crafted["root"] / "out" / "report.html"
    code = cli.main(["eval", str(crafted["gold"]), "--answers", str(crafted["answers"]),
                     "--corpus", str(crafted["corpus"]), "--report", str(report)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "citation_precision" in captured.out and "0.667" in captured.out
    html = report.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert "Failing questions" in html and "a3" in html and "answered an unanswerable question" in html
    markdown = report.with_suffix(".md").read_text(encoding="utf-8")
    assert "| citation_precision | 0.667 |" in markdown
    assert "| u2 |" in markdown and "report.png" in markdown
    assert report.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_answers_missing_and_broken(crafted, capsys):
    # An answers file with one answer: every other question is a failure with its reason.
    partial = crafted["root"] / "partial.jsonl"
    partial.write_text(crafted["answers"].read_text().splitlines()[0] + "\n" + '{"id": "a2", "error": "boom"}\n')
    assert cli.main(["eval", str(crafted["gold"]), "--answers", str(partial), "--corpus",
                     str(crafted["corpus"]), "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)["systems"][0]["rows"]}
    assert rows["a2"]["reasons"] == ["no answer: boom"]
    assert rows["u1"]["reasons"][0] == "no answer: no answer with this id"
    assert not rows["u1"]["correct"]

    broken = crafted["root"] / "broken.jsonl"
    broken.write_text('{"id": "a1"}\nnot json\n')
    assert cli.main(["eval", str(crafted["gold"]), "--answers", str(broken), "--corpus",
                     str(crafted["corpus"])]) == 1
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "broken.jsonl:2: invalid JSON" in err and "Traceback" not in err


def test_eval_modes_are_the_retrieval_modes(crafted, capsys):
    # Only modes the build has are choices: a mode it lacks is a usage error, never a row of fake numbers.
    from assistant.eval.runner import retrieval_modes

    assert {"dense", "bm25", "hybrid"} <= set(retrieval_modes())
    for mode in ("hybrid+rerank", "rerank"):
        with pytest.raises(SystemExit) as usage:
            cli.main(["eval", str(crafted["gold"]), "--compare", mode])
        assert usage.value.code == 2
        assert f"unknown retrieval mode '{mode}'" in capsys.readouterr().err


def test_shipped_gold_loads_and_locates_every_quote():
    items = load_gold(REPO / "eval" / "gold.jsonl", CORPUS)
    assert sum(i.answerable for i in items) >= 60 and sum(not i.answerable for i in items) >= 10
    assert all(ev.start >= 0 for i in items for ev in i.evidence)


# ---------------------------------------------------------------- baseline and the real assistant

CONTRACT_KEYS = {"id", "question", "standalone_question", "answer", "abstained", "sentences", "citations",
                 "retrieved", "timings_ms"}
CITATION_KEYS = {"n", "chunk_id", "doc_id", "source", "title", "start", "end", "text", "quote", "score", "metadata"}
RETRIEVED_KEYS = {"rank", "chunk_id", "source", "start", "end", "text", "score"}


def test_langchain_baseline_answers_follow_the_contract(shared_embedder):
    from assistant.eval.baseline import LangChainBaseline, load_documents
    from assistant.ingest.load import load_document

    baseline = LangChainBaseline.from_documents(load_documents([CORPUS], root=REPO), shared_embedder,
                                                chunk_size=700, chunk_overlap=150, k=5)
    try:
        answers = [baseline.ask(q, id=f"b{i}") for i, q in enumerate((
            "Which inspectorates took part in the joint inspection of Windsor and Maidenhead?",
            "What did the monitoring visit find in Warrington?"))]
    finally:
        baseline.close()
    texts = {p.name: load_document(p, 10**8).text for p in CORPUS.glob("*.txt")}
    for answer in answers:
        assert CONTRACT_KEYS <= set(answer)
        assert answer["abstained"] is False and answer["answer"].endswith("[1]")
        assert [r["rank"] for r in answer["retrieved"]] == list(range(1, 6))
        for passage in answer["retrieved"]:
            assert RETRIEVED_KEYS <= set(passage)
            assert texts[Path(passage["source"]).name][passage["start"]:passage["end"]] == passage["text"]
        (citation,) = answer["citations"]
        assert CITATION_KEYS <= set(citation) and citation["n"] == 1
        assert citation["text"] == answer["retrieved"][0]["text"]
        assert answer["sentences"] == [{"text": " ".join(citation["text"].split()), "citations": [1]}]
        json.dumps(answer)  # serialisable as a JSONL line
    # The same scorer applies: score the second question against a gold item built from its own top passage.
    top = answers[0]["retrieved"][0]
    item = GoldItem("b0", "q", True, (Evidence(Path(top["source"]).name, top["text"][:60]),), (("the",),))
    evaluation = evaluate_answers("langchain", [item], [answers[0]])
    assert evaluation.summary["recall@1"] == 1.0 and evaluation.summary["citation_precision"] == 1.0


def test_eval_compare_with_the_real_assistant(ingested, tmp_path, monkeypatch, capsys):
    lines = (REPO / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    picked = [line for line in lines if json.loads(line)["answerable"]][:2]
    picked += [line for line in lines if not json.loads(line)["answerable"]][:1]
    gold = tmp_path / "gold3.jsonl"
    gold.write_text("\n".join(picked) + "\n", encoding="utf-8")
    monkeypatch.setattr(cli_eval, "open_assistant", lambda: ingested)
    code = cli.main(["eval", str(gold), "--compare", "bm25", "dense", "--baseline", "langchain",
                     "--k", "5", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert [s["system"] for s in result["systems"]] == ["bm25", "dense", "langchain"]
    assert result["k"] == 5
    for system in result["systems"]:
        summary = system["summary"]
        assert summary["questions"] == 3 and summary["answerable"] == 2 and summary["errors"] == 0
        assert system["metric_check_max_diff"] == pytest.approx(0.0, abs=1e-9)
        assert all(0.0 <= summary[k] <= 1.0 for k in ("recall@5", "mrr", "ndcg@10", "answer_accuracy"))
        assert len(system["rows"]) == 3
    baseline = result["systems"][2]["summary"]
    assert baseline["abstention_unanswerable"] == 0.0  # a plain RAG always answers
