"""Issue 17, bounded inputs: history limits, a non-string question, strict batch lines, real dates, a closed pipe."""
from __future__ import annotations

import json
import os
import subprocess
import zipfile

import pytest

from assistant.apps.batch import run_batch
from assistant.core.errors import InputError
from assistant.core.inputs import checked_history, checked_question
from assistant.core.settings import LimitsSettings
from assistant.retrieval.hybrid import parse_filters
from tests.conftest import cli_command, cli_env


def test_history_turns_and_characters_are_bounded():
    limits = LimitsSettings(history_turns=3, history_chars=100)
    ok = checked_history([{"role": "user", "content": "a" * 50}, {"role": "assistant", "content": "b" * 50}], limits)
    assert len(ok) == 2
    with pytest.raises(InputError, match=r"^history has 4 turns; the limit is 3$"):
        checked_history([{"role": "user", "content": "x"}] * 4, limits)
    with pytest.raises(InputError, match=r"^history holds 101 characters; the limit is 100$"):
        checked_history([{"role": "user", "content": "a" * 101}], limits)


def test_default_limits_refuse_a_megabyte_turn_and_ten_thousand_turns():
    with pytest.raises(InputError, match="characters; the limit is 20000"):
        checked_history([{"role": "user", "content": "a" * 1_000_000}])
    with pytest.raises(InputError, match="^history has 10000 turns; the limit is 50$"):
        checked_history([{"role": "user", "content": "hi"}] * 10_000)


def test_history_limit_applies_through_the_library(ingested):
    with pytest.raises(InputError, match="the limit is 20000"):
        ingested.ask("What did inspectors find?", history=[{"role": "user", "content": "word " * 300_000}])


def test_a_number_as_question_is_named_not_a_string():
    with pytest.raises(InputError, match=r"^the question is not a string \(got int\)$"):
        checked_question(12345)


def test_a_question_of_punctuation_alone_is_named():
    with pytest.raises(InputError, match=r"^the question has no words$"):
        checked_question("?!.,;:")
    assert checked_question("Ofsted 2019?") == "Ofsted 2019?"


@pytest.mark.parametrize("value", ["2020-13-45", "2020-02-30", "2020-00"])
def test_impossible_dates_are_refused(value):
    with pytest.raises(InputError, match=f"^date filter '{value}' is not a real date$"):
        parse_filters([f"date_from={value}"])
    assert parse_filters(["date_to=2020-02-29"]) == {"date_to": "2020-02-29"}


def test_a_date_range_ending_before_it_starts_is_named():
    with pytest.raises(InputError, match="^date_from 2022 is after date_to 2018$"):
        parse_filters(["date_from=2022", "date_to=2018"])
    # A year and a day of it bound one range: from the year's first day to its last.
    assert parse_filters(["date_from=2018", "date_to=2018-01-01"]) == {"date_from": "2018", "date_to": "2018-01-01"}


def test_batch_lines_are_checked_strictly_with_line_numbers(ingested, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join([
        json.dumps({"id": "a", "question": "What did inspectors find about leadership?"}),
        json.dumps({"id": "b", "question": 12345}),
        json.dumps({"id": "a", "question": "Was the service good?"}),
        json.dumps({"id": "c", "questoin": "typo"}),
        json.dumps({"id": "d", "question": "Any concerns?", "history": "not a list"}),
        "[1, 2]",
    ]) + "\n")
    out = tmp_path / "out.jsonl"
    written, failures = run_batch(ingested, questions, out)
    assert written == 1
    assert failures == [
        (2, "the question is not a string (got int)"),
        (3, "duplicate id 'a' (first on line 1)"),
        (4, "unknown key 'questoin' (known: id, question, history, filters)"),
        (5, "history must be a list, not str"),
        (6, "line is not a JSON object"),
    ]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["a", "b", "a", "c", "d", None]
    assert "error" not in records[0] and records[2]["error"].startswith("duplicate id")


@pytest.mark.parametrize("pair, message", [
    ("date_from=2020-13-45", "date filter '2020-13-45' is not a real date"),
    ("authority", "filter 'authority' is not key=value"),
    ("colour=red", "unknown filter key 'colour'"),
])
def test_a_malformed_filter_is_a_usage_error(ingested, pair, message):
    # Exit 2, as a bad --k is: these exited 1, as if the index had failed.
    run = subprocess.run([*cli_command(), "ask", "Any concerns?", "--filter", pair],
                         env=cli_env(ingested.settings), capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.splitlines()[-1].startswith(f"assistant ask: error: argument --filter: {message}")


def test_stats_json_into_a_closed_pipe_has_no_traceback(ingested):
    # `assistant stats --json | head`: the reader is gone before the output is written (closing the read end
    # first makes that certain rather than a race with the pipe buffer).
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        run = subprocess.run([*cli_command(), "stats", "--json"], env=cli_env(ingested.settings), stdout=write_end,
                             stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write_end)
    assert "Traceback" not in run.stderr and "BrokenPipeError" not in run.stderr, run.stderr
    assert run.returncode == 141


@pytest.mark.parametrize("args, message", [
    (["brief", "Warrington", "--format", "docx", "--out", "QUESTIONS/notes/w.docx"],
     "cannot write QUESTIONS/notes/w.docx: QUESTIONS is not a folder"),
    (["batch", "QUESTIONS", "--out", "FOLDER"], "FOLDER is a folder: give a file name"),
])
def test_an_output_file_that_cannot_be_written_is_refused_before_any_work(ingested, tmp_path, args, message):
    # The note was built (or every question answered) before the write failed, with a traceback.
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "What did inspectors find?"}) + "\n")
    replaced = {"QUESTIONS": str(questions), "FOLDER": str(tmp_path)}
    args = [replaced.get(a, a).replace("QUESTIONS", str(questions)) for a in args]
    message = message.replace("FOLDER", str(tmp_path)).replace("QUESTIONS", str(questions))
    run = subprocess.run([*cli_command(), *args], env=cli_env(ingested.settings), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.splitlines()[-1].endswith(f"argument --out: {message}")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_write_that_fails_midway_is_one_line(ingested, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "What did inspectors find about leadership?"}) + "\n")
    run = subprocess.run([*cli_command(), "batch", str(questions), "--out", "/dev/full"],
                         env=cli_env(ingested.settings), capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.splitlines()[-1].startswith("error: No space left on device")


def test_batch_refuses_to_write_its_answers_over_its_questions(ingested, tmp_path):
    # "1 answers written to keep.jsonl", and the questions were gone.
    questions = tmp_path / "keep.jsonl"
    questions.write_text(json.dumps({"id": "a", "question": "What did inspectors find about leadership?"}) + "\n")
    before = questions.read_bytes()
    for out in (str(questions), f"{tmp_path}/./keep.jsonl"):
        run = subprocess.run([*cli_command(), "batch", str(questions), "--out", out], env=cli_env(ingested.settings),
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 2 and "is the questions file" in run.stderr.splitlines()[-1], run.stderr
        assert questions.read_bytes() == before


def test_brief_writes_word_to_a_docx_file_without_being_told(ingested, tmp_path):
    # Markdown was written into "w.docx", which Word cannot open.
    out = tmp_path / "w.docx"
    env = cli_env(ingested.settings)
    run = subprocess.run([*cli_command(), "brief", "Warrington", "--out", str(out)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert out.read_bytes()[:2] == b"PK" and "word/footnotes.xml" in zipfile.ZipFile(out).namelist()
    clash = subprocess.run([*cli_command(), "brief", "Warrington", "--format", "md", "--out", str(tmp_path / "x.docx")],
                           env=env, capture_output=True, text=True, timeout=300)
    assert clash.returncode == 2 and "--format md does not match --out x.docx" in clash.stderr
    assert not (tmp_path / "x.docx").exists()


def test_an_abstentions_reason_is_printed_once(ingested):
    run = subprocess.run([*cli_command(), "ask", "What did inspectors say about the MASH?", "--filter",
                          "authority=Nowhere"], env=cli_env(ingested.settings), capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("no report matches the filter authority=Nowhere") == 1, run.stdout
    assert "(searched 0 of 5 reports)" in run.stdout  # a note the answer does not give is still printed
