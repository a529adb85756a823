"""What the bench measures with: peak resident memory, time spent embedding, percentiles, the machine."""
from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import threading
import time
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Sequence

GIB = 1024 ** 3
MIB = 1024 ** 2


class PeakRSS:
    """Samples this process's resident set size (psutil) in a thread; `peak` also trusts ru_maxrss."""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, self._process.memory_info().rss)
            self._stop.wait(self._interval)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> int:
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
        return max(self._peak, self._process.memory_info().rss, maxrss)


class TimedEmbedder:
    """Wraps an embedder and adds up the time spent embedding documents (the model's share of ingest)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.seconds = 0.0
        self.texts = 0

    def embed_documents(self, texts):
        started = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def percentiles(values: Sequence[float]) -> dict[str, float]:
    import numpy as np

    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "n": 0}
    array = np.asarray(values, dtype=float)
    return {
        "p50": round(float(np.percentile(array, 50)), 2),
        "p95": round(float(np.percentile(array, 95)), 2),
        "p99": round(float(np.percentile(array, 99)), 2),
        "mean": round(float(array.mean()), 2),
        "n": len(values),
    }


def disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def help_time(repeats: int = 3) -> dict[str, float]:
    script = Path(sys.executable).parent / "assistant"
    command = [str(script), "--help"] if script.exists() else [sys.executable, "-m", "assistant.apps.cli", "--help"]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return {"median_s": round(sorted(times)[len(times) // 2], 3), "min_s": round(min(times), 3), "runs": repeats}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    import psutil

    cpu = cpu_model()

    def version(package: str) -> str:
        try:
            return importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpu": cpu, "logical_cores": os.cpu_count(), "physical_cores": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / GIB, 1), "python": platform.python_version(),
        "platform": platform.platform(), "torch": version("torch"),
        "sentence_transformers": version("sentence-transformers"), "chromadb": version("chromadb"),
        "bm25s": version("bm25s"), "langchain_chroma": version("langchain-chroma"),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
