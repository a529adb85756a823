#!/usr/bin/env python3
"""Bounded load test of the app: N concurrent clients x M questions each, through gradio_client's `/ask` API.

    .venv/bin/python scripts/loadtest.py --clients 50 --questions 10
    .venv/bin/python scripts/loadtest.py --clients 5 --questions 2          # the CI size (tests/index/test_concurrency.py)
    .venv/bin/python scripts/loadtest.py --url http://127.0.0.1:7860/       # an app that is already running

Without --url it starts the app itself (`python app.py --host 127.0.0.1 --port FREE`) with its own temporary
index (so the app ingests corpus/ on start; or --index-dir / --chroma-url to use an existing index or a Chroma
server), waits until it answers, runs the clients and stops the app by its pid. All clients start together
(a barrier) and every request counts: an exception, a timeout or a reply that is not the Answer JSON is an error.
One thing is retried, once: gradio_client's CancelledError, raised when the session's event stream closes just as
the client sends its next question (a race in the client library, not an app failure); see "client_retries".

Prints one JSON object: error count, answers, throughput and p50/p95 latency, plus the machine it ran on.
Exit status 0 when there were no errors, 1 otherwise, 2 when the app could not be started.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the server helpers the tests use

from support import procs  # noqa: E402
QUESTIONS = (
    "What did inspectors say about the MASH?",
    "How was Warrington's child protection judged?",
    "What did the joint inspection find in Windsor and Maidenhead?",
    "What did Ofsted criticise in Wirral?",
    "Which inspectorates took part in the joint inspection of Windsor and Maidenhead?",
    "What did inspectors find about management oversight in the MASH?",
    "What was the overall judgement for Warrington?",
    "How long did it take to improve services in Wirral?",
    "What is the capital of France?",  # unanswerable: an honest abstention is an answer too
    "And what about Warrington?",
)
ANSWER_KEYS = {"question", "answer", "abstained", "sentences", "citations", "retrieved", "timings_ms"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> dict[str, Any]:
    from assistant.bench.measure import cpu_model

    info: dict[str, Any] = {"cpus": os.cpu_count(), "cpu_model": cpu_model(),
                            "platform": platform.platform(), "python": platform.python_version()}
    try:
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


class App:
    """`python app.py` on a free loopback port, with its own index unless told otherwise; stopped by pid."""

    def __init__(self, index_dir: Path | None, chroma_url: str | None, startup_timeout: float) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.workdir = Path(tempfile.mkdtemp(prefix="loadtest-"))
        self.index_dir = index_dir or self.workdir / "index"
        self.chroma_url = chroma_url
        self.timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.log_path = self.workdir / "app.log"
        self.startup_s = 0.0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        env.update(
            ASSISTANT_INDEX_DIR=str(self.index_dir), ASSISTANT_DATA_DIR=str(self.workdir / "data"),
            ASSISTANT_CORPUS_DIR=str(REPO / "corpus"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
            GRADIO_ANALYTICS_ENABLED="False", ANONYMIZED_TELEMETRY="False",
        )
        if self.chroma_url:
            env["ASSISTANT_CHROMA_URL"] = self.chroma_url
        started = time.perf_counter()
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(self.port)], cwd=REPO, env=env,
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        failed = procs.wait_until_up(self.process, lambda: procs.answers(self.url), self.timeout)
        if failed:
            raise RuntimeError(f"app.py {failed} on {self.url}: {self.log_tail()}")
        self.startup_s = time.perf_counter() - started

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text()[-1500:]
        except OSError:
            return ""

    def stop(self, keep_log: bool = False) -> None:
        procs.stop(self.process, grace=20)
        import shutil

        if keep_log:
            shutil.rmtree(self.workdir / "index", ignore_errors=True)
            shutil.rmtree(self.workdir / "data", ignore_errors=True)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def check_answer(result: Any) -> str | None:
    """None when `result` is the Answer JSON of the contract, else what is wrong with it."""
    if not isinstance(result, dict):
        return f"reply is {type(result).__name__}, not the Answer JSON"
    missing = ANSWER_KEYS - result.keys()
    if missing:
        return f"reply lacks {sorted(missing)}"
    if bool(result["citations"]) == bool(result["abstained"]):
        return "an answer needs citations and an abstention has none"
    for citation in result["citations"]:
        if not (0 <= citation["start"] < citation["end"]) or not citation["text"]:
            return "a citation without a passage"
    return None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(q / 100 * len(ordered) + 0.5))))
    return ordered[rank - 1]


def run(url: str, clients: int, questions: int, request_timeout: float, auth: tuple[str, str] | None) -> dict:
    from gradio_client import Client

    barrier = threading.Barrier(clients)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    retries: list[str] = []
    answered = abstained = 0
    started_at: list[float] = []

    def client_thread(index: int) -> None:
        nonlocal answered, abstained
        try:
            client = Client(url, verbose=False, auth=auth)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none is fatal
            with lock:
                errors.extend([f"connect: {type(exc).__name__}: {exc}"] * questions)
            barrier.abort()
            return
        try:
            barrier.wait(timeout=300)
        except threading.BrokenBarrierError:
            pass
        with lock:
            started_at.append(time.perf_counter())
        for step in range(questions):
            question = QUESTIONS[(index * questions + step) % len(QUESTIONS)]
            begun = time.perf_counter()
            result = None
            for attempt in (1, 2):
                try:
                    result = client.submit(question, api_name="/ask").result(timeout=request_timeout)
                    problem = check_answer(result)
                except concurrent.futures.CancelledError:
                    # gradio_client race, not an app failure: the session's event stream closed (the server
                    # closes it when its last event completes) just as this client sent its next question, so
                    # the reply never reached the client. Asked again once, and counted in "client_retries".
                    problem = "CancelledError: gradio_client's event stream closed before the reply arrived"
                    if attempt == 1:
                        with lock:
                            retries.append(question)
                        continue
                except Exception as exc:  # noqa: BLE001
                    problem = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
                break
            elapsed = (time.perf_counter() - begun) * 1000  # a retried question counts both tries
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(elapsed)
                    answered += 1
                    abstained += bool(result["abstained"])

    threads = [threading.Thread(target=client_thread, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    finished = time.perf_counter()
    wall = finished - min(started_at) if started_at else 0.0
    requests = clients * questions
    summary: dict[str, Any] = {
        "clients": clients,
        "questions_per_client": questions,
        "requests": requests,
        "answers": answered,
        "abstained": abstained,
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "client_retries": len(retries),
        "wall_s": round(wall, 2),
        "throughput_qps": round(answered / wall, 3) if wall else 0.0,
    }
    if latencies:
        summary["latency_ms"] = {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "max": round(max(latencies), 1),
            "mean": round(sum(latencies) / len(latencies), 1),
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--questions", type=int, default=10, help="questions per client (default 10)")
    parser.add_argument("--url", default=None, help="an app that is already running (default: start one)")
    parser.add_argument("--index-dir", type=Path, default=None,
                        help="index for the started app (default: a temporary one, ingested from corpus/ on start)")
    parser.add_argument("--chroma-url", default=None, help="Chroma server for the started app")
    parser.add_argument("--auth", default=None, help="user:password, if the app has ASSISTANT_AUTH")
    parser.add_argument("--timeout", type=float, default=600, help="seconds one request may take (default 600)")
    parser.add_argument("--startup-timeout", type=float, default=300, help="seconds the app may take to start")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.questions < 1:
        parser.error("--clients and --questions must be at least 1")
    auth = tuple(args.auth.split(":", 1)) if args.auth else None

    info = machine()
    app = None
    url = args.url
    summary: dict[str, Any] = {}
    try:
        if url is None:
            app = App(args.index_dir, args.chroma_url, args.startup_timeout)
            try:
                app.start()
            except RuntimeError as exc:
                print(json.dumps({"error": str(exc)}), flush=True)
                return 2
            url = app.url
        summary = run(url, args.clients, args.questions, args.timeout, auth)  # type: ignore[arg-type]
    finally:
        if app is not None:
            app.stop(keep_log=bool(summary.get("errors")))
    summary["app"] = {"url": url, "started_here": app is not None,
                      "startup_s": round(app.startup_s, 1) if app is not None else None}
    if app is not None and summary["errors"]:
        summary["app"]["log"] = str(app.log_path)  # kept for a look at what went wrong
    summary["machine"] = info
    print(json.dumps(summary, indent=2), flush=True)
    return 0 if summary["errors"] == 0 and summary["answers"] == summary["requests"] else 1


if __name__ == "__main__":
    sys.exit(main())
