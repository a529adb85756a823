"""What the command line's handlers share: argument types checked as arguments are parsed (a bad one is a usage
error, exit 2, before any work), the usage error a handler reports itself, and the Assistant they open."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from assistant.core.errors import InputError


def output_file(value: str) -> Path:
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


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return number


def filter_pair(value: str) -> str:
    """One --filter KEY=VALUE, checked as it is parsed: a malformed one is a usage error, as a bad --k is."""
    from assistant.retrieval.hybrid import parse_filters  # only when --filter is given: it imports retrieval

    try:
        parse_filters([value])
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def retrieval_mode(value: str) -> str:
    from assistant.eval.runner import checked_mode  # only when --compare is given: it imports retrieval

    try:
        return checked_mode(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def top_k(value: str) -> int:
    number = positive(value)
    if number > 100:
        raise argparse.ArgumentTypeError("--k must be between 1 and 100")
    return number


def open_assistant():
    from assistant.pipeline import Assistant

    return Assistant.open()


def usage_error(command: str, usage: str, message: str) -> int:
    """A usage error found by a handler (what argparse cannot check): argparse's two lines, exit 2."""
    print(f"usage: assistant {usage}", file=sys.stderr)
    print(f"assistant {command}: error: {message}", file=sys.stderr)
    return 2
