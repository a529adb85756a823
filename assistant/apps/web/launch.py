"""Serving the app: `assistant serve` and `python app.py` call `serve`; `launch` opens the Assistant (ingesting
the shipped corpus into an empty index), starts gradio with `launch_options` (theme, CSS, auth, limits) and
then warms the Assistant in the background (warm.py)."""

import sys
from pathlib import Path
from typing import Any, Callable

from assistant.apps.web.app import build_app
from assistant.apps.web.labels import one_line
from assistant.apps.web.render import read_asset
from assistant.apps.web.warm import Warmup
from assistant.core.errors import AssistantError, ConfigurationError
from assistant.core.settings import Settings


def launch_options(settings: Settings) -> dict[str, Any]:
    """Theme, CSS, auth (throttled) and limits for Blocks.launch (Gradio 6 takes them at launch, not in Blocks())."""
    import gradio as gr
    from starlette.middleware import Middleware

    from assistant.apps.web.throttle import LoginThrottle

    # System fonts: nothing fetched from the network, and crisp on every platform.
    sans = ("system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Liberation Sans",
            "DejaVu Sans", "sans-serif")
    mono = ("ui-monospace", "SFMono-Regular", "Consolas", "Liberation Mono", "DejaVu Sans Mono", "monospace")
    theme = gr.themes.Default(primary_hue="indigo", neutral_hue="slate", font=sans, font_mono=mono)
    limits = settings.limits
    throttle = Middleware(LoginThrottle, limit=limits.login_failures, window_s=limits.login_window_s)
    return {
        "theme": theme,
        "css": read_asset("app.css"),
        "auth": settings.auth_pair,
        "auth_message": "Sign in to the inspection report assistant." if settings.auth_pair else None,
        "max_file_size": settings.max_file_bytes,
        "footer_links": ["api"],
        "ssr_mode": False,
        "show_error": False,
        # Passed to gradio's FastAPI app: middleware added after it has started would be refused.
        "app_kwargs": {"middleware": [throttle]} if settings.auth_pair else {},
    }


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the app on this machine (the default, 127.0.0.1)."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def ensure_corpus(helper: Any, echo: Callable[[str], None] = print) -> None:
    """On a fresh machine (empty index) ingest the shipped corpus so the app opens with reports in it."""
    try:
        if helper.documents():
            return
    except AssistantError:
        pass
    corpus = Path(helper.settings.corpus_dir)
    if not corpus.is_dir():
        echo(f"The index is empty and {corpus} does not exist: add reports in the Library tab.")
        return
    echo(f"The index is empty: ingesting {corpus} first ...")
    report = helper.ingest([corpus])
    echo(f"{report.count('indexed')} indexed, {report.count('unchanged')} unchanged, {report.count('failed')} failed")
    for outcome in report.failed:
        echo(f"  {outcome.path}: {outcome.reason}")


def launch(settings: Settings, helper: Any | None = None, prevent_thread_lock: bool = False):
    """Open the Assistant (ingesting the corpus if the index is empty) and serve the app on settings.host:port."""
    if helper is None:
        from assistant.pipeline import Assistant

        helper = Assistant.open(settings)
    ensure_corpus(helper)
    if not is_loopback(settings.host) and settings.auth_pair is None:
        print(f"warning: serving on {settings.host} without ASSISTANT_AUTH: anyone who can reach this address can "
              "use the app and upload reports", file=sys.stderr, flush=True)
    warmup = Warmup(helper)
    demo = build_app(helper, warmup)
    # What Blocks(delete_cache=...) sets; gradio reads it when launch builds its server. Uploads and exports
    # older than the age go, checked as often (and all of them when the server stops).
    demo.delete_cache = (settings.limits.temp_file_age_s, settings.limits.temp_file_age_s)
    demo.queue(default_concurrency_limit=2)
    result = demo.launch(
        server_name=settings.host, server_port=settings.port, prevent_thread_lock=True, quiet=True,
        **launch_options(settings),
    )
    # Warmed once the server is up: the page opens at once and says "loading" until the first answer is fast.
    warmup.start()
    print(f"Inspection report assistant on {demo.local_url} (Ctrl+C to stop)", flush=True)
    if not prevent_thread_lock:
        demo.block_thread()
    return result


def serve(host: str | None = None, port: int | None = None) -> None:
    """`assistant serve` and `python app.py`: Settings from the environment, host/port overridable."""
    from assistant.core.settings import load_settings

    if port is not None and not 1 <= port <= 65535:
        raise ConfigurationError(f"port {port} is not between 1 and 65535")
    settings = load_settings()
    update = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    if update:
        settings = settings.model_copy(update=update)
    try:
        launch(settings)
    except OSError as exc:
        reason = "the port is already in use (choose another with --port)" if "empty port" in str(exc) \
            else one_line(exc)
        raise ConfigurationError(f"cannot serve on {settings.host}:{settings.port}: {reason}") from None
