"""Training the sentence ranker (`assistant train`): index each labelled corpus in a temporary index, find
candidates for each question exactly as `ask` does, label a candidate when it holds an evidence quote,
fit a logistic regression and choose the abstention threshold from out-of-fold probabilities.

Only the devset's tuning split and the shipped gold are used: the held-out split (as the devset's own
scorer defines it: ids divisible by 5) is for `assistant eval` alone."""
from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from assistant.answer.features import FEATURE_NAMES, Candidate, feature_matrix
from assistant.answer.finding_kinds import DEFAULT_FINDING_MODEL, FindingClassifier
from assistant.answer.profile import QuestionProfile, profile
from assistant.answer.querymap import MapExample, QueryMap, fit_query_map
from assistant.answer.ranker import SentenceRanker
from assistant.answer.route import asked_finding, route
from assistant.core.jsonl import iter_jsonl
from assistant.answer.evidence import unanswerable_reason
from assistant.answer.extractive import RankedSentence, compose, holding_wanted
from assistant.core.settings import AnswerSettings, Settings
from assistant.core.types import Turn
from assistant.text import normalise_for_match
from assistant.text.glossary import expand_acronyms


@dataclass(frozen=True)
class LabelledSet:
    """A corpus folder and its questions (gold format: id, question, answerable, evidence[{doc, quote}])."""

    name: str
    corpus: Path
    questions: Path
    # Questions never to train on: the devset's held-out split, as its own scorer defines it.
    excluded: Callable[[str], bool] = lambda qid: False


@dataclass(frozen=True)
class Case:
    """One question as `ask` sees it: its profile, vector and candidates, with each candidate's label."""

    qid: str
    answerable: bool
    kind: str
    question: QuestionProfile
    vector: np.ndarray
    candidates: tuple[Candidate, ...]
    labels: np.ndarray
    must: tuple[tuple[str, ...], ...]  # AND of OR-groups of phrases a right answer contains
    passages: tuple[str, ...] = ()  # the retrieved passages' texts, in rank order
    mapped: np.ndarray | None = None  # `vector` moved by a query map that never saw this question

    def example(self) -> "Example":
        matrix = feature_matrix(self.question, self.vector, self.candidates, self.mapped)
        return Example(self.qid, self.answerable, self.kind, matrix,
                       self.labels, self.candidates, self.must, route(self.question),
                       unanswerable_reason(self.question, [c.sentence.text for c in self.candidates]) is not None,
                       asked_finding(self.question.text), tuple(self.question.authorities), self.question, self.passages)


@dataclass(frozen=True)
class Example:
    """One question's candidates: their features and labels, and what the question is."""

    qid: str
    answerable: bool
    kind: str
    matrix: np.ndarray
    labels: np.ndarray
    candidates: tuple[Candidate, ...] = ()
    must: tuple[tuple[str, ...], ...] = ()
    form: str = "fact"  # the route its question takes
    gated: bool = False  # an evidence rule (answer/evidence.py) says the candidates cannot answer
    finding: str | None = None  # the one kind of finding a summary question asks for
    named: tuple[str, ...] = ()  # the indexed authorities the question names: the sides of a comparison
    # What the question's form asks an answer to hold (answer/wanted.py), checked against the passages' texts.
    question: QuestionProfile | None = None
    passages: tuple[str, ...] = ()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", normalise_for_match(text))


def holds_quote(sentence: str, quote: str) -> bool:
    """A sentence holds an evidence quote when it contains it, lies inside it, or (a quote running across a
    sentence end) shares with it a run of at least five words at the quote's start or end."""
    s, q = " ".join(_words(sentence)), " ".join(_words(quote))
    if not s or not q:
        return False
    if q in s or (len(s.split()) >= 4 and s in q):
        return True
    qw, sw = q.split(), s.split()
    runs = range(5, min(len(qw), len(sw)) + 1)
    return any(sw[-k:] == qw[:k] or sw[:k] == qw[-k:] for k in runs)


def _doc_stem(name: str) -> str:
    return Path(name.split("#")[0]).stem


def cases_for(labelled: LabelledSet, settings: Settings, embedder) -> Iterator[Case]:
    """Index the corpus in a temporary folder, then yield every usable question's candidates."""
    from assistant.pipeline import Assistant

    with tempfile.TemporaryDirectory(prefix="assistant-train-") as tmp:
        local = settings.model_copy(update={"index_dir": Path(tmp) / "index", "data_dir": Path(tmp) / "data",
                                            "chroma_url": None})
        helper = Assistant(local, embedder=embedder)
        helper.ingest([labelled.corpus])
        yield from cases_in(helper, labelled)


def cases_in(helper, labelled: LabelledSet) -> Iterator[Case]:
    """Every usable question's candidates, as `ask` finds them in `helper`'s index of the labelled corpus."""
    from assistant.retrieval.hybrid import retrieve, scope

    settings = helper.settings
    documents = helper.documents()
    keyword = helper.keyword_for(documents)
    for line in iter_jsonl(labelled.questions, "questions"):
        item = line.record
        if item is None or labelled.excluded(str(item.get("id", ""))):
            continue
        turns = [Turn(t["role"], t["content"]) for t in item.get("history", [])]
        standalone = helper.standalone(item["question"], turns)
        area = scope(documents, standalone, item.get("filters") or {})
        passages = retrieve(expand_acronyms(standalone), area, documents, helper.store, keyword,
                            helper.query_embedder, settings.top_k, settings.candidates, "hybrid", settings.retrieval)
        candidates = helper.extractive.candidates(passages)
        if not candidates:
            continue
        asked = profile(standalone, helper.extractive.idf)
        evidence = [(_doc_stem(e["doc"]), e["quote"]) for e in item.get("evidence", [])]
        sources = {c.sentence.doc_id: _doc_stem(documents[c.sentence.doc_id].get("source", "")) for c in candidates}
        labels = np.array([
            any(sources[c.sentence.doc_id] == doc and holds_quote(c.sentence.text, quote) for doc, quote in evidence)
            for c in candidates
        ], dtype=float)
        yield Case(f"{labelled.name}:{item['id']}", bool(item.get("answerable", True)),
                   str(item.get("kind", labelled.name)), asked, helper.query_embedder.embed_query(standalone),
                   tuple(candidates), labels, tuple(tuple(g) for g in item.get("must", [])),
                   tuple(p.chunk.text for p in passages))


def fold_of(position: int, folds: int) -> int:
    """The fold of the question at `position` in the training list: the query maps, the rankers and the
    cross-validated eval (eval/crossval.py) must split the questions alike, or a question's answer would come from a
    model that saw it."""
    return position % folds


def authority_folds(cases: Sequence[Case], folds: int = 5) -> list[int]:
    """Each case's fold when questions are split by the authority they are about, so that a fold's authorities, and
    their reports, are unseen by the models fitted without it, as a new report's are. A question is about the
    authority of the report its first answering candidate stands in, or else the first authority it names, or
    else only itself. The largest groups are placed first, each in the fold holding fewest questions so far."""
    def about(case: Case) -> str:
        answering = [c for c, label in zip(case.candidates, case.labels) if label > 0 and c.authorities]
        if answering:
            return answering[0].authorities[0].lower()
        return case.question.authorities[0].lower() if case.question.authorities else case.qid

    groups: dict[str, list[int]] = {}
    for i, case in enumerate(cases):
        groups.setdefault(about(case), []).append(i)
    assigned = [0] * len(cases)
    sizes = [0] * folds
    for members in sorted(groups.values(), key=lambda m: (-len(m), m[0])):
        fold = sizes.index(min(sizes))
        sizes[fold] += len(members)
        for i in members:
            assigned[i] = fold
    return assigned


def folds_of(count: int, folds: int, assigned: Sequence[int] | None = None) -> list[int]:
    """The fold of each of `count` questions: as `assigned`, or else by position (`fold_of`)."""
    return list(assigned) if assigned is not None else [fold_of(i, folds) for i in range(count)]


def with_query_maps(
    cases: Sequence[Case], folds: int = 5, assigned: Sequence[int] | None = None,
) -> tuple[list[Case], list[QueryMap], QueryMap]:
    """Each case with its question's vector moved by a query map fitted without it (folds by `fold_of`, as the
    rankers', or as `assigned`), so the ranker learns how far to trust the mapped similarity on questions the map
    never saw; the fold maps; and the map fitted on every case, which the shipped ranker carries."""
    fold = folds_of(len(cases), folds, assigned)
    examples = [MapExample(c.vector, np.stack([x.vector for x in c.candidates]), c.labels > 0) for c in cases]
    maps = [fit_query_map([e for e, f in zip(examples, fold) if f != held]) for held in range(folds)]
    mapped = [replace(c, mapped=maps[f].apply(c.vector)) for c, f in zip(cases, fold)]
    return mapped, maps, fit_query_map(examples)


def data_hash(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(e.qid.encode())
        digest.update(np.round(e.matrix, 6).tobytes())
        digest.update(e.labels.tobytes())
    return digest.hexdigest()


def _fit(matrix: np.ndarray, labels: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((matrix - mean) / scale, labels)
    return mean, scale, model.coef_[0], float(model.intercept_[0])


def _plain(text: str) -> str:
    return " ".join(normalise_for_match(text).replace("\u2013", "-").replace("\u2014", "-").split())


@lru_cache(maxsize=2)
def _finding_kinds(path: Path | None) -> FindingClassifier:
    return FindingClassifier.load(path or DEFAULT_FINDING_MODEL)


def _outcome(example: Example, probabilities: np.ndarray, threshold: float, settings: AnswerSettings) -> bool:
    """Whether the answer composed from these probabilities is right, as the devset scorer judges it: an
    answerable question answered with every `must` group present, an unanswerable one abstained."""
    ranked = sorted((RankedSentence(c, float(p)) for c, p in zip(example.candidates, probabilities)),
                    key=lambda r: -r.probability)
    kinds = _finding_kinds(settings.finding_model_path) if example.finding and example.form == "summary" else None
    chosen = [] if example.gated else compose(ranked, threshold, settings, example.form, example.named, example.finding,
                                              finding_kinds=kinds)
    if chosen and settings.require_wanted and example.question is not None:
        chosen = holding_wanted(example.question, ranked, chosen, example.passages)
    if not example.answerable:
        return not chosen
    answer = _plain(" ".join(r.text for r in chosen))
    return bool(chosen) and all(any(_plain(alt) in answer for alt in group) for group in example.must)


def choose_threshold(
    examples: Sequence[Example], probabilities: Sequence[np.ndarray], settings: AnswerSettings = AnswerSettings()
) -> tuple[float, float]:
    """The threshold right for the most questions: the middle of the best thresholds (a finer grid and the
    largest margin on both sides of a plateau, rather than its edge)."""
    grid = np.round(np.arange(0.02, 0.9, 0.005), 3)
    scores = np.array([np.mean([_outcome(e, p, t, settings) for e, p in zip(examples, probabilities)]) for t in grid])
    best = np.flatnonzero(scores == scores.max())
    middle = int(best[len(best) // 2])
    return float(grid[middle]), float(scores[middle])


def fold_rankers(
    examples: Sequence[Example], c: float, threshold: float, folds: int = 5, assigned: Sequence[int] | None = None,
) -> list[SentenceRanker]:
    """One ranker per fold, fitted without that fold's questions (`fold_of`, or as `assigned`)."""
    fold = folds_of(len(examples), folds, assigned)
    rankers = []
    for held in range(folds):
        train = [e for e, f in zip(examples, fold) if f != held]
        mean, scale, coef, intercept = _fit(np.vstack([e.matrix for e in train]), np.concatenate([e.labels for e in train]), c)
        rankers.append(SentenceRanker(FEATURE_NAMES, mean, scale, coef, intercept, threshold, data_hash(train)))
    return rankers


def out_of_fold(
    examples: Sequence[Example], c: float, folds: int = 5, assigned: Sequence[int] | None = None,
) -> list[np.ndarray]:
    """Each question's candidate probabilities from a model fitted without it (folds by question, or as `assigned`)."""
    rankers = fold_rankers(examples, c, 0.0, folds, assigned)
    return [rankers[f].probabilities(e.matrix) for e, f in zip(examples, folds_of(len(examples), folds, assigned))]


def unseen_authorities(
    cases: Sequence[Case], c: float, folds: int = 5, settings: AnswerSettings = AnswerSettings()
) -> dict[str, Any]:
    """The out-of-fold share of questions right when the query maps and rankers never saw the authority a question
    is about (`authority_folds`): the figure for reports of a new authority. `assistant train`'s own figures split
    by question, and a question's report is then seen through other questions on it."""
    assigned = authority_folds(cases, folds)
    mapped, _, _ = with_query_maps(cases, folds, assigned)
    examples = [case.example() for case in mapped]
    probabilities = out_of_fold(examples, c, folds, assigned)
    threshold, score = choose_threshold(examples, probabilities, settings)
    return {"cv_right": round(score, 4), "threshold": threshold,
            "by_kind": _by_kind(examples, probabilities, threshold, settings)}


def train(
    examples: Sequence[Example], ablate: Sequence[str] = (), settings: AnswerSettings = AnswerSettings()
) -> tuple[SentenceRanker, dict[str, Any]]:
    """Fit the ranker; `ablate` names features zeroed out (to measure what each earns). Answers are composed as
    `settings` compose them, so the threshold is chosen for the answers the user will get."""
    keep = np.array([name not in ablate for name in FEATURE_NAMES], dtype=float)
    examples = [replace(e, matrix=e.matrix * keep) for e in examples]
    report: dict[str, Any] = {"questions": len(examples), "candidates": int(sum(len(e.labels) for e in examples)),
                              "positives": int(sum(e.labels.sum() for e in examples))}
    best_c, best_score, best_probs = 1.0, -1.0, None
    for c in (0.03, 0.1, 0.3, 1.0, 3.0):
        probs = out_of_fold(examples, c)
        threshold, score = choose_threshold(examples, probs, settings)
        report[f"cv_C={c}"] = round(score, 4)
        if score > best_score:
            best_c, best_score, best_probs = c, score, probs
    threshold, score = choose_threshold(examples, best_probs, settings)
    report.update(C=best_c, threshold=threshold, cv_right=round(score, 4),
                  by_kind=_by_kind(examples, best_probs, threshold, settings))
    # What routing earns: the same probabilities composed as if every question asked for a fact.
    as_facts = [replace(e, form="fact") for e in examples]
    report["cv_right_without_routes"] = round(float(np.mean([_outcome(e, p, threshold, settings)
                                                              for e, p in zip(as_facts, best_probs)])), 4)
    no_rule = [replace(e, gated=False) for e in examples]
    report["cv_right_without_evidence_rules"] = round(float(np.mean([_outcome(e, p, threshold, settings)
                                                                  for e, p in zip(no_rule, best_probs)])), 4)
    report["routes"] = {form: sum(e.form == form for e in examples) for form in ("fact", "summary", "compare")}
    mean, scale, coef, intercept = _fit(
        np.vstack([e.matrix for e in examples]), np.concatenate([e.labels for e in examples]), best_c
    )
    ranker = SentenceRanker(FEATURE_NAMES, mean, scale, coef, intercept, threshold, data_hash(examples))
    report["weights"] = {n: round(float(w), 3) for n, w in zip(FEATURE_NAMES, coef)}
    return ranker, report


def _by_kind(
    examples: Sequence[Example], probabilities: Sequence[np.ndarray], threshold: float, settings: AnswerSettings
) -> dict[str, float]:
    kinds: dict[str, list[bool]] = {}
    for e, p in zip(examples, probabilities):
        kinds.setdefault(e.kind, []).append(_outcome(e, p, threshold, settings))
    return {k: round(float(np.mean(v)), 3) for k, v in sorted(kinds.items())}


def labelled_sets(devset: Path, corpus: Path, gold: Path) -> list[LabelledSet]:
    from assistant.core.errors import InputError
    from assistant.eval.devset import load_scorer

    if not (devset / "questions.jsonl").is_file() or not (devset / "corpus").is_dir():
        raise InputError(f"no devset questions and corpus at {devset}")
    split_of = load_scorer(devset).split_of
    sets = [LabelledSet("devset", devset / "corpus", devset / "questions.jsonl", lambda qid: split_of(qid) == "held-out")]
    if gold.is_file():
        sets.append(LabelledSet("gold", corpus, gold))
    return sets


def collect(sets: Sequence[LabelledSet], settings: Settings, embedder) -> list[Case]:
    return [c for s in sets for c in cases_for(s, settings, embedder)]


def ablation_report(
    examples: Sequence[Example], ablate: Sequence[str], full: dict[str, Any],
    settings: AnswerSettings = AnswerSettings(),
) -> list[str]:
    """One line per ablated feature group: the out-of-fold share of questions right without it."""
    lines = []
    for name in ablate:
        dropped = [f for f in FEATURE_NAMES if f == name or (name.endswith("_") and f.startswith(name))]
        if not dropped:
            lines.append(f"ablate {name}: no such feature")
            continue
        _, report = train(examples, ablate=dropped, settings=settings)
        lines.append(f"ablate {name}: cv right {report['cv_right']} (with it {full['cv_right']}); by kind {report['by_kind']}")
    return lines
