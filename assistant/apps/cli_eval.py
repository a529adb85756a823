"""The command line's measuring commands: `eval` (gold and devset figures), `bench` (speed and memory) and
`describe-eval` (metadata against a devset's truth). Heavy imports stay inside each command."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.apps.cli_support import open_assistant
from assistant.core.errors import InputError


def eval_command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from assistant.eval.runner import setting_overrides

    overrides = setting_overrides(args.overrides)
    # Naming neither part runs both; naming one (a gold file or its options, or --devset) runs only that one.
    gold_named = bool(args.gold or args.answers or args.compare or args.report)
    devset_named = args.devset is not None or args.questions is not None
    gold = (args.gold or Path("eval/gold.jsonl")) if gold_named or not devset_named else None
    devset = _devset_dir(args.devset) if devset_named or not gold_named else None
    if devset is None and (args.folds or args.unseen_authorities):
        raise InputError("--folds and --unseen-authorities cross-validate on the devset: add --devset --split tune")
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]eval {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, int] = {}

        def advance(system: str, done: int, total: int) -> None:
            if system not in tasks:
                tasks[system] = bar.add_task(system, total=total)
            bar.update(tasks[system], completed=done)

        gold_run = _eval_gold(args, gold, overrides, advance) if gold is not None else None
        devset_run = None
        if devset is not None:
            from assistant.eval.devset import run_devset

            devset_run = run_devset(devset, split=args.split, baseline=args.baseline, k=args.k,
                                    overrides=overrides, out=args.out, progress=advance, folds=args.folds,
                                    gold=args.gold or Path("eval/gold.jsonl"), questions=args.questions,
                                    by_authority=args.unseen_authorities)
    written = []
    if gold_run is not None and args.report:
        from assistant.eval.report import write_report

        written = write_report(args.report, gold_run.evaluations, gold_run.meta)
    if args.json:
        parts = {"gold": gold_run and gold_run.to_dict(), "devset": devset_run and devset_run.to_dict()}
        given = {key: value for key, value in parts.items() if value is not None}
        print(json.dumps(given if len(given) > 1 else next(iter(given.values())), ensure_ascii=False, indent=2))
    else:
        if gold_run is not None:
            from assistant.eval.report import print_run

            print_run(gold_run)
        if devset_run is not None:
            _print_devset(devset_run)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _devset_dir(given: str | None) -> Path | None:
    """The devset to run: the one named, else ../shared/devset when present (only a named one must exist)."""
    from assistant.eval.devset import default_devset

    if given:
        return Path(given)
    found = default_devset()
    if found is None and given == "":
        raise InputError("no devset at ../shared/devset beside the repository: give --devset DIR")
    return found


def _eval_gold(args: argparse.Namespace, gold: Path, overrides: dict, advance):
    from assistant.eval.runner import run_evaluation

    def opener():
        if not overrides:
            return open_assistant()
        from assistant.core.settings import load_settings
        from assistant.pipeline import Assistant

        return Assistant.open(load_settings(**overrides))

    return run_evaluation(
        gold, answers=args.answers, compare=args.compare or (), baseline=args.baseline, k=args.k,
        corpus_dir=args.corpus, open_assistant=opener, progress=advance,
    )


def _print_devset(run) -> None:
    from assistant.eval.devset import render_table

    meta = run.meta
    print(f"\ndevset {meta['devset']}: {meta['questions']} questions of {meta['questions_file']} ({meta['split']}), "
          f"{meta['documents']} documents in a temporary index, k={meta['k']}"
          + (f", overrides {meta['overrides']}" if meta['overrides'] else ""))
    print(render_table(run), end="")
    if meta.get("baseline_note"):
        print(f"note (langchain): {meta['baseline_note']}")
    for system, failed in run.errors.items():
        print(f"{system}: {len(failed)} questions failed: " + "; ".join(f"{f['id']} {f['error']}" for f in failed[:5]))
    for system, path in meta.get("answers", {}).items():
        print(f"wrote {system} answers to {path}", file=sys.stderr)


def bench_command(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from assistant.bench.report import print_table, write_markdown
    from assistant.bench.run import DEFAULT_SIZES, run_bench

    sizes = args.chunks or list(DEFAULT_SIZES)
    ingest_only = args.ingest_only or args.phase == "ingest"
    steps = len(sizes) * (1 if ingest_only else 1 + args.cold_runs) + 1
    console = Console(stderr=True)
    with Progress(
        TextColumn("[bold]bench"), BarColumn(), TimeElapsedColumn(), TextColumn("{task.description}"),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("", total=steps)
        started = [False]

        def step(message: str) -> None:
            if started[0]:
                bar.advance(task)
            started[0] = True
            bar.update(task, description=message)
            if not console.is_terminal:  # a run logged to a file still shows where it is
                console.print(f"bench: {message}", highlight=False)

        result = run_bench(
            sizes, seed=args.seed, queries=args.queries, cold_runs=args.cold_runs, encode_sample=args.encode_sample,
            ingest_only=ingest_only, workdir=args.workdir, keep=args.keep, step=step,
        )
    if args.write:
        write_markdown(args.write, result)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    if args.write:
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


def describe_eval_command(args: argparse.Namespace) -> int:
    from assistant.eval.metadata import evaluate, report

    skipped: list[tuple[str, str]] = []
    print(report(evaluate(args.devset, skipped)))
    for file, reason in skipped:
        print(f"skipped {file}: {reason}", file=sys.stderr)
    return 1 if skipped else 0
