"""Chroma server mode end to end: `chroma run` in a subprocess, ingest, ask (API, CLI, app), brief, eval, a
second client changing the collection, the server going away mid-session and coming back.

The server is the `chroma` command that ships with the chromadb package in this venv (nothing else to install);
it is started on a free loopback port, waited for by its heartbeat and stopped by its pid.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support import procs
from assistant.core.errors import StoreError
from assistant.index.keyword import KeywordIndex, cache_dir, server_key, state_of
from assistant.ingest.load import load_document
from assistant.pipeline import Assistant
from tests.conftest import CORPUS, build_settings, cli_command, cli_env

REPO = CORPUS.parent
MASH = "What did inspectors say about the MASH?"


def chroma_command() -> str:
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.exists() else shutil.which("chroma")
    assert found, "the `chroma` command (installed with chromadb) is missing from the venv"
    return found


class ChromaServer:
    """`chroma run --path PATH --host 127.0.0.1 --port PORT`, restartable on the same path and port."""

    def __init__(self, path: Path, port: int, log: Path) -> None:
        self.path, self.port, self.log_path = path, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def heartbeat(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as response:
                return response.status == 200 and "heartbeat" in response.read().decode()
        except OSError:
            return False

    def start(self, timeout: float = 90) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [chroma_command(), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        failed = procs.wait_until_up(self.process, self.heartbeat, timeout)
        if failed:
            self.stop()
            pytest.fail(f"chroma run on {self.url} {failed}:\n{self.log_path.read_text()[-2000:]}")

    def kill(self) -> None:
        """Gone without warning (kill -9), as a crashed or unplugged server would be."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        assert not self.heartbeat()

    def stop(self) -> None:
        procs.stop(self.process)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("chroma-server")
    chroma = ChromaServer(root / "data", procs.free_port(), root / "chroma.log")
    chroma.start()
    try:
        yield chroma
    finally:
        chroma.stop()


@pytest.fixture(scope="module")
def remote(server, tmp_path_factory, shared_embedder):
    """An Assistant whose vectors live on the server; its index_dir holds only the BM25 cache and the lock."""
    root = tmp_path_factory.mktemp("remote")
    helper = Assistant(build_settings(root, chroma_url=server.url), embedder=shared_embedder)
    report = helper.ingest()
    assert report.ok and report.count("indexed") == 5, report.failed
    return helper


def assert_cited_verbatim(helper: Assistant, answer: dict) -> None:
    assert answer["citations"], answer
    for citation in answer["citations"]:
        stored = helper.document(citation["doc_id"])
        assert stored.text[citation["start"] : citation["end"]] == citation["text"]
        # ...and the stored text is the report file's own text: offsets hold against the original.
        source = Path(citation["source"])
        original = load_document(source if source.is_absolute() else REPO / source, 10**8)
        assert original.text[citation["start"] : citation["end"]] == citation["text"]
        assert citation["quote"] in citation["text"] or " ".join(citation["quote"].split()) in " ".join(
            citation["text"].split())


def test_ingest_and_ask_through_the_server(remote, server):
    settings = remote.settings
    assert remote.stats()["index"] == server.url and remote.stats()["documents"] == 5
    # Nothing of Chroma's is written locally in server mode: only the BM25 cache and the sentence files (each
    # keyed by server) and the lock.
    local = sorted(p.name for p in settings.index_dir.iterdir())
    assert "chroma.sqlite3" not in local
    assert remote.keyword_dir == cache_dir(settings) and remote.keyword_dir.name.endswith(server_key(server.url))
    sentence_files = cache_dir(settings, "sentence-files")
    assert sentence_files.name.endswith(server_key(server.url)) and any(sentence_files.glob("*-sentences.bin"))
    assert local == sorted([remote.keyword_dir.name, sentence_files.name, f".ingest-{server_key(server.url)}.lock"])
    assert (server.path / "chroma.sqlite3").exists()

    answer = remote.ask(MASH)
    assert not answer.abstained and answer.citations[0].source.endswith("corpus/003_c058eaba94c55f19.txt")
    assert_cited_verbatim(remote, answer.to_dict())
    keyword = KeywordIndex.load(remote.keyword_dir)
    assert keyword is not None and sorted(keyword.ids) == sorted(c.id for c in remote.store.all_chunks())


def test_cli_ask_stats_brief_and_eval_use_the_server(remote, server, tmp_path):
    env = cli_env(remote.settings, ASSISTANT_CHROMA_URL=server.url)

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(cli_command() + list(args), cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    stats = json.loads(run("stats", "--json").stdout)
    assert stats["index"] == server.url and stats["documents"] == 5
    answer = json.loads(run("ask", MASH, "--json").stdout)
    assert_cited_verbatim(remote, answer)

    brief = tmp_path / "brief.md"
    run("brief", "Warrington", "--out", str(brief))
    text = brief.read_text(encoding="utf-8")
    assert "Warrington" in text and "[^1]:" in text

    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join((REPO / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines(True)[:3]),
                    encoding="utf-8")
    result = json.loads(run("eval", str(gold), "--json", "--corpus", str(CORPUS)).stdout)
    (system,) = result["systems"]
    assert len(system["rows"]) == 3


def test_keyword_index_follows_changes_made_by_another_client(remote, server, tmp_path, shared_embedder):
    """Another machine (its own index_dir, the same server) adds then deletes a report: this Assistant's BM25
    index is rebuilt from the server's collection on its next question, both times."""
    before = set(remote.refresh_keyword_index().ids)
    other = Assistant(build_settings(tmp_path / "other", chroma_url=server.url), embedder=shared_embedder)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "zebrafish.txt").write_text(
        "Zebrafish borough focused visit\n\nOfsted found that the zebrafish aquarium project helped children in care "
        "in Zebrafish borough to settle into their new homes.\n", encoding="utf-8")
    report = other.ingest([extra])
    assert report.count("indexed") == 1

    # Dense search sees it at once (every query goes to the server)...
    hits = remote.store.query(shared_embedder.embed_query("zebrafish aquarium project"), 3, None)
    assert "zebrafish" in hits[0][0].text
    # ...and the next question brings the keyword index into step with the server's collection.
    sentence_files = cache_dir(remote.settings, "sentence-files")
    files = set(sentence_files.glob("*-sentences.bin"))
    answer = remote.ask("What did Ofsted find about the zebrafish aquarium project?")
    assert state_of(remote.documents()) == remote.keyword.state
    assert set(remote.keyword.ids) > before
    assert any("zebrafish" in c.text for c in answer.citations)
    # Its sentences came from the server (this machine's ingest never wrote them) and are kept in a file now.
    assert len(set(sentence_files.glob("*-sentences.bin")) - files) == 1
    saved = KeywordIndex.load(remote.keyword_dir)
    assert saved is not None and saved.state == remote.keyword.state

    (doc_id,) = [o.doc_id for o in report.outcomes]
    assert other.delete(doc_id)
    remote.ask(MASH)
    assert set(remote.keyword.ids) == before


def test_two_servers_never_share_a_keyword_cache(tmp_path):
    one = build_settings(tmp_path, chroma_url="http://127.0.0.1:8000")
    same = build_settings(tmp_path, chroma_url="http://127.0.0.1:8000/")
    two = build_settings(tmp_path, chroma_url="http://127.0.0.1:8001")
    local = build_settings(tmp_path)
    assert cache_dir(one) == cache_dir(same)
    assert len({cache_dir(one), cache_dir(two), cache_dir(local)}) == 3
    assert cache_dir(local).name == f"bm25-{local.fingerprint}"


def test_unreachable_server_at_start_is_one_clear_line(tmp_path):
    url = f"http://127.0.0.1:{procs.free_port()}"
    settings = build_settings(tmp_path, chroma_url=url)
    with pytest.raises(StoreError) as raised:
        Assistant(settings, embedder=None)
    message = str(raised.value)
    assert message.startswith(f"Chroma server at {url} is unreachable") and "\n" not in message
    done = subprocess.run(cli_command() + ["stats"], cwd=tmp_path, env=cli_env(settings, ASSISTANT_CHROMA_URL=url),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {message}"]


def test_server_outage_mid_session_is_a_clear_error_and_recovers(remote, server, tmp_path):
    from gradio_client import Client

    from assistant.apps.web import app, handlers, launch, render

    port = procs.free_port()
    demo = app.build_app(remote)
    demo.queue()
    options = {k: v for k, v in launch.launch_options(remote.settings).items() if k not in ("theme", "css")}
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **options)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        assert_cited_verbatim(remote, client.predict(MASH, api_name="/ask"))

        server.kill()
        expected = f"Chroma server at {server.url} is unreachable"
        for _ in range(2):  # the failing call, and the next one (which tries to reconnect), both say so
            with pytest.raises(StoreError) as raised:
                remote.ask(MASH)
            assert str(raised.value).startswith(expected) and "\n" not in str(raised.value)
        turn = handlers.answer_question(remote, MASH, [])[-1]
        assert turn["error"].startswith(expected)
        assert expected in render.header_html(remote)
        with pytest.raises(Exception, match="is unreachable"):
            client.predict(MASH, api_name="/ask")
        done = subprocess.run(cli_command() + ["ask", MASH], cwd=tmp_path, timeout=120, capture_output=True,
                              text=True, env=cli_env(remote.settings, ASSISTANT_CHROMA_URL=server.url))
        assert done.returncode == 1 and done.stderr.strip().splitlines()[-1].startswith(f"error: {expected}")

        server.start()  # same path, same port: the same data comes back
        answer = remote.ask(MASH)  # no restart of the app or the Assistant needed
        assert_cited_verbatim(remote, answer.to_dict())
        assert "error" not in handlers.answer_question(remote, MASH, [])[-1]
        assert_cited_verbatim(remote, client.predict(MASH, api_name="/ask"))
        assert remote.stats()["documents"] == 5
    finally:
        demo.close()


def test_server_that_lost_its_collections_is_refilled_by_the_next_ingest(remote, server, shared_embedder):
    """Another client rebuilt (dropped and recreated) the collections: this Assistant's handles are re-resolved."""
    other = Assistant(build_settings(remote.settings.index_dir.parent / "rebuilder", chroma_url=server.url),
                      embedder=shared_embedder)
    other.store.drop()
    answer = None
    with pytest.raises(Exception) as raised:
        answer = remote.ask(MASH)
    assert answer is None and "no index" in str(raised.value).lower()
    assert remote.ingest().count("indexed") == 5
    assert_cited_verbatim(remote, remote.ask(MASH).to_dict())
