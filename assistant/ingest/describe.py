"""Metadata read from a report's own text. What the text does not state stays 'unknown'."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from assistant.ingest.gazetteer import ALIASES, AUTHORITIES
from assistant.text import sentences

UNKNOWN = "unknown"

_NAMES = {name: name for name in AUTHORITIES} | ALIASES
_AUTHORITY = re.compile(
    r"(?<![A-Za-z-])(" + "|".join(re.escape(n) for n in sorted(_NAMES, key=len, reverse=True)) + r")(?![A-Za-z-])"
)
# "Cllr Jane Sutton", "Dr Kent": a surname that happens to be an authority's name is a person.
_PERSON_TITLE = re.compile(
    r"\b(?:Cllr|Councillor|Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady)\.?\s+(?:[A-Z][a-z'-]+\s+){0,2}$"
)
# Authority names that are also verbs, used as such at the start of a sentence: "Reading the report, ...".
_VERB_NAMES = frozenset({"Reading", "Bury"})
_VERB_OBJECT = re.compile(r"\s+(?:the|a|an|this|these|those|that|it|them|through|his|her|their|our)\b")
# Publisher footers carry addresses whose county is not the report's subject.
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")

INSPECTION_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("joint targeted area inspection", re.compile(r"joint targeted area inspection|\bJTAI\b", re.I)),
    ("monitoring visit", re.compile(r"monitoring visit", re.I)),
    ("focused visit", re.compile(r"focus+ed visit", re.I)),
    ("ILACS inspection", re.compile(r"inspection of local authority children'?s services|\bILACS\b", re.I)),
    ("single inspection framework", re.compile(r"single inspection framework|\bSIF\b")),
    ("multi-agency pilot inspection", re.compile(r"\bpilot\b(?=[\s\S]*multi-agency)|multi-agency(?=[\s\S]*\bpilot\b)", re.I)),
    ("joint inspection", re.compile(r"joint inspection|joint multi-agency inspection", re.I)),
    ("multi-agency inspection", re.compile(r"multi-agency (?:team|inspection)", re.I)),
)

INSPECTORATES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Ofsted", re.compile(r"\bOfsted\b", re.I)),
    ("CQC", re.compile(r"Care Quality Commission|\bCQC\b")),
    ("HMICFRS", re.compile(r"HMICFRS|Inspectorate of Constabulary|\bHMIC\b")),
    ("HMI Probation", re.compile(r"Inspectorate of Probation|HMI Probation|\bHMIP\b")),
)

JUDGEMENTS = ("outstanding", "good", "requires improvement", "inadequate", "effective")
_GRADE = r"(outstanding|good|requires improvement|inadequate|effective)"
_JUDGEMENT_PATTERNS = (
    # A grade in quotation marks on its own: 'effective', "good", "inadequate."
    re.compile(r"""(?<![\w'"])['"]\s*""" + _GRADE + r"""\s*[.,!]?\s*['"]""", re.I),
    re.compile(r"\b(?:judged|rated|graded)\s+(?:as\s+|to\s+be\s+)?" + _GRADE + r"\b", re.I),
    re.compile(r"\bjudge?ments?\b[^.]{0,80}?\b(?:was|were|is|as)\s+(?:that\s+it\s+was\s+)?" + _GRADE + r"\b", re.I),
    re.compile(r"\b" + _GRADE + r"\s+(?:judge?ments?|rating|grade)\b", re.I),
    re.compile(r"\boverall\s+(?:effectiveness\s+)?(?:is|was|as)?\s*" + _GRADE + r"\b", re.I),
)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE_PATTERNS = (
    re.compile(r"\bdate[d:]?\s+(\d{4})-(\d{2})-(\d{2})\b", re.I),
    re.compile(
        r"\b(?:took place|taken place|carried out|was held|were held|visited|inspected|published|dated|inspection dates?:?)"
        r"\s+(?:on|between|from)?\s*(\d{1,2})(?:st|nd|rd|th)?(?:\s*(?:and|to|-|–)\s*\d{1,2}(?:st|nd|rd|th)?)?\s+"
        + _MONTH + r"\s+(\d{4})",
        re.I,
    ),
)


@dataclass(frozen=True)
class Judgement:
    grade: str
    year: int | None


@dataclass(frozen=True)
class Description:
    authority: str
    inspection_type: str
    inspectorates: tuple[str, ...]
    judgements: tuple[Judgement, ...]
    date: str  # ISO date or "unknown"

    @property
    def headline_judgement(self) -> str:
        """The judgement that stands: an undated one (the report's own) before the latest dated one."""
        if not self.judgements:
            return UNKNOWN
        current = [j for j in self.judgements if j.year is None]
        if current:
            return current[0].grade
        return max(self.judgements, key=lambda j: j.year or 0).grade

    def as_metadata(self) -> dict[str, str | int | bool]:
        """Flat metadata for Chroma: scalars only, with boolean flags for filtering list-valued fields."""
        meta: dict[str, str | int | bool] = {
            "authority": self.authority,
            "inspection_type": self.inspection_type,
            "inspectorates": ", ".join(self.inspectorates) or UNKNOWN,
            "judgement": self.headline_judgement,
            "judgements": "; ".join(
                f"{j.grade} ({j.year})" if j.year else j.grade for j in self.judgements
            ) or UNKNOWN,
            "date": self.date,
            "year": int(self.date[:4]) if self.date != UNKNOWN else 0,
            "date_ord": int(self.date.replace("-", "")) if self.date != UNKNOWN else 0,
        }
        for name in self.inspectorates:
            meta[flag("inspectorate", name)] = True
        for judgement in self.judgements:
            meta[flag("judgement", judgement.grade)] = True
        return meta


def flag(kind: str, value: str) -> str:
    return f"{kind}_" + re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def describe(text: str) -> Description:
    return Description(
        authority=find_authority(text),
        inspection_type=_first_match(INSPECTION_TYPES, text),
        inspectorates=tuple(name for name, pattern in INSPECTORATES if pattern.search(text)),
        judgements=_judgements(text),
        date=_date(text),
    )


# Names that are also ordinary lower-case words: in questions typed in lower case they must be capitalised.
_COMMON_WORDS = frozenset({"reading", "bury", "hull", "derby", "poole", "kent", "sutton", "stoke"})
_AUTHORITY_ANY_CASE = re.compile(_AUTHORITY.pattern, re.I)


def _mentions(text: str, any_case: bool = False):
    """Canonical names of the authorities mentioned in `text`, one per mention, in order."""
    for match in (_AUTHORITY_ANY_CASE if any_case else _AUTHORITY).finditer(text):
        name = match.group(1)
        if name not in _NAMES:
            if name.lower() in _COMMON_WORDS:
                continue
            name = next(n for n in _NAMES if n.lower() == name.lower())
        if _PERSON_TITLE.search(text, max(0, match.start() - 60), match.start()):
            continue
        if name in _VERB_NAMES and _VERB_OBJECT.match(text, match.end()):
            continue
        yield _NAMES[name]


def authorities_in(text: str, any_case: bool = False) -> list[str]:
    """Canonical authority names mentioned in `text`, in order of first mention. `any_case` is for
    questions people type ("what about wirral?"); report text keeps the capitalised form."""
    return list(dict.fromkeys(_mentions(text, any_case)))


def find_authority(text: str) -> str:
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if _POSTCODE.search(line):
            continue
        for name in _mentions(line):
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return UNKNOWN
    # Ties go to the first-mentioned authority: dicts keep insertion order and max() keeps the first.
    return max(counts, key=lambda name: counts[name])


def _first_match(patterns: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str:
    return next((name for name, pattern in patterns if pattern.search(text)), UNKNOWN)


def judgement_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, grade) of each sentence that states a judgement, in text order."""
    spans = []
    for span in sentences(text):
        sentence = text[span.start : span.end]
        for pattern in _JUDGEMENT_PATTERNS:
            for match in pattern.finditer(sentence):
                spans.append((span.start, span.end, match.group(1).lower()))
    return sorted(set(spans))


def _judgements(text: str) -> tuple[Judgement, ...]:
    found: dict[tuple[str, int | None], None] = {}
    for start, end, grade in judgement_spans(text):
        found[(grade, judgement_year(text, start, end, grade))] = None
    # The same grade both dated and undated in one report is one judgement: keep the dated form.
    dated = {grade for grade, year in found if year is not None}
    return tuple(Judgement(g, y) for g, y in found if y is not None or g not in dated)


def judgement_year(text: str, start: int, end: int, grade: str) -> int | None:
    """The year a judgement sentence ties to its grade ('inadequate in 2009'), if it states one."""
    sentence = text[start:end]
    return _year_near(sentence, sentence.lower().find(grade))


def _year_near(sentence: str, position: int) -> int | None:
    years = [(abs(m.start() - position), int(m.group(1))) for m in _YEAR.finditer(sentence)]
    return min(years)[1] if years else None


def _date(text: str) -> str:
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        groups = match.groups()
        try:
            if len(groups) == 3 and groups[0].isdigit() and len(groups[0]) == 4:
                value = date(int(groups[0]), int(groups[1]), int(groups[2]))
            else:
                value = date(int(groups[2]), _MONTHS[groups[1].lower()], int(groups[0]))
        except ValueError:
            continue
        return value.isoformat()
    return UNKNOWN
