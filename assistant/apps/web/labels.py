"""How metadata, dates, errors and sentence endings read to a person: shared by the page, the copy text and
the Markdown export so the three never disagree."""

from datetime import datetime
from typing import Any, Mapping

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


def one_line(exc: BaseException) -> str:
    """An exception as the short single line a user is shown (the log keeps the traceback)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def split_ending(text: str) -> tuple[str, str]:
    """A sentence and its final punctuation apart, so citation markers can sit before the full stop."""
    ending = text[-1] if text[-1:] in ".!?" else ""
    return (text[:-1] if ending else text), ending
