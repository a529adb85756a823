"""`assistant eval --devset`: the devset's corpus in a temporary index, its questions through the assistant and
the LangChain baseline, scored by the devset's own score.py, tune and held-out figures apart.

The devset (../shared/devset) is read in place: a test builds a small devset folder of links to a few of
its files and a subset of its question lines, so nothing of it is copied into the repository."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.apps import cli
from assistant.core.errors import InputError
from assistant.eval.devset import render_table, run_devset, scorer_record
from assistant.eval.runner import setting_overrides
from tests.conftest import DEVSET

needs_devset = pytest.mark.skipif(not (DEVSET / "questions.jsonl").is_file(),
                                  reason=f"no devset at {DEVSET}")
# Ten tuning questions (d001-d012 less d005 and d010), a follow-up with history, an unanswerable one,
# and the two held-out questions among them (ids divisible by 5).
PICKED = ("d001", "d002", "d003", "d004", "d005", "d006", "d007", "d008", "d009", "d010", "d011", "d012",
          "d176", "d211")
HELD_OUT = {"d005", "d010"}


def _subset(root: Path, ids: tuple[str, ...] = PICKED) -> Path:
    """A devset folder of links: score.py, the evidence files of `ids`, and their question lines."""
    lines = [line for line in (DEVSET / "questions.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip() and json.loads(line)["id"] in ids]
    files = {e["doc"] for line in lines for e in json.loads(line)["evidence"]}
    (root / "corpus").mkdir(parents=True)
    for name in files:
        (root / "corpus" / name).symlink_to(DEVSET / "corpus" / name)
    (root / "score.py").symlink_to(DEVSET / "score.py")
    (root / "questions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _figures(groups: dict) -> list[float]:
    return [v for group in groups.values() for k, v in group.items()
            if isinstance(v, float) and not k.endswith("_n")]


@pytest.mark.slow  # a devset index, subprocesses or a big file: in `make test`, not in `make test-fast`
@needs_devset
def test_devset_run_answers_every_id_and_keeps_the_splits_apart(tmp_path, shared_embedder):
    devset = _subset(tmp_path / "devset")
    out = tmp_path / "out" / "answers.jsonl"
    run = run_devset(devset, baseline="langchain", embedder=shared_embedder, out=out)

    assert run.meta["questions"] == len(PICKED) and run.meta["documents"] == len(list((devset / "corpus").iterdir()))
    ours = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    theirs = [json.loads(line) for line in out.with_name("answers.langchain.jsonl").read_text().splitlines()]
    assert [a["id"] for a in ours] == list(PICKED) and [a["id"] for a in theirs] == list(PICKED)
    assert run.errors == {}
    assert all(a["retrieved"] for a in ours)  # the temporary index was searched for every question

    for system in ("assistant", "langchain"):
        by_split = run.figures[system]
        assert set(by_split) == {"held-out", "tune", "all"}
        assert by_split["held-out"]["groups"]["all"]["n"] == len(HELD_OUT)
        assert by_split["tune"]["groups"]["all"]["n"] == len(PICKED) - len(HELD_OUT)
        assert by_split["all"]["groups"]["all"]["n"] == len(PICKED)
        for split in by_split.values():
            assert split["missing_answers"] == 0
            assert all(0.0 <= v <= 1.0 for v in _figures(split["groups"]))
    # Kinds are grouped within each split: the follow-up and the unanswerable question are tuning questions.
    assert run.kinds == ("single", "followup")
    assert run.value("assistant", "tune", "answer_accuracy", "kind:followup") is not None
    assert run.value("assistant", "held-out", "answer_accuracy", "kind:followup") is None
    assert run.value("langchain", "tune", "abstention_unanswerable", "kind:unanswerable") == 0.0  # it never abstains

    # The figures are the devset scorer's own: run it on the written file, split by split.
    for split in ("held-out", "tune"):
        done = subprocess.run(
            [sys.executable, str(DEVSET / "score.py"), str(out), "--questions", str(devset / "questions.jsonl"),
             "--split", split, "--json"], capture_output=True, text=True, check=True)
        assert json.loads(done.stdout)["groups"] == run.figures["assistant"][split]["groups"]

    table = render_table(run)
    rows = table.splitlines()[2:]
    assert [r.split(" | ")[0].strip("| ") for r in rows] == ["held-out"] * 2 + ["tune"] * 2 + ["all"] * 2
    assert "| held-out | langchain baseline | 2 |" in table and "acc:single" in table.splitlines()[0]


@needs_devset
def test_devset_held_out_split_runs_only_held_out_questions(tmp_path, shared_embedder):
    devset = _subset(tmp_path / "devset")
    out = tmp_path / "held.jsonl"
    run = run_devset(devset, split="held-out", embedder=shared_embedder, out=out)
    assert sorted(json.loads(line)["id"] for line in out.read_text().splitlines()) == sorted(HELD_OUT)
    assert set(run.figures) == {"assistant"} and set(run.figures["assistant"]) == {"held-out"}
    assert run.figures["assistant"]["held-out"]["groups"]["all"]["n"] == len(HELD_OUT)


MORE = Path(__file__).resolve().parents[2] / "eval" / "devset_more.jsonl"
UNSEEN = MORE.with_name("devset_unseen.jsonl")
UNSEEN_K = MORE.with_name("devset_unseen_k.jsonl")


@pytest.mark.parametrize("path, count", [(MORE, 400), (UNSEEN, 100), (UNSEEN_K, 100)],
                         ids=["more", "unseen", "unseen_k"])
def test_the_more_questions_cite_devset_files_verbatim(path, count):
    # Questions written on the devset's texts (not copies of them): each quote is in its file.
    assert path.is_file()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == len({r["id"] for r in rows}) == count
    if not (DEVSET / "corpus").is_dir():
        pytest.skip(f"no devset at {DEVSET}")
    for row in rows:
        assert row["answerable"] == bool(row["evidence"]), row["id"]
        for evidence in row["evidence"]:
            assert evidence["quote"] in (DEVSET / "corpus" / evidence["doc"]).read_text(encoding="utf-8"), row["id"]


@needs_devset
def test_other_questions_on_the_devset_corpus_run_in_place_of_its_own(tmp_path, shared_embedder):
    rows = [line for line in MORE.read_text(encoding="utf-8").splitlines() if line.strip()]
    picked = [line for line in rows if json.loads(line)["kind"] in ("single", "unanswerable")][:4]
    ids = [json.loads(line)["id"] for line in picked]
    devset = _subset(tmp_path / "devset", ("d001",))
    for line in picked:
        for evidence in json.loads(line)["evidence"]:
            link = devset / "corpus" / evidence["doc"]
            if not link.exists():
                link.symlink_to(DEVSET / "corpus" / evidence["doc"])
    questions = tmp_path / "more.jsonl"
    questions.write_text("\n".join(picked) + "\n", encoding="utf-8")
    out = tmp_path / "more-answers.jsonl"
    run = run_devset(devset, embedder=shared_embedder, out=out, questions=questions)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ids  # not the devset's d001
    assert run.meta["questions"] == len(ids) and run.meta["questions_file"] == str(questions)
    assert run.figures["assistant"]["all"]["groups"]["all"]["n"] == len(ids)
    with pytest.raises(InputError, match="--questions"):
        run_devset(devset, split="tune", folds=5, questions=questions)


def test_setting_overrides_are_checked_against_the_settings():
    assert setting_overrides(["top_k=5", "candidates = 20"]) == {"top_k": "5", "candidates": "20"}
    assert setting_overrides(["llm_model"]) == {"llm_model": False}  # a bare name switches a rule off
    # Dotted keys reach a nested group of settings, and load_settings takes the result.
    from pydantic import BaseModel

    from assistant.core.settings import Settings, load_settings

    group, model = next((name, f.annotation) for name, f in Settings.model_fields.items()
                        if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel))
    inner, default = next((name, f.default) for name, f in model.model_fields.items() if type(f.default) is int)
    nested = setting_overrides([f"{group}.{inner}={default + 1}", "top_k=5"])
    assert nested == {group: {inner: str(default + 1)}, "top_k": "5"}
    assert getattr(getattr(load_settings(**nested), group), inner) == default + 1
    with pytest.raises(InputError, match=f"{group} has no setting 'nope'"):
        setting_overrides([f"{group}.nope=1"])
    with pytest.raises(InputError, match="no setting 'top_kk'"):
        setting_overrides(["top_kk=5"])
    with pytest.raises(InputError, match="not a group of settings"):
        setting_overrides(["top_k.inner=5"])
    with pytest.raises(InputError, match="not KEY=VALUE"):
        setting_overrides(["=5"])


def test_an_error_record_is_scored_as_answered_wrongly():
    record = scorer_record({"id": "d001", "error": "the question is empty"})
    assert record == {"id": "d001", "question": "", "standalone_question": "", "answer": "", "abstained": False,
                      "citations": [], "retrieved": [], "error": "the question is empty"}


def test_eval_cli_errors_are_one_line(tmp_path, capsys):
    assert cli.main(["eval", "--devset", str(tmp_path), "--ablate", "top_kk=3"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no setting 'top_kk'" in err
    assert cli.main(["eval", "--devset", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no scorer at" in err
    with pytest.raises(SystemExit) as usage:
        cli.main(["eval", "--devset", str(tmp_path), "--split", "hidden"])
    assert usage.value.code == 2
    # Cross-validation runs on the devset only: asked of a gold file alone, it is refused, not ignored.
    capsys.readouterr()  # the usage message
    for flags in (["--folds", "5"], ["--unseen-authorities"]):
        assert cli.main(["eval", str(tmp_path / "gold.jsonl"), *flags]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "cross-validate on the devset" in err
