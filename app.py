"""Start the Gradio app: `python app.py [--port N] [--host H]` (settings from ASSISTANT_* and .env).

On a fresh machine (empty index) the shipped corpus/ is ingested first.
"""
import argparse
import sys

import assistant  # noqa: F401  (offline environment before anything heavy loads)
from assistant.core.errors import AssistantError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Inspection report assistant: the web app.")
    parser.add_argument("--host", default=None, help="address to bind (default: ASSISTANT_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: ASSISTANT_PORT, 7860)")
    args = parser.parse_args(argv)
    from assistant.apps.web.launch import serve

    try:
        serve(host=args.host, port=args.port)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
