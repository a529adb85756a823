"""Choosing what a brief covers: the reports of a named authority, or for a theme the reports (and their
sentences) that retrieval and the sentence ranker find on topic; and the list of every report searched.

The brief reads the Assistant through its public surface only: documents(), document(), the store's
public reads, the keyword index, the query embedder, the settings and the extractive ranker's rank().
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from assistant.text.findings import candidate_spans
from assistant.answer.evidence import unanswerable_reason
from assistant.answer.profile import profile
from assistant.answer.route import WHOLE_REPORT
from assistant.apps.brief.model import ReportRef
from assistant.apps.brief.report import Event, Report, events_of, history_key
from assistant.core.errors import IndexMissingError
from assistant.core.types import Chunk
from assistant.ingest.dates import ordinal
from assistant.ingest.describe import authorities_in
from assistant.retrieval.hybrid import Scope, retrieve, scope as retrieval_scope
from assistant.index.keyword import KeywordIndex, inverse_document_frequency
from assistant.text import content_terms, squash
from assistant.text.glossary import expand_acronyms, remits_in
from assistant.text.patterns import UNKNOWN

if TYPE_CHECKING:  # pragma: no cover
    from assistant.pipeline import Assistant

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

    def findings_of(self, report: Report, spans: Sequence[tuple[int, int]]) -> list[tuple[str | None, float]]:
        """Each span's kind of finding (None: none) and its probability, read from the sentence vectors stored at
        ingest; a span the index cut otherwise is embedded here."""
        if not spans:
            return []
        stored = {(s.start, s.end): v for s, v in self.helper.store.sentences_in(report.chunks)}
        vectors = [stored.get(span) for span in spans]
        missing = [i for i, v in enumerate(vectors) if v is None]
        if missing:
            text = report.document.text
            embedded = self.helper.embedder.embed_documents([squash(text[spans[i][0]:spans[i][1]]) for i in missing])
            for i, vector in zip(missing, embedded):
                vectors[i] = vector
        return self.helper.extractive.finding_kinds.kinds(np.stack(vectors))

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
            # Words naming the report as a whole ("Wirral inspection", "Wirral overview") leave the note on the authority.
            naming = {x for a in named for x in content_terms(a)} | WHOLE_REPORT
            residual = [t for t in content_terms(topic) if t not in naming]
            if not doc_ids or not residual:
                return Resolved(self._latest_first(doc_ids), None, notes, "authority")
            area = retrieval_scope(self.documents, topic, {})
            area = replace(area, doc_ids=frozenset(doc_ids), searched=len(doc_ids))
        else:
            area = retrieval_scope(self.documents, topic, {})
        matches = self.theme_matches(topic, area)
        if named and not matches:
            # The topic named the authorities the reader wants: a word beside their names that no passage is on
            # ("Wirral council", "Warrington vs Wirral") leaves the note on their reports, not an empty one.
            notes += (f"No passage of the reports on {' and '.join(present)} is on \u201c{topic}\u201d beyond "
                      "the name: the note covers those reports as a whole.",)
            return Resolved(self._latest_first(doc_ids), None, notes, "authority")
        return Resolved(self._latest_first(matches), matches, notes, "theme")

    def _latest_first(self, doc_ids: Iterable[str]) -> tuple[Report, ...]:
        reports = [r for r in (self.report(d) for d in sorted(doc_ids)) if r is not None]
        return tuple(sorted(reports, key=history_key))

    def theme_matches(self, topic: str, area: Scope) -> Spans:
        """Per report, the sentences on topic among those retrieval brings back.

        The ranker is trained to find the one sentence that answers a question, so its probabilities fall
        steeply after the best few; a theme brief wants every on-topic sentence. A report matches when one
        of its sentences clears the ranker's threshold nearly as well as the best, or covers most of the
        topic's term weight (rare terms weigh more; acronyms count as their long forms). A matched report
        contributes those sentences and the other sentences of the same line (a bullet, a paragraph)."""
        brief = self.helper.settings.brief
        keyword = self.helper.keyword_for(self.documents)
        passages = retrieve(
            expand_acronyms(topic), area, self.documents, self.helper.store, keyword,
            self.helper.query_embedder, brief.theme_passages, max(self.helper.settings.candidates, brief.theme_passages),
        )
        remits = remits_in(topic)
        if remits and not any(set(remits) & set(remits_in(p.chunk.text)) for p in passages):
            return {}  # a remit (fostering, care leavers...) no retrieved passage mentions: nothing is on topic
        # The evidence rule `ask` abstains by: a topic sharing no word (or no figure) with any retrieved passage
        # ("Atlantis") has nothing on it, however the ranker orders the passages retrieval had to return.
        if unanswerable_reason(profile(expand_acronyms(topic), lambda term: 1.0), [p.chunk.text for p in passages]):
            return {}
        ranking = self.helper.extractive.rank(topic, passages)
        covers = _Coverage(topic, keyword)
        bar = ranking.threshold
        best = max((r.probability for r in ranking.sentences), default=0.0)
        floor = max(bar, best * self.helper.settings.answer.extra_ratio)
        on_topic: dict[str, dict[int, tuple[int, int, float]]] = {}
        matched_docs: set[str] = set()
        for r in ranking.sentences:
            sentence = r.candidate.sentence
            coverage = covers(sentence.text)
            if r.probability >= bar or coverage >= brief.on_topic_coverage:
                on_topic.setdefault(sentence.doc_id, {}).setdefault(
                    sentence.start, (sentence.start, sentence.end, r.probability))
            if r.probability >= floor or coverage >= brief.on_topic_coverage:
                matched_docs.add(sentence.doc_id)
        matches = {d: spans for d, spans in on_topic.items() if d in matched_docs}
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
        return tuple(sorted(refs, key=lambda r: (not r.matched, r.authority == UNKNOWN, r.authority, -ordinal(r.date), r.source)))

    def _chunks(self, doc_id: str) -> tuple[Chunk, ...]:
        store = self.helper.store
        chunks = store.chunks_by_id(store.chunk_ids_for(doc_id), self.documents)
        return tuple(sorted(chunks, key=lambda c: c.start))


class _Coverage:
    """The share of a topic's term weight (inverse document frequency) that a sentence's terms cover."""

    def __init__(self, topic: str, keyword: KeywordIndex) -> None:
        terms = set(content_terms(expand_acronyms(topic)))
        self.weights = {t: inverse_document_frequency(keyword, t) for t in terms}
        self.total = sum(self.weights.values())

    def __call__(self, sentence: str) -> float:
        if not self.total:
            return 0.0
        found = set(content_terms(expand_acronyms(sentence)))
        return sum(w for t, w in self.weights.items() if t in found) / self.total


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end
