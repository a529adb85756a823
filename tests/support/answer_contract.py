"""The Answer JSON contract of ../shared/DESIGN.md as a JSON schema, plus the checks a schema cannot express
(verbatim offsets, citation numbering, markers). Shared by test_answer, test_retrieve, test_condense, test_cite.

Not a test module: imported as `from tests.support.answer_contract import ...`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema

from assistant.answer.cite import SUPPORT_THRESHOLD, support

WARRINGTON_PILOT = "001_85a2b1ef848920a2.txt"
WARRINGTON_FOCUSED = "004_0054459c75a45910.txt"
WIRRAL = "002_eb698fe6b1a51e1f.txt"
WINDSOR = "000_1cb22dd1c2dce2b1.txt"
MASH = "003_c058eaba94c55f19.txt"

_NUMBER = {"type": "number", "minimum": 0}
_OFFSET = {"type": "integer", "minimum": 0}
_TEXT = {"type": "string", "minLength": 1}

# Written from the DESIGN.md example; top-level, sentence, citation and retrieved objects are exactly the
# documented fields (`--json` "is exactly the contract"); citation metadata and timings may carry more.
ANSWER_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id", "question", "standalone_question", "answer", "abstained", "sentences", "citations", "retrieved",
        "timings_ms",
    ],
    "properties": {
        "id": {"type": ["string", "null"]},
        "question": _TEXT,
        "standalone_question": _TEXT,
        "answer": _TEXT,
        "abstained": {"type": "boolean"},
        "sentences": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text", "citations"],
                "properties": {
                    "text": _TEXT,
                    "citations": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}},
                    "answer_span": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "integer", "minimum": 0}},
                    "label": {"type": "string", "minLength": 1},
                },
            },
        },
        "citations": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "n", "chunk_id", "doc_id", "source", "title", "start", "end", "text", "quote", "score", "metadata",
                ],
                "properties": {
                    "n": {"type": "integer", "minimum": 1},
                    "chunk_id": _TEXT,
                    "doc_id": _TEXT,
                    "source": _TEXT,
                    "title": {"type": "string"},
                    "start": _OFFSET,
                    "end": _OFFSET,
                    "text": _TEXT,
                    "quote": _TEXT,
                    "score": {"type": "number"},
                    "metadata": {
                        "type": "object",
                        "required": ["authority", "date", "inspection_type"],
                        "properties": {
                            "authority": _TEXT,
                            "date": _TEXT,
                            "inspection_type": _TEXT,
                        },
                    },
                },
            },
        },
        "retrieved": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["rank", "chunk_id", "source", "start", "end", "text", "score"],
                "properties": {
                    "rank": {"type": "integer", "minimum": 1},
                    "chunk_id": _TEXT,
                    "source": _TEXT,
                    "start": _OFFSET,
                    "end": _OFFSET,
                    "text": _TEXT,
                    "score": {"type": "number"},
                },
            },
        },
        "timings_ms": {
            "type": "object",
            "required": ["retrieve", "answer", "total"],
            "properties": {"retrieve": _NUMBER, "answer": _NUMBER, "total": _NUMBER},
            "additionalProperties": _NUMBER,
        },
        "uncovered": {"type": "array", "minItems": 1, "items": _TEXT},
    },
}

_MARKER = re.compile(r"\[(\d+)\]")
_SAYS_NOT_COVERED = re.compile(r"\breports? (?:do|does) not (?:answer|cover|say)", re.I)


def file_of(source: str) -> str:
    return Path(source).name


def cited_files(answer) -> set[str]:
    data = answer if isinstance(answer, dict) else answer.to_dict()
    return {file_of(c["source"]) for c in data["citations"]}


def retrieved_files(answer) -> list[str]:
    data = answer if isinstance(answer, dict) else answer.to_dict()
    return [file_of(p["source"]) for p in data["retrieved"]]


def check_contract(data: dict[str, Any], helper) -> None:
    """Validate one Answer JSON (from `Answer.to_dict()` or a CLI line) against DESIGN.md and the index behind `helper`."""
    jsonschema.validate(data, ANSWER_SCHEMA)
    assert json.loads(json.dumps(data)) == data, "the Answer must round-trip through JSON unchanged"

    documents = helper.documents()
    texts: dict[str, str] = {}

    def document_text(doc_id: str) -> str:
        if doc_id not in texts:
            document = helper.document(doc_id)
            assert document is not None, f"citation points at unknown document {doc_id}"
            texts[doc_id] = document.text
        return texts[doc_id]

    # retrieved: ranks 1..n, best first, every passage verbatim in its report.
    retrieved = data["retrieved"]
    assert [p["rank"] for p in retrieved] == list(range(1, len(retrieved) + 1))
    scores = [p["score"] for p in retrieved]
    assert scores == sorted(scores, reverse=True), "retrieved must be listed best first"
    assert len({p["chunk_id"] for p in retrieved}) == len(retrieved), "a passage is retrieved at most once"
    by_source = {str(meta.get("source")): doc_id for doc_id, meta in documents.items()}
    for passage in retrieved:
        doc_id = by_source.get(passage["source"])
        assert doc_id is not None, f"retrieved passage from an unindexed source {passage['source']}"
        assert document_text(doc_id)[passage["start"] : passage["end"]] == passage["text"]

    timings = data["timings_ms"]
    assert timings["total"] + 0.02 >= max(timings["retrieve"], timings["answer"])

    citations, sentences = data["citations"], data["sentences"]
    if data["abstained"]:
        assert citations == [] and sentences == [], "an abstention carries no citations and no sentences"
        assert _SAYS_NOT_COVERED.search(data["answer"]), data["answer"]
        assert not _MARKER.search(data["answer"])
        return

    assert sentences and citations, "an answer that is not an abstention has cited sentences"
    # Citations: numbered 1..N in order, one per passage or per stretch of touching passages of a report (their ids
    # joined by "+", the stretch from the first one's start to the last one's end), each verbatim in its report,
    # quote inside its text.
    assert [c["n"] for c in citations] == list(range(1, len(citations) + 1))
    assert len({c["chunk_id"] for c in citations}) == len(citations)
    retrieved_by_id = {p["chunk_id"]: p for p in retrieved}
    for c in citations:
        assert c["end"] > c["start"]
        text = document_text(c["doc_id"])
        assert text[c["start"] : c["end"]] == c["text"], f"citation [{c['n']}] is not the document slice"
        assert c["quote"] in c["text"], f"quote of [{c['n']}] is not inside its passage"
        assert c["source"] == documents[c["doc_id"]]["source"]
        assert c["metadata"]["authority"] == documents[c["doc_id"]]["authority"]
        parts = c["chunk_id"].split("+")
        assert all(part in retrieved_by_id for part in parts), "a cited passage must be one of the retrieved passages"
        assert c["start"] == min(retrieved_by_id[part]["start"] for part in parts)
        assert c["end"] == max(retrieved_by_id[part]["end"] for part in parts)

    # Sentences: each cites >= 1 existing citation and is supported by every passage it cites.
    numbers = {c["n"] for c in citations}
    used: set[int] = set()
    for sentence in sentences:
        assert set(sentence["citations"]) <= numbers, sentence
        assert not _MARKER.search(sentence["text"]), "sentence text carries no [n] markers; the answer does"
        used.update(sentence["citations"])
        if "answer_span" in sentence:
            start, end = sentence["answer_span"]
            assert 0 <= start < end <= len(sentence["text"]), "answer_span lies inside its sentence"
        for n in sentence["citations"]:
            assert support(sentence["text"], citations[n - 1]["text"]) >= SUPPORT_THRESHOLD, (sentence, n)
    assert used == numbers, "every citation is used by some sentence"

    # The answer text is the sentences with their [n] markers.
    assert {int(n) for n in _MARKER.findall(data["answer"])} == used
    unmarked = " ".join(re.sub(r"\s*\[\d+\]", "", data["answer"]).split())
    labelled = " ".join((f"{s['label']}: " if s.get("label") else "") + s["text"] for s in sentences)
    uncovered = data.get("uncovered", [])
    assert all(isinstance(line, str) and line and not _MARKER.search(line) for line in uncovered)
    assert unmarked == " ".join(" ".join([labelled, *uncovered]).split()), "then the uncited lines on missing sides"
