"""Text normalisation and sentence segmentation shared by chunking, answering and evaluation.

`clean` is length-preserving (one character in, one out) so offsets into the cleaned text are
also offsets into the original text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_ABBREVIATIONS = re.compile(r"(?:\b(?:e\.g|i\.e|etc|Mr|Mrs|Ms|Dr|No|St|Cllr|vs|approx)|\b[A-Z])\.$")
_SENTENCE_END = re.compile(r"""[.!?]["')\]]*(?=\s)""")
_BULLET = re.compile(r"\s*(?:[-*\u2022\u00b7\u25aa\u25cf\u2013]|\d{1,2}[.)])\s+")
_PARAGRAPH = re.compile(r"\n[ ]*\n\s*")
_TERMINAL = re.compile(r"""[.!?:;"')\]]\s*$""")


def _paragraphs(text: str) -> list[Span]:
    """Blank-line separated blocks; a block that breaks mid-sentence is joined to the next one."""
    spans: list[Span] = []
    position = 0
    for match in list(_PARAGRAPH.finditer(text)) + [None]:
        end = match.start() if match else len(text)
        if text[position:end].strip():
            spans.append(Span(position, end))
        position = match.end() if match else len(text)
    joined: list[Span] = []
    for span in spans:
        if joined and _continues(text[joined[-1].start : joined[-1].end], text[span.start : span.end]):
            joined[-1] = Span(joined[-1].start, span.end)
        else:
            joined.append(span)
    return joined


def _continues(previous: str, following: str) -> bool:
    """True when `following` is the rest of a sentence broken across a blank line (PDF/web artefact)."""
    if _TERMINAL.search(previous):
        return False
    head = following.lstrip()
    head = head[1:] if head[:1] in "'\"" else head
    return bool(head[:1]) and head[:1].islower()


def _lines(text: str, block: Span) -> list[Span]:
    """Split a block on line breaks that end a sentence or start a list item; join wrapped lines."""
    pieces: list[Span] = []
    position = block.start
    for match in re.finditer(r"\n", text[block.start : block.end]):
        cut = block.start + match.start()
        line = text[position:cut]
        nxt = text[cut + 1 : block.end]
        if _TERMINAL.search(line) or _BULLET.match(nxt) or not line.strip() or _BULLET.match(line):
            pieces.append(Span(position, cut))
            position = cut + 1
    pieces.append(Span(position, block.end))
    return [p for p in pieces if text[p.start : p.end].strip()]


def sentences(text: str) -> list[Span]:
    """Sentence spans (offsets into `text`), trimmed of whitespace and list bullets."""
    found: list[Span] = []
    for block in _paragraphs(text):
        for line in _lines(text, block):
            start = line.start
            for match in _SENTENCE_END.finditer(text, line.start, line.end):
                if _ABBREVIATIONS.search(text[start : match.start() + 1]):
                    continue
                after = text[match.end() : line.end].lstrip()
                if after and not (after[0].isupper() or after[0].isdigit() or after[0] in "'\"(\u2022-"):
                    continue
                found.append(Span(start, match.end()))
                start = match.end()
            found.append(Span(start, line.end))
    return [s for s in (_trim(text, span) for span in found) if s is not None]


def _trim(text: str, span: Span) -> Span | None:
    start, end = span.start, span.end
    bullet = _BULLET.match(text, start, end)
    if bullet:
        start = bullet.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None
