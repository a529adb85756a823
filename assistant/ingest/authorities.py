"""Which local authorities a text is about: names matched case-insensitively, longest first, on word
boundaries, so "North Lincolnshire" is never "Lincolnshire" and "Stoke-on-Trent" never "Stoke".

Sources in order of trust: the title, the body, the file name, the `source:` URL line."""
from __future__ import annotations

import re
from functools import cache
from typing import Iterator
from urllib.parse import unquote, urlsplit

from assistant.ingest.boilerplate import is_furniture
from assistant.ingest.gazetteer import SERVICE_KINDS, Authority, authorities, by_name
from assistant.text.patterns import PERSON_TITLE, POSTCODE, SOURCE_LINE, UNKNOWN

# A name used as a verb at the start of a sentence: "Reading the report, ...", "Bury the past".
_VERB_OBJECT = re.compile(r"\s+(?:the|a|an|this|these|those|that|it|them|through|his|her|their|our)\b")
_TITLE_CASE_RUN = re.compile(r"(?<![.!?:;\n]\s)(?<!^)\b(?!(?:In|At|Of|For|To|From|By|And|The|On|With|Across|About|Near|Around)\b)[A-Z][a-z]+\s+$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n(\"'])\s*$")
# A place name inside another body's name is not the council: "North Yorkshire Police", "York Press".
_ORGANISATION = re.compile(
    r"['\u2019]?s?\s+(?:Police|Constabulary|Fire|University|Hospitals?|Airport|Football|F\.?C\b|Cathedral|Diocese"
    r"|Evening|Daily|Echo|Gazette|Mercury|Chronicle|Herald|Telegraph|Advertiser|Post\b|Press\b|Live\b|Journal"
    r"|Express\b|Argus|Examiner|Sentinel|Observer|Courier)"
)
# "Greater Manchester", "University of York", "Duke of York": a place inside another name.
_NOT_THE_COUNCIL_BEFORE = re.compile(r"(?:\bGreater|\b(?:University|Duke|Duchess|Earl|Bishop|Diocese|Archbishop) of)\s+$")
# Host labels that are a council's name plus an organisation suffix: "sandwellchildrenstrust", "wirralcouncil".
_HOST_SUFFIXES = ("", "council", "cc", "mbc", "bc", "dc", "gov", "childrenstrust", "children", "lscb", "scb", "scp")
_TITLE_WEIGHT = 2


@cache
def _forms() -> dict[str, tuple[Authority, bool]]:
    """Lower-cased surface form -> (authority, form is also an ordinary word)."""
    forms: dict[str, tuple[Authority, bool]] = {}
    for authority in authorities():
        for form in (authority.name, *authority.aliases):
            forms.setdefault(form.lower(), (authority, form in authority.words))
    return forms


@cache
def _pattern() -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z-])(" + _trie(_forms()) + r")(?![A-Za-z-])", re.I)


def _trie(words) -> str:
    """One regex for many names, as a character trie: Python's re tries a flat alternation of ~500
    names at every position, a trie only the branch that matches. Optional tails are greedy, so the
    longest name that ends on a word boundary wins, as with a longest-first alternation."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return (body if len(branches) == 1 and len(body) == 1 else f"(?:{body})") + "?"

    return build(root)


def _mentions(text: str, any_case: bool = False) -> Iterator[Authority]:
    """Each authority mention in `text`, in order. Report text capitalises place names, so a lower-case
    match counts only in typed questions (`any_case`), and never for a name that is also a word."""
    for match in _pattern().finditer(text):
        surface = match.group(1)
        authority, is_word = _forms()[surface.lower()]
        if surface.islower() and (is_word or not any_case):
            continue
        before = text[max(0, match.start() - 60) : match.start()]
        if PERSON_TITLE.search(before):
            continue
        if is_word and _SENTENCE_START.search(before) and _VERB_OBJECT.match(text, match.end()):
            continue
        if is_word and _TITLE_CASE_RUN.search(before):
            continue  # "Continue Reading", "Keep Reading": a capitalised phrase, not the place
        if _ORGANISATION.match(text, match.end()) or _NOT_THE_COUNCIL_BEFORE.search(before):
            continue
        yield authority


def authorities_in(text: str, any_case: bool = False) -> list[str]:
    """Canonical authority names mentioned in `text`, in order of first mention (a joint area also names
    its councils). `any_case` is for questions people type ("what about wirral?")."""
    names: dict[str, None] = {}
    for authority in _mentions(text, any_case):
        names[authority.name] = None
        if authority.kind == "joint":
            names.update(dict.fromkeys(authority.related))
    return list(names)


def _count(text: str, weight: int, counts: dict[str, int]) -> None:
    for line in text.splitlines():
        found = list(_mentions(line))
        if not found or POSTCODE.search(line) or is_furniture(line):  # a footer's county is not the subject
            continue
        for authority in found:
            counts[authority.name] = counts.get(authority.name, 0) + weight
            if authority.kind == "joint":  # a shared board counts for each of its councils too
                for member in authority.related:
                    counts[member] = counts.get(member, 0) + weight


def _slug_mentions(slug: str) -> list[str]:
    """Authorities named in a file name or URL path ("04_north-somerset-visit", "/news/north-somerset-...")."""
    words = " ".join(w for w in re.split(r"[^A-Za-z]+", unquote(slug)) if w)
    found = []
    for match in _pattern().finditer(words.title()):
        authority, is_word = _forms()[match.group(1).lower()]
        if not is_word:
            found.append(authority.name)
    # "barking-dagenham": a slug often drops the "and" of a name.
    squeezed = "-" + "-".join(words.lower().split()) + "-"
    for authority in authorities():
        short = "-".join(w for w in authority.name.lower().split() if w != "and")
        if " and " in authority.name.lower() and f"-{short}-" in squeezed and authority.name not in authority.words:
            found.append(authority.name)
    return found


@cache
def _compact_forms() -> dict[str, str]:
    compact: dict[str, str] = {}
    for authority in authorities():
        for form in (authority.name, *authority.aliases):
            key = re.sub(r"[^a-z]", "", form.lower())
            compact.setdefault(key, authority.name)
            compact.setdefault(key.replace("and", ""), authority.name)
    return compact


def _url_mentions(url: str) -> list[str]:
    parts = urlsplit(url if "//" in url else "//" + url)
    found = []
    for label in (parts.hostname or "").split("."):
        for suffix in _HOST_SUFFIXES:
            stem = label[: len(label) - len(suffix)] if suffix and label.endswith(suffix) else label
            if (suffix == "" or label.endswith(suffix)) and stem in _compact_forms():
                found.append(_compact_forms()[stem])
                break
    return found + _slug_mentions(parts.path)


def locate(text: str, title: str = "", file_name: str = "") -> tuple[str, tuple[str, ...]]:
    """(main authority, every authority the text is about). The most-mentioned council of the title and
    body is the main one (title mentions weigh more; ties go to the first mentioned); a district, which
    has no children's services, stands for its county only when no council is named. Failing those,
    the file name, then the `source:` URL line."""
    counts: dict[str, int] = {}
    if title:
        _count(title, _TITLE_WEIGHT, counts)
    _count(text, 1, counts)
    councils = {n: c for n, c in counts.items() if by_name()[n].kind != "district"}
    if councils:
        main = max(councils, key=lambda n: councils[n])
        return main, tuple(dict.fromkeys([main, *councils]))
    if counts:
        district = by_name()[max(counts, key=lambda n: counts[n])]
        return district.related[0], (district.related[0], *counts)
    source = SOURCE_LINE.search(text[:2000])
    for found in (_slug_mentions(file_name), _url_mentions(source.group(1)) if source else []):
        found = [n for n in found if by_name()[n].kind in SERVICE_KINDS | {"joint", "former"}]
        if found:
            return found[0], tuple(dict.fromkeys(found))
    return UNKNOWN, ()


def find_authority(text: str) -> str:
    return locate(text)[0]
