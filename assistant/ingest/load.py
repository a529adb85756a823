"""File -> Document. Each format's extractor returns text (and page starts); problems raise LoadError."""
from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path
from typing import Callable

from assistant.core.errors import LoadError
from assistant.core.settings import SUPPORTED_EXTENSIONS
from assistant.ingest.boilerplate import is_furniture
from assistant.ingest.dates import has_date
from assistant.text import clean, squash
from assistant.core.types import Document

Extracted = tuple[str, tuple[int, ...], str, str]  # text, page starts, title hint, encoding ("" when not text)


def source_name(path: Path, root: Path | None = None) -> str:
    """Path as shown to users and hashed into the document id: relative to `root` when inside it.

    Ingest passes the folder that holds the index as `root`, so a file keeps its id whatever the
    working directory of the process that ingests it (default: the working directory).
    """
    resolved = path.resolve()
    try:
        return resolved.relative_to((root or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def doc_id_for(source: str) -> str:
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


def check_file(path: Path, max_bytes: int, name: str | None = None) -> int:
    """Refuse a file by type (of `name`, default the path's) or size before anything reads it; returns its size."""
    suffix = Path(name or path.name).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        kind = f"type '{suffix}'" if suffix else f"'{Path(name or path.name).name}' (no extension)"
        raise LoadError(f"unsupported file {kind} (supported: {', '.join(SUPPORTED_EXTENSIONS)})")
    try:
        status = path.stat()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(status.st_mode):
        # A named pipe or a device would block the read (and the ingest lock) until something wrote to it.
        raise LoadError("not a regular file (a folder, pipe, socket or device)")
    size = status.st_size
    if size > max_bytes:
        raise LoadError(f"file is {human_size(size)}, over the {human_size(max_bytes)} limit (ASSISTANT_MAX_FILE_MB)")
    return size


def load_document(path: Path, max_bytes: int, root: Path | None = None) -> Document:
    """Read one file into a Document, or raise LoadError with a one-line reason. See source_name for `root`."""
    suffix = path.suffix.lower()
    check_file(path, max_bytes)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:  # grew since it was checked
        raise LoadError(f"file is {human_size(len(raw))}, over the {human_size(max_bytes)} limit (ASSISTANT_MAX_FILE_MB)")
    if not raw:
        raise LoadError("empty file (0 bytes)")
    if not raw.strip():
        raise LoadError("file contains only whitespace")
    text, page_starts, title_hint, encoding = _EXTRACTORS[suffix](raw)
    text = clean(text)
    if not text.strip():
        raise LoadError("no text could be extracted")
    source = source_name(path, root)
    return Document(
        id=doc_id_for(source),
        source=source,
        title=_title(title_hint, text, path),
        text=text,
        content_hash=hashlib.sha256(raw).hexdigest(),
        page_starts=page_starts,
        metadata={"encoding": encoding} if encoding else {},
    )


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1048576:.1f} MB"


# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)


def _decode_text(raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with: a UTF-16/32 byte-order mark, else UTF-8, else the best
    legacy single-byte encoding. A NUL byte anywhere else means binary (no text encoding the reports use has one)."""
    marked = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    if marked:
        try:
            text, encoding = raw.decode(marked), marked
        except UnicodeDecodeError as exc:
            raise LoadError(f"not valid {marked.upper()} despite its byte-order mark (offset {exc.start})") from None
    elif (nul := raw.find(b"\x00")) >= 0:
        raise LoadError(f"binary content, not text (NUL byte at offset {nul})")
    else:
        try:
            # Plain utf-8, not utf-8-sig: a byte-order mark stays a character (clean() makes it a space),
            # so offsets into the document remain offsets into the file as stored.
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as exc:
            text, encoding = _decode_legacy(raw, exc)
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > len(sample) * 0.05:
        raise LoadError("binary content, not text (control characters)")
    return text, encoding


def _decode_legacy(raw: bytes, failure: UnicodeDecodeError) -> tuple[str, str]:
    """A file saved by an older editor (Latin-1, Windows-1252 and kin), decoded with charset-normalizer's pick.

    English text reads the same in several Western code pages, and charset-normalizer breaks that tie
    arbitrarily (cp1250 for 'café'): cp1252, Windows' Western default and a superset of Latin-1's printable
    characters, wins whenever it is among the least chaotic readings."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(raw))
    if not matches:
        raise LoadError(
            f"not valid UTF-8 (byte 0x{raw[failure.start]:02x} at offset {failure.start}) and no other text "
            "encoding fits; save it as UTF-8"
        )
    best = min(match.chaos for match in matches)
    if any("cp1252" in match.could_be_from_charset for match in matches if match.chaos <= best):
        return raw.decode("cp1252"), "cp1252"
    choice = next(match for match in matches if match.chaos <= best)
    return str(choice), choice.encoding


def _extract_text(raw: bytes) -> Extracted:
    text, encoding = _decode_text(raw)
    return text, (0,), "", encoding


def _tidy(text: str) -> str:
    """Whitespace for formats whose text we generate ourselves (HTML, PDF, DOCX)."""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _extract_html(raw: bytes) -> Extracted:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(raw, "lxml")
    except Exception as exc:  # the parser's own errors vary by backend
        raise LoadError(f"unreadable HTML: {exc}") from None
    for tag in soup(["script", "style", "noscript", "template", "svg", "iframe", "head"]):
        title = tag.find("title") if tag.name == "head" else None
        if title is not None:
            soup.append(title)  # keep <title> for the hint below
        tag.decompose()
    hint = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    heading = soup.find(["h1", "h2"])
    hint = hint or (heading.get_text(" ", strip=True) if heading else "")
    return _tidy(_block_text(soup)), (0,), hint, soup.original_encoding or ""


_BLOCKS = frozenset(("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "section", "article",
                     "nav", "header", "footer", "main", "aside", "ul", "ol", "dl", "dt", "dd", "table", "caption",
                     "blockquote", "figure", "figcaption", "form", "pre", "address", "hr", "tbody", "thead"))
# Table cells are separated as DOCX tables' are: "<td>Overall</td><td>Good</td>" read "OverallGood".
_CELLS = frozenset(("td", "th"))
_CELL_SEPARATOR = " | "


def _block_text(soup) -> str:
    """The page's text with a blank line after every block element (a line break after <br>).

    One iterative walk: the same text as inserting "\n\n" after each block and calling get_text(), but
    linear in the size of the page and free of recursion, so 10,000 nested <div>s cost no more than 10,000
    siblings (inserting into a deep tree is quadratic in bs4)."""
    from bs4 import CData, NavigableString, Tag

    wanted = (NavigableString, CData)
    parts: list[str] = []
    # (node, leaving it, inside a table cell): a cell's paragraphs stay on its row's line.
    stack: list[tuple[object, bool, bool]] = [(child, False, False) for child in reversed(soup.contents)]
    while stack:
        node, leaving, in_cell = stack.pop()
        if leaving:
            parts.append(" " if in_cell else "\n" if node.name == "br" else "\n\n")
        elif isinstance(node, Tag):
            if node.name in _CELLS and node.find_previous_sibling(_CELLS) is not None:
                parts.append(_CELL_SEPARATOR)
            if node.name in _BLOCKS:
                stack.append((node, True, in_cell))
            inside = in_cell or node.name in _CELLS
            stack.extend((child, False, inside) for child in reversed(node.contents))
        elif type(node) in wanted:
            parts.append(str(node))
    return "".join(parts)


def _extract_pdf(raw: bytes) -> Extracted:
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [_tidy(page.extract_text() or "") for page in reader.pages]
        hint = str((reader.metadata or {}).get("/Title") or "")
    except LoadError:
        raise
    except Exception as exc:  # pypdf raises many unrelated types on damaged files
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__})") from None
    starts, parts, position = [], [], 0
    for page in pages:
        starts.append(position)
        parts.append(page)
        position += len(page) + 2
    return "\n\n".join(parts), tuple(starts) or (0,), hint, ""


def _extract_docx(raw: bytes) -> Extracted:
    import io

    import docx

    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as exc:  # python-docx surfaces zip, xml and key errors alike
        raise LoadError(f"corrupt or unreadable DOCX ({type(exc).__name__})") from None
    blocks = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                blocks.append(_CELL_SEPARATOR.join(dict.fromkeys(cells)))
    hint = document.core_properties.title or ""
    return _tidy("\n\n".join(blocks)), (0,), hint, ""


_EXTRACTORS: dict[str, Callable[[bytes], Extracted]] = {
    ".txt": _extract_text,
    ".md": _extract_text,
    ".html": _extract_html,
    ".htm": _extract_html,
    ".pdf": _extract_pdf,
    ".docx": _extract_docx,
}

_DATE_PREFIX = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s*", re.I)
# Structure lines of minutes and letters that say nothing about the report.
_NOT_TITLE = re.compile(r"^(?:agenda item\b.*|minutes:?|supporting documents:?|(?:dear|hi|hello)\b.*)$", re.I)
# Headings are looked for among the first few lines that read as text; the lede stands in when none is.
_TITLE_LINES = 3
_HEADING_WORDS = 25


def _title(hint: str, text: str, path: Path) -> str:
    """The format's own title (HTML <title>, PDF or DOCX properties), else the first heading-like line
    near the top (short, not a sentence, not a dateline, not site furniture, never the `source:` line),
    else the first line that reads as text, else the file name."""
    lines = []
    for raw in text.splitlines():
        line = squash(_DATE_PREFIX.sub("", raw)).lstrip("#").strip()
        # Lines ending in ',' or ':' are fragments of addresses and labels, neither heading nor text.
        if len(line) >= 8 and not line.endswith((",", ":")) and not _NOT_TITLE.match(line) and not is_furniture(line):
            lines.append(line)
    heading = next((line for line in lines[:_TITLE_LINES] if _heading_like(line)), None)
    for candidate in (squash(hint), heading, lines[0] if lines else None):
        if candidate and len(candidate) >= 8:
            return candidate if len(candidate) <= 100 else candidate[:97].rsplit(" ", 1)[0] + "..."
    return path.stem


def _heading_like(line: str) -> bool:
    bare = line.rstrip("\"')]")
    return len(line.split()) <= _HEADING_WORDS and not bare.endswith((".", ";", "!")) and ". " not in bare and not has_date(line)


def discover(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand folders recursively (hidden files skipped; unsupported types are kept so ingest reports them)."""
    files: list[Path] = []
    missing: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.exists():
            files.append(path)
        else:
            missing.append((path, "no such file or folder"))
    # One entry per file however it was named (relative, absolute, via a folder): keyed by resolved path.
    unique: dict[Path, Path] = {}
    for file in files:
        unique.setdefault(file.resolve(), file)
    return list(unique.values()), missing
