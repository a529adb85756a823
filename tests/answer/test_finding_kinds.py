"""The finding classifier: the packaged model on invented sentences, its training on the labelled sentences
(cross-validated by document), and bad label rows or vectors named, not guessed."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answer.finding_kinds import DEFAULT_FINDING_MODEL, FindingClassifier
from assistant.answer.features import Candidate
from assistant.answer.finding_training import DEFAULT_LABELS, read_labels, sentence_hash, train_findings
from assistant.answer.training import Example, _outcome
from assistant.core.errors import ConfigurationError
from assistant.core.settings import AnswerSettings
from assistant.core.types import StoredSentence
from assistant.text import sentences, squash
from assistant.text.findings import ACTIONS, IMPROVEMENTS, STRENGTHS
from tests.conftest import DEVSET

# Invented, in the manner of inspection letters: no sentence of any corpus.
INVENTED = [
    ("Social workers know their children well and visit them regularly.", STRENGTHS),
    ("Care leavers told inspectors that their personal advisers are helpful and easy to reach.", STRENGTHS),
    ("Too many children wait too long for an initial assessment of their needs.", IMPROVEMENTS),
    ("Plans for children in need are vague and do not say who will do what by when.", IMPROVEMENTS),
    ("Managers do not always check that actions agreed at meetings are completed.", IMPROVEMENTS),
    ("The council must improve the timeliness of return home interviews.", ACTIONS),
    ("Leaders should ensure that supervision records show how decisions are reached.", ACTIONS),
    ("The visit took place over two days in the autumn.", None),
    ("Inspectors looked at a sample of case files and spoke to social workers.", None),
]


def test_the_packaged_classifier_tells_strengths_weaknesses_actions_and_other_sentences(shared_embedder):
    classifier = FindingClassifier.load()
    vectors = shared_embedder.embed_documents([text for text, _ in INVENTED])
    found = [kind for kind, _ in classifier.kinds(vectors)]
    assert found == [kind for _, kind in INVENTED], list(zip(found, INVENTED))
    probabilities = classifier.probabilities(vectors)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


@pytest.mark.skipif(not (DEVSET / "corpus").is_dir(), reason="needs ../shared/devset")
def test_training_on_the_labelled_sentences_holds_up_on_documents_it_never_saw(shared_embedder, corpus_dir):
    folders = {"devset": DEVSET / "corpus", "corpus": corpus_dir}
    classifier, report = train_findings(DEFAULT_LABELS, folders, shared_embedder, shared_embedder.name)
    assert report["skipped_labels"] == 0
    judged = report["cross_validated"]
    # Each sentence judged by a model fitted without its document: the lexical cues it replaced put 0.669 of
    # these sentences in their labelled kind.
    assert judged["sentences"] >= 700 and judged["accuracy"] >= 0.70, judged
    assert all(judged[label]["recall"] > 0.3 for label in ("strength", "improvement", "action", "neutral")), judged
    packaged = FindingClassifier.load(DEFAULT_FINDING_MODEL)
    assert packaged.labels == classifier.labels and packaged.mean.shape == classifier.mean.shape


def test_a_label_row_whose_sentence_is_gone_is_skipped_and_counted(tmp_path, corpus_dir):
    source = sorted(corpus_dir.glob("*.txt"))[0]
    text = source.read_text()
    span = next(s for s in sentences(text) if len(text[s.start:s.end].split()) > 6)
    good = {"set": "corpus", "file": source.name, "start": span.start,
            "sha1": sentence_hash(text[span.start:span.end]), "label": "strength"}
    rows = [good, {**good, "sha1": "000000000000"}, {**good, "label": "praise"}, {**good, "set": "elsewhere"},
            {**good, "file": "missing.txt"}]
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n")
    data = read_labels(labels, {"corpus": corpus_dir})
    assert data.texts == (squash(text[span.start:span.end]),) and data.labels == ("strength",)
    assert data.skipped == 5


def test_vectors_of_another_model_are_refused_with_the_command_that_mends_it():
    classifier = FindingClassifier.load()
    with pytest.raises(ConfigurationError, match="assistant train --findings"):
        classifier.probabilities(np.ones((2, 8)))
    with pytest.raises(ConfigurationError, match="not of another-model"):
        FindingClassifier.load(DEFAULT_FINDING_MODEL, "another-model")
    assert FindingClassifier.load(DEFAULT_FINDING_MODEL, classifier.embed_model).labels == classifier.labels


def test_a_damaged_classifier_file_is_named(tmp_path):
    broken = tmp_path / "findings.json"
    broken.write_text('{"labels": ["strength", "praise"]}')
    with pytest.raises(ConfigurationError, match="cannot read the finding classifier .*praise"):
        FindingClassifier.load(broken)


def test_training_judges_a_summary_with_the_classifier_the_settings_name(tmp_path, shared_embedder):
    # `assistant train` chooses its threshold on composed answers; a summary of strengths is composed with the
    # finding classifier the user configured, as `ask` composes it, not always the packaged one.
    # The best sentence always leads a summary; only the sentences after it are sorted by kind.
    texts = [text for kind_wanted in (IMPROVEMENTS, STRENGTHS) for text, kind in INVENTED if kind == kind_wanted]
    vectors = shared_embedder.embed_documents(texts)
    candidates = tuple(Candidate(StoredSentence(f"d:{i}", "d", "c", i, i + 1, t), v, 1, ("Council",))
                       for i, (t, v) in enumerate(zip(texts, vectors)))
    example = Example("q", True, "summary", np.zeros((len(texts), 1)), np.zeros(len(texts)), candidates,
                      must=((texts[-1],),), form="summary", finding=STRENGTHS)
    probabilities = np.linspace(0.95, 0.9, len(texts))
    assert _outcome(example, probabilities, 0.1, AnswerSettings()) is True
    # The same weights with the labels' names swapped: what the packaged file calls a strength is now an
    # improvement, so the summary of strengths leaves the strength out.
    data = json.loads(DEFAULT_FINDING_MODEL.read_text())
    swapped = {"strength": "improvement", "improvement": "strength"}
    data["labels"] = [swapped.get(label, label) for label in data["labels"]]
    relabelled = tmp_path / "findings.json"
    relabelled.write_text(json.dumps(data))
    assert _outcome(example, probabilities, 0.1, AnswerSettings(finding_model_path=relabelled)) is False
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigurationError, match="broken.json"):
        _outcome(example, probabilities, 0.1, AnswerSettings(finding_model_path=broken))
