"""Settings: the one home of every knob.

Defaults live here; environment variables (``CAREER_ASSISTANT_*``) override them, and
CLI flags override both (the CLI passes them to :meth:`Settings.from_env`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadInputError

ENV_PREFIX = "CAREER_ASSISTANT_"
#: The choices of the settings below; the modules that act on them import these.
RETRIEVERS = ("hybrid", "dense", "lexical")
INDEX_KINDS = ("auto", "flat", "ivf")
EMBED_BACKENDS = ("onnx", "torch")
CONTEXTUAL_HEADERS = ("title", "breadcrumb", "none")
#: Padded tokens one embedding batch may hold: about 4 passages or 20 sentences. Batches
#: of long passages are smaller, which bounds the model's working memory during a
#: rebuild; and a batch this small keeps its activations in a core's cache, which made
#: embedding 10-20 % cheaper per token than batches 2-4 times larger (docs/performance.md).
EMBED_BATCH_TOKENS = 768
BACKENDS = ("local", "milvus")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Weights hashes already computed, by the files' size, mtime, ctime and inode: a new
#: process (a one-file ``index``) skips reading 90 MB of weights (~0.15 s).
WEIGHTS_HASH_MEMO = PROJECT_ROOT / ".index" / "weights-sha256.json"
#: The most passages one answer may cite.
MAX_K = 50
#: Host names the page always answers to; any other is refused (DNS rebinding).
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
_HOST_NAME = re.compile(
    r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9-]+)*|[0-9A-Fa-f:]+"
)
#: What Milvus accepts as a collection name; "__" separates an alias from a build id.
MILVUS_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def default_data_dir() -> Path:
    """Per-user data (uploads, conversations) lives outside the source tree, where the XDG
    base-directory spec puts an application's data: ``$XDG_DATA_HOME`` (if absolute) or
    ``~/.local/share``."""
    base = os.environ.get("XDG_DATA_HOME", "")
    root = Path(base) if Path(base).is_absolute() else Path("~/.local/share").expanduser()
    return root / "career-assistant"


@dataclass(frozen=True)
class Settings:
    """Where things are and how the engine behaves. Immutable; copy with ``replace``."""

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / ".index"
    #: What the page keeps for its user (conversations), per corpus; never the checkout.
    data_dir: Path = dataclasses.field(default_factory=default_data_dir)
    #: A local sentence-transformers folder; empty means the packaged all-MiniLM-L6-v2.
    model_path: str = ""
    #: "onnx" (float32, ~3x faster per question, no torch import when serving) or "torch".
    embed_backend: str = "onnx"
    #: Where the one-time ONNX export of the model is kept (named by its weights' hash).
    onnx_cache_dir: Path = PROJECT_ROOT / ".index" / "onnx"
    batch_size: int = 32
    chunk_size: int = 700
    chunk_overlap: int = 150
    #: What the embedded text of a chunk starts with: its whole "breadcrumb" (title ›
    #: headings: a question naming a section's label — "level 3", "IC5" — finds it; best on
    #: the held-out collections), its document's "title" or "none". Cited text is unchanged.
    contextual_header: str = "breadcrumb"
    #: "flat" (exact), "ivf" (approximate) or "auto" (ivf past ``ivf_threshold`` chunks).
    index_kind: str = "auto"
    ivf_threshold: int = 100_000
    ivf_nprobe: int = 32
    k: int = 5
    #: "hybrid" (dense + BM25 + sentence fusion), or the "dense" / "lexical" baselines.
    retriever: str = "hybrid"
    #: Seconds a rebuild waits for another one to finish before giving up.
    lock_timeout: float = 0.0
    #: Seconds a question asked before any index exists waits for one being built.
    first_build_wait: float = 600.0
    max_question_chars: int = 2_000
    #: "Which path fits me?": a preference no path's sentence comes this close to (cosine)
    #: is one the corpus says nothing about. On the shipped corpus, "a good salary",
    #: "remote work" and "work with hardware" come to 0.31-0.32 through sentences about
    #: other things; "meetings", "mentoring people", "writing documentation", which it
    #: does discuss, to 0.34-0.36.
    fit_min_similarity: float = 0.33
    #: A path's sentence is quoted for or against it when it stands ``fit_quote_z``
    #: standard deviations closer to the preference than the paths' mean, and is at least
    #: ``fit_quote_similarity`` close (a thin path file is still quoted where it is distinct).
    fit_quote_z: float = 0.5
    fit_quote_similarity: float = 0.15
    #: Quotes shown for and against each path, and preferences read from a description.
    fit_quotes: int = 2
    fit_max_preferences: int = 8
    #: Larger corpus files are skipped; the page's server refuses larger uploads too.
    max_file_bytes: int = 5_000_000
    #: Host names the page answers to besides localhost, comma-separated (e.g. a proxy's).
    allowed_hosts: str = ""
    #: Where builds live: "local" (files under ``index_dir``) or "milvus" (a Milvus server).
    backend: str = "local"
    milvus_uri: str = "http://127.0.0.1:19530"
    #: "user:password" or an API key; empty for a server without authentication.
    milvus_token: str = dataclasses.field(default="", repr=False)
    #: The alias readers follow; each build is a collection named after it and its id.
    milvus_collection: str = "career_assistant"
    #: Seconds to wait for the Milvus server before reporting it unreachable.
    milvus_timeout: float = 10.0
    #: Seconds a rebuild's lock record lives without renewal (a killed rebuild's expires).
    milvus_lock_lease: float = 60.0
    #: HNSW graph degree, build and search breadth (Milvus, past ``ivf_threshold`` chunks).
    hnsw_m: int = 16
    hnsw_ef_construction: int = 200
    hnsw_ef: int = 64

    def __post_init__(self) -> None:
        """Refuse a setting that could only fail later, deep inside a search or rebuild."""
        choices = {
            "retriever": RETRIEVERS,
            "index_kind": INDEX_KINDS,
            "embed_backend": EMBED_BACKENDS,
            "contextual_header": CONTEXTUAL_HEADERS,
            "backend": BACKENDS,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise BadInputError(
                    f"{name} {getattr(self, name)!r} is not one of {', '.join(allowed)}",
                    f"set {ENV_PREFIX}{name.upper()} to one of them or unset it",
                )
        for name in (
            "batch_size",
            "chunk_size",
            "k",
            "ivf_threshold",
            "ivf_nprobe",
            "max_question_chars",
            "max_file_bytes",
            "hnsw_m",
            "hnsw_ef_construction",
            "hnsw_ef",
            "fit_quotes",
            "fit_max_preferences",
        ):
            if getattr(self, name) < 1:
                raise BadInputError(
                    f"{name} must be at least 1, not {getattr(self, name)}",
                    f"fix {ENV_PREFIX}{name.upper()}",
                )
        if self.k > MAX_K:
            raise BadInputError(
                f"{ENV_PREFIX}K={self.k} is more passages than an answer may cite ({MAX_K})",
                f"set {ENV_PREFIX}K to a number from 1 to {MAX_K} or unset it",
            )
        for name in ("lock_timeout", "first_build_wait"):
            if getattr(self, name) < 0:
                raise BadInputError(
                    f"{name} must be 0 or more seconds, not {getattr(self, name)}",
                    f"fix {ENV_PREFIX}{name.upper()}",
                )
        _ = self.host_names  # validated now, not when the page starts
        if not MILVUS_NAME.fullmatch(self.milvus_collection) or "__" in self.milvus_collection:
            raise BadInputError(
                f"the Milvus collection name {self.milvus_collection!r} is invalid",
                f"set {ENV_PREFIX}MILVUS_COLLECTION to letters, digits and single underscores",
            )
        for name in ("milvus_timeout", "milvus_lock_lease"):
            if getattr(self, name) <= 0:
                raise BadInputError(
                    f"{name} must be positive, not {getattr(self, name)}",
                    f"fix {ENV_PREFIX}{name.upper()}",
                )
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise BadInputError(
                f"chunk_overlap {self.chunk_overlap} must be between 0 and chunk_size",
                f"fix {ENV_PREFIX}CHUNK_OVERLAP",
            )

    @property
    def host_names(self) -> tuple[str, ...]:
        """The extra host names of ``allowed_hosts``; refuses a wildcard that admits all."""
        return check_host_names(
            [name.strip() for name in self.allowed_hosts.split(",") if name.strip()],
            f"{ENV_PREFIX}ALLOWED_HOSTS",
        )

    def user_dir(self, kind: str) -> Path:
        """``<data_dir>/<kind>/<corpus name>-<short hash of its path>``: one corpus's user
        data, so two corpora (a test's temporary one and yours) never share any."""
        corpus = self.corpus_dir.expanduser().resolve()
        digest = hashlib.sha256(str(corpus).encode("utf-8", "surrogateescape")).hexdigest()
        return self.data_dir / kind / f"{corpus.name or 'corpus'}-{digest[:10]}"

    @property
    def uploads_dir(self) -> Path:
        """Where the page saves this corpus's uploads; indexed as ``uploads/<name>``."""
        return self.user_dir("uploads")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``CAREER_ASSISTANT_<FIELD>`` variables, then non-None overrides."""
        env = dict(os.environ) if env is None else env
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + field.name.upper())
            if raw is not None and raw != "":
                values[field.name] = _parse(field.name, field.type, raw)
        values.update({key: value for key, value in overrides.items() if value is not None})
        for key in ("corpus_dir", "index_dir", "onnx_cache_dir", "data_dir"):
            if key in values:
                values[key] = Path(values[key]).expanduser()
        return cls(**values)


def check_host_names(names: list[str], where: str) -> tuple[str, ...]:
    """Host names (``*.example.com`` allowed), or a one-line refusal naming ``where``."""
    for name in names:
        if name == "*":
            raise BadInputError(
                f"{where}: '*' would let any host name reach the page (DNS rebinding)",
                "name each host the page is reached by",
            )
        if len(name) > 253 or not _HOST_NAME.fullmatch(name):
            raise BadInputError(
                f"{where}: {name!r} is not a host name", "give names like app.example.com"
            )
    return tuple(names)


def _parse(name: str, type_name: Any, raw: str) -> Any:
    kind = str(type_name)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise BadInputError(
            f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number",
            "set it to a number or unset it",
        ) from None
    if kind == "Path":
        return Path(raw)
    return raw


@dataclass(frozen=True)
class Tuning:
    """Every knob of ranking, answering and abstention, in one frozen place.

    The engine reads ``TUNING``; ``eval`` and the scorer's training script can sweep a
    copy (``dataclasses.replace``) without editing code. Values not learned by
    ``scripts/train_scorer.py`` were chosen on the labelled questions in ``eval/``.
    """

    #: Reciprocal-rank fusion constant and weights of (chunk cosine, BM25, sentence cosine):
    #: equal weights, the best of the variants tried on the held-out collections (and the
    #: choice of every leave-one-collection-out fold; README "Evaluation").
    rrf_k: int = 60
    fusion_hybrid: tuple[float, float, float] = (1.0, 1.0, 1.0)
    #: Candidates read from each retriever: at least ``min_depth``, or ``depth_per_passage``
    #: per passage asked; the best ``pool_per_passage`` × (k + 1) of the fused list are
    #: kept for the diversity filter to choose ``k`` passages from.
    min_depth: int = 50
    depth_per_passage: int = 10
    pool_per_passage: int = 4
    #: Two passages this close (cosine), or overlapping this much, say the same thing.
    duplicate_cosine: float = 0.8
    duplicate_overlap: float = 0.5
    #: Relevance evidence is read from this many top chunks of each retriever.
    evidence_depth: int = 5
    #: Below this chunk cosine a passage is filler that only fusion rank kept.
    min_passage_cosine: float = 0.15
    #: Documents of these kinds say again what others say first (a path description
    #: restates the article): when a source passage is about as close to the question
    #: (``secondary_margin`` cosine), their fused scores are weighed by
    #: ``secondary_weight``, so the source is quoted, in its author's words.
    secondary_kinds: tuple[str, ...] = ("path",)
    secondary_weight: float = 0.9
    secondary_margin: float = 0.1

    #: Fuzzy names: a word this long may differ from a path name's word by one edit
    #: (two from ``fuzzy_two_edits`` letters on); shorter words must match exactly.
    fuzzy_min_letters: int = 4
    fuzzy_two_edits: int = 8
    #: Words whose matches against every name are remembered (per index; then forgotten).
    name_match_memory: int = 4096
    #: Passage texts, headings and sentences whose token sets are remembered between
    #: questions: the same passages come back in many questions' pools (about 1 ms a
    #: question).
    token_set_memory: int = 2048

    # The fit tab (``assistant/fit.py``); what it shows is in ``Settings.fit_*``.
    #: Passages read per path and preference (the filtered search is exact, so cheap).
    fit_passages_per_path: int = 4
    #: Shorter sentences are no evidence for or against a path.
    fit_min_quote_words: int = 6
    #: A sentence is evidence only with this many words besides the path's own names (and
    #: words like "route", "role"): fewer, and it names the path without saying what it is.
    fit_min_content_words: int = 5
    #: The smallest spread of closeness used in the z-score: when every path is about as
    #: close, differences of a few thousandths are noise, not meaning.
    fit_min_spread: float = 0.02
    #: A word in the names of this many career paths ("engineer") is no alias for an upload.
    generic_alias_paths: int = 3
    #: A comparison side may name at most this many documents ("IC3" → every IC3 page).
    max_subject_documents: int = 12
    #: Known words searched alongside one unknown word of the question (typo repair).
    max_corrections: int = 1
    #: A longer "word" is no typo of a word ("x" * 2000): its 100,000 edits are not tried.
    typo_max_letters: int = 30
    #: Words a negation cue ("don't want", "besides") reaches before its scope ends.
    negation_scope: int = 6

    #: A unit of fewer words, or without end punctuation and under twice as many, is a
    #: heading or fragment and never an answer.
    min_answer_words: int = 5
    #: A list item is quoted with its lead-in only if both fit in four times this.
    max_unit_chars: int = 150
    #: Passages whose units the answer is chosen from.
    answer_passages: int = 3
    max_answer_sentences: int = 3
    #: Items quoted when the question asks for a list ("what are the archetypes?").
    max_list_items: int = 8
    #: A further sentence joins the answer when its probability is at least this share
    #: of the first one's and above ``answer_floor``.
    answer_ratio: float = 0.35
    answer_floor: float = 0.1
    #: Two answer sentences this close (cosine) say the same thing: keep the first.
    answer_duplicate_cosine: float = 0.8
    #: … or when this share of the shorter one's words are in the other.
    answer_duplicate_words: float = 0.7
    #: A unit right after a document's own question answers the one asked when that
    #: question is the closest sentence and at least this close (cosine).
    asked_min_cosine: float = 0.6
    highlight_margin: float = 0.06
    max_highlights: int = 2
    #: Passages per side of a comparison.
    compare_passages: int = 2

    #: Unknown words whose meaning (cosine to the question) reaches this carry what it
    #: asks about: with none of its other terms in the best passage, a feature of the
    #: abstention model says the asked-about thing is missing.
    missing_meaning: float = 0.3
    #: The refusal threshold is fitted with the question model (``Models.abstain_below``):
    #: the estimate of this quantile of the answerable training questions' probabilities
    #: (``training.fit_threshold``), so about this share of them would be refused.
    max_false_refusals: float = 0.03
    #: A refusal names the kind of figure missing ("give no number of weeks") only when the
    #: closest sentence is this much closer (cosine) than everyday questions come to the
    #: corpus: it speaks of the topic. Off-topic questions sit near 0, on-topic ones ≥ 0.35.
    figure_reason_cosine: float = 0.25
    #: With a family filter, the answer is said to lie outside it when the unfiltered
    #: search's best sentence is this much closer (cosine) than the filtered one's.
    outside_filter_margin: float = 0.1


TUNING = Tuning()


@dataclass(frozen=True)
class Ingestion:
    """Knobs of how files become text (``assistant/ingest/``); a change re-parses every
    file on the next ``index`` (the parse cache is keyed by this module too)."""

    #: A table cell's row or column label is cut to this many characters: labels are
    #: repeated on every cell, so an uncapped header multiplies a table's text.
    cell_label_chars: int = 80
    #: A table's labelled cells may hold this many times the table's own text; rows past
    #: it are laid out once, unlabelled (issue 19: labels must not multiply a file 72×).
    table_label_factor: float = 4.0
    #: PDF lines set this much larger than the body text are headings (by size rank).
    heading_size_ratio: float = 1.15
    # Per-file budgets (issue 19), counted as text is produced, so a hostile file costs
    # bounded time, memory and disk; a file over one is cut there with a warning.
    #: Text a file may produce: this many times its size in bytes (PDFs compress their
    #: text, labelled tables repeat labels), at least ``min_text_chars``…
    text_factor: float = 8.0
    min_text_chars: int = 200_000
    #: …and never more than this, whatever the file's size.
    max_text_chars: int = 10_000_000
    #: Units (paragraphs, list items, table cells) a file may produce.
    max_units: int = 50_000
    #: Seconds of parsing a file may take; past them it is cut where it got to (a PDF
    #: reads ~10-50 ordinary pages a second, but ~1 page of 10,000 characters).
    file_seconds: float = 5.0
    #: HTML tags a file may hold (a big real page has a few thousand); past them the
    #: rest of the file is not parsed: BeautifulSoup takes ~40 µs per element.
    max_html_tags: int = 50_000
    #: Characters one PDF page may produce (a dense page holds ~6,000).
    pdf_page_chars: int = 10_000
    #: Columns a table keeps; the cells of the columns past it are folded into one.
    max_table_columns: int = 32
    #: YAML front matter whose aliases expand it past this many times its own text (or
    #: ``min_text_chars``, if more) is refused: an anchor repeated 300 times is a bomb.
    front_matter_expansion: float = 4.0


INGESTION = Ingestion()
