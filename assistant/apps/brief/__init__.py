"""Briefing notes with verified footnotes (Markdown, DOCX)."""
