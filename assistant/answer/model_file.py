"""The learned models' JSON files (the ranker, the finding classifier): a missing or damaged file is a configuration
error that names the command writing it again, never a traceback from deep in numpy."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, TypeVar

from assistant.core.errors import ConfigurationError

Model = TypeVar("Model")


def read_model_file(path: Path, what: str, command: str) -> dict[str, Any]:
    """The file's JSON object, as `assistant train` wrote it."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the {what} {path}: {exc} (run `{command}`)") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"cannot read the {what} {path}: not a JSON object (run `{command}`)")
    return data


def load_model(path: Path, what: str, command: str, build: Callable[[dict[str, Any]], Model]) -> Model:
    """The model `build` makes of the file; a field missing or of the wrong type is the file's fault."""
    data = read_model_file(path, what, command)
    try:
        return build(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the {what} {path}: {exc!r} (run `{command}`)") from None
