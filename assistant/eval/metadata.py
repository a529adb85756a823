"""describe-eval: what `describe` reads from the devset texts against the devset's metadata.tsv.

The truth cells are free text ("none (ungraded visits)", "2019-02/2019-03 (last ILACS; ...)"), so
each field has a documented matching rule:

- authority: the cell split on ";" with parenthesised notes dropped. A hit when the main authority
  is one of the names and, for a text about several, every name is in the `authorities` list.
- inspection type: the cell (notes included) is read by the keyword table _TRUTH_TYPES below, each
  keyword naming an acceptable label of the taxonomy; a hit when the label read is one of them.
  A cell with no keyword is generic ("full inspection of children's services", "inspection of
  ... Trust") and accepts the standard full inspection of its inspectorate: Ofsted's ILACS or single
  inspection framework, Care Inspectorate Wales' inspection, the Scottish joint inspection.
- visit date: the cell's dates outside notes, split on ";" and " and ", each read as year-month,
  year, or month without a year. A hit when the visit start read agrees with one of them to that
  precision (so "2019-02/2019-03" wants 2019-02, "December 7-8 (year not stated)" wants December).
  A cell that states no visit date ("not stated (article 2022-12-16)") wants the visit unknown:
  a publication date is not a visit date.
- overall judgement: the first grade the cell names outside notes ("requires improvement to be
  good" is "requires improvement"); a cell beginning "none", "not stated" or "not yet" wants no
  grade, that is "none" or "unknown".

Texts whose number divides by 5 are the held-out split; accuracy is shown for each split too."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.ingest.describe import Description, describe
from assistant.ingest.inspections import CIW_INSPECTION, ILACS, SCOTTISH_JOINT, SIF
from assistant.ingest.load import load_document
from assistant.text.patterns import MONTH, MONTHS, grade_label

FIELDS = ("authority", "inspection_type", "visit_date", "overall_judgement")
_NOTE = re.compile(r"\([^()]*\)")
_TRUTH_TYPES: tuple[tuple[str, str], ...] = (
    (r"joint targeted area|\bJTAI\b", "joint targeted area inspection"),
    (r"\bSEND revisit", "SEND revisit"),
    (r"\bSEND\b(?! revisit)", "SEND area inspection"),
    (r"\bCQC review", "CQC review of health services for looked-after children and safeguarding"),
    (r"youth (?:offending|justice)", "youth justice inspection"),
    (r"multi-remit", "multi-remit inspection"),
    (r"children's homes", "children's homes inspection"),
    (r"unannounced|spot-check", "unannounced inspection"),
    (r"re-inspection|follow-up inspection", "re-inspection"),
    (r"monitoring visit", "monitoring visit"),
    (r"focused visit", "focused visit"),
    (r"\bILACS\b", ILACS),
    (r"single inspection framework", SIF),
)
_GRADES = re.compile(r"outstanding|requires? improvement|inadequate|very good|good|effective|excellent|adequate|weak")


@dataclass(frozen=True)
class Result:
    file: str
    field: str
    hit: bool
    truth: str
    got: str


def _split(cell: str) -> list[str]:
    return [part.strip() for part in re.split(r";", _NOTE.sub("", cell)) if part.strip()]


def authority_hit(cell: str, description: Description) -> bool:
    names = _split(cell)
    if description.authority not in names:
        return False
    return len(names) == 1 or set(names) <= set(description.authorities)


def accepted_types(cell: str, inspectorates: str) -> set[str]:
    labels = {label for pattern, label in _TRUTH_TYPES if re.search(pattern, cell, re.I)}
    if "joint inspection" in cell.lower() and re.search(r"Care Inspectorate(?! Wales)|Scotland", inspectorates):
        labels.add(SCOTTISH_JOINT)
    if labels:
        return labels
    if re.search(r"Care Inspectorate Wales|CSSIW", inspectorates):
        return {CIW_INSPECTION}
    if re.search(r"Care Inspectorate|Scotland", inspectorates):
        return {SCOTTISH_JOINT}
    return {ILACS, SIF}


def _date_parts(text: str) -> tuple[int | None, int | None]:
    iso = re.search(r"\b(\d{4})(?:-(\d{2}))?\b", text)
    if iso:
        return int(iso.group(1)), int(iso.group(2)) if iso.group(2) else None
    month = re.search(MONTH, text)
    return None, MONTHS[month.group(0).rstrip(".").lower()] if month else None


def visit_hit(cell: str, description: Description) -> bool:
    stated = [_date_parts(p) for p in re.split(r";|\band\b", _NOTE.sub("", cell)) if "not stated" not in p]
    stated = [s for s in stated if s != (None, None)]
    if not stated:
        return description.visit_start == "unknown"
    got = _visit_parts(description.visit_start)
    for year, month in stated:
        if (year is None or got[0] == year) and (month is None or got[1] == month):
            return True
    return False


def _visit_parts(iso: str) -> tuple[int | None, int | None]:
    match = re.fullmatch(r"(\d{4})?(?:-?-(\d{2}))?(?:-\d{2})?", iso)
    if not match:
        return None, None
    return (int(match.group(1)) if match.group(1) else None, int(match.group(2)) if match.group(2) else None)


def judgement_hit(cell: str, description: Description) -> bool:
    text = _NOTE.sub("", cell).lower().strip()
    if text.startswith(("none", "not stated", "not yet")):
        return description.overall in ("none", "unknown")
    grade = _GRADES.search(text)
    return grade is not None and description.overall == grade_label(grade.group(0))


COLUMNS = ("file", "authority", "inspection_type", "inspectorates", "date", "overall_judgement")


def evaluate(devset: Path, skipped: list[tuple[str, str]] | None = None) -> list[Result]:
    """Each text's described metadata against its row of metadata.tsv. A row whose text cannot be read is left out
    and added to `skipped` as (file, reason); a table that cannot be read, or lacks a column, is an error."""
    table, corpus = devset / "metadata.tsv", devset / "corpus"
    if not table.is_file() or not corpus.is_dir():
        raise AssistantError(f"{devset} has no metadata.tsv and corpus/ (is it the devset folder?)")
    try:
        rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"), newline=""), delimiter="\t"))
    except UnicodeDecodeError as exc:
        raise AssistantError(f"{table} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except OSError as exc:
        raise AssistantError(f"cannot read {table}: {exc.strerror or exc}") from None
    missing = [c for c in COLUMNS if rows and c not in rows[0]]
    if missing or not rows:
        raise AssistantError(f"{table} has no rows with the columns {', '.join(COLUMNS)}"
                             + (f" (missing: {', '.join(missing)})" if missing else ""))
    results = []
    for row in rows:
        try:
            document = load_document(corpus / row["file"], 10 * 1024 * 1024)
        except AssistantError as exc:
            if skipped is not None:
                skipped.append((row["file"], str(exc)))
            continue
        d = describe(document.text, document.title, document.source)
        checks = (
            ("authority", authority_hit(row["authority"], d), row["authority"], f"{d.authority} {list(d.authorities)}"),
            ("inspection_type", d.inspection_type in accepted_types(row["inspection_type"], row["inspectorates"]),
             row["inspection_type"], d.inspection_type),
            ("visit_date", visit_hit(row["date"], d), row["date"], f"visit {d.visit_start}..{d.visit_end}, published {d.published}"),
            ("overall_judgement", judgement_hit(row["overall_judgement"], d), row["overall_judgement"], d.overall),
        )
        results.extend(Result(row["file"], f, hit, truth, got) for f, hit, truth, got in checks)
    return results


def held_out(file: str) -> bool:
    number = re.match(r"\d+", file)
    return bool(number) and int(number.group(0)) % 5 == 0


def report(results: list[Result]) -> str:
    lines = [f"{'field':<20}{'all':>14}{'tune':>14}{'held-out':>14}"]
    for field in FIELDS:
        cells = []
        for subset in (lambda r: True, lambda r: not held_out(r.file), lambda r: held_out(r.file)):
            chosen = [r for r in results if r.field == field and subset(r)]
            hits = sum(r.hit for r in chosen)
            cells.append(f"{hits / len(chosen):.2f} ({hits}/{len(chosen)})" if chosen else "-")
        lines.append(f"{field:<20}" + "".join(f"{c:>14}" for c in cells))
    misses = [r for r in results if not r.hit]
    lines.append("")
    lines.append(f"misses ({len(misses)}):" if misses else "no misses")
    for r in misses:
        lines.append(f"  {r.field:<18} {r.file}: truth {r.truth!r}, got {r.got!r}")
    return "\n".join(lines)
