"""The loader table: a file's suffix decides which loader turns its bytes into blocks.

Adding a format is one function and one line here. Text formats are decoded first
(:func:`.files.decode`); PDF is read from its bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from ..documents import CorpusFile
from .files import Warn, decode
from .html import load_html
from .layout import Parsed
from .markdown import load_markdown
from .pdf import load_pdf
from .text import load_text

Loader = Callable[[bytes, str, Warn], Parsed | None]


def _text_loader(parse: Callable[[str, str, Warn], Parsed]) -> Loader:
    def load(raw: bytes, source: str, warn: Warn) -> Parsed | None:
        text = decode(raw, source, warn)
        return None if text is None else parse(text, source, warn)

    return load


LOADERS: dict[str, Loader] = {
    ".md": _text_loader(load_markdown),
    ".markdown": _text_loader(load_markdown),
    ".html": _text_loader(lambda text, _source, _warn: load_html(text)),
    ".htm": _text_loader(lambda text, _source, _warn: load_html(text)),
    ".txt": _text_loader(lambda text, _source, _warn: load_text(text)),
    ".pdf": load_pdf,
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
