"""Choosing what a brief covers: the reports of a named authority, or for a theme the reports (and their
sentences) that retrieval and the sentence ranker find on topic; and the list of every report searched.

The brief reads the Assistant through its public surface only: documents(), document(), the store's
public reads, the keyword index, the query embedder, the settings and the extractive ranker's rank().
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable

from assistant.apps.brief.classify import candidate_spans
from assistant.apps.brief.model import ReportRef, iso_ord
from assistant.apps.brief.report import Event, Report, events_of, history_key
from assistant.core.errors import IndexMissingError
from assistant.core.types import Chunk
from assistant.ingest.describe import authorities_in
from assistant.retrieval.hybrid import Scope, retrieve, scope as retrieval_scope
from assistant.text import content_terms
from assistant.text.patterns import UNKNOWN

if TYPE_CHECKING:  # pragma: no cover
    from assistant.pipeline import Assistant

THEME_PASSAGES = 40  # passages retrieved for a thematic topic

Spans = dict[str, list[tuple[int, int, float]]]  # doc id -> (start, end, on-topic probability) of sentences


@dataclass(frozen=True)
class Resolved:
    """What a topic covers: reports latest first, their on-topic sentences (None for an authority), notes."""

    reports: tuple[Report, ...]
    matches: Spans | None
    notes: tuple[str, ...]  # uncited lines, e.g. a named authority no report is about
    kind: str  # "authority" | "theme"


class Library:
    """The index as a brief sees it: the documents' metadata, reports read once, judgements found once."""

    def __init__(self, helper: "Assistant") -> None:
        self.helper = helper
        documents = helper.documents()
        if not documents:
            raise IndexMissingError()
        self.documents = documents
        self._reports: dict[str, Report] = {}
        self._events: dict[str, list[Event]] = {}

    def events(self, report: Report) -> list[Event]:
        if report.doc_id not in self._events:
            self._events[report.doc_id] = events_of(report)
        return self._events[report.doc_id]

    def report(self, doc_id: str) -> Report | None:
        if doc_id not in self._reports:
            document = self.helper.document(doc_id)
            if document is None:
                return None
            self._reports[doc_id] = Report(document, self.documents[doc_id], self._chunks(doc_id))
        return self._reports[doc_id]

    # -- topic resolution

    def resolve(self, topic: str) -> Resolved:
        """The reports of the authorities the topic names, or for a theme the reports with on-topic sentences."""
        named = authorities_in(topic, any_case=True)
        indexed = {str(m.get("authority")) for m in self.documents.values()}
        missing = [a for a in named if a not in indexed]
        notes = tuple(f"No indexed report is about {a}." for a in missing)
        present = [a for a in named if a in indexed]
        if named:
            doc_ids = sorted(d for d, m in self.documents.items() if str(m.get("authority")) in present)
            residual = [t for t in content_terms(topic) if t not in {x for a in named for x in content_terms(a)}]
            if not doc_ids or not residual:
                return Resolved(self._latest_first(doc_ids), None, notes, "authority")
            area = retrieval_scope(self.documents, topic, {})
            area = replace(area, doc_ids=frozenset(doc_ids), searched=len(doc_ids))
        else:
            area = retrieval_scope(self.documents, topic, {})
        matches = self.theme_matches(topic, area)
        return Resolved(self._latest_first(matches), matches, notes, "theme")

    def _latest_first(self, doc_ids: Iterable[str]) -> tuple[Report, ...]:
        reports = [r for r in (self.report(d) for d in sorted(doc_ids)) if r is not None]
        return tuple(sorted(reports, key=history_key))

    def theme_matches(self, topic: str, area: Scope) -> Spans:
        """Per report, the sentences retrieval + extractive scoring find on topic.

        A report matches when one of its sentences clears the ranker's threshold and is nearly as likely
        as the best sentence; the matched report then contributes all of its
        answerable sentences, and the other sentences of the same line (a bullet, a paragraph)."""
        from assistant.text.glossary import expand_acronyms

        extractive = self.helper.extractive
        passages = retrieve(
            expand_acronyms(topic), area, self.documents, self.helper.store, self.helper.keyword_for(self.documents),
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
            for start, end in candidate_spans(text):
                if start not in spans and any(a <= start and end <= b for a, b in lines):
                    spans[start] = (start, end, 0.0)
        return {d: sorted(v.values()) for d, v in matches.items()}

    def searched(self, matched_ids: set[str]) -> tuple[ReportRef, ...]:
        refs = []
        for doc_id, meta in self.documents.items():
            refs.append(ReportRef(
                doc_id=doc_id, source=str(meta.get("source", "")), title=str(meta.get("title", "")),
                authority=str(meta.get("authority", UNKNOWN)), date=str(meta.get("date", UNKNOWN)),
                inspection_type=str(meta.get("inspection_type", UNKNOWN)), judgement=str(meta.get("judgement", UNKNOWN)),
                matched=doc_id in matched_ids,
            ))
        return tuple(sorted(refs, key=lambda r: (not r.matched, r.authority == UNKNOWN, r.authority, -iso_ord(r.date), r.source)))

    def _chunks(self, doc_id: str) -> tuple[Chunk, ...]:
        store = self.helper.store
        chunks = store.chunks_by_id(store.chunk_ids_for(doc_id), self.documents)
        return tuple(sorted(chunks, key=lambda c: c.start))


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end
