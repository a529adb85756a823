"""The title line above the tabs, with how many reports and passages are indexed."""

from typing import Any

import gradio as gr

from assistant.apps.web.render import header_html


class Header:
    def __init__(self, helper: Any) -> None:
        self.helper = helper

    def build(self) -> None:
        self.html = gr.HTML(header_html(self.helper), elem_id="app-header")

    def index_outputs(self) -> list[gr.components.Component]:
        return [self.html]

    def index_values(self) -> tuple[Any, ...]:
        return (header_html(self.helper),)
