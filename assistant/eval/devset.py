"""The development set (`../shared/devset`, see its README): index its corpus into a temporary index, answer
its questions with the assistant (and the LangChain baseline), and score them with the devset's own scorer.

The scorer (`score.py` in the devset folder) is imported from there, never copied, so the figures here are
the ones `python3 score.py answers.jsonl` prints. Its fixed split (ids divisible by 5 are held out) is
reported separately from the tuning split.
"""
from __future__ import annotations

import importlib.util
import json
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping, Sequence

from assistant.core.errors import ConfigurationError, InputError
from assistant.core.jsonl import read_jsonl
from assistant.eval.crossval import BY_AUTHORITY, SYSTEM as CROSS_VALIDATED, cross_validated_answers
from assistant.eval.gold import GoldItem, load_gold
from assistant.eval.runner import BASELINE_NOTE, BASELINES, Advance, counter, langchain_answers, run_gold

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DEVSET = REPO.parent / "shared" / "devset"
SPLITS = ("held-out", "tune", "all")
SYSTEM = "assistant"
# The table's columns: scorer metric names, in the order the README and issue 13 use them.
COLUMNS = ("answer_accuracy", "false_abstention", "abstention_unanswerable", "citation_precision",
           "citation_recall", "hit@5", "doc_hit@5")


def default_devset() -> Path | None:
    """`../shared/devset` beside the repository, when it is there."""
    return DEFAULT_DEVSET if (DEFAULT_DEVSET / "questions.jsonl").is_file() else None


def load_scorer(devset: Path) -> ModuleType:
    """The devset's score.py, imported by path."""
    path = Path(devset) / "score.py"
    spec = importlib.util.spec_from_file_location("devset_score", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ConfigurationError(f"no scorer at {path}: is {devset} a devset folder (corpus/, questions.jsonl, score.py)?")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scorer_record(answer: Mapping[str, Any]) -> dict[str, Any]:
    """An Answer dict (or an {"id", "error"} record) in the scorer's answers format; an error is not an abstention."""
    record: dict[str, Any] = {
        "id": answer.get("id"), "question": answer.get("question", ""),
        "standalone_question": answer.get("standalone_question", ""),
        "answer": answer.get("answer", ""), "abstained": bool(answer.get("abstained", False)),
        "citations": [{key: c.get(key) for key in ("source", "text", "start", "end")}
                      for c in answer.get("citations") or []],
        "retrieved": [{key: p.get(key) for key in ("source", "text", "start", "end", "score")}
                      for p in answer.get("retrieved") or []],
    }
    if answer.get("error"):
        record["error"] = answer["error"]
    return record


@dataclass
class DevsetRun:
    """Per system and split, the scorer's result (`groups` holds all, kind:..., with values and denominators)."""

    figures: dict[str, dict[str, dict[str, Any]]]
    kinds: tuple[str, ...]
    meta: dict[str, Any]
    errors: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def value(self, system: str, split: str, metric: str, group: str = "all") -> float | None:
        return self.figures[system][split]["groups"].get(group, {}).get(metric)

    def to_dict(self) -> dict[str, Any]:
        return {**self.meta, "kinds": list(self.kinds), "errors": self.errors, "figures": self.figures}


def run_devset(
    devset: Path,
    *,
    split: str = "all",
    baseline: str | None = None,
    k: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    embedder: Any | None = None,
    out: Path | None = None,
    progress: Advance | None = None,
    folds: int = 0,
    gold: Path = Path("eval/gold.jsonl"),
    questions: Path | None = None,
    by_authority: bool = False,
) -> DevsetRun:
    """Index the devset corpus in a temporary index, answer the `split` questions, score them per split. With
    `folds`, the tuning questions are answered a second time by rankers fitted without them (eval/crossval.py;
    `gold` trains beside the devset, as in `assistant train`). `questions`: other questions in the devset's format
    on its corpus (eval/devset_more.jsonl) instead of its own; the split goes by id number, as the scorer's does.
    `by_authority`: the folds split by the authority a question is about, not by question."""
    if split not in SPLITS:
        raise InputError(f"unknown split '{split}' (choose from {', '.join(SPLITS)})")
    if folds and (split != "tune" or folds < 2):
        raise InputError("cross-validation needs --split tune and at least 2 folds: held-out questions never train")
    if by_authority and not folds:
        raise InputError("--unseen-authorities splits the folds of cross-validation: give --folds too")
    if folds and questions is not None:
        raise InputError("cross-validation answers the devset's own tuning questions: leave out --questions")
    if baseline is not None and baseline not in BASELINES:
        raise InputError(f"unknown baseline '{baseline}' (choose from {', '.join(BASELINES)})")
    devset = Path(devset)
    scorer = load_scorer(devset)
    questions_path, corpus = Path(questions) if questions else devset / "questions.jsonl", devset / "corpus"
    if not corpus.is_dir():
        raise ConfigurationError(f"no corpus folder at {corpus}")
    raw = [record for _, record in read_jsonl(questions_path, "devset questions")]
    items = [i for i in load_gold(questions_path, corpus) if split == "all" or scorer.split_of(i.id) == split]
    if not items:
        raise InputError(f"{questions_path} holds no {split} questions")
    answers: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="assistant-devset-", ignore_cleanup_errors=True) as tmp:
        helper = _temporary_assistant(Path(tmp), corpus, overrides or {}, embedder, progress)
        answers[SYSTEM] = run_gold(helper, items, k=k, progress=counter(SYSTEM, len(items), progress))
        if folds:
            system = BY_AUTHORITY if by_authority else CROSS_VALIDATED
            answers[system] = cross_validated_answers(
                helper, items, devset, gold, folds, k, counter(system, len(items), progress), by_authority)
        if baseline == "langchain":
            answers["langchain"] = langchain_answers(
                helper, items, k or helper.settings.top_k, counter("langchain", len(items), progress))
        meta = {"devset": str(devset), "questions_file": str(questions_path), "questions": len(items), "split": split,
                "k": k or helper.settings.top_k, "model": helper.settings.embed_model, "overrides": dict(overrides or {}),
                "documents": len(helper.documents()), "folds": folds,
                "folds_by": "authority" if by_authority else "question"}
    records = {system: [scorer_record(a) for a in produced] for system, produced in answers.items()}
    if out is not None:
        meta["answers"] = _write_answers(Path(out), records)
    chosen = {i.id for i in items}
    reported = SPLITS if split == "all" else (split,)
    figures = {
        system: {
            name: scorer.score([q for q in raw if str(q["id"]) in chosen
                                and (name == "all" or scorer.split_of(q["id"]) == name)], rows)
            for name in reported
        }
        for system, rows in records.items()
    }
    errors = {system: [{"id": r["id"], "error": r["error"]} for r in rows if "error" in r]
              for system, rows in records.items()}
    for system, failed in errors.items():
        for failure in failed:
            log.warning("%s: %s: %s", system, failure["id"], failure["error"])
    if baseline:
        meta["baseline_note"] = BASELINE_NOTE
    return DevsetRun(figures, _kinds(items), meta, {s: e for s, e in errors.items() if e})


def _temporary_assistant(root: Path, corpus: Path, overrides: Mapping[str, Any], embedder: Any | None,
                         progress: Advance | None):
    """An Assistant whose index lives under `root`, with the devset corpus ingested into it."""
    from assistant.core.settings import load_settings
    from assistant.pipeline import Assistant

    settings = load_settings(**{**overrides, "index_dir": root / "index", "data_dir": root / "data",
                                "corpus_dir": corpus, "chroma_url": None})
    helper = Assistant(settings, embedder=embedder) if embedder is not None else Assistant(settings)
    report = helper.ingest(
        [corpus], progress=(lambda done, total, _path: progress("ingest", done, total)) if progress else None)
    for failure in report.failed:
        log.warning("devset file not indexed: %s: %s", failure.path, failure.reason)
    if not helper.documents():
        raise InputError(f"no devset file could be indexed from {corpus}")
    return helper


def _write_answers(out: Path, records: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """The assistant's answers to `out`, each other system's beside it as OUT.<system>.jsonl."""
    written = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    for system, rows in records.items():
        path = out if system == SYSTEM else out.with_name(f"{out.stem}.{system}{out.suffix or '.jsonl'}")
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        written[system] = str(path)
    return written


def _kinds(items: Sequence[GoldItem]) -> tuple[str, ...]:
    """Kinds of the answerable questions, in file order (answer accuracy is undefined for the rest)."""
    return tuple(dict.fromkeys(i.kind for i in items if i.answerable and i.kind))


_LABELS = {SYSTEM: "this project", CROSS_VALIDATED: "this project, rankers fitted without the question",
           BY_AUTHORITY: "this project, rankers fitted without the question's authority"}


def render_table(run: DevsetRun) -> str:
    """A Markdown table: one row per split and system, the scorer's headline metrics, answer accuracy by kind."""
    splits = [s for s in SPLITS if any(s in by_split for by_split in run.figures.values())]
    header = ["split", "system", "n", *COLUMNS, *(f"acc:{kind}" for kind in run.kinds)]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    for name in splits:
        for system, by_split in run.figures.items():
            groups = by_split[name]["groups"]
            cells = [name, _LABELS.get(system, f"{system} baseline"),
                     str(groups.get("all", {}).get("n", 0))]
            cells += [_fmt(groups.get("all", {}).get(metric)) for metric in COLUMNS]
            cells += [_fmt(groups.get(f"kind:{kind}", {}).get("answer_accuracy")) for kind in run.kinds]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
