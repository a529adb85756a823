"""Many users at once and things going wrong: threads sharing one Assistant, two `assistant ingest` processes at
once, damaged or racing BM25 caches, and the load-test script at CI size (5 clients x 2 questions).

(kill -9 during ingest and the lock held by another process are in test_ingest.py.)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.index.embed import HashingEmbedder, make_embedder
from assistant.index.keyword import MANIFEST, KeywordIndex, state_of
from assistant.ingest.sentences import sentence_start
from assistant.pipeline import Assistant
from tests.conftest import CORPUS, REAL_MODEL, build_settings, cli_command, cli_env
from tests.ingest.test_ingest import _make_copies, assert_consistent

REPO = CORPUS.parent
QUESTIONS = (
    "What did inspectors say about the MASH?",
    "How was Warrington's child protection judged?",
    "What did the joint inspection find in Windsor and Maidenhead?",
    "What did Ofsted criticise in Wirral?",
    "What is the capital of France?",
)


# ---------------------------------------------------------------- one process, many threads


def test_model_is_loaded_once_per_process(shared_embedder, tmp_path):
    assert make_embedder(REAL_MODEL) is shared_embedder
    first = Assistant(build_settings(tmp_path / "a"))
    second = Assistant(build_settings(tmp_path / "b"))
    assert first.embedder is second.embedder is shared_embedder


def test_concurrent_questions_get_the_same_answers_as_sequential_ones(ingested):
    expected = {q: ingested.ask(q).to_dict() for q in QUESTIONS}
    work = [QUESTIONS[i % len(QUESTIONS)] for i in range(40)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda q: (q, ingested.ask(q).to_dict()), work))
    assert len(results) == 40
    for question, answer in results:
        want = expected[question]
        assert answer["answer"] == want["answer"]
        assert [c["chunk_id"] for c in answer["citations"]] == [c["chunk_id"] for c in want["citations"]]
        assert [p["chunk_id"] for p in answer["retrieved"]] == [p["chunk_id"] for p in want["retrieved"]]


def test_embedder_is_safe_to_share_between_threads(shared_embedder):
    texts = [f"Inspectors found that the MASH handled {n} contacts." for n in range(32)]
    expected = shared_embedder.embed_documents(texts)
    with ThreadPoolExecutor(max_workers=8) as pool:
        rows = list(pool.map(lambda i: shared_embedder.embed_documents([texts[i]])[0], range(32)))
    for i, row in enumerate(rows):
        assert abs(float(row @ expected[i]) - 1.0) < 1e-4


def test_questions_while_reports_are_added_and_removed(tmp_path, corpus_copy, shared_embedder):
    """Readers never fail or cite uncommitted text while a writer ingests and deletes in the same process."""
    helper = Assistant(build_settings(tmp_path, corpus_dir=corpus_copy), embedder=shared_embedder)
    helper.ingest()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "rutland.txt").write_text(
        "Rutland focused visit\n\nInspectors found that care leavers in Rutland receive timely support from "
        "personal advisers.\n", encoding="utf-8")
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                for question in QUESTIONS[:3]:
                    answer = helper.ask(question)
                    for citation in answer.citations:
                        document = helper.document(citation.doc_id)  # None if the writer deleted it since
                        assert document is None or document.text[citation.start:citation.end] == citation.text
            except BaseException as exc:  # noqa: BLE001 - collected and reported below
                errors.append(exc)
                return

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        for _ in range(3):
            (doc_id,) = [o.doc_id for o in helper.ingest([extra]).outcomes]
            assert helper.delete(doc_id)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=120)
    assert not errors, errors[0]
    assert_consistent(helper)


# ---------------------------------------------------------------- two ingest processes at once


def test_two_ingest_commands_at_once_one_wins_the_other_is_told(tmp_path):
    settings = build_settings(tmp_path)  # the real model: loading it keeps the winner busy for seconds
    env = cli_env(settings)
    processes = [
        subprocess.Popen(cli_command() + ["ingest"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        outcomes.append((process.returncode, out, err))
    codes = sorted(code for code, _, _ in outcomes)
    assert codes == [0, 1], outcomes
    (_, _, loser_err) = next(o for o in outcomes if o[0] == 1)
    lines = loser_err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: another ingest is running on "), loser_err
    assert "Traceback" not in loser_err

    helper = Assistant(settings)
    assert len(helper.documents()) == 5
    assert_consistent(helper)


_OPEN_FRESH_INDEX = """
import sys, time
from pathlib import Path
from assistant.index.chroma import ChromaStore
from tests.conftest import build_settings
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))  # every process opens at the same instant
store = ChromaStore(build_settings(Path(sys.argv[1]), embed_model="hashing-8"))
print(store.count())
"""


def test_processes_opening_a_fresh_index_at_once_all_succeed(tmp_path):
    """Chroma creates its sqlite schema on first open; without serialising that, a second process fails
    with 'table collections already exists' (seen in CI when two `assistant ingest` started together)."""
    import time

    start = time.time() + 8  # after every interpreter has imported chromadb
    processes = [
        subprocess.Popen([sys.executable, "-c", _OPEN_FRESH_INDEX, str(tmp_path), str(start)], cwd=REPO,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outcomes = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in processes]
    assert [(code, out.strip()) for code, out, _ in outcomes] == [(0, "0")] * 4, outcomes


# ---------------------------------------------------------------- the BM25 cache: damage and races


def _bm25_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    """12 reports with the hashing embedder: a real BM25 cache without the model's cost."""
    root = tmp_path_factory.mktemp("bm25")
    folder = root / "many"
    _make_copies(folder, 12)
    settings = build_settings(root, embed_model="hashing-64", corpus_dir=folder)
    helper = Assistant(settings, embedder=HashingEmbedder(64))
    assert helper.ingest().count("indexed") == 12
    return helper


DAMAGE = {
    "truncated": lambda data: data[: len(data) // 2],
    "emptied": lambda data: b"",
    "garbled": lambda data: data[:8] + bytes(b ^ 0x5A for b in data[8:40]) + data[40:],
    "one flipped byte": lambda data: data[:-1] + bytes([data[-1] ^ 0x01]) if data else b"x",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_bm25_file_is_detected_and_rebuilt(small_index, damage, caplog):
    helper = small_index
    folder = helper.keyword_dir
    names = _bm25_files(folder)
    assert MANIFEST in names and len(names) >= 4
    expected = KeywordIndex.load(folder)
    assert expected is not None
    for name in names:
        target = folder / name
        original = target.read_bytes()
        target.write_bytes(DAMAGE[damage](original))
        assert KeywordIndex.load(folder) is None, f"{damage} {name} went unnoticed"
        assert f"keyword index at {folder} is unreadable" in caplog.text
        caplog.clear()

        fresh = Assistant(helper.settings, embedder=helper.embedder)  # a new process would do the same
        keyword = fresh.refresh_keyword_index()
        assert keyword.state == state_of(fresh.documents()) and sorted(keyword.ids) == sorted(expected.ids)
        reloaded = KeywordIndex.load(folder)  # rebuilt and saved whole again
        assert reloaded is not None and reloaded.ids == keyword.ids
        assert fresh.ask("What did inspectors say about the MASH?").citations


def test_missing_bm25_file_is_rebuilt(small_index):
    folder = small_index.keyword_dir
    for name in _bm25_files(folder):
        (folder / name).unlink()
        assert KeywordIndex.load(folder) is None
        fresh = Assistant(small_index.settings, embedder=small_index.embedder)
        assert fresh.keyword.state == state_of(fresh.documents())
        assert KeywordIndex.load(folder) is not None


def test_the_saved_index_knows_each_chunks_document_and_span_and_an_older_format_is_rebuilt(small_index, caplog):
    folder = small_index.keyword_dir
    chunks = small_index.store.all_chunks()
    index = KeywordIndex.build(chunks, state_of(small_index.documents()))
    assert index.save(folder)
    loaded = KeywordIndex.load(folder)
    assert loaded.document_of == {c.id: c.doc_id for c in chunks}
    # Each stored sentence's chunk, told by its id alone: the chunk it was stored with.
    stored = small_index.store.sentences_in(chunks)
    assert len(stored) > len(chunks)
    for sentence, _ in stored:
        assert loaded.chunk_holding(*sentence_start(sentence.id)) == sentence.chunk_id
    assert loaded.chunk_holding(chunks[0].doc_id, 10**9) is None
    assert loaded.chunk_holding("no such document", 0) is None
    one = chunks[0].doc_id
    within = loaded.search("inspection children services", 50, {one})
    assert within and {loaded.document_of[i] for i, _ in within} == {one}
    assert within == [hit for hit in loaded.search("inspection children services", len(chunks)) if loaded.document_of[hit[0]] == one][:50]

    manifest = folder / MANIFEST
    older = json.loads(manifest.read_text())
    older["format"] -= 1
    manifest.write_text(json.dumps(older))
    with caplog.at_level("WARNING"):
        assert KeywordIndex.load(folder) is None  # rebuilt as out of step, without a warning of damage
    assert "unreadable" not in caplog.text
    fresh = Assistant(small_index.settings, embedder=small_index.embedder)
    assert fresh.keyword.document_of == loaded.document_of


def test_concurrent_saves_of_one_cache_leave_a_whole_index(small_index):
    """Several processes (here: threads without a shared lock) rebuilding the same cache at once."""
    folder = small_index.keyword_dir
    index = KeywordIndex.build(small_index.store.all_chunks(), state_of(small_index.documents()))
    errors: list[BaseException] = []

    def save_and_load() -> None:
        try:
            for _ in range(5):
                index.save(folder)
                loaded = KeywordIndex.load(folder)
                assert loaded is None or (loaded.ids == index.ids and loaded.state == index.state)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=save_and_load) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    assert KeywordIndex.load(folder).ids == index.ids
    leftovers = [p.name for p in folder.parent.iterdir() if p.name.startswith(folder.name + ".")]
    assert leftovers == []


def test_unwritable_cache_does_not_fail_questions(small_index, tmp_path, monkeypatch):
    helper = Assistant(small_index.settings, embedder=small_index.embedder)
    monkeypatch.setattr(KeywordIndex, "load", classmethod(lambda cls, folder: None))
    monkeypatch.setattr(Path, "rename", lambda self, target: (_ for _ in ()).throw(OSError(30, "Read-only file system")))
    assert helper.ask("What did inspectors say about the MASH?").citations


# ---------------------------------------------------------------- the load-test script at CI size


def test_load_test_script_small_run():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    done = subprocess.run(
        [sys.executable, "scripts/loadtest.py", "--clients", "5", "--questions", "2"], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["errors"] == 0, result["error_samples"]
    assert result["requests"] == result["answers"] == 10
    assert result["client_retries"] <= 1  # gradio_client's stream race (see the script); never the app
    assert result["app"]["started_here"] is True
    assert {"p50", "p95"} <= result["latency_ms"].keys() and result["throughput_qps"] > 0
    assert result["machine"]["cpus"] >= 1
