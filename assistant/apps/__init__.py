"""The ways people reach the assistant: the command line, the web app, briefing notes."""
