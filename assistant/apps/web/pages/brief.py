"""The Briefing note tab: pick an authority from the index or type a topic, preview the note, download it
as Markdown or Word (with real footnotes). The same builder as `assistant brief`."""

import logging
from pathlib import Path
from typing import Any

import gradio as gr
from gradio import utils as gradio_utils

from assistant.apps.web.brief import brief_files
from assistant.apps.web.handlers import filter_options
from assistant.apps.web.labels import one_line
from assistant.apps.web.pages.base import PRIVATE
from assistant.apps.web.session_files import SessionFiles
from assistant.core.errors import AssistantError

_INTRO = (
    "A briefing note gathers what the reports say about an authority (headline judgements, inspection history, "
    "strengths, areas for improvement, actions) or about a topic across all reports. Every point is quoted from "
    "a report and footnoted with the passage it rests on."
)
log = logging.getLogger(__name__)


class BriefPage:
    def __init__(self, helper: Any) -> None:
        self.helper = helper
        self.notes = SessionFiles(Path(gradio_utils.get_upload_folder()) / "assistant-briefs")

    def build(self) -> None:
        with gr.Tab("Briefing note", id="brief", elem_id="tab-brief"):
            gr.Markdown(f"## Build a briefing note\n\n{_INTRO}")  # the tab's section heading (h2 under the h1)
            with gr.Row(equal_height=True):
                self.authority = gr.Dropdown(self._authorities(), value="", label="Authority", scale=2,
                                             min_width=200, elem_id="brief-authority")
                self.topic = gr.Textbox(label="or a topic", placeholder="e.g. multi-agency safeguarding hub",
                                        scale=3, min_width=220, elem_id="brief-topic")
                self.button = gr.Button("Build briefing note", variant="primary", scale=1, min_width=120,
                                        elem_id="brief-build")
            self.status = gr.Markdown(elem_id="brief-status")
            with gr.Row():
                self.markdown_file = gr.DownloadButton("Download Markdown", size="sm", interactive=False,
                                                       elem_id="brief-download-md", min_width=120)
                self.docx_file = gr.DownloadButton("Download Word (DOCX)", size="sm", interactive=False,
                                                   elem_id="brief-download-docx", min_width=120)
            self.preview = gr.Markdown(elem_id="brief-preview")

    def _authorities(self) -> list[tuple[str, str]]:
        options = filter_options(self.helper)["authority"]
        return [("Choose an authority", "")] + options[1:]  # the filters' "Any authority" means none here

    def wire(self, demo: gr.Blocks) -> None:
        def on_build(authority: str, topic: str, request: gr.Request):
            off = gr.update(value=None, interactive=False)
            try:
                note = brief_files(self.helper, authority, topic, self.notes, request.session_hash)
            except AssistantError as exc:
                return one_line(exc), "", off, off
            except Exception as exc:  # never a traceback in the page; the log keeps it
                log.exception("brief failed")
                return f"Something went wrong while building the note ({one_line(exc)}).", "", off, off
            status = ("No indexed report matches; the note lists the reports searched." if note.empty
                      else f"Briefing note ready: {note.footnotes} footnoted passage(s).")
            return (status, note.preview, gr.update(value=note.markdown_path, interactive=True),
                    gr.update(value=note.docx_path, interactive=True))

        building = dict(fn=on_build, inputs=[self.authority, self.topic],
                        outputs=[self.status, self.preview, self.markdown_file, self.docx_file], **PRIVATE)
        self.button.click(**building)
        self.topic.submit(**building)

        def on_unload(request: gr.Request) -> None:
            self.notes.discard(request.session_hash)

        demo.unload(on_unload)

    def index_outputs(self) -> list[gr.components.Component]:
        return [self.authority]

    def index_values(self) -> tuple[Any, ...]:
        return (gr.update(choices=self._authorities()),)
