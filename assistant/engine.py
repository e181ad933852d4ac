"""The library's front door: :class:`Assistant` with ``ask`` and ``rebuild``.

The CLI, the Streamlit page, the tests and the benchmarks all go through this class, so
they exercise one code path. It is safe to share between threads: the model is loaded
once per process, the served index is swapped by a single reference assignment, and a
rebuild in one thread never disturbs questions answered from the previous build.
"""

from __future__ import annotations

import functools
import re
import threading
import time
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from . import answering
from .asked_figure import AskedFigure
from .backend import IndexBackend, SearchBackend
from .backends import create_backend
from .chunking import section_body
from .config import MAX_K, TUNING, Settings
from .documents import CorpusFile
from .embeddings import (
    Embedder,
    ProgressCallback,
    load_embedder,
    model_folder,
    model_identity,
)
from .errors import BadInputError, IndexUnavailableError
from .fit import FitResult, rank_paths
from .indexer import RebuildReport, diff_sources, rebuild
from .ingest import corpus_files
from .ingest.corpus import to_document
from .ingest.loaders import parse_file
from .intent import Intent, Subject, analyse
from .records import Filter, StoredChunk
from .results import Answer, Comparison, ComparisonSide, Passage
from .retrieval import Candidate, Ranking, compound_forms, corrected, rank, typo_corrections
from .scorer import Models, load_models
from .taxonomy import (
    FAMILIES,
    OTHER_FAMILY,
    OTHER_LABEL,
    STOP_WORDS,
    CareerPath,
    Mention,
    Names,
)

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
    #: Why each corpus file that is not indexed is skipped (binary, empty, unreadable…).
    skipped: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.added or self.changed or self.removed)


class Assistant:
    """Grounded answers from the corpus in ``settings.corpus_dir``."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        models: Models | None = None,
    ) -> None:
        """``models`` replaces the packaged scorer (an evaluation fitted without the
        collection it scores passes its own)."""
        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        self._models = models
        self.backend: IndexBackend = create_backend(self.settings)
        self._store: SearchBackend | None = None
        self._store_lock = threading.Lock()
        self._problems: dict[tuple[str, str], str] = {}

    # -- model and index ----------------------------------------------------------------

    @property
    def model_name(self) -> str:
        """The model's identity (name, weights hash, runtime), without loading it."""
        if self._embedder is not None:
            return self._embedder.name
        path = self.settings.model_path
        return model_identity(model_folder(path), self.settings.embed_backend)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder(
                self.settings.model_path,
                self.settings.embed_backend,
                self.settings.onnx_cache_dir,
            )
        return self._embedder

    @property
    def models(self) -> Models:
        """The scorer's two models, read on first use."""
        if self._models is None:
            self._models = packaged_models()
        return self._models

    @functools.cached_property
    def vocabulary(self) -> frozenset[str]:
        """The embedding model's whole-word vocabulary (WordPiece ``vocab.txt``): words of
        the language, which typo repair leaves alone. Empty, so no repair, without one."""
        path = self.settings.model_path
        folder = model_folder(path)
        try:
            lines = (folder / "vocab.txt").read_text(encoding="utf-8").split()
        except OSError:
            return frozenset()
        return frozenset(w for w in lines if w.isalpha() and w.islower())

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

    def ask(
        self,
        question: str,
        k: int | None = None,
        family: str | None = None,
        organisation: str | None = None,
    ) -> Answer:
        """Answer ``question`` with up to ``k`` cited passages, or abstain; ``organisation``
        keeps to one organisation's documents."""
        started = time.perf_counter()
        evidence = self.evidence(question, k, family, organisation)
        timings = evidence.timings
        answer = self.decide(evidence)
        timings["total"] = (time.perf_counter() - started - evidence.load_seconds) * 1000
        return answer

    def evidence(
        self,
        question: str,
        k: int | None = None,
        family: str | None = None,
        organisation: str | None = None,
    ) -> Evidence:
        """Everything :meth:`ask` decides from: the question read, the passages found, their
        quotable units and the features both learned models score (also for training)."""
        question = clean_question(question, self.settings.max_question_chars)
        k = self.settings.k if k is None else k
        if not 1 <= k <= MAX_K:
            raise BadInputError(f"k={k} is out of range", f"ask for between 1 and {MAX_K} passages")
        if family and family not in FAMILIES and family != OTHER_FAMILY:
            raise BadInputError(
                f"unknown family {family!r}", f"use one of: {', '.join([*FAMILIES, OTHER_FAMILY])}"
            )
        loading = time.perf_counter()
        store = self.store()
        store.check_compatible(self.model_name, self.embedder.dimension)
        background = self._background(store)
        load_seconds = time.perf_counter() - loading  # timings cover answering only

        def known(word: str) -> bool:
            return bool(store.known_words(word))

        intent = analyse(question, store.taxonomy, document_names(store), known)
        corrections = typo_corrections(store, question, self.vocabulary)
        extra = [word for words in corrections.values() for word in words]
        compounds = compound_forms(store, question)
        extra += compounds.values()
        names = alias_titles(question, list(intent.mentions))
        plain = " ".join([question, *names, *extra])  # the question as asked, expanded
        expanded = " ".join([intent.search_text(question), *names, *extra])
        repaired = question  # what the corpus-vocabulary signals read: typos mended
        for mention in sorted(intent.mentions, key=lambda m: -m.start):
            if mention.fuzzy:  # "principle engineer" is the path it was taken for
                repaired = repaired[: mention.start] + mention.path.title + repaired[mention.end :]
        repaired = corrected(repaired, corrections)
        # Every view of the question the ranking reads, embedded in one model call: the
        # question as searched, as asked, and its words the corpus never uses.
        unknown = _unknown_words(store, repaired)
        views = [expanded, *([plain] if expanded != plain else []), *([unknown] if unknown else [])]
        t0 = time.perf_counter()
        vectors = self.embedder.embed_queries(views)
        timings = {"embed": (time.perf_counter() - t0) * 1000}
        query_vector = vectors[0]
        plain_vector = vectors[1] if expanded != plain else query_vector
        keep = _excluding(intent)
        organisation = organisation or named_organisation(question, store)
        commenter = named_commenter(question, store)
        where = Filter(
            family=stored_family(family) if family else None,
            organisation=organisation,
            source=commenter.source if commenter else None,
        )
        terms = answering.question_terms(store, repaired, [m.path for m in intent.mentions])
        search = partial(self._search, store, query_vector, expanded, terms)
        found = search(k, where, keep, timings)
        judged = found
        if expanded != plain:
            # Whether the corpus answers is judged on the question as asked, before its
            # own exclusions: "besides management" is about careers, whatever is left.
            judged = self._search(store, plain_vector, plain, terms, k, where, None)
        outside = search(k, None, keep) if family else None
        sides = None
        if intent.comparison is not None:
            sides = tuple(
                search(
                    TUNING.compare_passages,
                    *_subject_filter(subject, stored_family(family) if family else None),
                )
                for subject in intent.comparison
            )
        lost = float(vectors[-1] @ plain_vector) if unknown else 0.0
        return Evidence(
            question,
            k,
            family,
            intent,
            found,
            judged,
            outside,
            sides,
            terms,
            lost,
            background,
            store.manifest.chunks,
            timings,
            load_seconds,
            self.models,
            commenter,
        )

    def _search(
        self,
        store: SearchBackend,
        query_vector: np.ndarray,
        query_text: str,
        terms: answering.QuestionTerms,
        k: int,
        where: Filter | None,
        keep: Callable[[StoredChunk], bool] | None,
        timings: dict[str, float] | None = None,
    ) -> Found:
        """One search's passages, their sentences, quotable units and unit probabilities."""
        kinds = _KINDS.get(store.manifest.build_id, partial(SourceKinds.of, store))
        ranking = rank(
            store,
            query_vector,
            query_text,
            k,
            where,
            timings,
            self.settings.retriever,
            keep,
            kinds.restating,
            self.models.passage,
        )
        sentences = answering.read_sentences(store, ranking.candidates, query_vector)
        ranking, sentences, units = answering.build_units(
            ranking, sentences, terms, kinds.comments, kinds.restating
        )
        probabilities = answering.score_units(units, self.models)
        return Found(ranking, sentences, units, probabilities, kinds.comments)

    def decide(self, evidence: Evidence) -> Answer:
        """Abstain, point outside the filter, or answer from the units found."""
        found = evidence.found

        def refuse(reason: str) -> Answer:
            return Answer(evidence.question, True, reason, (), (), evidence.timings)

        elsewhere = evidence.answer_outside_filter()
        if elsewhere is not None:
            return refuse(outside_filter_reason(evidence.family or "", elsewhere))
        said = evidence.commenter is not None and any(
            unit.speaker == evidence.commenter.name for group in found.units for unit in group
        )  # the named reader's comment is there: it answers "what did they say?"
        # A figure asked for in so many words ("how much…", "how many weeks…") that none
        # of the passages states cannot be quoted: an answer from them would say another thing.
        figure = evidence.missing_figure()
        unanswerable = figure is not None and figure.explicit
        if not said and (unanswerable or evidence.probability() < self.models.abstain_below):
            kind = evidence.on_topic_kind(figure)
            return refuse(abstention_reason(evidence.family, self.families(), kind))
        compare: Comparison | None = None
        chosen: list[answering.Unit] = []
        if evidence.sides is not None and evidence.intent.comparison is not None:
            compare, chosen = _comparison(evidence.intent.comparison, evidence.sides)
        if not chosen:
            chosen = answering.labels_compared(
                found.units, found.probabilities, evidence.terms, evidence.question
            )
        if not chosen:
            asked = answering.answers_asked(found.units)
            cells = answering.labels_asked(found.units, evidence.terms)
            speaker = evidence.commenter.name if evidence.commenter else None
            chosen = answering.choose_answer(
                found.units,
                found.probabilities,
                prefer=[
                    lambda unit: unit.speaker == speaker,
                    asked,
                    cells,
                    *answering.preference(evidence.terms),
                ],
            )
            if chosen and asked(chosen[0]):
                chosen = answering.answer_block(found.units, chosen[0])
            elif answering.asks_list(evidence.question):
                items = answering.list_answer(
                    found.ranking.candidates, found.units, found.probabilities
                )
                chosen = items or chosen
        listed = list(zip(found.ranking.candidates, found.units, found.probabilities, strict=True))
        ids = [candidate.chunk.chunk_id for candidate, _, _ in listed]
        needed = {unit.chunk_id for unit in chosen}
        cited = []
        for unit in chosen:  # a comparison side's passage not among the main ones joins
            if unit.chunk_id not in ids:  # them, in place of the last uncited one
                spares = [i for i, chunk_id in enumerate(ids) if chunk_id not in needed]
                if len(listed) >= evidence.k:
                    if not spares:
                        continue  # k passages, all cited already: this side goes unsaid
                    del listed[spares[-1]], ids[spares[-1]]
                listed.append(evidence.locate(unit.chunk_id))
                ids.append(unit.chunk_id)
            cited.append(unit)
        chosen = cited
        citations = {chunk_id: rank for rank, chunk_id in enumerate(ids, start=1)}
        candidates, units, probabilities = (list(column) for column in zip(*listed, strict=True))
        return Answer(
            question=evidence.question,
            abstained=False,
            reason="",
            sentences=answering.answer_sentences(chosen, citations),
            passages=answering.to_passages(
                candidates, units, probabilities, found.comments, chosen
            ),
            timings_ms=evidence.timings,
            compare=compare,
        )

    def _background(self, store: SearchBackend) -> tuple[float, float]:
        """The corpus's mean best (sentence, passage) cosine over everyday questions it
        cannot answer: computed once per build, a few hundred milliseconds."""
        return _BACKGROUNDS.get(store.manifest.build_id, partial(self._measure_background, store))

    def _measure_background(self, store: SearchBackend) -> tuple[float, float]:
        no_terms = answering.question_terms(store, "", [])
        sums = np.zeros(2)
        for text in answering.BACKGROUND_QUESTIONS:
            vector = self.embedder.embed_query(text)
            found = self._search(store, vector, text, no_terms, TUNING.evidence_depth, None, None)
            features = answering.question_features(
                found.ranking, found.sentences, 0.0, 0.0, no_terms, False
            )
            sums += (features["best_cosine"], features["best_chunk_cosine"])
        mean = sums / len(answering.BACKGROUND_QUESTIONS)
        return float(mean[0]), float(mean[1])

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
        unlisted: list[str] = []  # files not even read: too large, a README, …
        files = corpus_files(
            self.settings.corpus_dir,
            self.settings.max_file_bytes,
            unlisted.append,
            self.settings.uploads_dir,
        )
        then = {source: doc.sha256 for source, doc in store.documents.items()}
        # Files the rebuild would skip as unreadable do not make the index stale; why
        # each is skipped is said, so that a restart does not lose the rebuild's warnings.
        skipped = {
            f.source: problem
            for f in files
            if then.get(f.source) != f.sha256 and (problem := self._problem(f))
        }
        now = {f.source: f.sha256 for f in files if f.source not in skipped}
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
            skipped=[*unlisted, *skipped.values()],
        )

    def _problem(self, file: CorpusFile) -> str:
        """Why a new or changed file would not be indexed ("" if it would): the rebuild's
        own warning, read once per content hash."""
        key = (file.source, file.sha256)
        if key not in self._problems:
            said: list[str] = []
            parsed = parse_file(file, said.append)
            usable = parsed is not None and to_document(file, parsed, said.append) is not None
            self._problems[key] = "" if usable else "; ".join(said) or f"skipped {file.source}"
        return self._problems[key]

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

    def families(self) -> list[str]:
        """The families the index's documents belong to, in :data:`FAMILIES` order, then
        :data:`OTHER_FAMILY` when some document lies outside them: what a filter can
        choose and what a refusal says the corpus covers."""
        held = {d.family for d in self.store().documents.values()}
        others = [OTHER_FAMILY] if held - set(FAMILIES) else []
        return [family for family in FAMILIES if family in held] + others

    def organisations(self) -> list[str]:
        """The organisations the index's documents name, alphabetically (a filter can
        choose one; a question can place itself at one)."""
        return sorted(_organisations(self.store()))

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


def expand_aliases(question: str, mentions: list[Mention]) -> str:
    """The question followed by :func:`alias_titles`."""
    return " ".join([question, *alias_titles(question, mentions)])


def alias_titles(question: str, mentions: list[Mention]) -> list[str]:
    """The title of each path named by an alias ("TPM" → Technical Program Manager), to be
    searched along with the question.

    Titles already written out are not repeated: doubling them would pull the search
    toward sentences that merely repeat the title.
    """
    return [
        m.path.title
        for m in mentions
        if question[m.start : m.end].casefold() != m.path.title.casefold()
    ]


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


def abstention_reason(
    family: str | None, families: Collection[str] = (), missing_kind: str | None = None
) -> str:
    """Why nothing is quoted, and what the corpus does hold: the ``families`` its
    documents belong to (:meth:`Assistant.families`), so a handbook's index is not said to
    cover career paths after senior engineer. ``missing_kind`` is the kind of figure asked for
    that the closest passages never give ("duration"): the corpus may well speak of
    parental leave, and the person learns that it is the number of weeks it lacks."""
    where = ""
    if family == OTHER_FAMILY:
        where = f" in {OTHER_LABEL.lower()}"
    elif family:
        where = f" in the {FAMILIES[family]} family"
    named = [label for slug, label in FAMILIES.items() if slug in families]
    covered = []
    if named:
        covered.append(f"career paths after senior engineer ({', '.join(named)})")
    if OTHER_FAMILY in families or not named:
        covered.append(
            f"the {OTHER_LABEL.lower()} added to it" if named else "the documents it holds"
        )
    why = (
        f"the passages closest to the question give no {missing_kind}"
        if missing_kind
        else "no passage is close enough to the question"
    )
    return f"the corpus does not cover this{where}: {why}. It covers {' and '.join(covered)}."


def named_organisation(question: str, store: SearchBackend) -> str | None:
    """The one organisation of several in the corpus that the question places itself at
    ("at Globex, …", "in Globex's ladder"): four companies' ladders all say "senior
    engineer", and the answer must be the named one's."""
    owners = _organisations(store)
    if len(owners) < 2:
        return None
    named = {
        owner
        for owner, short in _short_names(owners, _role_words(store)).items()
        if _placed_at(owner, question, re.IGNORECASE) or (short and _placed_at(short, question))
    }
    return named.pop() if len(named) == 1 else None


def _placed_at(name: str, question: str, flags: int = 0) -> bool:
    """Whether the question places itself at ``name``: "at Globex", "in Globex's ladder"."""
    pattern = rf"\b(?i:at|in|for|from|of)\s+{re.escape(name)}\b|\b{re.escape(name)}['’]s\b"
    return bool(re.search(pattern, question, flags))


def _short_names(owners: Collection[str], role_words: Collection[str] = ()) -> dict[str, str]:
    """Each organisation's first word, as capitalised, where it is a name of its own ("Globex"
    of "Globex Employee Handbook", a site's name): no other organisation starts with it,
    and it is neither a common word nor one of ``role_words`` (the words of the career
    paths' and families' names: "In Engineering, …" names a department, not the
    "Engineering Handbook"). "" when there is no such word."""
    firsts = [owner.split()[0] for owner in owners if " " in owner]
    names = {}
    for owner in owners:
        first = owner.split()[0]
        own = (
            " " in owner
            and firsts.count(first) == 1
            and len(first) >= 3
            and first[0].isupper()
            and first.casefold() not in STOP_WORDS
            and first.casefold() not in role_words
        )
        names[owner] = first if own else ""
    return names


def _role_words(store: SearchBackend) -> frozenset[str]:
    """The words of the career paths' names and aliases and of the families' labels,
    read once per build."""
    return _ROLE_WORDS.get(store.manifest.build_id, partial(_read_role_words, store))


def _read_role_words(store: SearchBackend) -> frozenset[str]:
    taxonomy = store.taxonomy
    names = [*FAMILIES.values()]
    for path in taxonomy.paths.values():
        names += [path.title, *path.aliases]
    return frozenset(word.casefold() for name in names for word in re.findall(r"\w+", name))


def _organisations(store: SearchBackend) -> frozenset[str]:
    """The organisations the build's documents name, read once per build."""
    return _OWNERS.get(
        store.manifest.build_id,
        lambda: frozenset(d.organisation for d in store.documents.values() if d.organisation),
    )


@dataclass(frozen=True)
class Commenter:
    """A reader who wrote in a comments file, as the file names them."""

    name: str
    source: str


def named_commenter(question: str, store: SearchBackend) -> Commenter | None:
    """The reader of a comments file whom the question names ("what did Dale say?"):
    their comment is searched for, and quoted first."""
    for commenter in _COMMENTERS.get(store.manifest.build_id, partial(_commenters, store)):
        if re.search(rf"(?<!\w){re.escape(commenter.name)}(?!\w)", question, re.IGNORECASE):
            return commenter
    return None


def _commenters(store: SearchBackend) -> list[Commenter]:
    """Every reader of every comments file, longest names first ("Dale Smith" before
    "Dale")."""
    found = {
        Commenter(name, source)
        for source, document in store.documents.items()
        if document.kind == COMMENTS_KIND
        for name in answering.speakers(store.document_text(source))
    }
    return sorted(found, key=lambda c: (-len(c.name), c.name, c.source))


def _unknown_words(store: SearchBackend, question: str) -> str:
    """The question's words the corpus never uses, joined ("" when it knows them all):
    embedded alone, their cosine to the question (``lost_meaning``) tells how much of
    its meaning no passage can hold."""
    words = question.split()
    usable = set(store.known_words(question)) | {w for w in words if _common(w)}
    return " ".join(w for w in words if w not in usable)


def _common(word: str) -> bool:
    """A word every corpus may lack and no question is about ("do", "what", "my")."""
    return word.strip(".,;:!?()\"'“”‘’").casefold() in STOP_WORDS


def stored_family(family: str) -> str:
    """The family value chunks carry: "" for documents outside the four families."""
    return "" if family == OTHER_FAMILY else family


COMMENTS_KIND = "comments"


@dataclass(frozen=True)
class SourceKinds:
    """The sources whose kind changes how they are quoted, read once per build."""

    comments: frozenset[str]  # reader comments: quoted as a reader's view
    restating: frozenset[str]  # restate others (``Tuning.secondary_kinds``)

    @classmethod
    def of(cls, store: SearchBackend) -> SourceKinds:
        documents = store.documents.items()
        return cls(
            frozenset(s for s, d in documents if d.kind == COMMENTS_KIND),
            frozenset(s for s, d in documents if d.kind in TUNING.secondary_kinds),
        )


@functools.cache
def packaged_models() -> Models:
    """The scorer's packaged weights, read once per process, on first use."""
    return load_models()


@dataclass(frozen=True)
class Found:
    """One search's passages, their sentences, quotable units and unit probabilities."""

    ranking: Ranking
    sentences: list[list[answering.Sentence]]
    units: list[list[answering.Unit]]
    probabilities: list[list[float]]
    comments: frozenset[str]  # sources that are reader comments

    def best_unit(self) -> float:
        """The most probable quotable unit among the passages an answer is drawn from."""
        groups = zip(self.units, self.probabilities, strict=True)
        return max(
            (
                p
                for group, probs in list(groups)[: TUNING.answer_passages]
                for u, p in zip(group, probs, strict=True)
                if u.eligible
            ),
            default=0.0,
        )


@dataclass
class Evidence:
    """What :meth:`Assistant.ask` decides from (see :meth:`Assistant.evidence`)."""

    question: str
    k: int
    family: str | None
    intent: Intent
    found: Found
    judged: Found  # the search the abstention model reads (``found`` without exclusions)
    outside: Found | None  # the same search without the family filter
    sides: tuple[Found, ...] | None  # one search per side of a comparison
    terms: answering.QuestionTerms
    lost_meaning: float
    background: tuple[float, float]  # see answering.BACKGROUND_QUESTIONS
    chunks: int  # the corpus's size
    timings: dict[str, float]
    load_seconds: float
    models: Models
    #: The reader whose comment the question asks about ("what did Dale say?"), if any.
    commenter: Commenter | None = None

    def features(self, found: Found | None = None) -> dict[str, float]:
        found = found or self.judged
        return answering.question_features(
            found.ranking,
            found.sentences,
            found.best_unit(),
            self.lost_meaning,
            self.terms,
            bool(self.intent.mentions or self.intent.comparison),
            self.background,
            self.chunks,
        )

    def probability(self, found: Found | None = None) -> float:
        """The calibrated probability that the corpus answers the question.

        A question that sets aside a family of this corpus ("besides management") is
        about its career paths: it is answered when either the question as asked or the
        search for the other families ("… other career paths: …") is answerable.
        """
        if found is None and self.intent.excluded_families:
            return max(
                self.models.question.probability(self.features(f))
                for f in (self.judged, self.found)
            )
        return self.models.question.probability(self.features(found))

    def _searches(self) -> list[Found]:
        """Every search an answer is judged on or quoted from: the question as asked, as
        searched, and each side of a comparison (each once)."""
        searches: list[Found] = []
        for found in (self.judged, self.found, *(self.sides or ())):
            if all(found is not seen for seen in searches):
                searches.append(found)
        return searches

    def missing_figure(self) -> AskedFigure | None:
        """The figure asked for ("how many weeks …") when no passage an answer would be
        taken from, in any of the searches, states one of its kind."""
        missing = [answering.missing_figure(self.terms, f.ranking) for f in self._searches()]
        return missing[0] if all(missing) else None

    def on_topic_kind(self, figure: AskedFigure | None) -> str | None:
        """The kind of the missing ``figure`` (:meth:`missing_figure`: "number of weeks"),
        if the passages are on the question's topic: their best sentence
        ``Tuning.figure_reason_cosine`` closer than everyday questions come. A handbook
        gives no number of moons either, but it does not speak of moons."""
        if figure is None:
            return None
        near = max(self.features(found)["best_cosine"] for found in self._searches())
        return figure.kind if near >= TUNING.figure_reason_cosine else None

    def ranked(self) -> tuple[Passage, ...]:
        """The passages found, in rank order, whatever :meth:`Assistant.decide` makes of
        them: evaluation grades ranking apart from the decision to answer."""
        found = self.found
        return answering.to_passages(
            found.ranking.candidates, found.units, found.probabilities, found.comments
        )

    def answer_outside_filter(self) -> str | None:
        """The family the answer lies in, when a family filter set it aside, else None.

        Said when the question names a path of another family and nothing in the filter
        does, or when the unfiltered search answers confidently from another family and
        its best sentence is clearly closer than anything within the filter.
        """
        if self.outside is None or not self.family or not self.outside.ranking.candidates:
            return None
        here = stored_family(self.family)
        elsewhere = self.outside.ranking.candidates[0].chunk.family
        if elsewhere == here or self.probability(self.outside) < self.models.abstain_below:
            return None
        named = {m.path.family for m in self.intent.mentions}
        if named and here not in named and elsewhere in named:
            return elsewhere
        inside = self.features()["best_cosine"]
        closer = self.features(self.outside)["best_cosine"] - inside
        if self.probability() < self.models.abstain_below or closer >= TUNING.outside_filter_margin:
            return elsewhere
        return None

    def locate(self, chunk_id: str) -> tuple[Candidate, list[answering.Unit], list[float]]:
        """A passage found by any of the searches, by chunk id."""
        for found in (self.found, *(self.sides or ())):
            for candidate, units, probs in zip(
                found.ranking.candidates, found.units, found.probabilities, strict=True
            ):
                if candidate.chunk.chunk_id == chunk_id:
                    return candidate, units, probs
        raise KeyError(chunk_id)


def _comparison(
    subjects: tuple[Subject, Subject],
    sides: tuple[Found, ...],
) -> tuple[Comparison | None, list[answering.Unit]]:
    """The side-by-side view and one answer unit per side (none if a side found nothing).

    A side's sentence is one that names it, when one does. A sentence of a side's
    passages that names both sides (one that compares them) is that side's sentence, and
    opens the answer."""
    if not all(found.ranking.candidates for found in sides):
        return None, []
    comparing = _comparing_unit(subjects, sides)
    opener = [comparing[1]] if comparing else []
    picks: list[list[answering.Unit]] = [[], []]
    for index, (subject, found) in enumerate(zip(subjects, sides, strict=True)):
        if comparing and index == comparing[0]:
            picks[index] = opener
            continue
        picks[index] = answering.choose_answer(
            found.units,
            found.probabilities,
            passages=TUNING.compare_passages,
            most=1,
            prefer=[answering.naming(subject.names)],
            avoid=[*opener, *picks[0]],
        )
    chosen = sorted(picks[0] + picks[1], key=lambda unit: unit not in opener)
    views = [
        ComparisonSide(
            found.ranking.candidates[0].chunk.path if subject.paths else "",
            _written_title(subject, found),
            found.ranking.candidates[0].chunk.family if subject.paths else "",
            answering.to_passages(
                found.ranking.candidates, found.units, found.probabilities, found.comments, chosen
            ),
        )
        for subject, found in zip(subjects, sides, strict=True)
    ]
    return Comparison(views[0], views[1]), chosen


def _written_title(subject: Subject, found: Found) -> str:
    """A side's name as its document writes it ("Promotion FAQ"), not as the question
    read it ("promotion faq"), when one of its passages has that title."""
    for candidate in found.ranking.candidates:
        if candidate.chunk.title.casefold() == subject.label.casefold():
            return candidate.chunk.title
    return subject.label


def _comparing_unit(
    subjects: tuple[Subject, Subject], sides: tuple[Found, ...]
) -> tuple[int, answering.Unit] | None:
    """The most probable quotable unit of the sides' passages that names both sides and
    can open an answer (:func:`answering.can_open`), with the side whose passages hold it."""
    names = [answering.naming(subject.names) for subject in subjects]
    both = [
        (probability, side, unit)
        for side, found in enumerate(sides)
        for group, probabilities in zip(
            found.units[: TUNING.compare_passages],
            found.probabilities[: TUNING.compare_passages],
            strict=True,
        )
        for unit, probability in zip(group, probabilities, strict=True)
        if unit.eligible
        and all(named(unit) for named in names)
        and answering.can_open(found.units, unit)
    ]
    if not both:
        return None
    _, side, unit = max(both, key=lambda found: found[0])
    return side, unit


def _excluding(intent: Intent) -> Callable[[StoredChunk], bool] | None:
    """A chunk filter that sets aside the families and paths the question rules out."""
    families, paths = intent.excluded_families, intent.excluded_paths
    if not families and not paths:
        return None
    return lambda chunk: chunk.family not in families and chunk.path not in paths


def _subject_filter(
    subject: Subject, family: str | None
) -> tuple[Filter | None, Callable[[StoredChunk], bool] | None]:
    """A backend filter for a comparison side naming one thing, else a chunk filter;
    either keeps to the family filter (``family``: the stored value) when one is set."""
    if len(subject.paths) == 1:
        return Filter(family=family, path=next(iter(subject.paths))), None
    if len(subject.sources) == 1:
        return Filter(family=family, source=next(iter(subject.sources))), None
    where = Filter(family=family) if family is not None else None
    return where, lambda chunk: chunk.path in subject.paths or chunk.source in subject.sources


T = TypeVar("T")


class PerBuild(Generic[T]):
    """Values computed once per index build, for the last few builds: shared by every
    ``Assistant`` of the process (two of them on two corpora do not evict each other on
    each question) and safe to read from any thread."""

    def __init__(self, builds: int = 4) -> None:
        self._values: OrderedDict[str, T] = OrderedDict()
        self._builds = builds
        self._lock = threading.Lock()

    def get(self, build: str, make: Callable[[], T]) -> T:
        with self._lock:
            if build in self._values:
                self._values.move_to_end(build)
                return self._values[build]
        value = make()  # outside the lock: two threads may both compute it, harmlessly
        with self._lock:
            self._values[build] = value
            while len(self._values) > self._builds:
                self._values.popitem(last=False)
        return value


_TITLES: PerBuild[Names[str]] = PerBuild()
_BACKGROUNDS: PerBuild[tuple[float, float]] = PerBuild()
_KINDS: PerBuild[SourceKinds] = PerBuild()
_COMMENTERS: PerBuild[list[Commenter]] = PerBuild()
_OWNERS: PerBuild[frozenset[str]] = PerBuild()
_ROLE_WORDS: PerBuild[frozenset[str]] = PerBuild()


def document_names(store: SearchBackend) -> Names[str]:
    """Document titles and readable file names, for comparisons of two documents.

    A title shared by many files (a site name on every page) names none of them.
    """
    return _TITLES.get(store.manifest.build_id, partial(_document_names, store))


def _document_names(store: SearchBackend) -> Names[str]:
    counts = Counter(d.title.casefold() for d in store.documents.values())
    pairs = []
    for source, document in store.documents.items():
        if counts[document.title.casefold()] <= TUNING.max_subject_documents:
            pairs.append((document.title, source))
        stem = Path(source).stem.replace("_", " ").replace("-", " ")
        pairs.append((" ".join(stem.split()), source))
    return Names(pairs)


def family_label(family: str) -> str:
    return FAMILIES.get(family, OTHER_LABEL)


def outside_filter_reason(family: str, elsewhere: str) -> str:
    here, there = family_label(stored_family(family)), family_label(elsewhere)
    return (
        f"not in {here}; found under {there}. Clear the family filter, or choose {there}, "
        "to see that answer."
    )


__all__ = ["Assistant", "IndexStatus", "IndexUnavailableError"]
