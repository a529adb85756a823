"""Issue 17, index and retrieval: an identifier only BM25 finds comes first; a read-only index still answers;
a full disk fails an ingest in one line and leaves the index answering."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.core.settings import RetrievalSettings
from assistant.pipeline import Assistant
from tests.conftest import CORPUS, build_settings

CASEFILE = (
    "Case audit note\n\nIn case record DURDOC287 the MASH passed the contact on to the assessment team after four "
    "days. Managers in the MASH agreed to review why contacts on this record waited.\n"
)
QUESTION = "How were contacts and referrals in the MASH handled for DURDOC287?"


@pytest.fixture(scope="module")
def with_casefile(tmp_path_factory, shared_embedder) -> Assistant:
    """The shipped reports plus one case note that quotes an identifier."""
    root = tmp_path_factory.mktemp("exact")
    docs = root / "docs"
    shutil.copytree(CORPUS, docs)
    (docs / "casefile.txt").write_text(CASEFILE, encoding="utf-8")
    helper = Assistant(build_settings(root, corpus_dir=docs), embedder=shared_embedder)
    assert helper.ingest().count("indexed") == 6
    return helper


def _ranked(helper: Assistant, question: str) -> list[str]:
    return [Path(p.chunk.source).name for p in helper.ask(question).retrieved]


def test_a_rare_identifier_puts_its_passage_first_and_the_answer_cites_it(with_casefile):
    # Without the boost the case note is behind report passages that dense and BM25 both find.
    plain = Assistant(
        with_casefile.settings.model_copy(update={"retrieval": RetrievalSettings(exact_max_chunks=0)}),
        embedder=with_casefile.embedder,
    )
    assert _ranked(plain, QUESTION)[0] != "casefile.txt"
    assert _ranked(with_casefile, QUESTION)[0] == "casefile.txt"
    answer = with_casefile.ask(QUESTION)
    assert "casefile.txt" in {Path(c.source).name for c in answer.citations}, answer.answer
    assert "DURDOC287" in " ".join(c.quote for c in answer.citations)


def test_common_capitals_are_no_identifier(with_casefile):
    keyword = with_casefile.keyword
    assert len(keyword.postings("durdoc287")) == 1
    assert len(keyword.postings("mash")) > with_casefile.settings.retrieval.exact_max_chunks
    assert keyword.postings("notaword") == []
    # MASH alone is in too many passages to pick any: the ranking is the fusion's own.
    plain = with_casefile.settings.model_copy(update={"retrieval": RetrievalSettings(exact_max_chunks=0)})
    question = "How were contacts and referrals in the MASH handled?"
    assert _ranked(with_casefile, question) == _ranked(Assistant(plain, embedder=with_casefile.embedder), question)
