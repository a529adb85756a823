"""The bench's subprocess phases: each corpus size is ingested, queried and cold-started in fresh processes,
so peak RSS and cold-start numbers belong to that size alone. `python -m assistant.bench.run child ...`
runs one phase and prints its result as one JSON line."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from assistant.bench.measure import MIB, PeakRSS, TimedEmbedder, disk_bytes, percentiles
from assistant.core.errors import AssistantError

DEFAULT_QUERIES = 60
DEFAULT_ENCODE_SAMPLE = 5000


class BenchError(AssistantError):
    """A benchmark step failed."""


def bench_settings(workdir: Path):
    """Settings of one bench size folder (index/, corpus/, data/): the bench's children and scripts/ingest_rss.py."""
    from assistant.core.settings import load_settings

    return load_settings(index_dir=workdir / "index", corpus_dir=workdir / "corpus", data_dir=workdir / "data")


def child_ingest(workdir: Path, chunks: int, seed: int, encode_sample: int) -> dict[str, Any]:
    """Generate the corpus, time raw model.encode on (a sample of) the chunk texts, then time ingest."""
    from assistant.bench import synth
    from assistant.index.embed import make_embedder
    from assistant.ingest.run import prepare
    from assistant.index.keyword import indexed_text
    from assistant.ingest.load import discover, load_document
    from assistant.pipeline import Assistant

    settings = bench_settings(workdir)
    corpus = settings.corpus_dir
    result: dict[str, Any] = {}
    with PeakRSS() as rss:
        started = time.perf_counter()
        manifest = synth.generate(corpus, chunks, seed, settings.chunk_size, settings.chunk_overlap)
        result["generate_s"] = round(time.perf_counter() - started, 3)
        result["documents"] = manifest["documents"]

        started = time.perf_counter()
        embedder = make_embedder(settings.embed_model, settings.embed_batch_size)
        embedder.embed_query("warm up")
        result["model_load_s"] = round(time.perf_counter() - started, 3)

        # The texts ingest will embed (same loader, describer, chunker and indexed_text), from every
        # stride-th file only: holding all 100k texts here would count in ingest's peak RSS.
        started = time.perf_counter()
        files, _ = discover([corpus])
        stride = max(1, manifest["chunks"] // encode_sample) if encode_sample else 1
        sample = [
            indexed_text(c)
            for f in files[::stride]
            for c in prepare(load_document(f, settings.max_file_bytes), settings)[1]
        ]
        if encode_sample and len(sample) > encode_sample:
            step = len(sample) / encode_sample
            sample = [sample[int(i * step)] for i in range(encode_sample)]
        result["prepare_s"] = round(time.perf_counter() - started, 3)
        encoded = len(sample)
        model = getattr(embedder, "model", None)
        started, cpu_started = time.perf_counter(), time.process_time()
        if model is not None and hasattr(model, "encode"):
            model.encode(sample, batch_size=settings.embed_batch_size, normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=False)
        else:  # a non-sentence-transformers embedder: its own batch call is the raw speed
            embedder.embed_documents(sample)
        encode_s, encode_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        result.update({"encode_texts": encoded, "encode_s": round(encode_s, 3),
                       "encode_cpu_s": round(encode_cpu, 3),
                       "encode_sentences_per_s": round(encoded / encode_s, 2)})

        timed = TimedEmbedder(embedder)
        helper = Assistant(settings, embedder=timed)
        started, cpu_started = time.perf_counter(), time.process_time()
        report = helper.ingest([corpus])
        ingest_s, ingest_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if not report.ok:
            raise BenchError(f"ingest failed for {len(report.failed)} files: {report.failed[0].reason}")
        stored = helper.store.count()
        result.update({
            "chunks": stored, "ingest_s": round(ingest_s, 3),
            "ingest_chunks_per_s": round(stored / ingest_s, 2),
            "ingest_embed_s": round(timed.seconds, 3),
            # Texts ingest encoded (sentences, and chunks or context lines as chunk_vectors says) per stored chunk.
            "chunk_vectors": settings.chunk_vectors,
            "ingest_texts_per_chunk": round(timed.texts / max(stored, 1), 2),
            "ingest_other_s": round(ingest_s - timed.seconds, 3),
            "ingest_vs_encode": round((stored / ingest_s) / (encoded / encode_s), 3),
            # CPU seconds of this process: less sensitive than wall time to other load on a shared machine.
            "ingest_cpu_s": round(ingest_cpu, 3),
            "ingest_vs_encode_cpu": round((stored / ingest_cpu) / (encoded / encode_cpu), 3),
            "index_disk_mib": round(disk_bytes(settings.index_dir) / MIB, 1),
        })
        if manifest["chunks"] != stored:
            result["note"] = f"the generator wrote {manifest['chunks']} chunks but the index holds {stored}"
    result["ingest_peak_rss_mib"] = round(rss.peak / MIB, 1)
    return result


def child_query(workdir: Path, queries: int, seed: int, cold_only: bool, offset: int) -> dict[str, Any]:
    """Cold: open the assistant and answer one question. Warm: the next questions, then LangChain's query."""
    from assistant.bench import synth
    from assistant.pipeline import Assistant

    settings = bench_settings(workdir)
    manifest = json.loads((settings.corpus_dir / synth.MANIFEST).read_text(encoding="utf-8"))
    questions = synth.questions(manifest, queries + offset + 1, seed)[offset:]
    result: dict[str, Any] = {}
    with PeakRSS() as rss:
        started = time.perf_counter()
        helper = Assistant.open(settings)
        opened = time.perf_counter()
        helper.ask(questions[0])
        answered = time.perf_counter()
        result.update({"open_ms": round((opened - started) * 1000, 2),
                       "first_query_ms": round((answered - opened) * 1000, 2),
                       "cold_ms": round((answered - started) * 1000, 2)})
        if not cold_only:
            from assistant.eval.baseline import LangChainBaseline

            baseline = LangChainBaseline.over_collection(
                helper.store.client, helper.store.chunk_collection_name, helper.embedder, settings.top_k
            )
            baseline.ask(questions[0])  # its first call sets up the LangChain wrapper
            totals, retrieves, theirs = [], [], []
            # Ours and the baseline alternate question by question, so load from other processes hits both alike.
            for question in questions[1:]:
                began = time.perf_counter()
                answer = helper.ask(question)
                totals.append((time.perf_counter() - began) * 1000)
                retrieves.append(float(answer.timings_ms.get("retrieve", 0.0)))
                began = time.perf_counter()
                baseline.ask(question)
                theirs.append((time.perf_counter() - began) * 1000)
            result["warm_ms"] = percentiles(totals)
            result["warm_retrieve_ms"] = percentiles(retrieves)
            result["baseline_ms"] = percentiles(theirs)
    result["query_peak_rss_mib"] = round(rss.peak / MIB, 1)
    return result


def child_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.bench.run child")
    parser.add_argument("phase", choices=("ingest", "query", "cold"))
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queries", type=int, default=DEFAULT_QUERIES)
    parser.add_argument("--encode-sample", type=int, default=DEFAULT_ENCODE_SAMPLE)
    parser.add_argument("--offset", type=int, default=0)
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.ERROR)
    try:
        if args.phase == "ingest":
            result = child_ingest(args.dir, args.chunks, args.seed, args.encode_sample)
        else:
            result = child_query(args.dir, args.queries, args.seed, args.phase == "cold", args.offset)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0
