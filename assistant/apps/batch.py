"""Batch answering: JSONL questions in, one Answer JSON per line out, same ids and order."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from assistant.core.errors import AssistantError, InputError

log = logging.getLogger(__name__)


def run_batch(helper, questions: Path, out: Path) -> tuple[int, list[tuple[int, str]]]:
    """Returns (answers written, [(line number, reason)]); a bad line yields an error record in its place."""
    try:
        lines = questions.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {questions}: {exc}") from None
    failures: list[tuple[int, str]] = []
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            record_id = None
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise InputError("line is not a JSON object")
                record_id = item.get("id", str(line_no))
                answer = helper.ask(
                    item.get("question", ""), history=item.get("history") or [], filters=item.get("filters") or {},
                    id=record_id,
                )
                record = answer.to_dict()
                written += 1
            except (json.JSONDecodeError, AssistantError) as exc:
                reason = f"invalid JSON: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else str(exc)
                log.warning("line %d: %s", line_no, reason)
                failures.append((line_no, reason))
                record = {"id": record_id if record_id is not None else str(line_no), "error": reason}
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    return written, failures
