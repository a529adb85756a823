"""Cross-validated figures on the devset's tuning split: each tuning question answered, through the whole
pipeline, by a ranker fitted without it.

The shipped ranker was trained on the tuning split, so the assistant's tune figures are in-sample, and the
held-out split (48 questions) is too small to steer by and must not be tuned on. Here the training questions
are split into folds as `assistant train` splits them (`training.fold_of`), one ranker is
fitted per fold without that fold's questions (with the shipped ranker's C and threshold), and each tuning
question is answered by the ranker of its fold. Unlike `assistant train`'s out-of-fold figures, every route the
pipeline takes (two-part and coordinated questions, open questions, follow-ups) is the real one. The query map
(answer/querymap.py) is fitted per fold the same way, but a fold's ranker learns from features its training
questions got from maps that saw the fold's questions: a second-order leak that leaves these figures slightly
optimistic (the held-out split and the unread question batch have none).

Split by question, a fold's reports are still seen through other questions on them. With `by_authority` the folds
split by the authority a question is about (`training.authority_folds`), maps and rankers alike, so each question
is answered by models that never saw its authority's reports: the figure for a new authority's reports."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Sequence

from assistant.eval.gold import GoldItem
from assistant.eval.runner import Step, run_gold

SYSTEM = "cross-validated"
BY_AUTHORITY = "unseen-authorities"  # the same, folds split by authority


def shipped_choice(path: Path) -> tuple[float, float]:
    """The regularisation C and abstention threshold `assistant train` chose for the ranker file at `path`."""
    from assistant.answer.ranker import read_model

    data = read_model(path)
    return float(data.get("report", {}).get("C", 0.1)), float(data["threshold"])


def cross_validated_answers(
    helper, items: Sequence[GoldItem], devset: Path, gold: Path, folds: int = 5, k: int | None = None,
    progress: Step | None = None, by_authority: bool = False,
) -> list[dict[str, Any]]:
    """Answer dicts for `items` (devset tuning questions) in their order, each from the fold ranker that never saw
    it; `helper` is an Assistant over the devset corpus, whose index every fold's Assistant reads."""
    from assistant.answer.ranker import DEFAULT_MODEL
    from dataclasses import replace

    from assistant.answer.training import (
        authority_folds, cases_in, collect, fold_rankers, folds_of, labelled_sets, with_query_maps)
    from assistant.core.settings import load_settings
    from assistant.pipeline import Assistant

    settings = helper.settings
    c, threshold = shipped_choice(settings.answer.ranker_path or DEFAULT_MODEL)
    # The devset's questions are found in `helper`'s index of its corpus; the gold questions train too, on the
    # shipped corpus (the project's settings name it, not the devset's index), as in `assistant train`.
    devset_set, *others = labelled_sets(devset, load_settings().corpus_dir, gold)
    collected = [*cases_in(helper, devset_set), *collect(others, settings, helper.embedder)]
    assigned = folds_of(len(collected), folds, authority_folds(collected, folds) if by_authority else None)
    cases, maps, _ = with_query_maps(collected, folds, assigned)
    rankers = [replace(ranker, query_map=query_map) for ranker, query_map
               in zip(fold_rankers([case.example() for case in cases], c, threshold, folds, assigned), maps)]
    folds_by_id = {case.qid.split(":", 1)[1]: fold for case, fold in zip(cases, assigned)
                   if case.qid.startswith("devset:")}
    answers: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="assistant-folds-") as tmp:
        for fold, ranker in enumerate(rankers):
            # A question with no candidates never reached training: any ranker abstains on it alike.
            mine = [item for item in items if folds_by_id.get(item.id, 0) == fold]
            path = Path(tmp) / f"fold{fold}.json"
            path.write_text(ranker.to_json())
            answer_settings = settings.answer.model_copy(update={"ranker_path": path})
            fold_helper = Assistant(settings.model_copy(update={"answer": answer_settings}), embedder=helper.embedder)
            answers.update((a["id"], a) for a in run_gold(fold_helper, mine, k=k, progress=progress))
    return [answers[item.id] for item in items]
