"""Bench results as a rich table and as a Markdown block kept up to date inside a hand-written page."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

COLUMNS = (
    ("chunks", "chunks", "{:.0f}"),
    ("documents", "docs", "{:.0f}"),
    ("ingest_chunks_per_s", "ingest chunks/s", "{:.1f}"),
    ("encode_sentences_per_s", "raw encode sent/s", "{:.1f}"),
    ("ingest_vs_encode", "ingest/encode", "{:.2f}"),
    ("ingest_vs_encode_cpu", "ingest/encode (CPU s)", "{:.2f}"),
    ("chunk_vectors", "chunk vectors", "{}"),
    ("ingest_texts_per_chunk", "ingest: texts encoded per chunk", "{:.2f}"),
    ("ingest_embed_s", "ingest: embedding s", "{:.0f}"),
    ("ingest_other_s", "ingest: everything else s", "{:.0f}"),
    ("warm_ms.p50", "warm p50 ms", "{:.0f}"),
    ("warm_ms.p95", "warm p95 ms", "{:.0f}"),
    ("warm_ms.p99", "warm p99 ms", "{:.0f}"),
    ("warm_retrieve_ms.p50", "retrieve p50 ms", "{:.0f}"),
    ("baseline_ms.p50", "LangChain p50 ms", "{:.0f}"),
    ("warm_p50_vs_baseline", "p50 / LangChain", "{:.2f}"),
    ("cold_ms.p50", "cold p50 ms", "{:.0f}"),
    ("cold_ms.p95", "cold p95 ms", "{:.0f}"),
    ("cold_ms.p99", "cold p99 ms", "{:.0f}"),
    ("ingest_peak_rss_mib", "ingest RSS MiB", "{:.0f}"),
    ("query_peak_rss_mib", "query RSS MiB", "{:.0f}"),
)


def _cell(row: dict[str, Any], key: str, fmt: str) -> str:
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "–" if value is None else fmt.format(value)


def print_table(result: dict[str, Any], console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title="assistant bench")
    table.add_column("metric")
    sizes = result["sizes"]
    for n in sizes:
        table.add_column(f"{int(n):,}", justify="right")
    for key, label, fmt in COLUMNS:
        table.add_row(label, *[_cell(row, key, fmt) for row in sizes.values()])
    console.print(table)
    help_ = result.get("help", {})
    console.print(f"assistant --help: {help_.get('median_s', '–')} s (median of {help_.get('runs', 0)})")
    for name, entry in result.get("targets", {}).items():
        colour = {"met": "green", "missed": "red"}.get(entry["status"], "yellow")
        console.print(f"target {name}: [{colour}]{entry['status']}[/] (value {entry.get('value')})", highlight=False)


def render_markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores ({m['physical_cores']} physical), "
        f"{m['ram_gib']} GiB RAM; Python {m['python']}, torch {m['torch']}, sentence-transformers "
        f"{m['sentence_transformers']}, chromadb {m['chromadb']}, bm25s {m['bm25s']}; {m['platform']}.",
        f"Load average at start {m['load_average_start']}, at end {m.get('load_average_end')}; seed "
        f"{result['seed']}, {result['queries']} warm queries and {result['cold_runs']} cold starts per size, raw "
        f"encode on up to {result['encode_sample']} of the chunk texts; total {result.get('total_s')} s.",
        "",
        "| metric | " + " | ".join(f"{int(n):,} chunks" for n in result["sizes"]) + " |",
        "|---|" + "---:|" * len(result["sizes"]),
    ]
    for key, label, fmt in COLUMNS:
        lines.append(f"| {label} | " + " | ".join(_cell(r, key, fmt) for r in result["sizes"].values()) + " |")
    help_ = result.get("help", {})
    lines += ["", f"`assistant --help`: {help_.get('median_s')} s (median of {help_.get('runs')} runs).", "",
              "| target | value | status |", "|---|---|---|"]
    for name, entry in result.get("targets", {}).items():
        value = entry.get("value")
        if entry.get("value_cpu_time"):
            value = f"{value} (by CPU time: {entry['value_cpu_time']})"
        if entry.get("measured_instead"):
            value = f"{value} ({entry['measured_instead']})"
        lines.append(f"| {name} | {value} | {entry['status']} |")
    return "\n".join(lines) + "\n"


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def write_markdown(path: Path, result: dict[str, Any]) -> None:
    """Replace the generated block between the bench markers (or create the file); prose around it stays."""
    block = f"{BEGIN}\n{render_markdown(result)}{END}"
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
