"""Answers as plain text for leaving the app: the copy button's text and the Markdown download."""

import tempfile
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from assistant.apps.web.labels import date_label, known, split_ending
from assistant.apps.web.state import Conversation, filter_text


def _quote(citation: Mapping[str, Any]) -> str:
    return " ".join(str(citation.get("quote", "")).split())


def plain_answer(answer: Mapping[str, Any]) -> str:
    """An answer as plain text with its sources, for the copy button."""
    lines = [str(answer.get("answer", ""))]
    if answer.get("citations"):
        lines.append("")
        lines.append("Sources:")
        for c in answer["citations"]:
            meta = c.get("metadata") or {}
            lines.append(
                f"[{c['n']}] {c.get('title', '')} ({known(meta.get('authority'), 'authority not stated')}, "
                f"{known(meta.get('inspection_type'), 'type not stated')}, {date_label(meta.get('date'))}), "
                f"{c.get('source', '')}: \"{_quote(c)}\""
            )
    return "\n".join(lines)


def _footnote(number: int, citation: Mapping[str, Any]) -> str:
    meta = citation.get("metadata") or {}
    return (
        f"[^{number}]: {citation.get('title', '')}. {known(meta.get('authority'), 'Authority not stated')}, "
        f"{known(meta.get('inspection_type'), 'inspection type not stated')}, {date_label(meta.get('date'))}. "
        f"`{citation.get('source', '')}`, characters {citation.get('start')}–{citation.get('end')}: “{_quote(citation)}”"
    )


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
            footnotes.append(_footnote(len(footnotes) + 1, c))
        sentences = []
        for sentence in answer["sentences"]:
            body, ending = split_ending(str(sentence.get("text", "")))
            refs = "".join(f"[^{mapping[int(n)]}]" for n in sentence.get("citations", []) if int(n) in mapping)
            sentences.append(f"{body}{refs}{ending}")
        lines += [" ".join(sentences), ""]
    if footnotes:
        lines += ["---", ""] + footnotes + [""]
    return "\n".join(lines)


class ExportFolder:
    """One temporary folder per process for the download button's files (gradio serves them from there)."""

    def __init__(self) -> None:
        self._root: Path | None = None

    def write(self, conversation: Conversation | None) -> str | None:
        """Write the Markdown export to a new file (None when there is nothing to export)."""
        if not any(t.get("answer") or t.get("error") for t in conversation or []):
            return None
        if self._root is None or not self._root.is_dir():
            self._root = Path(tempfile.mkdtemp(prefix="assistant-export-"))
        # A folder per export: two downloads in the same second must not overwrite each other.
        folder = self._root / uuid.uuid4().hex[:8]
        folder.mkdir()
        path = folder / f"conversation-{datetime.now().strftime('%Y%m%d-%H%M%S')}.md"
        path.write_text(export_markdown(conversation), encoding="utf-8")
        return str(path)


write_export = ExportFolder().write
