"""What the pages share: event options and the contract of a part that shows what the index holds."""

from typing import Any, Protocol

import gradio as gr

# The pages' events are the browser's, not endpoints for scripts: the only public API is /ask (app.py).
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def event_data(evt: gr.EventData) -> dict[str, Any]:
    """The payload a template's JS sent with `trigger(name, data)`."""
    return getattr(evt, "_data", None) or {}


class ShowsIndex(Protocol):
    """A part showing what the index holds, recomputed on page load and after an upload or a delete."""

    def index_outputs(self) -> list[gr.components.Component]:
        ...

    def index_values(self) -> tuple[Any, ...]:
        """New values for index_outputs, in the same order."""
        ...


def index_outputs(parts: list[ShowsIndex]) -> list[gr.components.Component]:
    return [component for part in parts for component in part.index_outputs()]


def index_values(parts: list[ShowsIndex]) -> tuple[Any, ...]:
    return tuple(value for part in parts for value in part.index_values())
