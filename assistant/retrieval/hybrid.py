"""Hybrid retrieval: dense (Chroma) + BM25 fused by reciprocal rank, metadata filters that fail closed,
a boost for the reports of an authority the question names, and first place for the few passages holding
an identifier the question quotes."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from assistant.ingest.dates import ISO_DATE, iso_parts
from assistant.ingest.describe import UNKNOWN, authorities_in, flag, report_authorities
from assistant.ingest.sentences import sentence_start
from assistant.index.embed import Embedder
from assistant.core.errors import InputError
from assistant.index.keyword import KeywordIndex
from assistant.index.chroma import Store
from assistant.core.settings import RetrievalSettings
from assistant.core.types import Passage
from assistant.text import content_terms

FILTER_KEYS = ("authority", "inspection_type", "inspectorate", "judgement", "date_from", "date_to", "source")
MODES = ("hybrid", "dense", "bm25", "dense+bm25")
# Identifier-like words: letters and digits mixed (DURDOC287, SC123456), or four or more capitals (CAMHS).
_IDENTIFIER = re.compile(r"\b(?:(?=\w*\d)(?=\w*[A-Za-z])\w{4,}|[A-Z]{4,})\b")


@dataclass(frozen=True)
class Scope:
    """The documents a question may draw on after filters, and what the filters matched."""

    doc_ids: frozenset[str]
    searched: int
    notes: tuple[str, ...] = ()
    named_authorities: tuple[str, ...] = ()
    unknown_authorities: tuple[str, ...] = ()
    filters: Mapping[str, str] = field(default_factory=dict)
    left_out: str | None = None  # the note that the filters leave out every report of an authority named

    def empty_reason(self) -> str | None:
        """Why the filters leave nothing to answer from, when they are the reason."""
        return self.notes[0] if not self.doc_ids and self.notes else self.left_out


def parse_filters(pairs: list[str] | None) -> dict[str, str]:
    """`key=value` strings from the command line into a dict; unknown keys are an InputError."""
    filters: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not value.strip():
            raise InputError(f"filter '{pair}' is not key=value")
        filters[key.strip()] = value.strip()
    check_filters(filters)
    return filters


def check_filters(filters: Mapping[str, Any]) -> None:
    unknown = [k for k in filters if k not in FILTER_KEYS]
    if unknown:
        raise InputError(f"unknown filter key '{unknown[0]}' (known: {', '.join(FILTER_KEYS)})")
    bounds = {key: _date_bound(str(filters[key]), upper=key == "date_to")  # a bad date fails before any search
              for key in ("date_from", "date_to") if key in filters}
    if len(bounds) == 2 and bounds["date_from"] > bounds["date_to"]:
        raise InputError(f"date_from {filters['date_from']} is after date_to {filters['date_to']}")


def _date_bound(value: str, upper: bool) -> int:
    if not ISO_DATE.fullmatch(value.strip()):
        raise InputError(f"date filter '{value}' is not YYYY, YYYY-MM or YYYY-MM-DD")
    parts = iso_parts(value.strip())
    if parts is None:
        raise InputError(f"date filter '{value}' is not a real date")
    year, month, day = parts
    return year * 10000 + (month or (12 if upper else 1)) * 100 + (day or (31 if upper else 1))


def _matches(meta: Mapping[str, Any], key: str, value: str) -> bool:
    wanted = value.strip().lower()
    if key in ("authority", "inspection_type", "source"):
        actual = str(meta.get(key, UNKNOWN)).lower()
        return actual == wanted or (key == "source" and actual.endswith("/" + wanted))
    if key in ("inspectorate", "judgement"):
        return bool(meta.get(flag(key, value)))
    ordinal = int(meta.get("date_ord", 0) or 0)
    if not ordinal:
        return False  # an unknown date is never inside a date range
    bound = _date_bound(value, upper=key == "date_to")
    return ordinal >= bound if key == "date_from" else ordinal <= bound


def scope(documents: Mapping[str, Mapping[str, Any]], question: str, filters: Mapping[str, Any]) -> Scope:
    check_filters(filters)
    selected = dict(documents)
    notes: list[str] = []
    for key, value in filters.items():
        narrowed = {d: m for d, m in selected.items() if _matches(m, key, str(value))}
        if not narrowed:
            notes.append(f"no report matches the filter {key}={value}")
        selected = narrowed
    indexed_authorities = _indexed_authorities(documents)
    named = tuple(authorities_in(question, any_case=True))
    left_out = None
    if filters and named:
        kept = {name for meta in selected.values() for name in report_authorities(meta)}
        excluded = [a for a in named if a in indexed_authorities and a not in kept]
        if excluded:
            left_out = f"the filters leave out every report about {', '.join(excluded)}"
            notes.append(left_out)
    return Scope(
        doc_ids=frozenset(selected),
        searched=len(selected),
        notes=tuple(notes),
        named_authorities=tuple(a for a in named if a in indexed_authorities),
        unknown_authorities=tuple(a for a in named if a not in indexed_authorities),
        filters={k: str(v) for k, v in filters.items()},
        left_out=left_out,
    )


# (generation token, the authorities its documents are about): a question's read of every document's metadata
# cost 0.5 ms at 10k chunks (800 reports out of the CPU's cache after the model call), for what only a commit changes.
_remembered: tuple[str, frozenset[str]] | None = None


def _indexed_authorities(documents: Mapping[str, Mapping[str, Any]]) -> frozenset[str]:
    """The main authority of each committed document, remembered per generation token (index/records.py
    Committed: equal tokens mean equal documents) when the store gave one."""
    global _remembered
    token = getattr(documents, "token", None)
    remembered = _remembered
    if token is not None and remembered is not None and remembered[0] == token:
        return remembered[1]
    authorities = frozenset(str(m.get("authority")) for m in documents.values())
    if token is not None:
        _remembered = (token, authorities)
    return authorities


def retrieve(
    question: str,
    area: Scope,
    documents: Mapping[str, Mapping[str, Any]],
    store: Store,
    keyword: KeywordIndex,
    embedder: Embedder,
    k: int,
    candidates: int,
    mode: str = "hybrid",
    tuning: RetrievalSettings = RetrievalSettings(),
) -> list[Passage]:
    """Passages for the question, best first. "hybrid" fuses three lists by reciprocal rank: chunks by dense
    similarity, chunks by BM25, and the chunks holding the sentences nearest the question (a paraphrase
    matches one sentence better than the whole passage around it)."""
    if not area.doc_ids:
        return []
    filtered = len(area.doc_ids) < len(documents)
    # The keyword index lists every committed chunk with its document: ids are checked, scoped and boosted
    # before any chunk is read, and only the k chosen are (each store read of texts costs a few ms).
    document_of = keyword.document_of
    rankings: list[list[str]] = []
    sentence_search = None
    vector = embedder.embed_query(question) if mode in ("hybrid", "dense", "dense+bm25") else None
    if mode == "hybrid" and tuning.sentence_hits:
        # The two dense searches wait on Chroma, which lets go of the interpreter: side by side they took 2.3-2.7 ms
        # at 10k chunks where one after the other took 3.2-4.3 (docs/benchmarks.md, eighth session).
        sentence_search = _searches().submit(
            store.nearest_sentence_ids, vector, tuning.sentence_hits,
            sorted(area.doc_ids) if filtered else None,
        )
    if mode in ("hybrid", "dense", "dense+bm25"):
        where = {"doc_id": {"$in": sorted(area.doc_ids)}} if filtered else None
        nearest = store.nearest_chunk_ids(vector, candidates, where, document_of)
        rankings.append([chunk_id for chunk_id, _ in nearest])
    if sentence_search is not None:
        hits = sentence_search.result()
        holders = (keyword.chunk_holding(*sentence_start(sentence_id)) for sentence_id in hits)
        rankings.append([chunk_id for chunk_id in dict.fromkeys(holders) if chunk_id is not None])
    if mode in ("hybrid", "bm25", "dense+bm25"):
        rankings.append([i for i, _ in keyword.search(question, candidates, area.doc_ids if filtered else None)])
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (tuning.rrf_k + rank)
    if area.named_authorities:
        # A question that names an authority is about that authority's reports: worth a first place in a third list.
        for chunk_id in fused:
            if documents.get(document_of[chunk_id], {}).get("authority") in area.named_authorities:
                fused[chunk_id] += 1.0 / (tuning.rrf_k + 1)
    # Dense search cannot see a code it never learnt, so a passage holding it is found by BM25 alone and loses
    # in fusion to passages both searches like: first place in every list (and above an authority's boost).
    if mode != "dense":
        lead = (len(rankings) + 1) / (tuning.rrf_k + 1)
        for chunk_id in _identifier_holders(question, keyword, tuning.exact_max_chunks):
            if document_of.get(chunk_id) in area.doc_ids:
                fused[chunk_id] = fused.get(chunk_id, 0.0) + lead
    ordered = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
    chosen = [chunk_id for chunk_id, _ in ordered]
    chunks = {chunk.id: chunk for chunk in store.chunks_by_id(chosen, documents, document_of)}
    kept = [(chunks[chunk_id], score) for chunk_id, score in ordered if chunk_id in chunks]
    return [Passage(chunk, score, rank) for rank, (chunk, score) in enumerate(kept, start=1)]


@lru_cache(maxsize=1)
def _searches() -> ThreadPoolExecutor:
    """The one worker that runs a question's sentence search beside its chunk search (shared by every question:
    a search is a millisecond or two, and a thread each would cost more than it saves)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentence-search")


def _identifier_holders(question: str, keyword: KeywordIndex, most: int) -> list[str]:
    """The ids of the chunks holding an identifier of the question, for identifiers in at most `most` chunks (a
    common acronym such as MASH is no identifier of a passage)."""
    ids: list[str] = []
    for word in _IDENTIFIER.findall(question):
        for term in content_terms(word):
            holders = keyword.postings(term)
            if len(holders) <= most:
                ids.extend(holders)
    return list(dict.fromkeys(ids))


def unmentioned(names: tuple[str, ...], keyword: KeywordIndex, store: Store,
                documents: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """The names that no indexed text contains at all. Metadata may miss an authority a report is about,
    so only the texts themselves can say that no report mentions it."""
    missing = []
    for name in names:
        hits = [chunk_id for chunk_id, _ in keyword.search(name, 20)]
        wanted = name.lower()
        if not any(wanted in chunk.text.lower() or wanted in chunk.title.lower()
                   for chunk in store.chunks_by_id(hits, documents, keyword.document_of)):
            missing.append(name)
    return tuple(missing)
