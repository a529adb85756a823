"""Corrections to a report's metadata: stored beside the index, checked, applied over what describe reads."""
from __future__ import annotations

import shutil

import pytest

from assistant.ingest.corrections import CORRECTIONS_FILE, FIELDS, CorrectionError, Corrections, apply
from assistant.ingest.describe import describe
from assistant.ingest.load import load_document
from tests.conftest import CORPUS, build_settings


def test_corrections_persist_and_apply_over_described_metadata(tmp_path):
    path = next(CORPUS.glob("003_*.txt"))  # the unnamed authority's focused visit
    document = load_document(path, 10**8)
    store = Corrections(tmp_path / "index")
    store.set(document.id, document.source, "authority", "north somerset")
    store.set(document.id, document.source, "date", "2018-07")
    assert (tmp_path / "index" / CORRECTIONS_FILE).is_file()

    # A fresh reader (another process, a later ingest) sees the same corrections.
    again = Corrections(tmp_path / "index")
    meta = again.apply(document.id, describe(document.text, document.title, document.source).as_metadata())
    assert meta["authority"] == "North Somerset"  # the gazetteer's spelling
    assert meta["authorities"].startswith("North Somerset") and meta["authority_north_somerset"] is True
    assert (meta["date"], meta["year"], meta["date_ord"]) == ("2018-07", 2018, 20180700)
    assert meta["inspection_type"] == "focused visit"  # uncorrected fields keep what the text says
    assert meta["corrected"] == "authority, date"
    assert again.summary() == {"documents": 1, "fields": {"authority": 1, "date": 1}}


def test_an_uncorrected_document_keeps_its_metadata(tmp_path):
    meta = {"authority": "Wirral", "date": "unknown"}
    assert Corrections(tmp_path).apply("nope", meta) == meta
    assert Corrections(tmp_path).summary() == {"documents": 0, "fields": {}}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "x", "cannot correct"),
    ("date", "2019-13", "not a real date of the form YYYY"),
    ("date", "July 2019", "not a real date of the form YYYY"),
    ("inspection_type", "focused visit " * 20, "characters long; the limit is 100"),
    ("judgement", "brilliant", "is not one of"),
    ("authority", "  ", "empty"),
])
def test_bad_corrections_are_refused(tmp_path, field, value, message):
    with pytest.raises(CorrectionError, match=message):
        Corrections(tmp_path).set("d1", "a.txt", field, value)
    assert not (tmp_path / CORRECTIONS_FILE).exists()


def test_clearing_a_field_or_a_document(tmp_path):
    store = Corrections(tmp_path)
    store.set("d1", "a.txt", "judgement", "Requires Improvement")
    store.set("d1", "a.txt", "inspection_type", "focused visit")
    assert store.get("d1").values == {"judgement": "requires improvement", "inspection_type": "focused visit"}
    meta = apply({"judgement": "unknown"}, store.get("d1").values)
    assert meta["judgement_requires_improvement"] is True
    store.clear("d1", "judgement")
    assert store.get("d1").values == {"inspection_type": "focused visit"}
    store.clear("d1")
    assert store.get("d1") is None and store.all() == []


def test_a_damaged_file_is_reported_not_ignored(tmp_path):
    (tmp_path / CORRECTIONS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(CorrectionError, match="unreadable"):
        Corrections(tmp_path).all()


# ---------------------------------------------------------------- corrections of an indexed report


MASH = "003_c058eaba94c55f19.txt"  # the unnamed authority's MASH focused visit
PILOT = "001_85a2b1ef848920a2.txt"  # Warrington: 'good' overall, 'inadequate (2009)' before


WIRRAL = "002_eb698fe6b1a51e1f.txt"  # a monitoring visit: no overall grade


@pytest.fixture
def library(tmp_path, shared_embedder):
    """An Assistant over its own copy of three shipped reports (a test may change a file), ingested."""
    from assistant.pipeline import Assistant

    (tmp_path / "corpus").mkdir()
    for name in (MASH, PILOT, WIRRAL):
        shutil.copy(CORPUS / name, tmp_path / "corpus" / name)
    helper = Assistant(build_settings(tmp_path, corpus_dir=tmp_path / "corpus"), embedder=shared_embedder)
    assert helper.ingest().count("indexed") == 3
    return helper


def doc_id_of(helper, name: str) -> str:
    return next(d for d, meta in helper.documents().items() if meta["source"].endswith(name))


def chunk_rows(helper, doc_id: str) -> dict:
    rows = helper.store._chunks.get(where={"doc_id": doc_id}, include=["metadatas", "embeddings"])
    return {i: (dict(m), list(v)) for i, m, v in zip(rows["ids"], rows["metadatas"], rows["embeddings"])}


def test_a_correction_changes_the_stored_metadata_in_place_for_every_reader(library, shared_embedder):
    from assistant.pipeline import Assistant

    doc_id = doc_id_of(library, MASH)
    before = chunk_rows(library, doc_id)
    other = Assistant(library.settings, embedder=shared_embedder)  # another process on the same index
    assert other.documents()[doc_id]["authority"] == "unknown"
    assert not library.keyword.search("North Somerset", 5)  # no shipped report names it

    document = library.correct(MASH, "authority", "north somerset")

    assert (document.id, document.source, document.metadata["authority"]) == (doc_id, f"corpus/{MASH}", "North Somerset")
    stored = library.documents()[doc_id]
    assert (stored["authority"], stored["authorities"], stored["corrected"]) == ("North Somerset",) * 2 + ("authority",)
    assert stored["authority_north_somerset"] is True and stored["inspection_type"] == "focused visit"
    after = chunk_rows(library, doc_id)
    assert after.keys() == before.keys()
    for chunk_id, (meta, vector) in after.items():
        assert meta["authority"] == "North Somerset" and meta["authority_north_somerset"] is True
        assert vector == before[chunk_id][1]  # not re-embedded
    stats = library.stats()
    assert stats["corrections"] == {"documents": 1, "fields": {"authority": 1}}
    assert stats["authorities"]["North Somerset"] == 1 and "unknown" not in stats["authorities"]
    # The other Assistant sees the new commit records (generation token) and rebuilds its BM25 on them.
    assert other.documents()[doc_id]["authority"] == "North Somerset"
    assert other.keyword_for(other.documents()).state == library.keyword.state
    hits = other.keyword_for(other.documents()).search("North Somerset", 50)
    assert hits and {chunk_id for chunk_id, _ in hits} <= after.keys()

    answer = other.ask("What did inspectors say about the MASH?", filters={"authority": "North Somerset"})
    assert not answer.abstained and answer.citations
    assert {(c.doc_id, c.metadata["authority"]) for c in answer.citations} == {(doc_id, "North Somerset")}


def test_corrections_survive_a_changed_file_and_a_rebuild(library):
    doc_id = doc_id_of(library, PILOT)
    assert library.documents()[doc_id]["judgement_good"] is True
    library.correct(doc_id, "judgement", "Requires improvement")
    library.correct(f"corpus/{PILOT}", "date", "2008-11")
    expected = {"judgement": "requires improvement", "judgements": "requires improvement; inadequate (2009)",
                "date": "2008-11", "year": 2008, "date_ord": 20081100, "corrected": "date, judgement"}

    def check_stored() -> None:
        meta = library.documents()[doc_id]
        assert {k: meta.get(k) for k in expected} == expected
        assert "judgement_good" not in meta and meta["judgement_inadequate"] is True  # the earlier grade stays
        assert all("judgement_good" not in m for m, _ in chunk_rows(library, doc_id).values())
        found = library.ask("How was Warrington judged?", filters={"judgement": "good"})
        assert all(c.doc_id != doc_id for c in found.citations)

    check_stored()
    assert library.ingest().count("unchanged") == 3
    check_stored()
    path = library.settings.corpus_dir / PILOT
    path.write_text(path.read_text(encoding="utf-8") + "\nA line added later.\n", encoding="utf-8")
    assert library.ingest().count("indexed") == 1  # described again from the new text, corrections applied
    check_stored()
    assert library.ingest(rebuild=True).count("indexed") == 3
    check_stored()
    assert library.stats()["corrections"] == {"documents": 1, "fields": {"date": 1, "judgement": 1}}


def test_bad_corrections_are_one_line_errors_and_change_nothing(library, monkeypatch, capsys):
    from assistant.apps import cli
    from assistant.core.errors import InputError
    from tests.conftest import cli_env

    doc_id = doc_id_of(library, MASH)
    before = library.documents()
    for report, field, value, message in [
        (doc_id, "title", "x", "cannot correct 'title'"),
        (doc_id, "date", "25 July 2018", "not a real date of the form YYYY"),
        (doc_id, "judgement", "brilliant", "is not one of"),
        ("nowhere.txt", "date", "2018", "no indexed report has the id, source or file name 'nowhere.txt'"),
    ]:
        with pytest.raises(InputError, match=message) as caught:
            library.correct(report, field, value)
        assert isinstance(caught.value, CorrectionError) and "\n" not in str(caught.value)
    assert library.documents() == before
    assert not (library.settings.index_dir / CORRECTIONS_FILE).exists()

    for key, value in cli_env(library.settings).items():
        monkeypatch.setenv(key, value)
    assert cli.main(["correct", MASH, "judgement", "brilliant"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: judgement 'brilliant' is not one of") and error.count("\n") == 1
    assert cli.main(["correct", MASH, "date", "2018-07"]) == 0
    assert capsys.readouterr().out == f"corpus/{MASH}: date is now 2018-07 (corrected: date)\n"
    assert library.documents()[doc_id]["date"] == "2018-07"
    assert cli.main(["stats"]) == 0
    assert " corrections: 1 reports (date 1)\n" in capsys.readouterr().out


def test_the_library_form_corrects_a_report_and_refreshes_the_table(library):
    import gradio as gr

    from assistant.apps.web import handlers
    from assistant.apps.web.corrections import FIELD_CHOICES, correct_report
    from assistant.apps.web.pages.ask import AskPage
    from assistant.apps.web.pages.library import LibraryPage

    doc_id = doc_id_of(library, WIRRAL)
    assert [field for _, field in FIELD_CHOICES] == list(FIELDS)
    assert correct_report(library, None, "date", "2019") == "Choose a report to correct."
    assert correct_report(library, doc_id, None, "2019") == "Choose the field to correct."
    assert correct_report(library, doc_id, "date", "spring 2019") == (
        "Not corrected: date 'spring 2019' is not a real date of the form YYYY, YYYY-MM or YYYY-MM-DD")

    # The page's Apply button: its event corrects, then refreshes the table, the report choices and the filters.
    with gr.Blocks() as demo:
        ask, page = AskPage(library, gr.State([])), LibraryPage(library)
        ask.build()
        page.build()
        page.wire(ask, [page, ask.filters])
    apply = next(f for f in demo.fns.values() if any(t[0] == page.correct_button._id for t in f.targets))
    assert [c._id for c in apply.inputs[:3]] == [page.to_correct._id, page.field._id, page.value._id]
    status, table, *_ = apply.fn(doc_id, "judgement", "Inadequate", "", "", "", "", "")
    title = library.documents()[doc_id]["title"]
    assert status == (f"Corrected the judgement of “{title}” to inadequate; it is kept when the "
                      "report is indexed again.")
    row = next(r for r in handlers.library_rows(library) if r[-1] == f"corpus/{WIRRAL}")
    assert row[4].startswith("inadequate")
    assert f'<td data-label="Judgement">{row[4]}</td>' in table  # the refreshed table shows it
    assert library.documents()[doc_id]["judgement"] == "inadequate"


@pytest.mark.parametrize("value, label", [("2018-07", "July 2018"), ("2018", "2018")])
def test_a_report_dated_to_the_month_or_year_only_is_briefed(library, value, label):
    # A date corrected to the month (the README's own example) or stated so by a text made `brief` raise
    # "Invalid isoformat string" with a traceback.
    from assistant.apps.brief.build import brief_markdown

    library.correct(MASH, "date", value)
    markdown = brief_markdown(library, "MASH")
    assert f"{label}: focused visit" in markdown and f"**Date: {label}**" in markdown, markdown[:1500]


def test_a_correction_can_be_undone_from_the_cli_and_the_app(library, monkeypatch, capsys):
    # "an empty date is not a correction (clear it instead)", and nothing could clear it.
    from assistant.apps import cli
    from assistant.apps.web.corrections import correct_report
    from tests.conftest import cli_env

    doc_id = doc_id_of(library, MASH)
    read = library.documents()[doc_id]["date"]
    for key, value in cli_env(library.settings).items():
        monkeypatch.setenv(key, value)
    assert cli.main(["correct", MASH, "date", "2018-07"]) == 0
    assert cli.main(["correct", MASH, "date", "--clear"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"corpus/{MASH}: date is now {read} (corrected: nothing)"
    assert library.documents()[doc_id]["date"] == read and Corrections(library.settings.index_dir).get(doc_id) is None
    for args in (["correct", MASH, "date"], ["correct", MASH, "date", "2019", "--clear"]):
        assert cli.main(args) == 2
        assert capsys.readouterr().err.splitlines()[-1] == "assistant correct: error: give either a VALUE or --clear"

    assert correct_report(library, doc_id, "judgement", "inadequate").startswith("Corrected the judgement")
    assert library.documents()[doc_id]["judgement"] == "inadequate"
    message = correct_report(library, doc_id, "judgement", " ")
    assert message.startswith("No correction of the judgement of") and message.endswith("as read from its text.")
    assert Corrections(library.settings.index_dir).get(doc_id) is None
