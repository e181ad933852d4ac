"""Corpus → a new build, incrementally, published atomically by the index backend.

1. Take the backend's rebuild lock (a second rebuild waits ``lock_timeout`` s, then refuses).
2. Load the corpus (files unchanged since the last rebuild are not parsed again) and
   compare it with the current build; nothing changes if that fails.
3. Plan: chunk every document into the rows of the new build (:func:`plan_build`).
4. Embed: reuse the vector of every chunk and sentence whose text is unchanged, from
   whichever backend holds the previous build (keyed by a hash of model + runtime + text);
   embed only the rest (:func:`embed_build`).
5. Publish: the backend writes the build and switches to it in one atomic step, then
   deletes builds older than the one replaced. A rebuild killed at any moment leaves the
   previous build serving; its leftovers are removed by the next rebuild.
"""

from __future__ import annotations

import functools
import hashlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .backend import IndexBackend, SearchBackend
from .chunking import Chunk, chunk_document
from .config import Settings
from .documents import Document
from .embeddings import Embedder, ProgressCallback
from .errors import IndexUnavailableError
from .ingest import load_corpus
from .ingest.cache import parser_version
from .records import FORMAT_VERSION, ChunkRow, Manifest, NewBuild, SentenceRow
from .taxonomy import CareerPath, Taxonomy, trust_documents

KEEP_BUILDS = 2  # after a rebuild: the new build and the one it replaced
#: Under the index directory: each file's parse, so a rebuild re-parses only what changed.
PARSE_CACHE = "parsed"
#: The modules besides the ingestion package whose code decides a build's rows (chunks,
#: sentences, the texts embedded and searched, their families).
PLAN_MODULES = ("chunking.py", "indexer.py", "taxonomy.py")
PACKAGE = Path(__file__).resolve().parent


@dataclass
class RebuildReport:
    """What a rebuild did; ``to_json`` is the CLI's ``--json`` output."""

    files_added: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    chunks_total: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    build_id: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.files_added or self.files_changed or self.files_removed)

    def to_json(self) -> dict[str, Any]:
        return {
            "files_added": len(self.files_added),
            "files_changed": len(self.files_changed),
            "files_removed": len(self.files_removed),
            "files_unchanged": len(self.files_unchanged),
            "chunks_total": self.chunks_total,
            "chunks_embedded": self.chunks_embedded,
            "chunks_reused": self.chunks_reused,
            "seconds": round(self.seconds, 3),
        }


def embed_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]


def rebuild(
    settings: Settings,
    backend: IndexBackend,
    embedder: Callable[[], Embedder],
    model: str,
    progress: ProgressCallback | None = None,
    full: bool = False,
    warn: Callable[[str], None] | None = None,
    files: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Bring the index ``backend`` holds up to date with ``settings.corpus_dir``.

    ``embedder`` is a factory so that a rebuild with nothing new to embed never loads
    the model. ``files`` hears (new or changed files, files) once the corpus is compared,
    before anything is embedded. Raises :class:`RebuildBusyError` if another rebuild
    holds the lock.
    """
    started = time.perf_counter()
    report = RebuildReport()

    def note(message: str) -> None:
        report.warnings.append(message)
        if warn:
            warn(message)

    with backend.rebuild_lock(settings.lock_timeout):
        backend.remove_leftovers()
        documents = trust_documents(
            load_corpus(
                settings.corpus_dir,
                settings.max_file_bytes,
                note,
                cache_dir=settings.index_dir / PARSE_CACHE,
                uploads_dir=settings.uploads_dir,
            ),
            note,
        )
        previous = _open_previous(backend, model)
        try:
            # Compare what was loaded: a file skipped as unreadable is not "added" forever.
            _compare_files(report, {d.source: d.sha256 for d in documents}, previous)
            if (
                not full
                and previous is not None
                and not report.changed
                and _same_settings(previous.manifest, settings, backend)
            ):
                report.chunks_total = report.chunks_reused = previous.manifest.chunks
                report.build_id = previous.manifest.build_id
                return _finish(report, started)
            replaced = previous.manifest.build_id if previous else _current_id(backend)
            if files:
                fresh = len(documents) if full else len(report.files_added + report.files_changed)
                files(fresh, len(documents))
            plan = plan_build(settings, model, documents)
            reuse = None if full else previous
            chunk_vectors, sentence_vectors = embed_build(
                plan, reuse, embedder, settings.batch_size, progress, report
            )
        finally:
            if previous is not None:
                previous.close()
        build = plan.finish(settings, model, backend, chunk_vectors, sentence_vectors)
        backend.publish(build)
        report.build_id = build.manifest.build_id
        backend.prune(keep={report.build_id, replaced})
    return _finish(report, started)


def _finish(report: RebuildReport, started: float) -> RebuildReport:
    report.seconds = time.perf_counter() - started
    return report


def _open_previous(backend: IndexBackend, model: str) -> SearchBackend | None:
    """The current build if it is usable for reuse; a broken one is simply not reused."""
    try:  # verified: a damaged vector must not be copied into the next build
        store = backend.open(verify=True)
    except IndexUnavailableError:
        return None
    if store.manifest.model != model:
        store.close()
        return None
    return store


def _current_id(backend: IndexBackend) -> str:
    """The build being served before this rebuild ("" if none or unreadable)."""
    try:
        return backend.current() or ""
    except IndexUnavailableError:
        return ""


def _same_settings(manifest: Manifest, settings: Settings, backend: IndexBackend) -> bool:
    """Whether ``manifest``'s build is what this code and these settings would plan."""
    m = manifest
    built = (m.chunk_size, m.chunk_overlap, m.contextual_header, m.plan_version)
    wanted = (settings.chunk_size, settings.chunk_overlap, settings.contextual_header)
    return built == (*wanted, plan_version()) and m.index_kind == backend.index_kind(m.chunks)


@functools.cache
def plan_version(package: Path = PACKAGE) -> str:
    """A hash of the code that turns files into a build's rows: the ingestion code and
    parsers (:func:`parser_version`) and :data:`PLAN_MODULES` in ``package``.

    Recorded in the manifest, so a build planned by other code is planned again even when
    no file changed (as the parse cache re-parses); its unchanged texts keep their vectors.
    """
    digest = hashlib.sha256(parser_version().encode() + b"\0")
    for name in PLAN_MODULES:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class CorpusDiff:
    """How the corpus's files differ from what a build indexed (by content hash)."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]


def diff_sources(before: dict[str, str], after: dict[str, str]) -> CorpusDiff:
    """Compare two ``source → sha256`` maps; used by rebuilds and the staleness check."""
    return CorpusDiff(
        added=sorted(set(after) - set(before)),
        changed=sorted(s for s in after if s in before and after[s] != before[s]),
        removed=sorted(set(before) - set(after)),
        unchanged=sorted(s for s in after if before.get(s) == after[s]),
    )


def _compare_files(
    report: RebuildReport, hashes: dict[str, str], previous: SearchBackend | None
) -> None:
    before = {s: d.sha256 for s, d in previous.documents.items()} if previous else {}
    diff = diff_sources(before, hashes)
    report.files_added, report.files_changed = diff.added, diff.changed
    report.files_removed, report.files_unchanged = diff.removed, diff.unchanged


@dataclass(frozen=True)
class BuildPlan:
    """The rows of a new build, before any vector exists."""

    documents: list[Document]
    chunks: list[ChunkRow]
    sentences: list[SentenceRow]
    #: The texts embedded for each chunk and sentence, row-aligned with the two lists.
    chunk_texts: list[str]
    sentence_texts: list[str]

    def finish(
        self,
        settings: Settings,
        model: str,
        backend: IndexBackend,
        chunk_vectors: np.ndarray,
        sentence_vectors: np.ndarray,
    ) -> NewBuild:
        """The build to publish, with a fresh id and its manifest."""
        now = datetime.now(UTC)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            build_id=now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8],
            model=model,
            dimension=int(chunk_vectors.shape[1]),
            chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap,
            index_kind=backend.index_kind(len(self.chunks)),
            built_at=now.isoformat(timespec="seconds"),
            files=len(self.documents),
            chunks=len(self.chunks),
            sentences=len(self.sentences),
            contextual_header=settings.contextual_header,
            plan_version=plan_version(),
        )
        return NewBuild(
            manifest, self.documents, self.chunks, self.sentences, chunk_vectors, sentence_vectors
        )


def plan_build(settings: Settings, model: str, documents: list[Document]) -> BuildPlan:
    """Chunk every document; sentences shared by overlapping chunks are stored once."""
    # Vectors are reused only from the same model *and* runtime: ONNX and torch agree
    # closely enough to serve each other's index, but are never mixed in one.
    space = f"{model}/{settings.embed_backend}"
    tagger = Taxonomy(CareerPath.of(doc) for doc in documents if doc.path).tag_section
    plan = BuildPlan(documents, [], [], [], [])
    for doc in documents:
        first_row: dict[tuple[int, int], int] = {}
        for chunk in chunk_document(doc, settings.chunk_size, settings.chunk_overlap, tagger):
            for start, end in chunk.sentences:
                if (start, end) not in first_row:
                    first_row[start, end] = len(plan.sentences)
                    text = doc.text[start:end]
                    plan.sentences.append(
                        SentenceRow(doc.source, start, end, embed_key(space, text))
                    )
                    plan.sentence_texts.append(text)
            text = chunk.embedding_text(doc.aliases, settings.contextual_header)
            plan.chunks.append(
                _chunk_row(chunk, doc, first_row[chunk.sentences[0]], embed_key(space, text))
            )
            plan.chunk_texts.append(text)
    return plan


def _chunk_row(chunk: Chunk, doc: Document, sentence_first: int, key: str) -> ChunkRow:
    return ChunkRow(
        chunk_id=chunk.id,
        source=chunk.source,
        title=chunk.title,
        section=chunk.section,
        family=chunk.family,
        path=chunk.path,
        kind=doc.kind,
        start=chunk.start,
        end=chunk.end,
        text=chunk.text,
        sentence_first=sentence_first,
        sentence_count=len(chunk.sentences),
        embed_key=key,
        lexical_text=_lexical_text(chunk, doc),
    )


def _lexical_text(chunk: Chunk, doc: Document) -> str:
    """What BM25 sees: the chunk, its breadcrumb (which starts with the title) and the
    path's aliases. The title is not added again: counted twice it outweighed the text."""
    return " ".join([chunk.section or chunk.title, *doc.aliases, chunk.text])


def embed_build(
    plan: BuildPlan,
    previous: SearchBackend | None,
    embedder: Callable[[], Embedder],
    batch_size: int,
    progress: ProgressCallback | None,
    report: RebuildReport,
) -> tuple[np.ndarray, np.ndarray]:
    """Chunk and sentence vectors of ``plan``: reused from ``previous`` by embed key where
    the text is unchanged, embedded (each distinct text once) where it is not."""
    keys = [c.embed_key for c in plan.chunks] + [s.embed_key for s in plan.sentences]
    texts = dict(zip(keys, plan.chunk_texts + plan.sentence_texts, strict=True))
    reused: dict[str, np.ndarray] = {}
    dimension = 0
    if previous is not None:
        dimension = previous.manifest.dimension
        reused = previous.stored_vectors("chunks", [c.embed_key for c in plan.chunks])
        reused |= previous.stored_vectors("sentences", [s.embed_key for s in plan.sentences])
    missing = [key for key in texts if key not in reused]
    if missing:
        model = embedder()
        if model.dimension != dimension and reused:
            # Same model name, other vectors (a replaced model folder): reuse nothing.
            reused, missing = {}, list(texts)
        dimension = model.dimension
        reused |= _embed_missing(model, plan, set(missing), texts, batch_size, progress)
    elif progress:
        progress(0, 0)
    fresh = set(missing)
    report.chunks_total = len(plan.chunks)
    report.chunks_embedded = sum(c.embed_key in fresh for c in plan.chunks)
    report.chunks_reused = report.chunks_total - report.chunks_embedded
    chunk_vectors = _stack([c.embed_key for c in plan.chunks], reused, dimension)
    return chunk_vectors, _stack([s.embed_key for s in plan.sentences], reused, dimension)


def _embed_missing(
    model: Embedder,
    plan: BuildPlan,
    missing: set[str],
    texts: dict[str, str],
    batch_size: int,
    progress: ProgressCallback | None,
) -> dict[str, np.ndarray]:
    """Embed the ``missing`` texts, each distinct text once, in one call: the embedder
    sorts them all by length, so batches are padded little (chunks and sentences of one
    length share a batch wherever they come from).

    Progress is reported as (done, total) passages: the passages with something to embed,
    a passage repeated word for word counting, as in the report. The embedder reports its
    work in padded tokens, which take about equally long each, so passages done are that
    share of the passages to do: the pace is steady and the estimate of the time left holds.
    """
    keys: list[str] = []
    passages = 0
    taken: set[str] = set()
    for chunk in plan.chunks:
        rows = plan.sentences[chunk.sentence_first : chunk.sentence_first + chunk.sentence_count]
        todo = [
            key
            for key in dict.fromkeys([chunk.embed_key, *(row.embed_key for row in rows)])
            if key in missing and key not in taken
        ]
        taken.update(todo)
        keys += todo
        passages += bool(todo or chunk.embed_key in missing)
    if progress:
        progress(0, passages)

    def in_passages(done: int, total: int) -> None:
        if progress:
            progress(passages * done // total if total else passages, passages)

    vectors = model.embed([texts[key] for key in keys], batch_size, in_passages)
    return dict(zip(keys, vectors, strict=True))


def _stack(keys: Sequence[str], vectors: dict[str, np.ndarray], dimension: int) -> np.ndarray:
    out = np.zeros((len(keys), dimension), dtype=np.float32)
    for row, key in enumerate(keys):
        out[row] = vectors[key]
    return out
