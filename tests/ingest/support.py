"""Helpers for the loader tests: load a small corpus and check offsets map back exactly."""

from __future__ import annotations

from pathlib import Path

from assistant.chunking import chunk_document
from assistant.documents import Document
from assistant.ingest import load_corpus


def load(root: Path) -> tuple[list[str], dict[str, Document]]:
    warnings: list[str] = []
    docs = load_corpus(root, 5_000_000, warnings.append)
    return warnings, {d.source: d for d in docs}


def units(document: Document) -> list[str]:
    """Every block's text, after checking it is exactly where its offsets say."""
    for block in document.blocks:
        assert document.text[block.start : block.end] == block.text
    for chunk in chunk_document(document, 700, 150):
        assert document.text[chunk.start : chunk.end] == chunk.text
    return [block.text for block in document.blocks if block.kind != "heading"]
