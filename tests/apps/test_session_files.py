"""Downloads kept per browser session: the latest files only, gone when the session ends."""
from __future__ import annotations

import stat
from pathlib import Path

from assistant.apps.web.session_files import SessionFiles


def test_a_session_keeps_its_latest_files_and_others_keep_theirs(tmp_path):
    root = tmp_path / "downloads"
    files = SessionFiles(root)
    first = files.replace("a", {"note.md": "première", "note.docx": b"\x00\x01"})
    assert Path(first["note.docx"]).read_bytes() == b"\x00\x01"
    other = files.replace("b", {"note.md": "other session"})
    second = files.replace("a", {"note.md": "second"})
    # The same name, a new address: a browser cannot serve the replaced bytes from its cache.
    assert second["note.md"] != first["note.md"]
    assert not any(Path(p).exists() for p in first.values())
    assert Path(second["note.md"]).read_text(encoding="utf-8") == "second"
    assert all(stat.S_IMODE(folder.stat().st_mode) == 0o700 for folder in root.iterdir())  # the server's user only
    files.discard("a")
    files.discard("never-seen")  # a session that downloaded nothing
    assert list(root.rglob("*.md")) == [Path(other["note.md"])]
    assert Path(other["note.md"]).read_text(encoding="utf-8") == "other session"
