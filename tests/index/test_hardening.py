"""Issue 17, index and retrieval: an identifier only BM25 finds comes first; a read-only index still answers;
a full disk fails an ingest in one line and leaves the index answering."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.core.settings import RetrievalSettings
from assistant.pipeline import Assistant
from tests.conftest import CORPUS, build_settings, cli_command, cli_env

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


def _as_unprivileged() -> list[str]:
    """A prefix that makes a command obey file permissions. Root ignores them; the venv's interpreter lives under
    /root (mode 700), so 'nobody' cannot start it: root without the capabilities that override permissions stands in."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root and setpriv (util-linux) is missing: nothing would obey the read-only modes")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def _read_only_tree(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o200 if writable else mode & ~0o222)


@pytest.mark.slow  # a devset index, subprocesses or a big file: in `make test`, not in `make test-fast`
def test_a_read_only_index_answers_and_refuses_ingest_in_one_line(make_settings, tmp_path, shared_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[1:3]:
        shutil.copy(path, docs / path.name)
    settings = make_settings(tmp_path, corpus_dir=docs)
    assert Assistant(settings, embedder=shared_embedder).ingest().count("indexed") == 2
    before = sorted((p.relative_to(settings.index_dir), p.stat().st_mtime_ns) for p in settings.index_dir.rglob("*"))
    prefix = _as_unprivileged()
    _read_only_tree(settings.index_dir, writable=False)
    try:
        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(prefix + cli_command() + list(args), env=cli_env(settings), cwd=tmp_path,
                                  capture_output=True, text=True, timeout=300)

        stats = run("stats")
        assert stats.returncode == 0, stats.stderr
        assert "documents: 2" in stats.stdout and "Wirral: 1" in stats.stdout
        ask = run("ask", "What did inspectors find in Wirral?")
        assert ask.returncode == 0, ask.stderr
        assert "Sources:" in ask.stdout and "002_" in ask.stdout
        ingest = run("ingest")
        assert ingest.returncode == 1 and "Traceback" not in ingest.stderr
        assert ingest.stderr.strip() == (
            f"error: the index at {settings.index_dir} is read-only: stats and ask work, changing it needs write access"
        )
    finally:
        _read_only_tree(settings.index_dir, writable=True)
    after = sorted((p.relative_to(settings.index_dir), p.stat().st_mtime_ns) for p in settings.index_dir.rglob("*"))
    assert after == before  # nothing in the user's folder was written


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs: room for an index of two reports, not for twenty more."""
    mount = tmp_path / "small"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or 'mount failed'}); needs root")
    try:
        yield mount
    finally:
        # Lazily: this process's Chroma client keeps the index files open until it is collected.
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


@pytest.mark.slow  # a devset index, subprocesses or a big file: in `make test`, not in `make test-fast`
def test_a_full_disk_stops_ingest_in_one_line_and_the_index_still_answers(make_settings, tmp_path, small_disk,
                                                                          shared_embedder):
    from assistant.ingest.space import free_bytes

    docs, more = tmp_path / "docs", tmp_path / "more"
    docs.mkdir()
    more.mkdir()
    sources = sorted(CORPUS.glob("*.txt"))
    for path in sources[1:3]:
        shutil.copy(path, docs / path.name)
    for i in range(20):  # different texts: nothing is unchanged or a duplicate
        text = sources[i % 5].read_text("utf-8")
        (more / f"copy_{i:02d}.txt").write_text(f"Copy {i}.\n\n{text}\nEdition {i}.\n", "utf-8")
    settings = make_settings(tmp_path, index_dir=small_disk / "index", corpus_dir=docs)
    assert Assistant(settings, embedder=shared_embedder).ingest().count("indexed") == 2
    free = free_bytes(small_disk)

    run = lambda *args: subprocess.run(cli_command() + list(args), env=cli_env(settings), cwd=tmp_path,  # noqa: E731
                                       capture_output=True, text=True, timeout=300)
    full = run("ingest", str(more))
    assert full.returncode == 1 and "Traceback" not in full.stderr
    (line,) = full.stderr.strip().splitlines()
    assert line.startswith(f"error: disk full: {settings.index_dir} has ")
    assert " free and the next passages need about " in line
    assert free_bytes(small_disk) >= free - 64 * 1024  # stopped before writing, not part-way through
    stats = run("stats")
    assert stats.returncode == 0 and "documents: 2" in stats.stdout, stats.stderr
    ask = run("ask", "What did inspectors find in Wirral?")
    assert ask.returncode == 0 and "002_" in ask.stdout, ask.stderr


def test_a_write_that_fills_the_disk_anyway_says_disk_full(small_disk):
    from assistant.core.errors import StoreError
    from assistant.ingest.space import reporting_disk_full

    with pytest.raises(StoreError, match=rf"^disk full: {small_disk} has [\d.]+ (bytes|KB) free"):
        with reporting_disk_full(small_disk, 0):
            (small_disk / "filler").write_bytes(b"x" * 4 * 1024 * 1024)  # more than the 3 MB the disk holds
