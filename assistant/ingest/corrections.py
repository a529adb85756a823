"""Corrections a user makes to a report's metadata (authority, inspection type, date, judgement).

They live beside the index in one JSON file keyed by document id (the id comes from the file's
source path, so a re-ingest of the same file finds them again) and are applied over what
`describe` reads every time a document's metadata is made."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from assistant.core.errors import InputError
from assistant.core.types import Document
from assistant.ingest.dates import iso_parts, ordinal, year_of
from assistant.ingest.describe import UNKNOWN, describe, flag
from assistant.ingest.gazetteer import NAMES
from assistant.text.patterns import JUDGEMENTS, SCOTTISH_SCALE

if TYPE_CHECKING:
    from assistant.core.settings import Settings
    from assistant.index.chroma import Store

CORRECTIONS_FILE = "corrections.json"
FIELDS = ("authority", "inspection_type", "date", "judgement")
MAX_VALUE_CHARS = 100
_GRADES = frozenset(JUDGEMENTS) | frozenset(SCOTTISH_SCALE) | {"none", UNKNOWN}


class CorrectionError(InputError):
    """A correction that cannot be stored: unknown field or a value of the wrong form."""


@dataclass(frozen=True)
class Correction:
    doc_id: str
    source: str
    values: Mapping[str, str]


def check_field(field: str) -> None:
    if field not in FIELDS:
        raise CorrectionError(f"cannot correct '{field}' (correctable: {', '.join(FIELDS)})")


def check(field: str, value: str) -> str:
    """The value as stored, or CorrectionError saying what is wrong with it."""
    value = " ".join(value.split())
    check_field(field)
    if not value:
        raise CorrectionError(f"an empty {field} is not a correction (`--clear` undoes one)")
    if len(value) > MAX_VALUE_CHARS:
        # A value is shown in the library table and in every briefing note's scope: a pasted paragraph is a mistake.
        raise CorrectionError(f"the {field} is {len(value)} characters long; the limit is {MAX_VALUE_CHARS}")
    if field == "date" and iso_parts(value) is None:
        raise CorrectionError(f"date '{value}' is not a real date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    if field == "judgement":
        value = value.lower()
        if value not in _GRADES:
            raise CorrectionError(f"judgement '{value}' is not one of: {', '.join(sorted(_GRADES))}")
    if field == "authority":
        value = next((n for n in NAMES if n.lower() == value.lower()), value)
    return value


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

    def move(self, doc_id: str, new_id: str, new_source: str) -> None:
        """A report's file renamed or moved: its corrections go with its content to the new name."""
        with self._locked():
            data = self._read()
            if doc_id not in data:
                return
            data[new_id] = {**data.pop(doc_id), "source": new_source}
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
    """Metadata with the corrected fields replaced and the keys derived from them kept in step (the date's
    year and ordinal; the authority and judgement lists and flags, where the corrected value replaces the
    one describe read); `corrected` lists the fields."""
    meta = dict(metadata)
    for field, value in values.items():
        if field not in FIELDS:
            continue
        old = str(meta.get(field, UNKNOWN))
        meta[field] = value
        if field == "date":
            meta["year"], meta["date_ord"] = year_of(value), ordinal(value)
        elif field == "authority":
            meta["authorities"] = _replaced(meta.get("authorities"), old, value)
            _reflag(meta, "authority", old, value, meta["authorities"].split("; "))
        elif field == "judgement":
            graded = value not in ("none", UNKNOWN)
            meta["judgements"] = _replaced(meta.get("judgements"), old, value if graded else None)
            _reflag(meta, "judgement", old, value if graded else None,
                    [j.split(" (")[0] for j in meta["judgements"].split("; ")])
    if values:
        meta["corrected"] = ", ".join(f for f in FIELDS if f in values)
    return meta


def _replaced(listing: Any, old: str, new: str | None) -> str:
    """A '; '-joined list with `new` first and `old` (the misread value; a dated mention of it stays) gone."""
    kept = [item for item in str(listing or "").split("; ") if item and item not in (UNKNOWN, old, new)]
    return "; ".join([new, *kept] if new else kept) or UNKNOWN


def _reflag(meta: dict[str, Any], kind: str, old: str, new: str | None, remaining: list[str]) -> None:
    """The filter flag of the misread value goes unless the list still names it; the corrected value's is set."""
    if old not in remaining:
        meta.pop(flag(kind, old), None)
    if new:
        meta[flag(kind, new)] = True


def resolve(documents: Mapping[str, Mapping[str, Any]], report: str) -> str:
    """The doc id of an indexed report named by its id, its source path or its file name."""
    report = report.strip()
    if report in documents:
        return report
    matches = [d for d, meta in documents.items() if report in (meta.get("source"), Path(str(meta.get("source"))).name)]
    if not matches:
        raise CorrectionError(f"no indexed report has the id, source or file name '{report}'")
    if len(matches) > 1:
        raise CorrectionError(f"{len(matches)} indexed reports are named '{report}': give the source path or the id")
    return matches[0]


def correct_stored(store: "Store", settings: "Settings", report: str, field: str, value: str | None) -> Document:
    """Record a correction (`value` None: forget the field's correction) and rewrite the report's stored metadata to
    what a re-ingest would give it (its text described again, every correction applied), without re-embedding.
    Returns the corrected document."""
    # ingest imports this module to apply corrections; the lock keeps an ingest from writing the old metadata back.
    from assistant.ingest.run import ingest_lock

    lock = ingest_lock(settings)
    try:
        doc_id = resolve(store.documents(), report)
        document = store.document(doc_id)
        if document is None:
            raise CorrectionError(f"'{report}' left the index while it was being corrected")
        corrections = Corrections(settings.index_dir)
        if value is None:
            check_field(field)
            corrections.clear(doc_id, field)
        else:
            corrections.set(doc_id, document.source, field, value)
        old = document.metadata
        new = corrections.apply(doc_id, describe(document.text, document.title, document.source).as_metadata())
        # None removes a key (a flag the correction made untrue) from the stored records.
        store.update_document_metadata(doc_id, {k: new.get(k) for k in old.keys() | new.keys() if old.get(k) != new.get(k)})
        return dataclasses.replace(document, metadata=new)
    finally:
        lock.release()
