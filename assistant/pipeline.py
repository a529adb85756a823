"""Wiring only: the Assistant ties settings, embedder, store, keyword index, ranker and generators together."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from assistant.answer.cite import render
from assistant.answer.coverage import uncovered_sides
from assistant.answer.evidence import unanswerable_reason
from assistant.answer.profile import profile
from assistant.answer.extractive import ExtractiveGenerator
from assistant.answer.llm import Generator, LLMGenerator, make_chat_model
from assistant.answer.ranker import DEFAULT_MODEL
from assistant.answer.respond import respond
from assistant.core.errors import IndexMissingError
from assistant.core.inputs import checked_filters, checked_history, checked_k, checked_question
from assistant.core.settings import Settings, load_settings
from assistant.core.types import Answer, Document, FileOutcome, IngestReport, Passage, Turn
from assistant.index.chroma import ChromaStore, Store
from assistant.index.embed import CachedEmbedder, Embedder, make_embedder, require_model
from assistant.index.keyword import KeywordCache, KeywordIndex, cache_dir, inverse_document_frequency
from assistant.ingest.corrections import Corrections, correct_stored
from assistant.ingest.run import Progress, indexed_files, ingest_files, ingest_lock
from assistant.retrieval.condense import llm_rewrite, rule_rewrite
from assistant.retrieval.hybrid import retrieve, scope, unmentioned
from assistant.text.glossary import expand_acronyms


class Assistant:
    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, chat_model: Any | None = None,
        store: Store | None = None,
    ) -> None:
        self.settings = settings
        if embedder is not None:
            require_model(embedder, settings.embed_model)
        self.embedder = embedder or make_embedder(settings.embed_model, settings.embed_batch_size)
        # Questions go through a cache: retrieval and the ranker both need the question's vector.
        self.query_embedder = CachedEmbedder(self.embedder)
        self.store: Store = store if store is not None else ChromaStore(settings)
        self.keywords = KeywordCache(self.store, cache_dir(settings))
        if chat_model is None and settings.llm_configured:
            chat_model = make_chat_model(settings.llm_base_url, settings.llm_model or "", settings.llm_api_key)
        self.chat_model = chat_model
        self.extractive = ExtractiveGenerator(
            self.query_embedder,
            sentence_source=self.store.sentences_in,
            idf=lambda term: inverse_document_frequency(self.keyword, term),
            ranker_path=settings.answer.ranker_path or DEFAULT_MODEL,
            settings=settings.answer,
        )
        self.generator: Generator = LLMGenerator(chat_model, self.extractive) if chat_model else self.extractive

    @classmethod
    def open(cls, settings: Settings | None = None, **kwargs: Any) -> "Assistant":
        return cls(settings or load_settings(), **kwargs)

    @property
    def keyword_dir(self) -> Path:
        return self.keywords.folder

    @property
    def keyword(self) -> KeywordIndex:
        return self.keywords.current()

    def refresh_keyword_index(self) -> KeywordIndex:
        return self.keywords.refresh()

    def ingest(
        self,
        paths: Sequence[Path | str] | None = None,
        rebuild: bool = False,
        prune: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        targets = [Path(p) for p in paths] if paths else [self.settings.corpus_dir]
        lock = ingest_lock(self.settings)
        try:
            gone: list[FileOutcome] = []
            if rebuild:  # built again from every report it held, not only from `paths`
                held, gone = indexed_files(self.store, self.settings)
                targets += held
                self.store.drop()
            self.store.repair()
            report = ingest_files(targets, self.store, self.embedder, self.settings, prune, progress)
            self.refresh_keyword_index()
            return IngestReport(report.outcomes + tuple(gone))
        finally:
            lock.release()

    def delete(self, doc_id: str) -> bool:
        lock = ingest_lock(self.settings)
        try:
            if doc_id not in self.store.documents():
                return False
            self.store.delete_document(doc_id)
            self.refresh_keyword_index()
            return True
        finally:
            lock.release()

    def correct(self, report: str, field: str, value: str | None) -> Document:
        """Correct one metadata field of an indexed report (by id or file name), or with `value` None forget its
        correction (the field is as read from the text again); returns the report as now stored."""
        document = correct_stored(self.store, self.settings, report, field, value)
        self.refresh_keyword_index()  # the authority and inspection type are part of what BM25 indexes
        return document

    def keyword_for(self, documents: Mapping[str, Mapping[str, Any]]) -> KeywordIndex:
        return self.keywords.current(documents)

    def documents(self) -> dict[str, Mapping[str, Any]]:
        return self.store.documents()

    def document(self, doc_id: str) -> Document | None:
        return self.store.document(doc_id)

    def stats(self) -> dict[str, Any]:
        documents = self.store.documents()
        authorities = Counter(str(meta.get("authority", "unknown")) for meta in documents.values())
        return {
            "documents": len(documents),
            # Committed chunks only: leftovers of an interrupted ingest are not part of the index.
            "chunks": sum(int(meta.get("chunks", 0)) for meta in documents.values()),
            "model": self.settings.embed_model,
            "index": self.settings.chroma_url or str(self.settings.index_dir),
            "collection": self.store.chunk_collection_name,
            "chunk_size": self.settings.chunk_size,
            "chunk_overlap": self.settings.chunk_overlap,
            "ranker": self.extractive.ranker.training_data[:12],
            "authorities": dict(sorted(authorities.items())),
            "inspection_types": dict(sorted(Counter(str(m.get("inspection_type")) for m in documents.values()).items())),
            "encodings": dict(sorted(Counter(str(m.get("encoding", "n/a")) for m in documents.values()).items())),
            "corrections": Corrections(self.settings.index_dir).summary(),
        }

    def standalone(self, question: str, turns: Sequence[Turn]) -> str:
        return llm_rewrite(question, turns, self.chat_model) if self.chat_model else rule_rewrite(question, turns)

    def ask(
        self,
        question: str,
        history: Iterable[Turn | Mapping[str, str]] = (),
        filters: Mapping[str, Any] | None = None,
        k: int | None = None,
        id: str | None = None,
        mode: str = "hybrid",
    ) -> Answer:
        started = time.perf_counter()
        question = checked_question(question)
        turns = checked_history(history, self.settings.limits)
        k = checked_k(k, self.settings.top_k)
        filters = checked_filters(filters)
        standalone = self.standalone(question, turns)
        documents = self.store.documents()
        if not documents:
            raise IndexMissingError()
        keyword = self.keyword_for(documents)
        area = scope(documents, standalone, filters)
        retrieve_started = time.perf_counter()
        missing = () if area.named_authorities else unmentioned(area.unknown_authorities, keyword, self.store, documents)
        retrieved: list[Passage] = []
        if area.doc_ids and not missing:
            retrieved = retrieve(
                expand_acronyms(standalone), area, documents, self.store, keyword, self.query_embedder,
                k, self.settings.candidates, mode, self.settings.retrieval,
            )
        answer_started = time.perf_counter()
        asked = profile(standalone, self.extractive.idf)
        reason = unanswerable_reason(asked, [p.chunk.text for p in retrieved], scoped=bool(filters))
        sentences, citations = (), ()
        if reason is None:
            sentences, citations = respond(
                standalone, retrieved, self.generator, self.extractive,
                self.store.document_texts({p.chunk.doc_id for p in retrieved}, documents),
            )
        if retrieved and self.settings.retrieval.rerank:
            retrieved = self.extractive.reranked(standalone, retrieved)
        finished = time.perf_counter()
        timings = {
            "retrieve": (answer_started - retrieve_started) * 1000,
            "answer": (finished - answer_started) * 1000,
            "total": (finished - started) * 1000,
        }
        notes = area.notes + (f"searched {area.searched} of {len(documents)} reports",)
        common = dict(question=question, standalone_question=standalone, retrieved=tuple(retrieved),
                      timings_ms=timings, id=id, notes=notes)
        if not sentences:
            reason = f"no indexed report mentions {', '.join(missing)}" if missing else area.empty_reason() or reason
            return Answer(answer=_abstention(reason), abstained=True, **common)
        uncovered = uncovered_sides(asked, citations, documents, retrieved)
        return Answer(answer=" ".join((render(sentences), *uncovered)), abstained=False, sentences=sentences,
                      citations=citations, uncovered=uncovered, **common)


def _abstention(reason: str | None) -> str:
    detail = f" ({reason})" if reason else ""
    return f"The indexed reports do not answer this question{detail}."
