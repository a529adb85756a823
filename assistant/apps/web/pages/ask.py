"""The Ask tab: filters, the chat with its question box, feedback, and the citations/source side panel."""

from pathlib import Path
from typing import Any

import gradio as gr
from gradio import utils as gradio_utils

from assistant.apps.web.export import export_file
from assistant.apps.web.handlers import answer_question
from assistant.apps.web.pages.base import PRIVATE, event_data
from assistant.apps.web.pages.conversations import ConversationsPanel
from assistant.apps.web.pages.feedback import FeedbackPanel
from assistant.apps.web.pages.filters import FilterPanel
from assistant.apps.web.pages.sources import SourcesPanel
from assistant.apps.web.render import empty_source, read_asset, render_chat, render_citations
from assistant.apps.web.session_files import SessionFiles
from assistant.apps.web.state import clean_filters, pending_turn
from assistant.apps.web.warm import Warmup
from assistant.apps.web.welcome import welcome

LOADING = "Loading the model and the indexes… the question box opens when they are ready."
READY = "Ready: ask a question about the reports."


class AskPage:
    def __init__(self, helper: Any, conversation: gr.State, warmup: Warmup | None = None) -> None:
        self.helper = helper
        self.warmup = warmup  # None: nothing to wait for
        self.conversation = conversation
        self.exports = SessionFiles(Path(gradio_utils.get_upload_folder()) / "assistant-exports")
        self.filters = FilterPanel(helper)
        self.feedback = FeedbackPanel(helper)
        self.sources = SourcesPanel(helper)
        self.conversations = ConversationsPanel(helper)

    def export(self, conversation: Any, session: str) -> str | None:
        """The path of the conversation's Markdown download, replacing the session's previous one (None when there
        is nothing to export)."""
        made = export_file(conversation)
        if made is None:
            return None
        name, text = made
        return self.exports.replace(session, {name: text})[name]

    def build(self) -> None:
        with gr.Tab("Ask", id="ask", elem_id="tab-ask"):
            self.filters.build()
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=340):
                    # A rating's comment box opens above the conversation buttons, at the top of the column: in
                    # view without scrolling whatever the length of the chat.
                    self.feedback.build_box()
                    with gr.Row(equal_height=True, elem_id="conversation-bar"):
                        with gr.Column(scale=1, min_width=200):
                            self.status = gr.Markdown(self._status_text(), elem_id="app-status")
                        self.new_button = gr.Button("New conversation", size="sm", elem_id="new-conversation",
                                                    scale=0, min_width=140)
                        self.export_button = gr.DownloadButton("Export conversation (Markdown)", size="sm",
                                                               interactive=False, elem_id="export", scale=0,
                                                               min_width=220)
                    self.chat = gr.HTML(render_chat([], welcome(self.helper)), elem_id="chat",
                                        js_on_load=read_asset("chat.js"))
                    with gr.Row(equal_height=True):
                        self.question = gr.Textbox(show_label=False, placeholder="Ask about the inspection reports…",
                                                   lines=1, max_lines=6, scale=6, min_width=200, elem_id="question",
                                                   label="Question", autofocus=True, interactive=self._ready())
                        self.ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask",
                                                    interactive=self._ready())
                    self.feedback.build_status()
                with gr.Column(scale=2, min_width=300):
                    self.conversations.build()
                    self.sources.build()

    def welcome_if_empty(self, convo: list) -> Any:
        """A fresh welcome (what the index holds now) for an empty chat; an answered chat stays as it is."""
        return render_chat(convo, welcome(self.helper)) if not convo else gr.update()

    def _ready(self) -> bool:
        return self.warmup is None or self.warmup.ready

    def _status_text(self) -> str:
        if not self._ready():
            return LOADING
        error = self.warmup.error if self.warmup else None
        return f"Loading did not finish cleanly ({error}); questions may be slow or fail." if error else READY

    def readiness_outputs(self) -> list[gr.components.Component]:
        return [self.status, self.question, self.ask_button]

    def readiness(self):
        """Status and question box as they are now, then (if still loading) again once the warm-up is done."""
        def values() -> tuple[Any, ...]:
            ready = self._ready()
            return self._status_text(), gr.update(interactive=ready), gr.update(interactive=ready)

        yield values()
        if not self._ready():
            self.warmup.wait()
            yield values()

    def wire(self, demo: gr.Blocks) -> None:
        self.filters.wire()
        self.feedback.wire(self.chat, self.conversation)
        self.sources.wire(self.chat, self.conversation)
        self._wire_asking()
        self._wire_new_conversation()
        self.conversations.wire(demo, self)

        def on_unload(request: gr.Request) -> None:
            self.exports.discard(request.session_hash)

        demo.unload(on_unload)

    def _wire_asking(self) -> None:
        sources = self.sources

        def on_ask(request: gr.Request, text, convo, *filter_values):  # gradio fills request in: not an input
            # Two steps: the question shows as pending at once, the answer replaces it when it is ready.
            filters = clean_filters(filter_values)
            if not (text or "").strip():
                yield (gr.update(),) * 7
                return
            waiting = pending_turn(convo, text, filters)
            yield ("", waiting, render_chat(waiting), gr.update(), gr.update(), gr.update(),
                   gr.update(interactive=False))
            done = answer_question(self.helper, text, convo, filters)
            path = self.export(done, request.session_hash)
            # A question that was not answered (too long, or an error) goes back in the box to be mended, not lost.
            kept = text if done and done[-1].get("error") else ""
            yield (kept, done, render_chat(done), render_citations(done), gr.Tabs(selected="citations"),
                   gr.update(value=path, interactive=path is not None), gr.update(interactive=True))

        outputs = [self.question, self.conversation, self.chat, sources.citations, sources.tabs, self.export_button,
                   self.ask_button]
        ask = dict(fn=on_ask, inputs=[self.question, self.conversation, *self.filters.controls], outputs=outputs,
                   show_progress="hidden", **PRIVATE)

        def on_example(evt: gr.EventData):
            return str(event_data(evt).get("question", ""))

        # Each way of asking; the saved-conversations panel chains its save onto them.
        self.asked = [self.ask_button.click(**ask), self.question.submit(**ask),
                      self.chat.example(on_example, outputs=self.question, **PRIVATE).then(**ask)]

    def _wire_new_conversation(self) -> None:
        sources = self.sources
        feedback_outputs, feedback_values = self.feedback.cleared()
        saved_outputs, saved_values = self.conversations.cleared()

        outputs = [self.conversation, self.chat, sources.citations, sources.source, sources.tabs, self.export_button,
                   *feedback_outputs, *saved_outputs]

        def on_new(question):
            # confirm_new.js passes None when the user chose to keep a non-empty chat (the box's text otherwise).
            if question is None:
                return (gr.update(),) * len(outputs)
            return ([], render_chat([], welcome(self.helper)), render_citations([]), empty_source(),
                    gr.Tabs(selected="citations"), gr.update(value=None, interactive=False), *feedback_values,
                    *saved_values)

        self.new_button.click(on_new, inputs=self.question, outputs=outputs, js=read_asset("confirm_new.js"),
                              **PRIVATE)
