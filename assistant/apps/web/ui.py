"""The Gradio app: parse what the user did, call the Assistant, render its Answer. No answering logic here.

Handlers are plain functions (`answer_question`, `open_citation`, `upload_reports`, `record_feedback`,
`export_markdown`, ...) that take the Assistant and inputs and return rendered values, so tests call
them without a browser. `build_app` wires them to components; gradio is imported only inside it.
Every piece of report text goes through `html.escape` before it reaches the page.
"""

import functools
import html
import json
import logging
import re
import shutil
import sys
import tempfile
import threading
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from assistant.core.errors import AssistantError, InputError, LoadError
from assistant.ingest.load import check_file
from assistant.core.settings import SUPPORTED_EXTENSIONS, Settings

log = logging.getLogger(__name__)

EXAMPLES = (
    "What did inspectors say about the MASH?",
    "How was Warrington's child protection judged?",
    "What did the joint inspection find in Windsor and Maidenhead?",
    "What did Ofsted criticise in Wirral?",
)
# UI filter fields, in the order the filter controls pass them; keys are retrieve.FILTER_KEYS.
FILTER_FIELDS = (
    ("authority", "Authority"),
    ("inspection_type", "Inspection type"),
    ("inspectorate", "Inspectorate"),
    ("date_from", "From"),
    ("date_to", "To"),
)
LIBRARY_HEADERS = ["Title", "Authority", "Inspection type", "Inspectorates", "Judgement", "Date", "Chunks", "Source"]
UPLOAD_HEADERS = ["File", "Status", "Chunks", "Reason"]
_UNKNOWN = "unknown"
_FEEDBACK_LOCK = threading.Lock()
_THUMB = (
    '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"{flip}><path fill="currentColor" d="M2 21h4V9H2v12z'
    'm20-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L13.17 1 6.59 7.59C6.22 7.95 6 8.45 6 9v10c0 '
    '1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z"/></svg>'
)
_THUMB_UP = _THUMB.format(flip="")
_THUMB_DOWN = _THUMB.format(flip=' style="transform: rotate(180deg)"')

Conversation = list  # list[dict]: {"question", "answer" (Answer JSON + "notes"), "filters", "rating"} or {"error"}


# ---------------------------------------------------------------- small helpers


def esc(value: Any) -> str:
    """Text (and attribute values) for HTML: every report string passes through here."""
    return html.escape("" if value is None else str(value), quote=True)


def _known(value: Any, fallback: str) -> str:
    text = "" if value is None else str(value).strip()
    return fallback if not text or text.lower() == _UNKNOWN else text


def _date_label(value: Any) -> str:
    text = _known(value, "")
    if not text:
        return "date not stated"
    try:
        return datetime.strptime(text, "%Y-%m-%d").strftime("%-d %B %Y")
    except ValueError:
        return text


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def history_of(conversation: Conversation) -> list[dict[str, str]]:
    """The conversation as Assistant.ask history: answered turns only (errors and pending turns skipped)."""
    turns: list[dict[str, str]] = []
    for turn in conversation:
        answer = turn.get("answer")
        if not answer:
            continue
        turns.append({"role": "user", "content": turn["question"]})
        turns.append({"role": "assistant", "content": answer["answer"]})
    return turns


def clean_filters(values: Mapping[str, Any] | Sequence[Any] | None) -> dict[str, str]:
    """Filter controls -> the filters dict for Assistant.ask; blanks and 'any' mean no filter."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        values = {key: value for (key, _), value in zip(FILTER_FIELDS, values)}
    filters: dict[str, str] = {}
    for key, _label in FILTER_FIELDS:
        value = values.get(key)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        text = "" if value is None else str(value).strip()
        if text:
            filters[key] = text
    return filters


# ---------------------------------------------------------------- asking


def answer_question(
    helper: Any, question: str, conversation: Conversation | None, filters: Mapping[str, Any] | None = None,
    k: int | None = None,
) -> Conversation:
    """Ask with the conversation so far as history; the new turn (or its error message) is appended."""
    conversation = [t for t in (conversation or []) if not t.get("pending")]
    question = (question or "").strip()
    active = clean_filters(filters)
    if not question:
        return conversation
    try:
        answer = helper.ask(question, history=history_of(conversation), filters=active, k=k)
        record = answer.to_dict()
        record["notes"] = list(answer.notes)
        turn: dict[str, Any] = {"question": question, "answer": record, "filters": active}
    except AssistantError as exc:
        turn = {"question": question, "error": _one_line(exc), "filters": active}
    except Exception as exc:  # never a traceback in the page; the log keeps it
        log.exception("ask failed")
        turn = {"question": question, "error": f"something went wrong while answering ({_one_line(exc)})",
                "filters": active}
    return conversation + [turn]


def pending_turn(conversation: Conversation | None, question: str, filters: Mapping[str, Any] | None) -> Conversation:
    return [t for t in (conversation or []) if not t.get("pending")] + [
        {"question": (question or "").strip(), "pending": True, "filters": clean_filters(filters)}
    ]


def latest_answered(conversation: Conversation | None) -> int:
    for index in range(len(conversation or []) - 1, -1, -1):
        if conversation[index].get("answer"):
            return index
    return -1


def _marker_buttons(turn_index: int, numbers: Iterable[int]) -> str:
    return "".join(
        f'<button type="button" class="cite-marker" data-turn="{turn_index}" data-cite="{n}" '
        f'title="Open source [{n}]" aria-label="Open citation {n} in the report">[{n}]</button>'
        for n in numbers
    )


def render_answer_body(turn_index: int, answer: Mapping[str, Any]) -> str:
    """Answer sentences with clickable [n] markers; an abstention as an honest notice."""
    if answer.get("abstained") or not answer.get("sentences"):
        return (
            '<div class="abstain"><strong>No answer in the reports.</strong> '
            f'{esc(answer.get("answer"))}<div class="hint">Try rephrasing, clearing filters, or adding a report that '
            "covers this in the Library tab.</div></div>"
        )
    parts = []
    for sentence in answer["sentences"]:
        text = str(sentence.get("text", ""))
        ending = text[-1] if text[-1:] in ".!?" else ""
        body = text[:-1] if ending else text
        parts.append(f"{esc(body)} {_marker_buttons(turn_index, sentence.get('citations', []))}{esc(ending)}")
    return f'<p class="answer-text">{" ".join(parts)}</p>'


def plain_answer(answer: Mapping[str, Any]) -> str:
    """An answer as plain text with its sources, for the copy button."""
    lines = [str(answer.get("answer", ""))]
    if answer.get("citations"):
        lines.append("")
        lines.append("Sources:")
        for c in answer["citations"]:
            meta = c.get("metadata") or {}
            lines.append(
                f"[{c['n']}] {c.get('title', '')} ({_known(meta.get('authority'), 'authority not stated')}, "
                f"{_known(meta.get('inspection_type'), 'type not stated')}, {_date_label(meta.get('date'))}), "
                f"{c.get('source', '')}: \"{' '.join(str(c.get('quote', '')).split())}\""
            )
    return "\n".join(lines)


def _filter_text(filters: Mapping[str, str]) -> str:
    labels = dict(FILTER_FIELDS)
    return ", ".join(f"{labels.get(k, k)}: {v}" for k, v in filters.items())


def render_chat(conversation: Conversation | None, report_count: int | None = None) -> str:
    conversation = conversation or []
    if not conversation:
        reports = f"{report_count} inspection report{'s' if report_count != 1 else ''}" if report_count is not None \
            else "the inspection reports"
        examples = "".join(
            f'<button type="button" class="example" data-example="{esc(q)}">{esc(q)}</button>' for q in EXAMPLES
        )
        return (
            '<div class="chat-log empty" role="log" aria-live="polite">'
            f'<div class="welcome"><h2>Ask about {esc(reports)}</h2>'
            "<p>Every sentence of an answer cites the passage it comes from. Click a marker such as "
            '<span class="cite-marker demo">[1]</span> to read it in the full report.</p>'
            f'<div class="examples" aria-label="Example questions">{examples}</div></div></div>'
        )
    rows = []
    for index, turn in enumerate(conversation):
        rows.append(f'<div class="msg user"><div class="bubble">{esc(turn.get("question"))}</div></div>')
        filters = turn.get("filters") or {}
        filter_note = f'<div class="note">Filters: {esc(_filter_text(filters))}</div>' if filters else ""
        if turn.get("pending"):
            rows.append(
                '<div class="msg bot"><div class="bubble pending" aria-busy="true">Searching the reports'
                f'<span class="dots"><span>.</span><span>.</span><span>.</span></span>{filter_note}</div></div>'
            )
            continue
        if turn.get("error"):
            rows.append(
                f'<div class="msg bot"><div class="bubble error" role="alert"><strong>Could not answer:</strong> '
                f'{esc(turn["error"])}{filter_note}</div></div>'
            )
            continue
        answer = turn["answer"]
        notes = []
        standalone = answer.get("standalone_question") or ""
        if standalone and standalone != answer.get("question"):
            notes.append(f'<div class="note">Read as: “{esc(standalone)}”</div>')
        if filter_note:
            notes.append(filter_note)
        for note in answer.get("notes") or []:
            notes.append(f'<div class="note">{esc(note)}</div>')
        rating = turn.get("rating")
        actions = (
            '<div class="actions">'
            f'<button type="button" class="act" data-copy="{index}" title="Copy this answer with its sources">Copy</button>'
            f'<button type="button" class="act rate{" on" if rating == "up" else ""}" data-turn="{index}" data-rating="up" '
            f'title="Helpful" aria-label="Helpful" aria-pressed="{str(rating == "up").lower()}">{_THUMB_UP}</button>'
            f'<button type="button" class="act rate{" on" if rating == "down" else ""}" data-turn="{index}" data-rating="down" '
            f'title="Not helpful" aria-label="Not helpful" aria-pressed="{str(rating == "down").lower()}">'
            f'{_THUMB_DOWN}</button>'
            "</div>"
        )
        kind = " abstained" if answer.get("abstained") else ""
        rows.append(
            f'<div class="msg bot"><div class="bubble{kind}" data-answer="{index}">'
            f"{render_answer_body(index, answer)}{''.join(notes)}{actions}"
            f'<textarea class="copy-text" id="copy-{index}" hidden readonly>{esc(plain_answer(answer))}</textarea>'
            "</div></div>"
        )
    return f'<div class="chat-log" role="log" aria-live="polite">{"".join(rows)}</div>'


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
        return esc(text)
    start, end = span
    return f'{esc(text[:start])}<mark class="quote">{esc(text[start:end])}</mark>{esc(text[end:])}'


def _meta_line(meta: Mapping[str, Any]) -> str:
    return " · ".join(
        (
            esc(_known(meta.get("authority"), "authority not stated")),
            esc(_known(meta.get("inspection_type"), "inspection type not stated")),
            esc(_date_label(meta.get("date"))),
        )
    )


def render_citations(conversation: Conversation | None, turn_index: int | None = None, active: int | None = None) -> str:
    """The citation panel for one answer (default: the latest answered turn)."""
    conversation = conversation or []
    if turn_index is None or not (0 <= turn_index < len(conversation)) or not conversation[turn_index].get("answer"):
        turn_index = latest_answered(conversation)
    if turn_index < 0:
        return ('<div class="cite-panel empty"><p>Sources appear here: for each citation, the report, its authority, '
                "inspection type and date, and the passage with the quoted words highlighted.</p></div>")
    turn = conversation[turn_index]
    answer = turn["answer"]
    head = (f'<div class="cite-for">Sources for answer {turn_index + 1}: <q>{esc(turn["question"])}</q></div>')
    if not answer.get("citations"):
        return (f'<div class="cite-panel">{head}<p class="muted">This answer has no citations: the reports did not '
                "support an answer.</p></div>")
    cards = []
    for c in answer["citations"]:
        meta = c.get("metadata") or {}
        selected = " active" if active == c["n"] else ""
        cards.append(
            f'<article class="cite-card{selected}" data-turn="{turn_index}" data-cite="{c["n"]}" tabindex="0" '
            f'role="button" aria-label="Open source {c["n"]} in the report">'
            f'<div class="cite-head"><span class="cite-n">[{c["n"]}]</span> '
            f'<span class="cite-title">{esc(c.get("title"))}</span></div>'
            f'<div class="cite-meta">{_meta_line(meta)}</div>'
            f'<blockquote class="cite-passage">{highlight(str(c.get("text", "")), str(c.get("quote", "")))}</blockquote>'
            f'<div class="cite-foot"><span class="cite-source">{esc(c.get("source"))}, characters '
            f'{int(c.get("start", 0))}–{int(c.get("end", 0))}</span>'
            '<span class="cite-open">Open in report ›</span></div>'
            "</article>"
        )
    return f'<div class="cite-panel">{head}{"".join(cards)}</div>'


def render_source(document: Any, start: int, end: int, quote: str = "", n: int | None = None) -> str:
    """The full report text with the cited passage shaded and the quote marked; JS scrolls to the mark."""
    text = document.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    passage = text[start:end]
    span = _quote_span(passage, quote) or (0, len(passage))
    q_start, q_end = start + span[0], start + span[1]
    meta = document.metadata or {}
    label = f"[{n}] " if n is not None else ""
    body = (
        f"{esc(text[:start])}<span class=\"passage\">{esc(text[start:q_start])}"
        f'<mark class="quote" id="source-mark">{esc(text[q_start:q_end])}</mark>'
        f"{esc(text[q_end:end])}</span>{esc(text[end:])}"
    )
    return (
        '<div class="source-view">'
        f'<div class="source-head"><div class="source-title">{esc(label)}{esc(document.title)}</div>'
        f'<div class="cite-meta">{_meta_line(meta)}</div>'
        f'<div class="cite-source">{esc(document.source)} · characters {start}–{end} of {len(text)}</div></div>'
        f'<div class="source-text" tabindex="0">{body}</div></div>'
    )


def empty_source() -> str:
    return ('<div class="source-view empty"><p>Click a citation or an answer’s [n] marker to read the full report '
            "here, scrolled to the highlighted passage.</p></div>")


def open_citation(helper: Any, conversation: Conversation | None, turn_index: Any, n: Any) -> str:
    """Source viewer HTML for citation n of a turn; a message if it no longer matches the index."""
    try:
        turn = (conversation or [])[int(turn_index)]
        citation = next(c for c in turn["answer"]["citations"] if int(c["n"]) == int(n))
    except (IndexError, KeyError, StopIteration, TypeError, ValueError):
        return '<div class="source-view empty"><p class="error">That citation is not part of this conversation.</p></div>'
    try:
        document = helper.document(citation["doc_id"])
    except AssistantError as exc:
        return f'<div class="source-view empty"><p class="error">Could not open the report: {esc(_one_line(exc))}</p></div>'
    if document is None:
        return (f'<div class="source-view empty"><p class="error">The report {esc(citation.get("source"))} is no longer '
                "in the index (it was deleted).</p></div>")
    if document.text[citation["start"]:citation["end"]] != citation["text"]:
        return (f'<div class="source-view empty"><p class="error">The report {esc(citation.get("source"))} has changed '
                "since this answer was given; ask again to cite the current text.</p></div>")
    return render_source(document, citation["start"], citation["end"], citation.get("quote", ""), citation["n"])


# ---------------------------------------------------------------- filters


def filter_options(helper: Any) -> dict[str, Any]:
    """Choices for the filter controls, from the metadata of the indexed reports."""
    documents = helper.documents()
    authorities: dict[str, int] = {}
    types: dict[str, int] = {}
    inspectorates: dict[str, int] = {}
    dates: list[str] = []
    for meta in documents.values():
        for bucket, value in ((authorities, meta.get("authority")), (types, meta.get("inspection_type"))):
            name = _known(value, "")
            if name:
                bucket[name] = bucket.get(name, 0) + 1
        for name in str(meta.get("inspectorates") or "").split(","):
            name = _known(name, "")
            if name:
                inspectorates[name] = inspectorates.get(name, 0) + 1
        if _known(meta.get("date"), ""):
            dates.append(str(meta["date"]))

    def choices(counts: dict[str, int], any_label: str) -> list[tuple[str, str]]:
        return [(any_label, "")] + [(f"{name} ({count})", name) for name, count in sorted(counts.items())]

    undated = len(documents) - len(dates)
    if dates:
        span = f"Dates as YYYY, YYYY-MM or YYYY-MM-DD. Report dates in the index: {min(dates)} to {max(dates)}"
        span += f"; {undated} report{'s' if undated != 1 else ''} state no date and are left out by a date filter." \
            if undated else "."
    else:
        span = "No indexed report states a date, so a date filter matches nothing."
    return {
        "authority": choices(authorities, "Any authority"),
        "inspection_type": choices(types, "Any inspection type"),
        "inspectorate": choices(inspectorates, "Any inspectorate"),
        "date_hint": span,
        "documents": len(documents),
    }


def render_filter_bar(helper: Any, filters: Mapping[str, Any] | None) -> str:
    """What the next question will search: the active filters as chips and how many reports match."""
    from assistant.retrieval.hybrid import scope

    active = clean_filters(filters)
    try:
        documents = helper.documents()
    except AssistantError as exc:
        return f'<div class="filter-bar error">Index unavailable: {esc(_one_line(exc))}</div>'
    if not active:
        return ""
    labels = dict(FILTER_FIELDS)
    chips = "".join(
        f'<span class="chip"><span class="chip-key">{esc(labels[k])}</span> {esc(v)}</span>' for k, v in active.items()
    )
    try:
        area = scope(documents, "", active)
        count = (f'<span class="filter-count">{area.searched} of {len(documents)} reports match</span>'
                 if area.searched else '<span class="filter-count none">no report matches these filters</span>')
    except InputError as exc:
        count = f'<span class="filter-count none">{esc(_one_line(exc))}</span>'
    return (f'<div class="filter-bar on" role="status"><span class="filter-label">Filters on:</span>{chips}{count}'
            '<button type="button" class="clear-filters" data-clear="1">Clear filters</button></div>')


# ---------------------------------------------------------------- uploads and library


def safe_upload_name(name: str) -> str:
    """A file name safe to create inside the uploads folder: no directories, no '..', no hidden files."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9._-]+", "_", base))
    base = re.sub(r"\.{2,}", ".", base).strip("._-")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip("._-")[:100] or "upload"
    suffix = suffix[:10].lower()
    return f"{stem}.{suffix}" if suffix else stem


def uploads_dir(settings: Settings) -> Path:
    folder = Path(settings.data_dir) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


@dataclass
class UploadResult:
    rows: list[list[Any]] = field(default_factory=list)
    message: str = ""
    saved: list[Path] = field(default_factory=list)


def upload_reports(
    helper: Any, files: Sequence[Any] | None, progress: Callable[[int, int, str], None] | None = None
) -> UploadResult:
    """Copy uploads into data_dir/uploads under sanitised names and ingest them; rows carry the CLI's reasons."""
    files = [f for f in (files or []) if f]
    if not files:
        return UploadResult(message="Choose one or more report files to add.")
    folder = uploads_dir(helper.settings)
    targets: list[tuple[str, Path]] = []
    rows: list[list[Any]] = []
    used: set[str] = set()
    for item in files:
        source = Path(getattr(item, "name", None) or getattr(item, "path", None) or str(item))
        original = getattr(item, "orig_name", None) or source.name
        name = safe_upload_name(original)
        stem, dot, suffix = name.rpartition(".")
        counter = 2
        while name in used:
            name = f"{stem}-{counter}.{suffix}" if dot else f"{name}-{counter}"
            counter += 1
        used.add(name)
        target = folder / name
        if not _inside(target, folder) or target.resolve().parent != folder.resolve():
            rows.append([original, "failed", 0, "unsafe file name"])
            continue
        try:
            # Unlisted types and oversize files are refused before a byte is copied (same reasons as the CLI).
            check_file(source, helper.settings.max_file_bytes, name=name)
        except LoadError as exc:
            rows.append([original, "failed", 0, str(exc)])
            continue
        try:
            shutil.copyfile(source, target)
        except OSError as exc:
            rows.append([original, "failed", 0, f"cannot read the upload: {exc.strerror or exc}"])
            continue
        targets.append((original, target))
    report = None
    if targets:
        names = {str(t.resolve()): o for o, t in targets}
        try:
            report = helper.ingest([t for _, t in targets], progress=progress)
        except AssistantError as exc:
            for _, target in targets:
                target.unlink(missing_ok=True)
            return UploadResult(rows=rows, message=f"Nothing was added: {_one_line(exc)}")
        except Exception as exc:
            log.exception("upload ingest failed")
            return UploadResult(rows=rows, message=f"Nothing was added: something went wrong ({_one_line(exc)})")
        for outcome in report.outcomes:
            path = Path(outcome.path)
            original = names.get(str(path.resolve()), path.name)
            rows.append([original, outcome.status, outcome.chunks, outcome.reason])
            if outcome.status == "failed" and _inside(path, folder):
                path.unlink(missing_ok=True)  # keep nothing that was not indexed
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[1]] = counts.get(row[1], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    saved = [t for _, t in targets if t.exists()]
    return UploadResult(rows=rows, message=f"Upload finished: {summary}.", saved=saved)


def library_rows(helper: Any) -> list[list[Any]]:
    rows = []
    for doc_id, meta in sorted(helper.documents().items(), key=lambda item: str(item[1].get("source", ""))):
        rows.append([
            str(meta.get("title", "")),
            _known(meta.get("authority"), "not stated"),
            _known(meta.get("inspection_type"), "not stated"),
            _known(meta.get("inspectorates"), "not stated"),
            _known(meta.get("judgements") or meta.get("judgement"), "not stated"),
            _known(meta.get("date"), "not stated"),
            int(meta.get("chunks", 0) or 0),
            str(meta.get("source", doc_id)),
        ])
    return rows


def library_choices(helper: Any) -> list[tuple[str, str]]:
    return [
        (f"{meta.get('title', doc_id)} ({meta.get('source', doc_id)})", doc_id)
        for doc_id, meta in sorted(helper.documents().items(), key=lambda item: str(item[1].get("source", "")))
    ]


def _source_path(settings: Settings, source: str) -> Path:
    """Where a stored source name points: sources are relative to the folder holding the index."""
    try:
        from assistant.ingest.run import source_root

        root = source_root(settings)
    except ImportError:
        root = Path.cwd()
    return root / source  # an absolute source stays as it is


def delete_report(helper: Any, doc_id: str | None) -> str:
    """Remove a report from the index (and its uploaded copy, if it was uploaded here)."""
    if not doc_id:
        return "Choose a report to delete."
    try:
        meta = helper.documents().get(doc_id)
        if meta is None or not helper.delete(doc_id):
            return "That report is no longer in the index."
    except AssistantError as exc:
        return f"Not deleted: {_one_line(exc)}"
    source = _source_path(helper.settings, str(meta.get("source", "")))
    folder = uploads_dir(helper.settings)
    if source.name and _inside(source, folder) and source.resolve().parent == folder.resolve():
        source.unlink(missing_ok=True)
    return f"Deleted {meta.get('title', doc_id)} ({meta.get('source', doc_id)}) from the index."


def header_html(helper: Any) -> str:
    try:
        stats = helper.stats()
        line = (f'{stats["documents"]} report{"s" if stats["documents"] != 1 else ""} · {stats["chunks"]} passages '
                f'indexed · answers quote the reports verbatim')
    except AssistantError as exc:
        line = f"Index unavailable: {_one_line(exc)}"
    return (
        '<header class="app-head"><div class="app-title">Inspection report assistant</div>'
        f'<div class="app-sub">{esc(line)}</div></header>'
    )


# ---------------------------------------------------------------- feedback and export


def record_feedback(
    settings: Settings, conversation: Conversation | None, turn_index: Any, rating: str, comment: str = "",
    feedback_id: str | None = None,
) -> dict[str, Any]:
    """Append one JSON line to data_dir/feedback.jsonl. A comment sent later repeats the rating's feedback_id."""
    if rating not in ("up", "down"):
        raise InputError("rating must be 'up' or 'down'")
    try:
        turn = (conversation or [])[int(turn_index)]
        answer = turn["answer"]
    except (IndexError, KeyError, TypeError, ValueError):
        raise InputError("there is no answer to rate") from None
    entry = {
        "feedback_id": feedback_id or uuid.uuid4().hex[:12],
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rating": rating,
        "comment": (comment or "").strip()[:2000],
        "turn": int(turn_index),
        "question": turn["question"],
        "standalone_question": answer.get("standalone_question"),
        "answer": answer.get("answer"),
        "abstained": answer.get("abstained"),
        "filters": turn.get("filters") or {},
        "citations": [
            {"n": c["n"], "source": c.get("source"), "doc_id": c.get("doc_id"), "start": c.get("start"),
             "end": c.get("end")}
            for c in answer.get("citations") or []
        ],
    }
    path = Path(settings.data_dir) / "feedback.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _FEEDBACK_LOCK, path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def export_markdown(conversation: Conversation | None) -> str:
    """The conversation as Markdown: answers keep their markers as footnote references, numbered across turns."""
    lines = ["# Conversation with the inspection report assistant", "",
             f"Exported {datetime.now().strftime('%Y-%m-%d %H:%M')}.", ""]
    footnotes: list[str] = []
    number = 0
    for index, turn in enumerate(conversation or [], start=1):
        if turn.get("pending"):
            continue
        lines += [f"## {index}. {turn['question']}", ""]
        if turn.get("filters"):
            lines += [f"*Filters: {_filter_text(turn['filters'])}*", ""]
        if turn.get("error"):
            lines += [f"Could not answer: {turn['error']}", ""]
            continue
        answer = turn["answer"]
        if answer.get("abstained") or not answer.get("sentences"):
            lines += [f"_{answer.get('answer', '')}_", ""]
            continue
        mapping: dict[int, int] = {}
        for c in answer.get("citations") or []:
            number += 1
            mapping[int(c["n"])] = number
            meta = c.get("metadata") or {}
            quote = " ".join(str(c.get("quote", "")).split())
            footnotes.append(
                f"[^{number}]: {c.get('title', '')}. {_known(meta.get('authority'), 'Authority not stated')}, "
                f"{_known(meta.get('inspection_type'), 'inspection type not stated')}, {_date_label(meta.get('date'))}. "
                f"`{c.get('source', '')}`, characters {c.get('start')}–{c.get('end')}: “{quote}”"
            )
        sentences = []
        for sentence in answer["sentences"]:
            text = str(sentence.get("text", ""))
            refs = "".join(f"[^{mapping[int(n)]}]" for n in sentence.get("citations", []) if int(n) in mapping)
            ending = text[-1] if text[-1:] in ".!?" else ""
            sentences.append(f"{text[:-1] if ending else text}{refs}{ending}")
        lines += [" ".join(sentences), ""]
    if footnotes:
        lines += ["---", ""] + footnotes + [""]
    return "\n".join(lines)


_EXPORT_DIR: Path | None = None


def write_export(conversation: Conversation | None) -> str | None:
    """Write the Markdown export to a temporary file for the download button (None when nothing to export)."""
    global _EXPORT_DIR
    if not any(t.get("answer") or t.get("error") for t in conversation or []):
        return None
    if _EXPORT_DIR is None or not _EXPORT_DIR.is_dir():
        _EXPORT_DIR = Path(tempfile.mkdtemp(prefix="assistant-export-"))
    folder = _EXPORT_DIR / uuid.uuid4().hex[:8]
    folder.mkdir()
    path = folder / f"conversation-{datetime.now().strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(export_markdown(conversation), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- API


def ask_json(
    helper: Any, question: str, history: Sequence[Mapping[str, str]] | None = None,
    filters: Mapping[str, Any] | None = None, k: int | None = None,
) -> dict[str, Any]:
    """The Answer JSON of the contract, for scripts (`/ask`). Raises AssistantError on bad input."""
    if k is not None and not 1 <= int(k) <= 100:
        raise InputError("k must be between 1 and 100")
    return helper.ask(question, history=list(history or []), filters=dict(filters or {}),
                      k=int(k) if k else None).to_dict()


def ensure_corpus(helper: Any, echo: Callable[[str], None] = print) -> None:
    """On a fresh machine (empty index) ingest the shipped corpus so the app opens with reports in it."""
    try:
        if helper.documents():
            return
    except AssistantError:
        pass
    corpus = Path(helper.settings.corpus_dir)
    if not corpus.is_dir():
        echo(f"The index is empty and {corpus} does not exist: add reports in the Library tab.")
        return
    echo(f"The index is empty: ingesting {corpus} first ...")
    report = helper.ingest([corpus])
    echo(f"{report.count('indexed')} indexed, {report.count('unchanged')} unchanged, {report.count('failed')} failed")
    for outcome in report.failed:
        echo(f"  {outcome.path}: {outcome.reason}")


# ---------------------------------------------------------------- the Gradio app

CSS = r"""
.gradio-container { max-width: 1400px !important; margin: 0 auto !important; }
#filter-bar:not(:has(.filter-bar)) { display: none !important; }
.cite-head, .source-title { font-weight: 600 !important; }
.app-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem; padding: .25rem 0 .1rem; }
.app-title { font-size: 1.45rem; font-weight: 700; color: var(--body-text-color); }
.app-sub { color: var(--body-text-color-subdued); font-size: .95rem; }
.chat-log { display: flex; flex-direction: column; gap: .75rem; min-height: 360px; max-height: 62vh;
  overflow-y: auto; padding: .75rem; border: 1px solid var(--border-color-primary); border-radius: 12px;
  background: var(--background-fill-secondary); font-size: 1rem; line-height: 1.55; }
.chat-log.empty { justify-content: center; }
.welcome { text-align: center; max-width: 40rem; margin: 0 auto; }
.welcome h2 { font-size: 1.3rem; margin: 0 0 .4rem; }
.welcome p { color: var(--body-text-color-subdued); margin: 0 0 1rem; }
.examples { display: flex; flex-wrap: wrap; gap: .5rem; justify-content: center; }
.example { border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  border-radius: 999px; padding: .45rem .9rem; cursor: pointer; font-size: .95rem; color: var(--body-text-color); }
.example:hover, .example:focus-visible { border-color: var(--color-accent); color: var(--color-accent); }
.msg { display: flex; }
.msg.user { justify-content: flex-end; }
.msg .bubble { max-width: 88%; padding: .6rem .85rem; border-radius: 12px; overflow-wrap: anywhere; }
.msg.user .bubble { background: var(--color-accent); color: white; border-bottom-right-radius: 4px; }
.msg.bot .bubble { background: var(--background-fill-primary); border: 1px solid var(--border-color-primary);
  border-bottom-left-radius: 4px; }
.bubble.error { border-color: #d9534f !important; background: #fff5f5 !important; color: #7a1f1f; }
.bubble.abstained { border-color: #e0a800 !important; background: #fffbea !important; }
.abstain .hint { margin-top: .35rem; color: #6b5a00; font-size: .9rem; }
.answer-text { margin: 0; }
.cite-marker { display: inline; border: none; background: var(--color-accent-soft); color: var(--color-accent);
  font-weight: 600; font-size: .85em; padding: 0 .15em; margin: 0 0 0 1px; border-radius: 4px; cursor: pointer;
  vertical-align: baseline; line-height: 1.3; }
.cite-marker:hover, .cite-marker:focus-visible { background: var(--color-accent); color: white; }
.cite-marker.demo { cursor: default; }
.note { color: var(--body-text-color-subdued); font-size: .85rem; margin-top: .3rem; }
.actions { display: flex; gap: .35rem; margin-top: .45rem; }
.act { display: inline-flex; align-items: center; border: 1px solid var(--border-color-primary); background: transparent;
  border-radius: 6px; padding: .15rem .5rem; cursor: pointer; font-size: .85rem; color: var(--body-text-color-subdued);
  height: 1.8rem; }
.act svg { display: block; }
.act:hover, .act.on { border-color: var(--color-accent); background: var(--color-accent-soft); }
.pending { color: var(--body-text-color-subdued); font-style: italic; }
.dots span { animation: blink 1.4s infinite both; }
.dots span:nth-child(2) { animation-delay: .2s; } .dots span:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: 0; } 40% { opacity: 1; } }
.cite-panel, .source-view { font-size: .95rem; line-height: 1.5; }
.cite-panel { max-height: 70vh; overflow-y: auto; padding-right: .25rem; }
.cite-panel.empty p, .source-view.empty p, .muted { color: var(--body-text-color-subdued); }
.cite-for { font-size: .9rem; color: var(--body-text-color-subdued); margin-bottom: .5rem; }
.cite-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: .6rem .75rem;
  margin-bottom: .6rem; cursor: pointer; background: var(--background-fill-primary); }
.cite-card:hover, .cite-card:focus-visible, .cite-card.active { border-color: var(--color-accent);
  box-shadow: 0 0 0 2px var(--color-accent-soft); }
.cite-head { font-weight: 600; }
.cite-n { color: var(--color-accent); }
.cite-meta { font-size: .85rem; color: var(--body-text-color-subdued); margin: .15rem 0 .35rem; }
.cite-passage { position: relative; margin: 0; padding: .35rem .6rem; border-left: 3px solid var(--border-color-accent);
  overflow-wrap: anywhere; font-size: .92rem; max-height: 12rem; overflow-y: auto; }
mark.quote { background: #ffe066; color: #1a1a1a; padding: 0 1px; border-radius: 2px; }
.cite-foot { display: flex; flex-wrap: wrap; justify-content: space-between; gap: .25rem; margin-top: .35rem;
  font-size: .8rem; color: var(--body-text-color-subdued); }
.cite-source { overflow-wrap: anywhere; font-size: .8rem; color: var(--body-text-color-subdued); }
.cite-open { color: var(--color-accent); font-weight: 600; }
.source-head { margin-bottom: .5rem; }
.source-title { font-weight: 700; font-size: 1.05rem; }
.source-text { position: relative; white-space: pre-wrap; overflow-wrap: anywhere; max-height: max(320px, calc(100vh - 380px)); overflow-y: auto;
  border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .75rem; font-size: .95rem;
  background: var(--background-fill-primary); }
.source-text .passage { background: #e7f0ff; }
.error { color: #9b1c1c; }
.filter-bar { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem; padding: .45rem .7rem;
  border-radius: 8px; font-size: .92rem; }
.filter-bar.off { color: var(--body-text-color-subdued); padding-left: .2rem; }
.filter-bar.on { background: #fff4d6; border: 1px solid #e0a800; color: #3d3200; }
.filter-label { font-weight: 700; }
.chip { background: white; border: 1px solid #e0a800; border-radius: 999px; padding: .05rem .6rem; }
.chip-key { font-weight: 600; }
.filter-count { margin-left: .25rem; }
.filter-count.none { color: #9b1c1c; font-weight: 600; }
.clear-filters { margin-left: auto; border: 1px solid #b38600; background: white; border-radius: 6px;
  padding: .1rem .6rem; cursor: pointer; color: #3d3200; }
#question textarea { font-size: 1rem; }
#library *, #upload-results * { font-family: var(--font) !important; }
@media (max-width: 640px) {
  .gradio-container { padding: 0 6px !important; }
  .chat-log { max-height: none; min-height: 260px; padding: .5rem; }
  .msg .bubble { max-width: 100%; }
  .app-title { font-size: 1.2rem; }
  .cite-panel { max-height: none; }
  .source-text { max-height: 70vh; }
}
"""

_CHAT_JS = r"""
const scrollDown = () => { const log = element.querySelector('.chat-log'); if (log) log.scrollTop = log.scrollHeight; };
const copyText = (text, button) => {
  const done = () => { const old = button.textContent; button.textContent = 'Copied'; setTimeout(() => button.textContent = old, 1500); };
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, () => fallback()); }
  else { fallback(); }
  function fallback() { const area = document.createElement('textarea'); area.value = text; area.style.position = 'fixed';
    area.style.opacity = '0'; document.body.appendChild(area); area.select(); try { document.execCommand('copy'); done(); }
    catch (e) {} document.body.removeChild(area); }
};
element.addEventListener('click', (event) => {
  const marker = event.target.closest('[data-cite]');
  if (marker && !marker.classList.contains('demo')) {
    event.preventDefault(); trigger('cite', {turn: Number(marker.dataset.turn), n: Number(marker.dataset.cite)}); return; }
  const example = event.target.closest('[data-example]');
  if (example) { event.preventDefault(); trigger('example', {question: example.dataset.example}); return; }
  const rate = event.target.closest('[data-rating]');
  if (rate) { event.preventDefault(); trigger('rate', {turn: Number(rate.dataset.turn), rating: rate.dataset.rating}); return; }
  const copy = event.target.closest('[data-copy]');
  if (copy) { event.preventDefault(); const src = element.querySelector('#copy-' + copy.dataset.copy);
    if (src) copyText(src.value, copy); }
});
watch('value', () => requestAnimationFrame(scrollDown));
scrollDown();
"""

_CITATIONS_JS = r"""
const centre = () => element.querySelectorAll('.cite-passage').forEach((box) => {
  const mark = box.querySelector('mark.quote'); if (mark && box.clientHeight)
    box.scrollTop = Math.max(0, mark.offsetTop - 30); });
watch('value', () => requestAnimationFrame(centre));
centre();
const open = (card) => trigger('cite', {turn: Number(card.dataset.turn), n: Number(card.dataset.cite)});
element.addEventListener('click', (event) => {
  const card = event.target.closest('[data-cite]'); if (card) { event.preventDefault(); open(card); } });
element.addEventListener('keydown', (event) => {
  const card = event.target.closest('[data-cite]');
  if (card && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); open(card); } });
"""

_SOURCE_JS = r"""
const reveal = (tries) => {
  const box = element.querySelector('.source-text'); const mark = element.querySelector('mark.quote');
  if (!box || !mark) return;
  if (box.clientHeight === 0) { if (tries < 40) setTimeout(() => reveal(tries + 1), 50); return; }
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  const top = element.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.6) element.scrollIntoView({block: 'start'});
};
watch('value', () => reveal(0));
reveal(0);
"""

_FILTER_JS = r"""
element.addEventListener('click', (event) => {
  if (event.target.closest('[data-clear]')) { event.preventDefault(); trigger('clear'); } });
"""


def build_app(helper: Any):
    """The Blocks app over one Assistant. Pass `launch_options()` to `.launch()` for the theme and CSS."""
    import gradio as gr

    settings = helper.settings
    private = {"api_visibility": "private"}

    def safe(fallback_message: str):
        """Decorator: a handler that fails shows a message, never a traceback."""
        def wrap(function):
            @functools.wraps(function)
            def inner(*args, **kwargs):
                try:
                    return function(*args, **kwargs)
                except AssistantError as exc:
                    raise gr.Error(_one_line(exc), print_exception=False) from None
                except gr.Error:
                    raise
                except Exception as exc:
                    log.exception(fallback_message)
                    raise gr.Error(f"{fallback_message}: {_one_line(exc)}", print_exception=False) from None
            return inner
        return wrap

    def report_count() -> int | None:
        try:
            return len(helper.documents())
        except AssistantError:
            return None

    with gr.Blocks(title="Inspection report assistant") as demo:
        conversation = gr.State([])
        last_feedback = gr.State(None)

        header = gr.HTML(header_html(helper), elem_id="app-header")
        with gr.Tabs(elem_id="main-tabs"):
            with gr.Tab("Ask", id="ask", elem_id="tab-ask"):
                with gr.Accordion("Filters", open=False, elem_id="filters"):
                    options = filter_options(helper)
                    with gr.Row():
                        f_authority = gr.Dropdown(options["authority"], value="", label="Authority",
                                                  elem_id="filter-authority", min_width=200)
                        f_type = gr.Dropdown(options["inspection_type"], value="", label="Inspection type",
                                             elem_id="filter-type", min_width=200)
                        f_inspectorate = gr.Dropdown(options["inspectorate"], value="", label="Inspectorate",
                                                     elem_id="filter-inspectorate", min_width=200)
                        f_from = gr.Textbox(label="Date from", placeholder="e.g. 2018-07", elem_id="filter-from",
                                            min_width=150)
                        f_to = gr.Textbox(label="Date to", placeholder="e.g. 2022", elem_id="filter-to",
                                          min_width=150)
                    date_hint = gr.Markdown(options["date_hint"], elem_id="date-hint")
                filter_bar = gr.HTML(render_filter_bar(helper, {}), elem_id="filter-bar", js_on_load=_FILTER_JS)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=340):
                        chat = gr.HTML(render_chat([], report_count()), elem_id="chat", js_on_load=_CHAT_JS)
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(show_label=False, placeholder="Ask about the inspection reports…",
                                                  lines=1, max_lines=6, scale=6, min_width=200, elem_id="question",
                                                  autofocus=True)
                            ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                        with gr.Row():
                            new_button = gr.Button("New conversation", size="sm", elem_id="new-conversation",
                                                   min_width=120)
                            export_button = gr.DownloadButton("Export conversation (Markdown)", size="sm",
                                                              interactive=False, elem_id="export", min_width=120)
                        with gr.Group(visible=False, elem_id="comment-box") as comment_box:
                            comment = gr.Textbox(label="Add a comment to your rating (optional)", lines=2,
                                                 elem_id="comment")
                            with gr.Row():
                                send_comment = gr.Button("Send comment", size="sm", variant="primary",
                                                         elem_id="send-comment")
                                skip_comment = gr.Button("No comment", size="sm", elem_id="skip-comment")
                        feedback_status = gr.Markdown(elem_id="feedback-status")
                    with gr.Column(scale=2, min_width=300):
                        with gr.Tabs(selected="citations", elem_id="side-tabs") as side_tabs:
                            with gr.Tab("Citations", id="citations", elem_id="tab-citations"):
                                citations = gr.HTML(render_citations([]), elem_id="citations",
                                                    js_on_load=_CITATIONS_JS)
                            with gr.Tab("Source viewer", id="source", elem_id="tab-source"):
                                source = gr.HTML(empty_source(), elem_id="source", js_on_load=_SOURCE_JS)

            with gr.Tab("Library", id="library", elem_id="tab-library"):
                gr.Markdown(
                    f"**Add reports**: {', '.join(SUPPORTED_EXTENSIONS)} files up to {settings.max_file_mb:g} MB "
                    "each. They are copied into the data folder and indexed; files that cannot be read are listed "
                    "with the reason."
                )
                upload = gr.File(label="Drop report files here or click to choose", file_count="multiple",
                                 type="filepath", elem_id="upload", height=140)
                upload_status = gr.Markdown(elem_id="upload-status")
                upload_table = gr.Dataframe(headers=UPLOAD_HEADERS, value=[], interactive=False, wrap=True,
                                            visible=False, elem_id="upload-results", label="Upload results")
                gr.Markdown("**Indexed reports**")
                library = gr.Dataframe(headers=LIBRARY_HEADERS, value=library_rows(helper), interactive=False,
                                       wrap=True, column_widths=["24%", "11%", "11%", "12%", "11%", "9%", "7%", "15%"], elem_id="library", label="Indexed reports", show_label=False)
                with gr.Row(equal_height=True):
                    to_delete = gr.Dropdown(library_choices(helper), value=None, label="Report to delete",
                                            info="Removes the report and its passages from the index", scale=4, min_width=220, elem_id="delete-choice")
                    delete_button = gr.Button("Delete from index", variant="stop", scale=1, min_width=140,
                                              elem_id="delete")
                delete_status = gr.Markdown(elem_id="delete-status")

        filter_inputs = [f_authority, f_type, f_inspectorate, f_from, f_to]

        # -------- asking
        def on_ask(text, convo, *filter_values):
            filters = clean_filters(filter_values)
            if not (text or "").strip():
                yield gr.update(), convo, gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
                return
            waiting = pending_turn(convo, text, filters)
            yield ("", waiting, render_chat(waiting), gr.update(), gr.update(), gr.update(),
                   gr.update(interactive=False))
            done = answer_question(helper, text, convo, filters)
            path = write_export(done)
            yield ("", done, render_chat(done), render_citations(done), gr.Tabs(selected="citations"),
                   gr.update(value=path, interactive=path is not None), gr.update(interactive=True))

        ask_outputs = [question, conversation, chat, citations, side_tabs, export_button, ask_button]
        ask_event = dict(fn=on_ask, inputs=[question, conversation, *filter_inputs], outputs=ask_outputs,
                         show_progress="hidden", **private)
        ask_button.click(**ask_event)
        question.submit(**ask_event)

        def on_example(evt: gr.EventData):
            return str(getattr(evt, "_data", {}).get("question", ""))

        chat.example(on_example, outputs=question, **private).then(**ask_event)

        def on_cite(convo, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            turn, n = data.get("turn"), data.get("n")
            try:
                turn_index = int(turn)
                number = int(n)
            except (TypeError, ValueError):
                return gr.update(), gr.update(), gr.update()
            return (open_citation(helper, convo, turn_index, number), render_citations(convo, turn_index, number),
                    gr.Tabs(selected="source"))

        cite_outputs = [source, citations, side_tabs]
        chat.cite(on_cite, inputs=conversation, outputs=cite_outputs, show_progress="hidden", **private)
        citations.cite(on_cite, inputs=conversation, outputs=cite_outputs, show_progress="hidden", **private)

        def on_new():
            return ([], render_chat([], report_count()), render_citations([]), empty_source(),
                    gr.Tabs(selected="citations"), gr.update(value=None, interactive=False), gr.update(visible=False),
                    "", None)

        new_button.click(on_new, outputs=[conversation, chat, citations, source, side_tabs, export_button,
                                          comment_box, feedback_status, last_feedback], **private)

        # -------- feedback
        def on_rate(convo, evt: gr.EventData):
            data = getattr(evt, "_data", None) or {}
            try:
                entry = record_feedback(settings, convo, data.get("turn"), str(data.get("rating")))
            except AssistantError as exc:
                return convo, gr.update(), gr.update(visible=False), f"Feedback not recorded: {_one_line(exc)}", None
            except OSError as exc:
                return convo, gr.update(), gr.update(visible=False), f"Feedback not saved: {exc.strerror or exc}", None
            convo = [dict(t) for t in convo]
            convo[entry["turn"]]["rating"] = entry["rating"]
            mark = "helpful" if entry["rating"] == "up" else "not helpful"
            return (convo, render_chat(convo), gr.update(visible=True),
                    f"Thanks: answer {entry['turn'] + 1} marked {mark}.", entry)

        chat.rate(on_rate, inputs=conversation,
                  outputs=[conversation, chat, comment_box, feedback_status, last_feedback],
                  show_progress="hidden", **private)

        def on_comment(convo, text, entry):
            if not entry or not (text or "").strip():
                return gr.update(visible=False), "", "No comment added." if entry else ""
            try:
                record_feedback(settings, convo, entry["turn"], entry["rating"], text, feedback_id=entry["feedback_id"])
            except (AssistantError, OSError) as exc:
                return gr.update(visible=True), text, f"Comment not saved: {_one_line(exc)}"
            return gr.update(visible=False), "", "Thanks, your comment was saved."

        send_comment.click(on_comment, inputs=[conversation, comment, last_feedback],
                           outputs=[comment_box, comment, feedback_status], **private)
        skip_comment.click(lambda: (gr.update(visible=False), ""), outputs=[comment_box, comment], **private)

        # -------- filters
        def on_filters(*values):
            return render_filter_bar(helper, clean_filters(values))

        for control in filter_inputs:
            control.change(on_filters, inputs=filter_inputs, outputs=filter_bar, show_progress="hidden", **private)

        def on_clear():
            return "", "", "", "", "", render_filter_bar(helper, {})

        filter_bar.clear(on_clear, outputs=[*filter_inputs, filter_bar], **private)

        # -------- library
        def refreshed():
            opts = filter_options(helper)
            return (
                header_html(helper), library_rows(helper), gr.update(choices=library_choices(helper), value=None),
                gr.update(choices=opts["authority"]), gr.update(choices=opts["inspection_type"]),
                gr.update(choices=opts["inspectorate"]), opts["date_hint"],
            )

        refresh_outputs = [header, library, to_delete, f_authority, f_type, f_inspectorate, date_hint]

        def on_upload(files, *filter_values, progress=gr.Progress()):
            def tick(done: int, total: int, path: str) -> None:
                progress((done, total), desc=f"Indexing {Path(path).name}")

            result = upload_reports(helper, files, tick)
            return (None, result.message, gr.update(value=result.rows, visible=bool(result.rows)),
                    *refreshed(), render_filter_bar(helper, clean_filters(filter_values)))

        upload.upload(on_upload, inputs=[upload, *filter_inputs],
                      outputs=[upload, upload_status, upload_table, *refresh_outputs, filter_bar], **private)

        def on_delete(doc_id):
            return (delete_report(helper, doc_id), *refreshed())

        def after_delete(convo, *filter_values):
            return (render_filter_bar(helper, clean_filters(filter_values)),
                    render_chat(convo, report_count()) if not convo else gr.update())

        delete_button.click(
            on_delete, inputs=to_delete, outputs=[delete_status, *refresh_outputs],
            js="(doc) => (doc && !window.confirm('Delete this report from the index? Answers will no longer cite "
               "it.')) ? null : doc",
            **private,
        ).then(after_delete, inputs=[conversation, *filter_inputs], outputs=[filter_bar, chat], **private)

        def on_load(convo):
            return (*refreshed(), render_chat(convo, report_count()) if not convo else gr.update())

        demo.load(on_load, inputs=conversation, outputs=[*refresh_outputs, chat], show_progress="hidden", **private)

        # -------- API for scripts
        def ask(question: str, history: list[dict] | None = None, filters: dict | None = None,
                k: int | None = None) -> dict:
            """Answer one question; returns the Answer JSON of the contract (DESIGN.md)."""
            return ask_json(helper, question, history, filters, k)

        gr.api(safe("could not answer")(ask), api_name="ask")
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """Theme, CSS and limits for Blocks.launch (Gradio 6 takes them at launch, not in Blocks())."""
    import gradio as gr

    # System fonts: nothing fetched from the network, and crisp on every platform.
    sans = ("system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Liberation Sans",
            "DejaVu Sans", "sans-serif")
    mono = ("ui-monospace", "SFMono-Regular", "Consolas", "Liberation Mono", "DejaVu Sans Mono", "monospace")
    theme = gr.themes.Default(primary_hue="indigo", neutral_hue="slate", font=sans, font_mono=mono)
    return {
        "theme": theme,
        "css": CSS,
        "auth": settings.auth_pair,
        "auth_message": "Sign in to the inspection report assistant." if settings.auth_pair else None,
        "max_file_size": settings.max_file_bytes,
        "footer_links": ["api"],
        "ssr_mode": False,
        "show_error": False,
    }


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the app on this machine (the default, 127.0.0.1)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def launch(settings: Settings, helper: Any | None = None, prevent_thread_lock: bool = False):
    """Open the Assistant (ingesting the corpus if the index is empty) and serve the app on settings.host:port."""
    if helper is None:
        from assistant.pipeline import Assistant

        helper = Assistant.open(settings)
    ensure_corpus(helper)
    if not is_loopback(settings.host) and settings.auth_pair is None:
        print(f"warning: serving on {settings.host} without ASSISTANT_AUTH: anyone who can reach this address can "
              "use the app and upload reports", file=sys.stderr, flush=True)
    demo = build_app(helper)
    demo.queue(default_concurrency_limit=2)
    result = demo.launch(
        server_name=settings.host, server_port=settings.port, prevent_thread_lock=True, quiet=True,
        **launch_options(settings),
    )
    print(f"Inspection report assistant on {demo.local_url} (Ctrl+C to stop)", flush=True)
    if not prevent_thread_lock:
        demo.block_thread()
    return result


def serve(host: str | None = None, port: int | None = None) -> None:
    """`assistant serve` and `python app.py`: Settings from the environment, host/port overridable."""
    from assistant.core.errors import ConfigurationError
    from assistant.core.settings import load_settings

    if port is not None and not 1 <= port <= 65535:
        raise ConfigurationError(f"port {port} is not between 1 and 65535")
    settings = load_settings()
    update = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    if update:
        settings = settings.model_copy(update=update)
    try:
        launch(settings)
    except OSError as exc:
        reason = "the port is already in use (choose another with --port)" if "empty port" in str(exc) \
            else _one_line(exc)
        raise ConfigurationError(f"cannot serve on {settings.host}:{settings.port}: {reason}") from None
