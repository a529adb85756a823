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
from assistant.apps.cli_eval import bench_command, describe_eval_command, eval_command
from assistant.apps.cli_support import (
    filter_pair, open_assistant, output_file, positive, retrieval_mode, top_k, usage_error,
)
from assistant.core.errors import AssistantError




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
    ask.add_argument("--k", type=top_k, default=None, help="passages to retrieve (default: ASSISTANT_TOP_K)")
    ask.add_argument("--filter", action="append", type=filter_pair, metavar="KEY=VALUE", help="authority, inspection_type, "
                     "inspectorate, judgement, date_from, date_to, source; repeatable")
    ask.set_defaults(handler=_ask)

    batch = sub.add_parser("batch", help="answer a JSONL file of questions")
    batch.add_argument("questions", type=Path, help='JSONL lines {"id", "question", ["history"], ["filters"]}')
    batch.add_argument("--out", type=output_file, required=True, help="where to write one Answer JSON per line")
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
    brief.add_argument("--out", type=output_file, default=None,
                       help="write here (required for docx; md goes to stdout)")
    brief.set_defaults(handler=_brief)

    train = sub.add_parser("train", help="fit the answer ranker on the devset's tuning split and the shipped gold "
                           "(--findings: the finding classifier on labelled sentences)")
    train.add_argument("--devset", type=Path, default=None, help="devset folder (default: ../shared/devset)")
    train.add_argument("--gold", type=Path, default=Path("eval/gold.jsonl"), help="gold on corpus/ (default: eval/gold.jsonl)")
    train.add_argument("--out", type=output_file, default=None,
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
    evaluate.add_argument("--compare", nargs="+", metavar="MODE", type=retrieval_mode,
                          help="run the assistant on GOLD once per retrieval mode (hybrid, dense, bm25, ...)")
    evaluate.add_argument("--baseline", choices=("langchain",), help="also run a plain LangChain RAG, side by side")
    evaluate.add_argument("--report", type=Path, metavar="FILE.html", help="write an HTML report of GOLD and a .md next to it")
    evaluate.add_argument("--json", action="store_true", help="print summaries (and GOLD's per-question rows) as JSON")
    evaluate.add_argument("--k", type=top_k, default=None, help="passages to retrieve (default: ASSISTANT_TOP_K)")
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
    evaluate.add_argument("--out", type=output_file, metavar="ANSWERS.jsonl",
                          help="write the devset answers in the scorer's format (a baseline's beside it)")
    evaluate.add_argument("--ablate", "--set", dest="overrides", action="append", default=[], metavar="KEY[=VALUE]",
                          help="override a setting for this run (dotted keys for nested settings; a bare KEY "
                               "means KEY=false); repeatable")
    evaluate.set_defaults(handler=eval_command)

    bench = sub.add_parser("bench", help="ingest throughput, query latency, memory and cold start, at scale")
    bench.add_argument("phase", nargs="?", choices=("all", "ingest"), default="all",
                       help="'ingest' = quick mode: ingest against raw model.encode only")
    bench.add_argument("--chunks", nargs="+", type=positive, metavar="N",
                       help="synthetic corpus sizes in chunks (default: 1000 10000 100000)")
    bench.add_argument("--queries", type=positive, default=60, help="warm queries per size (default 60)")
    bench.add_argument("--cold-runs", type=positive, default=3, help="fresh processes timed to a first answer")
    bench.add_argument("--encode-sample", type=positive, default=5000,
                       help="chunk texts timed with raw model.encode (default 5000; all if fewer)")
    bench.add_argument("--seed", type=int, default=0, help="synthetic corpus seed (default 0)")
    bench.add_argument("--ingest-only", action="store_true", help="same as the 'ingest' phase")
    bench.add_argument("--workdir", type=Path, default=None, help="where corpora and indexes go (default: a temp dir)")
    bench.add_argument("--keep", action="store_true", help="keep the generated corpora and indexes")
    bench.add_argument("--json", action="store_true", help="print the results as JSON")
    bench.add_argument("--write", type=Path, metavar="FILE.md", help="update the results block in FILE.md")
    bench.set_defaults(handler=bench_command)

    describe_eval = sub.add_parser("describe-eval", help="score the metadata describe reads against a devset's metadata.tsv")
    describe_eval.add_argument("devset", type=Path, help="folder holding metadata.tsv and corpus/ (e.g. ../shared/devset)")
    describe_eval.set_defaults(handler=describe_eval_command)
    return parser












def _ingest(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    console = Console(stderr=True)
    helper = open_assistant()
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
    answer = open_assistant().ask(args.question, filters=filters, k=args.k)
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

    # The same file under any name (a relative path, a symbolic or hard link).
    if args.out.exists() and args.questions.exists() and os.path.samefile(args.out, args.questions):
        return usage_error("batch", "batch QUESTIONS.jsonl --out ANSWERS.jsonl",
                           f"--out {args.out} is the questions file: the answers would overwrite it")
    written, failures = run_batch(open_assistant(), args.questions, args.out)
    for line_no, reason in failures:
        print(f"line {line_no}: {reason}", file=sys.stderr)
    print(f"{written} answers written to {args.out}, {len(failures)} failed", file=sys.stderr)
    return 0 if not failures else 1


def _stats(args: argparse.Namespace) -> int:
    stats = open_assistant().stats()
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
        return usage_error("correct", "correct REPORT FIELD VALUE | assistant correct REPORT FIELD --clear",
                           "give either a VALUE or --clear")
    document = open_assistant().correct(args.report, args.field, args.value)
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
        return usage_error("brief", "brief TOPIC [--format md|docx] [--out FILE] | assistant brief --compare A B ...",
                           message)

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

    helper = open_assistant()
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
