"""What the Briefing note tab does: the note `assistant brief` writes, for an authority picked from the index
or a typed topic, as Markdown (preview and download) and DOCX; no gradio here. (`/brief` for scripts calls
build.brief_markdown directly.)
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.apps.brief.build import build_brief
from assistant.apps.brief.docx import render_docx
from assistant.apps.brief.markdown import render_markdown
from assistant.apps.web.handlers import safe_upload_name
from assistant.apps.web.session_files import SessionFiles
from assistant.core.errors import InputError


@dataclass(frozen=True)
class BriefFiles:
    markdown: str
    preview: str  # the same note with superscript numbers and a Notes list (the preview renders no [^n])
    markdown_path: str
    docx_path: str
    footnotes: int
    empty: bool  # no indexed report matched: the note only lists what was searched


def brief_topic(authority: str | None, topic: str | None) -> str:
    """A typed topic wins over the picked authority (typing is the more deliberate act)."""
    chosen = (topic or "").strip() or (authority or "").strip()
    if not chosen:
        raise InputError("choose an authority or type a topic for the briefing note")
    return chosen


def brief_files(helper: Any, authority: str | None, topic: str | None, files: SessionFiles, session: str) -> BriefFiles:
    """Build the note once; its Markdown and DOCX replace the session's previous note among `files`, for the
    download buttons."""
    brief = build_brief(helper, brief_topic(authority, topic))
    markdown = render_markdown(brief)
    stem = Path(safe_upload_name(f"briefing-note-{brief.topics[0]}")).stem
    paths = files.replace(session, {f"{stem}.md": markdown, f"{stem}.docx": render_docx(brief)})
    return BriefFiles(markdown, render_markdown(brief, preview=True), paths[f"{stem}.md"], paths[f"{stem}.docx"],
                      len(brief.footnotes), brief.empty)

