"""The one place a question, its history, its filters and k are checked: the CLI, the app and the library all ask
through Assistant.ask, which calls these."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from assistant.core.errors import InputError
from assistant.core.settings import LimitsSettings
from assistant.core.types import Turn

MAX_QUESTION_CHARS = 2000
MAX_K = 100


def has_words(text: str) -> bool:
    """Whether the text holds a letter or digit: punctuation alone ("?!") names nothing to search for, and retrieval
    would answer it from whatever ranked first."""
    return any(character.isalnum() for character in text)


def checked_question(question: Any) -> str:
    if not isinstance(question, str):
        raise InputError(f"the question is not a string (got {type(question).__name__})")
    if not question.strip():
        raise InputError("the question is empty")
    if not has_words(question):
        raise InputError("the question has no words")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return " ".join(question.split())


def checked_history(history: Any, limits: LimitsSettings = LimitsSettings()) -> list[Turn]:
    """The turns, refused when too many or too long: earlier turns feed the rewritten query, so an unbounded
    history would bypass the question's own limit."""
    if isinstance(history, (str, bytes)) or not isinstance(history, Iterable):
        raise InputError("history must be a list of {role, content} objects")
    entries = list(history)
    if len(entries) > limits.history_turns:
        raise InputError(f"history has {len(entries)} turns; the limit is {limits.history_turns}")
    turns = [_turn(t) for t in entries]
    chars = sum(len(t.content) for t in turns)
    if chars > limits.history_chars:
        raise InputError(f"history holds {chars} characters; the limit is {limits.history_chars}")
    return turns


def checked_k(k: Any, default: int) -> int:
    if k is None:
        return default
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InputError(f"k must be a whole number between 1 and {MAX_K}, not {k!r}")
    return k


def checked_filters(filters: Any) -> dict[str, str]:
    """The filters as text, a blank value meaning no filter (as a blank box in the app does). Which keys and dates
    are known is retrieval's to say (retrieval/hybrid.check_filters)."""
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise InputError(f'filters must be an object such as {{"authority": "Wirral"}}, not {type(filters).__name__}')
    checked: dict[str, str] = {}
    for key, value in filters.items():
        if isinstance(value, (Mapping, list, tuple, set)):
            raise InputError(f"filter '{key}' must be one value, not {type(value).__name__}")
        text = "" if value is None else str(value).strip()
        if text:
            checked[str(key)] = text
    return checked


def _turn(turn: Turn | Mapping[str, str]) -> Turn:
    if isinstance(turn, Turn):
        return turn
    if not isinstance(turn, Mapping):
        raise InputError("history entries must be objects with 'role' and 'content'")
    role, content = turn.get("role"), turn.get("content")
    if role not in ("user", "assistant") or not isinstance(content, str):
        raise InputError("history entries need role 'user' or 'assistant' and text content")
    return Turn(role, content)
