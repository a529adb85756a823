"""`assistant train --findings`: fit the finding classifier (answer/finding_kinds.py) on hand-labelled report
sentences and measure it cross-validated by document, so a figure is always for texts the model never saw.

The label file holds no report text: each row names a corpus (`devset`: the devset's texts, read from its
folder; `corpus`: the shipped reports), a file, a sentence's start offset as `text.sentences` finds it, the
sha1 of that sentence (cleaned and squashed, as ingest stores it) and its label. A row whose sentence is no
longer there (the file or the segmenter changed) is skipped and counted, not guessed."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from assistant.answer.finding_kinds import KINDS, FindingClassifier
from assistant.core.errors import InputError
from assistant.core.jsonl import iter_jsonl
from assistant.text import clean, sentences, squash

log = logging.getLogger(__name__)
DEFAULT_LABELS = Path(__file__).resolve().parents[2] / "eval" / "finding_labels.jsonl"
# Regularisation tried; the one best cross-validated is kept (0.01 with all-MiniLM-L6-v2).
C_GRID = (0.003, 0.01, 0.03)


@dataclass(frozen=True)
class LabelledSentences:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    documents: tuple[str, ...]  # "corpus/file" of each, the unit cross-validation holds out
    skipped: int


def sentence_hash(text: str) -> str:
    return hashlib.sha1(squash(text).encode()).hexdigest()[:12]


def read_labels(path: Path, folders: dict[str, Path]) -> LabelledSentences:
    """The labelled sentences, their texts read from `folders` (corpus name -> folder)."""
    texts: list[str] = []
    labels: list[str] = []
    documents: list[str] = []
    skipped = 0
    spans: dict[Path, dict[int, str]] = {}
    for line in iter_jsonl(path, "finding labels"):
        row = line.record
        try:
            if row is None:
                raise ValueError(line.error)
            folder, label = folders[row["set"]], row["label"]
            if label not in KINDS:
                raise ValueError(f"unknown label {label!r}")
            file = folder / row["file"]
            if file not in spans:
                text = clean(file.read_text(errors="replace"))  # as ingest reads it: the stored sentences' text
                spans[file] = {s.start: squash(text[s.start : s.end]) for s in sentences(text)}
            sentence = spans[file].get(int(row["start"]))
            if sentence is None or sentence_hash(sentence) != row["sha1"]:
                raise ValueError(f"{row['file']}:{row['start']} is no longer the labelled sentence")
        except (KeyError, ValueError, TypeError, OSError) as exc:
            log.warning("finding label %s:%s skipped: %s", path.name, line.line_no, exc)
            skipped += 1
            continue
        texts.append(sentence)
        labels.append(label)
        documents.append(f"{row['set']}/{row['file']}")
    if not texts:
        raise InputError(f"no usable finding labels in {path}")
    return LabelledSentences(tuple(texts), tuple(labels), tuple(documents), skipped)


def fit(vectors: np.ndarray, labels: Sequence[str], c: float, embed_model: str) -> FindingClassifier:
    from sklearn.linear_model import LogisticRegression

    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0)
    scale[scale == 0] = 1.0
    # Balanced: actions are few (about one sentence in fifteen) and a briefing wants them found.
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit((vectors - mean) / scale, list(labels))
    digest = hashlib.sha256(np.round(vectors, 6).tobytes() + "\n".join(labels).encode()).hexdigest()
    return FindingClassifier(tuple(model.classes_), mean, scale, model.coef_, model.intercept_, embed_model, digest)


def cross_validated(
    vectors: np.ndarray, data: LabelledSentences, c: float, embed_model: str, folds: int = 5
) -> dict[str, Any]:
    """Accuracy and each kind's precision and recall, every sentence judged by a model fitted without its document."""
    from sklearn.model_selection import GroupKFold

    predicted = [""] * len(data.labels)
    truth = np.array(data.labels)
    for train, test in GroupKFold(folds).split(vectors, truth, np.array(data.documents)):
        model = fit(vectors[train], truth[train], c, embed_model)
        for i, row in zip(test, model.probabilities(vectors[test])):
            predicted[i] = model.labels[int(row.argmax())]
    return scores(predicted, data.labels)


def scores(predicted: Sequence[str], truth: Sequence[str]) -> dict[str, Any]:
    report: dict[str, Any] = {"sentences": len(truth),
                              "accuracy": round(float(np.mean([p == t for p, t in zip(predicted, truth)])), 3)}
    for label in KINDS:
        hits = sum(p == t == label for p, t in zip(predicted, truth))
        said, meant = sum(p == label for p in predicted), sum(t == label for t in truth)
        report[label] = {"precision": round(hits / said, 3) if said else None,
                         "recall": round(hits / meant, 3) if meant else None, "n": meant}
    return report


def train_findings(labels: Path, folders: dict[str, Path], embedder, embed_model: str) -> tuple[FindingClassifier, dict]:
    """The classifier fitted on every labelled sentence, with the C that did best cross-validated, and a report."""
    data = read_labels(labels, folders)
    vectors = np.asarray(embedder.embed_documents(list(data.texts)), dtype=float)
    report: dict[str, Any] = {"skipped_labels": data.skipped}
    best_c, best = C_GRID[0], None
    for c in C_GRID:
        found = cross_validated(vectors, data, c, embed_model)
        report[f"cv_C={c}"] = found
        if best is None or found["accuracy"] > best["accuracy"]:
            best_c, best = c, found
    report.update(C=best_c, cross_validated=best)
    return fit(vectors, data.labels, best_c, embed_model), report
