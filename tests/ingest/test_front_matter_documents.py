"""A document kept in its front matter (a framework as a YAML tree, the body empty) is
indexed as headings, paragraphs and list items, not skipped as having "no text left"."""

from __future__ import annotations

from pathlib import Path

from assistant.chunking import chunk_document

from .support import load, units

#: A made-up support-team framework in the shape such collections use.
FRAMEWORK = """\
---
title: "Support Team Framework"
path: "/support/framework"
sidebarGroup: "support"
levels: 3
homepage: true
tags: [support, levels]
topics:
  - name: "customer-empathy"
    title:
    content:
      - level: 1
        criteria:
          - "Answers tickets in the tone of the style guide"
          - "Asks a teammate before promising a refund"
      - level: 2
        criteria:
          - "Turns an angry caller into a calm one without escalating"
        exampleCriteria:
          - criteria: "Writes macros that other agents reuse every day"
            examples:
              - "The late-parcel macro cut replies for late parcels by half"
  - name: "tooling"
    title: "Tooling and Automation"
    content:
      - level: 1
        criteria:
          - "Tags every ticket with the right product area"
---
"""


def test_a_framework_in_front_matter_becomes_headed_units(tmp_path: Path) -> None:
    (tmp_path / "support.md").write_text(FRAMEWORK)
    warnings, docs = load(tmp_path)
    assert not warnings
    doc = docs["support.md"]
    assert doc.title == "Support Team Framework"
    headings = [(b.level, b.text) for b in doc.blocks if b.kind == "heading"]
    assert headings == [
        (2, "Customer empathy"),
        (3, "Level 1"),
        (3, "Level 2"),
        (2, "Tooling and Automation"),
        (3, "Level 1"),
    ]
    assert units(doc) == [
        "Answers tickets in the tone of the style guide",
        "Asks a teammate before promising a refund",
        "Turns an angry caller into a calm one without escalating",
        "Writes macros that other agents reuse every day",
        "The late-parcel macro cut replies for late parcels by half",
        "Tags every ticket with the right product area",
    ]
    sections = {c.section for c in chunk_document(doc, 700, 150)}
    assert "Support Team Framework › Customer empathy › Level 2" in sections


def test_a_body_with_more_text_than_its_front_matter_is_left_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "guide.md").write_text(
        "---\ntitle: Guide\ndescription: A short summary of the guide for listings\n---\n\n"
        + "The guide explains how on-call rotations are planned and handed over. " * 5
    )
    _, docs = load(tmp_path)
    assert "summary of the guide" not in docs["guide.md"].text
