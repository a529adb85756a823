"""Site furniture: the lines of a web page or minutes export that are not the report. A document's
text is never changed (offsets stay exact); chunking skips the spans found here.

Two kinds: lines that look like furniture on any site (navigation, cookie, share and comment
widgets, sign-up prompts, author bios, contact footers, licence notices, the `source:` header line),
and lines repeated across documents from the same site (a page template), found per source host."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

from assistant.core.errors import LoadError
from assistant.core.types import Document
from assistant.text import squash
from assistant.text.patterns import POSTCODE, SOURCE_LINE

_FURNITURE = re.compile(
    r"^(?:"
    r"skip to (?:main )?(?:content|navigation|search)|back to top|menu|search|home|breadcrumbs?|you are here:.*"
    r"|share(?: (?:this|on) [\w ]+)?|tweet|print(?: this page)?|email|facebook|twitter|linkedin|whatsapp|copy link"
    r"|\d+ comments?|comments?|leave a (?:comment|reply)|post a comment|comments powered by \w+"
    r"|sign (?:up|in)(?: here)?|log ?in|subscribe(?: now)?|register(?: now)?|what'?s included|related (?:articles|stories|news|content)"
    r"|about(?: the)? author|follow us|contact us|read more|continue reading|advertisement|sponsored"
    r"|(?:published|last updated|updated):?|additional documents:?|supporting documents:?|issue - meetings"
    r"|press release|news release|(?:(?:home|news|article|menu|search|subscribe(?: now)?|sign in|latest|[|>/\u203a])\s*){2,6}"
    r")[.:!]?$",
    re.I,
)
_FURNITURE_PARTS = re.compile(
    r"\bcookies?\b.*\b(?:accept|consent|settings|preferences|we use)\b|\b(?:we use|accept( all)?)\b.*\bcookies?\b"
    r"|\bregister (?:now|today)\b|\bsign (?:up|in) (?:here|now|today)\b|\balready have an account\b"
    r"|\bnewsletter\b|\bsubscri(?:be|ber|ption)\b|\bpaywalls?\b|\bdonat(?:e|ion)\b|\bnotifications? can be managed\b"
    r"|\bstay up to date with notifications\b|\bcontinue reading\b"
    r"|\bopen government licence\b|\ball rights reserved\b|^\u00a9|^copyright\b|\bprivacy (?:policy|notice)\b"
    r"|\bterms (?:and|&) conditions\b|\bpdf icon\b|\bpdf \d+ kb\b|\blast updated\b"
    r"|^(?:tel|telephone|phone|fax|e-?mail|email us)\b\s*[:.]"
    r"|^(?:pictured|(?:picture|photo|image|credit)s?:)"
    r"|^(?:an?|part of the) [A-Z][\w&' -]{2,60} (?:collaboration|company|group|publication|production|network)\b"
    r"|\bweb ?site (?:design|designed|by)\b|\bweb design\b|\bpowered by\b",
    re.I,
)
_URL_OR_EMAIL = re.compile(r"^(?:https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+)[.,]?$", re.I)
_PHONE = re.compile(r"\b0\d{2,4}[ ]?\d{3}[ ]?\d{3,4}\b")
_ONLY_PUNCTUATION = re.compile(r"^[\W\d_]{1,12}$")
# A bio or paywall block runs on over its short lines until a blank line.
_BLOCK_START = re.compile(r"^(?:about(?: the)? author|register now|what'?s included)\b", re.I)
_BLOCK_LINE = 1000
_NO_BLOCK, _BLOCK_HEADING, _IN_BLOCK = 0, 1, 2
_REPEAT_MIN_CHARS = 12


def source_host(text: str) -> str:
    """The host of the document's `source: URL` header line, or "" when it has none."""
    first = text.lstrip().split("\n", 1)[0]
    match = SOURCE_LINE.match(first)
    if not match:
        return ""
    host = urlsplit(match.group(1) if "//" in match.group(1) else "//" + match.group(1)).hostname or ""
    return host.removeprefix("www.")


def is_furniture(line: str) -> bool:
    """True for a line that is site furniture on any site (judged on the line alone)."""
    line = squash(line)
    if not line:
        return False
    if SOURCE_LINE.match(line) or _FURNITURE.match(line) or _URL_OR_EMAIL.match(line) or _ONLY_PUNCTUATION.match(line):
        return True
    if len(line) > 400:
        return False
    if _FURNITURE_PARTS.search(line):
        return True
    # Contact footers: a phone number or a postcode on a short line.
    return bool(_PHONE.search(line) or POSTCODE.search(line)) and len(line.split()) <= 12


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    position = 0
    for raw in text.split("\n"):
        yield position, position + len(raw), raw
        position += len(raw) + 1


def line_key(line: str) -> str:
    return hashlib.sha1(squash(line).lower().encode("utf-8")).hexdigest()[:16]


def line_keys(text: str) -> set[str]:
    """Keys of the lines that could be a site's template (long enough to mean something)."""
    return {line_key(raw) for _, _, raw in _lines(text) if len(squash(raw)) >= _REPEAT_MIN_CHARS}


def furniture_spans(text: str, repeated: frozenset[str] = frozenset()) -> tuple[tuple[int, int], ...]:
    """(start, end) of each furniture line of `text`; `repeated` holds the keys of its site's template lines."""
    spans = []
    block = _NO_BLOCK
    for start, end, raw in _lines(text):
        line = squash(raw)
        if not line:
            block = _NO_BLOCK if block == _IN_BLOCK else block  # a blank line ends a block, not its heading
            continue
        furniture = is_furniture(line) or (block != _NO_BLOCK and len(line) <= _BLOCK_LINE)
        furniture = furniture or (len(line) >= _REPEAT_MIN_CHARS and line_key(line) in repeated)
        block = _BLOCK_HEADING if _BLOCK_START.match(line) else (_IN_BLOCK if block != _NO_BLOCK else _NO_BLOCK)
        if furniture:
            spans.append((start, end))
    return tuple(spans)


class SiteLines:
    """Which lines each site's documents share, kept beside the index so a later ingest of one more
    page from a site still knows that site's template. {host: {doc_id: [line keys]}}"""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.sites: dict[str, dict[str, list[str]]] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.sites = {}
        except (OSError, ValueError):
            self.sites = {}  # a damaged cache is rebuilt from what is ingested next

    def add(self, host: str, doc_id: str, text: str) -> None:
        if host:
            self.sites.setdefault(host, {})[doc_id] = sorted(line_keys(text))

    def forget(self, doc_ids: Iterable[str]) -> None:
        gone = set(doc_ids)
        for documents in self.sites.values():
            for doc_id in gone & set(documents):
                del documents[doc_id]

    def repeated(self, host: str) -> frozenset[str]:
        """Keys of lines found in two or more of the site's documents."""
        seen: dict[str, int] = {}
        for keys in self.sites.get(host, {}).values():
            for key in keys:
                seen[key] = seen.get(key, 0) + 1
        return frozenset(k for k, n in seen.items() if n >= 2)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.sites, sort_keys=True), encoding="utf-8")
        temporary.replace(self.path)


SITE_LINES_FILE = "site-lines.json"


def preload_sites(files: Iterable[Path], sites: SiteLines, load: Callable[[Path], Document]) -> dict[Path, Document]:
    """Read the text files that open with a `source:` line and record their lines per site, so every
    page of a batch knows its site's template before it is chunked. Returns the documents read (the
    caller uses them instead of reading the files again); a file that fails to load is left for the
    caller to report."""
    read: dict[Path, Document] = {}
    for path in files:
        if path.suffix.lower() not in (".txt", ".md") or not _opens_with_source(path):
            continue
        try:
            document = load(path)
        except LoadError:
            continue
        read[path] = document
        sites.add(source_host(document.text), document.id, document.text)
    return read


def _opens_with_source(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(2048).decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(source_host(head.lstrip("\ufeff")))
