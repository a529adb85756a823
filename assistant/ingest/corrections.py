"""Corrections a user makes to a report's metadata (authority, inspection type, date, judgement).

They live beside the index in one JSON file keyed by document id (the id comes from the file's
source path, so a re-ingest of the same file finds them again) and are applied over what
`describe` reads every time a document's metadata is made."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from assistant.core.errors import AssistantError
from assistant.ingest.dates import ordinal, year_of
from assistant.ingest.describe import UNKNOWN, flag
from assistant.ingest.gazetteer import NAMES
from assistant.text.patterns import JUDGEMENTS, SCOTTISH_SCALE

CORRECTIONS_FILE = "corrections.json"
FIELDS = ("authority", "inspection_type", "date", "judgement")
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_GRADES = frozenset(JUDGEMENTS) | frozenset(SCOTTISH_SCALE) | {"none", UNKNOWN}


class CorrectionError(AssistantError):
    """A correction that cannot be stored: unknown field or a value of the wrong form."""


@dataclass(frozen=True)
class Correction:
    doc_id: str
    source: str
    values: Mapping[str, str]


def check(field: str, value: str) -> str:
    """The value as stored, or CorrectionError saying what is wrong with it."""
    value = " ".join(value.split())
    if field not in FIELDS:
        raise CorrectionError(f"cannot correct '{field}' (correctable: {', '.join(FIELDS)})")
    if not value:
        raise CorrectionError(f"an empty {field} is not a correction (clear it instead)")
    if field == "date" and not (_DATE.fullmatch(value) and _valid_date(value)):
        raise CorrectionError(f"date '{value}' is not YYYY, YYYY-MM or YYYY-MM-DD")
    if field == "judgement":
        value = value.lower()
        if value not in _GRADES:
            raise CorrectionError(f"judgement '{value}' is not one of: {', '.join(sorted(_GRADES))}")
    if field == "authority":
        value = next((n for n in NAMES if n.lower() == value.lower()), value)
    return value


def _valid_date(value: str) -> bool:
    from dateutil import parser

    parts = (value.split("-") + ["01", "01"])[:3]
    try:
        parser.parse("-".join(parts), yearfirst=True)
    except (ValueError, OverflowError):
        return False
    return True


class Corrections:
    """The corrections file of one index folder. Writes replace the file whole (atomic rename)."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / CORRECTIONS_FILE

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CorrectionError(f"corrections file {self.path} is unreadable ({exc}); fix or remove it") from None
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, Any]]) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(self.path)

    def _locked(self):
        """One writer at a time: set and clear read, change and write the whole file under this lock."""
        from filelock import FileLock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.path.with_suffix(".lock")), timeout=10)

    def set(self, doc_id: str, source: str, field: str, value: str) -> Correction:
        value = check(field, value)
        with self._locked():
            data = self._read()
            entry = data.setdefault(doc_id, {"source": source, "values": {}})
            entry["source"] = source
            entry["values"][field] = value
            self._write(data)
        return self.get(doc_id)

    def clear(self, doc_id: str, field: str | None = None) -> None:
        """Forget one field's correction, or all of a document's."""
        with self._locked():
            data = self._read()
            if doc_id not in data:
                return
            if field is None:
                del data[doc_id]
            else:
                data[doc_id]["values"].pop(field, None)
                if not data[doc_id]["values"]:
                    del data[doc_id]
            self._write(data)

    def get(self, doc_id: str) -> Correction | None:
        entry = self._read().get(doc_id)
        return Correction(doc_id, entry.get("source", ""), dict(entry.get("values", {}))) if entry else None

    def all(self) -> list[Correction]:
        return [Correction(d, e.get("source", ""), dict(e.get("values", {}))) for d, e in sorted(self._read().items())]

    def summary(self) -> dict[str, Any]:
        """For `assistant stats`: how many documents carry corrections, and of which fields."""
        corrections = self.all()
        fields = {f: sum(f in c.values for c in corrections) for f in FIELDS}
        return {"documents": len(corrections), "fields": {f: n for f, n in fields.items() if n}}

    def apply(self, doc_id: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
        correction = self.get(doc_id)
        return apply(metadata, correction.values) if correction else dict(metadata)


def apply(metadata: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """Metadata with the corrected fields replaced and the keys derived from them kept in step
    (the date's year and ordinal, the authority and judgement flags); `corrected` lists the fields."""
    meta = dict(metadata)
    for field, value in values.items():
        if field not in FIELDS:
            continue
        meta[field] = value
        if field == "date":
            meta["year"], meta["date_ord"] = year_of(value), ordinal(value)
        elif field == "authority":
            named = [n for n in str(meta.get("authorities", "")).split("; ") if n and n not in (UNKNOWN, value)]
            meta["authorities"] = "; ".join([value, *named])
            meta[flag("authority", value)] = True
        elif field == "judgement" and value not in ("none", UNKNOWN):
            meta[flag("judgement", value)] = True
    if values:
        meta["corrected"] = ", ".join(f for f in FIELDS if f in values)
    return meta
