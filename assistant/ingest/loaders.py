"""The loader table: a file's suffix decides which loader turns its bytes into blocks.

Adding a format is one function and one line here. Text formats are decoded first
(:func:`.files.decode`); PDF is read from its bytes. Each format's module (and its
parsing library) is imported on first use: a rebuild whose files all come from the parse
cache imports none of them (pdfplumber, BeautifulSoup and markdown-it take ~0.25 s).
"""

from __future__ import annotations

from collections.abc import Callable

from ..documents import CorpusFile
from .files import Warn, decode
from .layout import Parsed

Loader = Callable[[bytes, str, Warn], Parsed | None]


def _text_loader(parse: Callable[[str, str, Warn], Parsed]) -> Loader:
    def load(raw: bytes, source: str, warn: Warn) -> Parsed | None:
        text = decode(raw, source, warn)
        return None if text is None else parse(text, source, warn)

    return load


def _markdown(text: str, source: str, warn: Warn) -> Parsed:
    from .markdown import load_markdown

    return load_markdown(text, source, warn)


def _html(text: str, _source: str, _warn: Warn) -> Parsed:
    from .html import load_html

    return load_html(text)


def _text(text: str, _source: str, _warn: Warn) -> Parsed:
    from .text import load_text

    return load_text(text)


def _pdf(raw: bytes, source: str, warn: Warn) -> Parsed | None:
    from .pdf import load_pdf

    return load_pdf(raw, source, warn)


LOADERS: dict[str, Loader] = {
    ".md": _text_loader(_markdown),
    ".markdown": _text_loader(_markdown),
    ".html": _text_loader(_html),
    ".htm": _text_loader(_html),
    ".txt": _text_loader(_text),
    ".pdf": _pdf,
}
SUPPORTED_SUFFIXES = tuple(LOADERS)


def parse_file(file: CorpusFile, warn: Warn) -> Parsed | None:
    """Read and parse one file, or warn (naming it) and return None."""
    try:
        raw = file.path.read_bytes()
    except OSError as error:
        warn(f"skipped {file.source}: cannot read it ({error.strerror or error})")
        return None
    return LOADERS[file.path.suffix.lower()](raw, file.source, warn)
