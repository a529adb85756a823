"""The Gradio app. Read in this order:

- state.py      the conversation kept between events, and the filter values
- handlers.py   what happens when the user asks, opens a citation, uploads, deletes or rates (no gradio)
- render.py     HTML from templates/*.html (Jinja2, every value escaped); export.py the copy text and Markdown
- pages/        one class per part of the page, each building its components and wiring its events
- app.py        build_app: the pages composed into one Blocks, plus the /ask endpoint
- launch.py     serve / launch: settings, theme and CSS (assets/app.css), auth, the shipped corpus on first run
"""
