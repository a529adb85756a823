"""One exception tree: callers catch AssistantError; the CLI turns it into a one-line message."""


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class ConfigurationError(AssistantError):
    """A setting is invalid or a required resource (model, server) is unusable."""


class IndexMissingError(AssistantError):
    """No index has been built for the current settings."""

    def __init__(self, message: str = "no index found: run `assistant ingest` first") -> None:
        super().__init__(message)


class LoadError(AssistantError):
    """A single input file could not be read; ingest skips it and reports why."""


class InputError(AssistantError):
    """A question, filter or other user input is unusable."""


class StoreError(AssistantError):
    """The vector store failed or became unreachable."""


class IndexBusyError(AssistantError):
    """Another process holds the ingest lock."""
