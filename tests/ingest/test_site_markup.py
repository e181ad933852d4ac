"""Static-site markup (Hugo shortcodes, Liquid tags, attribute markers, comments, style
and script content) never reaches a passage, in any format."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.chunking import chunk_document
from assistant.documents import Document

from ..conftest import write_corpus
from .support import load, units

#: What no passage may carry: the markup the loaders remove.
LEFTOVER_MARKUP = re.compile(
    r"\{\{[<%]|[>%]\}\}|\{%|%\}|\{#|\{:|<!--|-->|<style|<script|\bcolor:\s|function\s*\("
)

HUGO_PAGE = """\
+++
title = "Platform Engineering Levels"
+++

{{< toc >}}

## Expectations {#expectations}

Platform engineers keep the deploy pipeline green for every team.
{: .lead}

{{< hint info >}}
Promotions are reviewed twice a year by the calibration group.
{{< /hint >}}

{{% notice tip %}}Ask your manager for a written plan.{{% /notice %}}

{% include "levels-table.html" %}

<!-- TODO: rewrite this section before the next cycle -->

<style>
.lead { color: red; }
</style>

<script>
function track() { return 1; }
</script>

## Code samples {: #samples }

A shortcode shown as code stays as it is written:

```go-html-template
{{< figure src="ladder.png" >}}
```
"""


def _passages(document: Document) -> list[str]:
    return [chunk.text for chunk in chunk_document(document, 700, 150)]


def test_hugo_shortcodes_and_attribute_markers_are_removed(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"hugo/levels.md": HUGO_PAGE})
    doc = load(tmp_path)[1]["hugo/levels.md"]
    assert units(doc) == [
        "Platform engineers keep the deploy pipeline green for every team.",
        "Promotions are reviewed twice a year by the calibration group.",
        "Ask your manager for a written plan.",
        "A shortcode shown as code stays as it is written:",
        '{{< figure src="ladder.png" >}}',
    ]
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert headings == ["Expectations", "Code samples"]
    prose = [p for p in _passages(doc) if "figure src" not in p]
    assert prose and not any(LEFTOVER_MARKUP.search(p) for p in prose)


def test_built_html_and_text_lose_the_same_markup(tmp_path: Path) -> None:
    html = """<html><head><title>Levels</title><style>p { color: blue; }</style></head>
    <body><h1>Levels {#levels}</h1><!-- build 42 -->
    <p>{{< badge >}}Seniors mentor two engineers each quarter.{: .note}</p>
    <script>function go() { return 2; }</script></body></html>"""
    text = "Notes\n\n{% raw %}Staff engineers write strategy documents.{% endraw %}\n"
    write_corpus(tmp_path, {"site/levels.html": html, "notes.txt": text})
    docs = load(tmp_path)[1]
    assert docs["site/levels.html"].title == "Levels"
    assert units(docs["site/levels.html"]) == ["Seniors mentor two engineers each quarter."]
    assert units(docs["notes.txt"]) == ["Staff engineers write strategy documents."]
    for doc in docs.values():
        assert not any(LEFTOVER_MARKUP.search(p) for p in _passages(doc))
