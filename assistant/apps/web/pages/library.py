"""The Library tab: upload reports (copied into the data folder and indexed), list them, correct one's
metadata, delete one."""

from pathlib import Path
from typing import Any

import gradio as gr
from gradio import utils as gradio_utils

from assistant.apps.web.corrections import FIELD_CHOICES, VALUE_HINT, correct_report
from assistant.apps.web.handlers import (
    LIBRARY_HEADERS, UPLOAD_HEADERS, delete_report, library_choices, library_rows, upload_reports,
)
from assistant.apps.web.pages.ask import AskPage
from assistant.apps.web.pages.base import PRIVATE, ShowsIndex, index_outputs, index_values
from assistant.apps.web.render import read_asset, render_library
from assistant.core.settings import SUPPORTED_EXTENSIONS


def discard_gradio_copies(files: list[str] | None) -> None:
    """Remove gradio's copies of uploaded files (kept in its folder, served by URL, until delete_cache would
    remove them): the data folder's copy is the one the index uses, and a deleted report leaves none behind."""
    folder = Path(gradio_utils.get_upload_folder()).resolve()
    for item in files or []:
        path = Path(str(item)).resolve()
        if path.is_relative_to(folder) and path.parent != folder:
            path.unlink(missing_ok=True)
            try:  # gradio gives each upload a folder of its own
                path.parent.rmdir()
            except OSError:
                pass


class LibraryPage:
    def __init__(self, helper: Any) -> None:
        self.helper = helper

    def build(self) -> None:
        settings = self.helper.settings
        with gr.Tab("Library", id="library", elem_id="tab-library"):
            gr.Markdown(
                f"## Add reports\n\n{', '.join(SUPPORTED_EXTENSIONS)} files up to {settings.max_file_mb:g} MB "
                "each. They are copied into the data folder and indexed; files that cannot be read are listed "
                "with the reason."
            )
            self.upload = gr.File(label="Report files", file_count="multiple",
                                  type="filepath", elem_id="upload", height=140)
            self.upload_status = gr.Markdown(elem_id="upload-status")
            self.upload_table = gr.Dataframe(headers=UPLOAD_HEADERS, value=[], interactive=False, wrap=True,
                                             visible=False, elem_id="upload-results", label="Upload results")
            gr.Markdown("## Indexed reports")
            # HTML rather than a Dataframe: each cell carries its column name (data-label) for the phone layout.
            self.table = gr.HTML(self.library_html(), elem_id="library")
            gr.Markdown("## Correct a report\n\nWhat you set replaces what was read from the text, in answers, "
                        "filters and this table, and is kept when the report is indexed again.")
            with gr.Row(equal_height=True):
                self.to_correct = gr.Dropdown(library_choices(self.helper), value=None, label="Report to correct",
                                              info="Choose one, or type its file name", allow_custom_value=True,
                                              scale=3, min_width=220, elem_id="correct-choice")
                self.field = gr.Dropdown(FIELD_CHOICES, value="authority", label="Field", scale=1, min_width=150,
                                         elem_id="correct-field")
                self.value = gr.Textbox(label="Correct value", info=VALUE_HINT, scale=3, min_width=220,
                                        elem_id="correct-value")
                self.correct_button = gr.Button("Apply", variant="primary", scale=1, min_width=100,
                                                elem_id="correct")
            self.correct_status = gr.Markdown(elem_id="correct-status")
            with gr.Row(equal_height=True):
                self.to_delete = gr.Dropdown(library_choices(self.helper), value=None, label="Report to delete",
                                             info="Removes the report and its passages from the index", scale=4,
                                             min_width=220, elem_id="delete-choice")
                self.delete_button = gr.Button("Delete from index", variant="stop", scale=1, min_width=140,
                                               elem_id="delete")
            self.delete_status = gr.Markdown(elem_id="delete-status")

    def library_html(self) -> str:
        return render_library(LIBRARY_HEADERS, library_rows(self.helper))

    def index_outputs(self) -> list[gr.components.Component]:
        return [self.table, self.to_correct, self.to_delete]

    def index_values(self) -> tuple[Any, ...]:
        choices = library_choices(self.helper)
        # The report being corrected stays chosen (for its next field, or a value typed again); one that has
        # left the index meanwhile is refused by the correction with a one-line message.
        return self.library_html(), gr.update(choices=choices), gr.update(choices=choices, value=None)

    def wire(self, ask: AskPage, views: list[ShowsIndex]) -> None:
        """Uploads, corrections and deletes change the index: the views of it in `views` are refreshed, and the
        filter bar."""
        filters = ask.filters
        refreshed = index_outputs(views)

        def on_upload(files, *filter_values, progress=gr.Progress()):
            def tick(done: int, total: int, path: str) -> None:
                progress((done, total), desc=f"Indexing {Path(path).name}")

            if files:  # the previous upload's outcome is not left showing while this one is indexed
                yield (gr.update(), f"Adding {len(files)} file(s)…", gr.update(visible=False),
                       *(gr.update() for _ in refreshed), gr.update())
            result = upload_reports(self.helper, files, tick)
            discard_gradio_copies(files)
            yield (None, result.message, gr.update(value=result.rows, visible=bool(result.rows)),
                   *index_values(views), filters.bar_for(*filter_values))

        self.upload.upload(on_upload, inputs=[self.upload, *filters.controls],
                           outputs=[self.upload, self.upload_status, self.upload_table, *refreshed, filters.bar],
                           **PRIVATE)

        def on_correct(doc_id, field, value, *filter_values):
            return (correct_report(self.helper, doc_id, field, value), *index_values(views),
                    filters.bar_for(*filter_values))

        self.correct_button.click(
            on_correct, inputs=[self.to_correct, self.field, self.value, *filters.controls],
            outputs=[self.correct_status, *refreshed, filters.bar], **PRIVATE,
        )

        def on_delete(doc_id):
            return (delete_report(self.helper, doc_id), *index_values(views))

        def after_delete(convo, *filter_values):
            return filters.bar_for(*filter_values), ask.welcome_if_empty(convo)

        self.delete_button.click(
            on_delete, inputs=self.to_delete, outputs=[self.delete_status, *refreshed],
            js=read_asset("confirm_delete.js"), **PRIVATE,
        ).then(after_delete, inputs=[ask.conversation, *filters.controls], outputs=[filters.bar, ask.chat], **PRIVATE)
