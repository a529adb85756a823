"""Answers as plain text for leaving the app: the copy button's text and the Markdown download."""

from datetime import datetime
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


def export_file(conversation: Conversation | None) -> tuple[str, str] | None:
    """The conversation's Markdown export and a file name for it (None when there is nothing to export)."""
    if not any(t.get("answer") or t.get("error") for t in conversation or []):
        return None
    return f"conversation-{datetime.now().strftime('%Y%m%d-%H%M%S')}.md", export_markdown(conversation)
