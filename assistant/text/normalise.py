"""Length-preserving normalisation: one character in, one out, so offsets into the cleaned text are
also offsets into the original text."""
from __future__ import annotations

import re

_CHAR_MAP = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
    **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", " "),
    "\t": " ",
    "\r": " ",
    "\f": "\n",
    "\v": "\n",
}
_TRANSLATION = str.maketrans(_CHAR_MAP)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Normalise quotes, exotic spaces and control characters without changing the length."""
    return _CONTROL.sub(" ", text.translate(_TRANSLATION))


def squash(text: str) -> str:
    """Collapse whitespace runs: for display and for comparing spans across formats."""
    return re.sub(r"\s+", " ", text).strip()


def normalise_for_match(text: str) -> str:
    """Comparison form: cleaned, lower-cased, whitespace collapsed."""
    return squash(clean(text)).lower()
