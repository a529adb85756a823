"""Thin command line: parse arguments, call the Assistant, render results. Exit 0 ok, 1 handled error, 2 usage."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Callable

import assistant  # noqa: F401  (sets the offline environment before anything heavy loads)
from assistant.errors import AssistantError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Cited answers from inspection reports.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="index reports (corpus/ by default) into the index")
    ingest.add_argument("paths", nargs="*", type=Path, help="files or folders (default: ASSISTANT_CORPUS_DIR)")
    ingest.add_argument("--rebuild", action="store_true", help="drop the index and build it again")
    ingest.add_argument("--prune", action="store_true", help="remove documents whose files are gone")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.set_defaults(handler=_ingest)

    ask = sub.add_parser("ask", help="answer one question with cited passages")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the Answer JSON")
    ask.add_argument("--k", type=int, default=None, help="passages to retrieve (default: ASSISTANT_TOP_K)")
    ask.add_argument("--filter", action="append", metavar="KEY=VALUE", help="authority, inspection_type, "
                     "inspectorate, judgement, date_from, date_to, source; repeatable")
    ask.set_defaults(handler=_ask)

    batch = sub.add_parser("batch", help="answer a JSONL file of questions")
    batch.add_argument("questions", type=Path, help='JSONL lines {"id", "question", ["history"], ["filters"]}')
    batch.add_argument("--out", type=Path, required=True, help="where to write one Answer JSON per line")
    batch.set_defaults(handler=_batch)

    stats = sub.add_parser("stats", help="what the index holds")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=_stats)
    return parser


def _open():
    from assistant.pipeline import Assistant

    return Assistant.open()


def _ingest(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    console = Console(stderr=True)
    helper = _open()
    with Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.description}"), console=console, transient=True, disable=args.json,
    ) as bar:
        task = bar.add_task("", total=None)
        report = helper.ingest(
            args.paths or None,
            rebuild=args.rebuild,
            prune=args.prune,
            progress=lambda done, total, path: bar.update(task, completed=done, total=total, description=Path(path).name),
        )
    if args.json:
        print(json.dumps({
            "indexed": report.count("indexed"), "unchanged": report.count("unchanged"),
            "failed": report.count("failed"), "removed": report.count("removed"),
            "files": [o.__dict__ for o in report.outcomes],
        }, indent=2))
    else:
        table = Table(title="Ingest summary")
        for column in ("file", "status", "chunks", "reason"):
            table.add_column(column, overflow="fold")
        for outcome in report.outcomes:
            style = {"failed": "red", "indexed": "green", "removed": "yellow"}.get(outcome.status, "")
            table.add_row(outcome.path, f"[{style}]{outcome.status}[/]" if style else outcome.status,
                          str(outcome.chunks or ""), outcome.reason)
        Console().print(table)
        print(
            f"{report.count('indexed')} indexed, {report.count('unchanged')} unchanged, "
            f"{report.count('failed')} failed, {report.count('removed')} removed"
        )
    return 0 if report.ok else 1


def _ask(args: argparse.Namespace) -> int:
    from assistant.retrieve import parse_filters

    filters = parse_filters(args.filter)
    if args.k is not None and not 1 <= args.k <= 100:
        raise SystemExit("assistant ask: error: --k must be between 1 and 100")
    answer = _open().ask(args.question, filters=filters, k=args.k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.answer)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            meta = c.metadata
            print(f"[{c.n}] {c.source} - {meta.get('authority', 'unknown')}, {meta.get('inspection_type', 'unknown')}, "
                  f"date {meta.get('date', 'unknown')}, characters {c.start}-{c.end}")
            print(f'    "{" ".join(c.quote.split())}"')
    for note in answer.notes:
        print(f"({note})")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from assistant.batch import run_batch

    written, failures = run_batch(_open(), args.questions, args.out)
    for line_no, reason in failures:
        print(f"line {line_no}: {reason}", file=sys.stderr)
    print(f"{written} answers written to {args.out}, {len(failures)} failed", file=sys.stderr)
    return 0 if not failures else 1


def _stats(args: argparse.Namespace) -> int:
    stats = _open().stats()
    if args.json:
        print(json.dumps(stats, indent=2))
        return 0
    for key in ("documents", "chunks", "model", "index", "collection"):
        print(f"{key:>12}: {stats[key]}")
    print(" authorities:")
    for name, count in stats["authorities"].items():
        print(f"{'':>14}{name}: {count}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
