"""``career-assistant show FILE``: a corpus file as the index sees it, before anyone asks.

The file goes through the same steps as ``index`` (loaders, corpus-wide boilerplate, the
parse cache, path trust, chunking), so what is printed is what gets embedded and quoted:
the title, the organisation, the sections, every passage with its section and offsets
into ``Assistant.document_text(source)``, and every table cell with its labels.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .chunking import Chunk, chunk_document
from .config import Settings
from .documents import Document
from .errors import BadInputError
from .indexer import PARSE_CACHE
from .ingest import load_corpus
from .taxonomy import UPLOADS, CareerPath, Taxonomy, trust_documents


def indexed(
    settings: Settings, file: Path, warn: Callable[[str], None]
) -> tuple[Document, list[Chunk]]:
    """The document ``file`` (a path inside the corpus, or relative to it) becomes, and
    its passages; warnings about other files are not repeated."""
    source = _source(settings.corpus_dir, file, settings.uploads_dir)
    documents = trust_documents(
        load_corpus(
            settings.corpus_dir,
            settings.max_file_bytes,
            lambda message: warn(message) if message.startswith(f"skipped {source}") else None,
            cache_dir=settings.index_dir / PARSE_CACHE,
            uploads_dir=settings.uploads_dir,
        )
    )
    tagger = Taxonomy(CareerPath.of(d) for d in documents if d.path).tag_section
    for document in documents:
        if document.source == source:
            chunks = chunk_document(document, settings.chunk_size, settings.chunk_overlap, tagger)
            return document, chunks
    raise BadInputError(
        f"{source} is not indexed (see the warning above, if any)",
        "run `career-assistant status` to list the files not indexed and why",
    )


def show_text(document: Document, chunks: list[Chunk]) -> str:
    """The printed form: a header, the sections, the passages, the table cells."""
    sections = list(dict.fromkeys(chunk.section for chunk in chunks))
    cells = [block.text for block in document.blocks if block.kind == "table_row"]
    lines = [
        f"file: {document.source}",
        f"title: {document.title}",
        f"organisation: {document.organisation or '(none)'}",
        f"kind: {document.kind}" + (f" · family: {document.family}" if document.family else ""),
        "",
        f"sections ({len(sections)}):",
        *(f"  {section}" for section in sections),
        "",
        f"passages ({len(chunks)}):",
    ]
    for number, chunk in enumerate(chunks, start=1):
        lines.append(f"[{number}] {chunk.section}  (characters {chunk.start}–{chunk.end})")
        lines.extend("    " + line if line.strip() else "" for line in chunk.text.split("\n"))
        lines.append("")
    lines.append(f"table cells ({len(cells)}):")
    lines.extend(f"  {cell}" for cell in cells)
    return "\n".join(lines)


def _source(corpus_dir: Path, file: Path, uploads_dir: Path) -> str:
    """``file`` as a corpus source name (POSIX, relative to the corpus): a path in the
    corpus, or relative to it; or a page upload, by the ``uploads/<name>`` the page and
    the answers' citations show, or by its path in the uploads folder."""
    corpus, uploads = corpus_dir.resolve(), uploads_dir.resolve()
    candidates = [file.resolve()] if file.is_absolute() else [(Path.cwd() / file).resolve()]
    candidates.append((corpus / file).resolve())
    if file.as_posix().startswith(UPLOADS):
        candidates.append((uploads / file.as_posix().removeprefix(UPLOADS)).resolve())
    for path in candidates:
        if path.is_relative_to(uploads) and path.is_file():  # it replaces corpus/uploads/
            return UPLOADS + path.relative_to(uploads).as_posix()
        if path.is_relative_to(corpus) and path.is_file():
            return path.relative_to(corpus).as_posix()
    raise BadInputError(
        f"{file} is not a file in the corpus {corpus_dir} nor an upload",
        "give a path inside the corpus directory (or relative to it), uploads/<name> for a "
        "file added on the page, or pass --corpus DIR",
    )
