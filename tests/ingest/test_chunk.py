"""Chunking: exact offsets, bounded size, no lost sentences, stable ids."""
from __future__ import annotations

import dataclasses
import re

import pytest

from assistant.ingest.chunk import chunk_document
from assistant.ingest.load import load_document
from assistant.text import sentences
from assistant.core.types import Document

# Between chunks only whitespace and list bullets (which sentence trimming drops) may be left out.
_GAP = re.compile(r"(?:\s|[-*\u2022\u00b7\u25aa\u25cf\u2013]|\d{1,2}[.)](?=\s))*")
SIZES = [(700, 150), (300, 60), (100, 0), (1500, 300)]


def _seed_documents(corpus_dir) -> list[Document]:
    return [load_document(p, 10**8) for p in sorted(corpus_dir.glob("*.txt"))]


def _doc(text: str, doc_id: str = "doc1", page_starts=(0,)) -> Document:
    return Document(id=doc_id, source=f"{doc_id}.txt", title="T", text=text, content_hash="h",
                    page_starts=page_starts)


def _assert_invariants(document: Document, size: int, overlap: int) -> list:
    chunks = chunk_document(document, size, overlap)
    text = document.text
    assert chunks, "a document with text has at least one chunk"
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert chunk.end - chunk.start <= size, (chunk.start, chunk.end)
        assert chunk.text == chunk.text.strip(), "chunks start and end on non-space"
        assert chunk.doc_id == document.id and chunk.source == document.source
        assert chunk.page == document.page_at(chunk.start)
    # Consecutive chunks move forward and overlap or touch (only whitespace between them).
    for previous, following in zip(chunks, chunks[1:]):
        assert following.start > previous.start and following.end > previous.end
        if following.start > previous.end:
            assert _GAP.fullmatch(text[previous.end : following.start]), (previous.end, following.start)
    # Nothing outside the chunks but whitespace (and bullet marks, which sentences() trims).
    assert _GAP.fullmatch(text[: chunks[0].start])
    assert not text[chunks[-1].end :].strip()
    # Every sentence lies inside a chunk, or (too long for one) across consecutive chunks.
    for span in sentences(text):
        inside = any(c.start <= span.start and span.end <= c.end for c in chunks)
        if not inside:
            assert span.end - span.start > size, text[span.start : span.end][:80]
    return chunks


@pytest.mark.parametrize(("size", "overlap"), SIZES)
def test_seed_reports_chunk_invariants(corpus_dir, size, overlap):
    total = 0
    for document in _seed_documents(corpus_dir):
        chunks = _assert_invariants(document, size, overlap)
        total += len(chunks)
        if len(document.text) > size:
            assert len(chunks) > 1
    assert total >= 5


def test_default_settings_overlap_when_sentences_fit(corpus_dir):
    overlaps = 0
    for document in _seed_documents(corpus_dir):
        chunks = chunk_document(document, 700, 150)
        for previous, following in zip(chunks, chunks[1:]):
            if following.start < previous.end:
                overlaps += 1
                assert previous.end - following.start <= 150 + 1
    assert overlaps >= 5  # the overlap is used, not just configured


def test_no_overlap_means_no_shared_text(corpus_dir):
    for document in _seed_documents(corpus_dir):
        chunks = chunk_document(document, 300, 0)
        for previous, following in zip(chunks, chunks[1:]):
            assert following.start >= previous.end


def test_chunk_ids_stable_across_runs_and_unique(corpus_dir):
    first = [c.id for d in _seed_documents(corpus_dir) for c in chunk_document(d, 700, 150)]
    second = [c.id for d in _seed_documents(corpus_dir) for c in chunk_document(d, 700, 150)]
    assert first == second
    assert len(set(first)) == len(first)


def test_chunk_ids_change_when_text_changes(corpus_dir):
    document = _seed_documents(corpus_dir)[1]
    before = chunk_document(document, 700, 150)
    middle = len(document.text) // 2
    changed_text = document.text[:middle] + ("X" if document.text[middle] != "X" else "Y") + document.text[middle + 1 :]
    after = chunk_document(dataclasses.replace(document, text=changed_text), 700, 150)
    assert [(c.start, c.end) for c in before] == [(c.start, c.end) for c in after]  # same length, same cuts
    changed = [(b.id, a.id) for b, a in zip(before, after) if b.start <= middle < b.end]
    assert changed and all(old != new for old, new in changed)
    untouched = [(b.id, a.id) for b, a in zip(before, after) if not b.start <= middle < b.end]
    assert untouched and all(old == new for old, new in untouched)


def test_same_text_in_another_document_gets_other_ids():
    text = "Inspectors visited Wirral. They found progress. Conferences are timely."
    a = {c.id for c in chunk_document(_doc(text, "a"), 700, 150)}
    b = {c.id for c in chunk_document(_doc(text, "b"), 700, 150)}
    assert a and b and not a & b


@pytest.mark.parametrize("size", [700, 250])
def test_very_long_sentence_without_punctuation_is_split_within_size(size):
    words = [f"word{i % 97}" for i in range(600)]
    sentence = " ".join(words)
    while len(sentence) < 3000:
        sentence += " extra"
    sentence = sentence[:3000].rstrip()
    text = "A short opening sentence. " + sentence + "\n\nA closing sentence."
    document = _doc(text)
    chunks = _assert_invariants(document, size, 100)
    assert len(chunks) >= 3000 // size
    # Word boundaries are respected: no chunk starts or ends inside a word.
    for chunk in chunks:
        assert chunk.start == 0 or not text[chunk.start - 1].isalnum()
        assert chunk.end == len(text) or not text[chunk.end].isalnum()
    # All of the long sentence's words survive.
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_long_run_without_spaces_is_cut_by_characters():
    text = "x" * 3000
    chunks = _assert_invariants(_doc(text), 700, 100)
    assert sum(c.end - c.start for c in chunks) >= 3000
    assert max(c.end - c.start for c in chunks) <= 700


def test_long_sentence_with_clauses_prefers_clause_boundaries():
    clause = "the partnership works with schools and health visitors to share information early"
    text = "; ".join([clause] * 40) + "."
    chunks = _assert_invariants(_doc(text), 400, 0)
    assert all(c.text.endswith((";", ".")) for c in chunks)


def test_small_document_is_one_chunk():
    text = "Warrington was judged good. Services improved."
    (chunk,) = chunk_document(_doc(text), 700, 150)
    assert (chunk.start, chunk.end, chunk.text) == (0, len(text), text)


def test_pages_follow_chunk_starts():
    page_one = "First page sentence number one. " * 20
    page_two = "Second page sentence number two. " * 20
    text = page_one.strip() + "\n\n" + page_two.strip()
    document = _doc(text, page_starts=(0, len(page_one.strip()) + 2))
    chunks = _assert_invariants(document, 300, 50)
    assert {c.page for c in chunks} == {1, 2}
    assert chunks[0].page == 1 and chunks[-1].page == 2


def test_metadata_travels_with_chunks():
    document = dataclasses.replace(_doc("One sentence here. Another one there."), metadata={"authority": "Wirral"})
    assert all(c.metadata["authority"] == "Wirral" for c in chunk_document(document, 700, 150))


@pytest.mark.parametrize(("size", "overlap"), SIZES)
def test_skipped_spans_are_left_out_and_nothing_else(size, overlap):
    text = ("Skip to content\n\nInspectors found strong practice. Leaders know their services well.\n\n"
            "Share this page\n\nChildren in care are safe. Care leavers are supported.\n\n0 Comments")
    document = _doc(text)
    skip = [(m.start(), m.end()) for m in re.finditer(r"^(?:Skip to content|Share this page|0 Comments)$", text, re.M)]
    chunks = chunk_document(document, size, overlap, skip)
    kept = "".join(c.text for c in chunks)
    for start, end in skip:
        assert all(c.end <= start or end <= c.start for c in chunks)
        assert text[start:end] not in kept
    for sentence in ("Inspectors found strong practice.", "Children in care are safe.", "Care leavers are supported."):
        assert any(sentence in c.text for c in chunks)
    assert all(c.text == text[c.start : c.end] for c in chunks)
    assert chunk_document(document, size, overlap) != chunks  # without spans the furniture is chunked


@pytest.mark.parametrize("text", [
    'Staff said: "We feel supported." "Managers listen," one added. The report ends here.',
    "Leaders were rated 'good'. 'We are proud,' the director said. Work goes on.",
])
def test_curly_quotes_end_and_open_sentences_as_straight_ones_do(text):
    curly = re.sub(r'"(?=\w)', "\u201c", text).replace('"', "\u201d")
    curly = re.sub(r"(?<![\w])'", "\u2018", curly).replace("'", "\u2019")
    assert curly != text
    straight = [(s.start, s.end) for s in sentences(text)]
    assert len(straight) == 3
    assert [(s.start, s.end) for s in sentences(curly)] == straight


def test_a_sentence_opening_with_a_sum_of_money_is_a_sentence_of_its_own():
    # "... requires improvement. £200,000 was spent." stayed one sentence: only a capital or a digit opened one.
    text = "The council was judged requires improvement. \u00a3200,000 was spent on agency staff. $5 was not."
    assert [text[s.start:s.end] for s in sentences(text)] == [
        "The council was judged requires improvement.", "\u00a3200,000 was spent on agency staff.", "$5 was not."]
