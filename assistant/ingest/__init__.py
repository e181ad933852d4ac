"""Ingestion: corpus files → structured documents (the first step of the data flow).

``files`` finds and decodes files, ``loaders`` maps each suffix to its loader
(``markdown``, ``html``, ``pdf``, ``text``; ``tables`` and ``frontmatter`` serve them),
``boilerplate`` drops what repeats across the corpus, ``layout`` lays blocks out into
the document text, and ``corpus`` runs the whole step.
"""

from .corpus import corpus_files, load_corpus
from .loaders import SUPPORTED_SUFFIXES

__all__ = ["SUPPORTED_SUFFIXES", "corpus_files", "load_corpus"]
