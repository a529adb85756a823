"""Words, stems and content terms: the vocabulary of lexical matching and BM25."""
from __future__ import annotations

import re
from functools import lru_cache

from assistant.text.normalise import clean


# Hyphenated words are their parts: "early-stage" must match "an early stage".
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said say says tell told did does within whether there's
    what's""".split()
)


def words(text: str) -> list[str]:
    # "Warrington's" is Warrington: a possessive must not make a term of its own.
    return [w[:-2] if w.endswith("'s") else w for w in _WORD.findall(clean(text).lower())]


# Bump when words/stem/STOPWORDS change: saved BM25 indexes built with other tokens are then rebuilt.
TOKENIZER_VERSION = 3

_IRREGULAR = {
    "taken": "take", "took": "take", "given": "give", "gave": "give", "found": "find", "made": "make",
    "held": "hold", "seen": "see", "saw": "see", "led": "lead", "met": "meet", "spoke": "speak",
    "spoken": "speak", "chosen": "choose", "chose": "choose", "written": "write", "wrote": "write",
    "told": "tell", "brought": "bring", "kept": "keep", "left": "leave", "began": "begin", "begun": "begin",
    "children": "child", "people": "person", "focussed": "focus", "focussing": "focus",
}


# A question's candidates are a few thousand words over a vocabulary of a few thousand: stems are remembered.
@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'inspectors'/'inspector', 'judged'/'judgement'."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix in ("ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "s"):
        if suffix == "s" and word.endswith(("us", "ss", "is")):
            continue  # focus, process, analysis: not plurals
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            return base + "y" if suffix in ("ies", "ied") else base
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed, stopword-free terms: the vocabulary of lexical matching and BM25."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]
