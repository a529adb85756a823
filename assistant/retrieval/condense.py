"""Follow-up questions into standalone ones: rule-based by default, a chat model when one is configured."""
from __future__ import annotations

import logging
import re
from typing import Sequence

from assistant.ingest.describe import authorities_in
from assistant.core.types import Turn

log = logging.getLogger(__name__)

# "What about Wirral?", "And in Warrington's pilot inspection?", "And the strengths?": the previous question, about
# something else.
_FOLLOW_UP = re.compile(
    r"^\s*(?:and\s+(?:(?:what|how)\s+about\s+|in\s+|for\s+|at\s+)?|(?:what|how)\s+about\s+|in\s+|for\s+|at\s+)"
    r"(.+?)\s*\??\s*$", re.I)
_ASKS = re.compile(r"\b(what|how|which|who|whom|when|where|why|did|does|do|was|were|is|are|has|have)\b", re.I)
_PRONOUN = re.compile(r"\b(it|its|they|them|their|that|this|those|these|there|the same)\b", re.I)


def last_user_question(history: Sequence[Turn]) -> str | None:
    return next((t.content for t in reversed(history) if t.role == "user" and t.content.strip()), None)


def rule_rewrite(question: str, history: Sequence[Turn]) -> str:
    previous = last_user_question(history)
    if not previous:
        return question
    previous_authorities = authorities_in(previous, any_case=True)
    follow_up = _FOLLOW_UP.match(question)
    if follow_up and not _ASKS.search(follow_up.group(1)):
        subject = follow_up.group(1)
        named = authorities_in(subject, any_case=True)
        if named and previous_authorities:
            rewritten = previous
            for old in previous_authorities:
                rewritten = re.sub(re.escape(old), named[0], rewritten, flags=re.I)
            # "...in Warrington's multi-agency pilot inspection": the report it names stays in the question.
            rest = re.sub(rf"^(?:the\s+)?{re.escape(named[0])}(?:'s)?\s*", "", subject, flags=re.I).strip()
            return f"{rewritten.rstrip(' ?')} ({rest})?" if rest else rewritten
        if named:
            return f"{previous.rstrip(' ?')} in {named[0]}?"
        # "What about strategy meetings?" keeps the previous subject (the authority) and changes the topic.
        where = f" in {previous_authorities[0]}" if previous_authorities else ""
        return f"What did the reports say about {subject}{where}?"
    if not authorities_in(question, any_case=True) and previous_authorities and _PRONOUN.search(question):
        return f"{question.rstrip(' ?')} ({_subject(previous, previous_authorities[0])})?"
    return question


def _subject(question: str, authority: str) -> str:
    """What a question was about: the authority, with what of it the question named ("Northamptonshire's
    children's services"), so a pronoun that stands for it brings its words along."""
    owned = re.search(rf"{re.escape(authority)}['\u2019]s\s+((?:[\w-]+(?:['\u2019]s)?\s+)?[\w-]+)", question, re.I)
    return f"{authority}'s {owned.group(1)}" if owned else authority


def llm_rewrite(question: str, history: Sequence[Turn], chat_model) -> str:
    if not history:
        return question
    transcript = "\n".join(f"{t.role}: {t.content}" for t in history[-6:])
    prompt = [
        ("system", "Rewrite the last question so it can be understood without the conversation. "
                   "Reply with the rewritten question only."),
        ("human", f"{transcript}\nuser: {question}"),
    ]
    try:
        reply = chat_model.invoke(prompt)
        text = str(reply.content).strip().splitlines()[0].strip() if str(reply.content).strip() else ""
    except Exception as exc:  # a failing model must not block the question
        log.warning("LLM rewrite failed (%s); using the rule-based rewrite", exc)
        return rule_rewrite(question, history)
    return text if 3 <= len(text) <= 500 else rule_rewrite(question, history)
