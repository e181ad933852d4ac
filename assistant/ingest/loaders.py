"""The loader table: a file's suffix decides which loader turns its bytes into blocks.

Adding a format is one function and one line here. Text formats are decoded first
(:func:`.files.decode`); PDF is read from its bytes. Every loader runs under the file's
budgets (:mod:`.budget`), and any exception it raises, documented or not, is that file's
warning: one bad file never stops the corpus, the page or a question. Each format's module (and its
parsing library) is imported on first use: a rebuild whose files all come from the parse
cache imports none of them (pdfplumber, BeautifulSoup and markdown-it take ~0.25 s).
"""

from __future__ import annotations

from collections.abc import Callable

from ..documents import CorpusFile
from .budget import budget_for
from .files import Warn, decode, printable_warn
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


_FORMATS: dict[str, Loader] = {
    ".md": _text_loader(_markdown),
    ".markdown": _text_loader(_markdown),
    ".html": _text_loader(_html),
    ".htm": _text_loader(_html),
    ".txt": _text_loader(_text),
    ".pdf": _pdf,
}


def _guarded(loader: Loader) -> Loader:
    def load(raw: bytes, source: str, warn: Warn) -> Parsed | None:
        warn = printable_warn(warn)
        with budget_for(len(raw)) as budget:
            try:
                parsed = loader(raw, source, warn)
            except Exception as error:  # any failure is this file's, not the corpus's
                reason = str(error).splitlines()[0][:120] if str(error) else ""
                detail = f"{type(error).__name__}: {reason}" if reason else type(error).__name__
                warn(f"skipped {source}: reading it failed ({detail}); re-save or re-export it")
                return None
        if budget.reason and parsed is not None:
            if not any(block.kind != "heading" for block in parsed.blocks):
                warn(f"skipped {source}: no text was kept within its {budget.reason}")
                return None
            warn(budget.warning(source))
        return parsed

    return load


#: Suffix → loader, each run under the file's budgets and never raising.
LOADERS: dict[str, Loader] = {suffix: _guarded(loader) for suffix, loader in _FORMATS.items()}
SUPPORTED_SUFFIXES = tuple(LOADERS)


def parse_file(file: CorpusFile, warn: Warn) -> Parsed | None:
    """Read and parse one file, or warn (naming it) and return None."""
    try:
        raw = file.path.read_bytes()
    except OSError as error:
        printable_warn(warn)(f"skipped {file.source}: cannot read it ({error.strerror or error})")
        return None
    return LOADERS[file.path.suffix.lower()](raw, file.source, warn)
