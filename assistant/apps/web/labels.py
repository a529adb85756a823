"""How reports, metadata, dates, errors and answer groups read to a person: shared by the page, the copy text and
the Markdown export so the three never disagree."""

import re
from bisect import bisect_right
from datetime import datetime
from typing import Any, Iterable, Mapping, Sequence

_UNKNOWN = "unknown"


def known(value: Any, fallback: str) -> str:
    """The value as text, or `fallback` when it is blank or the metadata's "unknown"."""
    text = "" if value is None else str(value).strip()
    return fallback if not text or text.lower() == _UNKNOWN else text


def date_label(value: Any) -> str:
    """An ISO date as "25 July 2018"; partial or free-form dates as they are."""
    text = known(value, "")
    if not text:
        return "date not stated"
    try:
        return datetime.strptime(text, "%Y-%m-%d").strftime("%-d %B %Y")
    except ValueError:
        return text


def meta_labels(meta: Mapping[str, Any]) -> tuple[str, str, str]:
    """Authority, inspection type and date of a report, each with a "not stated" wording when absent."""
    return (
        known(meta.get("authority"), "authority not stated"),
        known(meta.get("inspection_type"), "inspection type not stated"),
        date_label(meta.get("date")),
    )


def report_name(title: Any, meta: Mapping[str, Any]) -> str:
    """A report as a reader knows it: “title” (authority, inspection type, date). Never its file name: corpus
    files are named by hash and the stored path may be absolute on the server."""
    name = " ".join(str(title or "").split()) or "Untitled report"
    return f"“{name}” ({', '.join(meta_labels(meta))})"


# A paragraph starts at the text's first non-space character and after every blank line.
_PARAGRAPH_START = re.compile(r"(?:\A|\n[ \t]*\n)\s*(?=\S)")


def shortened(text: str, limit: int) -> str:
    """`text` cut at the last word that ends within `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def cited(citation: Mapping[str, Any], limit: int | None = None) -> str:
    """A citation as a reader reads it: the report's name and the quoted words (no file path, no offsets),
    the quote shortened to `limit` characters when one is given."""
    quote = " ".join(str(citation.get("quote", "")).split())
    return f"{report_name(citation.get('title'), citation.get('metadata') or {})}: “{shortened(quote, limit) if limit else quote}”"


def paragraph_position(text: str, offset: int) -> str:
    """Where an offset falls, as "paragraph 3 of 12"; "" for a text of one paragraph (nothing to say)."""
    starts = [match.end() for match in _PARAGRAPH_START.finditer(text)]
    if len(starts) < 2:
        return ""
    return f"paragraph {max(1, bisect_right(starts, offset))} of {len(starts)}"


def label_groups(sentences: Iterable[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Answer sentences as (label, sentences) groups: a sentence with a `label` (the report it comes from) opens
    a group, the unlabelled ones after it belong to it; sentences before any label form a group labelled ""."""
    groups: list[tuple[str, list[Mapping[str, Any]]]] = []
    for sentence in sentences:
        label = " ".join(str(sentence.get("label") or "").split())
        if label or not groups:
            groups.append((label, [sentence]))
        else:
            groups[-1][1].append(sentence)
    return groups


def answer_span(sentence: Mapping[str, Any]) -> tuple[int, int] | None:
    """The sentence's `answer_span` when it is a non-empty range inside its text (else None: show no mark)."""
    span: Sequence[Any] = sentence.get("answer_span") or ()
    try:
        start, end = (int(value) for value in span)
    except (TypeError, ValueError):
        return None
    return (start, end) if 0 <= start < end <= len(str(sentence.get("text", ""))) else None


def one_line(exc: BaseException) -> str:
    """An exception as the short single line a user is shown (the log keeps the traceback)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]
