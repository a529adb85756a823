"""Batch answering: JSONL questions in, one Answer JSON per line out, same ids and order."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from assistant.core.errors import AssistantError, InputError
from assistant.core.jsonl import iter_jsonl

log = logging.getLogger(__name__)

BATCH_KEYS = ("id", "question", "history", "filters")


def run_batch(helper, questions: Path, out: Path) -> tuple[int, list[tuple[int, str]]]:
    """Returns (answers written, [(line number, reason)]); a bad line yields an error record in its place. Ids come
    back as the contract's strings (7 as "7"); a line giving none, or none that can be read, gets a null id (its
    place says which it was; an error record also names its line), never one that could be another line's."""
    lines = list(iter_jsonl(questions, "questions file"))  # an unreadable file fails before `out` is touched
    failures: list[tuple[int, str]] = []
    first_line_of: dict[str, int] = {}
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink:
        for line in lines:
            item = line.record
            given = str(item["id"]) if item is not None and _usable_id(item.get("id")) else None
            reason = line.error
            if item is not None:
                try:
                    _check_line(item, first_line_of, line.line_no)
                    answer = helper.ask(
                        item["question"], history=item.get("history") or [],
                        filters=item.get("filters") or {}, id=given,
                    )
                    record = answer.to_dict()
                    written += 1
                except AssistantError as exc:
                    reason = str(exc)
            if reason is not None:
                log.warning("line %d: %s", line.line_no, reason)
                failures.append((line.line_no, reason))
                record = {"id": given, "line": line.line_no, "error": reason}
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    return written, failures


def _usable_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip() != ""


def _check_line(item: dict[str, Any], first_line_of: dict[str, int], line_no: int) -> None:
    """Each line's shape, strictly: a misspelt key or a repeated id would otherwise pass unnoticed."""
    unknown = [key for key in item if key not in BATCH_KEYS]
    if unknown:
        raise InputError(f"unknown key '{unknown[0]}' (known: {', '.join(BATCH_KEYS)})")
    if "id" in item and not _usable_id(item["id"]):
        raise InputError(f"id must be a non-empty string or a whole number, not {item['id']!r}")
    if "id" in item:
        # 7 and "7" name the same question to a reader joining answers to questions by id.
        key = str(item["id"])
        if key in first_line_of:
            raise InputError(f"duplicate id '{key}' (first on line {first_line_of[key]})")
        first_line_of[key] = line_no
    if "question" not in item:
        raise InputError("no 'question' key")
    if not isinstance(item["question"], str):
        raise InputError(f"the question is not a string (got {type(item['question']).__name__})")
    if item.get("history") is not None and not isinstance(item["history"], list):
        raise InputError(f"history must be a list, not {type(item['history']).__name__}")
    if item.get("filters") is not None and not isinstance(item["filters"], dict):
        raise InputError(f"filters must be an object, not {type(item['filters']).__name__}")
