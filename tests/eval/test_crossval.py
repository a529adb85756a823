"""Cross-validated tune figures: fold rankers never fitted on the questions they answer, the whole pipeline run
with them, held-out questions never part of it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answer.features import FEATURE_NAMES
from assistant.answer.features import Candidate
from assistant.answer.profile import profile
from assistant.answer.training import Case, Example, authority_folds, data_hash, fold_rankers, out_of_fold
from assistant.core.types import StoredSentence
from assistant.core.errors import InputError
from assistant.eval.devset import render_table, run_devset
from tests.eval.test_devset_eval import _subset, needs_devset


def _examples(n: int) -> list[Example]:
    rng = np.random.default_rng(7)
    examples = []
    for i in range(n):
        matrix = rng.normal(size=(6, len(FEATURE_NAMES)))
        labels = np.zeros(6)
        labels[i % 6] = 1.0
        matrix[i % 6, 0] += 3.0  # the answering sentence stands out on one feature, so the fit is not flat
        examples.append(Example(f"devset:d{i:03d}", True, "single", matrix, labels))
    return examples


def test_each_fold_ranker_is_fitted_without_its_folds_questions():
    examples = _examples(20)
    rankers = fold_rankers(examples, c=0.3, threshold=0.07, folds=4)
    for fold, ranker in enumerate(rankers):
        assert ranker.training_data == data_hash([e for i, e in enumerate(examples) if i % 4 != fold])
        assert ranker.threshold == 0.07
    assert len({r.training_data for r in rankers}) == 4
    # Out-of-fold probabilities are the fold rankers' own.
    for i, (example, probabilities) in enumerate(zip(examples, out_of_fold(examples, 0.3, folds=4))):
        assert np.allclose(probabilities, rankers[i % 4].probabilities(example.matrix))


def _case(qid: str, question: str, answered_in: str | None) -> Case:
    """A question whose one candidate stands in a report about `answered_in` and answers (None: it does not)."""
    sentence = StoredSentence(f"{qid}-s", f"{answered_in}-doc", f"{answered_in}-chunk", 0, 10, "A sentence.")
    candidate = Candidate(sentence, np.ones(4), 1, (answered_in or "Elsewhere",))
    return Case(qid, answered_in is not None, "single", profile(question, idf=lambda t: 1.0), np.ones(4),
                (candidate,), np.array([1.0 if answered_in else 0.0]), ())


def test_folds_by_authority_keep_each_authoritys_questions_together():
    cases = [_case(f"q{i}", "What did inspectors find?", authority)
             for i, authority in enumerate(["Kent"] * 4 + ["Leeds"] * 3 + ["Devon"] * 2 + ["York"] * 2)]
    cases.append(_case("u1", "What grade did Leeds get in 1999?", None))  # unanswerable: goes with what it names
    cases.append(_case("u2", "How many inspectors were there?", None))  # names nothing: a group of its own
    folds = authority_folds(cases, folds=3)
    by_authority = {}
    for case, fold in zip(cases[:11], folds):
        by_authority.setdefault(case.candidates[0].authorities[0], set()).add(fold)
    assert all(len(f) == 1 for f in by_authority.values())
    assert folds[11] == folds[4]  # with Leeds' questions
    assert sorted(folds.count(f) for f in range(3)) == [4, 4, 5]  # largest groups first, each to the emptiest fold
    # The rankers of those folds never see a held fold's questions.
    examples = _examples(len(cases))
    rankers = fold_rankers(examples, c=0.3, threshold=0.07, folds=3, assigned=folds)
    for fold, ranker in enumerate(rankers):
        assert ranker.training_data == data_hash([e for e, f in zip(examples, folds) if f != fold])
    for example, fold, probabilities in zip(examples, folds, out_of_fold(examples, 0.3, 3, folds)):
        assert np.allclose(probabilities, rankers[fold].probabilities(example.matrix))


def test_folds_by_authority_need_folds(tmp_path):
    with pytest.raises(InputError, match="give --folds"):
        run_devset(tmp_path, split="tune", by_authority=True)


@pytest.mark.parametrize("split, folds", [("all", 5), ("held-out", 5), ("tune", 1)])
def test_cross_validation_runs_only_on_the_tuning_split(split, folds, tmp_path):
    with pytest.raises(InputError, match="--split tune"):
        run_devset(tmp_path, split=split, folds=folds)


@pytest.mark.slow
@needs_devset
@pytest.mark.parametrize("by_authority, system, label", [
    (False, "cross-validated", "this project, rankers fitted without the question"),
    (True, "unseen-authorities", "this project, rankers fitted without the question's authority"),
])
def test_tuning_questions_are_answered_again_by_rankers_fitted_without_them(
    tmp_path, shared_embedder, by_authority, system, label,
):
    devset = _subset(tmp_path / "devset")
    out = tmp_path / "answers.jsonl"
    run = run_devset(devset, split="tune", folds=2, embedder=shared_embedder, out=out, by_authority=by_authority)

    tune_ids = [json.loads(line)["id"] for line in (devset / "questions.jsonl").read_text().splitlines()
                if int(json.loads(line)["id"][1:]) % 5]
    crossed = [json.loads(line) for line in out.with_name(f"answers.{system}.jsonl").read_text().splitlines()]
    assert [a["id"] for a in crossed] == tune_ids
    assert all(a["retrieved"] for a in crossed) and any(not a["abstained"] for a in crossed)
    assert set(run.figures) == {"assistant", system} and set(run.figures[system]) == {"tune"}
    assert run.value(system, "tune", "answer_accuracy") is not None
    assert label in render_table(run)
    assert run.meta["folds_by"] == ("authority" if by_authority else "question")
