"""Finding corpus files and turning their bytes into text.

A file that cannot be used (binary, undecodable, too large, empty, a symlink) is skipped
with a one-line warning naming it, so one bad file never stops the rest of the corpus.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from ..documents import CorpusFile
from ..errors import CorpusError

Warn = Callable[[str], None]
_SKIPPED_NAMES = {"README.md"}
#: Deeper folders are not walked: nobody files documents 64 levels down, and an unbounded
#: walk of a hostile tree would exhaust memory or the stack.
MAX_DEPTH = 64
#: Control characters and the bidirectional-text controls (U+202E turns "txt.exe" into
#: "exe.txt" on screen): never printed raw from a file name or a warning about one.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control and bidi characters escaped (``\\u202e``), so a file name can
    neither break a line of output nor reorder what is shown after it."""
    return _UNPRINTABLE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def printable_warn(warn: Warn) -> Warn:
    """``warn`` that escapes what it is given: every ingestion warning names a file."""
    return lambda message: warn(printable(message))


def scan_corpus(
    corpus_dir: Path, max_bytes: int, warn: Warn, suffixes: tuple[str, ...]
) -> list[CorpusFile]:
    """List loadable files under ``corpus_dir`` with their content hashes.

    Raises :class:`CorpusError` when the directory is missing or is a file. Symlinks are
    not followed.
    """
    if corpus_dir.exists() and not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus {corpus_dir} is a file, not a directory",
            "pass the folder that holds your documents, with --corpus DIR",
        )
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus directory {corpus_dir} does not exist",
            f"create it and add {', '.join(suffixes)} files, or pass --corpus DIR",
        )
    warn = printable_warn(warn)
    files = []
    for path in sorted(_walk(corpus_dir, warn)):
        source = path.relative_to(corpus_dir).as_posix()
        try:
            source.encode("utf-8")
        except UnicodeEncodeError:
            shown = source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            warn(f"skipped {shown}: its name is not valid UTF-8; rename it")
            continue
        if path.is_symlink():
            warn(f"skipped {source}: symbolic links are not followed")
            continue
        if path.suffix.lower() not in suffixes:
            warn(f"skipped {source}: unsupported file type (use {', '.join(suffixes)})")
            continue
        try:
            size = path.stat().st_size
            if size > max_bytes:
                warn(f"skipped {source}: {size:,} bytes is over the {max_bytes:,}-byte limit")
                continue
            if size == 0:
                warn(f"skipped {source}: the file is empty")
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as error:  # unreadable or gone mid-scan: one file, not the corpus
            warn(f"skipped {source}: cannot read it ({error.strerror or error})")
            continue
        files.append(CorpusFile(source, path, digest, size))
    return files


def _walk(root: Path, warn: Warn) -> Iterator[Path]:
    """Files below ``root``: hidden entries skipped, symlinked folders never entered.

    Iterative, so a very deep tree costs memory for its width, not the call stack.
    """
    pending: list[tuple[Path, int]] = [(root, 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            entries = list(folder.iterdir())
        except OSError as error:
            warn(f"skipped folder {folder}: cannot list it ({error.strerror or error})")
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.name in _SKIPPED_NAMES:
                warn(
                    f"skipped {entry.relative_to(root)}: README files describe a folder and are "
                    "not indexed; rename it to index it"
                )
                continue
            if entry.is_dir() and not entry.is_symlink():
                if depth + 1 >= MAX_DEPTH:
                    warn(f"skipped folder {entry}: more than {MAX_DEPTH} levels deep")
                    continue
                pending.append((entry, depth + 1))
            elif entry.is_file() or entry.is_symlink():
                yield entry
            else:
                warn(f"skipped {entry.relative_to(root)}: {_special(entry)}, not a regular file")


def _special(path: Path) -> str:
    """What a directory entry that is neither a file nor a folder is, for its warning."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "it vanished or cannot be read"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


#: Printable ASCII and the usual whitespace: what most of any text file is made of.
_PLAIN_BYTES = bytes(range(0x20, 0x7F)) + b"\t\n\r\f"
#: Past this share of other bytes, a file that is not UTF-8 is binary (compressed or
#: encrypted data without NUL bytes), not Latin-1 text, whose accents are a few percent.
BINARY_SHARE = 0.3


def decode(raw: bytes, source: str, warn: Warn) -> str | None:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1 with a warning.

    Binary content (NUL bytes outside UTF-16, or mostly non-text bytes where UTF-8 fails)
    is refused: indexing it would only add noise.
    Line endings are normalised to ``\\n`` (CR-only files included), so front matter and
    headings are recognised whatever system wrote the file.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            warn(f"skipped {source}: it claims UTF-16 but does not decode; re-save it as UTF-8")
            return None
    elif b"\x00" in raw[:8192]:
        warn(f"skipped {source}: it looks binary; only text files can be indexed")
        return None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            sample = raw[:8192]
            if len(sample.translate(None, _PLAIN_BYTES)) > BINARY_SHARE * len(sample):
                warn(f"skipped {source}: it looks binary; only text files can be indexed")
                return None
            warn(f"{source} is not UTF-8; read it as Latin-1 (re-save it as UTF-8 to be sure)")
            text = raw.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")
