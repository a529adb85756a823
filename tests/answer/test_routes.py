"""Questions by form on the shipped corpus: a summary of one authority's weaknesses answers although its
words ("main weaknesses") need not occur in the text; an unnamed authority's group is labelled as such."""
from __future__ import annotations

import pytest

from assistant.answer.extractive import compose, report_label
from assistant.answer.profile import profile
from assistant.answer.route import asked_finding, asks_about_a_report, coordinated_parts, question_parts, route
from assistant.ingest.describe import report_authorities
from assistant.pipeline import Assistant
from assistant.text.findings import ACTIONS, IMPROVEMENTS, STRENGTHS
from assistant.text.patterns import UNKNOWN
from tests.conftest import DEVSET, build_settings
from tests.support.answer_contract import check_contract


def test_the_main_weaknesses_of_an_authority_are_answered_from_its_reports(ingested):
    answer = ingested.ask("What were the main weaknesses in Warrington?")
    assert not answer.abstained, answer.answer
    assert all("Warrington" in report_authorities(c.metadata) for c in answer.citations)
    check_contract(answer.to_dict(), ingested)
    summary = ingested.ask("Summarise the Warrington focused visit.")
    assert len(summary.sentences) > 3, "a summary takes more than a fact's three sentences"


@pytest.mark.parametrize("question, kind", [
    ("What were the main weaknesses in Warrington?", IMPROVEMENTS),
    ("Summarise the key areas for improvement at Wirral.", IMPROVEMENTS),
    ("What were the main strengths found in Leeds?", STRENGTHS),
    ("What were the key recommendations for Wirral?", ACTIONS),
    ("What are the next steps for Warrington?", ACTIONS),
    ("Summarise the main strengths and weaknesses of the visit.", None),  # both kinds: no filter
    ("Summarise the Wirral monitoring visit.", None),
])
def test_a_summary_question_may_ask_for_one_kind_of_finding(question, kind):
    assert asked_finding(question) == kind


@pytest.mark.parametrize("question, kind, opposite", [
    ("What were the main weaknesses in Warrington?", IMPROVEMENTS, STRENGTHS),
    ("What were the main strengths in Warrington?", STRENGTHS, IMPROVEMENTS),
    ("What were the main recommendations for Warrington?", ACTIONS, STRENGTHS),
    # Asking for nothing of the authority but its findings of a kind asks for them as "the main ..." does: a fact's
    # answer here was the one weakness the ranker liked best.
    ("What were the strengths in Wirral?", STRENGTHS, IMPROVEMENTS),
])
def test_a_summary_of_one_kind_of_finding_adds_only_sentences_of_that_kind(ingested, question, kind, opposite):
    answer = ingested.ask(question)
    assert not answer.abstained, answer.answer
    vectors = ingested.embedder.embed_documents([s.text for s in answer.sentences])
    kinds = [found for found, _ in ingested.extractive.finding_kinds.kinds(vectors)]
    # The best sentence is kept whatever its kind; every other one is of the kind asked for.
    assert sum(k != kind for k in kinds) <= 1 and kinds.count(opposite) <= 1, list(zip(kinds, answer.sentences))
    assert len(answer.sentences) > 1
    check_contract(answer.to_dict(), ingested)


@pytest.mark.parametrize("question, form", [
    ("What were the strengths in Wirral?", "summary"),
    ("What are Warrington's weaknesses?", "summary"),
    ("What were the strengths and weaknesses in Wirral?", "summary"),
    ("What concerns did inspectors raise about strategy meetings in Wirral?", "fact"),  # a topic asked of them
    ("What strengths did Ofsted find in 2016?", "fact"),  # no authority: not one report's findings
])
def test_a_question_asking_only_for_an_authoritys_findings_is_a_summary(question, form):
    assert route(profile(question, lambda term: 1.0)) == form


def test_a_question_that_shares_no_word_with_the_reports_still_abstains(ingested):
    assert ingested.ask("What is the capital of France?").abstained


def test_an_unnamed_authoritys_group_is_labelled_unnamed_not_unknown(ingested):
    unnamed = [meta for meta in ingested.documents().values() if meta.get("authority") == UNKNOWN]
    assert unnamed, "the shipped MASH report names no authority"
    labels = [report_label(meta) for meta in unnamed]
    assert all(label.startswith("Unnamed authority (focused visit") for label in labels), labels


def test_an_abstention_under_a_filter_says_the_filter_left_out_the_authority_asked_about(ingested):
    answer = ingested.ask("What judgement did Warrington receive in 2009?", filters={"authority": "Wirral"})
    assert answer.abstained
    assert "the filters leave out every report about Warrington" in answer.answer
    unfiltered = ingested.ask("What judgement did Warrington receive in 2009?")
    assert not unfiltered.abstained and not any("leave out" in note for note in unfiltered.notes)


@pytest.mark.parametrize("question, parts", [
    ("When was the final monitoring visit, and what rating did the inspection give?",
     ["When was the final monitoring visit?", "what rating did the inspection give?"]),
    ("Which area had no statement of action and which one had its statement lifted?",
     ["Which area had no statement of action?", "which one had its statement lifted?"]),
    ("How were the youth justice service and the children's homes rated?",
     ["How were the youth justice service and the children's homes rated?"]),
])
def test_a_question_asking_two_things_is_split_at_the_second_question_word(question, parts):
    assert question_parts(question) == parts


def test_a_question_asking_two_things_answers_each_with_the_best_sentence_for_it(ingested):
    question = "When did Ofsted visit Wirral, and what judgement did Warrington receive in 2009?"
    passages = ingested.ask(question).retrieved
    generator = ingested.extractive
    said = [d.text for d in generator.generate(question, passages)]
    bests = [generator.rank(part, passages).sentences[0] for part in question_parts(question)]
    answering = [b for b in bests if b.probability >= generator.threshold]
    assert len(answering) == 2, "both parts are answerable from the shipped reports"
    assert all(b.text in said for b in answering)
    assert len({b.candidate.sentence.doc_id for b in answering}) == 2, "Wirral's report and Warrington's"


@pytest.mark.parametrize("question, parts", [
    ("How were Wakefield's youth justice service and its council-run children's homes rated?",
     ["How were Wakefield's youth justice service?", "How were its council-run children's homes rated?"]),
    ("When were the SEND revisit and the focused visit?", ["When were the SEND revisit?", "When were the focused visit?"]),
    ("When was Barking and Dagenham last inspected?", []),  # the "and" of a name joins nothing
    ("What did the council say?", []),
])
def test_two_things_joined_by_and_make_two_questions_with_the_same_question_word(question, parts):
    assert coordinated_parts(profile(question, idf=lambda term: 1.0)) == parts


def test_two_things_of_one_question_found_in_two_reports_are_answered_from_both(ingested):
    question = "What did the focused visit say about management oversight and the monitoring visit about caseloads?"
    passages = ingested.ask(question).retrieved
    generator = ingested.extractive
    ranking = generator.rank(question, passages)
    bests = [generator.rank(part, passages).sentences[0] for part in coordinated_parts(ranking.question)]
    assert len({b.candidate.sentence.doc_id for b in bests}) == 2
    as_one = [r.text for r in compose(ranking.sentences, generator.threshold, generator.settings)]
    assert not all(b.text in as_one for b in bests), "asked as one question, one of the things goes unanswered"
    said = [d.text for d in generator.generate(question, passages)]
    assert all(b.text in said for b in bests), "each thing's best sentence answers it"


@pytest.mark.parametrize("question, whole", [
    ("What did the inspectors find in Anglesey?", True),
    ("What did Ofsted say about Stockton-on-Tees?", True),
    ("What happened in Doncaster?", True),
    ("What did Ofsted find about strategy meetings in Wirral?", False),  # a topic is asked
    ("When did Ofsted inspect Wirral?", False),  # a date is asked
    ("What did Ofsted find?", False),  # no authority
    ("What did Ofsted find in Wirral and Warrington?", False),  # two: a comparison
    ("Wirral overview", True),  # words for the report as a whole: was a fact sharing no word with the passages
    ("Summary of the Wirral council inspection", True),
])
def test_an_open_question_about_one_authority_asks_about_its_report_as_a_whole(question, whole):
    assert asks_about_a_report(profile(question, idf=lambda term: 1.0)) is whole


def test_an_open_question_about_an_authority_on_unseen_texts_is_answered_by_a_summary_of_its_report(
        tmp_path, shared_embedder):
    # Real texts the ranker never ranked these questions on: each sentence alone is unlikely to answer "what
    # did they find", so the question once abstained; the report as a whole answers it.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("01_barking-dagenham-ilacs-readiness-2023.txt", "09_anglesey-ciw-reinspection-2018.txt",
                 "15_stockton-yos-hmip-2010.txt", "16_york-yjs-outstanding-2022.txt"):
        (corpus / name).write_text((DEVSET / "corpus" / name).read_text(encoding="utf-8"), encoding="utf-8")
    helper = Assistant(build_settings(tmp_path, corpus_dir=corpus), embedder=shared_embedder)
    assert helper.ingest([corpus]).ok
    for question, authority in (("What did the inspectors find in Anglesey?", "Isle of Anglesey"),
                                ("What did Ofsted find in Stockton?", "Stockton-on-Tees"),
                                ("What did Ofsted say about Barking?", "Barking and Dagenham")):  # a short form
        answer = helper.ask(question)
        assert not answer.abstained, question
        assert len(answer.sentences) > 3, "a summary, not one sentence"
        assert {authority} == {str(c.metadata.get("authority")) for c in answer.citations}
        starts = [c.start for c in answer.citations]
        assert starts == sorted(starts), "in the report's order"


def test_a_question_naming_an_authority_is_answered_from_its_reports_when_any_were_found(ingested):
    from assistant.retrieval.hybrid import retrieve, scope

    question = "What did inspectors find about strategy meetings?"
    documents = ingested.documents()
    passages = retrieve(question, scope(documents, question, {}), documents, ingested.store, ingested.keyword,
                        ingested.query_embedder, 8, ingested.settings.candidates, "hybrid", ingested.settings.retrieval)
    ranked = ingested.extractive.rank(question, passages).sentences
    top = set(ranked[0].candidate.authorities)
    other = next(a for r in ranked for a in r.candidate.authorities if a not in top and a != UNKNOWN)
    unnamed = compose(ranked, 0.0, ingested.settings.answer)
    assert set(unnamed[0].candidate.authorities) == top
    # Every likely sentence may join, whether or not it adds a citation: what is tested is which are eligible.
    eligible = ingested.settings.answer.model_copy(update={"extra_citation_ratio": ingested.settings.answer.extra_ratio})
    named = compose(ranked, 0.0, eligible, named=[other])
    # The shipped MASH report names no authority: it may be about anyone, so it stays beside the named one's.
    assert named and all(other in r.candidate.authorities or other in r.text or UNKNOWN in r.candidate.authorities
                         for r in named), (other, named)
    assert any(other in r.candidate.authorities for r in named)
    # Nothing retrieved is about an authority the reports never mention: the ranking stands as it is.
    known = [r for r in ranked if UNKNOWN not in r.candidate.authorities]
    assert compose(known, 0.0, ingested.settings.answer, named=["Rutland"])[0] is known[0]


@pytest.fixture(scope="module")
def devset_helper(tmp_path_factory, shared_embedder) -> Assistant:
    """An assistant over the devset's real texts (questions asked of it here are written for these tests)."""
    corpus = DEVSET / "corpus"
    helper = Assistant(build_settings(tmp_path_factory.mktemp("devset"), corpus_dir=corpus), embedder=shared_embedder)
    assert helper.ingest([corpus]).ok
    return helper


@pytest.mark.parametrize("question, expected", [
    # Real texts: the ranker's best sentence on "Who was chief executive of X at the time of ...?" is about the
    # time; the sentence naming the chief executive ranks lower. Without it the answer named nobody and abstained.
    ("Who was chief executive of Birmingham Children's Trust at the time of Ofsted's May 2018 monitoring visit?",
     "Andy Couldrick"),
    ("Who was the Isle of Wight's director of children's services when Ofsted rated the service good?",
     "Steve Crocker"),
    # "Which <role> ...?" asks for the person too; the sentence naming them ranked below the threshold.
    ("Which Ofsted director gave a comment on the multi-remit inspection in Somerset?", "Bradley Simmons"),
    # The best sentence on "On what date was the report published?" is about the report and gives a month or a
    # year at most; the sentence giving the day ranks lower in the same report.
    ("On what date did Care Inspectorate Wales publish its report on the October 2018 inspection of Powys?",
     "9 January"),
    ("On which date was the Barking and Dagenham readiness report taken to the Assembly?", "17/05/2023"),
])
def test_a_person_or_a_day_asked_for_comes_from_the_best_reports_sentence_giving_it(devset_helper, question, expected):
    answer = devset_helper.ask(question)
    assert not answer.abstained, question
    # The sentence giving it cites the passage that says it.
    cited = {c.n: c.text for c in answer.citations}
    giving = [sentence for sentence in answer.sentences if expected in sentence.text]
    assert giving and all(expected in cited[n] for sentence in giving for n in sentence.citations)


def test_a_year_asked_for_is_not_given_by_a_day_and_month_without_one(devset_helper):
    # The text never says in which year the 14 to 25 February inspection was.
    answer = devset_helper.ask(
        "In which year did Ofsted carry out the 14 to 25 February inspection of Doncaster Children's Services Trust?")
    assert answer.abstained, answer.answer


@pytest.mark.parametrize("question", ["Summarise the Warrington focused visit", "Wirral overview"])
def test_a_summary_of_a_report_quotes_its_prose_not_its_headings(ingested, question):
    # The best sentence joined unchecked and the summary ended on a heading ("Monitoring visit of Wirral [3]").
    from assistant.answer.extractive import _prose

    answer = ingested.ask(question)
    assert not answer.abstained and len(answer.sentences) > 3, answer.answer
    settings = ingested.settings.answer
    assert all(_prose(s.text, settings) for s in answer.sentences), [s.text for s in answer.sentences]
    check_contract(answer.to_dict(), ingested)


def test_an_answer_to_a_question_naming_no_authority_says_whose_report_it_quotes(ingested):
    # "How long did children wait for CAMHS?" was answered with a Wirral sentence that does not say Wirral.
    answer = ingested.ask("How long did children wait for CAMHS?")
    assert not answer.abstained
    assert answer.sentences[0].label and answer.sentences[0].label.startswith("Wirral (")
    assert answer.answer.startswith("Wirral (")
    named = ingested.ask("How long did children in Wirral wait for CAMHS?")
    assert not named.abstained and named.sentences[0].label is None  # the question says whose it is
    check_contract(answer.to_dict(), ingested)


def test_a_comparison_within_named_authorities_quotes_only_their_reports(devset_helper):
    # Its further sentences were the best-ranked of any report: a Doncaster sentence joined a Kent comparison.
    answer = devset_helper.ask("Compare Kent's 2017 and 2022 Ofsted judgements.")
    assert not answer.abstained, answer.answer
    assert {c.metadata.get("authority") for c in answer.citations} == {"Kent"}, answer.answer
    assert len({c.doc_id for c in answer.citations}) == 2, "both of Kent's reports"
