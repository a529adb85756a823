"""Ingest: files -> documents -> chunks -> vectors -> store, one committed document at a time."""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.ingest.boilerplate import SITE_LINES_FILE, SiteLines, furniture_spans, preload_sites, source_host
from assistant.ingest.chunk import chunk_document
from assistant.ingest.corrections import Corrections
from assistant.ingest.describe import describe
from assistant.index.embed import Embedder, require_model, sentence_means
from assistant.core.errors import IndexBusyError, LoadError, StoreError
from assistant.index.keyword import context_line, indexed_text
from assistant.ingest.load import discover, load_document
from assistant.ingest.sentences import document_sentences
from assistant.ingest.space import check_room, reporting_disk_full
from assistant.core.settings import Settings
from assistant.index.chroma import Store
from assistant.core.types import Chunk, Document, FileOutcome, IngestReport, StoredSentence

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
# Embedding several small documents in one call keeps the model's batches full.
_EMBED_GROUP = 256


def ingest_lock(settings: Settings):
    from filelock import FileLock, Timeout

    from assistant.index.client import read_only
    from assistant.index.keyword import server_key

    if read_only(settings):
        raise StoreError(
            f"the index at {settings.index_dir} is read-only: stats and ask work, changing it needs write access"
        )
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    # With a Chroma server the lock is per server (index_dir only holds caches then). It is a local file:
    # ingest into one server from one machine (or one shared index_dir) at a time.
    name = f".ingest-{server_key(settings.chroma_url)}.lock" if settings.chroma_url else ".ingest.lock"
    target = settings.chroma_url or settings.index_dir
    lock = FileLock(str(settings.index_dir / name), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusyError(
            f"another ingest is running on {target} (lock file {lock.lock_file}); try again when it ends"
        ) from None
    return lock


def source_root(settings: Settings) -> Path:
    """Sources (and so document ids) are relative to the folder holding the index, not the working directory."""
    return settings.index_dir.expanduser().resolve().parent


def prepare(
    document: Document, settings: Settings, repeated: frozenset[str] = frozenset()
) -> tuple[Document, list[Chunk]]:
    """Describe and chunk a document, with the user's corrections over what describe read; chunks leave out its
    site furniture (`repeated`: its site's template lines)."""
    # What the loader recorded (the encoding) stays; what describe reads from the text wins on any shared key.
    metadata = {**document.metadata, **describe(document.text, document.title, document.source).as_metadata()}
    metadata = Corrections(settings.index_dir).apply(document.id, metadata)
    document = dataclasses.replace(document, metadata=metadata)
    skip = furniture_spans(document.text, repeated)
    return document, chunk_document(document, settings.chunk_size, settings.chunk_overlap, skip)


def ingest_files(
    paths: Sequence[Path],
    store: Store,
    embedder: Embedder,
    settings: Settings,
    prune: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    require_model(embedder, settings.embed_model)
    root = source_root(settings)
    files, missing = discover(list(paths))
    outcomes = [FileOutcome(str(p), "failed", reason=reason) for p, reason in missing]
    committed = store.documents()
    sites = SiteLines(settings.index_dir / SITE_LINES_FILE)
    preloaded = preload_sites(files, sites, lambda p: load_document(p, settings.max_file_bytes, root))
    pending: list[tuple[Path, Document, list[Chunk]]] = []
    # One copy of each content: a file whose bytes another document (or an earlier file of this run) already
    # holds is reported as that document's duplicate rather than indexed twice.
    # content hash -> (source, doc id) of the report holding it: a later file with the same content is its duplicate
    holders = {str(meta.get("content_hash")): (str(meta.get("source")), doc_id) for doc_id, meta in committed.items()}
    # new doc id -> (doc id, source) of the indexed report whose file is gone and whose content it holds: a rename
    moved: dict[str, tuple[str, str]] = {}
    disk = None if settings.chroma_url else settings.index_dir  # a server's disk is not ours to measure

    def flush() -> None:
        everything = [c for _, _, chunks in pending for c in chunks]
        sentence_rows = [s for _, _, chunks in pending for s in document_sentences(chunks)]
        sentence_vectors = embedder.embed_documents([s.text for s in sentence_rows])
        vectors = chunk_vectors(everything, sentence_rows, sentence_vectors, embedder, settings)
        texts = [c.text for c in everything] + [s.text for s in sentence_rows]
        needed = check_room(disk, texts, vectors.shape[1] if len(everything) else 0)
        with reporting_disk_full(disk, needed):
            for _, document, _ in pending:
                if document.id in committed:  # a changed file: its old chunks go (repair() removed any others)
                    store.delete_document(document.id)
                if document.id in moved:  # its old name goes with it, or both would be retrieved and cited
                    store.delete_document(moved[document.id][0])
            # Written and committed as a group: chunks first, then every commit record in one write.
            hashes = {d.id: d.content_hash for _, d, _ in pending}
            store.add_chunks(everything, vectors, hashes)
            store.add_sentences(sentence_rows, sentence_vectors, hashes)
            store.commit_documents([(document, len(chunks)) for _, document, chunks in pending])
        outcomes.extend(
            FileOutcome(str(path), "indexed", len(chunks), doc_id=document.id) for path, document, chunks in pending
        )
        outcomes.extend(
            FileOutcome(moved[document.id][1], "removed", reason=f"its file was renamed or moved to {path}",
                        doc_id=moved[document.id][0])
            for path, document, _ in pending if document.id in moved
        )
        pending.clear()

    for done, path in enumerate(files, start=1):
        try:
            document = preloaded.pop(path, None) or load_document(path, settings.max_file_bytes, root)
        except LoadError as exc:
            log.warning("skipped %s: %s", path, exc)
            outcomes.append(FileOutcome(str(path), "failed", reason=str(exc)))
        else:
            previous = committed.get(document.id)
            if previous and previous.get("content_hash") == document.content_hash:
                outcomes.append(FileOutcome(str(path), "unchanged", int(previous.get("chunks", 0)), doc_id=document.id))
            elif document.content_hash in holders and (root / holders[document.content_hash][0]).exists():
                # (A holder whose file is gone was moved or renamed: its new name is indexed in its place, below.)
                if previous:  # this file held other content before: that old version is no longer what it holds
                    store.delete_document(document.id)
                first, first_id = holders[document.content_hash]
                outcomes.append(FileOutcome(str(path), "duplicate", reason=f"same content as {first}",
                                            doc_id=document.id, same_as=first_id))
            else:
                source, holder = holders.get(document.content_hash, ("", document.id))
                renamed = holder != document.id and holder in committed  # the holder's file is gone: it was renamed
                if renamed:
                    # Its page lines would count twice towards the site's template, and its corrections are the
                    # new name's, applied as it is described below.
                    sites.forget([holder])
                    Corrections(settings.index_dir).move(holder, document.id, document.source)
                # Known from the length alone, before reading the text's metadata (seconds for a long line) and
                # chunking it: a passage holds at most chunk_size characters.
                limit = settings.limits.chunks_per_document
                refusal = _too_many(len(document.text) // settings.chunk_size, limit, at_least=True)
                if not refusal:
                    document, chunks = prepare(document, settings, sites.repeated(source_host(document.text)))
                    refusal = _too_many(len(chunks), limit)
                if refusal:
                    log.warning("skipped %s: %s", path, refusal)
                    outcomes.append(FileOutcome(str(path), "failed", reason=refusal))
                    if renamed:  # the old entry stays, with its corrections
                        Corrections(settings.index_dir).move(document.id, holder, source)
                else:
                    if renamed:
                        moved[document.id] = (holder, source)
                    holders[document.content_hash] = (document.source, document.id)
                    pending.append((path, document, chunks))
                    if sum(len(c) for _, _, c in pending) >= _EMBED_GROUP:
                        flush()
        if progress:
            progress(done, len(files), str(path))
    if pending:
        flush()
    if prune:
        moved_away = {old for old, _ in moved.values()}  # removed already, beside their new names' outcomes
        removed = _prune(paths, {d: m for d, m in committed.items() if d not in moved_away}, store, root)
        sites.forget(o.doc_id for o in removed if o.doc_id)
        outcomes.extend(removed)
    if sites.sites:
        sites.save()
    return IngestReport(tuple(outcomes))


def chunk_vectors(
    chunks: Sequence[Chunk], sentences: Sequence[StoredSentence], sentence_vectors: np.ndarray, embedder: Embedder,
    settings: Settings,
) -> np.ndarray:
    """The chunks' vectors: encoded (`indexed_text`) or, with "sentence_mean", made from the sentence vectors
    ingest computes anyway, so each text is encoded once (issue 13's ingest speed). The report context
    `indexed_text` puts first is encoded once per document and added with `chunk_context_weight`: without it
    tune accuracy fell from 0.845 to 0.762 (docs/benchmarks.md, 2026-12-04). A chunk holding no whole sentence
    (a cut of one very long sentence) is still encoded."""
    if settings.chunk_vectors == "encode" or not sentences:
        return embedder.embed_documents([indexed_text(c) for c in chunks])
    lines = [context_line(c) for c in chunks]
    distinct = list(dict.fromkeys(lines))
    by_line = dict(zip(distinct, embedder.embed_documents(distinct) * settings.chunk_context_weight))
    context = np.stack([by_line[line] for line in lines])
    vectors, orphans = sentence_means(chunks, sentences, sentence_vectors, context)
    if orphans:
        vectors[orphans] = embedder.embed_documents([indexed_text(chunks[i]) for i in orphans])
    return vectors


def _too_many(chunks: int, limit: int, at_least: bool = False) -> str | None:
    """Refused before embedding: every passage costs an encode while the ingest lock is held (a 5 MB line of
    text made 7,599 passages and held it 13 minutes)."""
    if chunks <= limit:
        return None
    count = f"at least {chunks}" if at_least else str(chunks)
    return f"would make {count} passages, over the limit of {limit} per file (ASSISTANT_LIMITS__CHUNKS_PER_DOCUMENT)"


def indexed_files(store: Store, settings: Settings) -> tuple[list[Path], list[FileOutcome]]:
    """The files of the reports the index holds, to build it again from (reports uploaded in the app or read from
    other folders than the one given), and a "removed" outcome for each report whose file is gone."""
    root = source_root(settings)
    files, gone = [], []
    for doc_id, meta in store.documents().items():
        source = str(meta.get("source", ""))
        if (root / source).is_file():
            files.append(root / source)
        elif source:
            gone.append(FileOutcome(source, "removed", reason="its file is gone: not indexed again", doc_id=doc_id))
    return files, gone


def _prune(paths: Sequence[Path], committed: dict[str, dict], store: Store, root: Path) -> list[FileOutcome]:
    """Remove documents whose file is gone, but only under the folders being ingested."""
    folders = [p.resolve() for p in paths if p.is_dir()]
    removed = []
    for doc_id, meta in committed.items():
        source = str(meta.get("source", ""))
        if not source:
            continue
        location = (root / source).resolve()  # an absolute source stays as it is
        if any(location.is_relative_to(folder) for folder in folders) and not location.exists():
            store.delete_document(doc_id)
            removed.append(FileOutcome(source, "removed", doc_id=doc_id))
    return removed
