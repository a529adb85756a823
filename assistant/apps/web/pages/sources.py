"""The side panel of the Ask tab: the citation cards of an answer and the source viewer (the full report)."""

from typing import Any

import gradio as gr

from assistant.apps.web.handlers import open_citation
from assistant.apps.web.pages.base import PRIVATE, event_data
from assistant.apps.web.render import empty_source, read_asset, render_citations


class SourcesPanel:
    def __init__(self, helper: Any) -> None:
        self.helper = helper

    def build(self) -> None:
        with gr.Tabs(selected="citations", elem_id="side-tabs") as self.tabs:
            with gr.Tab("Citations", id="citations", elem_id="tab-citations"):
                self.citations = gr.HTML(render_citations([]), elem_id="citations",
                                         js_on_load=read_asset("citations.js"))
            with gr.Tab("Source viewer", id="source", elem_id="tab-source"):
                self.source = gr.HTML(empty_source(), elem_id="source", js_on_load=read_asset("source.js"))

    def wire(self, chat: gr.HTML, conversation: gr.State) -> None:
        """A `cite` event from an answer's marker or a citation card opens that passage in the viewer."""

        def on_cite(convo, evt: gr.EventData):
            data = event_data(evt)
            try:
                turn, n = int(data.get("turn")), int(data.get("n"))
            except (TypeError, ValueError):
                return gr.update(), gr.update(), gr.update()
            return (open_citation(self.helper, convo, turn, n), render_citations(convo, turn, n),
                    gr.Tabs(selected="source"))

        for origin in (chat, self.citations):
            origin.cite(on_cite, inputs=conversation, outputs=[self.source, self.citations, self.tabs],
                        show_progress="hidden", **PRIVATE)
