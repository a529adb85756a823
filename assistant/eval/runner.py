"""Running systems on a gold set: the assistant (per retrieval mode), an answers file, the LangChain baseline."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant.core.errors import InputError
from assistant.eval.gold import GoldItem, load_answers, load_gold
from assistant.eval.scoring import Evaluation, evaluate_answers

BASELINES = ("langchain",)
BASELINE_NOTE = ("plain LangChain RAG: RecursiveCharacterTextSplitter (the quick-start's chunk size and overlap), "
                 "Chroma, same embedding model, top-k similarity, answer = top passage; ignores history and filters, "
                 "never abstains")
Step = Callable[[GoldItem], None]
Advance = Callable[[str, int, int], None]  # (system, done, total)


def setting_overrides(assignments: Sequence[str]) -> dict[str, Any]:
    """Settings overrides for load_settings(**overrides) from `key=value` (dotted keys reach nested settings).

    A bare `key` means `key=false`: switching a named rule off is what an ablation does. Keys are checked
    against the Settings fields, because Settings ignores unknown names and a typo would change nothing."""
    overrides: dict[str, Any] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        parts = key.strip().split(".")
        if not all(parts):
            raise InputError(f"'{assignment}' is not KEY=VALUE")
        _check_setting(parts, assignment)
        target = overrides
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise InputError(f"'{assignment}' sets inside '{part}', which is already given a value")
        target[parts[-1]] = value.strip() if sep else False
    return overrides


def _check_setting(parts: Sequence[str], assignment: str) -> None:
    from pydantic import BaseModel

    from assistant.core.settings import Settings

    model: type[BaseModel] = Settings
    for depth, part in enumerate(parts):
        found = model.model_fields.get(part)
        if found is None:
            where = ".".join(parts[:depth]) or "Settings"
            raise InputError(f"'{assignment}': {where} has no setting '{part}' "
                             f"(known: {', '.join(sorted(model.model_fields))})")
        if depth < len(parts) - 1:
            nested = found.annotation
            if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
                raise InputError(f"'{assignment}': '{'.'.join(parts[:depth + 1])}' is not a group of settings")
            model = nested


def retrieval_modes() -> tuple[str, ...]:
    from assistant.retrieval.hybrid import MODES

    return tuple(MODES)


def checked_mode(mode: str) -> str:
    if mode not in retrieval_modes():
        raise InputError(f"unknown retrieval mode '{mode}' (choose from {', '.join(retrieval_modes())})")
    return mode


def run_gold(
    helper, items: Sequence[GoldItem], mode: str = "hybrid", k: int | None = None, progress: Step | None = None,
) -> list[dict[str, Any]]:
    """Answer every gold question with the assistant; returns Answer dicts in gold order.

    A question the assistant refuses with an AssistantError becomes an {"id", "error"} record, as in batch."""
    from assistant.core.errors import AssistantError, IndexMissingError

    answers = []
    for item in items:
        try:
            answer = helper.ask(
                item.question, history=item.history, filters=item.filters, k=k, id=item.id, mode=mode
            ).to_dict()
        except IndexMissingError:
            raise
        except AssistantError as exc:
            answer = {"id": item.id, "error": str(exc)}
        answers.append(answer)
        if progress:
            progress(item)
    return answers


def langchain_answers(helper, items: Sequence[GoldItem], k: int, progress: Step | None = None) -> list[dict[str, Any]]:
    """The LangChain baseline's answers over the same documents as the assistant's index."""
    from assistant.eval.baseline import LangChainBaseline

    documents = [d for d in (helper.document(doc_id) for doc_id in sorted(helper.documents())) if d is not None]
    baseline = LangChainBaseline.from_documents(documents, helper.embedder, k=k)
    try:
        answers = []
        for item in items:
            answers.append(baseline.ask(item.question, id=item.id))
            if progress:
                progress(item)
    finally:
        baseline.close()
    return answers


def counter(system: str, total: int, progress: Advance | None) -> Step:
    """A per-item step that reports (system, done, total) to `progress`."""
    done = [0]

    def step(_item: GoldItem) -> None:
        done[0] += 1
        if progress:
            progress(system, done[0], total)

    return step


@dataclass
class EvalRun:
    evaluations: list[Evaluation]
    meta: dict[str, Any]

    def to_dict(self, rows: bool = True) -> dict[str, Any]:
        return {**self.meta, "systems": [e.to_dict(rows) for e in self.evaluations]}


def run_evaluation(
    gold: Path,
    *,
    answers: Path | None = None,
    compare: Sequence[str] = (),
    baseline: str | None = None,
    k: int | None = None,
    corpus_dir: Path | None = None,
    open_assistant: Callable[[], Any] | None = None,
    progress: Advance | None = None,
) -> EvalRun:
    """Score an answers file and/or run the assistant (per retrieval mode) and/or a baseline on a gold set.

    With nothing chosen, the assistant runs in its default (hybrid) mode; a baseline alone is shown next
    to the default assistant."""
    modes = [checked_mode(m) for m in dict.fromkeys(compare)]
    if baseline is not None and baseline not in BASELINES:
        raise InputError(f"unknown baseline '{baseline}' (choose from {', '.join(BASELINES)})")
    if not modes and answers is None:
        modes = ["hybrid"]
    helper = None
    settings = None
    if modes or baseline:
        if open_assistant is None:
            from assistant.pipeline import Assistant

            open_assistant = Assistant.open
        helper = open_assistant()
        settings = helper.settings
        if not helper.documents():
            from assistant.core.errors import IndexMissingError

            raise IndexMissingError()
        if corpus_dir is None:
            corpus_dir = settings.corpus_dir
    if corpus_dir is None:
        from assistant.core.settings import load_settings

        corpus_dir = load_settings().corpus_dir
    items = load_gold(gold, corpus_dir)
    k = k or (settings.top_k if settings else None)
    evaluations: list[Evaluation] = []
    if answers is not None:
        evaluations.append(evaluate_answers(f"answers:{Path(answers).name}", items, load_answers(answers)))
    for mode in modes:
        produced = run_gold(helper, items, mode=mode, k=k, progress=counter(mode, len(items), progress))
        evaluations.append(evaluate_answers(mode, items, produced))
    if baseline == "langchain":
        produced = langchain_answers(helper, items, k, counter("langchain", len(items), progress))
        evaluations.append(evaluate_answers("langchain", items, produced, [BASELINE_NOTE]))
    meta: dict[str, Any] = {
        "gold": str(gold), "questions": len(items), "k": k, "corpus": str(corpus_dir),
    }
    if helper is not None:
        meta.update({"index": settings.chroma_url or str(settings.index_dir), "model": settings.embed_model,
                     "generator": getattr(helper.generator, "name", "?")})
        if k is not None and k < 10:
            meta["k_note"] = f"{k} passages retrieved per question: recall@10 and nDCG@10 see only those"
    return EvalRun(evaluations, meta)
