"""Login throttling: after `limit` failed logins from one client address within `window_s` seconds, further
POST /login requests from that address get 429 until the oldest failure leaves the window.

An ASGI middleware rather than a wrapper round gradio's `auth` callable: gradio calls that with the user name
and password only, so a wrapper could throttle per user name (letting anyone lock the real user out) but
not per client address. Behind a reverse proxy every client shares the proxy's address; the proxy should
then throttle itself.
"""

import json
import threading
import time
from collections import deque
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# gradio answers a wrong user name or password with 400 ("Incorrect credentials.").
_FAILED = 400
_MAX_CLIENTS = 10_000


class LoginThrottle:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], limit: int, window_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_login(scope):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown",))[0]
        wait = self._wait_s(client)
        if wait > 0:
            await _refuse(send, wait)
            return
        status: list[int] = []

        async def noting_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, noting_status)
        self._record(client, failed=status[:1] == [_FAILED])

    def _wait_s(self, client: str) -> float:
        """Seconds until `client` may try again (0: now)."""
        with self._lock:
            failures = self._prune(client)
            if len(failures) < self.limit:
                return 0.0
            return max(failures[0] + self.window_s - self.clock(), 0.001)

    def _record(self, client: str, failed: bool) -> None:
        with self._lock:
            if failed:
                self._failures.setdefault(client, deque()).append(self.clock())
                if len(self._failures) > _MAX_CLIENTS:  # many addresses (IPv6): drop the ones that aged out
                    for other in list(self._failures):
                        self._prune(other)
            else:  # signed in: earlier typing errors no longer count
                self._failures.pop(client, None)

    def _prune(self, client: str) -> deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= self.clock() - self.window_s:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures


def _is_login(scope: Scope) -> bool:
    return scope.get("type") == "http" and scope.get("method") == "POST" \
        and str(scope.get("path", "")).rstrip("/").endswith("/login")


async def _refuse(send: Send, wait_s: float) -> None:
    seconds = int(wait_s) + 1
    body = json.dumps({"detail": f"Too many failed sign-ins; try again in {seconds} seconds."}).encode()
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", str(seconds).encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
