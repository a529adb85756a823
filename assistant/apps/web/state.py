"""The conversation the app keeps in `gr.State`, the filter values, and the conversations the browser keeps:
what every handler and page reads.

A conversation is a list of turns (plain dicts, so gradio can copy them between events):
`{"question", "answer" (Answer JSON + "notes"), "filters", "rating"}`, `{"question", "error", "filters"}`
when asking failed, or `{"question", "pending": True, "filters"}` while an answer is on its way.
"""

from typing import Any, Mapping, Sequence

from assistant.apps.web.labels import shortened
from assistant.core.inputs import checked_filters

Conversation = list  # list[dict[str, Any]], see the module docstring

# UI filter fields, in the order the filter controls pass them; keys are retrieval.hybrid.FILTER_KEYS.
FILTER_FIELDS = (
    ("authority", "Authority"),
    ("inspection_type", "Inspection type"),
    ("inspectorate", "Inspectorate"),
    ("date_from", "From"),
    ("date_to", "To"),
)
FILTER_LABELS = dict(FILTER_FIELDS)


def clean_filters(values: Mapping[str, Any] | Sequence[Any] | None) -> dict[str, str]:
    """Filter controls -> the filters dict for Assistant.ask: a control holding a list gives its first value, and a
    blank means no filter (`checked_filters`, as for every caller of ask)."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        values = {key: value for (key, _), value in zip(FILTER_FIELDS, values)}
    picked = {}
    for key, _label in FILTER_FIELDS:
        value = values.get(key)
        picked[key] = (value[0] if value else None) if isinstance(value, (list, tuple)) else value
    return checked_filters(picked)


def filter_text(filters: Mapping[str, str]) -> str:
    """Active filters as "Authority: Warrington, From: 2018"."""
    return ", ".join(f"{FILTER_LABELS.get(k, k)}: {v}" for k, v in filters.items())


def settled(conversation: Conversation | None) -> Conversation:
    """The conversation without a pending turn (a new question replaces one that never finished)."""
    return [t for t in (conversation or []) if not t.get("pending")]


def history_of(conversation: Conversation) -> list[dict[str, str]]:
    """The conversation as Assistant.ask history: answered turns only (errors and pending turns skipped)."""
    turns: list[dict[str, str]] = []
    for turn in conversation:
        answer = turn.get("answer")
        if not answer:
            continue
        turns.append({"role": "user", "content": turn["question"]})
        turns.append({"role": "assistant", "content": answer["answer"]})
    return turns


def pending_turn(conversation: Conversation | None, question: str, filters: Mapping[str, Any] | None) -> Conversation:
    """The conversation with the question shown as waiting for its answer."""
    return settled(conversation) + [
        {"question": (question or "").strip(), "pending": True, "filters": clean_filters(filters)}
    ]


def latest_answered(conversation: Conversation | None) -> int:
    """Index of the last turn with an answer, -1 if none."""
    for index in range(len(conversation or []) - 1, -1, -1):
        if conversation[index].get("answer"):
            return index
    return -1


# ---------------------------------------------------------------- conversations kept in the browser
# The browser keeps earlier conversations (gr.BrowserState, localStorage) as a list, newest first:
# `{"id", "title", "named" (True once renamed), "updated" (ISO time), "turns"}`. The list comes back from the
# browser, so every reader below takes what it can use and skips what it cannot.

TITLE_CHARS = 60


def _entries(saved: Any) -> list[dict[str, Any]]:
    """The well-formed entries of a saved list (anything else the browser sent is ignored)."""
    if not isinstance(saved, list):
        return []
    return [e for e in saved
            if isinstance(e, dict) and isinstance(e.get("id"), str) and isinstance(e.get("turns"), list)]


def kept_turns(conversation: Conversation | None) -> Conversation:
    """The turns worth keeping: settled ones, without the retrieved passages (the browser's storage is small and
    nothing shown or exported reads them)."""
    turns = []
    for turn in settled(conversation):
        turn = dict(turn)
        if isinstance(turn.get("answer"), dict):
            turn["answer"] = {k: v for k, v in turn["answer"].items() if k != "retrieved"}
        turns.append(turn)
    return turns


def title_of(conversation: Conversation) -> str:
    """A conversation's default name: its first question, shortened at a word."""
    first = " ".join(str(conversation[0].get("question", "")).split()) if conversation else ""
    return shortened(first, TITLE_CHARS) or "Untitled conversation"


def save_conversation(
    saved: Any, conversation_id: str | None, conversation: Conversation | None, limit: int, now: str,
) -> tuple[list[dict[str, Any]], str | None]:
    """The saved list with this conversation first (new, or updated under its id) and at most `limit` entries;
    returns the list and the conversation's id (None, and the list unchanged, for an empty conversation)."""
    import uuid

    entries = _entries(saved)
    turns = kept_turns(conversation)
    if not turns:
        return entries, conversation_id
    earlier = find_saved(entries, conversation_id)
    named = bool(earlier and earlier.get("named"))
    entry = {"id": conversation_id if earlier else uuid.uuid4().hex[:12],
             "title": str(earlier["title"]) if named else title_of(turns), "named": named, "updated": now,
             "turns": turns}
    return [entry] + [e for e in entries if e["id"] != entry["id"]][: max(0, limit - 1)], entry["id"]


def rename_saved(saved: Any, conversation_id: str | None, name: str | None) -> list[dict[str, Any]]:
    """The saved list with that conversation renamed (a blank name restores the first question)."""
    name = " ".join(str(name or "").split())[:200]
    return [
        {**e, "title": name or title_of(e["turns"]), "named": bool(name)} if e["id"] == conversation_id else e
        for e in _entries(saved)
    ]


def delete_saved(saved: Any, conversation_id: str | None) -> list[dict[str, Any]]:
    return [e for e in _entries(saved) if e["id"] != conversation_id]


def find_saved(saved: Any, conversation_id: str | None) -> dict[str, Any] | None:
    return next((e for e in _entries(saved) if e["id"] == conversation_id), None)


def saved_choices(saved: Any) -> list[tuple[str, str]]:
    """(label, id) for the saved-conversations list: "name · 3 questions · 2026-12-04"."""
    choices = []
    for entry in _entries(saved):
        count = len(entry["turns"])
        day = str(entry.get("updated", ""))[:10]
        label = f"{entry.get('title') or 'Untitled conversation'} · {count} question{'s' if count != 1 else ''}"
        choices.append((f"{label} · {day}" if day else label, entry["id"]))
    return choices
