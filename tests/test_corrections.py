"""Corrections to a report's metadata: stored beside the index, checked, applied over what describe reads."""
from __future__ import annotations

import pytest

from assistant.ingest.corrections import CORRECTIONS_FILE, CorrectionError, Corrections, apply
from assistant.ingest.describe import describe
from assistant.ingest.load import load_document
from tests.conftest import CORPUS


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
    ("date", "2019-13", "not YYYY"),
    ("date", "July 2019", "not YYYY"),
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
