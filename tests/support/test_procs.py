"""Servers started by tests and the load test are stopped by their own pid, and a dead start is reported."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys

from tests.support import procs

IGNORES_SIGTERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"


def _started(code: str) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "up"
    return process


def test_stop_ends_a_process_with_sigterm():
    process = _started("import time; print('up', flush=True); time.sleep(60)")
    procs.stop(process, grace=10)
    assert process.returncode == -signal.SIGTERM


def test_stop_kills_a_process_that_ignores_sigterm():
    process = _started(IGNORES_SIGTERM)
    procs.stop(process, grace=0.5)
    assert process.returncode == -signal.SIGKILL


def test_stop_leaves_an_ended_process_alone():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait(timeout=30)
    procs.stop(process)
    procs.stop(None)
    assert process.returncode == 3


def test_wait_until_up_says_why_a_server_never_came_up():
    exited = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert procs.wait_until_up(exited, lambda: False, timeout=60) == "exited with 3"
    running = _started("import time; print('up', flush=True); time.sleep(60)")
    try:
        assert procs.wait_until_up(running, lambda: False, timeout=0.5) == "did not answer within 0 s"
        calls = iter([False, False, True])
        assert procs.wait_until_up(running, lambda: next(calls), timeout=60) is None
    finally:
        procs.stop(running)


def test_answers_is_false_where_nothing_listens():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        assert not procs.answers(f"http://127.0.0.1:{port}/", timeout=1)
