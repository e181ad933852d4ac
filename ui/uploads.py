"""Saving an uploaded file for the corpus, refusing anything unsafe or surprising.

The file name comes from the browser and is untrusted: it must be a plain name (no
directories, no ``..``, no NUL, no hidden or reserved names) with a supported suffix.
Content must be non-empty UTF-8 text under the size limit. An existing file is never
overwritten: the write goes to a hidden temporary file (the corpus scanner skips those)
and is linked into place, which fails atomically if the name is taken.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
from pathlib import Path

from assistant import BadInputError
from assistant.ingest import SUPPORTED_SUFFIXES
from assistant.ingest.loaders import LOADERS

UPLOAD_DIR = "uploads"
#: (corpus_dir, uploads_dir): the corpus, and its uploads in the user's data directory.
Folders = tuple[Path, Path]
MAX_NAME_CHARS = 100
#: Letters, digits, space, ``.``, ``_``, ``-``, ``(``, ``)``; must start with a letter/digit.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._()-]*")
#: Names the corpus scanner ignores, so an upload by that name would silently vanish.
_IGNORED_NAMES = frozenset({"readme.md"})


def allowed_suffixes() -> str:
    """The accepted suffixes as the page shows them: ".md, .markdown, …"."""
    return ", ".join(SUPPORTED_SUFFIXES)


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe corpus file name; raise :class:`BadInputError` if not."""
    shown = repr(name[:MAX_NAME_CHARS])
    if "\x00" in name or "/" in name or "\\" in name or ".." in name:
        raise BadInputError(
            f"refused {shown}: a file name may not contain '/', '\\', '..' or NUL",
            "upload the file under a plain name such as notes.md",
        )
    if not name or len(name) > MAX_NAME_CHARS or not _SAFE_NAME.fullmatch(name):
        raise BadInputError(
            f"refused {shown}: unsupported file name",
            f"use up to {MAX_NAME_CHARS} ASCII letters, digits, spaces, '.', '_', '-' or "
            "parentheses, starting with a letter or digit",
        )
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise BadInputError(
            f"refused {shown}: {suffix or 'no extension'} files are not supported",
            f"upload one of: {allowed_suffixes()}",
        )
    if name.casefold() in _IGNORED_NAMES:
        raise BadInputError(f"refused {shown}: README files are not indexed", "rename it")
    return name


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse empty, oversized or unreadable content before anything is written.

    ``max_bytes`` is the corpus's file limit (``Settings.max_file_bytes``): the one limit
    for uploads, stated by the uploader and enforced by the server too.

    "Readable" is decided by the loader that will index the file (PDF included), so an
    upload that is accepted here is one the next rebuild can use.
    """
    if not data.strip():
        raise BadInputError(f"refused {name!r}: the file is empty", "upload a file with text")
    if len(data) > max_bytes:
        raise BadInputError(
            f"refused {name!r}: {len(data):,} bytes is over the {size_limit(max_bytes)} "
            "upload limit",
            "split it into smaller files",
        )
    problems: list[str] = []
    parsed = LOADERS[Path(name).suffix.lower()](data, name, problems.append)
    if parsed is None or not any(block.kind != "heading" for block in parsed.blocks):
        reason = problems[0] if problems else f"skipped {name}: no text in it"
        raise BadInputError(
            "refused " + reason.removeprefix("skipped "), "upload a document with text in it"
        )
    if problems:  # readable, but not as it should be (Latin-1, broken front matter): refuse
        problem = problems[0].removesuffix("; indexed without it")  # it is not, here
        fix = "re-save it as UTF-8" if "UTF-8" in problem else "correct that and upload it again"
        raise BadInputError(f"refused {name!r}: {problem}", fix)


class UploadExistsError(BadInputError):
    """An upload by that name is already in the corpus: the page offers to replace it."""


def limit_mb(max_bytes: int) -> int:
    """The corpus's file limit in whole MB (10^6 bytes, the unit Streamlit's uploader
    counts in), rounded up: what the uploader states ("Limit 5MB per file") and enforces.
    ``career-assistant ui`` sets the server's own limit from the same setting."""
    return max(1, math.ceil(max_bytes / 1_000_000))


def size_limit(max_bytes: int) -> str:
    """The limit in the words the uploader uses for it ("5 MB")."""
    return f"{limit_mb(max_bytes)} MB"


def save_upload(
    folder: Path, name: str, data: bytes, max_bytes: int, replace: bool = False
) -> Path:
    """Write ``data`` to ``folder/name`` and return that path.

    ``folder`` is the corpus's uploads folder in the user's data directory
    (``Settings.uploads_dir``), indexed as ``uploads/``; it is created when missing.
    An existing upload is replaced (atomically) only when ``replace`` is set; otherwise
    :class:`UploadExistsError`. Raises :class:`BadInputError` for an unsafe name or bad
    content.
    """
    check_name(name)
    check_content(name, data, max_bytes)
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise BadInputError(f"{folder} is not a plain directory", "remove it, then upload again")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadInputError(
            f"cannot create {folder}: {error.strerror or error}",
            "set CAREER_ASSISTANT_DATA_DIR to a writable folder",
        ) from None
    target = folder / name
    if target.resolve().parent != folder.resolve():
        raise BadInputError(f"refused {name!r}: it would leave {folder}", "rename the file")
    temporary = folder / f".upload-{secrets.token_hex(8)}.tmp"
    try:
        with temporary.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, target)  # atomic: a reader sees the old or the new file
        else:
            os.link(temporary, target)  # atomic, and fails if the name is taken
    except FileExistsError:
        raise UploadExistsError(
            f"{UPLOAD_DIR}/{name} already exists", "replace it, or rename your file"
        ) from None
    except OSError as error:
        raise BadInputError(
            f"cannot write {UPLOAD_DIR}/{name}: {error.strerror or error}",
            f"check that {folder} is writable",
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return target


def is_upload(source: str) -> bool:
    """Whether a corpus file (its path relative to the corpus) was uploaded on the page."""
    return source.startswith(f"{UPLOAD_DIR}/")


def where(corpus_dir: Path, uploads_dir: Path, source: str) -> Path:
    """The file behind ``source``: an upload in the data directory, else a corpus file
    (``corpus_dir/uploads/<name>`` included: put there by hand, or by an older version;
    either way not the page's to delete unasked, see :func:`uploaded_here`)."""
    if is_upload(source):
        upload = uploads_dir / source.removeprefix(f"{UPLOAD_DIR}/")
        if upload.exists() or upload.is_symlink():
            return upload
    return corpus_dir / source


def uploaded_here(corpus_dir: Path, uploads_dir: Path, source: str) -> bool:
    """Whether ``source`` is a file the page saved (in the data directory), not one put
    into the corpus folder by hand, ``corpus/uploads/`` included."""
    return where(corpus_dir, uploads_dir, source) != corpus_dir / source


def delete_document(
    corpus_dir: Path, uploads_dir: Path, source: str, shipped_confirmed: bool = False
) -> None:
    """Remove the file ``source``; a file the page did not save needs confirmation.

    ``source`` comes back from the page, so it must name a plain file inside the corpus
    or the uploads folder.
    """
    target = where(corpus_dir, uploads_dir, source)
    root = uploads_dir if target.is_relative_to(uploads_dir) else corpus_dir
    inside = target.resolve().is_relative_to(root.resolve())
    if ".." in Path(source).parts or not inside or target.is_symlink() or not target.is_file():
        raise BadInputError(f"{source} is not a file in the corpus", "pick one from the list")
    if root != uploads_dir and not shipped_confirmed:
        raise BadInputError(
            f"{source} was not uploaded here, it is a file of the corpus folder",
            "confirm that you want to delete it",
        )
    try:
        target.unlink()
    except OSError as error:
        raise BadInputError(
            f"cannot delete {source}: {error.strerror or error}",
            f"check that {target.parent} is writable",
        ) from None
