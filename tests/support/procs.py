"""Servers started by this program (the app, `chroma run`): wait until they answer, stop them by their own pid."""
from __future__ import annotations

import subprocess
import time
import urllib.request
from typing import Callable


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether a GET of `url` succeeds with 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def wait_until_up(process: subprocess.Popen, ready: Callable[[], bool], timeout: float) -> str | None:
    """None once `ready()` holds; otherwise why not: the process ended, or `timeout` seconds went by."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            return f"exited with {process.returncode}"
        if time.monotonic() > deadline:
            return f"did not answer within {timeout:.0f} s"
        time.sleep(0.2)
    return None


def stop(process: subprocess.Popen | None, grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it has not ended within `grace` seconds; nothing if it has ended already."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test starts."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
