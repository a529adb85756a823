"""The Filters accordion (choices from the indexed reports' metadata) and the bar that shows active filters."""

from typing import Any

import gradio as gr

from assistant.apps.web.handlers import filter_options
from assistant.apps.web.pages.base import PRIVATE
from assistant.apps.web.render import read_asset, render_filter_bar
from assistant.apps.web.state import clean_filters


class FilterPanel:
    def __init__(self, helper: Any) -> None:
        self.helper = helper

    def build(self) -> None:
        with gr.Accordion("Filters", open=False, elem_id="filters"):
            options = filter_options(self.helper)
            with gr.Row():
                self.authority = gr.Dropdown(options["authority"], value="", label="Authority",
                                             elem_id="filter-authority", min_width=200)
                self.inspection_type = gr.Dropdown(options["inspection_type"], value="", label="Inspection type",
                                                   elem_id="filter-type", min_width=200)
                self.inspectorate = gr.Dropdown(options["inspectorate"], value="", label="Inspectorate",
                                                elem_id="filter-inspectorate", min_width=200)
                date_from = gr.Textbox(label="Date from", placeholder="e.g. 2018-07", elem_id="filter-from",
                                       min_width=150)
                date_to = gr.Textbox(label="Date to", placeholder="e.g. 2022", elem_id="filter-to", min_width=150)
            self.date_hint = gr.Markdown(options["date_hint"], elem_id="date-hint")
        self.bar = gr.HTML(render_filter_bar(self.helper, {}), elem_id="filter-bar",
                           js_on_load=read_asset("filter_bar.js"))
        # In state.FILTER_FIELDS order: handlers receive their values positionally.
        self.controls = [self.authority, self.inspection_type, self.inspectorate, date_from, date_to]

    def bar_for(self, *values: Any) -> str:
        """The filter bar for the controls' current values."""
        return render_filter_bar(self.helper, clean_filters(values))

    def wire(self) -> None:
        for control in self.controls:
            control.change(self.bar_for, inputs=self.controls, outputs=self.bar, show_progress="hidden", **PRIVATE)
        cleared = ("",) * len(self.controls)
        self.bar.clear(lambda: (*cleared, render_filter_bar(self.helper, {})), outputs=[*self.controls, self.bar],
                       **PRIVATE)

    def index_outputs(self) -> list[gr.components.Component]:
        return [self.authority, self.inspection_type, self.inspectorate, self.date_hint]

    def index_values(self) -> tuple[Any, ...]:
        options = filter_options(self.helper)
        return (gr.update(choices=options["authority"]), gr.update(choices=options["inspection_type"]),
                gr.update(choices=options["inspectorate"]), options["date_hint"])
