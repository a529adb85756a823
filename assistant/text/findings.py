"""Which kind of finding a sentence is (strength, area for improvement, action) from general lexical cues,
and which sentences of a report are worth quoting at all. Shared by the briefing note (its sections) and
the chat answer (a question asking for weaknesses or strengths keeps to sentences of that kind).

The cues are general English of inspection writing (negations, hedges, modal verbs, evaluative words),
not phrases of any shipped report; a contrast ("however", "but") lets a later criticism outweigh praise.
"""
from __future__ import annotations

import re

from assistant.text import sentences, squash

STRENGTHS = "Strengths"
IMPROVEMENTS = "Areas for improvement"
ACTIONS = "Actions and recommendations"

_ENDS = re.compile(r"""[.!?]["'\u2019\u201d)\]]*$""")


class _Cues:
    """A set of lexical cues; each cue counts its own matches (cues may overlap)."""

    def __init__(self, *patterns: str) -> None:
        self.patterns = tuple(re.compile(p) for p in patterns)

    def search(self, text: str, pos: int = 0) -> bool:
        return any(p.search(text, pos) for p in self.patterns)

    def count(self, text: str) -> int:
        return sum(len(p.findall(text)) for p in self.patterns)


# Lexical cues over a lower-cased sentence with quotation marks removed.
_ACTION = _Cues(
    r"\bpriority actions?\b", r"\brecommend(?:s|ed|ing)?\b", r"\bmust\b", r"\brequired\b", r"\bwill be working\b",
    r"\b(?:is|are) working with\b[^.]*\bto (?:resolve|address|improve)\b", r"\bneeds? to\b",
    r"\b(?:further|more) work\b", r"\b(?:being|will be|to be) addressed\b", r"\bwill (?:need|ensure|continue)\b",
    r"\bshould\b",
)
_NOT_ACTION = re.compile(r"\bas (?:\w+ ){0,3}should\b")  # "as often as they should" describes, it does not ask
_IMPROVE_STRONG = _Cues(
    r"\bnot (?:always|all|enough|consistently|necessarily|sufficiently|compliant|represented|taking)\b",
    r"\bnot\b[^.;]{0,60}?\bwell enough\b",
    r"\b(?:do|does|did|are|is|was|were|have|has) not\b", r"\binsufficient\w*", r"\btoo (?:long|soon|general|slow|late|few|many|basic)\b",
    r"\bdelays?\b", r"\bpoor\b", r"\black(?:s|ing)?\b", r"\bunable\b", r"\bweak\w*", r"\bunclear\b",
    r"\binadequate\b", r"\bwaiting list\b", r"\bwait\b", r"\brisk to children\b", r"\bdeficienc\w+",
)
_IMPROVE_MILD = _Cues(
    r"\bhowever\b", r"\bconcerns?\b", r"\binconsisten\w+", r"\bvar(?:y|ies|iable)\b", r"\bcriticis\w+",
    r"\brequir(?:es|ing) improvement\b", r"\broom for improvement\b", r"\bcould be better\b", r"\blimits?\b",
    r"\buncertain\w*", r"\bprematurely\b", r"\bvery basic\b", r"\bgaps? in\b",
)
_STRENGTH = _Cues(
    r"\beffective(?:ly)?\b", r"\bstrengths?\b", r"\bstrong\b", r"\bwell\b", r"\btimely\b", r"\bgood\b",
    r"\brobust\b", r"\bprompt(?:ly)?\b", r"\bswift(?:ly)?\b", r"\bclear\b", r"\bimproved\b", r"\bpositive\b",
    r"\bpraised\b", r"\bappropriate(?:ly)?\b", r"\bencourag\w+", r"\bbenefit\w*", r"\bmanageable\b",
    r"\bregular\b", r"\baccurate\b", r"\b(?:making|made|evidence of) progress\b", r"\bhigh standard\b",
    r"\boutstanding (?:provision|service)\b",
)
_CONTRAST = re.compile(r"\b(?:however|but|although|though|while|whilst|yet|apart from|except)\b")
_POSITIVE_FRAME = re.compile(r"^despite\b|\bit is encouraging that\b|\bencouragingly\b")
_FIRST_PERSON = re.compile(r"\b(?:i|we|our|us|i'm|we're|i've|we've|ours)\b|\bcan't\b")


def classify(sentence: str) -> str | None:
    """Strengths, areas for improvement, actions, or None, from general lexical cues."""
    return classified(sentence)[0]


def classified(sentence: str) -> tuple[str | None, int]:
    """The category and the weight of the cues that put the sentence there (for ranking)."""
    lowered = re.sub(r"[\u2018\u2019\u201c\u201d\"]|'(?!\w)|(?<!\w)'", "", sentence.lower())
    lowered = lowered.replace("\u2019", "'")
    first_person = bool(_FIRST_PERSON.search(lowered))
    action = bool(_ACTION.search(lowered)) and not (
        _NOT_ACTION.search(lowered) and not _ACTION.search(_NOT_ACTION.sub("", lowered))
    )
    if action:
        return ACTIONS, 1
    if first_person:
        return None, 0  # a spokesperson's own view of their service is not an inspection finding
    improve = 2 * _IMPROVE_STRONG.count(lowered) + _IMPROVE_MILD.count(lowered)
    strength = _STRENGTH.count(lowered)
    if strength and _POSITIVE_FRAME.search(lowered):
        return STRENGTHS, strength
    contrast = _CONTRAST.search(lowered)
    after_contrast = bool(contrast) and bool(
        _IMPROVE_STRONG.search(lowered, contrast.end()) or _IMPROVE_MILD.search(lowered, contrast.end())
    )
    if improve and (improve > strength or after_contrast):
        return IMPROVEMENTS, improve
    if strength:
        return STRENGTHS, strength
    return None, 0


def candidate_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans worth quoting: whole sentences of four words or more, not headings or lead-ins."""
    spans = []
    for span in sentences(text):
        sentence = squash(text[span.start : span.end])
        if len(sentence.split()) < 4 or sentence.endswith(":") or not _ENDS.search(sentence):
            continue
        spans.append((span.start, span.end))
    return spans
