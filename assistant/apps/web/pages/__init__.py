"""The app's parts, one class each, in the kotaemon style: `build()` lays out its components inside the
current gradio Blocks context, `wire(...)` connects their events once every part exists.

ask.AskPage (the Ask tab: filters.FilterPanel, the chat, feedback.FeedbackPanel, sources.SourcesPanel) and
library.LibraryPage (the Library tab) are composed by assistant.apps.web.app.build_app with header.Header.
These modules import gradio at the top: only build_app imports them.
"""
