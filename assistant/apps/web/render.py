"""HTML for the app: the chat, the citation panel, the source viewer, the filter bar and the header.

Markup lives in templates/*.html (Jinja2). Every value a template prints is escaped with `html.escape`
(quote=True) unless it is already `Markup` from another template: report text never becomes markup.
Functions here take plain data (the conversation, a document) and return HTML strings; the few that need
the index (`render_filter_bar`, `header_html`) ask the Assistant for counts only.
"""

import html
import re
from pathlib import Path
from typing import Any, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from assistant.apps.web.export import plain_answer
from assistant.apps.web.labels import (
    answer_span, cited, label_groups, meta_labels, one_line, paragraph_position, report_name,
)
from assistant.apps.web.state import FILTER_LABELS, Conversation, clean_filters, filter_text, latest_answered
from assistant.apps.web.welcome import Welcome
from assistant.core.errors import AssistantError, InputError
from assistant.core.types import unsaid_notes

HERE = Path(__file__).parent
PREVIEW_CHARS = 200  # how much of a quote a citation marker's preview shows


def _escape(value: Any) -> Markup:
    # html.escape rather than markupsafe's own escaping: the page has always used its entities (&#x27;, &quot;),
    # and Markup from a nested template or macro passes through untouched.
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


_TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=True, finalize=_escape, undefined=StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)
_TEMPLATES.globals["meta_labels"] = meta_labels
_MACROS = _TEMPLATES.get_template("macros.html").module


def read_asset(name: str) -> str:
    """A CSS or JS file from assets/, read when the app is built."""
    return (HERE / "assets" / name).read_text(encoding="utf-8").strip()


def _render(template: str, **values: Any) -> Markup:
    return Markup(_TEMPLATES.get_template(template).render(**values).strip())


# ---------------------------------------------------------------- chat


def preview(citation: Mapping[str, Any]) -> str:
    """What hovering or focusing a citation marker shows: the report's name and the start of the quote."""
    return cited(citation, PREVIEW_CHARS)


def _answer_sentence(sentence: Mapping[str, Any], previews: Mapping[int, str]) -> dict[str, Any]:
    """One sentence for answer.html: its text split around the answering span, and its markers."""
    text = str(sentence.get("text", ""))
    start, end = answer_span(sentence) or (len(text), len(text))
    numbers = [int(n) for n in sentence.get("citations", [])]
    return {"before": text[:start], "span": text[start:end], "after": text[end:],
            "citations": [(n, previews.get(n, f"Citation {n}")) for n in numbers]}


def render_answer_body(turn_index: int, answer: Mapping[str, Any], filtered: bool = False) -> str:
    """Answer sentences with the answering words marked and clickable [n] markers after each, grouped under
    the label of the report they come from; an abstention as an honest notice."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    if not answer.get("abstained"):
        previews = {int(c["n"]): preview(c) for c in answer.get("citations") or []}
        groups = [(label, [_answer_sentence(s, previews) for s in sentences])
                  for label, sentences in label_groups(answer.get("sentences") or [])]
    return _render("answer.html", turn=turn_index, groups=groups, text=answer.get("answer"),
                   uncovered=answer.get("uncovered") or [], filtered=filtered)


def _chat_turn(index: int, turn: Mapping[str, Any]) -> dict[str, Any]:
    """What chat.html shows for one turn."""
    shown: dict[str, Any] = {"question": turn.get("question"), "filters": filter_text(turn.get("filters") or {}),
                             "pending": turn.get("pending"), "error": turn.get("error")}
    answer = turn.get("answer")
    if answer and not shown["pending"] and not shown["error"]:
        standalone = answer.get("standalone_question") or ""
        shown.update(
            body=render_answer_body(index, answer, bool(shown["filters"])), abstained=answer.get("abstained"), copy_text=plain_answer(answer),
            read_as=standalone if standalone != answer.get("question") else "",
            # A note the answer already gives (an abstention's reason) is not said twice.
            notes=unsaid_notes(str(answer.get("answer") or ""), answer.get("notes") or []),
            rating=turn.get("rating"),
        )
    return shown


def render_chat(conversation: Conversation | None, welcome: Welcome | None = None) -> str:
    """The chat log; when empty, the welcome card (what the index holds, example questions built from it)."""
    turns = [_chat_turn(index, turn) for index, turn in enumerate(conversation or [])]
    return _render("chat.html", turns=turns, welcome=welcome or Welcome())


# ---------------------------------------------------------------- citations and source viewer


def _quote_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote sits inside the passage text (exact, else whitespace-insensitive)."""
    quote = quote or ""
    if not quote.strip():
        return None
    position = text.find(quote)
    if position >= 0:
        return position, position + len(quote)
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def highlight(text: str, quote: str) -> str:
    """Escaped passage with the quoted span in <mark>."""
    span = _quote_span(text, quote)
    if span is None:
        return _escape(text)
    start, end = span
    return _MACROS.marked(text[:start], text[start:end], text[end:])


def render_citations(conversation: Conversation | None, turn_index: int | None = None, active: int | None = None) -> str:
    """The citation panel for one answer (default: the latest answered turn)."""
    conversation = conversation or []
    if turn_index is None or not (0 <= turn_index < len(conversation)) or not conversation[turn_index].get("answer"):
        turn_index = latest_answered(conversation)
    if turn_index < 0:
        return _render("citations.html", turn=None)
    turn = conversation[turn_index]
    cards = [
        {"n": c["n"], "title": c.get("title"), "metadata": c.get("metadata") or {},
         "name": report_name(c.get("title"), c.get("metadata") or {}),
         "passage": highlight(str(c.get("text", "")), str(c.get("quote", "")))}
        for c in turn["answer"].get("citations") or []
    ]
    return _render("citations.html", turn=turn_index, question=turn["question"], cards=cards, active=active)


def render_source(document: Any, start: int, end: int, quote: str = "", n: int | None = None) -> str:
    """The full report text with the cited passage shaded and the quote marked; JS scrolls to the mark."""
    text = document.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    passage = text[start:end]
    span = _quote_span(passage, quote) or (0, len(passage))
    q_start, q_end = start + span[0], start + span[1]
    return _render(
        "source.html", message="", label=f"[{n}] " if n is not None else "", title=document.title,
        metadata=document.metadata or {}, where=paragraph_position(text, q_start),
        before=text[:start], lead=text[start:q_start], quote=text[q_start:q_end], tail=text[q_end:end],
        after=text[end:],
    )


def source_message(message: str, error: bool = True) -> str:
    """The source viewer showing a message instead of a report."""
    return _render("source.html", message=message, error=error)


def empty_source() -> str:
    return source_message("Click a citation or an answer’s [n] marker to read the full report here, scrolled to "
                          "the highlighted passage.", error=False)


# ---------------------------------------------------------------- library


def render_library(headers: list[str], rows: list[list[Any]]) -> str:
    """The Library table of reports; each cell carries its column name in data-label (phones show a row as a
    card). The stored file path is left out: it means nothing to a reader (and may be the server's)."""
    shown = [i for i, header in enumerate(headers) if header != "Source"]
    return _render("library.html", headers=[headers[i] for i in shown],
                   rows=[[row[i] for i in shown] for row in rows])


# ---------------------------------------------------------------- filter bar and header


def render_filter_bar(helper: Any, filters: Mapping[str, Any] | None) -> str:
    """What the next question will search: the active filters as chips and how many reports match."""
    from assistant.retrieval.hybrid import scope

    active = clean_filters(filters)
    try:
        documents = helper.documents()
    except AssistantError as exc:
        return _render("filter_bar.html", error=one_line(exc))
    if not active:
        return ""
    matched: int | None
    try:
        matched, problem = scope(documents, "", active).searched, ""
    except InputError as exc:
        matched, problem = None, one_line(exc)
    return _render("filter_bar.html", error="", chips=[(FILTER_LABELS[k], v) for k, v in active.items()],
                   matched=matched, total=len(documents), problem=problem)


def header_html(helper: Any) -> str:
    """The title and what the index holds (or why it cannot be read)."""
    try:
        stats = helper.stats()
        line = (f'{stats["documents"]} report{"s" if stats["documents"] != 1 else ""} · {stats["chunks"]} passages '
                "indexed · answers quote the reports verbatim")
    except AssistantError as exc:
        line = f"Index unavailable: {one_line(exc)}"
    return _render("header.html", line=line)
