"""The learned answerer: what a question's form asks for, the packaged ranker model, training labels,
answer composition, citable report wording, and the metadata never gating an answer."""
from __future__ import annotations

import json
from dataclasses import replace
import re

import numpy as np
import pytest

from assistant.answer.cite import DraftSentence, verify
from assistant.answer.extractive import RankedSentence, answer_span, compose
from assistant.answer.features import FEATURE_NAMES, Candidate
from assistant.answer.profile import profile
from assistant.answer.ranker import DEFAULT_MODEL, SentenceRanker
from assistant.answer.training import holds_quote, labelled_sets
from assistant.answer.wanted import asks_for_a_name, counts
from assistant.core.errors import ConfigurationError, InputError
from assistant.core.settings import AnswerSettings
from assistant.core.types import Chunk, Passage, StoredSentence
from assistant.text import content_terms
from tests.conftest import DEVSET, REPO


@pytest.mark.parametrize("question, wants", [
    ("How many children's homes were inspected?", ("number",)),
    ("When did inspectors visit Slough?", ("date",)),
    ("Who is the director of children's services?", ("person",)),
    ("What rating did Ofsted give the service?", ("grade",)),
    ("Did the council accept the recommendations?", ("polar",)),
    ("What did inspectors say about strategy meetings?", ()),
    ("How much better had practice become?", ()),  # a degree, told in words
    ("How much did the review cost?", ("number",)),
])
def test_the_form_of_a_question_says_what_kind_of_answer_it_wants(question, wants):
    assert profile(question, idf=lambda t: 1.0).wants == wants


def test_words_that_only_ask_and_the_authority_named_carry_no_weight():
    asked = profile("What did inspectors say about Wirral's strategy meetings?", idf=lambda t: 2.0)
    assert asked.authorities == ("Wirral",)
    assert "say" not in asked.weights and "wirral" not in asked.weights
    assert set(content_terms("inspectors strategy meetings")) <= set(asked.weights)


def test_the_packaged_ranker_loads_and_matches_the_features():
    ranker = SentenceRanker.load(DEFAULT_MODEL)
    assert ranker.features == FEATURE_NAMES
    assert 0.0 < ranker.threshold < 1.0
    assert re.fullmatch(r"[0-9a-f]{64}", ranker.training_data)
    data = json.loads(DEFAULT_MODEL.read_text())
    assert data["report"]["questions"] > 200  # trained on the devset tuning split and the shipped gold
    probabilities = ranker.probabilities(np.vstack([ranker.mean, ranker.mean + ranker.scale]))
    assert ((0 < probabilities) & (probabilities < 1)).all()


@pytest.mark.parametrize("content, named", [
    ("{not json", "cannot read the ranker model"),
    ("[1, 2]", "not a JSON object"),
    (json.dumps({"features": list(FEATURE_NAMES), "mean": [0.0]}), "cannot read the ranker model .*'scale'"),
    (json.dumps({"features": ["similarity"]}), "trained on other features"),
])
def test_a_damaged_ranker_file_is_named_with_the_command_that_writes_it(tmp_path, content, named):
    broken = tmp_path / "ranker.json"
    broken.write_text(content)
    with pytest.raises(ConfigurationError, match=named) as raised:
        SentenceRanker.load(broken)
    assert "assistant train" in str(raised.value)


@pytest.mark.skipif(not (DEVSET / "score.py").is_file(), reason="the devset is not beside the repository")
def test_training_never_sees_the_devsets_held_out_split(corpus_dir):
    devset, gold = labelled_sets(DEVSET, corpus_dir, REPO / "eval" / "gold.jsonl")
    assert [devset.excluded(q) for q in ("d005", "d010", "d011", "d239")] == [True, True, False, False]
    assert not gold.excluded("q040")  # the shipped gold has no held-out split of its own


@pytest.mark.parametrize("sentence, quote, holds", [
    ("Inspectors found that services were good overall.", "services were good overall", True),
    ("Services were good.", "Inspectors found that services were good overall and improving", False),
    ("Leaders know the service well and act quickly on weaknesses.",
     "and act quickly on weaknesses. They have built", True),  # a quote across a sentence end
    ("They have built a stable workforce of social workers.",
     "weaknesses. They have built a stable workforce", True),
    ("Leaders act quickly.", "and act quickly on weaknesses. They have built", False),
    ("The council has a new director.", "services were good overall", False),
])
def test_a_candidate_is_labelled_by_the_evidence_it_holds(sentence, quote, holds):
    assert holds_quote(sentence, quote) is holds


def _ranked(probabilities: list[float], vectors: list[list[float]],
            passages: list[tuple[int, int, int]] | None = None, texts: list[str] | None = None) -> list[RankedSentence]:
    """Sentences of report "d" with these probabilities and vectors; `passages` gives each one's passage as
    (rank, start, end), by default all in the first; `texts` their texts, by default five words of prose each."""
    out = []
    for i, (p, v) in enumerate(zip(probabilities, vectors)):
        vector = np.asarray(v, dtype=np.float32) / np.linalg.norm(v)
        rank, start, end = passages[i] if passages else (1, 0, 1000)
        text = texts[i] if texts else f"This is sentence number {i}."
        sentence = StoredSentence(f"d:{i}", "d", "c", start + 10 * i, start + 10 * i + 9, text)
        out.append(RankedSentence(Candidate(sentence, vector, rank, ("X",), (start, end)), p))
    return out


def test_composition_keeps_likely_new_sentences_and_drops_repeats():
    ranked = _ranked([0.9, 0.8, 0.7, 0.2], [[1, 0], [1, 0.01], [0, 1], [1, 1]])
    chosen = compose(ranked, threshold=0.3, settings=AnswerSettings(max_sentences=3, extra_ratio=0.5, redundancy=0.9))
    # The second is the first said again (cosine ~1); the fourth is below half the best.
    assert [r.candidate.sentence.id for r in chosen] == ["d:0", "d:2"]


def test_a_sentence_that_would_add_a_citation_needs_a_higher_share_of_the_best_probability():
    settings = AnswerSettings(max_sentences=4, extra_ratio=0.3, extra_citation_ratio=0.6, redundancy=0.99)
    vectors = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    # Passage 1 is cited by the best sentence; passage 2 touches it (cited with it as one); 3 and 4 are far away.
    passages = [(1, 0, 600), (4, 9000, 9600), (3, 5000, 5600), (2, 600, 1200)]
    ranked = _ranked([0.8, 0.5, 0.4, 0.3], vectors, passages)  # shares of the best: 0.625, 0.5, 0.375
    assert [r.candidate.sentence.id for r in compose(ranked, 0.1, settings)] == ["d:0", "d:1", "d:3"]
    everything = settings.model_copy(update={"extra_citation_ratio": 0.3})
    assert len(compose(ranked, 0.1, everything)) == 4


@pytest.mark.parametrize("passage, adds_citation", [
    ((1, 0, 600), False),  # the best sentence's own passage
    ((2, 602, 1200), False),  # two characters on: the passages touch
    ((2, 603, 1200), True),  # three on: apart
    ((2, 300, 900), False),  # overlapping
    ((2, 5000, 5600), True),
])
def test_which_further_sentence_adds_a_citation(passage, adds_citation):
    settings = AnswerSettings(max_sentences=2, extra_ratio=0.3, extra_citation_ratio=0.6, redundancy=0.99)
    ranked = _ranked([0.8, 0.4], [[1, 0], [0, 1]], [(1, 0, 600), passage])  # the second at half the best
    assert len(compose(ranked, 0.1, settings)) == (1 if adds_citation else 2)


def test_a_passage_of_another_report_never_touches():
    settings = AnswerSettings(max_sentences=2, extra_ratio=0.3, extra_citation_ratio=0.6, redundancy=0.99)
    best, other = _ranked([0.8, 0.4], [[1, 0], [0, 1]], [(1, 0, 600), (2, 600, 1200)])
    elsewhere = RankedSentence(replace(other.candidate, sentence=replace(other.candidate.sentence, doc_id="e")), 0.4)
    assert len(compose([best, other], 0.1, settings)) == 2
    assert len(compose([best, elsewhere], 0.1, settings)) == 1


@pytest.mark.parametrize("form", ["summary", "compare"])
def test_only_a_facts_answer_holds_further_citations_to_the_stricter_floor(form):
    settings = AnswerSettings(extra_citation_ratio=0.9, compare_ratio=0.1, redundancy=0.99)
    ranked = _ranked([0.8, 0.4, 0.3], [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
                     [(1, 0, 600), (2, 5000, 5600), (3, 9000, 9600)])  # each far from the others
    assert len(compose(ranked, 0.1, settings, "fact")) == 1
    assert len(compose(ranked, 0.1, settings, form)) == 3


def _side_sentence(i: int, authority: str, p: float, direction: int) -> RankedSentence:
    """Sentence i of a report about `authority`, in passage i, its vector the unit vector `direction`."""
    stored = StoredSentence(f"{authority}:{i}", authority, "c", i * 100, i * 100 + 50, f"This is sentence number {i}.")
    vector = np.eye(8, dtype=np.float32)[direction]
    return RankedSentence(Candidate(stored, vector, i + 1, (authority,), (i * 100, i * 100 + 50)), p)


def test_a_comparison_takes_each_named_sides_best_sentences_before_filling_up():
    # One side's sentences rank far above the other's: a comparison of four would otherwise be three of one side.
    # Every vector differs, so none repeats another.
    ranked = [_side_sentence(i, authority, p, i) for i, (authority, p) in enumerate(
        [("Kent", 0.9), ("Kent", 0.8), ("Kent", 0.7), ("Leeds", 0.12), ("Leeds", 0.095)])]
    settings = AnswerSettings(compare_sentences=4, compare_ratio=0.1, side_ratio=0.1, side_sentences=2)
    chosen = compose(ranked, 0.05, settings, "compare", named=["Kent", "Leeds"])
    assert sorted(r.candidate.sentence.id for r in chosen) == ["Kent:0", "Kent:1", "Leeds:3", "Leeds:4"]
    one_each = settings.model_copy(update={"side_sentences": 1})
    chosen = compose(ranked, 0.05, one_each, "compare", named=["Kent", "Leeds"])
    assert sorted(r.candidate.sentence.id for r in chosen) == ["Kent:0", "Kent:1", "Kent:2", "Leeds:3"]


def test_a_sides_sentence_repeating_its_own_report_is_left_out_but_not_one_like_the_other_sides():
    # Kent's second says what its first does; Leeds' says the same of Leeds: that is the comparison.
    ranked = [_side_sentence(0, "Kent", 0.9, 0), _side_sentence(1, "Kent", 0.8, 0), _side_sentence(2, "Leeds", 0.5, 0)]
    settings = AnswerSettings(compare_sentences=6, side_sentences=2, redundancy=0.7)
    chosen = compose(ranked, 0.05, settings, "compare", named=["Kent", "Leeds"])
    assert sorted(r.candidate.sentence.id for r in chosen) == ["Kent:0", "Leeds:2"]


_FURNITURE_AND_PROSE = [
    "Inspectors judged the council's services for children to be good overall.",
    "Monday 3 March 2025",  # a dateline: too short
    "The letter set out these points:",  # a lead-in: does not end as a sentence does, and short
    "Leaders have made strong progress since the last inspection.",
    "Managers have begun to use the new audit tool to check the quality of plans and",  # cut off, but long
]


@pytest.mark.parametrize("form", ["fact", "summary", "compare"])
def test_only_prose_joins_after_the_best_sentence(form):
    # In a comparison the one report is a side: its second sentence too is the best prose after its best.
    settings = AnswerSettings(max_sentences=5, summary_sentences=5, compare_sentences=5, side_sentences=2,
                              extra_citation_ratio=0.3, redundancy=0.99)
    ranked = _ranked([0.9, 0.85, 0.8, 0.7, 0.6], np.eye(5).tolist(), texts=_FURNITURE_AND_PROSE)
    chosen = compose(ranked, threshold=0.1, settings=settings, form=form)
    assert sorted(r.candidate.sentence.id for r in chosen) == ["d:0", "d:3", "d:4"]


def test_a_dateline_that_ranks_best_still_answers():
    ranked = _ranked([0.9, 0.5], np.eye(2).tolist(), texts=_FURNITURE_AND_PROSE[1:3])
    assert [r.text for r in compose(ranked, threshold=0.1, settings=AnswerSettings())] == ["Monday 3 March 2025"]


def test_composition_abstains_below_the_threshold():
    assert compose(_ranked([0.2, 0.1], [[1, 0], [0, 1]]), threshold=0.3, settings=AnswerSettings()) == []


def test_the_answer_span_marks_the_grade_or_date_asked_for():
    text = "In 2019 the service was judged requires improvement to be good."
    start, end = answer_span(("grade",), text)
    assert text[start:end] == "requires improvement to be good"
    start, end = answer_span(("date",), text)
    assert text[start:end] == "2019"
    assert answer_span((), text) is None


def test_report_sentences_that_say_that_something_is_so_are_citable():
    text = "Social workers say that they feel supported by their managers."
    chunk = Chunk(id="c1", doc_id="d1", source="corpus/x.txt", title="X", text=text, start=0, end=len(text), page=1)
    sentences, citations = verify([DraftSentence(text, (1,))], [Passage(chunk, 1.0, 1)], {"d1": text})
    assert [s.text for s in sentences] == [text] and citations[0].quote == text


def test_a_negative_k_is_refused_by_the_library_itself(ingested):
    with pytest.raises(InputError, match="k must be"):
        ingested.ask("What did inspectors find?", k=-5)


def test_an_authority_the_metadata_missed_is_answered_from_the_text(tmp_path, shared_embedder):
    from assistant.pipeline import Assistant
    from tests.conftest import build_settings

    corpus = tmp_path / "reports"
    corpus.mkdir()
    # Described as Warrington's report; Rutland appears only in its body.
    (corpus / "visit.txt").write_text(
        "Warrington focused visit letter\n\nOfsted inspectors visited Warrington children's services in March 2019.\n\n"
        "Inspectors noted that the neighbouring Rutland service had shared its model of strategy meetings, "
        "which Warrington adopted with good results for children.\n"
    )
    helper = Assistant(build_settings(tmp_path, corpus_dir=corpus), embedder=shared_embedder)
    helper.ingest()
    assert "Rutland" not in helper.stats()["authorities"]
    answer = helper.ask("Which model of strategy meetings came from Rutland?")
    assert not answer.abstained and "strategy meetings" in answer.answer
    missing = helper.ask("What did inspectors find in Cornwall?")
    assert missing.abstained and "mentions Cornwall" in missing.answer


@pytest.mark.parametrize("text, quantities", [
    ("The inspection took place on 20 and 21 February 2024.", []),
    ("Cabinet decision of 11th February 2010 on a 3 year programme", ["3"]),
    ("Only 65.5% were on time; 59 recommendations were made.", ["65.5%", "59"]),
    # A telephone number, a date in figures and the number of a labelled part count nothing.
    ("Care Inspectorate Wales 0300 7900 126", []),
    ("Meeting: 17/05/2023 - Assembly (Item 10)", []),
    ("Technical Notes 2023, Issue 64: a warning notice under Part 8 of the Act; 1,400 children", ["1,400"]),
    # Nor does a time of day, a range of years or a number in a name; an age range still counts.
    ("Education Editor Saturday 24 October 2009 00:00 BST", []),
    ("the arrival, especially in 2015-16 and 2020/21, of 400 children", ["400"]),
    ("the COVID-19 pandemic; 12 children aged 10-17", ["12", "10", "17"]),
])
def test_a_count_is_a_number_that_is_no_year_and_no_day_of_a_date(text, quantities):
    assert [text[s:e] for s, e in counts(text)] == quantities


@pytest.mark.parametrize("question, named", [
    ("Who was Dudley's Director of Children's Services in 2016?", True),
    ("What is the name of the lead inspector?", True),
    ("Who do early help plans appropriately include?", False),  # a group may answer
    ("Who are children allocated to after the MASH?", False),
    # Who holds a post, asked with its verb; the names of something.
    ("Who chairs the Improvement and Assurance Board?", True),
    ("Who took over as head of children's services after the director resigned?", True),
    ("What are the names of the two children's centres judged inadequate?", True),
    ("Who presented the report to the committee?", False),  # a role may answer
])
def test_only_a_question_for_one_persons_name_needs_a_name_in_the_answer(question, named):
    assert asks_for_a_name(question) is named


def test_each_candidate_carries_the_span_of_the_passage_it_is_credited_to(ingested):
    passages = list(ingested.ask("How long did children wait for CAMHS?").retrieved)
    candidates = ingested.extractive.candidates(passages)
    assert candidates
    for c in candidates:
        chunk = passages[c.passage - 1].chunk
        assert c.span == (chunk.start, chunk.end)
        assert chunk.start <= c.sentence.start and c.sentence.end <= chunk.end
