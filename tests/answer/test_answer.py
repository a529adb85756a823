"""Cited answers over the real corpus, the real model and a real Chroma index: the Answer JSON contract,
abstention, questions across reports, determinism, the LLM answerer behind fake chat models, the CLI and batch.

The lead is still tuning answer.py thresholds: these tests assert properties and behaviours, and only robust
facts of the reports (a percentage, a judgement word, which report is cited), never exact answer wording.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answer.extractive import ExtractiveGenerator
from assistant.answer.llm import SYSTEM_PROMPT
from assistant.answer.cite import SUPPORT_THRESHOLD, support
from assistant.core.errors import InputError
from assistant.core.inputs import MAX_QUESTION_CHARS
from assistant.pipeline import Assistant
from assistant.text import sentences, squash
from tests.support.answer_contract import (
    MASH,
    WARRINGTON_PILOT,
    WINDSOR,
    WIRRAL,
    check_contract,
    cited_files,
    retrieved_files,
)
from tests.conftest import cli_command, cli_env

WARRINGTON_2009 = "What judgement did Warrington receive in 2009?"
MASH_Q = "What did inspectors say about the MASH?"
WIRRAL_CONFERENCES = "What proportion of initial child protection conferences in Wirral were held on time?"
CAMHS = "How long did children wait for CAMHS?"
WINDSOR_JUDGEMENT = "What was the overall judgement for Windsor and Maidenhead?"
JUDGED_INADEQUATE = "Which authorities were judged inadequate?"
MANCHESTER = "What did Manchester's inspection find?"
WINDSOR_2015 = "What did the 2015 inspection of Windsor and Maidenhead find?"
WARRINGTON_HISTORY = [
    {"role": "user", "content": "What judgement did Warrington receive?"},
    {"role": "assistant", "content": "Overall, they found services to be good [1]."},
]

# name -> (question, ask() keyword arguments, expected to abstain)
CASES: dict[str, tuple[str, dict, bool]] = {
    "warrington-2009": (WARRINGTON_2009, {"id": "q-warrington"}, False),
    "mash": (MASH_Q, {}, False),
    "wirral-conferences": (WIRRAL_CONFERENCES, {"id": "q-wirral"}, False),
    "camhs": (CAMHS, {"k": 5}, False),
    "windsor-judgement": (WINDSOR_JUDGEMENT, {}, False),
    "across-inadequate": (JUDGED_INADEQUATE, {}, False),
    "follow-up": ("What about Wirral?", {"history": WARRINGTON_HISTORY}, False),
    "filtered": ("What did inspectors say about strategy meetings?", {"filters": {"authority": "Wirral"}}, False),
    "manchester": (MANCHESTER, {}, True),
    "year-2015": (WINDSOR_2015, {}, True),
    "filter-matches-nothing": (MASH_Q, {"filters": {"authority": "Rutland"}}, True),
}


@pytest.fixture(scope="module")
def answers(ingested):
    """Each case asked once per module (an ask costs seconds on the real model)."""
    return {name: ingested.ask(question, **kwargs) for name, (question, kwargs, _) in CASES.items()}


# ------------------------------------------------------------------------------------------ the contract


@pytest.mark.parametrize("name", list(CASES))
def test_answer_json_matches_the_contract(ingested, answers, name):
    question, kwargs, abstains = CASES[name]
    answer = answers[name]
    data = answer.to_dict()
    check_contract(data, ingested)
    assert data["question"] == question
    assert data["id"] == kwargs.get("id")
    assert data["abstained"] is abstains, data["answer"]
    assert "notes" not in data, "notes are for humans, not part of the JSON contract"


def test_citation_offsets_are_slices_of_the_stored_document(ingested, answers):
    """The central promise, spelled out once without the shared checker."""
    checked = 0
    for answer in answers.values():
        for citation in answer.citations:
            document = ingested.document(citation.doc_id)
            assert document.text[citation.start : citation.end] == citation.text
            assert citation.quote and citation.quote in citation.text
            checked += 1
    assert checked >= 8


def test_abstention_shape(answers):
    data = answers["manchester"].to_dict()
    assert data["abstained"] is True
    assert data["citations"] == [] and data["sentences"] == []
    assert "do not answer" in data["answer"].lower()
    assert not re.search(r"\[\d+\]", data["answer"])


# ------------------------------------------------------------------------------------------ content


def test_wirral_conference_timeliness_cites_wirral_and_the_figure(answers):
    answer = answers["wirral-conferences"]
    assert "65.5%" in answer.answer
    assert cited_files(answer) == {WIRRAL}


def test_warrington_2009_judgement_is_inadequate(answers):
    answer = answers["warrington-2009"]
    assert "inadequate" in answer.answer.lower()
    assert WARRINGTON_PILOT in cited_files(answer)


def test_mash_question_cites_the_mash_minutes(answers):
    answer = answers["mash"]
    assert MASH in cited_files(answer)
    assert "MASH" in answer.answer or "safeguarding hub" in answer.answer.lower()


def test_camhs_wait_cites_wirral_and_respects_k(answers):
    answer = answers["camhs"]
    assert WIRRAL in cited_files(answer)
    assert 1 <= len(answer.retrieved) <= 5


def test_windsor_judgement_is_effective(answers):
    answer = answers["windsor-judgement"]
    assert "effective" in answer.answer.lower()
    assert cited_files(answer) == {WINDSOR}


# ------------------------------------------------------------------------------------------ abstention


@pytest.mark.parametrize("name, reason", [
    ("manchester", "Manchester"),  # an authority with no report in the index
    ("year-2015", "2015"),  # a year no retrieved passage mentions
])
def test_out_of_corpus_questions_abstain(answers, name, reason):
    answer = answers[name]
    assert answer.abstained, answer.answer
    assert not answer.citations and not answer.sentences
    assert reason.lower() in answer.answer.lower(), "the abstention says what the reports lack"


@pytest.mark.parametrize("name", ["warrington-2009", "mash", "wirral-conferences", "camhs", "windsor-judgement"])
def test_in_corpus_questions_are_answered(answers, name):
    answer = answers[name]
    assert not answer.abstained, answer.answer
    assert answer.citations and answer.sentences


# ------------------------------------------------------------------------------------------ across reports


def test_a_question_across_reports_cites_each_authority_it_names(ingested, answers):
    answer = answers["across-inadequate"]
    check_contract(answer.to_dict(), ingested)
    authorities = {c.metadata["authority"] for c in answer.citations}
    assert {"Warrington", "Wirral"} <= authorities, answer.answer
    assert all("inadequate" in s.text.lower() for s in answer.sentences[:2])
    total = len(ingested.documents())
    assert f"searched {total} of {total} reports" in answer.notes


# ------------------------------------------------------------------------------------------ determinism, input


def test_the_same_question_twice_gives_the_same_answer(ingested, shared_embedder):
    def stable(answer):
        data = answer.to_dict()
        data.pop("timings_ms")
        return data

    first = stable(ingested.ask(CAMHS))
    assert stable(ingested.ask(CAMHS)) == first
    # A fresh Assistant over the same index (another process, another app) agrees too.
    assert stable(Assistant(ingested.settings, embedder=shared_embedder).ask(CAMHS)) == first


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * (MAX_QUESTION_CHARS + 1)])
def test_unusable_questions_are_input_errors(ingested, question):
    with pytest.raises(InputError):
        ingested.ask(question)


def test_unknown_filter_key_is_an_input_error(ingested):
    with pytest.raises(InputError, match="colour"):
        ingested.ask(MASH_Q, filters={"colour": "red"})


def test_question_whitespace_is_normalised(ingested):
    answer = ingested.ask("  What did Manchester's   inspection\nfind?  ")
    assert answer.question == MANCHESTER and answer.standalone_question == MANCHESTER


# ------------------------------------------------------------------------------------------ LLM answerer (fakes)


class RecordingChatModel(FakeListChatModel):
    """LangChain's fake list chat model, keeping the messages of every call."""

    calls: list = []

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        self.calls.append([(m.type, m.content) for m in messages])
        return super()._call(messages, stop=stop, run_manager=run_manager, **kwargs)


class BrokenChatModel:
    """A chat model whose server is down."""

    def invoke(self, messages):
        raise ConnectionError("connection refused")


def with_model(ingested, shared_embedder, chat_model) -> Assistant:
    """An Assistant on the same index as `ingested`, answering through `chat_model`."""
    return Assistant(ingested.settings, embedder=shared_embedder, chat_model=chat_model)


def passage_sentences(passage_text: str) -> list[str]:
    return [squash(passage_text[s.start : s.end]) for s in sentences(passage_text)]


@pytest.fixture(scope="module")
def reference(ingested, shared_embedder):
    """The extractive answer to the Wirral question with its passages in retrieval's order, the order the chat model
    sees them numbered in (the Answer lists them by the ranker afterwards); retrieval does not depend on the
    generator, so the fakes see the same numbered passages."""
    fused = ingested.settings.retrieval.model_copy(update={"rerank": False})
    helper = Assistant(ingested.settings.model_copy(update={"retrieval": fused}), embedder=shared_embedder)
    answer = helper.ask(WIRRAL_CONFERENCES)
    assert not answer.abstained and len(answer.retrieved) >= 2
    return answer


def figure_sentence(reference) -> tuple[int, str]:
    """(passage number, sentence) of the retrieved sentence stating the 65.5% figure."""
    for number, passage in enumerate(reference.retrieved, start=1):
        for sentence in passage_sentences(passage.chunk.text):
            if "65.5%" in sentence:
                return number, sentence
    raise AssertionError("no retrieved passage states 65.5%")


def other_sentence(reference, avoid: int) -> tuple[int, str]:
    for number, passage in enumerate(reference.retrieved, start=1):
        if number != avoid:
            for sentence in passage_sentences(passage.chunk.text):
                if len(sentence.split()) >= 8 and sentence.endswith("."):
                    return number, sentence
    raise AssertionError("no second passage with a full sentence")


def test_llm_answer_with_valid_citations_is_kept(ingested, shared_embedder, reference):
    i, first = figure_sentence(reference)
    j, second = other_sentence(reference, avoid=i)
    model = RecordingChatModel(responses=[f"{first} [{i}] {second} [{j}]"])
    answer = with_model(ingested, shared_embedder, model).ask(WIRRAL_CONFERENCES)

    check_contract(answer.to_dict(), ingested)
    assert not answer.abstained
    assert [s.text for s in answer.sentences] == [first, second]
    assert [s.citations for s in answer.sentences] == [(1,), (2,)]
    assert [c.chunk_id for c in answer.citations] == [reference.retrieved[i - 1].chunk.id,
                                                      reference.retrieved[j - 1].chunk.id]
    assert "65.5%" in answer.answer
    # The model saw the question and the passages, numbered in retrieval order, and the rules.
    (messages,) = model.calls
    assert messages[0] == ("system", SYSTEM_PROMPT)
    prompt = messages[1][1]
    assert prompt.rstrip().endswith(f"Question: {WIRRAL_CONFERENCES}")
    for number, passage in enumerate(reference.retrieved, start=1):
        assert f'<passage id="{number}" source="{passage.chunk.source}">\n{passage.chunk.text}\n</passage>' in prompt


def test_llm_markers_before_the_full_stop_are_accepted(ingested, shared_embedder, reference):
    i, sentence = figure_sentence(reference)
    reply = f"{sentence[:-1]} [{i}]." if sentence.endswith(".") else f"{sentence} [{i}]"
    answer = with_model(ingested, shared_embedder, FakeListChatModel(responses=[reply])).ask(WIRRAL_CONFERENCES)
    assert [s.text for s in answer.sentences] == [sentence]
    assert answer.citations[0].chunk_id == reference.retrieved[i - 1].chunk.id


def test_llm_citing_ids_that_do_not_exist_falls_back_to_the_extractive_answer(ingested, shared_embedder, reference):
    i, sentence = figure_sentence(reference)
    answer = with_model(ingested, shared_embedder, FakeListChatModel(responses=[f"{sentence} [99]"])).ask(
        WIRRAL_CONFERENCES
    )
    check_contract(answer.to_dict(), ingested)
    assert not answer.abstained
    assert "[99]" not in answer.answer
    assert answer.answer == reference.answer
    assert [c.chunk_id for c in answer.citations] == [c.chunk_id for c in reference.citations]


def test_llm_injected_sentence_unsupported_by_its_passage_is_dropped(ingested, shared_embedder, reference):
    injected = "The council was rated outstanding in every area [1]."
    assert support(injected, reference.retrieved[0].chunk.text) < SUPPORT_THRESHOLD  # passage 1 says no such thing
    i, sentence = figure_sentence(reference)
    answer = with_model(ingested, shared_embedder, FakeListChatModel(responses=[f"{sentence} [{i}] {injected}"])).ask(
        WIRRAL_CONFERENCES
    )
    check_contract(answer.to_dict(), ingested)
    assert "outstanding" not in answer.answer.lower()
    assert [s.text for s in answer.sentences] == [sentence], "the supported sentence stays, the injected one goes"


def test_llm_reply_of_only_injected_text_falls_back_to_the_extractive_answer(ingested, shared_embedder, reference):
    model = FakeListChatModel(responses=["The council was rated outstanding in every area [1]."])
    answer = with_model(ingested, shared_embedder, model).ask(WIRRAL_CONFERENCES)
    check_contract(answer.to_dict(), ingested)
    assert not answer.abstained
    assert "outstanding" not in answer.answer.lower()
    assert answer.answer == reference.answer


def test_llm_not_in_reports_abstains(ingested, shared_embedder):
    answer = with_model(ingested, shared_embedder, FakeListChatModel(responses=["NOT IN REPORTS"])).ask(
        WIRRAL_CONFERENCES
    )
    check_contract(answer.to_dict(), ingested)
    assert answer.abstained and not answer.citations


def test_llm_failure_falls_back_to_the_extractive_answer(ingested, shared_embedder, reference):
    answer = with_model(ingested, shared_embedder, BrokenChatModel()).ask(WIRRAL_CONFERENCES)
    assert answer.answer == reference.answer


def test_llm_rewrites_a_follow_up_then_answers(ingested, shared_embedder, reference):
    """The rewrite call consumes the first reply, the answer call the second."""
    i, sentence = figure_sentence(reference)
    rewrite = "What proportion of initial child protection conferences in Wirral were held on time?"
    model = RecordingChatModel(responses=[rewrite, f"{sentence} [{i}]"])
    answer = with_model(ingested, shared_embedder, model).ask("And in Wirral?", history=WARRINGTON_HISTORY)
    assert answer.question == "And in Wirral?"
    assert answer.standalone_question == rewrite
    assert [s.text for s in answer.sentences] == [sentence]
    assert len(model.calls) == 2
    assert "What judgement did Warrington receive?" in model.calls[0][-1][1]  # the transcript went to the model


def test_generator_is_the_extractive_one_without_a_chat_model(ingested):
    assert isinstance(ingested.generator, ExtractiveGenerator) and ingested.chat_model is None


# ------------------------------------------------------------------------------------------ command line


def run_cli(settings, *args: str, cwd: Path, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*cli_command(), *args], capture_output=True, text=True, env=cli_env(settings, **env), cwd=cwd,
        timeout=timeout,
    )


def assert_one_line_error(done: subprocess.CompletedProcess, *fragments: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert done.stdout == ""


@pytest.mark.slow  # a subprocess that loads the model
def test_cli_ask_json_with_a_filter_is_exactly_the_contract(ingested, tmp_path):
    done = run_cli(ingested.settings, "ask", CAMHS, "--json", "--filter", "authority=Wirral", "--k", "4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    data = json.loads(done.stdout)
    check_contract(data, ingested)
    assert not data["abstained"]
    assert set(retrieved_files(data)) == {WIRRAL} and 1 <= len(data["retrieved"]) <= 4
    assert cited_files(data) == {WIRRAL}


@pytest.mark.slow  # a subprocess that loads the model
def test_cli_question_in_another_language_answers_or_abstains(ingested, tmp_path):
    done = run_cli(ingested.settings, "ask", "Qu'ont dit les inspecteurs sur la protection de l'enfance ?", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    if "do not answer" in out:
        assert "Sources:" not in out
    else:
        # Human output: the answer with markers, then a numbered source list with offsets and the quoted span.
        assert "[1]" in out and "\nSources:\n" in out
        assert re.search(r"^\[1\] \S+\.txt - .+characters \d+-\d+$", out, re.M), out


@pytest.mark.parametrize("question, fragment", [
    ("", "empty"),
    ("x" * 10_000, "10000"),
])
def test_cli_rejects_unusable_questions(ingested, tmp_path, question, fragment):
    assert_one_line_error(run_cli(ingested.settings, "ask", question, cwd=tmp_path), fragment)


@pytest.mark.parametrize("setting", ["ASSISTANT_INDEX_DIR", "ASSISTANT_DATA_DIR"])
def test_cli_a_file_where_a_folder_is_set_is_named_as_such(ingested, tmp_path, setting):
    # "error: File exists: ...", naming neither the setting nor what is wrong.
    in_the_way = tmp_path / "not-a-folder"
    in_the_way.write_text("")
    done = run_cli(ingested.settings, "ask", MASH_Q, cwd=tmp_path, **{setting: str(in_the_way)})
    assert_one_line_error(done, f"invalid setting {setting}: {in_the_way} is a file, not a folder")


def test_cli_missing_index_says_to_ingest(ingested, tmp_path):
    empty = tmp_path / "no-index"
    empty.mkdir()
    done = run_cli(ingested.settings, "ask", MASH_Q, cwd=tmp_path, ASSISTANT_INDEX_DIR=str(empty))
    assert_one_line_error(done, "assistant ingest")


def test_cli_k_zero_is_a_usage_error(ingested, tmp_path):
    done = run_cli(ingested.settings, "ask", MASH_Q, "--k", "0", cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "--k" in done.stderr


def test_cli_k_not_a_number_is_a_usage_error(ingested, tmp_path):
    done = run_cli(ingested.settings, "ask", MASH_Q, "--k", "many", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "--k" in done.stderr


# ------------------------------------------------------------------------------------------ batch


def write_jsonl(path: Path, lines: list) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow  # a subprocess that loads the model
def test_cli_batch_round_trip_with_a_malformed_line(ingested, tmp_path):
    questions = write_jsonl(tmp_path / "questions.jsonl", [
        {"id": "q3", "question": WARRINGTON_2009},
        {"id": "q1", "question": "What about Wirral?", "history": WARRINGTON_HISTORY},
        '{"id": "broken", "question": ',
        {"id": "q2", "question": CAMHS, "filters": {"authority": "Wirral"}},
    ])
    out = tmp_path / "out" / "answers.jsonl"
    done = run_cli(ingested.settings, "batch", str(questions), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "line 3" in done.stderr

    records = read_jsonl(out)
    assert [r["id"] for r in records] == ["q3", "q1", None, "q2"], "same ids, same order; the bad line keeps its place"
    assert set(records[2]) == {"id", "line", "error"} and records[2]["line"] == 3 and "JSON" in records[2]["error"]
    for record in records[:2] + records[3:]:
        check_contract(record, ingested)
        assert not record["abstained"], record["answer"]
    assert "inadequate" in records[0]["answer"].lower()
    assert "Wirral" in records[1]["standalone_question"] and "Warrington" not in records[1]["standalone_question"]
    assert cited_files(records[1]) == {WIRRAL}
    assert set(retrieved_files(records[3])) == {WIRRAL}


@pytest.mark.slow  # a subprocess that loads the model
def test_cli_batch_of_good_lines_exits_0(ingested, tmp_path):
    questions = write_jsonl(tmp_path / "questions.jsonl", [
        {"id": "z-last-first", "question": MASH_Q},
        {"id": "a-first-last", "question": MANCHESTER},
    ])
    out = tmp_path / "answers.jsonl"
    done = run_cli(ingested.settings, "batch", str(questions), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = read_jsonl(out)
    assert [r["id"] for r in records] == ["z-last-first", "a-first-last"]
    for record in records:
        check_contract(record, ingested)
    assert [r["abstained"] for r in records] == [False, True]


def test_batch_ids_come_back_as_given_and_a_line_without_one_takes_none_of_theirs(ingested, tmp_path):
    # A line without an id was given its line number as id: the real id 2 on line 3 was then refused as a
    # duplicate. A number comes back as the contract's string.
    from assistant.apps.batch import run_batch

    questions = write_jsonl(tmp_path / "questions.jsonl", [
        {"id": 7, "question": MANCHESTER},
        {"question": MANCHESTER},
        {"id": 2, "question": MANCHESTER},
        {"id": "2", "question": MANCHESTER},
        {"id": 1.5, "question": MANCHESTER},
    ])
    out = tmp_path / "answers.jsonl"
    written, failures = run_batch(ingested, questions, out)
    records = read_jsonl(out)
    assert [r["id"] for r in records] == ["7", None, "2", "2", None]
    assert written == 3 and [line for line, _ in failures] == [4, 5]
    for record in records[:3]:
        check_contract(record, ingested)
    assert "duplicate id '2' (first on line 3)" in records[3]["error"]
    assert records[4]["error"] == "id must be a non-empty string or a whole number, not 1.5"


def test_one_line_in_another_encoding_is_that_lines_error_not_the_batchs(ingested, tmp_path):
    # One latin-1 byte made the whole file unreadable (no answer written); a byte order mark failed line 1.
    from assistant.apps.batch import run_batch

    questions = tmp_path / "questions.jsonl"
    questions.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "a", "question": MANCHESTER}).encode() + b"\n"
                          + '{"id": "b", "question": "Caf\u00e9?"}'.encode("latin-1") + b"\n"
                          + json.dumps({"id": "c", "question": MANCHESTER, "note": "\u2028"}).encode() + b"\n")
    out = tmp_path / "answers.jsonl"
    written, failures = run_batch(ingested, questions, out)
    records = read_jsonl(out)
    assert [r.get("id") for r in records] == ["a", None, "c"] and written == 1
    assert failures[0] == (2, "not UTF-8 text (byte 0xe9 at column 29)")
    assert "unknown key 'note'" in records[2]["error"], "a line separator inside a JSON string splits no line"
    # A whole file in UTF-16 (PowerShell's ">") is one error naming it, not an error per half-line.
    questions.write_bytes(json.dumps({"id": "a", "question": MANCHESTER}).encode("utf-16"))
    with pytest.raises(InputError, match="is UTF-16 or binary, not UTF-8 text"):
        run_batch(ingested, questions, out)


def test_batch_line_with_malformed_history_is_an_error_record(ingested, tmp_path):
    from assistant.apps.batch import run_batch

    questions = write_jsonl(tmp_path / "questions.jsonl", [
        {"id": "bad-history", "question": "What about Wirral?", "history": "What judgement did Warrington receive?"},
        {"id": "fine", "question": MANCHESTER},
    ])
    out = tmp_path / "answers.jsonl"
    written, failures = run_batch(ingested, questions, out)
    assert written == 1 and [line for line, _ in failures] == [1]
    assert [r["id"] for r in read_jsonl(out)] == ["bad-history", "fine"]
