"""Answer settings changed for one block of a test, then put back: the session's ingested Assistant is shared."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def answer_settings(helper: Any, **update: Any) -> Iterator[Any]:
    """The helper's extractive generator with `update` applied to its answer settings."""
    generator, original = helper.extractive, helper.extractive.settings
    generator.settings = original.model_copy(update=update)
    try:
        yield generator
    finally:
        generator.settings = original
