"""Benchmarks at scale: ingest throughput against raw model.encode, query latency (warm and cold) against
a plain LangChain query on the same index, peak memory and `assistant --help` time.

Each corpus size runs in fresh subprocesses (one for ingest, one for warm queries, a few for cold
starts), so peak RSS and cold-start numbers belong to that size alone. `python -m assistant.bench.run
child ...` is the subprocess entry point; `run_bench` is what `assistant bench` calls.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant.core.errors import AssistantError

DEFAULT_SIZES = (1000, 10000, 100000)
DEFAULT_QUERIES = 60
DEFAULT_COLD_RUNS = 3
DEFAULT_ENCODE_SAMPLE = 5000
GIB = 1024 ** 3
MIB = 1024 ** 2
# The targets of issue 7.
TARGET_INGEST_RATIO = 0.8
TARGET_P50_VS_BASELINE = 1.2
TARGET_P95_SCALING = 3.0
TARGET_RSS_BYTES = 1.5 * GIB


class BenchError(AssistantError):
    """A benchmark subprocess failed."""


# ---------------------------------------------------------------- measuring helpers


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


def bench_settings(workdir: Path):
    """Settings of one bench size folder (index/, corpus/, data/): the bench's children and scripts/ingest_rss.py."""
    from assistant.core.settings import load_settings

    return load_settings(index_dir=workdir / "index", corpus_dir=workdir / "corpus", data_dir=workdir / "data")


def _disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


# ---------------------------------------------------------------- subprocess phases


def child_ingest(workdir: Path, chunks: int, seed: int, encode_sample: int) -> dict[str, Any]:
    """Generate the corpus, time raw model.encode on (a sample of) the chunk texts, then time ingest."""
    from assistant.bench import synth
    from assistant.index.embed import make_embedder
    from assistant.ingest.run import prepare
    from assistant.index.keyword import indexed_text
    from assistant.ingest.load import discover, load_document
    from assistant.pipeline import Assistant

    settings = bench_settings(workdir)
    corpus = settings.corpus_dir
    result: dict[str, Any] = {}
    with PeakRSS() as rss:
        started = time.perf_counter()
        manifest = synth.generate(corpus, chunks, seed, settings.chunk_size, settings.chunk_overlap)
        result["generate_s"] = round(time.perf_counter() - started, 3)
        result["documents"] = manifest["documents"]

        started = time.perf_counter()
        embedder = make_embedder(settings.embed_model, settings.embed_batch_size)
        embedder.embed_query("warm up")
        result["model_load_s"] = round(time.perf_counter() - started, 3)

        # The texts ingest will embed (same loader, describer, chunker and indexed_text), from every
        # stride-th file only: holding all 100k texts here would count in ingest's peak RSS.
        started = time.perf_counter()
        files, _ = discover([corpus])
        stride = max(1, manifest["chunks"] // encode_sample) if encode_sample else 1
        sample = [
            indexed_text(c)
            for f in files[::stride]
            for c in prepare(load_document(f, settings.max_file_bytes), settings)[1]
        ]
        if encode_sample and len(sample) > encode_sample:
            step = len(sample) / encode_sample
            sample = [sample[int(i * step)] for i in range(encode_sample)]
        result["prepare_s"] = round(time.perf_counter() - started, 3)
        encoded = len(sample)
        model = getattr(embedder, "model", None)
        started, cpu_started = time.perf_counter(), time.process_time()
        if model is not None and hasattr(model, "encode"):
            model.encode(sample, batch_size=settings.embed_batch_size, normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=False)
        else:  # a non-sentence-transformers embedder: its own batch call is the raw speed
            embedder.embed_documents(sample)
        encode_s, encode_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        result.update({"encode_texts": encoded, "encode_s": round(encode_s, 3),
                       "encode_cpu_s": round(encode_cpu, 3),
                       "encode_sentences_per_s": round(encoded / encode_s, 2)})

        timed = TimedEmbedder(embedder)
        helper = Assistant(settings, embedder=timed)
        started, cpu_started = time.perf_counter(), time.process_time()
        report = helper.ingest([corpus])
        ingest_s, ingest_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if not report.ok:
            raise BenchError(f"ingest failed for {len(report.failed)} files: {report.failed[0].reason}")
        stored = helper.store.count()
        result.update({
            "chunks": stored, "ingest_s": round(ingest_s, 3),
            "ingest_chunks_per_s": round(stored / ingest_s, 2),
            "ingest_embed_s": round(timed.seconds, 3),
            "ingest_other_s": round(ingest_s - timed.seconds, 3),
            "ingest_vs_encode": round((stored / ingest_s) / (encoded / encode_s), 3),
            # CPU seconds of this process: less sensitive than wall time to other load on a shared machine.
            "ingest_cpu_s": round(ingest_cpu, 3),
            "ingest_vs_encode_cpu": round((stored / ingest_cpu) / (encoded / encode_cpu), 3),
            "index_disk_mib": round(_disk_bytes(settings.index_dir) / MIB, 1),
        })
        if manifest["chunks"] != stored:
            result["note"] = f"the generator wrote {manifest['chunks']} chunks but the index holds {stored}"
    result["ingest_peak_rss_mib"] = round(rss.peak / MIB, 1)
    return result


def child_query(workdir: Path, queries: int, seed: int, cold_only: bool, offset: int) -> dict[str, Any]:
    """Cold: open the assistant and answer one question. Warm: the next questions, then LangChain's query."""
    from assistant.bench import synth
    from assistant.pipeline import Assistant

    settings = bench_settings(workdir)
    manifest = json.loads((settings.corpus_dir / synth.MANIFEST).read_text(encoding="utf-8"))
    questions = synth.questions(manifest, queries + offset + 1, seed)[offset:]
    result: dict[str, Any] = {}
    with PeakRSS() as rss:
        started = time.perf_counter()
        helper = Assistant.open(settings)
        opened = time.perf_counter()
        helper.ask(questions[0])
        answered = time.perf_counter()
        result.update({"open_ms": round((opened - started) * 1000, 2),
                       "first_query_ms": round((answered - opened) * 1000, 2),
                       "cold_ms": round((answered - started) * 1000, 2)})
        if not cold_only:
            from assistant.eval.baseline import LangChainBaseline

            baseline = LangChainBaseline.over_collection(
                helper.store.client, helper.store.chunk_collection_name, helper.embedder, settings.top_k
            )
            baseline.ask(questions[0])  # its first call sets up the LangChain wrapper
            totals, retrieves, theirs = [], [], []
            # Ours and the baseline alternate question by question, so load from other processes hits both alike.
            for question in questions[1:]:
                began = time.perf_counter()
                answer = helper.ask(question)
                totals.append((time.perf_counter() - began) * 1000)
                retrieves.append(float(answer.timings_ms.get("retrieve", 0.0)))
                began = time.perf_counter()
                baseline.ask(question)
                theirs.append((time.perf_counter() - began) * 1000)
            result["warm_ms"] = percentiles(totals)
            result["warm_retrieve_ms"] = percentiles(retrieves)
            result["baseline_ms"] = percentiles(theirs)
    result["query_peak_rss_mib"] = round(rss.peak / MIB, 1)
    return result


def _child_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.bench.run child")
    parser.add_argument("phase", choices=("ingest", "query", "cold"))
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queries", type=int, default=DEFAULT_QUERIES)
    parser.add_argument("--encode-sample", type=int, default=DEFAULT_ENCODE_SAMPLE)
    parser.add_argument("--offset", type=int, default=0)
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.ERROR)
    try:
        if args.phase == "ingest":
            result = child_ingest(args.dir, args.chunks, args.seed, args.encode_sample)
        else:
            result = child_query(args.dir, args.queries, args.seed, args.phase == "cold", args.offset)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


def _run_child(args: Sequence[str]) -> dict[str, Any]:
    command = [sys.executable, "-m", "assistant.bench.run", "child", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise BenchError(f"benchmark step '{args[0]}' failed (exit {done.returncode}): {tail[-400:]}")
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise BenchError(f"benchmark step '{args[0]}' printed no result") from None


# ---------------------------------------------------------------- orchestration

Step = Callable[[str], None]


def run_size(
    chunks: int, workdir: Path, seed: int = 0, queries: int = DEFAULT_QUERIES, cold_runs: int = DEFAULT_COLD_RUNS,
    encode_sample: int = DEFAULT_ENCODE_SAMPLE, ingest_only: bool = False, step: Step | None = None,
) -> dict[str, Any]:
    folder = workdir / f"chunks-{chunks}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    common = ["--dir", str(folder), "--seed", str(seed)]
    step and step(f"{chunks} chunks: generate + encode + ingest")
    result: dict[str, Any] = {"requested_chunks": chunks}
    result.update(_run_child(["ingest", *common, "--chunks", str(chunks), "--encode-sample", str(encode_sample)]))
    if not ingest_only:
        step and step(f"{chunks} chunks: {queries} warm queries + LangChain baseline")
        warm = _run_child(["query", *common, "--queries", str(queries)])
        colds = [warm["cold_ms"]]
        for run in range(1, cold_runs):
            step and step(f"{chunks} chunks: cold start {run + 1} of {cold_runs}")
            colds.append(_run_child(["cold", *common, "--queries", "1", "--offset", str(run * 7 + 1)])["cold_ms"])
        result.update({
            "open_ms": warm["open_ms"], "first_query_ms": warm["first_query_ms"],
            "cold_ms": percentiles(colds), "warm_ms": warm["warm_ms"], "warm_retrieve_ms": warm["warm_retrieve_ms"],
            "baseline_ms": warm["baseline_ms"], "query_peak_rss_mib": warm["query_peak_rss_mib"],
        })
        result["warm_p50_vs_baseline"] = round(warm["warm_ms"]["p50"] / max(warm["baseline_ms"]["p50"], 1e-9), 3)
    result["peak_rss_mib"] = max(result.get("ingest_peak_rss_mib", 0.0), result.get("query_peak_rss_mib", 0.0))
    return result


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


def targets(sizes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each target of the issue with its measured value and met / missed / not measured."""
    def verdict(ok: bool | None) -> str:
        return "not measured" if ok is None else ("met" if ok else "missed")

    out: dict[str, dict[str, Any]] = {}
    ratios = {n: r.get("ingest_vs_encode") for n, r in sizes.items()}
    worst = min((v for v in ratios.values() if v is not None), default=None)
    out["ingest >= 80% of raw encode"] = {
        "value": ratios, "target": TARGET_INGEST_RATIO,
        "status": verdict(None if worst is None else worst >= TARGET_INGEST_RATIO)}
    cpu = {n: r["ingest_vs_encode_cpu"] for n, r in sizes.items() if r.get("ingest_vs_encode_cpu") is not None}
    if cpu:
        out["ingest >= 80% of raw encode"]["value_cpu_time"] = cpu
    vs = {n: r.get("warm_p50_vs_baseline") for n, r in sizes.items() if r.get("warm_p50_vs_baseline") is not None}
    out["warm p50 <= 1.2x LangChain query"] = {
        "value": vs, "target": TARGET_P50_VS_BASELINE,
        "status": verdict(None if not vs else max(vs.values()) <= TARGET_P50_VS_BASELINE)}
    small, large = sizes.get("1000", {}).get("warm_ms"), sizes.get("100000", {}).get("warm_ms")
    scaling = round(large["p95"] / small["p95"], 3) if small and large else None
    measured = sorted((int(n), r["warm_ms"]["p95"]) for n, r in sizes.items() if r.get("warm_ms"))
    entry: dict[str, Any] = {"value": scaling, "target": TARGET_P95_SCALING,
                             "status": verdict(None if scaling is None else scaling <= TARGET_P95_SCALING)}
    if scaling is None and len(measured) >= 2:
        entry["measured_instead"] = (f"p95 at {measured[-1][0]} / p95 at {measured[0][0]} = "
                                     f"{measured[-1][1] / measured[0][1]:.2f}")
    out["p95 at 100k <= 3x p95 at 1k"] = entry
    rss = sizes.get("100000", {}).get("peak_rss_mib")
    out["peak RSS at 100k < 1.5 GiB"] = {
        "value": rss, "target_mib": TARGET_RSS_BYTES / MIB,
        "status": verdict(None if rss is None else rss * MIB < TARGET_RSS_BYTES)}
    return out


def run_bench(
    sizes: Sequence[int] = DEFAULT_SIZES, seed: int = 0, queries: int = DEFAULT_QUERIES,
    cold_runs: int = DEFAULT_COLD_RUNS, encode_sample: int = DEFAULT_ENCODE_SAMPLE, ingest_only: bool = False,
    workdir: Path | None = None, keep: bool = False, step: Step | None = None,
) -> dict[str, Any]:
    if any(n < 1 for n in sizes):
        raise BenchError("--chunks sizes must be positive")
    if queries < 1:
        raise BenchError("--queries must be at least 1")
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine(), "seed": seed, "queries": queries, "cold_runs": cold_runs,
                              "encode_sample": encode_sample, "sizes": {}}
    try:
        for n in sizes:
            result["sizes"][str(n)] = run_size(n, root, seed, queries, cold_runs, encode_sample, ingest_only, step)
            if not keep:
                shutil.rmtree(root / f"chunks-{n}", ignore_errors=True)
        step and step("assistant --help")
        result["help"] = help_time()
    finally:
        if not keep and workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    result["targets"] = targets(result["sizes"])
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["total_s"] = round(time.perf_counter() - started, 1)
    if keep:
        result["workdir"] = str(root)
    return result


# ---------------------------------------------------------------- rendering

COLUMNS = (
    ("chunks", "chunks", "{:.0f}"),
    ("documents", "docs", "{:.0f}"),
    ("ingest_chunks_per_s", "ingest chunks/s", "{:.1f}"),
    ("encode_sentences_per_s", "raw encode sent/s", "{:.1f}"),
    ("ingest_vs_encode", "ingest/encode", "{:.2f}"),
    ("ingest_vs_encode_cpu", "ingest/encode (CPU s)", "{:.2f}"),
    ("ingest_embed_s", "ingest: embedding s", "{:.0f}"),
    ("ingest_other_s", "ingest: everything else s", "{:.0f}"),
    ("warm_ms.p50", "warm p50 ms", "{:.0f}"),
    ("warm_ms.p95", "warm p95 ms", "{:.0f}"),
    ("warm_ms.p99", "warm p99 ms", "{:.0f}"),
    ("warm_retrieve_ms.p50", "retrieve p50 ms", "{:.0f}"),
    ("baseline_ms.p50", "LangChain p50 ms", "{:.0f}"),
    ("warm_p50_vs_baseline", "p50 / LangChain", "{:.2f}"),
    ("cold_ms.p50", "cold p50 ms", "{:.0f}"),
    ("cold_ms.p95", "cold p95 ms", "{:.0f}"),
    ("cold_ms.p99", "cold p99 ms", "{:.0f}"),
    ("ingest_peak_rss_mib", "ingest RSS MiB", "{:.0f}"),
    ("query_peak_rss_mib", "query RSS MiB", "{:.0f}"),
)


def _cell(row: dict[str, Any], key: str, fmt: str) -> str:
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "–" if value is None else fmt.format(value)


def print_table(result: dict[str, Any], console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title="assistant bench")
    table.add_column("metric")
    sizes = result["sizes"]
    for n in sizes:
        table.add_column(f"{int(n):,}", justify="right")
    for key, label, fmt in COLUMNS:
        table.add_row(label, *[_cell(row, key, fmt) for row in sizes.values()])
    console.print(table)
    help_ = result.get("help", {})
    console.print(f"assistant --help: {help_.get('median_s', '–')} s (median of {help_.get('runs', 0)})")
    for name, entry in result.get("targets", {}).items():
        colour = {"met": "green", "missed": "red"}.get(entry["status"], "yellow")
        console.print(f"target {name}: [{colour}]{entry['status']}[/] (value {entry.get('value')})", highlight=False)


def render_markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores ({m['physical_cores']} physical), "
        f"{m['ram_gib']} GiB RAM; Python {m['python']}, torch {m['torch']}, sentence-transformers "
        f"{m['sentence_transformers']}, chromadb {m['chromadb']}, bm25s {m['bm25s']}; {m['platform']}.",
        f"Load average at start {m['load_average_start']}, at end {m.get('load_average_end')}; seed "
        f"{result['seed']}, {result['queries']} warm queries and {result['cold_runs']} cold starts per size, raw "
        f"encode on up to {result['encode_sample']} of the chunk texts; total {result.get('total_s')} s.",
        "",
        "| metric | " + " | ".join(f"{int(n):,} chunks" for n in result["sizes"]) + " |",
        "|---|" + "---:|" * len(result["sizes"]),
    ]
    for key, label, fmt in COLUMNS:
        lines.append(f"| {label} | " + " | ".join(_cell(r, key, fmt) for r in result["sizes"].values()) + " |")
    help_ = result.get("help", {})
    lines += ["", f"`assistant --help`: {help_.get('median_s')} s (median of {help_.get('runs')} runs).", "",
              "| target | value | status |", "|---|---|---|"]
    for name, entry in result.get("targets", {}).items():
        value = entry.get("value")
        if entry.get("value_cpu_time"):
            value = f"{value} (by CPU time: {entry['value_cpu_time']})"
        if entry.get("measured_instead"):
            value = f"{value} ({entry['measured_instead']})"
        lines.append(f"| {name} | {value} | {entry['status']} |")
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def write_markdown(path: Path, result: dict[str, Any]) -> None:
    """Replace the generated block between the bench markers (or create the file); prose around it stays."""
    block = f"{BEGIN}\n{render_markdown(result)}{END}"
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        import assistant  # noqa: F401  (offline environment)

        sys.exit(_child_main(sys.argv[2:]))
    print("usage: python -m assistant.bench.run child {ingest,query,cold} --dir DIR ...  (or: assistant bench)",
          file=sys.stderr)
    sys.exit(2)
