"""Thumbs up/down on an answer, then an optional comment; each is a line in data_dir/feedback.jsonl."""

from typing import Any

import gradio as gr

from assistant.apps.web.handlers import record_feedback
from assistant.apps.web.labels import one_line
from assistant.apps.web.pages.base import PRIVATE, event_data
from assistant.apps.web.render import render_chat
from assistant.core.errors import AssistantError


class FeedbackPanel:
    def __init__(self, helper: Any) -> None:
        self.settings = helper.settings

    def build_box(self) -> None:
        """The comment box, hidden until a rating: one line with its buttons, so opening it moves the chat
        below it only a little."""
        with gr.Column(visible=False, elem_id="comment-box") as self.comment_box:
            with gr.Row(equal_height=True):
                self.comment = gr.Textbox(label="Add a comment to your rating (optional)", show_label=False,
                                          placeholder="Add a comment to your rating (optional)", lines=1,
                                          max_lines=4, scale=4, min_width=200, elem_id="comment")
                self.send = gr.Button("Send comment", size="sm", variant="primary", elem_id="send-comment",
                                      scale=0, min_width=110)
                self.skip = gr.Button("No comment", size="sm", elem_id="skip-comment", scale=0, min_width=100)

    def build_status(self) -> None:
        self.status = gr.Markdown(elem_id="feedback-status")
        # The last rating's entry: a comment is recorded under the same feedback_id.
        self.last = gr.State(None)

    def cleared(self) -> tuple[list[gr.components.Component], tuple[Any, ...]]:
        """Outputs and values that reset the panel for a new conversation."""
        return [self.comment_box, self.status, self.last], (gr.update(visible=False), "", None)

    def wire(self, chat: gr.HTML, conversation: gr.State) -> None:
        def on_rate(convo, evt: gr.EventData):
            data = event_data(evt)
            try:
                entry = record_feedback(self.settings, convo, data.get("turn"), str(data.get("rating")))
            except AssistantError as exc:
                return convo, gr.update(), gr.update(visible=False), f"Feedback not recorded: {one_line(exc)}", None
            except OSError as exc:
                return convo, gr.update(), gr.update(visible=False), f"Feedback not saved: {exc.strerror or exc}", None
            convo = [dict(t) for t in convo]
            convo[entry["turn"]]["rating"] = entry["rating"]
            mark = "helpful" if entry["rating"] == "up" else "not helpful"
            return (convo, render_chat(convo), gr.update(visible=True),
                    f"Thanks: answer {entry['turn'] + 1} marked {mark}.", entry)

        self.rated = chat.rate(on_rate, inputs=conversation,
                               outputs=[conversation, chat, self.comment_box, self.status, self.last],
                               show_progress="hidden", **PRIVATE)

        def on_comment(convo, text, entry):
            if not entry or not (text or "").strip():
                return gr.update(visible=False), "", "No comment added." if entry else ""
            try:
                record_feedback(self.settings, convo, entry["turn"], entry["rating"], text,
                                feedback_id=entry["feedback_id"])
            except (AssistantError, OSError) as exc:
                return gr.update(visible=True), text, f"Comment not saved: {one_line(exc)}"
            return gr.update(visible=False), "", "Thanks, your comment was saved."

        self.send.click(on_comment, inputs=[conversation, self.comment, self.last],
                        outputs=[self.comment_box, self.comment, self.status], **PRIVATE)
        self.skip.click(lambda: (gr.update(visible=False), ""), outputs=[self.comment_box, self.comment], **PRIVATE)
