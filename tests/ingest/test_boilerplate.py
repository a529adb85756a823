"""Site furniture stays out of chunks; documents' text and offsets stay exact."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.index.chroma import ChromaStore
from assistant.ingest.boilerplate import (
    SITE_LINES_FILE, SiteLines, furniture_spans, is_furniture, line_key, preload_sites, source_host,
)
from assistant.ingest.load import load_document
from assistant.ingest.run import ingest_files, prepare
from tests.conftest import CORPUS, DEVSET



@pytest.mark.parametrize("line", [
    "Skip to main content", "0 Comments", "Share.", "Tel: 01632 960001 Contact Us", "About the author",
    "We use cookies to improve your experience. Accept all cookies", "Already have an account? Sign in here",
    "source: https://example.org/news/1", "https://example.org/page", "Home | News | Article", "Published:",
    "A Northwind Media collaboration - website design by Northwind", "Photo: agency/Picture Library", "-",
    "All content is available under the Open Government Licence v3.0, except where otherwise stated.",
    "12 High Street, Anytown AB1 2CD",
])
def test_site_furniture_lines(line):
    assert is_furniture(line)


@pytest.mark.parametrize("line", [
    "Inspectors found that children are safe and well supported.",
    "What needs to improve", "Leadership and management",
    "The council shared the report with partners and will publish an action plan.",
    "Children's services were rated good by Ofsted.",
])
def test_report_lines_are_not_furniture(line):
    assert not is_furniture(line)


def test_author_bio_block_runs_to_its_paragraph_end():
    text = "Report text here.\n\nAbout Author\n\nJournalist for twenty years, editor of the Gazette.\n\nMore text follows here."
    spans = furniture_spans(text)
    lines = [text[a:b] for a, b in spans]
    assert lines == ["About Author", "Journalist for twenty years, editor of the Gazette."]


def test_spans_are_whole_lines_of_the_untouched_text():
    document = load_document(next(CORPUS.glob("001_*.txt")), 10**8)
    for start, end in furniture_spans(document.text):
        assert start == 0 or document.text[start - 1] == "\n"
        assert end == len(document.text) or document.text[end] == "\n"


def test_lines_repeated_across_one_sites_pages_are_template(tmp_path):
    template = "Our newsroom brings you council stories every day"
    pages = {
        "a": f"source: https://news.example.org/a\n\n{template}\n\nLeeds children's services were rated good.",
        "b": f"source: https://news.example.org/b\n\n{template}\n\nKent children's services were rated outstanding.",
        "c": f"source: https://other.example.com/c\n\n{template}\n\nWirral was visited.",
    }
    sites = SiteLines(tmp_path / SITE_LINES_FILE)
    for doc_id, text in pages.items():
        sites.add(source_host(text), doc_id, text)
    assert source_host(pages["a"]) == "news.example.org"
    assert line_key(template) in sites.repeated("news.example.org")
    assert line_key(template) not in sites.repeated("other.example.com")  # one page is no template
    sites.save()
    reloaded = SiteLines(tmp_path / SITE_LINES_FILE)
    assert reloaded.repeated("news.example.org") == sites.repeated("news.example.org")
    spans = furniture_spans(pages["a"], reloaded.repeated("news.example.org"))
    assert template in [pages["a"][s:e] for s, e in spans]
    reloaded.forget(["b"])
    assert not reloaded.repeated("news.example.org")


def _assert_clean(chunks, document, repeated):
    """No chunk holds any part of a furniture line, and every whole line a chunk holds is no furniture."""
    spans = furniture_spans(document.text, repeated)
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start : chunk.end]
        for start, end in spans:
            assert end <= chunk.start or chunk.end <= start, (document.source, document.text[start:end])
        whole = document.text[document.text.rfind("\n", 0, chunk.start) + 1 : chunk.end].split("\n")[1:-1]
        for line in whole:
            assert not is_furniture(line), (document.source, line)
            assert len(line.strip()) < 12 or line_key(line) not in repeated, (document.source, line)


def test_shipped_reports_chunks_hold_no_furniture(make_settings, tmp_path):
    settings = make_settings(tmp_path)
    seen = ""
    for path in sorted(CORPUS.glob("*.txt")):
        document, chunks = prepare(load_document(path, 10**8), settings)
        _assert_clean(chunks, document, frozenset())
        seen += "".join(c.text for c in chunks)
    for widget in ("0 Comments", "About Author", "Mackman", "Tel:", "Leave A Comment"):
        assert widget not in seen


@pytest.mark.slow  # a devset index, subprocesses or a big file: in `make test`, not in `make test-fast`
@pytest.mark.skipif(not (DEVSET / "corpus").is_dir(), reason="the devset (../shared/devset) is not beside the repo")
def test_devset_chunks_hold_no_furniture_and_titles_are_headings(make_settings, tmp_path):
    settings = make_settings(tmp_path)
    files = sorted((DEVSET / "corpus").glob("*.txt"))
    sites = SiteLines(tmp_path / SITE_LINES_FILE)
    loaded = preload_sites(files, sites, lambda p: load_document(p, settings.max_file_bytes))
    assert set(loaded) == set(files)  # every devset text opens with its source line
    assert sites.repeated("hmiprobation.justiceinspectorates.gov.uk")  # two pages share the licence block
    for path in files:
        document = loaded[path]
        assert not document.title.lower().startswith("source:")
        assert furniture_spans(document.text)[0][0] == 0  # the source line at least
        repeated = sites.repeated(source_host(document.text))
        _, chunks = prepare(document, settings, repeated)
        assert chunks, path.name
        _assert_clean(chunks, document, repeated)
        assert not any("Open Government Licence" in c.text for c in chunks)


def test_ingest_learns_a_sites_template_across_the_batch(make_settings, tmp_path, shared_embedder):
    folder = tmp_path / "pages"
    folder.mkdir()
    template = "Serving families across the county since 1974"
    for name, body in (("one", "Leeds children's services were rated good by Ofsted."),
                       ("two", "Kent children's services were rated outstanding by Ofsted.")):
        (folder / f"{name}.txt").write_text(
            f"source: https://www.council-news.example/{name}\n\n{template}\n\n{body}\n", encoding="utf-8")
    settings = make_settings(tmp_path)
    store = ChromaStore(settings)
    report = ingest_files([folder], store, shared_embedder, settings)
    assert report.ok and report.count("indexed") == 2
    texts = store._chunks.get(include=["documents"])["documents"]
    assert texts and not any(template in t or "source:" in t for t in texts)
    assert SiteLines(settings.index_dir / SITE_LINES_FILE).repeated("council-news.example")
    (folder / "two.txt").unlink()
    assert ingest_files([folder], store, shared_embedder, settings, prune=True).count("removed") == 1
    assert not SiteLines(settings.index_dir / SITE_LINES_FILE).repeated("council-news.example")  # one page left


@pytest.mark.slow  # a devset index, subprocesses or a big file: in `make test`, not in `make test-fast`
@pytest.mark.skipif(not (DEVSET / "questions.jsonl").is_file(), reason="the devset (../shared/devset) is not beside the repo")
def test_devset_answers_cite_no_furniture(make_settings, tmp_path, shared_embedder):
    """Every citation of answers to a quarter of the devset questions avoids every furniture line."""
    import json

    from assistant.pipeline import Assistant

    settings = make_settings(tmp_path)
    helper = Assistant(settings, embedder=shared_embedder)
    assert helper.ingest([DEVSET / "corpus"]).ok
    sites = SiteLines(settings.index_dir / SITE_LINES_FILE)
    lines = (DEVSET / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()][::4]
    cited = 0
    for question in questions:
        answer = helper.ask(question["question"], history=question.get("history", ()))
        for citation in answer.citations:
            text = load_document(Path(citation.source), settings.max_file_bytes).text
            assert citation.text == text[citation.start : citation.end]
            for start, end in furniture_spans(text, sites.repeated(source_host(text))):
                assert end <= citation.start or citation.end <= start, (citation.source, text[start:end])
            cited += 1
    assert cited >= len(questions) // 2
