"""Warming the Assistant while the app starts, so the first question is answered as fast as later ones.

Without it the first question pays for loading the embedding model (torch, the weights, the first encode),
opening the Chroma collections, reading the BM25 index and the ranker: ~10 s against ~0.5 s afterwards.
One real question, asked in a background thread right after the server is up and rendered as the page
renders it (so the templates are compiled too), walks that whole path; the page shows "loading" until it is
done (pages/ask.py).
"""

import logging
import threading
import time
from typing import Any

from assistant.apps.web.handlers import answer_question
from assistant.apps.web.labels import one_line
from assistant.apps.web.render import render_chat, render_citations
from assistant.apps.web.welcome import examples_for
from assistant.core.errors import AssistantError

log = logging.getLogger(__name__)

# Asked when the index names nothing an example could be built from; any question exercises the same path.
FALLBACK_QUESTION = "What did inspectors find?"


class Warmup:
    """One warm-up run per app: `start()` it, `wait()` for it; `error` says why it failed (None if it did not)."""

    def __init__(self, helper: Any) -> None:
        self.helper = helper
        self.error: str | None = None
        self.seconds: float | None = None
        self._done = threading.Event()

    def start(self) -> "Warmup":
        threading.Thread(target=self._run, name="assistant-warm-up", daemon=True).start()
        return self

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the warm-up has finished (successfully or not) within `timeout` seconds."""
        return self._done.wait(timeout)

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            documents = self.helper.documents()
            # An empty index has nothing to search: the first upload loads the model anyway.
            if documents:
                question = (examples_for(documents) or (FALLBACK_QUESTION,))[0]
                conversation = answer_question(self.helper, question, [])
                render_chat(conversation)
                render_citations(conversation)
                self.error = conversation[-1].get("error")
        except AssistantError as exc:
            self.error = one_line(exc)
        except Exception as exc:  # the app still serves; the first question will show what is wrong
            log.exception("warming the assistant failed")
            self.error = f"something went wrong while loading ({one_line(exc)})"
        finally:
            self.seconds = time.perf_counter() - started
            self._done.set()

