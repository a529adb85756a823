"""Issue 17, ingest: legacy and UTF-16 encodings read (and recorded), NUL bytes anywhere refused."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.core.errors import LoadError
from assistant.ingest.load import load_document
from assistant.pipeline import Assistant

MB = 1024 * 1024
WESTERN = (
    "The council\u2019s \u201cgood\u201d rating \u2013 a na\u00efve caf\u00e9 r\u00e9sum\u00e9 of the Wirral visit, "
    "\u00a32 million."
)


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_legacy_western_files_are_decoded_as_cp1252(tmp_path, codec):
    text = WESTERN if codec == "cp1252" else "Caf\u00e9 r\u00e9sum\u00e9 of the visit to Wirral, na\u00efve."
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(codec))
    document = load_document(path, 10 * MB)
    # clean() maps curly quotes, dashes and the like to ASCII; letters with accents stay as they are.
    assert "na\u00efve" in document.text and "caf\u00e9" in document.text.lower()
    assert document.metadata["encoding"] == "cp1252"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_text_not_binary(tmp_path, codec):
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    path = tmp_path / "wide.txt"
    path.write_bytes(bom + ("Warrington inspection.\n" + WESTERN).encode(codec))
    document = load_document(path, 10 * MB)
    assert document.text.startswith("Warrington inspection.\n")
    assert "caf\u00e9" in document.text
    assert document.metadata["encoding"] == "utf-16"


def test_utf8_is_recorded_and_other_encodings_only_when_needed(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text(WESTERN, encoding="utf-8")
    assert load_document(path, 10 * MB).metadata == {"encoding": "utf-8"}


@pytest.mark.parametrize("offset", [0, 8191, 8192, 200_000])
def test_a_nul_byte_anywhere_means_binary(tmp_path, offset):
    path = tmp_path / "late.txt"
    body = b"Plain report text. " * (offset // 19 + 1)
    path.write_bytes(body[:offset] + b"\x00" + body[offset:])
    with pytest.raises(LoadError) as caught:
        load_document(path, 10 * MB)
    assert str(caught.value) == f"binary content, not text (NUL byte at offset {offset})"


def test_encodings_reach_the_index_and_stats(make_settings, tmp_path, shared_embedder):
    folder = tmp_path / "mixed"
    folder.mkdir()
    report = "Inspection of Warrington children's services. Inspectors found that social workers know children well. "
    (folder / "windows.txt").write_bytes((report + WESTERN).encode("cp1252"))
    (folder / "wide.txt").write_bytes(b"\xff\xfe" + (report * 2).encode("utf-16-le"))
    helper = Assistant(make_settings(tmp_path), embedder=shared_embedder)
    outcome = helper.ingest([folder])
    assert outcome.ok and outcome.count("indexed") == 2, outcome.outcomes
    by_source = {Path(meta["source"]).name: meta for meta in helper.documents().values()}
    assert by_source["windows.txt"]["encoding"] == "cp1252"
    assert by_source["wide.txt"]["encoding"] == "utf-16"
    assert helper.stats()["encodings"] == {"cp1252": 1, "utf-16": 1}


def test_identical_content_under_two_names_is_indexed_once(make_settings, tmp_path, shared_embedder):
    import shutil

    from tests.conftest import CORPUS

    folder = tmp_path / "reports"
    folder.mkdir()
    original = sorted(CORPUS.glob("*.txt"))[1]
    shutil.copy(original, folder / "a_report.txt")
    shutil.copy(original, folder / "b_copy_of_report.txt")
    helper = Assistant(make_settings(tmp_path, corpus_dir=folder), embedder=shared_embedder)
    report = helper.ingest()
    statuses = {Path(o.path).name: (o.status, o.reason) for o in report.outcomes}
    assert statuses["a_report.txt"][0] == "indexed"
    assert statuses["b_copy_of_report.txt"] == ("duplicate", "same content as reports/a_report.txt")
    assert report.ok and [Path(m["source"]).name for m in helper.documents().values()] == ["a_report.txt"]
    assert helper.ingest().count("duplicate") == 1  # and again on the next run: still not indexed

    # Renamed rather than copied: the new name is indexed in the old one's place (its holder's file is gone), once.
    (folder / "a_report.txt").unlink()
    moved = helper.ingest(prune=True)
    assert (moved.count("indexed"), moved.count("removed"), moved.count("duplicate")) == (1, 1, 0)
    assert [Path(m["source"]).name for m in helper.documents().values()] == ["b_copy_of_report.txt"]


@pytest.mark.slow  # a devset index, subprocesses or a big file: in `make test`, not in `make test-fast`
def test_a_five_megabyte_line_is_refused_quickly_naming_the_limit(make_settings, tmp_path, shared_embedder):
    import random
    import time

    folder = tmp_path / "long"
    folder.mkdir()
    # Grades in it too: a text without sentence ends is one sentence, and reading its judgements was quadratic.
    words = ("inspectors found children services support plans social workers managers the and of rated good judged "
             "inadequate outstanding").split()
    rng = random.Random(17)
    (folder / "one_line.txt").write_text(" ".join(rng.choice(words) for _ in range(700_000))[: 5 * MB], "utf-8")
    (folder / "fine.txt").write_text("Inspectors found that children are safe. " * 20, "utf-8")
    helper = Assistant(make_settings(tmp_path, corpus_dir=folder), embedder=shared_embedder)
    began = time.monotonic()
    report = helper.ingest()
    assert time.monotonic() - began < 60  # no encode of thousands of passages
    (refused,) = report.failed
    assert Path(refused.path).name == "one_line.txt"
    assert refused.reason.startswith("would make ") and "\n" not in refused.reason
    assert refused.reason.endswith("passages, over the limit of 2000 per file (ASSISTANT_LIMITS__CHUNKS_PER_DOCUMENT)")
    # Known from the length alone, before the text is read for metadata or chunked.
    assert int(re.match(r"would make at least (\d+) passages,", refused.reason).group(1)) > 6000
    assert [Path(m["source"]).name for m in helper.documents().values()] == ["fine.txt"]
