"""Peak RSS of an incremental ingest into an index the bench built and kept.

    assistant bench --chunks 100000 --workdir /tmp/b --keep
    cp -a /tmp/b/chunks-100000 /tmp/copy     # the probe adds documents: work on a copy
    .venv/bin/python scripts/ingest_rss.py /tmp/copy

Adds a few new synthetic reports (their own folder, seed 99) with the real model, so the peak covers what
any later `assistant ingest` pays at that size: model load, the repair check, embedding, and the BM25
rebuild over the whole index. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from assistant.bench import synth
from assistant.bench.measure import MIB, PeakRSS
from assistant.bench.phases import bench_settings
from assistant.index.embed import make_embedder
from assistant.pipeline import Assistant


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="a kept bench size folder (holding index/ and corpus/)")
    parser.add_argument("--chunks", type=int, default=60, help="chunks of new reports to add (default 60)")
    args = parser.parse_args()
    if not (args.dir / "index").is_dir():
        parser.error(f"{args.dir} holds no index/ folder: pass a size folder kept by `assistant bench --keep`")
    settings = bench_settings(args.dir)
    extra = args.dir / "extra"
    synth.generate(extra, args.chunks, 99, settings.chunk_size, settings.chunk_overlap)
    with PeakRSS() as rss:
        embedder = make_embedder(settings.embed_model, settings.embed_batch_size)
        helper = Assistant(settings, embedder=embedder)
        started = time.perf_counter()
        report = helper.ingest([extra])
        took = time.perf_counter() - started
    print(json.dumps({"indexed": report.count("indexed"), "chunks": helper.store.count(),
                      "ingest_s": round(took, 1), "peak_rss_mib": round(rss.peak / MIB, 1)}))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
