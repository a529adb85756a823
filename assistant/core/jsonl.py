"""The one JSONL reader: batch questions, gold sets, answer files and the devset all go through it.

Each caller decides what a bad line means (batch keeps going with an error record in its place; a gold
or answers file is rejected), so the reader reports bad lines instead of raising on them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from assistant.core.errors import InputError


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line: its object, or why it is not one."""

    line_no: int
    record: dict[str, Any] | None
    error: str | None = None


def iter_jsonl(path: Path, what: str = "file") -> Iterator[JsonLine]:
    """Every non-blank line of `path` as a JSON object; an unreadable file is an InputError naming `what`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        # Windows PowerShell's ">" writes UTF-16: its half-characters would make each line a wrong-numbered error.
        raise InputError(f"cannot read {what} {path}: it is UTF-16 or binary, not UTF-8 text")
    # Decoded a line at a time: one line in another encoding is that line's error, not the whole file's. A byte
    # order mark (Windows editors write one) is no part of the first line.
    for line_no, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield JsonLine(line_no, None, f"not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1})")
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield JsonLine(line_no, None, f"invalid JSON ({exc.msg})")
            continue
        if isinstance(value, dict):
            yield JsonLine(line_no, value)
        else:
            yield JsonLine(line_no, None, "line is not a JSON object")


def read_jsonl(path: Path, what: str = "file") -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every line; the first bad line is an InputError `path:line: reason`."""
    records = []
    for line in iter_jsonl(path, what):
        if line.record is None:
            raise InputError(f"{path}:{line.line_no}: {line.error}")
        records.append((line.line_no, line.record))
    if not records:
        raise InputError(f"{what} {path} is empty")
    return records
