"""What kind of inspection a text is about, and by whom: a small taxonomy with synonyms.

A type named in the title wins, then the first one named in the body, passing over mentions of an
earlier one ("since the focused visit in October 2018"). A text that names no type but an inspection
of children's services by Ofsted is a standard full inspection: ILACS from 2018, the single
inspection framework before."""
from __future__ import annotations

import re

from assistant.text.patterns import UNKNOWN

ILACS = "ILACS inspection"
SIF = "single inspection framework"
CIW_INSPECTION = "Care Inspectorate Wales inspection"
SCOTTISH_JOINT = "Scottish joint inspection"

_SEND = r"(?:\bSEND\b|special educational needs)"
TYPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((label, re.compile(p, re.I)) for label, p in (
    ("joint targeted area inspection", r"joint targeted area inspection|\bJTAI\b"),
    ("SEND revisit", rf"{_SEND}[^.\n]{{0,40}}\brevisit|\brevisit\w*[^.\n]{{0,60}}{_SEND}"),
    ("SEND area inspection", rf"local area {_SEND}|{_SEND}[^.\n]{{0,40}}\binspection|inspection of (?:the )?local area"),
    ("CQC review of health services for looked-after children and safeguarding",
     r"(?:\bCQC\b|Care Quality Commission)[^.\n]{0,60}\breview\b|review of health services"),
    ("youth justice inspection", r"youth (?:offending|justice) (?:services?|teams?)|\bYO[ST]\b|\bYJS\b"),
    ("multi-remit inspection", r"multi-remit"),
    ("children's homes inspection", r"children'?s homes?\b[^.\n]{0,80}(?:inspect|rated|rating|judged)"),
    ("unannounced inspection", r"unannounced (?:inspection|spot-check|visit)|spot-check"),
    ("re-inspection", r"\bre-?inspect(?:ion|ed)\b|follow-up inspection"),
    ("monitoring visit", r"monitoring visit"),
    ("focused visit", r"focus+ed visit"),
    (ILACS, r"inspect(?:ion|ing) of (?:[\w'-]+ ){0,4}?local authority children'?s services|\bILACS\b"),
    (SIF, r"single inspection framework|\bSIF\b"),
    ("multi-agency pilot inspection", r"\bpilot\b|multi-agency"),
    ("joint inspection", r"joint inspection|joint multi-agency inspection"),
    ("multi-agency inspection", r"multi-agency (?:team|inspection)"),
))
# Wide kinds: any narrower kind the text names is the better label.
_GENERIC = frozenset({"joint inspection", "multi-agency inspection"})
# Kinds that carry no overall grade of their own.
UNGRADED = frozenset({
    "focused visit", "monitoring visit", "SEND area inspection", "SEND revisit", "joint targeted area inspection",
    "CQC review of health services for looked-after children and safeguarding", CIW_INSPECTION, "multi-remit inspection",
})

INSPECTORATES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Ofsted", re.compile(r"\bOfsted\b", re.I)),
    ("CQC", re.compile(r"Care Quality Commission|\bCQC\b")),
    ("HMICFRS", re.compile(r"HMICFRS|Inspectorate of Constabulary(?! in Scotland)|\bHMIC\b")),
    ("HMI Probation", re.compile(r"Inspectorate of Probation|HMI Probation|\bHMIP\b")),
    ("Care Inspectorate Wales", re.compile(r"Care Inspectorate Wales|\bCIW\b|Care and Social Services Inspectorate Wales|\bCSSIW\b")),
    ("Care Inspectorate", re.compile(r"Care Inspectorate(?! Wales)")),
    ("Education Scotland", re.compile(r"Education Scotland")),
    ("HMICS", re.compile(r"\bHMICS\b|Inspectorate of Constabulary in Scotland")),
    ("Healthcare Improvement Scotland", re.compile(r"Healthcare Improvement Scotland")),
)
SCOTTISH = frozenset({"Care Inspectorate", "Education Scotland", "HMICS", "Healthcare Improvement Scotland"})
# "since the focused visit", "the previous monitoring visit": an earlier event, not this text's subject.
_EARLIER = re.compile(r"\b(?:since|previous|last|earlier|prior|original|after)\b(?:\s+\w+){0,3}\s*$", re.I)
# An Ofsted text about an inspection, or stating a grade, reports a full inspection when it names no other kind.
_HEAD = 5000
_PILOT = re.compile(r"\bpilot\b", re.I)
_MULTI_AGENCY = re.compile(r"multi-agency", re.I)
_INSPECTION = re.compile(r"\binspect(?:ion|ed|ors?)\b|\b(?:rated|judged|graded)\b", re.I)


def inspectorates_in(text: str) -> tuple[str, ...]:
    return tuple(name for name, pattern in INSPECTORATES if pattern.search(text))


def _first_mention(pattern: re.Pattern[str], text: str) -> int | None:
    for match in pattern.finditer(text):
        if not _EARLIER.search(text[max(0, match.start() - 40) : match.start()]):
            return match.start()
    return None


def _named_type(text: str, title: str) -> str:
    best: tuple[tuple[bool, int], str] | None = None
    for label, pattern in TYPES:
        if label == "multi-agency pilot inspection" and not (_PILOT.search(text) and _MULTI_AGENCY.search(text)):
            continue  # a pilot of a multi-agency inspection: both words, anywhere in the text
        position = -1 if title and pattern.search(title) else _first_mention(pattern, text)
        if position is not None:
            rank = (label in _GENERIC, position)
            if best is None or rank < best[0]:
                best = (rank, label)
    return best[1] if best else ""


def inspection_type(text: str, title: str, inspectorates: tuple[str, ...], year: int) -> str:
    """The label of the kind of inspection `text` reports; `year` (0 if unknown) dates a full inspection."""
    # Reports and articles name their kind near the top: the rest of a long text is read only if not.
    label = _named_type(text[:_HEAD], title)
    if not label and len(text) > _HEAD:
        label = _named_type(text, "")
    if label == "joint inspection" and SCOTTISH & set(inspectorates):
        return SCOTTISH_JOINT
    if label:
        return label
    if "Care Inspectorate Wales" in inspectorates:
        return CIW_INSPECTION
    if SCOTTISH & set(inspectorates):
        return SCOTTISH_JOINT
    if "Ofsted" in inspectorates and _INSPECTION.search(text):
        return ILACS if year == 0 or year >= 2018 else SIF
    return UNKNOWN


def is_ungraded(label: str, inspectorates: tuple[str, ...]) -> bool:
    """Visits, SEND and CQC reviews, JTAIs and Welsh inspections give no overall grade."""
    return label in UNGRADED or "Care Inspectorate Wales" in inspectorates
