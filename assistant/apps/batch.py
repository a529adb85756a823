"""Batch answering: JSONL questions in, one Answer JSON per line out, same ids and order."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.jsonl import iter_jsonl

log = logging.getLogger(__name__)


def run_batch(helper, questions: Path, out: Path) -> tuple[int, list[tuple[int, str]]]:
    """Returns (answers written, [(line number, reason)]); a bad line yields an error record in its place."""
    lines = list(iter_jsonl(questions, "questions file"))  # an unreadable file fails before `out` is touched
    failures: list[tuple[int, str]] = []
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink:
        for line in lines:
            item = line.record
            record_id = str(line.line_no) if item is None else item.get("id", str(line.line_no))
            reason = line.error
            if item is not None:
                try:
                    answer = helper.ask(
                        item.get("question", ""), history=item.get("history") or [],
                        filters=item.get("filters") or {}, id=record_id,
                    )
                    record = answer.to_dict()
                    written += 1
                except AssistantError as exc:
                    reason = str(exc)
            if reason is not None:
                log.warning("line %d: %s", line.line_no, reason)
                failures.append((line.line_no, reason))
                record = {"id": record_id, "error": reason}
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    return written, failures
