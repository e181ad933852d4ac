"""Deterministic workloads: questions from templates × role names, and a synthetic corpus.

Questions are generated (never copied from the evaluation set) so a benchmark can ask
hundreds of different ones. Role names come from the corpus's own front matter, so the
questions hit the taxonomy, comparisons and abstention the way real questions do.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from assistant.chunking import chunk_document
from assistant.config import Settings
from assistant.ingest import load_corpus
from assistant.taxonomy import CareerPath, Taxonomy

SINGLE = (
    "What does a {a} do day to day?",
    "How do I become a {a}?",
    "What skills does a {a} need?",
    "Is {a} a good next step after senior engineer?",
    "What are the risks of moving into a {a} role?",
    "How is success measured for a {a}?",
    "Do I still write code as a {a}?",
    "What comes after {a}?",
    "Which personality fits the {a} path?",
    "how much travel is involved for a {a}",
    "{a}: what does the job actually involve?",
    "Can an introvert thrive as a {a}?",
    "What does a typical week look like for a {a}?",
    "Why would a senior engineer choose {a}?",
    "what do people get wrong about being a {a}",
)
PAIR = (
    "{a} vs {b}: what is the difference?",
    "Should I become a {a} or a {b}?",
    "How does the {a} role compare with {b}?",
    "Is it easier to move from {a} to {b} or the other way round?",
)
OFF_TOPIC = (
    "What is a good sourdough starter ratio?",
    "How do I fix a leaking kitchen tap?",
    "Which planets have rings?",
    "What is the capital of Australia?",
    "How long should I boil an egg?",
)


def role_names(corpus_dir: Path) -> list[str]:
    """Titles and aliases of every career path in the corpus, deduplicated."""
    documents = load_corpus(corpus_dir, Settings().max_file_bytes, lambda _: None)
    names: dict[str, None] = {}
    for document in documents:
        if document.path:
            for name in (document.title, *document.aliases):
                names.setdefault(name, None)
    return list(names)


def questions(corpus_dir: Path, count: int, seed: int = 7) -> list[str]:
    """``count`` varied questions (repeating the pool only if it is smaller)."""
    roles = role_names(corpus_dir)
    rng = random.Random(seed)
    pool = [t.format(a=r) for t, r in itertools.product(SINGLE, roles)]
    pairs = [(a, b) for a, b in itertools.permutations(roles, 2)]
    rng.shuffle(pairs)
    pool += [t.format(a=a, b=b) for t, (a, b) in zip(itertools.cycle(PAIR), pairs[:120])]
    rng.shuffle(pool)
    pool = [*OFF_TOPIC, *pool]
    return [pool[i % len(pool)] for i in range(count)]


def chunk_texts(corpus_dir: Path) -> list[str]:
    """The texts ``rebuild`` would embed for the chunks of ``corpus_dir``."""
    settings = Settings()
    documents = load_corpus(corpus_dir, settings.max_file_bytes, lambda _: None)
    tagger = Taxonomy(CareerPath.of(d) for d in documents if d.path).tag_section
    return [
        chunk.embedding_text(doc.aliases)
        for doc in documents
        for chunk in chunk_document(doc, settings.chunk_size, settings.chunk_overlap, tagger)
    ]


# -- a synthetic corpus --------------------------------------------------------------------

_TOPICS = (
    "platform migration",
    "on-call rotation",
    "hiring loop",
    "design review",
    "cost budget",
    "incident review",
    "roadmap planning",
    "customer pilot",
    "API deprecation",
    "data model",
    "mentoring plan",
    "release train",
    "observability",
    "security review",
    "team charter",
)
_VERBS = (
    "owns",
    "reviews",
    "negotiates",
    "documents",
    "measures",
    "simplifies",
    "escalates",
    "prioritises",
    "delegates",
    "automates",
    "explains",
    "audits",
)
_OBJECTS = (
    "the trade-offs",
    "the service boundaries",
    "the quarterly goals",
    "the runbooks",
    "the latency budget",
    "the interview rubric",
    "the rollout plan",
    "the contracts",
    "the failure modes",
    "the stakeholder map",
    "the capacity model",
)
_QUALIFIERS = (
    "before the next planning cycle",
    "with the staff engineers",
    "for every region",
    "without blocking the release",
    "under a tight deadline",
    "with a written memo",
    "across three teams",
    "after each incident",
)


def _sentence(rng: random.Random) -> str:
    subject = rng.choice(
        (
            "The lead",
            "A senior engineer",
            "The manager",
            "Each team",
            "The architect",
            "An advocate",
            "The on-call engineer",
        )
    )
    return (
        f"{subject} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} for the "
        f"{rng.choice(_TOPICS)} {rng.choice(_QUALIFIERS)} (note {rng.randrange(10**6)})."
    )


def synthetic_document(index: int, seed: int) -> str:
    """One Markdown file: a title and one section of three sentences (one chunk)."""
    rng = random.Random(seed * 1_000_003 + index)
    sentences = " ".join(_sentence(rng) for _ in range(3))
    return f"# Notes {index}: {rng.choice(_TOPICS)}\n\n## Practice\n\n{sentences}\n"


def write_synthetic_corpus(directory: Path, files: int, seed: int = 11) -> list[Path]:
    """``files`` deterministic Markdown files under ``directory`` (created fresh)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(files):
        path = directory / f"notes-{index:05d}.md"
        path.write_text(synthetic_document(index, seed), encoding="utf-8")
        paths.append(path)
    return paths


def append_paragraph(path: Path, seed: int) -> None:
    """Change one file the way an editor would: a new paragraph at the end."""
    rng = random.Random(seed)
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(text + "\n\n" + " ".join(_sentence(rng) for _ in range(2)) + "\n")
