"""Briefing notes: a cited summary of an authority's (or a topic's) inspections, as Markdown or DOCX.

Every point of a brief is a verbatim report sentence (or, with a chat model configured, a rephrasing of
the strengths / improvements / actions that passed `cite.verify`; judgements and history stay verbatim)
with footnotes to the passage it rests on. A point is kept only when
`cite.support(point, passage) >= cite.SUPPORT_THRESHOLD` for each footnoted passage, and each footnote's
`text == document.text[start:end]` and `quote == document.text[quote_start:quote_end]`.

Bold lead-ins ("Warrington: good", "Earlier judgement: inadequate (2009)") are labels built from the
report metadata (describe.py); the grades and years they name are checked against the quoted sentence.
Scope and open-question lines describe the search itself (what was searched, what the reports do not
state): they cite nothing, because an absence has no passage.

Ordering rule for inspection history (latest first):
  1. reports that state a date, newest first;
  2. then reports that do not ("date not stated"), by the latest year their text mentions (newest first;
     a report mentioning no year comes after those that do);
  3. ties by source file name.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from datetime import date as _date
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from assistant.answer.cite import SUPPORT_THRESHOLD, DraftSentence, best_quote, support, verify
from assistant.ingest.describe import UNKNOWN, authorities_in, describe
from assistant.core.errors import IndexMissingError, InputError
from assistant.retrieval.hybrid import scope as retrieval_scope, retrieve
from assistant.index.chroma import chunks_of
from assistant.text import content_terms, sentences, squash
from assistant.core.types import Chunk, Document, Passage

if TYPE_CHECKING:  # pragma: no cover
    from assistant.pipeline import Assistant

MAX_TOPIC_CHARS = 200
MAX_POINTS_PER_REPORT = 10  # per section; the rest are left out (the brief says how many)
THEME_PASSAGES = 40  # passages retrieved for a thematic topic
FORMATS = ("md", "docx")

STRENGTHS = "Strengths"
IMPROVEMENTS = "Areas for improvement"
ACTIONS = "Actions and recommendations"
CONTEXT = "What the reports say"
CATEGORIES = (STRENGTHS, IMPROVEMENTS, ACTIONS)

_MONTH_NAMES = (
    "January February March April May June July August September October November December".split()
)
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
_ENDS = re.compile(r"""[.!?]["'\u2019\u201d)\]]*$""")


# --------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Footnote:
    """A verbatim passage of a report: text == document.text[start:end], quote == document.text[quote_start:quote_end]."""

    n: int
    doc_id: str
    chunk_id: str
    source: str
    title: str
    authority: str
    date: str  # ISO date or "unknown"
    inspection_type: str
    start: int
    end: int
    text: str
    quote_start: int
    quote_end: int
    quote: str


@dataclass(frozen=True)
class Point:
    text: str
    footnotes: tuple[int, ...]
    lead: str = ""  # a label built from metadata, shown in bold before the text
    doc_id: str = ""
    kind: str = "quote"  # "quote" (verbatim) | "llm" (a model's rephrasing, verified)
    support: float = 1.0


@dataclass(frozen=True)
class Cell:
    text: str
    footnotes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: str
    points: tuple[Point, ...] = ()
    notes: tuple[str, ...] = ()  # uncited lines about the search (scope, absences, open questions)
    subsections: tuple["Section", ...] = ()
    table: tuple[tuple[Cell, ...], ...] = ()  # first row is the header
    intro: str = ""  # one italic line under the heading


@dataclass(frozen=True)
class ReportRef:
    doc_id: str
    source: str
    title: str
    authority: str
    date: str
    inspection_type: str
    judgement: str
    matched: bool


@dataclass(frozen=True)
class Brief:
    title: str
    topics: tuple[str, ...]
    kind: str  # "authority" | "theme" | "comparison"
    mode: str  # "extractive" | "llm"
    empty: bool
    summary: str
    sections: tuple[Section, ...]
    footnotes: tuple[Footnote, ...]
    searched: tuple[ReportRef, ...]

    @property
    def matched(self) -> tuple[ReportRef, ...]:
        return tuple(r for r in self.searched if r.matched)

    def points(self) -> list[Point]:
        return [p for s in self.sections for p in _walk_points(s)]

    def footnote(self, n: int) -> Footnote:
        return self.footnotes[n - 1]


def _walk_points(section: Section) -> Iterable[Point]:
    yield from section.points
    for sub in section.subsections:
        yield from _walk_points(sub)


def _walk_refs(section: Section) -> Iterable[int]:
    for row in section.table:
        for cell in row:
            yield from cell.footnotes
    for point in section.points:
        yield from point.footnotes
    for sub in section.subsections:
        yield from _walk_refs(sub)


# --------------------------------------------------------------------------------------------- helpers


def date_label(iso: str) -> str:
    if not iso or iso == UNKNOWN:
        return "date not stated"
    try:
        value = _date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{value.day} {_MONTH_NAMES[value.month - 1]} {value.year}"


def authority_label(authority: str, source: str = "") -> str:
    if authority and authority != UNKNOWN:
        return authority
    return f"Unnamed authority ({_file(source)})" if source else "Unnamed authority"


def _file(source: str) -> str:
    return source.rsplit("/", 1)[-1]


def _years(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


@dataclass(frozen=True)
class _Report:
    """A report in scope, with everything the brief reads from it."""

    document: Document
    meta: Mapping[str, Any]
    chunks: tuple[Chunk, ...]

    @property
    def doc_id(self) -> str:
        return self.document.id

    @property
    def authority(self) -> str:
        return str(self.meta.get("authority", UNKNOWN))

    @property
    def date(self) -> str:
        return str(self.meta.get("date", UNKNOWN))

    @property
    def date_ord(self) -> int:
        return int(self.meta.get("date_ord") or 0)

    @property
    def inspection_type(self) -> str:
        return str(self.meta.get("inspection_type", UNKNOWN))

    @property
    def latest_year_mentioned(self) -> int:
        return max(_years(self.document.text), default=0)

    @property
    def kind(self) -> str:
        return self.inspection_type if self.inspection_type != UNKNOWN else "report (type not stated)"

    @property
    def label(self) -> str:
        """E.g. 'Warrington, focused visit, date not stated'; an unnamed authority's report also gives its file."""
        name = authority_label(self.authority)
        suffix = f" ({_file(self.document.source)})" if self.authority == UNKNOWN else ""
        return f"{name}, {self.kind}, {date_label(self.date)}{suffix}"

    def chunk_for(self, start: int, end: int) -> Chunk | None:
        """The first stored chunk that holds the span whole and is verbatim in the document."""
        for chunk in self.chunks:
            if chunk.start <= start and end <= chunk.end:
                if self.document.text[chunk.start : chunk.end] == chunk.text:
                    return chunk
        return None


def history_key(report: _Report) -> tuple:
    """Sort key of the documented ordering rule (see the module docstring)."""
    if report.date_ord:
        return (0, -report.date_ord, report.document.source)
    return (1, -report.latest_year_mentioned, report.document.source)


class _Notes:
    """Collects footnotes, one per distinct (passage, quote), numbered in order of first registration."""

    def __init__(self) -> None:
        self.items: list[Footnote] = []
        self._index: dict[tuple, int] = {}

    def add(self, report: _Report, chunk: Chunk, quote_start: int, quote_end: int) -> int:
        key = (chunk.doc_id, chunk.start, chunk.end, quote_start, quote_end)
        if key not in self._index:
            text = report.document.text
            self.items.append(
                Footnote(
                    n=len(self.items) + 1, doc_id=report.doc_id, chunk_id=chunk.id, source=report.document.source,
                    title=report.document.title, authority=report.authority, date=report.date,
                    inspection_type=report.inspection_type, start=chunk.start, end=chunk.end,
                    text=text[chunk.start : chunk.end], quote_start=quote_start, quote_end=quote_end,
                    quote=text[quote_start:quote_end],
                )
            )
            self._index[key] = len(self.items)
        return self._index[key]


def _point(
    notes: _Notes, report: _Report, start: int, end: int, lead: str = "", facts: Sequence[str] = ()
) -> Point | None:
    """A verbatim sentence of `report` as a point, or None when no stored passage supports it."""
    chunk = report.chunk_for(start, end)
    if chunk is None:
        return None
    text = squash(report.document.text[start:end])
    score = support(text, chunk.text)
    if score < SUPPORT_THRESHOLD:
        return None
    quote = report.document.text[start:end].lower()
    if any(fact.lower() not in quote for fact in facts):
        return None  # the label names a grade or year the quoted sentence does not state
    return Point(text, (notes.add(report, chunk, start, end),), lead, report.doc_id, "quote", round(score, 4))


# ---------------------------------------------------------------------------------- sentence classes

class _Cues:
    """A set of lexical cues; each cue counts its own matches (cues may overlap)."""

    def __init__(self, *patterns: str) -> None:
        self.patterns = tuple(re.compile(p) for p in patterns)

    def search(self, text: str, pos: int = 0) -> bool:
        return any(p.search(text, pos) for p in self.patterns)

    def count(self, text: str) -> int:
        return sum(len(p.findall(text)) for p in self.patterns)


_cue = _Cues


# Lexical cues over a lower-cased sentence with quotation marks removed.
_ACTION = _cue(
    r"\bpriority actions?\b", r"\brecommend(?:s|ed|ing)?\b", r"\bmust\b", r"\brequired\b", r"\bwill be working\b",
    r"\b(?:is|are) working with\b[^.]*\bto (?:resolve|address|improve)\b", r"\bneeds? to\b",
    r"\b(?:further|more) work\b", r"\b(?:being|will be|to be) addressed\b", r"\bwill (?:need|ensure|continue)\b",
    r"\bshould\b",
)
_NOT_ACTION = re.compile(r"\bas (?:\w+ ){0,3}should\b")  # "as often as they should" describes, it does not ask
_IMPROVE_STRONG = _cue(
    r"\bnot (?:always|all|enough|consistently|necessarily|sufficiently|compliant|represented|taking)\b",
    r"\bnot\b[^.;]{0,60}?\bwell enough\b",
    r"\b(?:do|does|did|are|is|was|were|have|has) not\b", r"\binsufficient\w*", r"\btoo (?:long|soon|general|slow|late|few|many|basic)\b",
    r"\bdelays?\b", r"\bpoor\b", r"\black(?:s|ing)?\b", r"\bunable\b", r"\bweak\w*", r"\bunclear\b",
    r"\binadequate\b", r"\bwaiting list\b", r"\bwait\b", r"\brisk to children\b", r"\bdeficienc\w+",
)
_IMPROVE_MILD = _cue(
    r"\bhowever\b", r"\bconcerns?\b", r"\binconsisten\w+", r"\bvar(?:y|ies|iable)\b", r"\bcriticis\w+",
    r"\brequir(?:es|ing) improvement\b", r"\broom for improvement\b", r"\bcould be better\b", r"\blimits?\b",
    r"\buncertain\w*", r"\bprematurely\b", r"\bvery basic\b", r"\bgaps? in\b",
)
_STRENGTH = _cue(
    r"\beffective(?:ly)?\b", r"\bstrengths?\b", r"\bstrong\b", r"\bwell\b", r"\btimely\b", r"\bgood\b",
    r"\brobust\b", r"\bprompt(?:ly)?\b", r"\bswift(?:ly)?\b", r"\bclear\b", r"\bimproved\b", r"\bpositive\b",
    r"\bpraised\b", r"\bappropriate(?:ly)?\b", r"\bencourag\w+", r"\bbenefit\w*", r"\bmanageable\b",
    r"\bregular\b", r"\baccurate\b", r"\b(?:making|made|evidence of) progress\b", r"\bhigh standard\b",
    r"\boutstanding (?:provision|service)\b",
)
_CONTRAST = re.compile(r"\b(?:however|but|although|though|while|whilst|yet|apart from|except)\b")
_POSITIVE_FRAME = re.compile(r"^despite\b|\bit is encouraging that\b|\bencouragingly\b")
_FIRST_PERSON = re.compile(r"\b(?:i|we|our|us|i'm|we're|i've|we've|ours)\b|\bcan't\b")


def classify(sentence: str) -> str | None:
    """Strengths, areas for improvement, actions, or None, from general lexical cues."""
    return _classified(sentence)[0]


def _classified(sentence: str) -> tuple[str | None, int]:
    """The category and the weight of the cues that put the sentence there (for ranking)."""
    lowered = re.sub(r"[\u2018\u2019\u201c\u201d\"]|'(?!\w)|(?<!\w)'", "", sentence.lower())
    lowered = lowered.replace("\u2019", "'")
    first_person = bool(_FIRST_PERSON.search(lowered))
    action = bool(_ACTION.search(lowered)) and not (
        _NOT_ACTION.search(lowered) and not _ACTION.search(_NOT_ACTION.sub("", lowered))
    )
    if action:
        return ACTIONS, 1
    if first_person:
        return None, 0  # a spokesperson's own view of their service is not an inspection finding
    improve = 2 * _IMPROVE_STRONG.count(lowered) + _IMPROVE_MILD.count(lowered)
    strength = _STRENGTH.count(lowered)
    if strength and _POSITIVE_FRAME.search(lowered):
        return STRENGTHS, strength
    contrast = _CONTRAST.search(lowered)
    after_contrast = bool(contrast) and bool(
        _IMPROVE_STRONG.search(lowered, contrast.end()) or _IMPROVE_MILD.search(lowered, contrast.end())
    )
    if improve and (improve > strength or after_contrast):
        return IMPROVEMENTS, improve
    if strength:
        return STRENGTHS, strength
    return None, 0


def _candidate_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans worth quoting: whole sentences of four words or more, not headings or lead-ins."""
    spans = []
    for span in sentences(text):
        sentence = squash(text[span.start : span.end])
        if len(sentence.split()) < 4 or sentence.endswith(":") or not _ENDS.search(sentence):
            continue
        spans.append((span.start, span.end))
    return spans


# ---------------------------------------------------------------------------------- judgements


@dataclass(frozen=True)
class _Event:
    """A judgement a report states: its own (year None) or an earlier one it mentions (with its year)."""

    report: _Report
    grade: str
    year: int | None
    start: int
    end: int

    @property
    def own(self) -> bool:
        return self.year is None

    @property
    def key(self) -> tuple:
        if self.year is not None:
            return (self.year, 0, 0)
        if self.report.date_ord:
            return (self.report.date_ord // 10000, 1, self.report.date_ord)
        return (self.report.latest_year_mentioned, 1, 0)

    @property
    def certain_date(self) -> bool:
        return self.year is not None or bool(self.report.date_ord)

    @property
    def when(self) -> str:
        if self.year is not None:
            return str(self.year)
        return date_label(self.report.date)


def _events(report: _Report) -> list[_Event]:
    from assistant.ingest.describe import judgement_spans

    text = report.document.text
    spans = judgement_spans(text)
    found: list[_Event] = []
    for judgement in describe(text).judgements:
        for start, end, grade in spans:
            if grade != judgement.grade:
                continue
            years = _years(text[start:end])
            if (judgement.year is None and not years) or (judgement.year is not None and judgement.year in years):
                found.append(_Event(report, judgement.grade, judgement.year, start, end))
                break
    return found


def _supersedes(later: _Event, earlier: _Event) -> bool:
    """True when the reports make it certain that `later` came after `earlier` and changed the grade."""
    if later.grade == earlier.grade or later is earlier:
        return False
    if later.report is earlier.report:
        return later.own and not earlier.own  # a report's own judgement follows the earlier ones it recalls
    return later.certain_date and earlier.certain_date and later.key > earlier.key


# ---------------------------------------------------------------------------------- building


class _Builder:
    def __init__(self, helper: "Assistant") -> None:
        self.helper = helper
        documents = helper.documents()
        if not documents:
            raise IndexMissingError()
        self.documents = documents
        self._reports: dict[str, _Report] = {}
        self._events: dict[str, list[_Event]] = {}

    def events(self, report: _Report) -> list[_Event]:
        if report.doc_id not in self._events:
            self._events[report.doc_id] = _events(report)
        return self._events[report.doc_id]

    def report(self, doc_id: str) -> _Report | None:
        if doc_id not in self._reports:
            document = self.helper.document(doc_id)
            if document is None:
                return None
            self._reports[doc_id] = _Report(document, self.documents[doc_id], tuple(chunks_of(self.helper.store, doc_id)))
        return self._reports[doc_id]

    # -- topic resolution

    def resolve(self, topic: str) -> tuple[list[_Report], dict[str, list[tuple[int, int, float]]], list[str], str]:
        """Reports that match the topic, the matching sentence spans per report (theme only), notes, kind."""
        named = authorities_in(topic, any_case=True)
        indexed = {str(m.get("authority")) for m in self.documents.values()}
        missing = [a for a in named if a not in indexed]
        notes = [f"No indexed report is about {a}." for a in missing]
        present = [a for a in named if a in indexed]
        if named:
            doc_ids = sorted(d for d, m in self.documents.items() if str(m.get("authority")) in present)
            residual = [t for t in content_terms(topic) if t not in {x for a in named for x in content_terms(a)}]
            if not doc_ids or not residual:
                reports = [r for r in (self.report(d) for d in doc_ids) if r is not None]
                return sorted(reports, key=history_key), {}, notes, "authority"
            area = retrieval_scope(self.documents, topic, {})
            area = replace(area, doc_ids=frozenset(doc_ids), searched=len(doc_ids))
        else:
            area = retrieval_scope(self.documents, topic, {})
        matches = self._theme_matches(topic, area)
        reports = [r for r in (self.report(d) for d in sorted(matches)) if r is not None]
        return sorted(reports, key=history_key), matches, notes, "theme"

    def _theme_matches(self, topic: str, area) -> dict[str, list[tuple[int, int, float]]]:
        """Per report, the sentences retrieval + extractive scoring find on topic.

        A report matches when one of its sentences clears the ranker's threshold and is nearly as likely
        as the best sentence; the matched report then contributes all of its
        answerable sentences, and the other sentences of the same line (a bullet, a paragraph)."""
        from assistant.text.glossary import expand_acronyms

        extractive = self.helper.extractive
        passages = retrieve(
            expand_acronyms(topic), area, self.documents, self.helper.store, self.helper.keyword,
            self.helper.query_embedder, THEME_PASSAGES, max(self.helper.settings.candidates, THEME_PASSAGES),
        )
        # A theme brief gathers every on-topic sentence, not the few best an answer needs.
        ranking = extractive.rank(topic, passages)
        scored = [r for r in ranking.sentences if r.probability >= ranking.threshold]
        if not scored:
            return {}
        floor = scored[0].probability * self.helper.settings.answer.extra_ratio
        matched_docs = {r.candidate.sentence.doc_id for r in scored if r.probability >= floor}
        matches: dict[str, dict[int, tuple[int, int, float]]] = {}
        for r in scored:
            sentence = r.candidate.sentence
            if sentence.doc_id in matched_docs:
                matches.setdefault(sentence.doc_id, {}).setdefault(
                    sentence.start, (sentence.start, sentence.end, r.probability))
        for doc_id, spans in matches.items():
            report = self.report(doc_id)
            if report is None:
                continue
            text = report.document.text
            lines = {(text.rfind("\n", 0, start) + 1, _line_end(text, start)) for start, _, _ in spans.values()}
            for start, end in _candidate_spans(text):
                if start not in spans and any(a <= start and end <= b for a, b in lines):
                    spans[start] = (start, end, 0.0)
        return {d: sorted(v.values()) for d, v in matches.items()}

    # -- sections

    def headline(self, reports: Sequence[_Report], notes: _Notes) -> tuple[Section, dict[str, _Event]]:
        by_authority: dict[str, list[_Report]] = {}
        for report in reports:
            by_authority.setdefault(report.authority, []).append(report)
        points: list[Point] = []
        lines: list[str] = []
        standing: dict[str, _Event] = {}
        for authority in sorted(by_authority, key=lambda a: (a == UNKNOWN, a)):
            group = by_authority[authority]
            events = [e for r in group for e in self.events(r)]
            if authority == UNKNOWN:
                for report in group:
                    own = [e for e in events if e.report is report]
                    if not own:
                        lines.append(f"{report.label}: no judgement stated.")
                    for event in own:
                        point = self._judgement_point(notes, event, headline=True)
                        if point:
                            points.append(point)
                continue
            if not events:
                lines.append(f"{authority}: no report states a judgement.")
                continue
            latest = max(events, key=lambda e: (e.key, e.report.document.source))
            standing[authority] = latest
            point = self._judgement_point(notes, latest, headline=True)
            if point:
                points.append(point)
        section = Section("Headline judgements", tuple(points), tuple(lines))
        return section, standing

    def _judgement_point(self, notes: _Notes, event: _Event, headline: bool = False, later: _Event | None = None) -> Point | None:
        report = event.report
        name = authority_label(report.authority, report.document.source)
        facts = [event.grade] + ([str(event.year)] if event.year else [])
        if headline:
            if event.own:
                lead = f"{name}: {event.grade} ({report.kind}, {date_label(report.date)})"
            else:
                lead = f"{name}: {event.grade} ({event.year}; stated in a {report.kind}, {date_label(report.date)})"
        elif event.own:
            lead = f"Judgement: {event.grade}"
        else:
            lead = f"Earlier judgement: {event.grade} ({event.year})"
            if later is not None:
                lead += f", superseded by {'this report' if later.report is report else 'a later report'}'s judgement of {later.grade}"
        return _point(notes, report, event.start, event.end, lead, facts)

    def history(self, reports: Sequence[_Report], notes: _Notes, used: set[tuple[str, int]]) -> Section:
        entries: list[Section] = []
        all_events = [e for r in reports for e in self.events(r)]
        for report in reports:
            points: list[Point] = []
            lines: list[str] = []
            own = [e for e in all_events if e.report is report and e.own]
            earlier = [e for e in all_events if e.report is report and not e.own]
            for event in own:
                point = self._judgement_point(notes, event)
                if point:
                    points.append(point)
                    used.add((report.doc_id, event.start))
            for event in sorted(earlier, key=lambda e: -(e.year or 0)):
                later = next(
                    (e for e in sorted(all_events, key=lambda e: e.key, reverse=True)
                     if e.report.authority == report.authority and _supersedes(e, event)),
                    None,
                )
                point = self._judgement_point(notes, event, later=later)
                if point:
                    points.append(point)
                    used.add((report.doc_id, event.start))
                if later is None:
                    lines.append(f"No report in scope states a judgement after the {event.grade} judgement of {event.year}.")
            if not own:
                lines.insert(0, "The report states no overall judgement of its own.")
            evidence = self._date_or_summary(report, notes, used)
            if evidence is not None:
                points.insert(0, evidence) if evidence.lead.startswith("Date") else points.append(evidence)
            intro = f"\u201c{squash(report.document.title)}\u201d ({report.document.source})."
            if not report.date_ord:
                year = report.latest_year_mentioned
                intro += " Date not stated; " + (
                    f"the latest year the report mentions is {year}." if year else "the report mentions no year."
                )
            when = date_label(report.date)
            heading = f"{when[:1].upper()}{when[1:]}: {report.kind}, {authority_label(report.authority)}"
            entries.append(Section(heading, tuple(points), tuple(lines), intro=intro))
        return Section(
            "Inspection history (latest first)",
            subsections=tuple(entries),
            intro="Reports that state a date come first, newest first; reports that do not follow, ordered by the "
                  "latest year their text mentions, then by file name.",
        )

    def _date_or_summary(self, report: _Report, notes: _Notes, used: set[tuple[str, int]]) -> Point | None:
        """The sentence that states the report's date, or else its first substantive sentence."""
        text = report.document.text
        spans = [(s.start, s.end) for s in sentences(text) if len(squash(text[s.start : s.end]).split()) >= 4]
        if report.date_ord:
            iso = report.date
            value = _date.fromisoformat(iso)
            month = _MONTH_NAMES[value.month - 1]
            for start, end in spans:
                sentence = text[start:end]
                if iso in sentence or (str(value.year) in sentence and month in sentence):
                    point = _point(notes, report, start, end, f"Date: {date_label(iso)}", [str(value.year)])
                    if point:
                        used.add((report.doc_id, start))
                        return point
        for start, end in _candidate_spans(text):
            if len(squash(text[start:end]).split()) >= 8 and (report.doc_id, start) not in used:
                point = _point(notes, report, start, end, "Summary")
                if point:
                    used.add((report.doc_id, start))
                    return point
        return None

    def findings(
        self,
        reports: Sequence[_Report],
        matches: Mapping[str, Sequence[tuple[int, int, float]]] | None,
        notes: _Notes,
        used: set[tuple[str, int]],
        topic: str,
    ) -> list[Section]:
        """Strengths, areas for improvement, actions (and, for a theme, the other on-topic sentences)."""
        from assistant.ingest.describe import judgement_spans

        grouped: dict[str, list[tuple[_Report, list[tuple[int, int]], int]]] = {c: [] for c in CATEGORIES + (CONTEXT,)}
        for report in reports:
            text = report.document.text
            judged = {start for start, _, _ in judgement_spans(text)}  # told in the headline and history
            if matches is None:
                spans = [(s, e, 0.0) for s, e in _candidate_spans(text)]
            else:
                spans = list(matches.get(report.doc_id, ()))
            buckets: dict[str, list[tuple[float, int, int]]] = {c: [] for c in grouped}
            for start, end, relevance in spans:
                if (report.doc_id, start) in used or start in judged:
                    continue
                category, weight = _classified(squash(text[start:end]))
                if category is None and matches is not None:
                    category, weight = CONTEXT, 0
                if category is not None:
                    buckets[category].append((weight + relevance, start, end))
            for category, chosen in buckets.items():
                if chosen:
                    # The strongest cues (or most on-topic sentences) first, then shown in text order.
                    ranked = sorted(chosen, key=lambda row: (-row[0], row[1]))[:MAX_POINTS_PER_REPORT]
                    grouped[category].append((report, sorted((s, e) for _, s, e in ranked), len(chosen)))
        sections = []
        order = ((CONTEXT,) if matches is not None else ()) + CATEGORIES
        for category in order:
            subsections = []
            for report, spans, total in grouped[category]:
                points = self._points_for(report, spans, notes, category, topic)
                if not points:
                    continue
                left_out = total - len(spans)
                lines = (f"{left_out} further sentence(s) of this kind are left out.",) if left_out > 0 else ()
                subsections.append(Section(report.label, tuple(points), lines))
            if len(subsections) == 1 and len(reports) == 1:
                only = subsections[0]
                sections.append(Section(category, only.points, only.notes))
            elif subsections:
                sections.append(Section(category, subsections=tuple(subsections)))
            elif category != CONTEXT:
                what = {STRENGTHS: "a strength", IMPROVEMENTS: "an area for improvement", ACTIONS: "an action or recommendation"}
                scope_words = "on-topic sentence" if matches is not None else "sentence of the reports in scope"
                sections.append(Section(category, notes=(f"No {scope_words} reads as {what[category]}.",)))
        return sections

    def _points_for(self, report: _Report, spans: Sequence[tuple[int, int]], notes: _Notes, category: str, topic: str) -> list[Point]:
        if self.helper.chat_model is not None and self.helper.generator is not self.helper.extractive:
            rephrased = self._llm_points(report, spans, notes, category, topic)
            if rephrased:
                return rephrased
        return [p for p in (_point(notes, report, s, e) for s, e in spans) if p is not None]

    def _llm_points(self, report: _Report, spans: Sequence[tuple[int, int]], notes: _Notes, category: str, topic: str) -> list[Point]:
        """The configured chat model summarises the sentences; only what passes cite.verify is kept."""
        passages: list[Passage] = []
        seen: set[str] = set()
        for start, end in spans:
            chunk = report.chunk_for(start, end)
            if chunk is not None and chunk.id not in seen:
                seen.add(chunk.id)
                passages.append(Passage(chunk, 1.0, len(passages) + 1))
        if not passages:
            return []
        question = {
            STRENGTHS: "What strengths do the inspectors identify",
            IMPROVEMENTS: "What areas for improvement do the inspectors identify",
            ACTIONS: "What actions or recommendations follow",
            CONTEXT: "What do the reports say",
        }[category] + f" about {topic}?"
        try:
            draft: list[DraftSentence] = self.helper.generator.generate(question, passages)
        except Exception:  # a provider failure: the verbatim points stand
            return []
        kept, citations = verify(draft, passages, {report.doc_id: report.document.text})
        by_number = {c.n: c for c in citations}
        points = []
        for sentence in kept:
            numbers = []
            scores = []
            for n in sentence.citations:
                citation = by_number[n]
                chunk = next(p.chunk for p in passages if p.chunk.id == citation.chunk_id)
                score = support(sentence.text, chunk.text)
                if score < SUPPORT_THRESHOLD:
                    continue
                quote_start, quote_end, _ = best_quote(sentence.text, Passage(chunk, 1.0, 1))
                numbers.append(notes.add(report, chunk, quote_start, quote_end))
                scores.append(score)
            if numbers:
                points.append(Point(sentence.text, tuple(numbers), "", report.doc_id, "llm", round(min(scores), 4)))
        return points

    # -- scope and open questions

    def searched(self, matched_ids: set[str]) -> tuple[ReportRef, ...]:
        refs = []
        for doc_id, meta in self.documents.items():
            refs.append(ReportRef(
                doc_id=doc_id, source=str(meta.get("source", "")), title=str(meta.get("title", "")),
                authority=str(meta.get("authority", UNKNOWN)), date=str(meta.get("date", UNKNOWN)),
                inspection_type=str(meta.get("inspection_type", UNKNOWN)), judgement=str(meta.get("judgement", UNKNOWN)),
                matched=doc_id in matched_ids,
            ))
        return tuple(sorted(refs, key=lambda r: (not r.matched, r.authority == UNKNOWN, r.authority, -_ord(r.date), r.source)))

    def scope_section(self, refs: Sequence[ReportRef], extra: Sequence[str], kind: str) -> Section:
        matched = [r for r in refs if r.matched]
        how = {
            "authority": "the reports of the named authority",
            "theme": "hybrid retrieval over all reports, kept where extractive scoring finds on-topic sentences",
        }.get(kind, "an authority's reports, or for a theme the reports with on-topic sentences")
        lines = [f"Searched {len(refs)} indexed report(s) ({how}); {len(matched)} matched."]
        lines.extend(extra)
        for ref in refs:
            lines.append(
                f"{'Matched' if ref.matched else 'Not matched'}: {authority_label(ref.authority)}, "
                f"{ref.inspection_type if ref.inspection_type != UNKNOWN else 'type not stated'}, "
                f"{date_label(ref.date)} ({ref.source})"
            )
        return Section("Scope", notes=tuple(lines))

    def open_questions(self, reports: Sequence[_Report], standing: Mapping[str, _Event], extra: Sequence[str]) -> Section:
        lines = list(extra)
        for report in reports:
            gaps = []
            if report.authority == UNKNOWN:
                gaps.append("does not name the local authority")
            if not report.date_ord:
                gaps.append("does not state its date")
            if not any(e.own for e in self.events(report)):
                gaps.append("states no overall judgement of its own")
            if report.inspection_type == UNKNOWN:
                gaps.append("does not say what kind of inspection it was")
            if gaps:
                suffix = "" if report.authority == UNKNOWN else f" ({_file(report.document.source)})"
                lines.append(f"{report.label}{suffix}: the report {_join(gaps)}.")
        by_authority: dict[str, list[_Report]] = {}
        for report in reports:
            if report.authority != UNKNOWN:
                by_authority.setdefault(report.authority, []).append(report)
        for authority, group in sorted(by_authority.items()):
            undated = [r for r in group if not r.date_ord]
            if len(group) > 1 and undated:
                lines.append(
                    f"{authority}: {len(undated)} of its {len(group)} reports state no date, so the order of its "
                    "inspections is inferred from the years the reports mention, not stated."
                )
            event = standing.get(authority)
            if event is not None and not event.own:
                lines.append(
                    f"{authority}: the latest judgement the reports state is {event.grade} ({event.year}); "
                    "whether a later inspection changed it is not stated."
                )
        if not lines:
            lines.append("None: every report in scope names its authority, date, inspection type and judgement.")
        return Section("Open questions", notes=tuple(lines))


def _ord(iso: str) -> int:
    return int(iso.replace("-", "")) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso or "") else 0


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _checked_topic(topic: str) -> str:
    if not isinstance(topic, str) or not topic.strip():
        raise InputError("the topic is empty")
    topic = " ".join(topic.split())
    if len(topic) > MAX_TOPIC_CHARS:
        raise InputError(f"the topic is {len(topic)} characters long; the limit is {MAX_TOPIC_CHARS}")
    return topic


def _mode(helper: "Assistant") -> str:
    return "llm" if helper.chat_model is not None and helper.generator is not helper.extractive else "extractive"


def _topic_sections(builder: _Builder, topic: str, notes: _Notes) -> tuple[list[Section], list[_Report], list[str], str, dict]:
    """The body of a brief about one topic, the reports that matched, uncited notes, kind, standing judgements."""
    reports, matches, extra, kind = builder.resolve(topic)
    if not reports:
        return [], [], extra, kind, {}
    used: set[tuple[str, int]] = set()
    headline, standing = builder.headline(reports, notes)
    for event in standing.values():
        used.add((event.report.doc_id, event.start))
    history = builder.history(reports, notes, used)
    body = [headline, history]
    body += builder.findings(reports, matches if kind == "theme" else None, notes, used, topic)
    body.append(builder.open_questions(reports, standing, extra))
    return body, reports, extra, kind, standing


def _sources_section(footnotes: Sequence[Footnote]) -> Section:
    lines, seen = [], set()
    for note in sorted(footnotes, key=lambda f: f.source):
        if note.doc_id in seen:
            continue
        seen.add(note.doc_id)
        kind = note.inspection_type if note.inspection_type != UNKNOWN else "type not stated"
        lines.append(
            f"{note.source}: \u201c{squash(note.title)}\u201d, {authority_label(note.authority)}, "
            f"{kind}, {date_label(note.date)}"
        )
    return Section("Sources", notes=tuple(lines))


def _renumbered(sections: Sequence[Section], footnotes: Sequence[Footnote]) -> tuple[tuple[Section, ...], tuple[Footnote, ...]]:
    """Number footnotes in the order a reader meets them; drop any that no point uses."""
    order: dict[int, int] = {}
    for section in sections:
        for n in _walk_refs(section):
            order.setdefault(n, len(order) + 1)

    def fix(section: Section) -> Section:
        return replace(
            section,
            points=tuple(replace(p, footnotes=tuple(dict.fromkeys(order[n] for n in p.footnotes))) for p in section.points),
            table=tuple(tuple(replace(c, footnotes=tuple(order[n] for n in c.footnotes)) for c in row) for row in section.table),
            subsections=tuple(fix(s) for s in section.subsections),
        )

    renumbered = sorted((replace(footnotes[old - 1], n=new) for old, new in order.items()), key=lambda f: f.n)
    return tuple(fix(s) for s in sections), tuple(renumbered)


def _finish(title, topics, kind, mode, sections, notes: _Notes, refs, summary) -> Brief:
    sections, footnotes = _renumbered(sections, notes.items)
    if footnotes:
        sections = sections + (_sources_section(footnotes),)
    return Brief(
        title=title, topics=tuple(topics), kind=kind, mode=mode, empty=not footnotes, summary=summary,
        sections=sections, footnotes=footnotes, searched=tuple(refs),
    )


def _summary(mode: str) -> str:
    how = (
        "Points are sentences quoted verbatim from the reports"
        if mode == "extractive" else "Points are a language model's summaries, each checked against its passage"
    )
    return (
        f"{how}; each footnote gives the report, authority, date, file and character offsets of the passage it "
        "rests on. Bold labels come from the reports' metadata; lines without a note number describe the search "
        "or what the reports leave unstated."
    )


def build_brief(helper: "Assistant", topic: str) -> Brief:
    """A briefing note on an authority (its reports) or a theme (the reports with passages on it)."""
    topic = _checked_topic(topic)
    builder = _Builder(helper)
    notes = _Notes()
    body, reports, extra, kind, _ = _topic_sections(builder, topic, notes)
    refs = builder.searched({r.doc_id for r in reports})
    mode = _mode(helper)
    title = f"Briefing note: {topic}"
    if not body:
        message = (
            f"No indexed report matches \u201c{topic}\u201d. The brief below lists the {len(refs)} report(s) searched."
        )
        sections = (builder.scope_section(refs, extra, kind),)
        return replace(_finish(title, [topic], kind, mode, sections, notes, refs, message), empty=True)
    sections = (builder.scope_section(refs, (), kind), *body)
    return _finish(title, [topic], kind, mode, sections, notes, refs, _summary(mode))


def build_comparison(helper: "Assistant", topics: Sequence[str]) -> Brief:
    """Briefs on two or more topics side by side: an at-a-glance table, then parallel sections per topic."""
    topics = [_checked_topic(t) for t in topics]
    if len(topics) < 2:
        raise InputError("a comparison needs at least two topics")
    builder = _Builder(helper)
    notes = _Notes()
    columns = []
    matched: set[str] = set()
    for topic in topics:
        body, reports, extra, kind, standing = _topic_sections(builder, topic, notes)
        matched |= {r.doc_id for r in reports}
        columns.append((topic, body, reports, extra, kind, standing))
    refs = builder.searched(matched)
    header = (Cell(""),) + tuple(Cell(topic) for topic, *_ in columns)
    rows = [header]

    def row(label: str, cell: Callable[[tuple], Cell]) -> None:
        rows.append((Cell(label),) + tuple(cell(column) for column in columns))

    def reports_cell(column) -> Cell:
        reports = column[2]
        if not reports:
            return Cell("no matching report")
        return Cell("; ".join(f"{r.inspection_type}, {date_label(r.date)}" for r in reports))

    def judgement_cell(column) -> Cell:
        headline = next((s for s in column[1] if s.heading == "Headline judgements"), None)
        standing = column[5]
        if headline is None or not headline.points or not standing:
            return Cell("no judgement stated")
        text = "; ".join(
            f"{event.grade} ({event.when})" if len(standing) == 1 else f"{name}: {event.grade} ({event.when})"
            for name, event in sorted(standing.items())
        )
        return Cell(text, tuple(n for p in headline.points for n in p.footnotes))

    def count_cell(category: str) -> Callable[[tuple], Cell]:
        def cell(column) -> Cell:
            section = next((s for s in column[1] if s.heading == category), None)
            count = len(list(_walk_points(section))) if section else 0
            return Cell(f"{count} point(s)")
        return cell

    row("Reports (latest first)", reports_cell)
    row("Headline judgement", judgement_cell)
    for category in CATEGORIES:
        row(category, count_cell(category))
    sections: list[Section] = [
        builder.scope_section(refs, [line for column in columns for line in column[3]], "comparison"),
        Section("At a glance", table=tuple(rows)),
    ]
    for topic, body, reports, extra, kind, _ in columns:
        if body:
            sections.append(Section(topic, subsections=tuple(body)))
        else:
            sections.append(Section(topic, notes=(f"No indexed report matches \u201c{topic}\u201d.",)))
    title = "Briefing note: " + " compared with ".join(topics)
    brief = _finish(title, topics, "comparison", _mode(helper), tuple(sections), notes, refs, _summary(_mode(helper)))
    return brief


# ---------------------------------------------------------------------------------- checking


def check_brief(helper: "Assistant", brief: Brief) -> list[str]:
    """Problems with a brief's citations (empty when every footnote and point holds)."""
    problems = []
    texts: dict[str, str | None] = {}
    for note in brief.footnotes:
        if note.doc_id not in texts:
            document = helper.document(note.doc_id)
            texts[note.doc_id] = document.text if document else None
        text = texts[note.doc_id]
        if text is None:
            problems.append(f"[{note.n}] cites a document that is not indexed: {note.doc_id}")
            continue
        if text[note.start : note.end] != note.text:
            problems.append(f"[{note.n}] passage text differs from the document at {note.start}-{note.end}")
        if text[note.quote_start : note.quote_end] != note.quote:
            problems.append(f"[{note.n}] quote differs from the document at {note.quote_start}-{note.quote_end}")
        if not (note.start <= note.quote_start < note.quote_end <= note.end):
            problems.append(f"[{note.n}] quote lies outside its passage")
    for point in brief.points():
        if not point.footnotes:
            problems.append(f"uncited point: {point.text!r}")
        for n in point.footnotes:
            if not 1 <= n <= len(brief.footnotes):
                problems.append(f"point cites a missing footnote [{n}]")
            elif support(point.text, brief.footnote(n).text) < SUPPORT_THRESHOLD:
                problems.append(f"[{n}] does not support {point.text!r}")
    return problems


# ---------------------------------------------------------------------------------- Markdown


def _md_escape(text: str) -> str:
    return re.sub(r"([\\`*\[\]<>])", r"\\\1", squash(text))


def _md_refs(numbers: Sequence[int]) -> str:
    return "".join(f"[^{n}]" for n in numbers)


def _md_point(point: Point) -> str:
    lead = f"**{_md_escape(point.lead)}**: " if point.lead else ""
    return f"- {lead}{_md_escape(point.text)}{_md_refs(point.footnotes)}"


def _md_section(section: Section, level: int, out: list[str]) -> None:
    out.append(f"{'#' * min(level, 6)} {_md_escape(section.heading)}")
    out.append("")
    if section.intro:
        out.append(f"*{_md_escape(section.intro)}*")
        out.append("")
    if section.table:
        header, *rows = section.table
        def cell(c: Cell) -> str:
            return _md_escape(c.text).replace("|", "\\|") + _md_refs(c.footnotes)

        out.append("| " + " | ".join(cell(c) for c in header) + " |")
        out.append("|" + "---|" * len(header))
        for row in rows:
            out.append("| " + " | ".join(cell(c) for c in row) + " |")
        out.append("")
    if section.points or section.notes:
        out.extend(_md_point(p) for p in section.points)
        mark = "*" if section.points else ""  # beside cited points, an uncited remark is set apart
        out.extend(f"- {mark}{_md_escape(line)}{mark}" for line in section.notes)
        out.append("")
    for sub in section.subsections:
        _md_section(sub, level + 1, out)


def footnote_label(note: Footnote) -> str:
    kind = note.inspection_type if note.inspection_type != UNKNOWN else "type not stated"
    return (
        f"\u201c{squash(note.title)}\u201d, {authority_label(note.authority)}, {kind}, "
        f"{date_label(note.date)}; {note.source}, characters {note.quote_start}\u2013{note.quote_end} "
        f"(passage {note.start}\u2013{note.end})"
    )


def render_markdown(brief: Brief) -> str:
    out = [f"# {_md_escape(brief.title)}", "", f"*{_md_escape(brief.summary)}*", ""]
    for section in brief.sections:
        _md_section(section, 2, out)
    for note in brief.footnotes:
        out.append(f"[^{note.n}]: {_md_escape(footnote_label(note))}: \u201c{_md_escape(note.quote)}\u201d")
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------------- DOCX


def _docx_refs(paragraph, numbers: Sequence[int]) -> None:
    if numbers:
        run = paragraph.add_run(",".join(str(n) for n in numbers))
        run.font.superscript = True


def _docx_section(document, section: Section, level: int) -> None:
    from docx.shared import Pt

    document.add_heading(section.heading, level=min(level, 9))
    if section.intro:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(section.intro)
        run.italic = True
    if section.table:
        header, *rows = section.table
        table = document.add_table(rows=len(section.table), cols=len(header))
        table.style = "Table Grid"
        for r, cells in enumerate(section.table):
            for c, cell in enumerate(cells):
                paragraph = table.cell(r, c).paragraphs[0]
                run = paragraph.add_run(cell.text)
                run.font.size = Pt(9)
                if r == 0 or c == 0:
                    run.bold = True
                _docx_refs(paragraph, cell.footnotes)
    for point in section.points:
        paragraph = document.add_paragraph(style="List Bullet")
        if point.lead:
            paragraph.add_run(point.lead + ": ").bold = True
        paragraph.add_run(point.text)
        _docx_refs(paragraph, point.footnotes)
    for line in section.notes:
        paragraph = document.add_paragraph(style="List Bullet")
        run = paragraph.add_run(line)
        run.italic = bool(section.points)  # beside cited points, an uncited remark is set apart
    for sub in section.subsections:
        _docx_section(document, sub, level + 1)


def render_docx(brief: Brief) -> bytes:
    """A Word document: headings, bulleted points with superscript note numbers, a numbered Notes section."""
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.core_properties.title = brief.title
    document.core_properties.author = "assistant brief"
    document.core_properties.subject = ", ".join(brief.topics)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.font.name = "Arial"  # metric-compatible stand-ins exist everywhere (Liberation Sans, Arimo)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4"):
        document.styles[name].font.name = "Arial"
    document.add_heading(brief.title, level=0)
    intro = document.add_paragraph()
    intro.add_run(brief.summary).italic = True
    for section in brief.sections:
        _docx_section(document, section, 1)
    if brief.footnotes:
        document.add_heading("Notes", level=1)
        for note in brief.footnotes:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.left_indent = Pt(18)
            paragraph.paragraph_format.first_line_indent = Pt(-18)
            paragraph.paragraph_format.space_after = Pt(4)
            paragraph.add_run(f"{note.n}.\t").bold = True
            paragraph.add_run(footnote_label(note) + ": ")
            paragraph.add_run(f"\u201c{squash(note.quote)}\u201d").italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------- for the app


def _build(helper: "Assistant", topic: str | Sequence[str]) -> Brief:
    if isinstance(topic, str):
        return build_brief(helper, topic)
    return build_comparison(helper, list(topic))


def brief_markdown(helper: "Assistant", topic: str | Sequence[str]) -> str:
    """Markdown of the brief on `topic` (a list of topics compares them)."""
    return render_markdown(_build(helper, topic))


def brief_docx_bytes(helper: "Assistant", topic: str | Sequence[str]) -> bytes:
    """DOCX bytes of the brief on `topic` (a list of topics compares them)."""
    return render_docx(_build(helper, topic))
