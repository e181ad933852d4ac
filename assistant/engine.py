"""The library's front door: :class:`Assistant` with ``ask`` and ``rebuild``.

The CLI, the Streamlit page, the tests and the benchmarks all go through this class, so
they exercise one code path. It is safe to share between threads: the model is loaded
once per process, the served index is swapped by a single reference assignment, and a
rebuild in one thread never disturbs questions answered from the previous build.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import answering
from .backend import IndexBackend, SearchBackend
from .backends import create_backend
from .chunking import section_body
from .config import MAX_K, Settings
from .documents import CorpusFile
from .embeddings import (
    Embedder,
    ProgressCallback,
    default_model_path,
    load_embedder,
    model_identity,
)
from .errors import BadInputError, IndexUnavailableError
from .fit import FitResult, rank_paths
from .indexer import RebuildReport, diff_sources, rebuild
from .ingest import corpus_files
from .ingest.corpus import to_document
from .ingest.loaders import parse_file
from .records import Filter
from .results import Answer, Comparison, ComparisonSide
from .retrieval import rank
from .taxonomy import FAMILIES, OTHER_FAMILY, OTHER_LABEL, CareerPath, Mention

COMPARE_PASSAGES = 2

_EMBEDDERS: dict[tuple[str, str, Path], Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def shared_embedder(model_path: str, backend: str, cache_dir: Path) -> Embedder:
    """One model per process and configuration, however many ``Assistant`` objects exist."""
    with _EMBEDDERS_LOCK:
        key = (model_path, backend, cache_dir)
        if key not in _EMBEDDERS:
            _EMBEDDERS[key] = load_embedder(model_path, backend, cache_dir)
        return _EMBEDDERS[key]


@dataclass(frozen=True)
class IndexStatus:
    """What the page's sidebar and ``career-assistant status`` show."""

    files: int
    chunks: int
    model: str
    built_at: str
    index_kind: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.added or self.changed or self.removed)


class Assistant:
    """Grounded answers from the corpus in ``settings.corpus_dir``."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        self.backend: IndexBackend = create_backend(self.settings)
        self._store: SearchBackend | None = None
        self._store_lock = threading.Lock()
        self._usable_files: dict[tuple[str, str], bool] = {}

    # -- model and index ----------------------------------------------------------------

    @property
    def model_name(self) -> str:
        """The model's identity (name, weights hash, runtime), without loading it."""
        if self._embedder is not None:
            return self._embedder.name
        path = self.settings.model_path
        return model_identity(
            Path(path).expanduser() if path else default_model_path(), self.settings.embed_backend
        )

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder(
                self.settings.model_path,
                self.settings.embed_backend,
                self.settings.onnx_cache_dir,
            )
        return self._embedder

    def store(self) -> SearchBackend:
        """The current build, reopened when a rebuild (in any process) replaced it."""
        build = self.backend.current()
        store = self._store
        if store is not None and build == store.manifest.build_id:
            return store
        with self._store_lock:
            if self._store is None or self._store.manifest.build_id != build:
                fresh = self.backend.open()
                dimension = self._embedder.dimension if self._embedder else None
                fresh.check_compatible(self.model_name, dimension)
                self._store = fresh  # the old store is left to the garbage collector:
                # threads still answering from it keep a reference until they finish
            return self._store

    def has_index(self) -> bool:
        return self.backend.current() is not None

    # -- questions ----------------------------------------------------------------------

    def ask(self, question: str, k: int | None = None, family: str | None = None) -> Answer:
        """Answer ``question`` with up to ``k`` cited passages, or abstain."""
        question = clean_question(question, self.settings.max_question_chars)
        k = self.settings.k if k is None else k
        if not 1 <= k <= MAX_K:
            raise BadInputError(f"k={k} is out of range", f"ask for between 1 and {MAX_K} passages")
        if family and family not in FAMILIES and family != OTHER_FAMILY:
            raise BadInputError(
                f"unknown family {family!r}", f"use one of: {', '.join([*FAMILIES, OTHER_FAMILY])}"
            )
        store = self.store()
        store.check_compatible(self.model_name, self.embedder.dimension)
        started = time.perf_counter()  # timings cover answering, not a first model load
        mentions = store.taxonomy.mentions(question)
        expanded = expand_aliases(question, mentions)

        t0 = time.perf_counter()
        query_vector = self.embedder.embed_query(expanded)
        t1 = time.perf_counter()
        where = Filter(family="" if family == OTHER_FAMILY else family) if family else None
        timings: dict[str, float] = {}
        ranking = rank(store, query_vector, expanded, k, where, timings, self.settings.retriever)
        verdict = answering.judge(
            ranking, lambda: self._kept_meaning(store, question, expanded, query_vector)
        )
        timings["embed"] = (t1 - t0) * 1000
        if not verdict.relevant:
            timings["total"] = (time.perf_counter() - started) * 1000
            return Answer(
                question=question,
                abstained=True,
                reason=abstention_reason(family),
                sentences=(),
                passages=(),
                timings_ms=timings,
            )
        candidates = ranking.candidates
        sentences = answering.score_sentences(store, candidates, query_vector, question)
        compare = None
        if len(mentions) >= 2:
            compare = self._compare(
                store, query_vector, expanded, mentions[0].path, mentions[1].path, question
            )
        timings["total"] = (time.perf_counter() - started) * 1000
        return Answer(
            question=question,
            abstained=False,
            reason="",
            sentences=answering.extract_answer(sentences),
            passages=answering.to_passages(candidates, sentences),
            timings_ms=timings,
            compare=compare,
        )

    def _compare(
        self,
        store: SearchBackend,
        query_vector: np.ndarray,
        query_text: str,
        left: CareerPath,
        right: CareerPath,
        question: str,
    ) -> Comparison | None:
        sides = []
        for path in (left, right):
            found = rank(
                store,
                query_vector,
                query_text,
                COMPARE_PASSAGES,
                Filter(path=path.slug),
                retriever=self.settings.retriever,
            ).candidates
            if not found:  # a path named in the taxonomy but with no indexed passage
                return None
            sentences = answering.score_sentences(store, found, query_vector, question)
            sides.append(
                ComparisonSide(
                    path.slug, path.title, path.family, answering.to_passages(found, sentences)
                )
            )
        return Comparison(sides[0], sides[1])

    def _kept_meaning(
        self, store: SearchBackend, question: str, expanded: str, query_vector: np.ndarray
    ) -> float:
        """Cosine between the question and the question cut down to words the corpus uses."""
        known = store.known_words(question)
        if len(known) == len(question.split()):
            return 1.0
        if not known:
            return 0.0
        reduced = expanded.replace(question, " ".join(known), 1)
        return float(self.embedder.embed_query(reduced) @ query_vector)

    # -- corpus and index ---------------------------------------------------------------

    def rebuild(
        self,
        progress: ProgressCallback | None = None,
        full: bool = False,
        warn: Callable[[str], None] | None = None,
    ) -> RebuildReport:
        """Re-index the corpus incrementally (``full`` re-embeds everything)."""
        report = rebuild(
            self.settings,
            self.backend,
            lambda: self.embedder,
            self.model_name,
            progress,
            full,
            warn,
        )
        self.store()  # load the new build now, so the next question does not pay for it
        return report

    def status(self) -> IndexStatus:
        store = self.store()
        files = corpus_files(self.settings.corpus_dir, self.settings.max_file_bytes, _ignore)
        then = {source: doc.sha256 for source, doc in store.documents.items()}
        now = {  # files the rebuild would skip as unreadable do not make the index stale
            f.source: f.sha256 for f in files if then.get(f.source) == f.sha256 or self._usable(f)
        }
        diff = diff_sources(then, now)
        m = store.manifest
        return IndexStatus(
            files=m.files,
            chunks=m.chunks,
            model=m.model,
            built_at=m.built_at,
            index_kind=m.index_kind,
            added=diff.added,
            changed=diff.changed,
            removed=diff.removed,
        )

    def _usable(self, file: CorpusFile) -> bool:
        """Whether a new or changed file would be indexed: parsed once per content hash."""
        key = (file.source, file.sha256)
        if key not in self._usable_files:
            parsed = parse_file(file, _ignore)
            usable = parsed is not None and to_document(file, parsed, _ignore) is not None
            self._usable_files[key] = usable
        return self._usable_files[key]

    def verify(self) -> None:
        """Check the whole current build against what was recorded (slow on huge indexes)."""
        self.backend.open(verify=True).close()

    def fit(self, description: str) -> FitResult:
        """Which path fits me? The career paths ranked by a description of what the person
        enjoys and avoids, each with quoted sentences for and against (see :mod:`.fit`)."""
        if isinstance(description, str) and not description.strip():
            raise BadInputError(
                "the description is empty", "say what you enjoy and what you would rather avoid"
            )
        description = clean_question(description, self.settings.max_question_chars)
        store = self.store()
        store.check_compatible(self.model_name, self.embedder.dimension)
        return rank_paths(store, self.embedder, self.career_paths(), description, self.settings)

    def career_paths(self) -> list[CareerPath]:
        return sorted(self.store().taxonomy.paths.values(), key=lambda p: (p.family, p.title))

    def document_text(self, source: str) -> str:
        """The indexed body of one corpus file (front matter removed), or "" if unknown."""
        return self.store().document_text(source)

    def section_text(self, source: str, start: int) -> str:
        """The whole section a passage comes from (``passage.start``), for "show context"."""
        store = self.store()
        if source not in store.documents:
            return ""
        return section_body(store.document_text(source), start)


def _ignore(_: str) -> None:
    """Warnings about unreadable files belong to ``rebuild``; ``status`` only compares."""


def expand_aliases(question: str, mentions: list[Mention]) -> str:
    """Append the title of each path named by an alias ("TPM" → Technical Program Manager).

    Titles already written out are not repeated: doubling them would pull the search
    toward sentences that merely repeat the title.
    """
    titles = [
        m.path.title
        for m in mentions
        if question[m.start : m.end].casefold() != m.path.title.casefold()
    ]
    return " ".join([question, *titles])


def clean_question(question: str, max_chars: int) -> str:
    """Normalise whitespace and drop control characters; refuse empty or oversized input."""
    if not isinstance(question, str):
        raise BadInputError("the question must be text", "pass a string")
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") and ch != "\u200d" else ch
        for ch in question
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise BadInputError("the question is empty", "type a question about career paths")
    if len(cleaned) > max_chars:
        raise BadInputError(
            f"the question is {len(cleaned):,} characters long; the limit is {max_chars:,}",
            "shorten it to a sentence or two",
        )
    return cleaned


def abstention_reason(family: str | None) -> str:
    where = ""
    if family == OTHER_FAMILY:
        where = f" in {OTHER_LABEL.lower()}"
    elif family:
        where = f" in the {FAMILIES[family]} family"
    return (
        f"the corpus does not cover this{where}: no passage is close enough to the question. "
        "It covers career paths after senior engineer ("
        + ", ".join(FAMILIES.values())
        + f") and {OTHER_LABEL.lower()} added to it."
    )


__all__ = ["Assistant", "IndexStatus", "IndexUnavailableError"]
