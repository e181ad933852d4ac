"""Evaluation over collections: discovery, the untuned baseline and the held-out scorer,
run for real on two small collections written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Settings
from assistant.embeddings import Embedder
from assistant.errors import BadInputError
from assistant.heldout import COLUMNS, Result, discover, macro, run, table

from .conftest import write_corpus

LADDER = """\
---
title: Northwind engineering levels
---
# Northwind engineering levels

## Level 2

A level 2 engineer ships small features with guidance from a senior colleague.

## Level 3

A level 3 engineer owns a service end to end and reviews the designs of others.

## Promotions

Promotions are decided twice a year by a committee of directors.
"""

HANDBOOK = """\
---
title: Southwind handbook
---
# Southwind handbook

## Time off

Everyone takes at least twenty days of paid holiday every year.

## Remote work

We work from anywhere within three hours of the London time zone.
"""


def _questions(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.fixture
def collections(tmp_path: Path) -> Path:
    root = tmp_path / "collections"
    write_corpus(root / "ladder", {"levels.md": LADDER})
    write_corpus(root / "handbook", {"handbook.md": HANDBOOK})
    _questions(
        root / "ladder.jsonl",
        [
            {
                "id": "1",
                "question": "who decides on promotions?",
                "kind": "paraphrase",
                "phrases": ["decided twice a year by a committee"],
            },
            {
                "id": "2",
                "question": "what does a level 3 engineer own?",
                "kind": "table",
                "phrases": ["owns a service end to end"],
            },
            {
                "id": "3",
                "question": "how do I bake sourdough bread?",
                "kind": "off_topic",
                "answerable": False,
            },
        ],
    )
    _questions(
        root / "handbook.jsonl",
        [
            {
                "id": "1",
                "question": "how many holiday days do we get?",
                "kind": "specific",
                "phrases": ["at least twenty days of paid holiday"],
            },
            {
                "id": "2",
                "question": "which time zones can I work from?",
                "kind": "paraphrase",
                "phrases": ["within three hours of the London time zone"],
            },
            {
                "id": "3",
                "question": "best running shoes for a marathon?",
                "kind": "off_topic",
                "answerable": False,
            },
        ],
    )
    (root / "notes").mkdir()  # a folder without questions is not a collection
    return root


def test_discover_pairs_each_folder_with_its_questions(collections: Path) -> None:
    assert [c.name for c in discover(collections)] == ["handbook", "ladder"]


def test_a_folder_without_collections_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="holds no collection"):
        discover(tmp_path)


def test_every_system_is_graded_per_collection_and_in_the_macro_row(
    collections: Path, tmp_path: Path, embedder: Embedder
) -> None:
    settings = Settings(embed_backend="onnx")
    results = run(discover(collections), settings, tmp_path / "indexes")
    graded = {(r.collection, r.system) for r in results}
    assert graded == {(c, s) for c in ("handbook", "ladder") for s in ("engine", "held out", "rrf")}
    for result in results:
        assert set(result.figures) == set(COLUMNS)
        if result.system == "rrf":  # the baseline ranks; it never answers nor refuses
            assert result.figures["answer@1"] is None and result.figures["refused"] is None
    # two documents of a few passages each: every system finds the answering passage
    assert all(r.figures["hit@3"] == 1.0 for r in results)
    rendered = table(results)
    assert rendered.count("**macro (2)**") == 3
    assert "| ladder | rrf |" in rendered


def test_the_macro_counts_a_refusal_rate_only_where_there_is_one() -> None:
    with_refusals = dict.fromkeys(COLUMNS, 0.5)
    answerable_only = dict.fromkeys(COLUMNS, 1.0) | {"refused": None}
    means = macro([with_refusals, answerable_only])
    assert means["refused"] == 0.5  # not (0.5 + 0) / 2: nothing there could be refused
    assert means["hit@3"] == 0.75
    line = table([Result("all-answerable", "engine", answerable_only, ())])
    assert "| all-answerable | engine | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | – | 1.000 |" in line
