"""Cross-validated tune figures: fold rankers never fitted on the questions they answer, the whole pipeline run
with them, held-out questions never part of it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answer.features import FEATURE_NAMES
from assistant.answer.training import Example, data_hash, fold_rankers, out_of_fold
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


@pytest.mark.parametrize("split, folds", [("all", 5), ("held-out", 5), ("tune", 1)])
def test_cross_validation_runs_only_on_the_tuning_split(split, folds, tmp_path):
    with pytest.raises(InputError, match="--split tune"):
        run_devset(tmp_path, split=split, folds=folds)


@pytest.mark.slow
@needs_devset
def test_tuning_questions_are_answered_again_by_rankers_fitted_without_them(tmp_path, shared_embedder):
    devset = _subset(tmp_path / "devset")
    out = tmp_path / "answers.jsonl"
    run = run_devset(devset, split="tune", folds=2, embedder=shared_embedder, out=out)

    tune_ids = [json.loads(line)["id"] for line in (devset / "questions.jsonl").read_text().splitlines()
                if int(json.loads(line)["id"][1:]) % 5]
    crossed = [json.loads(line) for line in out.with_name("answers.cross-validated.jsonl").read_text().splitlines()]
    assert [a["id"] for a in crossed] == tune_ids
    assert all(a["retrieved"] for a in crossed) and any(not a["abstained"] for a in crossed)
    assert set(run.figures) == {"assistant", "cross-validated"} and set(run.figures["cross-validated"]) == {"tune"}
    assert run.value("cross-validated", "tune", "answer_accuracy") is not None
    assert "this project, rankers fitted without the question" in render_table(run)
