"""Files a browser session downloads (a conversation's export, a briefing note), kept only while they can be
downloaded: a session keeps its latest files, and its folder goes when the session ends."""

import secrets
import shutil
import threading
from pathlib import Path
from typing import Mapping


class SessionFiles:
    """One private folder per browser session under `root` (gradio's upload folder, so gradio serves a file as it
    is rather than keeping a second copy in its cache, and its delete_cache schedule removes what a session that
    never closed cleanly left behind). `replace` swaps the session's files for new ones; `discard` removes them."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._folders: dict[str, Path] = {}
        self._lock = threading.Lock()

    def replace(self, session: str, files: Mapping[str, str | bytes]) -> dict[str, str]:
        """Write `files` (name: text or bytes) to a new folder of the session's, removing its previous files; the
        path of each by name."""
        # A new unguessable folder each time: gradio serves any file under its folder to whoever knows the path,
        # and a browser must not download a replaced file's bytes from its cache under the same address.
        folder = self.root / secrets.token_urlsafe(24)
        folder.mkdir(mode=0o700, parents=True)
        paths = {}
        for name, content in files.items():
            path = folder / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            paths[name] = str(path)
        with self._lock:
            previous = self._folders.get(session)
            self._folders[session] = folder
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return paths

    def discard(self, session: str) -> None:
        """Remove the session's files (its tab was closed)."""
        with self._lock:
            folder = self._folders.pop(session, None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
