"""Offset-keeping sentence segmentation shared by chunking, answering and evaluation."""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.normalise import clean


@dataclass(frozen=True)
class Span:
    start: int
    end: int


_ABBREVIATIONS = re.compile(r"(?:\b(?:e\.g|i\.e|etc|Mr|Mrs|Ms|Dr|No|St|Cllr|vs|approx)|\b[A-Z])\.$")
_SENTENCE_END = re.compile(r"""[.!?]["')\]]*(?=\s)""")
# A text that ends as a sentence does: its stop, then any closing quotes (straight or curly) and brackets. A heading,
# a dateline or a lead-in ending in a colon does not.
ENDED = re.compile(r"""[.!?]["'\u2019\u201d)\]]*$""")
_BULLET = re.compile(r"\s*(?:[-*\u2022\u00b7\u25aa\u25cf\u2013]|\d{1,2}[.)])\s+")
_PARAGRAPH = re.compile(r"\n[ ]*\n\s*")
_TERMINAL = re.compile(r"""[.!?:;"')\]]\s*$""")


# The date a page was stamped with, opening a sentence ("date 2022-12-16 AN INDEPENDENT inspection ..."; prose does
# not open with an ISO date): the sentence after it is what answers and is quoted. It stays in the indexed sentence: splitting it off there moved
# the ranker's answers for no gain (tune out-of-fold right 0.851 -> 0.839, folds by authority).
_DATE_STAMP = re.compile(r"(?:date\s+)?\d{4}-\d{2}-\d{2}\s+(?=\S)", re.I)


def stamp_length(text: str) -> int:
    """The characters of a date stamp opening `text` (0 when none)."""
    stamp = _DATE_STAMP.match(text)
    return stamp.end() if stamp else 0


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
    """Sentence spans (offsets into `text`), trimmed of whitespace and list bullets. They are read from the text with
    its quotes and spaces normalised (`clean`, one character for one), so a curly quote closes or opens a sentence
    as a straight one does, and a raw report splits as its indexed text does."""
    text = clean(text)
    found: list[Span] = []
    for block in _paragraphs(text):
        for line in _lines(text, block):
            start = line.start
            for match in _SENTENCE_END.finditer(text, line.start, line.end):
                if _ABBREVIATIONS.search(text[start : match.start() + 1]):
                    continue
                after = text[match.end() : line.end].lstrip()
                if after and not (after[0].isupper() or after[0].isdigit() or after[0] in "'\"(\u2022-\u00a3$\u20ac"):
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
