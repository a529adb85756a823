"""Wiring only: the Assistant object ties settings, embedder, store, keyword index and answerer together."""
from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from assistant.answer.extractive import ExtractiveGenerator, coverage_gap, Generator, LLMGenerator, make_chat_model
from assistant.answer.cite import render, verify
from assistant.retrieval.condense import llm_rewrite, rule_rewrite
from assistant.text.glossary import expand_acronyms
from assistant.index.embed import CachedEmbedder, Embedder, make_embedder, require_model
from assistant.core.errors import IndexMissingError, InputError
from assistant.ingest.run import Progress, ingest_files, ingest_lock
from assistant.index.keyword import KeywordIndex, cache_dir, inverse_document_frequency, state_of
from assistant.answer.overview import is_overview_question, overview
from assistant.retrieval.hybrid import Scope, retrieve, scope
from assistant.core.settings import Settings, load_settings
from assistant.index.chroma import ChromaStore, chunks_of
from assistant.core.types import Answer, Document, IngestReport, Passage, Sentence, Turn

MAX_QUESTION_CHARS = 2000


class Assistant:
    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, chat_model: Any | None = None
    ) -> None:
        self.settings = settings
        if embedder is not None:
            require_model(embedder, settings.embed_model)
        self.embedder = embedder or make_embedder(settings.embed_model, settings.embed_batch_size)
        # Questions and candidate sentences go through a cache; ingest encodes each chunk once and needs none.
        self.query_embedder = CachedEmbedder(self.embedder)
        self.store = ChromaStore(settings)
        self._keyword: KeywordIndex | None = None
        self._keyword_lock = threading.Lock()
        self._texts: dict[str, str] = {}  # document texts, cleared whenever the index changes
        if chat_model is None and settings.llm_configured:
            chat_model = make_chat_model(settings.llm_base_url, settings.llm_model or "", settings.llm_api_key)
        self.chat_model = chat_model
        self.extractive = ExtractiveGenerator(self.query_embedder, idf=lambda term: inverse_document_frequency(self.keyword, term))
        self.generator: Generator = LLMGenerator(chat_model, self.extractive) if chat_model else self.extractive

    @classmethod
    def open(cls, settings: Settings | None = None, **kwargs: Any) -> "Assistant":
        return cls(settings or load_settings(), **kwargs)

    @property
    def keyword_dir(self) -> Path:
        return cache_dir(self.settings)  # keyed by the Chroma server's address too, in server mode

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
            if rebuild:
                self.store.drop()
            self.store.repair()
            report = ingest_files(targets, self.store, self.embedder, self.settings, prune, progress)
            self.refresh_keyword_index()
            return report
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

    def refresh_keyword_index(self) -> KeywordIndex:
        """Load the BM25 index, rebuilding it from Chroma when it is missing, damaged or out of step."""
        with self._keyword_lock:
            state = state_of(self.store.documents())
            index = self._keyword if self._keyword and self._keyword.state == state else None
            if index is None:
                index = KeywordIndex.load(self.keyword_dir)
            if index is None or index.state != state:
                index = KeywordIndex.build(self.store.iter_chunks(), state)
                index.save(self.keyword_dir)
            if self._keyword is None or self._keyword.state != index.state:
                self._texts = {}
            self._keyword = index
            return index

    @property
    def keyword(self) -> KeywordIndex:
        return self._keyword or self.refresh_keyword_index()

    def keyword_for(self, documents: Mapping[str, Mapping[str, Any]]) -> KeywordIndex:
        """The BM25 index in step with these committed documents: another process (a CLI ingest, another
        app on the same Chroma server) may have changed the collection since this one was loaded."""
        current = self._keyword
        if current is not None and current.state == state_of(documents):
            return current
        return self.refresh_keyword_index()

    def documents(self) -> dict[str, dict[str, Any]]:
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
            "authorities": dict(sorted(authorities.items())),
            "inspection_types": dict(sorted(Counter(str(m.get("inspection_type")) for m in documents.values()).items())),
        }

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
        question = _checked_question(question)
        if isinstance(history, (str, bytes)) or not isinstance(history, Iterable):
            raise InputError("history must be a list of {role, content} objects")
        turns = [_turn(t) for t in history]
        standalone = llm_rewrite(question, turns, self.chat_model) if self.chat_model else rule_rewrite(question, turns)
        documents = self.store.documents()
        if not documents:
            raise IndexMissingError()
        keyword = self.keyword_for(documents)
        area = scope(documents, standalone, filters or {})
        retrieve_started = time.perf_counter()
        if is_overview_question(standalone) and not area.named_authorities:
            retrieved, draft = overview(
                standalone, {d: documents[d] for d in area.doc_ids}, self.store.document,
                lambda doc_id: chunks_of(self.store, doc_id),
            )
        else:
            retrieved = retrieve(
                expand_acronyms(standalone), area, documents, self.store, keyword, self.query_embedder,
                k or self.settings.top_k, self.settings.candidates, mode,
            )
            draft = None
        answer_started = time.perf_counter()
        reason = _coverage_gap(standalone, area, retrieved, keyword.knows)
        sentences: tuple[Sentence, ...] = ()
        citations: tuple = ()
        if not reason and retrieved:
            drafts = [draft] if draft is not None else [self.generator.generate(standalone, retrieved)]
            if draft is None and self.generator is not self.extractive and drafts[0]:
                drafts.append(None)  # a model whose citations all fail the check falls back to quoting
            for proposal in drafts:
                proposal = self.extractive.generate(standalone, retrieved) if proposal is None else proposal
                sentences, citations = verify(proposal, retrieved, self._document_texts(retrieved))
                if sentences:
                    break
        finished = time.perf_counter()
        timings = {
            "retrieve": (answer_started - retrieve_started) * 1000,
            "answer": (finished - answer_started) * 1000,
            "total": (finished - started) * 1000,
        }
        notes = area.notes + (f"searched {area.searched} of {len(documents)} reports",)
        if not sentences:
            return Answer(
                question=question, standalone_question=standalone, abstained=True,
                answer=_abstention(reason), retrieved=tuple(retrieved), timings_ms=timings, id=id, notes=notes,
            )
        return Answer(
            question=question, standalone_question=standalone, answer=render(sentences), abstained=False,
            sentences=sentences, citations=citations, retrieved=tuple(retrieved), timings_ms=timings, id=id,
            notes=notes,
        )

    def _document_texts(self, passages: Sequence[Passage]) -> dict[str, str]:
        doc_ids = {p.chunk.doc_id for p in passages}
        for doc_id in doc_ids - self._texts.keys():
            document = self.store.document(doc_id)
            if document is not None:
                self._texts[doc_id] = document.text
        return {d: self._texts[d] for d in doc_ids if d in self._texts}


def _checked_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return " ".join(question.split())


def _turn(turn: Turn | Mapping[str, str]) -> Turn:
    if isinstance(turn, Turn):
        return turn
    if not isinstance(turn, Mapping):
        raise InputError("history entries must be objects with 'role' and 'content'")
    role, content = turn.get("role"), turn.get("content")
    if role not in ("user", "assistant") or not isinstance(content, str):
        raise InputError("history entries need role 'user' or 'assistant' and text content")
    return Turn(role, content)


def _coverage_gap(question: str, area: Scope, retrieved: Sequence[Passage], known_term) -> str | None:
    """A reason the reports cannot answer, found before any sentence is scored."""
    if not area.doc_ids:
        return area.notes[0] if area.notes else "no report is in scope"
    if area.unknown_authorities and not area.named_authorities:
        return f"no indexed report is about {', '.join(area.unknown_authorities)}"
    if area.named_authorities:
        # Answers to a question naming an authority come from its reports: so must the specifics.
        retrieved = [p for p in retrieved if p.chunk.metadata.get("authority") in area.named_authorities]
    return coverage_gap(question, retrieved, known_term)


def _abstention(reason: str | None) -> str:
    detail = f" ({reason})" if reason else ""
    return f"The indexed reports do not answer this question{detail}."
