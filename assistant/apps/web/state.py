"""The conversation the app keeps in `gr.State`, and the filter values: what every handler and page reads.

A conversation is a list of turns (plain dicts, so gradio can copy them between events):
`{"question", "answer" (Answer JSON + "notes"), "filters", "rating"}`, `{"question", "error", "filters"}`
when asking failed, or `{"question", "pending": True, "filters"}` while an answer is on its way.
"""

from typing import Any, Mapping, Sequence

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
    """Filter controls -> the filters dict for Assistant.ask; blanks and 'any' mean no filter."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        values = {key: value for (key, _), value in zip(FILTER_FIELDS, values)}
    filters: dict[str, str] = {}
    for key, _label in FILTER_FIELDS:
        value = values.get(key)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        text = "" if value is None else str(value).strip()
        if text:
            filters[key] = text
    return filters


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
