"""Question answering over children's-services inspection reports, with verified citations."""
import os

# Set before any heavy import: gradio, transformers and the hub client otherwise reach for the network.
for _key, _value in (
    ("HF_HUB_OFFLINE", "1"),
    ("TRANSFORMERS_OFFLINE", "1"),
    ("GRADIO_ANALYTICS_ENABLED", "False"),
    ("ANONYMIZED_TELEMETRY", "False"),
    ("TOKENIZERS_PARALLELISM", "false"),
    ("TRANSFORMERS_VERBOSITY", "error"),
    ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
):
    os.environ.setdefault(_key, _value)

from assistant.core.errors import AssistantError  # noqa: E402
from assistant.core.settings import Settings  # noqa: E402


def __getattr__(name: str):
    # Lazy so `import assistant` (and `assistant --help`) stays instant.
    if name == "Assistant":
        from assistant.pipeline import Assistant

        return Assistant
    raise AttributeError(name)


__all__ = ["Assistant", "AssistantError", "Settings"]
