"""Evaluation reports: Markdown and a self-contained HTML page (per-metric bars, failing questions)."""
from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from assistant.eval.metrics import LOWER_IS_BETTER, METRICS
from assistant.eval.scoring import Evaluation, Row

FAIL_ANSWER_CHARS = 240


def metric_rows(evaluations: Sequence[Evaluation]) -> list[tuple[str, list[Any]]]:
    """(metric, [value per system]) in display order."""
    return [(name, [e.summary.get(name) for e in evaluations]) for name in METRICS]


def _fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "n/a"
    if key.startswith("latency"):
        return f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def chart_png(evaluations: Sequence[Evaluation]) -> bytes:
    """Grouped bars: one group per metric, one bar per system, the value above each bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = metric_rows(evaluations)
    systems = [e.system for e in evaluations]
    width = 0.8 / max(len(systems), 1)
    fig, ax = plt.subplots(figsize=(max(8.0, len(rows) * (0.35 + 0.22 * len(systems))), 5.0), dpi=100)
    colours = plt.get_cmap("tab10")
    for s, system in enumerate(systems):
        positions = [i + (s - (len(systems) - 1) / 2) * width for i in range(len(rows))]
        values = [vals[s] if vals[s] is not None else 0.0 for _, vals in rows]
        bars = ax.bar(positions, values, width=width, label=system, color=colours(s % 10))
        for bar, (_, vals) in zip(bars, rows):
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.015, _fmt(vals[s]),
                    ha="center", va="bottom", fontsize=6, rotation=90)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{name}\n(lower is better)" if name in LOWER_IS_BETTER else name for name, _ in rows],
                       rotation=35, ha="right", fontsize=8)
    ax.set_ylim(0, 1.18)
    ax.set_ylabel("score")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(systems), 5), fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _failing(evaluation: Evaluation) -> list[Row]:
    # Wrong answers first, then rows that are right but have retrieval or citation problems.
    return sorted(evaluation.failing, key=lambda r: (r.correct, r.id))


def _header(meta: dict[str, Any]) -> list[str]:
    return [f"{key}: {value}" for key, value in meta.items() if value not in (None, "", [])]


def render_markdown(evaluations: Sequence[Evaluation], meta: dict[str, Any], image: str | None = None) -> str:
    lines = ["# Evaluation report", ""]
    lines += [f"- {line}" for line in _header(meta)] + [""]
    lines += ["| metric | " + " | ".join(e.system for e in evaluations) + " |",
              "|---|" + "---:|" * len(evaluations)]
    for name, values in metric_rows(evaluations):
        label = f"{name} (lower is better)" if name in LOWER_IS_BETTER else name
        lines.append(f"| {label} | " + " | ".join(_fmt(v) for v in values) + " |")
    for key in ("questions", "answerable", "unanswerable", "errors", "latency_ms_p50"):
        lines.append(f"| {key} | " + " | ".join(_fmt(e.summary.get(key), key) for e in evaluations) + " |")
    lines.append("")
    if image:
        lines += [f"![per-metric bars]({image})", ""]
    lines += ["Metric definitions:", ""] + [f"- **{k}**: {v}" for k, v in METRICS.items()] + [""]
    for evaluation in evaluations:
        for note in evaluation.notes:
            lines.append(f"- note ({evaluation.system}): {note}")
    for evaluation in evaluations:
        failing = _failing(evaluation)
        lines += ["", f"## Failing questions: {evaluation.system} ({len(failing)} of {len(evaluation.rows)})", ""]
        if not failing:
            lines.append("None.")
            continue
        lines += ["| id | question | correct | reasons | answer |", "|---|---|---|---|---|"]
        for row in failing:
            lines.append("| " + " | ".join(_md_cell(x) for x in (
                row.id, row.question, "yes" if row.correct else "no", "; ".join(row.reasons),
                _short(row.answer))) + " |")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= FAIL_ANSWER_CHARS else text[: FAIL_ANSWER_CHARS - 1] + "…"


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#222;
padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3} tr.wrong td{background:#fff4f4}
img{max-width:100%} .meta{color:#555;font-size:.9rem} details{margin:.5rem 0}
"""


def render_html(evaluations: Sequence[Evaluation], meta: dict[str, Any], png: bytes | None) -> str:
    e = html.escape
    out = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Evaluation report</title>",
           f"<style>{_STYLE}</style></head><body><h1>Evaluation report</h1><ul class='meta'>"]
    out += [f"<li>{e(line)}</li>" for line in _header(meta)]
    out.append("</ul><h2>Summary</h2><table><tr><th>metric</th>")
    out += [f"<th>{e(ev.system)}</th>" for ev in evaluations]
    out.append("</tr>")
    for name, values in metric_rows(evaluations):
        label = f"{name} (lower is better)" if name in LOWER_IS_BETTER else name
        out.append(f"<tr><td title='{e(METRICS[name], quote=True)}'>{e(label)}</td>")
        out += [f"<td class='num'>{e(_fmt(v))}</td>" for v in values]
        out.append("</tr>")
    for key in ("questions", "answerable", "unanswerable", "errors", "latency_ms_p50"):
        out.append(f"<tr><td>{e(key)}</td>" + "".join(
            f"<td class='num'>{e(_fmt(ev.summary.get(key), key))}</td>" for ev in evaluations) + "</tr>")
    out.append("</table>")
    if png:
        out.append(f"<h2>Per-metric bars</h2><img alt='per-metric bars' "
                   f"src='data:image/png;base64,{base64.b64encode(png).decode('ascii')}'>")
    out.append("<details><summary>Metric definitions</summary><ul>")
    out += [f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in METRICS.items()]
    out.append("</ul></details>")
    notes = [(ev.system, n) for ev in evaluations for n in ev.notes]
    if notes:
        out.append("<ul>" + "".join(f"<li>note ({e(s)}): {e(n)}</li>" for s, n in notes) + "</ul>")
    for ev in evaluations:
        failing = _failing(ev)
        out.append(f"<h2>Failing questions: {e(ev.system)} ({len(failing)} of {len(ev.rows)})</h2>")
        if failing:
            out.append("<table><tr><th>id</th><th>question</th><th>correct</th><th>reasons</th><th>answer</th></tr>")
            for row in failing:
                out.append(
                    f"<tr class='{'' if row.correct else 'wrong'}'><td>{e(row.id)}</td><td>{e(row.question)}</td>"
                    f"<td>{'yes' if row.correct else 'no'}</td><td>{'<br>'.join(e(r) for r in row.reasons)}</td>"
                    f"<td>{e(_short(row.answer))}</td></tr>"
                )
            out.append("</table>")
        else:
            out.append("<p>None.</p>")
        out.append(f"<details><summary>All {len(ev.rows)} questions: {e(ev.system)}</summary><table><tr>"
                   "<th>id</th><th>answerable</th><th>abstained</th><th>correct</th><th>R@5</th><th>MRR</th>"
                   "<th>nDCG@10</th><th>citations ok</th><th>reasons</th></tr>")
        for row in ev.rows:
            r5 = _fmt(row.recall.get(5)) if row.recall else "–"
            rr = _fmt(row.reciprocal_rank) if row.recall else "–"
            nd = _fmt(row.ndcg10) if row.recall else "–"
            out.append(
                f"<tr><td>{e(row.id)}</td><td>{row.answerable}</td><td>{row.abstained}</td><td>{row.correct}</td>"
                f"<td class='num'>{r5}</td><td class='num'>{rr}</td><td class='num'>{nd}</td>"
                f"<td class='num'>{row.good_citations}/{row.citations}</td><td>{e('; '.join(row.reasons))}</td></tr>"
            )
        out.append("</table></details>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(path: Path, evaluations: Sequence[Evaluation], meta: dict[str, Any]) -> list[Path]:
    """Writes FILE.html and FILE.md (and FILE.png for the Markdown) whichever of the two `path` names."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lower() in (".html", ".htm", ".md") else path
    html_path = path if path.suffix.lower() in (".html", ".htm") else stem.with_suffix(".html")
    md_path, png_path = stem.with_suffix(".md"), stem.with_suffix(".png")
    meta = {"generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), **meta}
    html_path.parent.mkdir(parents=True, exist_ok=True)
    png = chart_png(evaluations)
    png_path.write_bytes(png)
    html_path.write_text(render_html(evaluations, meta, png), encoding="utf-8")
    md_path.write_text(render_markdown(evaluations, meta, png_path.name), encoding="utf-8")
    return [html_path, md_path, png_path]


def print_run(run, console=None, max_failing: int = 12) -> None:
    """The comparison table, notes and the first failing questions of each system, with rich."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console()
    evaluations = run.evaluations
    k = run.meta.get("k")
    table = Table(title=f"Evaluation on {run.meta.get('gold')} ({run.meta.get('questions')} questions"
                        + (f", k={k}" if k else "") + ")")
    table.add_column("metric")
    for ev in evaluations:
        table.add_column(escape(ev.system), justify="right")
    for name, values in metric_rows(evaluations):
        present = [v for v in values if v is not None]
        best = (min(present) if name in LOWER_IS_BETTER else max(present)) if len(present) > 1 else None
        cells = [f"[bold green]{_fmt(v)}[/]" if best is not None and v == best else _fmt(v) for v in values]
        table.add_row(f"{name} (lower is better)" if name in LOWER_IS_BETTER else name, *cells)
    for key in ("errors", "latency_ms_p50"):
        table.add_row(key, *[_fmt(ev.summary.get(key), key) for ev in evaluations])
    if evaluations:
        console.print(table)
    if run.meta.get("k_note"):
        console.print(f"note: {run.meta['k_note']}")
    for ev in evaluations:
        for note in ev.notes:
            console.print(f"note ({ev.system}): {note}")
        failing = _failing(ev)
        console.print(f"\n[bold]{ev.system}[/]: {len(failing)} of {len(ev.rows)} questions have a failure "
                      f"({sum(1 for r in ev.rows if not r.correct)} wrong)")
        for row in failing[:max_failing]:
            console.print(f"  {escape(row.id)} {'ok' if row.correct else '[red]wrong[/]'}: "
                          f"{escape('; '.join(row.reasons))}", highlight=False)
        if len(failing) > max_failing:
            console.print(f"  ... {len(failing) - max_failing} more (see --report or --json)")
