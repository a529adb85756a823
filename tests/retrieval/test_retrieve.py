"""Hybrid retrieval over the real index: metadata filters that fail closed, the authority boost, k and modes."""
from __future__ import annotations

import pytest

from assistant.core.errors import InputError
from assistant.pipeline import Assistant
from assistant.retrieval.hybrid import FILTER_KEYS, MODES, parse_filters, retrieve, scope
from tests.support.answer_contract import (
    MASH,
    WARRINGTON_FOCUSED,
    WARRINGTON_PILOT,
    WINDSOR,
    WIRRAL,
    check_contract,
    cited_files,
    file_of,
    retrieved_files,
)

QUESTION = "What did inspectors find?"
ALL = {WINDSOR, WARRINGTON_PILOT, WIRRAL, MASH, WARRINGTON_FOCUSED}


@pytest.fixture(scope="module")
def documents(ingested):
    return ingested.documents()


def files_in(area, documents) -> set[str]:
    return {file_of(documents[doc_id]["source"]) for doc_id in area.doc_ids}


# ------------------------------------------------------------------------------------------ parse_filters


def test_filter_keys_cover_the_documented_filters():
    assert {"authority", "inspection_type", "inspectorate", "judgement", "date_from", "date_to"} <= set(FILTER_KEYS)


def test_parse_filters_reads_key_value_pairs():
    assert parse_filters(None) == {}
    assert parse_filters([" authority = Wirral ", "date_from=2018", "inspectorate=HMI Probation"]) == {
        "authority": "Wirral", "date_from": "2018", "inspectorate": "HMI Probation",
    }
    assert parse_filters(["source=a=b.txt"]) == {"source": "a=b.txt"}  # only the first '=' splits


@pytest.mark.parametrize("pairs, fragment", [
    (["colour=red"], "unknown filter key 'colour'"),
    (["authority"], "not key=value"),
    (["authority="], "not key=value"),
    (["authority=Wirral", "Authority=Wirral"], "unknown filter key 'Authority'"),
])
def test_parse_filters_rejects_bad_pairs(pairs, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_filters(pairs)


def test_unknown_key_message_lists_the_known_keys():
    with pytest.raises(InputError) as caught:
        parse_filters(["region=north"])
    assert all(key in str(caught.value) for key in FILTER_KEYS)


# ------------------------------------------------------------------------------------------ scope (metadata filters)


@pytest.mark.parametrize("filters, expected", [
    ({}, ALL),
    ({"authority": "Wirral"}, {WIRRAL}),
    ({"authority": "wirral"}, {WIRRAL}),  # case-insensitive
    ({"authority": "Warrington"}, {WARRINGTON_PILOT, WARRINGTON_FOCUSED}),
    ({"authority": "Windsor and Maidenhead"}, {WINDSOR}),
    ({"inspectorate": "HMI Probation"}, {WARRINGTON_PILOT}),
    ({"inspectorate": "Ofsted"}, ALL),
    ({"judgement": "good"}, {WARRINGTON_PILOT}),
    ({"judgement": "inadequate"}, {WARRINGTON_PILOT, WIRRAL}),  # Warrington's 2009 judgement counts
    ({"judgement": "effective"}, {WINDSOR}),
    ({"inspection_type": "focused visit"}, {MASH, WARRINGTON_FOCUSED}),
    ({"date_from": "2020"}, {WINDSOR}),
    ({"date_to": "2019"}, {MASH}),
    ({"date_from": "2018-07-01", "date_to": "2018-07-31"}, {MASH}),
    ({"date_from": "2018-07"}, {WINDSOR, MASH}),  # undated reports are never inside a date range
    ({"source": WIRRAL}, {WIRRAL}),
    ({"authority": "Warrington", "judgement": "good"}, {WARRINGTON_PILOT}),
])
def test_filters_select_reports_by_metadata(documents, filters, expected):
    area = scope(documents, QUESTION, filters)
    assert files_in(area, documents) == expected
    assert area.searched == len(expected)
    assert area.notes == ()


@pytest.mark.parametrize("filters, failing", [
    ({"authority": "Rutland"}, "authority=Rutland"),
    ({"judgement": "outstanding"}, "judgement=outstanding"),
    ({"date_from": "2030"}, "date_from=2030"),
    ({"authority": "Wirral", "judgement": "good"}, "judgement=good"),  # each matches something, together nothing
])
def test_filters_that_match_nothing_fail_closed(documents, filters, failing):
    area = scope(documents, QUESTION, filters)
    assert area.doc_ids == frozenset() and area.searched == 0
    assert f"no report matches the filter {failing}" in area.notes


@pytest.mark.parametrize("value", ["July 2018", "18", "2018-7-1", "yesterday"])
def test_malformed_dates_are_input_errors(documents, value):
    with pytest.raises(InputError, match="YYYY"):
        scope(documents, QUESTION, {"date_from": value})


def test_scope_knows_which_named_authorities_are_indexed(documents):
    area = scope(documents, "Compare Warrington with Manchester", {})
    assert area.named_authorities == ("Warrington",)
    assert area.unknown_authorities == ("Manchester",)


# ------------------------------------------------------------------------------------------ ask with filters


def test_authority_filter_restricts_retrieval_to_that_report(ingested):
    answer = ingested.ask("What did inspectors say about strategy meetings?", filters={"authority": "Wirral"}, k=5)
    check_contract(answer.to_dict(), ingested)
    assert retrieved_files(answer) and set(retrieved_files(answer)) == {WIRRAL}
    assert len(answer.retrieved) <= 5
    assert not answer.abstained and cited_files(answer) == {WIRRAL}
    assert f"searched 1 of {len(ingested.documents())} reports" in answer.notes


def test_filter_matching_nothing_abstains_with_nothing_retrieved(ingested):
    answer = ingested.ask("What did inspectors say about the MASH?", filters={"authority": "Rutland"})
    check_contract(answer.to_dict(), ingested)
    assert answer.abstained and answer.retrieved == () and answer.citations == ()
    assert "no report matches the filter authority=Rutland" in answer.notes
    assert "no report matches" in answer.answer  # the user is told why, not given unfiltered results


def test_a_question_across_reports_with_a_filter_matching_nothing_fails_closed(ingested):
    answer = ingested.ask("Which authorities were judged good?", filters={"authority": "Rutland"})
    assert answer.abstained and answer.retrieved == ()


@pytest.mark.parametrize("filters, expected", [
    ({"date_from": "2020-01-01"}, {WINDSOR}),
    ({"date_to": "2019-12-31"}, {MASH}),
    ({"inspectorate": "HMI Probation"}, {WARRINGTON_PILOT}),
    ({"judgement": "good"}, {WARRINGTON_PILOT}),
])
def test_metadata_filters_restrict_what_is_retrieved_and_cited(ingested, filters, expected):
    answer = ingested.ask(QUESTION, filters=filters, k=4)
    check_contract(answer.to_dict(), ingested)
    assert answer.retrieved and set(retrieved_files(answer)) == expected
    assert cited_files(answer) <= expected


def test_unknown_filter_key_through_ask(ingested):
    with pytest.raises(InputError, match="inspector"):
        ingested.ask(QUESTION, filters={"inspector": "Ofsted"})


@pytest.mark.parametrize("mode", MODES)
def test_every_retrieval_mode_respects_the_filter(ingested, documents, mode):
    area = scope(documents, QUESTION, {"authority": "Wirral"})
    passages = retrieve(QUESTION, area, documents, ingested.store, ingested.keyword, ingested.embedder, 8, 40, mode)
    assert passages and {file_of(p.chunk.source) for p in passages} == {WIRRAL}
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))


@pytest.mark.parametrize("mode", MODES)
def test_every_retrieval_mode_returns_nothing_for_an_empty_scope(ingested, documents, mode):
    area = scope(documents, QUESTION, {"authority": "Rutland"})
    assert retrieve(QUESTION, area, documents, ingested.store, ingested.keyword, ingested.embedder, 8, 40, mode) == []


# ------------------------------------------------------------------------------------------ authority boost


def test_naming_an_authority_puts_its_passages_first(ingested, documents):
    unnamed = "What did inspectors say about referrals?"
    named = "What did inspectors say about referrals in Warrington?"

    def top(question: str) -> list[str]:
        area = scope(documents, question, {})
        passages = retrieve(question, area, documents, ingested.store, ingested.keyword, ingested.embedder, 8, 40)
        return [str(p.chunk.metadata.get("authority")) for p in passages]

    plain, boosted = top(unnamed), top(named)
    assert boosted[:3] == ["Warrington"] * 3
    assert boosted[:5].count("Warrington") > plain[:5].count("Warrington")

    answer = ingested.ask(named)
    check_contract(answer.to_dict(), ingested)
    assert answer.retrieved[0].chunk.metadata["authority"] == "Warrington"
    assert not answer.abstained
    assert {c.metadata["authority"] for c in answer.citations} == {"Warrington"}


def test_k_limits_the_passages_retrieved(ingested):
    answer = ingested.ask("What did inspectors say about the MASH?", k=2)
    assert len(answer.retrieved) == 2
    check_contract(answer.to_dict(), ingested)


def test_a_lower_case_authority_name_is_recognised(documents):
    assert scope(documents, "what did inspectors find in wirral?", {}).named_authorities == ("Wirral",)


# ------------------------------------------------------------------------------------------ keyword index


def test_the_streamed_keyword_index_scores_as_bm25s_does_from_token_lists(ingested):
    """KeywordIndex.build keeps each chunk as term numbers (memory at 100k chunks); scores must not change."""
    import bm25s
    import numpy as np

    from assistant.index.keyword import KeywordIndex, indexed_text
    from assistant.text import content_terms

    chunks = ingested.store.all_chunks()
    ours = KeywordIndex.build(iter(chunks), "state")
    theirs = bm25s.BM25()
    theirs.index([content_terms(indexed_text(c)) or ["_"] for c in chunks], show_progress=False)
    assert ours.ids == [c.id for c in chunks]
    for query in ("Warrington judgement 2009", "multi-agency safeguarding hub", "care leavers' accommodation", "zebrafish"):
        terms = [t for t in content_terms(query) if t in theirs.vocab_dict]
        expected = theirs.get_scores(terms) if terms else np.zeros(len(chunks))
        np.testing.assert_allclose(ours.scores(query), expected, rtol=1e-6)
    assert ours.search("Warrington judgement 2009", 3)[0][1] > 0


def test_the_passages_are_listed_by_the_ranker_with_the_one_the_answer_rests_on_first(ingested):
    # Fused retrieval ranks this answer's passage fifth; the sentence ranker's probability lists it first.
    question = "What did inspectors say about children being stepped down from child protection plans in Warrington?"
    answer = ingested.ask(question)
    assert not answer.abstained, answer.answer
    check_contract(answer.to_dict(), ingested)  # ranks 1..n, scores best first
    cited = answer.citations[0].chunk_id.split("+")  # touching passages are cited as one
    assert answer.retrieved[0].chunk.id in cited
    fused_settings = ingested.settings.retrieval.model_copy(update={"rerank": False})
    fused = Assistant(ingested.settings.model_copy(update={"retrieval": fused_settings}), embedder=ingested.embedder)
    plain = fused.ask(question)
    assert min([p.chunk.id for p in plain.retrieved].index(part) for part in cited) > 0
    # The same passages either way, and the same answer: the rerank orders what retrieval found, nothing more.
    assert {p.chunk.id for p in plain.retrieved} == {p.chunk.id for p in answer.retrieved}
    assert plain.answer == answer.answer
