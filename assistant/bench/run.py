"""Benchmarks at scale: ingest throughput against raw model.encode, query latency (warm and cold) against
a plain LangChain query on the same index, peak memory and `assistant --help` time.

`run_bench` is what `assistant bench` calls: per corpus size it runs the phases of `phases.py` in fresh
subprocesses (`python -m assistant.bench.run child ...`) and checks the results against the targets.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from assistant.bench.measure import GIB, MIB, help_time, machine, percentiles
from assistant.bench.phases import DEFAULT_ENCODE_SAMPLE, DEFAULT_QUERIES, BenchError

DEFAULT_SIZES = (1000, 10000, 100000)
DEFAULT_COLD_RUNS = 3
# The targets of issue 7.
TARGET_INGEST_RATIO = 0.8
TARGET_P50_VS_BASELINE = 1.2
TARGET_P95_SCALING = 3.0
TARGET_RSS_BYTES = 1.5 * GIB


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


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        import assistant  # noqa: F401  (offline environment)
        from assistant.bench.phases import child_main

        sys.exit(child_main(sys.argv[2:]))
    print("usage: python -m assistant.bench.run child {ingest,query,cold} --dir DIR ...  (or: assistant bench)",
          file=sys.stderr)
    sys.exit(2)
