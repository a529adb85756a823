"""Answers as plain text for leaving the app: the copy button's text and the Markdown download."""

import secrets
import shutil
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from assistant.apps.web.labels import cited, label_groups
from assistant.apps.web.state import Conversation, filter_text


def answer_paragraphs(
    answer: Mapping[str, Any], refs: Callable[[Sequence[int]], str], lead: Callable[[str], str],
) -> list[str]:
    """The answer's sentences, each followed by `refs(its citation numbers)`, one paragraph per report label
    (`lead(label)` opens it). The same shape as the page, so copied and exported answers read like it."""
    paragraphs = []
    for label, sentences in label_groups(answer.get("sentences") or []):
        text = " ".join(f"{s.get('text', '')}{refs([int(n) for n in s.get('citations', [])])}" for s in sentences)
        paragraphs.append(f"{lead(label) if label else ''}{text}")
    # The sides of a comparison no citation speaks for, after the cited paragraphs, as the answer gives them.
    return paragraphs + [str(line) for line in answer.get("uncovered") or []]


def plain_answer(answer: Mapping[str, Any]) -> str:
    """An answer as plain text with its sources, for the copy button."""
    paragraphs = answer_paragraphs(answer, lambda ns: "".join(f" [{n}]" for n in ns), lambda label: f"{label}: ")
    lines = ["\n\n".join(paragraphs) if paragraphs and not answer.get("abstained") else str(answer.get("answer", ""))]
    if answer.get("citations"):
        lines += ["", "Sources:"] + [f"[{c['n']}] {cited(c)}" for c in answer["citations"]]
    return "\n".join(lines)


def _footnote_refs(mapping: Mapping[int, int]) -> Callable[[Sequence[int]], str]:
    """Markdown footnote references for an answer's citation numbers (renumbered across the conversation)."""
    return lambda numbers: "".join(f"[^{mapping[n]}]" for n in numbers if n in mapping)


def export_markdown(conversation: Conversation | None) -> str:
    """The conversation as Markdown: answers keep their markers as footnote references, numbered across turns."""
    lines = ["# Conversation with the inspection report assistant", "",
             f"Exported {datetime.now().strftime('%Y-%m-%d %H:%M')}.", ""]
    footnotes: list[str] = []
    for index, turn in enumerate(conversation or [], start=1):
        if turn.get("pending"):
            continue
        lines += [f"## {index}. {turn['question']}", ""]
        if turn.get("filters"):
            lines += [f"*Filters: {filter_text(turn['filters'])}*", ""]
        if turn.get("error"):
            lines += [f"Could not answer: {turn['error']}", ""]
            continue
        answer = turn["answer"]
        if answer.get("abstained") or not answer.get("sentences"):
            lines += [f"_{answer.get('answer', '')}_", ""]
            continue
        mapping: dict[int, int] = {}
        for c in answer.get("citations") or []:
            mapping[int(c["n"])] = len(footnotes) + 1
            footnotes.append(f"[^{len(footnotes) + 1}]: {cited(c)}")
        paragraphs = answer_paragraphs(answer, _footnote_refs(mapping), lambda label: f"**{label}:** ")
        lines += [line for paragraph in paragraphs for line in (paragraph, "")]
    if footnotes:
        lines += ["---", ""] + footnotes + [""]
    return "\n".join(lines)


class SessionExports:
    """The download button's files, one private folder per browser session under `root` (gradio's upload
    folder, so gradio serves the file as it is rather than keeping a second copy in its cache). A session keeps
    only its latest export; `discard` removes its folder when the session ends."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._folders: dict[str, Path] = {}
        self._lock = threading.Lock()

    def write(self, conversation: Conversation | None, session: str) -> str | None:
        """Write the Markdown export, replacing the session's previous one (None when there is nothing to export)."""
        if not any(t.get("answer") or t.get("error") for t in conversation or []):
            return None
        with self._lock:
            folder = self._folders.get(session)
            if folder is None or not folder.is_dir():
                # An unguessable name: gradio serves any file under its folder to whoever knows the path.
                folder = self._folders[session] = self.root / secrets.token_urlsafe(24)
                folder.mkdir(mode=0o700, parents=True)
            replaced = {old.name for old in folder.iterdir()}
            for name in replaced:
                (folder / name).unlink(missing_ok=True)
            # A new name even within the same second: the browser must not download the replaced file's bytes.
            stem, counter = f"conversation-{datetime.now().strftime('%Y%m%d-%H%M%S')}", 1
            path = folder / f"{stem}.md"
            while path.name in replaced:
                counter += 1
                path = folder / f"{stem}-{counter}.md"
            path.write_text(export_markdown(conversation), encoding="utf-8")
        return str(path)

    def discard(self, session: str) -> None:
        """Remove the session's exports (its tab was closed)."""
        with self._lock:
            folder = self._folders.pop(session, None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
