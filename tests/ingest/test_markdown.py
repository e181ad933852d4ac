from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from assistant.chunking import chunk_document
from assistant.config import PROJECT_ROOT

from ..conftest import write_corpus
from .support import load, units

LADDER = """\
+++
title = "Engineering Ladder"
kind = "ladder"
+++

Text before any heading belongs to the title.

## Expectations

| Category | Junior Engineer (E1) | Senior Engineer (E3) |
| --- | --- | --- |
| **Craft** | | |
| *Planning* | Needs help to size work. | Requires no direction to plan a quarter. |
| [Reviews](reviews.md) | Reviews small changes. | Reviews designs across teams. |

## Growing

Read the **_growth guide_** and the [promotion page](promo.md) first.
![screenshot.png](img/shot.png) ![A manager coaching two engineers](img/coach.png)

- Ship a project
  - with a design doc
  - and a rollout plan

<picture><source srcset="a.webp"><img src="a.png"></picture>

```python
if level >= 3: promote()
```
"""


def test_markdown_table_rows_carry_their_row_and_column_labels(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"ladder.md": LADDER})
    _, docs = load(tmp_path)
    doc = docs["ladder.md"]
    assert doc.title == "Engineering Ladder" and doc.kind == "ladder"
    texts = units(doc)
    assert (
        "Craft › Planning — Senior Engineer (E3): Requires no direction to plan a quarter." in texts
    )
    assert "Craft › Reviews — Junior Engineer (E1): Reviews small changes." in texts
    assert not any("|" in text or "**" in text for text in texts)


def test_markdown_markup_is_reduced_to_its_words(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"ladder.md": LADDER})
    texts = units(load(tmp_path)[1]["ladder.md"])
    assert (
        "Read the growth guide and the promotion page first. A manager coaching two engineers"
        in texts
    )
    assert [t for t in texts if t.startswith(("Ship", "with", "and a"))] == [
        "Ship a project",
        "with a design doc",
        "and a rollout plan",
    ]
    assert "if level >= 3: promote()" in texts  # code kept, as code
    joined = "\n".join(texts)
    for debris in ("](", "![", "<picture", "srcset", "screenshot.png", "_growth", "+++"):
        assert debris not in joined


def test_breadcrumb_starts_with_the_front_matter_title(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"ladder.md": LADDER})
    doc = load(tmp_path)[1]["ladder.md"]
    sections = [c.section for c in chunk_document(doc, 700, 0)]
    assert sections[0] == "Engineering Ladder › Introduction"  # the title leads, always
    assert "Engineering Ladder › Expectations" in sections


def test_navigation_lists_are_dropped_and_a_file_of_only_links_is_skipped(tmp_path: Path) -> None:
    page = (
        "# Developer\n\nOther pages: [Intro](a.md) · [Developer](b.md) · [Tech Lead](c.md)\n\n"
        "Developers write and review code every day.\n\n"
        "- [Promotion FAQ](faq.md)\n- [Handbook](handbook/index.html)\n\n"  # "see also"
        "Talk to [your manager](m.md) and [HR](hr.md) first.\n"  # two links in a sentence
    )
    only_links = "# Index\n\n- [Intro](a.md)\n- [Developer](b.md)\n- [Tech Lead](c.md)\n"
    write_corpus(tmp_path, {"developer.md": page, "index.md": only_links})
    warnings, docs = load(tmp_path)
    assert units(docs["developer.md"]) == [
        "Developers write and review code every day.",
        "Talk to your manager and HR first.",
    ]
    assert "index.md" not in docs
    assert any("index.md" in w and "navigation" in w for w in warnings)


def test_yaml_front_matter_with_cr_only_line_endings_is_metadata(tmp_path: Path) -> None:
    (tmp_path / "old-mac.md").write_bytes(
        b"---\rtitle: Staff Engineer\rfamily: individual-contributor\r---\r"
        b"\rStaff engineers lead.\r"
    )
    doc = load(tmp_path)[1]["old-mac.md"]
    assert doc.title == "Staff Engineer" and doc.family == "individual-contributor"
    assert units(doc) == ["Staff engineers lead."]


def test_a_first_heading_title_is_capped(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"long.md": "# " + "word " * 20_000 + "\n\nBody.\n"})
    doc = load(tmp_path)[1]["long.md"]
    assert len(doc.title) <= 151
    assert all(len(c.section) <= 300 for c in chunk_document(doc, 700, 0))


def test_ordered_lists_keep_their_numbers_and_inline_html_separates_words(
    tmp_path: Path,
) -> None:
    write_corpus(
        tmp_path,
        {
            "steps.md": "# Promotion\n\nThe steps:\n\n"
            "3. Write the case[^1]\n4. Ships tasks<br>with help\n"
        },
    )
    doc = load(tmp_path)[1]["steps.md"]
    assert units(doc) == ["The steps:", "Write the case", "Ships tasks with help"]
    assert "3. Write the case" in doc.text and "4. Ships tasks" in doc.text


def test_a_readme_is_skipped_with_a_warning(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"README.md": "# About\n\nThis folder.\n", "a.md": "Text.\n"})
    warnings, docs = load(tmp_path)
    assert set(docs) == {"a.md"}
    assert any("README.md" in w and "rename" in w for w in warnings)


def test_beautifulsoup_is_loaded_only_for_a_raw_html_block(tmp_path: Path) -> None:
    """A one-file rebuild of a Markdown file should not pay for importing the HTML parser
    (~0.1 s); a raw HTML block still goes through it."""
    code = (
        "import sys; from pathlib import Path; from assistant.ingest import load_corpus; "
        "[doc] = load_corpus(Path(sys.argv[1]), 5_000_000, print); "
        "print('bs4' in sys.modules, doc.text.splitlines()[-1])"
    )

    def read(text: str) -> str:
        corpus = write_corpus(tmp_path / str(len(text)), {"notes.md": text})
        done = subprocess.run(
            [sys.executable, "-c", code, str(corpus)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    assert read("# Notes\n\nPlain prose about promotions.\n") == (
        "False Plain prose about promotions."
    )
    assert read("# Notes\n\n<div><p>Raw HTML about ladders.</p></div>\n") == (
        "True Raw HTML about ladders."
    )
