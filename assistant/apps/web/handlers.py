"""What the app does when the user acts: ask, open a citation, upload, delete, rate; no gradio here.

Each function takes the Assistant (or its Settings) and the user's input and returns plain values or
HTML, so tests call them without a browser. Failures become messages: an AssistantError is shown as its
one line, anything else is logged with its traceback and shown as "something went wrong".
"""

import json
import logging
import re
import shutil
import threading
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from assistant.apps.web.labels import known, one_line, report_name
from assistant.apps.web.render import render_source, source_message
from assistant.apps.web.state import Conversation, clean_filters, history_of, settled
from assistant.core.errors import AssistantError, InputError, LoadError
from assistant.core.settings import Settings
from assistant.core.types import FileOutcome
from assistant.ingest.load import check_file

log = logging.getLogger(__name__)

LIBRARY_HEADERS = ["Title", "Authority", "Inspection type", "Inspectorates", "Judgement", "Date", "Chunks", "Source"]
UPLOAD_HEADERS = ["File", "Status", "Chunks", "Reason"]
_FEEDBACK_LOCK = threading.Lock()


# ---------------------------------------------------------------- asking


def answer_question(
    helper: Any, question: str, conversation: Conversation | None, filters: Mapping[str, Any] | None = None,
    k: int | None = None,
) -> Conversation:
    """Ask with the conversation so far as history; the new turn (or its error message) is appended."""
    conversation = settled(conversation)
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
        turn = {"question": question, "error": one_line(exc), "filters": active}
    except Exception as exc:  # never a traceback in the page; the log keeps it
        log.exception("ask failed")
        turn = {"question": question, "error": f"something went wrong while answering ({one_line(exc)})",
                "filters": active}
    return conversation + [turn]


def ask_json(
    helper: Any, question: str, history: Sequence[Mapping[str, str]] | None = None,
    filters: Mapping[str, Any] | None = None, k: int | None = None,
) -> dict[str, Any]:
    """The Answer JSON of the contract, for scripts (`/ask`). Raises AssistantError on bad input (Assistant.ask
    checks each argument)."""
    # JSON has one kind of number: 8.0 is the whole number 8, and 2.5 stays a float that checked_k refuses.
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    return helper.ask(question, history=history or [], filters=filters, k=k).to_dict()


def open_citation(helper: Any, conversation: Conversation | None, turn_index: Any, n: Any) -> str:
    """Source viewer HTML for citation n of a turn; a message if it no longer matches the index."""
    try:
        turn = (conversation or [])[int(turn_index)]
        citation = next(c for c in turn["answer"]["citations"] if int(c["n"]) == int(n))
    except (IndexError, KeyError, StopIteration, TypeError, ValueError):
        return source_message("That citation is not part of this conversation.")
    try:
        document = helper.document(citation["doc_id"])
    except AssistantError as exc:
        return source_message(f"Could not open the report: {one_line(exc)}")
    name = report_name(citation.get("title"), citation.get("metadata") or {})
    if document is None:
        return source_message(f"The report {name} is no longer in the index (it was deleted).")
    if document.text[citation["start"]:citation["end"]] != citation["text"]:
        return source_message(f"The report {name} has changed since this answer was given; ask again to cite the "
                              "current text.")
    return render_source(document, citation["start"], citation["end"], citation.get("quote", ""), citation["n"])


# ---------------------------------------------------------------- what the index holds


def filter_options(helper: Any) -> dict[str, Any]:
    """Choices for the filter controls, from the metadata of the indexed reports."""
    documents = helper.documents()
    authorities: dict[str, int] = {}
    types: dict[str, int] = {}
    inspectorates: dict[str, int] = {}
    dates: list[str] = []
    for meta in documents.values():
        names = [(authorities, meta.get("authority")), (types, meta.get("inspection_type"))]
        names += [(inspectorates, name) for name in str(meta.get("inspectorates") or "").split(",")]
        for bucket, value in names:
            name = known(value, "")
            if name:
                bucket[name] = bucket.get(name, 0) + 1
        if known(meta.get("date"), ""):
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


def _by_source(helper: Any) -> list[tuple[str, Mapping[str, Any]]]:
    return sorted(helper.documents().items(), key=lambda item: str(item[1].get("source", "")))


def library_rows(helper: Any) -> list[list[Any]]:
    """The Library table, one row per report in LIBRARY_HEADERS order."""
    return [
        [
            str(meta.get("title", "")),
            known(meta.get("authority"), "not stated"),
            known(meta.get("inspection_type"), "not stated"),
            known(meta.get("inspectorates"), "not stated"),
            known(meta.get("judgements") or meta.get("judgement"), "not stated"),
            known(meta.get("date"), "not stated"),
            int(meta.get("chunks", 0) or 0),
            str(meta.get("source", doc_id)),
        ]
        for doc_id, meta in _by_source(helper)
    ]


def library_choices(helper: Any) -> list[tuple[str, str]]:
    """(label, doc_id) for the correct and delete dropdowns: each report by its name, not its file."""
    return [(report_name(meta.get("title", doc_id), meta), doc_id) for doc_id, meta in _by_source(helper)]


# ---------------------------------------------------------------- uploads and deletes


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


def _directly_in(path: Path, folder: Path) -> bool:
    """Whether path is a file right inside folder (not the folder, not deeper, not outside via links or '..')."""
    return path.resolve().parent == folder.resolve()


@dataclass(frozen=True)
class UploadResult:
    rows: list[list[Any]] = field(default_factory=list)  # UPLOAD_HEADERS order
    message: str = ""


def _claim(folder: Path, name: str) -> Path:
    """A new, empty file in folder named name, or name-2, name-3 ... (before the suffix) when the name is taken: by a
    report uploaded before (an upload never replaces one: the earlier report would vanish from the index's files
    while it is still listed) or by another file of this upload. Created exclusively, so two uploads at once never
    take the same name."""
    stem, dot, suffix = name.rpartition(".")
    candidate, counter = name, 2
    while True:
        try:
            (folder / candidate).open("xb").close()
            return folder / candidate
        except FileExistsError:
            candidate = f"{stem}-{counter}.{suffix}" if dot else f"{name}-{counter}"
            counter += 1


def _copy_in(helper: Any, files: Sequence[Any], folder: Path, rows: list[list[Any]]) -> list[tuple[str, Path]]:
    """Copy the acceptable uploads into folder; a row for each refused one. Returns (original name, copy)."""
    targets: list[tuple[str, Path]] = []
    for item in files:
        source = Path(getattr(item, "name", None) or getattr(item, "path", None) or str(item))
        original = getattr(item, "orig_name", None) or source.name
        name = safe_upload_name(original)
        if not _directly_in(folder / name, folder):
            rows.append([original, "failed", 0, "unsafe file name"])
            continue
        try:
            # Unlisted types and oversize files are refused before a byte is copied (same reasons as the CLI).
            check_file(source, helper.settings.max_file_bytes, name=name)
        except LoadError as exc:
            rows.append([original, "failed", 0, str(exc)])
            continue
        target = _claim(folder, name)
        try:
            shutil.copyfile(source, target)
        except OSError as exc:
            target.unlink(missing_ok=True)
            rows.append([original, "failed", 0, f"cannot read the upload: {exc.strerror or exc}"])
            continue
        targets.append((original, target))
    return targets


def _shown_reason(helper: Any, outcome: FileOutcome) -> str:
    """The reason as the Library shows it: a duplicate names the report it repeats by title, never by its file."""
    meta = helper.documents().get(outcome.same_as) if outcome.same_as else None
    return f"same content as {report_name(meta.get('title'), meta)}" if meta else outcome.reason


def upload_reports(
    helper: Any, files: Sequence[Any] | None, progress: Callable[[int, int, str], None] | None = None
) -> UploadResult:
    """Copy uploads into data_dir/uploads under sanitised names and ingest them; rows carry the CLI's reasons."""
    files = [f for f in (files or []) if f]
    if not files:
        return UploadResult(message="Choose one or more report files to add.")
    folder = uploads_dir(helper.settings)
    rows: list[list[Any]] = []
    targets = _copy_in(helper, files, folder, rows)
    if targets:
        names = {str(t.resolve()): o for o, t in targets}
        try:
            report = helper.ingest([t for _, t in targets], progress=progress)
        except AssistantError as exc:
            for _, target in targets:
                target.unlink(missing_ok=True)
            return UploadResult(rows=rows, message=f"Nothing was added: {one_line(exc)}")
        except Exception as exc:
            log.exception("upload ingest failed")
            return UploadResult(rows=rows, message=f"Nothing was added: something went wrong ({one_line(exc)})")
        for outcome in report.outcomes:
            path = Path(outcome.path)
            rows.append([names.get(str(path.resolve()), path.name), outcome.status, outcome.chunks,
                         _shown_reason(helper, outcome)])
            # Keep nothing that was not indexed: a duplicate's report is already in the index under its first file.
            if outcome.status in ("failed", "duplicate") and path.resolve().is_relative_to(folder.resolve()):
                path.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[1]] = counts.get(row[1], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    return UploadResult(rows=rows, message=f"Upload finished: {summary}.")


def delete_report(helper: Any, doc_id: str | None) -> str:
    """Remove a report from the index (and its uploaded copy, if it was uploaded here)."""
    from assistant.ingest.run import source_root

    if not doc_id:
        return "Choose a report to delete."
    try:
        meta = helper.documents().get(doc_id)
        if meta is None or not helper.delete(doc_id):
            return "That report is no longer in the index."
    except AssistantError as exc:
        return f"Not deleted: {one_line(exc)}"
    # Stored sources are relative to the folder holding the index; an absolute source stays as it is.
    source = source_root(helper.settings) / str(meta.get("source", ""))
    if source.name and _directly_in(source, uploads_dir(helper.settings)):
        source.unlink(missing_ok=True)
    return f"Deleted {report_name(meta.get('title', doc_id), meta)} from the index."


# ---------------------------------------------------------------- feedback


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
