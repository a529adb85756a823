"""Sanity checks for the evaluation gold set (eval/gold.jsonl).

Only stdlib + pytest; does not import project code.
"""
import json

import pytest
from tests.conftest import REPO

GOLD = REPO / "eval" / "gold.jsonl"
CORPUS = REPO / "corpus"


def _load():
    rows = []
    with GOLD.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            rows.append((lineno, line))
    return rows


@pytest.fixture(scope="module")
def items():
    out = []
    for lineno, line in _load():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:  # pragma: no cover - reported by test
            pytest.fail(f"line {lineno} does not parse: {e}")
        assert isinstance(obj, dict), f"line {lineno} is not an object"
        out.append(obj)
    return out


@pytest.fixture(scope="module")
def corpus_texts():
    return {p.name: p.read_text(encoding="utf-8") for p in CORPUS.iterdir() if p.is_file()}


def test_every_line_parses():
    for lineno, line in _load():
        obj = json.loads(line)
        assert isinstance(obj, dict), f"line {lineno}"
        for key in ("id", "question", "answerable", "evidence", "must"):
            assert key in obj, f"line {lineno} missing {key!r}"
        assert isinstance(obj["question"], str) and obj["question"].strip()
        assert isinstance(obj["answerable"], bool)
        assert isinstance(obj["evidence"], list)
        assert isinstance(obj["must"], list)


def test_ids_unique(items):
    ids = [it["id"] for it in items]
    assert len(ids) == len(set(ids)), "duplicate ids"


def test_counts(items):
    answerable = [it for it in items if it["answerable"]]
    unanswerable = [it for it in items if not it["answerable"]]
    assert len(answerable) >= 60
    assert len(unanswerable) >= 10


def test_answerable_have_evidence_and_must(items):
    for it in items:
        if it["answerable"]:
            assert len(it["evidence"]) >= 1, it["id"]
            assert len(it["must"]) >= 1, it["id"]
            for group in it["must"]:
                assert isinstance(group, list) and group, it["id"]
                assert all(isinstance(p, str) and p.strip() for p in group), it["id"]


def test_evidence_quotes_verbatim(items, corpus_texts):
    for it in items:
        for ev in it["evidence"]:
            doc, quote = ev["doc"], ev["quote"]
            assert doc in corpus_texts, f"{it['id']}: unknown doc {doc}"
            assert isinstance(quote, str) and quote, it["id"]
            assert quote in corpus_texts[doc], f"{it['id']}: quote not verbatim in {doc}: {quote!r}"


def test_must_groups_supported_by_evidence(items):
    for it in items:
        if not it["answerable"]:
            continue
        joined = " ".join(ev["quote"] for ev in it["evidence"]).lower()
        for group in it["must"]:
            assert any(p.lower() in joined for p in group), f"{it['id']}: no phrase of {group} in evidence"


def test_unanswerable_have_empty_evidence(items):
    for it in items:
        if not it["answerable"]:
            assert it["evidence"] == [], it["id"]


def test_history_shape(items):
    for it in items:
        if "history" in it:
            hist = it["history"]
            assert isinstance(hist, list), it["id"]
            for turn in hist:
                assert isinstance(turn, dict), it["id"]
                assert turn.get("role") in ("user", "assistant"), it["id"]
                assert isinstance(turn.get("content"), str), it["id"]
