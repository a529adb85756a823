"""Where a sentence names a person: a title before a capitalised word ("Cllr Smith", "Dr Jones"), or a
given name followed by a capitalised surname ("Jane Smith", "Andy M. Smith").

A given name is one of the ~60,000 first names of gender-guesser's dictionary (a PyPI package), so two
capitalised words that only look like a name ("Local Authority", "Slough Children") are not taken for a
person. A given name that is also a place whose council the gazetteer lists ("Kent County", "Devon
Council") is not taken for one either."""
from __future__ import annotations

import re
from functools import cache

from assistant.ingest.gazetteer import NAMES
from assistant.text import STOPWORDS
from assistant.text.patterns import TITLE

_TITLED = re.compile(rf"\b{TITLE}\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?")
# A capitalised word, and the capitalised surname after it (an initial may stand between).
# Looked for at every word, so "Councillor Jane Smith" and "Children Jane Smith" still find Jane Smith.
_GIVEN_THEN_SURNAME = re.compile(r"\b(?=(([A-Z][a-z]+)\s+(?:[A-Z]\.?\s+)?[A-Z][A-Za-z'-]+))")


@cache
def _given_names():
    import gender_guesser.detector  # a 4 MB dictionary: read on the first question that asks for a person

    return gender_guesser.detector.Detector(case_sensitive=False)


@cache
def _places() -> frozenset[str]:
    return frozenset(word.lower() for name in NAMES for word in name.split())


def is_given_name(word: str) -> bool:
    # "andy" (androgynous) holds many short words that are names somewhere ("In", "Summer"); a stopword
    # ("May", "Will") is taken for the word it usually is.
    lowered = word.lower()
    if lowered in STOPWORDS or lowered in _places():
        return False
    return _given_names().get_gender(word) not in ("unknown", "andy")


def people(text: str) -> list[tuple[int, int]]:
    """The spans of `text` that name a person, in order."""
    spans = [m.span() for m in _TITLED.finditer(text)]
    for m in _GIVEN_THEN_SURNAME.finditer(text):
        start = m.start()
        if any(a <= start < b for a, b in spans) or not is_given_name(m.group(2)):
            continue
        spans.append((start, start + len(m.group(1))))
    return sorted(spans)
