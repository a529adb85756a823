"""Saved conversations: every answered conversation is kept in this browser (localStorage, via gr.BrowserState)
and can be opened again, renamed or deleted. Nothing is stored on the server."""

import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.apps.web.pages.base import PRIVATE
from assistant.apps.web.render import empty_source, read_asset, render_chat, render_citations
from assistant.apps.web.state import delete_saved, find_saved, rename_saved, save_conversation, saved_choices

if TYPE_CHECKING:
    from assistant.apps.web.pages.ask import AskPage

STORAGE_KEY = "inspection-assistant-conversations"


def browser_secret(data_dir: Path) -> str:
    """The key gr.BrowserState encrypts with, kept in data_dir: a new key each start would make every browser's
    saved conversations unreadable after a restart."""
    path = Path(data_dir) / "browser-state.key"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(16)
        path.write_text(secret, encoding="utf-8")
        return secret


class ConversationsPanel:
    def __init__(self, helper: Any) -> None:
        self.settings = helper.settings

    def build(self) -> None:
        self.saved = gr.BrowserState([], storage_key=STORAGE_KEY, secret=browser_secret(self.settings.data_dir))
        self.current = gr.State(None)  # the id the shown conversation is saved under (None: not saved yet)
        with gr.Accordion("Saved conversations", open=False, elem_id="saved-conversations"):
            self.choice = gr.Dropdown(label="Open a conversation kept in this browser", choices=[], value=None,
                                      elem_id="saved-choice")
            with gr.Row(equal_height=True):
                self.name = gr.Textbox(label="Name", max_lines=1, scale=3, min_width=160, elem_id="saved-name")
                self.rename = gr.Button("Rename", size="sm", scale=0, min_width=90, elem_id="saved-rename")
                self.delete = gr.Button("Delete", size="sm", variant="stop", scale=0, min_width=90,
                                        elem_id="saved-delete")
            self.status = gr.Markdown(elem_id="saved-status")

    def cleared(self) -> tuple[list[gr.components.Component], tuple[Any, ...]]:
        """Outputs and values for a new conversation: not saved yet, nothing chosen in the list."""
        return [self.current, self.choice, self.name], (None, gr.update(value=None), "")

    def wire(self, demo: gr.Blocks, page: "AskPage") -> None:
        limit = self.settings.limits.saved_conversations

        def listed(saved: Any, chosen: str | None) -> Any:
            return gr.update(choices=saved_choices(saved), value=chosen if find_saved(saved, chosen) else None)

        demo.load(lambda saved: listed(saved, None), inputs=self.saved, outputs=self.choice, **PRIVATE)

        def on_answered(convo, current, saved, name):
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            saved, current = save_conversation(saved, current, convo, limit, now)
            # The name box shows what the list shows, as opening a conversation does; a name being typed stays.
            entry = find_saved(saved, current) or {}
            return saved, current, listed(saved, current), name if (name or "").strip() else entry.get("title", "")

        # Saved after every answer, and after a rating (a reopened answer shows it).
        for changed in (*page.asked, page.feedback.rated):
            changed.then(on_answered, inputs=[page.conversation, self.current, self.saved, self.name],
                       outputs=[self.saved, self.current, self.choice, self.name], **PRIVATE)

        shown = [page.conversation, page.chat, page.sources.citations, page.sources.source, page.export_button]

        def on_open(chosen, saved, request: gr.Request):
            entry = find_saved(saved, chosen)
            if entry is None:
                return (gr.update(),) * (len(shown) + 3) + ("That conversation is no longer saved.",)
            turns = entry["turns"]
            path = page.export(turns, request.session_hash)
            return (turns, render_chat(turns), render_citations(turns), empty_source(),
                    gr.update(value=path, interactive=path is not None), entry["id"], entry.get("title", ""),
                    gr.update(), "")

        self.choice.input(on_open, inputs=[self.choice, self.saved],
                          outputs=[*shown, self.current, self.name, self.saved, self.status], **PRIVATE)

        def on_rename(chosen, name, saved):
            if not find_saved(saved, chosen):
                return gr.update(), gr.update(), "Choose a saved conversation to rename."
            saved = rename_saved(saved, chosen, name)
            return saved, listed(saved, chosen), "Renamed."

        self.rename.click(on_rename, inputs=[self.choice, self.name, self.saved],
                          outputs=[self.saved, self.choice, self.status], **PRIVATE)

        def on_delete(chosen, saved, current):
            if not chosen or not find_saved(saved, chosen):
                return gr.update(), gr.update(), gr.update(), gr.update(), "Choose a saved conversation to delete."
            saved = delete_saved(saved, chosen)
            # The chat on screen stays; asking again there saves it as a new conversation.
            return saved, listed(saved, None), None if current == chosen else current, "", "Deleted."

        self.delete.click(on_delete, inputs=[self.choice, self.saved, self.current],
                          outputs=[self.saved, self.choice, self.current, self.name, self.status],
                          js=read_asset("confirm_delete_saved.js"), **PRIVATE)
