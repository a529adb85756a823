"""Opening Chroma (a local index or a server) and telling its failures apart, in one line each."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from assistant.core.errors import StoreError
from assistant.core.settings import Settings


def read_only(settings: Settings) -> bool:
    """A local index that exists but may not be written (a shared or archived copy, chmod a-w)."""
    if settings.chroma_url or not settings.index_dir.is_dir():
        return False
    database = settings.index_dir / "chroma.sqlite3"
    return not os.access(settings.index_dir, os.W_OK) or (database.exists() and not os.access(database, os.W_OK))


def readable_copy(index_dir: Path) -> Path:
    """Chroma's files of a read-only index copied to a private temporary folder (removed at exit).

    Chroma has no read-only mode: opening a PersistentClient writes (sqlite journal, its tenant records, segment
    metadata), so it is given a copy it may write to, and nothing in the user's folder changes. The copy costs
    the index's size once per process; the BM25 cache and the sentence files beside it are read where they lie."""
    target = Path(tempfile.mkdtemp(prefix="assistant-readonly-"))
    atexit.register(shutil.rmtree, target, True)
    try:
        shutil.copytree(
            index_dir, target / "index", ignore=shutil.ignore_patterns("bm25-*", "sentence-files-*", "*.lock", "corrections.json*"),
        )
        for path in (target / "index").rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)  # the copies keep the originals' read-only modes
        (target / "index").chmod(0o700)
    except OSError as exc:
        reason = exc.strerror or exc
        raise StoreError(f"the index at {index_dir} is read-only and could not be copied to {target}: {reason}") from None
    return target / "index"


def chroma_client(settings: Settings, path: Path | None = None):
    """A client of the server, or of the local index at `path` (default: index_dir)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url)
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            _bound_timeouts(client)
            return client
        return chromadb.PersistentClient(path=str(path or settings.index_dir), settings=chroma_settings)
    except Exception as exc:  # chromadb raises plain ValueError/ConnectionError for an unreachable server
        if settings.chroma_url:
            raise StoreError(unreachable_message(settings.chroma_url, exc)) from None
        raise StoreError(f"cannot open Chroma at {settings.index_dir}: {first_line(exc)}") from None


OPEN_TIMEOUT_S = 120.0


@contextmanager
def opening(settings: Settings) -> Iterator[None]:
    """Two processes creating a fresh index/ at once race on Chroma's sqlite schema ("table collections
    already exists"): opening the client and its collections is serialised by a lock file beside it."""
    if settings.chroma_url or read_only(settings):  # a read-only index is opened in a private copy: no race
        yield
        return
    from filelock import FileLock, Timeout

    settings.index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.index_dir / ".open.lock"), timeout=OPEN_TIMEOUT_S)
    try:
        lock.acquire()
    except Timeout:
        raise StoreError(f"cannot open Chroma at {settings.index_dir}: another process held it for {OPEN_TIMEOUT_S:.0f} s") from None
    try:
        yield
    finally:
        lock.release()


# chromadb's HTTP session waits forever by default: a hung server would hang every user with it.
CONNECT_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 300.0


def _bound_timeouts(client) -> None:
    session = getattr(getattr(client, "_server", None), "_session", None)
    if session is not None:
        try:
            import httpx

            session.timeout = httpx.Timeout(REQUEST_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        except Exception:  # an internal of chromadb moved: keep its default rather than fail
            pass


def unreachable_message(url: str, exc: BaseException | None = None) -> str:
    """One line for the user: which server, why, and what to do."""
    reason = first_line(exc) if exc is not None else ""
    if "could not connect to a chroma server" in reason.lower():
        reason = "no connection"  # chromadb's own wording asks "are you sure it is running?"
    detail = f" ({reason})" if reason else ""
    return f"Chroma server at {url} is unreachable{detail}; start it or check ASSISTANT_CHROMA_URL, then try again"


def is_connection_error(exc: BaseException) -> bool:
    """Whether an exception means the Chroma server could not be reached (as opposed to a bad request)."""
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    try:
        import httpx

        if isinstance(exc, httpx.TransportError):
            return True
    except ImportError:  # pragma: no cover - httpx ships with chromadb
        pass
    return "could not connect to a chroma server" in str(exc).lower()


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def is_missing_collection(exc: BaseException) -> bool:
    """A collection this store holds was deleted (another process rebuilt the index, or the server lost it)."""
    message = str(exc).lower()
    return type(exc).__name__ == "NotFoundError" or ("collection" in message and "does not exist" in message)
