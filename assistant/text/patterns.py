"""Patterns several stages share: the judgement scales, years, month names, person titles.

One home so the describer, the answerers and the brief read a grade or a date the same way."""
from __future__ import annotations

import re

# Ofsted's four-point scale, plus the 'effective' of joint and multi-agency inspections.
JUDGEMENTS: tuple[str, ...] = ("outstanding", "good", "requires improvement", "inadequate", "effective")
OFSTED_SCALE: tuple[str, ...] = ("outstanding", "good", "requires improvement", "inadequate")
# Scotland's six-point evaluation scale (Care Inspectorate and partners' quality indicators).
SCOTTISH_SCALE: tuple[str, ...] = ("excellent", "very good", "good", "adequate", "weak", "unsatisfactory")

# A grade as reports word it: "requires improvement to be good", "require improvement", "requiring improvement".
GRADE = (
    r"(outstanding|good|requir(?:es?|ing)\s+improvement(?:\s+to\s+be\s+good)?|inadequate|effective)"
)
SCOTTISH_GRADE = r"(excellent|very\s+good|good|adequate|weak|unsatisfactory)"


def grade_label(word: str) -> str:
    """The scale label of a grade as worded in a text ("Require Improvement to be good" -> "requires improvement")."""
    word = " ".join(word.lower().split())
    if word.startswith("requir"):
        return "requires improvement"
    return word


UNKNOWN = "unknown"  # what a text does not state

# A UK postcode: on a short line, an address (a publisher's footer, a contact block).
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
# The header line a saved web page opens with: "source: https://...".
SOURCE_LINE = re.compile(r"^\s*source:\s*(\S+)\s*$", re.I | re.M)

YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")

MONTHS: dict[str, int] = {}
for _number, _name in enumerate(
    "january february march april may june july august september october november december".split(), start=1
):
    MONTHS[_name] = _number
    MONTHS[_name[:3]] = _number
MONTHS["sept"] = 9
# Full names first so "June" is not read as "Jun" + "e".
MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)

# "Cllr Jane Sutton", "Dr Kent": a name right after a title is a person's.
TITLE = r"(?:Cllr|Councillor|Coun|Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Baroness|Rev)\.?"
PERSON_TITLE = re.compile(
    rf"\b{TITLE}\s+"
    r"(?:[A-Z][a-z'-]+\s+){0,2}$"
)
