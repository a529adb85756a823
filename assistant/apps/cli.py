"""Thin command line: parse arguments, call the Assistant, render results. Exit 0 ok, 1 handled error, 2 usage."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Callable

import assistant  # noqa: F401  (sets the offline environment before anything heavy loads)
from assistant.core.errors import AssistantError, InputError


def _output_file(value: str) -> Path:
    """An --out path that can be written, checked before any work (a folder given as the file, or one that cannot be
    made, failed only once the answers or the note were done). Its folder is made, as `batch` always made it."""
    path = Path(value).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a folder: give a file name")
    existing = next(folder for folder in path.absolute().parents if folder.exists())
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {value}: {existing} is not a folder")
    if not os.access(existing, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"cannot write {value}: permission denied")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Cited answers from inspection reports.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="index reports (corpus/ by default) into the index")
    ingest.add_argument("paths", nargs="*", type=Path, help="files or folders (default: ASSISTANT_CORPUS_DIR)")
    ingest.add_argument("--rebuild", action="store_true",
                        help="drop the index and build it again, from the files of every report it held and PATHS")
    ingest.add_argument("--prune", action="store_true", help="remove documents whose files are gone")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.set_defaults(handler=_ingest)

    ask = sub.add_parser("ask", help="answer one question with cited passages")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the Answer JSON")
    ask.add_argument("--k", type=_top_k, default=None, help="passages to retrieve (default: ASSISTANT_TOP_K)")
    ask.add_argument("--filter", action="append", type=_filter, metavar="KEY=VALUE", help="authority, inspection_type, "
                     "inspectorate, judgement, date_from, date_to, source; repeatable")
    ask.set_defaults(handler=_ask)

    batch = sub.add_parser("batch", help="answer a JSONL file of questions")
    batch.add_argument("questions", type=Path, help='JSONL lines {"id", "question", ["history"], ["filters"]}')
    batch.add_argument("--out", type=_output_file, required=True, help="where to write one Answer JSON per line")
    batch.set_defaults(handler=_batch)

    stats = sub.add_parser("stats", help="what the index holds")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=_stats)

    correct = sub.add_parser("correct", help="correct an indexed report's authority, inspection type, date or judgement",
                             description="Kept beside the index (corrections.json) and applied again on every re-ingest.")
    correct.add_argument("report", help="the report's document id, source path or file name")
    correct.add_argument("field", help="authority, inspection_type, date or judgement (checked with the value)")
    correct.add_argument("value", nargs="?", help="e.g. 'North Somerset', 'focused visit', 2018-07, "
                         "'requires improvement', none")
    correct.add_argument("--clear", action="store_true",
                         help="forget the field's correction: it is as read from the report's text again")
    correct.set_defaults(handler=_correct)

    brief = sub.add_parser("brief", help="a briefing note on an authority or a topic, every point footnoted")
    brief.add_argument("topic", nargs="?", help='an authority ("Warrington") or a theme ("multi-agency safeguarding hub")')
    brief.add_argument("--compare", nargs="+", metavar="TOPIC", help="two or more topics side by side")
    brief.add_argument("--format", choices=("md", "docx"), default=None,
                       help="Markdown or Word (default: Word when --out ends in .docx, else Markdown)")
    brief.add_argument("--out", type=_output_file, default=None,
                       help="write here (required for docx; md goes to stdout)")
    brief.set_defaults(handler=_brief)

    train = sub.add_parser("train", help="fit the answer ranker on the devset's tuning split and the shipped gold "
                           "(--findings: the finding classifier on labelled sentences)")
    train.add_argument("--devset", type=Path, default=None, help="devset folder (default: ../shared/devset)")
    train.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"), help="gold on corpus/ (default: eval/gold.jsonl)")
    train.add_argument("--out", type=_output_file, default=None,
                       help="model file (default: the packaged ranker.json, or findings.json with --findings)")
    train.add_argument("--findings", action="store_true",
                       help="fit the strength / area for improvement / action classifier instead, on --labels")
    train.add_argument("--labels", type=Path, default=None,
                       help="labelled sentences for --findings (default: eval/finding_labels.jsonl)")
    train.add_argument("--ablate", nargs="+", default=[], metavar="FEATURE",
                       help="also train without these features (a feature name, or a prefix such as wants_) and compare")
    train.set_defaults(handler=_train)

    serve = sub.add_parser("serve", help="start the Gradio app (default http://127.0.0.1:7860)")
    serve.add_argument("--host", default=None, help="address to bind (default: ASSISTANT_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: ASSISTANT_PORT, 7860)")
    serve.set_defaults(handler=_serve)

    evaluate = sub.add_parser(
        "eval", help="score retrieval, citations, answers and abstention on a gold set and on the devset",
        description="With no GOLD and no --devset: eval/gold.jsonl on the index, then ../shared/devset (when "
                    "present) in a temporary index. Name either one to run only that; name both to run both.")
    evaluate.add_argument("gold", nargs="?", type=Path, default=None,
                          help="gold JSONL scored on the index (default: eval/gold.jsonl)")
    evaluate.add_argument("--answers", type=Path, metavar="ANSWERS.jsonl",
                          help="score this Answer JSONL (from any system) against GOLD instead of running the assistant")
    evaluate.add_argument("--compare", nargs="+", metavar="MODE", type=_retrieval_mode,
                          help="run the assistant on GOLD once per retrieval mode (hybrid, dense, bm25, ...)")
    evaluate.add_argument("--baseline", choices=("langchain",), help="also run a plain LangChain RAG, side by side")
    evaluate.add_argument("--report", type=Path, metavar="FILE.html", help="write an HTML report of GOLD and a .md next to it")
    evaluate.add_argument("--json", action="store_true", help="print summaries (and GOLD's per-question rows) as JSON")
    evaluate.add_argument("--k", type=_top_k, default=None, help="passages to retrieve (default: ASSISTANT_TOP_K)")
    evaluate.add_argument("--corpus", type=Path, default=None,
                          help="folder holding the gold evidence documents (default: ASSISTANT_CORPUS_DIR)")
    evaluate.add_argument("--devset", nargs="?", const="", default=None, metavar="DIR",
                          help="the devset folder (corpus/, questions.jsonl, score.py; default ../shared/devset)")
    evaluate.add_argument("--split", choices=("held-out", "tune", "all"), default="all",
                          help="devset questions to run (default all; figures are reported per split)")
    evaluate.add_argument("--folds", type=int, default=0, metavar="N",
                          help="with --split tune, also answer each tuning question with a ranker fitted without it "
                               "(N folds, as `assistant train` splits them): figures not in-sample")
    evaluate.add_argument("--unseen-authorities", action="store_true",
                          help="with --folds, split the folds by the authority a question is about, so each is "
                               "answered by models that never saw its authority's reports")
    evaluate.add_argument("--questions", type=Path, default=None, metavar="FILE",
                          help="other questions on the devset's corpus, in its format, instead of its own "
                               "(eval/devset_more.jsonl: 400 written on its texts, never trained on)")
    evaluate.add_argument("--out", type=_output_file, metavar="ANSWERS.jsonl",
                          help="write the devset answers in the scorer's format (a baseline's beside it)")
    evaluate.add_argument("--ablate", "--set", dest="overrides", action="append", default=[], metavar="KEY[=VALUE]",
                          help="override a setting for this run (dotted keys for nested settings; a bare KEY "
                               "means KEY=false); repeatable")
    evaluate.set_defaults(handler=_eval)

    bench = sub.add_parser("bench", help="ingest throughput, query latency, memory and cold start, at scale")
    bench.add_argument("phase", nargs="?", choices=("all", "ingest"), default="all",
                       help="'ingest' = quick mode: ingest against raw model.encode only")
    bench.add_argument("--chunks", nargs="+", type=_positive, metavar="N",
                       help="synthetic corpus sizes in chunks (default: 1000 10000 100000)")
    bench.add_argument("--queries", type=_positive, default=60, help="warm queries per size (default 60)")
    bench.add_argument("--cold-runs", type=_positive, default=3, help="fresh processes timed to a first answer")
    bench.add_argument("--encode-sample", type=_positive, default=5000,
                       help="chunk texts timed with raw model.encode (default 5000; all if fewer)")
    bench.add_argument("--seed", type=int, default=0, help="synthetic corpus seed (default 0)")
    bench.add_argument("--ingest-only", action="store_true", help="same as the 'ingest' phase")
    bench.add_argument("--workdir", type=Path, default=None, help="where corpora and indexes go (default: a temp dir)")
    bench.add_argument("--keep", action="store_true", help="keep the generated corpora and indexes")
    bench.add_argument("--json", action="store_true", help="print the results as JSON")
    bench.add_argument("--write", type=Path, metavar="FILE.md", help="update the results block in FILE.md")
    bench.set_defaults(handler=_bench)

    describe_eval = sub.add_parser("describe-eval", help="score the metadata describe reads against a devset's metadata.tsv")
    describe_eval.add_argument("devset", type=Path, help="folder holding metadata.tsv and corpus/ (e.g. ../shared/devset)")
    describe_eval.set_defaults(handler=_describe_eval)
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return number


def _filter(value: str) -> str:
    """One --filter KEY=VALUE, checked as it is parsed: a malformed one is a usage error, as a bad --k is."""
    from assistant.retrieval.hybrid import parse_filters  # only when --filter is given: it imports retrieval

    try:
        parse_filters([value])
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _retrieval_mode(value: str) -> str:
    from assistant.eval.runner import checked_mode  # only when --compare is given: it imports retrieval

    try:
        return checked_mode(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _top_k(value: str) -> int:
    number = _positive(value)
    if number > 100:
        raise argparse.ArgumentTypeError("--k must be between 1 and 100")
    return number


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
            "failed": report.count("failed"), "removed": report.count("removed"), "duplicate": report.count("duplicate"),
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
            f"{report.count('failed')} failed, {report.count('removed')} removed, {report.count('duplicate')} duplicate"
        )
    return 0 if report.ok else 1


def _ask(args: argparse.Namespace) -> int:
    from assistant.retrieval.hybrid import parse_filters

    filters = parse_filters(args.filter)
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
    for note in answer.unsaid_notes():
        print(f"({note})")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from assistant.apps.batch import run_batch

    if args.out.resolve() == args.questions.resolve():
        print("usage: assistant batch QUESTIONS.jsonl --out ANSWERS.jsonl", file=sys.stderr)
        print(f"assistant batch: error: --out {args.out} is the questions file: the answers would overwrite it",
              file=sys.stderr)
        return 2
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
    fields = ", ".join(f"{field} {n}" for field, n in stats["corrections"]["fields"].items())
    print(f"{'corrections':>12}: {stats['corrections']['documents']} reports" + (f" ({fields})" if fields else ""))
    print(" authorities:")
    for name, count in stats["authorities"].items():
        print(f"{'':>14}{name}: {count}")
    return 0


def _correct(args: argparse.Namespace) -> int:
    if (args.value is None) != args.clear:
        print("usage: assistant correct REPORT FIELD VALUE | assistant correct REPORT FIELD --clear", file=sys.stderr)
        print("assistant correct: error: give either a VALUE or --clear", file=sys.stderr)
        return 2
    document = _open().correct(args.report, args.field, args.value)
    print(f"{document.source}: {args.field} is now {document.metadata.get(args.field, 'unknown')} "
          f"(corrected: {document.metadata.get('corrected') or 'nothing'})")
    return 0


def _train(args: argparse.Namespace) -> int:
    if args.findings:
        return _train_findings(args)
    from dataclasses import replace

    from assistant.answer.ranker import DEFAULT_MODEL
    from assistant.answer.training import ablation_report, collect, labelled_sets, train, unseen_authorities, with_query_maps
    from assistant.core.settings import load_settings
    from assistant.eval.devset import DEFAULT_DEVSET
    from assistant.index.embed import make_embedder

    settings = load_settings()
    sets = labelled_sets(args.devset or DEFAULT_DEVSET, settings.corpus_dir, args.gold)
    collected = collect(sets, settings, make_embedder(settings.embed_model, settings.embed_batch_size))
    cases, _, query_map = with_query_maps(collected)
    examples = [c.example() for c in cases]
    ranker, report = train(examples, settings=settings.answer)
    report["unseen_authorities"] = unseen_authorities(collected, report["C"], settings=settings.answer)
    _write_model(args.out or DEFAULT_MODEL, replace(ranker, query_map=query_map), report, hidden=("weights",))
    for line in ablation_report(examples, args.ablate, report, settings.answer):
        print(line)
    return 0


def _train_findings(args: argparse.Namespace) -> int:
    from assistant.answer.finding_kinds import DEFAULT_FINDING_MODEL
    from assistant.answer.finding_training import DEFAULT_LABELS, train_findings
    from assistant.core.settings import load_settings
    from assistant.eval.devset import DEFAULT_DEVSET
    from assistant.index.embed import make_embedder

    settings = load_settings()
    folders = {"devset": (args.devset or DEFAULT_DEVSET) / "corpus", "corpus": settings.corpus_dir}
    embedder = make_embedder(settings.embed_model, settings.embed_batch_size)
    classifier, report = train_findings(args.labels or DEFAULT_LABELS, folders, embedder, settings.embed_model)
    _write_model(args.out or DEFAULT_FINDING_MODEL, classifier, report)
    return 0


def _write_model(out: Path, model, report: dict, hidden: tuple[str, ...] = ()) -> None:
    """Write a trained model's file and print its training report (but the `hidden` keys) and where it went."""
    out.write_text(model.to_json(report))
    print(json.dumps({k: v for k, v in report.items() if k not in hidden}, indent=1))
    print(f"wrote {out} (training data sha256 {model.training_data[:12]})")


def _brief(args: argparse.Namespace) -> int:
    def usage(message: str) -> int:
        print("usage: assistant brief TOPIC [--format md|docx] [--out FILE] | assistant brief --compare A B ...",
              file=sys.stderr)
        print(f"assistant brief: error: {message}", file=sys.stderr)
        return 2

    if bool(args.topic) == bool(args.compare):
        return usage("give either a TOPIC or --compare A B")
    if args.compare is not None and len(args.compare) < 2:
        return usage("--compare needs at least two topics")
    # Without --format, the file's extension says which: Markdown written to "note.docx" is no Word file.
    named = "docx" if args.out is not None and args.out.suffix.lower() == ".docx" else "md"
    if args.format is not None and args.out is not None and args.format != named \
            and args.out.suffix.lower() in (".docx", ".md"):
        return usage(f"--format {args.format} does not match --out {args.out.name}")
    form = args.format or named
    if form == "docx" and args.out is None:
        return usage("--format docx writes a binary file: give --out FILE")
    from assistant.apps.brief.build import build_brief, build_comparison, render_docx, render_markdown

    helper = _open()
    note = build_comparison(helper, args.compare) if args.compare else build_brief(helper, args.topic)
    if form == "docx":
        args.out.write_bytes(render_docx(note))
    elif args.out is not None:
        args.out.write_text(render_markdown(note), encoding="utf-8")
    else:
        sys.stdout.write(render_markdown(note))
    if args.out is not None:
        print(f"wrote {args.out} ({len(note.footnotes)} footnotes)", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from assistant.apps.web.launch import serve

    serve(host=args.host, port=args.port)
    return 0


def _eval(args: argparse.Namespace) -> int:
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
            return _open()
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


def _bench(args: argparse.Namespace) -> int:
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


def _describe_eval(args: argparse.Namespace) -> int:
    from assistant.eval.metadata import evaluate, report

    skipped: list[tuple[str, str]] = []
    print(report(evaluate(args.devset, skipped)))
    for file, reason in skipped:
        print(f"skipped {file}: {reason}", file=sys.stderr)
    return 1 if skipped else 0


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
    except BrokenPipeError:
        # `assistant stats --json | head`: the reader left; silence the flush at exit that would raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    # After BrokenPipeError, one of its kind: a file that went away or filled the disk while being written.
    except OSError as exc:
        print(f"error: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
