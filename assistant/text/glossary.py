"""Vocabulary of children's-services inspection: acronyms and the remits a report either covers or not."""
from __future__ import annotations

import re

ACRONYMS: dict[str, str] = {
    "CAMHS": "child and adolescent mental health services",
    "MASH": "multi-agency safeguarding hub",
    "JTAI": "joint targeted area inspection",
    "ICPC": "initial child protection conference",
    "ICPCs": "initial child protection conferences",
    "IRO": "independent reviewing officer",
    "IROs": "independent reviewing officers",
    "LADO": "local authority designated officer",
    "CIN": "child in need",
    "CLA": "children looked after",
    "CSE": "child sexual exploitation",
    "EHCP": "education health and care plan",
    "SEND": "special educational needs and disabilities",
    "GP": "family doctor",
    "GPs": "family doctors",
    "DCS": "director of children's services",
    "EDT": "emergency duty team",
    "LSCB": "local safeguarding children board",
    "WSCB": "safeguarding children board",
    "ILACS": "inspection of local authority children's services",
    "CQC": "Care Quality Commission",
    "HMICFRS": "Inspectorate of Constabulary and Fire & Rescue Services",
    "YOT": "youth offending team",
    "NEET": "not in education, employment or training",
}

# Remits that a question can ask about and a report either mentions or does not: when no retrieved
# passage mentions the remit, the reports do not answer the question.
REMITS: tuple[str, ...] = (
    "fostering", "foster care", "adoption", "care leavers", "leaving care", "residential", "children's homes",
    "special educational needs", "youth justice", "adult social care", "hospital", "budget", "spending",
    "funding", "finance", "cost", "salary", "school exclusions", "exclusions", "private fostering",
    "unaccompanied asylum", "education, employment or training",
)

_ACRONYM = re.compile(r"\b(" + "|".join(sorted(ACRONYMS, key=len, reverse=True)) + r")\b")


def expand_acronyms(text: str) -> str:
    """Append the long form of each known acronym, so passages that spell it out still match."""
    found = list(dict.fromkeys(_ACRONYM.findall(text)))
    return text if not found else f"{text} ({'; '.join(ACRONYMS[a] for a in found)})"


def remits_in(text: str) -> list[str]:
    lowered = text.lower().replace("\u2019", "'")
    return [r for r in REMITS if re.search(r"\b" + re.escape(r) + r"\b", lowered)]
