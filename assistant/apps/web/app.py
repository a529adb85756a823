"""The Blocks app: a header over three tabs (Ask, Library, Briefing note) and the `/ask` and `/brief`
endpoints for scripts.

Each part is a class in pages/ that builds its components and wires its own events; this module only
composes them. gradio is imported inside build_app, so importing this module stays cheap.
"""

import functools
import logging
from typing import Any, Callable

from assistant.apps.web.handlers import ask_json
from assistant.apps.web.labels import one_line
from assistant.apps.web.warm import Warmup
from assistant.core.errors import AssistantError

log = logging.getLogger(__name__)


def _shown_as_gradio_errors(function: Callable[..., Any], fallback_message: str) -> Callable[..., Any]:
    """A function whose failures reach the caller as one-line gradio errors, never a traceback."""
    import gradio as gr

    @functools.wraps(function)
    def inner(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except AssistantError as exc:
            raise gr.Error(one_line(exc), print_exception=False) from None
        except gr.Error:
            raise
        except Exception as exc:
            log.exception(fallback_message)
            raise gr.Error(f"{fallback_message}: {one_line(exc)}", print_exception=False) from None

    return inner


def _describe_parameters(demo: Any, api_name: str) -> None:
    """Give each parameter of an endpoint the description its docstring's Args section holds. gradio reads that
    section for MCP tools only; /gradio_api/info (view_api, the "Use via API" page) shows a parameter's
    `additional_description`, which gr.api leaves empty."""
    from gradio.utils import get_function_description

    block_fn = next(fn for fn in demo.fns.values() if fn.api_name == api_name)
    _, described, _ = get_function_description(block_fn.fn)
    for component, text in zip(block_fn.inputs, described.values()):
        component.api_info().update(description=text, additional_description=text)


def build_app(helper: Any, warmup: Warmup | None = None):
    """The Blocks app over one Assistant. Pass `launch_options()` to `.launch()` for the theme and CSS; with a
    `warmup`, the page shows "loading" (question box disabled) until it has finished."""
    import gradio as gr

    from assistant.apps.brief.build import brief_markdown
    from assistant.apps.web.pages.ask import AskPage
    from assistant.apps.web.pages.base import PRIVATE, index_outputs, index_values
    from assistant.apps.web.pages.brief import BriefPage
    from assistant.apps.web.pages.header import Header
    from assistant.apps.web.pages.library import LibraryPage

    with gr.Blocks(title="Inspection report assistant") as demo:
        conversation = gr.State([])
        header = Header(helper)
        ask_page = AskPage(helper, conversation, warmup)
        library = LibraryPage(helper)
        brief_page = BriefPage(helper)
        header.build()
        with gr.Tabs(elem_id="main-tabs"):
            ask_page.build()
            library.build()
            brief_page.build()

        views = [header, library, ask_page.filters, brief_page]
        ask_page.wire(demo)
        brief_page.wire(demo)
        library.wire(ask_page, views)

        def on_load(convo):
            shown = (*index_values(views), ask_page.welcome_if_empty(convo))
            for readiness in ask_page.readiness():
                yield (*shown, *readiness)
                shown = tuple(gr.update() for _ in shown)

        # No concurrency limit: every open tab may be waiting for the warm-up at once.
        demo.load(on_load, inputs=conversation,
                  outputs=[*index_outputs(views), ask_page.chat, *ask_page.readiness_outputs()],
                  show_progress="hidden", concurrency_limit=None, **PRIVATE)

        # Each Args entry stays on one line: gradio takes a parameter's description from that line only.
        def ask(question: str, history: list[dict] | None = None, filters: dict | None = None,
                k: int | None = None) -> dict:
            """Answer one question from the indexed reports; returns the Answer JSON of the contract (DESIGN.md):
            answer, sentences with their citation numbers, citations (verbatim passages with report, offsets and
            metadata), retrieved passages, abstained and timings_ms. Filter keys (all optional, combined with AND):
            authority (e.g. "Warrington"), inspection_type (e.g. "focused visit"), inspectorate ("Ofsted", "CQC",
            "HMICFRS", "HMI Probation"), judgement ("good", "inadequate", ...), date_from and date_to (YYYY,
            YYYY-MM or YYYY-MM-DD; reports stating no date are left out) and source (a report's file name or path).

            Args:
                question: the question in plain words, at most 2,000 characters; a follow-up may lean on history.
                history: earlier turns, oldest first, as [{"role": "user" | "assistant", "content": "..."}]; used to read a follow-up such as "What about Wirral?" as a standalone question.
                filters: restricts the reports searched, e.g. {"authority": "Wirral", "date_from": "2016"}; keys authority, inspection_type, inspectorate, judgement, date_from, date_to, source; an unknown key is an error.
                k: how many retrieved passages the answer returns as evidence, 1 to 100 (default: the server's top_k setting).
            Returns:
                The Answer JSON; a bad question, history or filter is an error with a one-line message.
            """
            return ask_json(helper, question, history, filters, k)

        gr.api(_shown_as_gradio_errors(ask, "could not answer"), api_name="ask")
        _describe_parameters(demo, "ask")

        def brief(topic: str) -> str:
            """A briefing note on an authority or a topic: Markdown whose every point has [^n] footnotes quoting
            the reports verbatim, the footnote definitions at the end.

            Args:
                topic: an authority named in the index (e.g. "Warrington") for its judgements, strengths and areas for improvement, or a theme (e.g. "care leavers") for what the reports say about it; at most 200 characters.
            Returns:
                The note as Markdown; an empty topic is an error.
            """
            return brief_markdown(helper, topic)

        gr.api(_shown_as_gradio_errors(brief, "could not build the briefing note"), api_name="brief")
        _describe_parameters(demo, "brief")
    return demo
