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
