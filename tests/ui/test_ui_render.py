"""ui.render: corpus text must reach Streamlit's Markdown as literal text, always."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from assistant import RebuildReport
from assistant.taxonomy import FAMILIES
from ui.render import (
    JOINER,
    built_at_text,
    document_markdown,
    escape_inline,
    escape_markdown,
    family_badge,
    highlight_markdown,
    rebuild_summary,
)

from .ui_support import unescape

HOSTILE = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "`tick` ```fence```",
    "$x^2$ and $$y$$",
    ":red[alarm] :orange-background[x] :smile: :material/home:",
    "**b** _i_ ~~s~~ # h | t |",
    "&lt; &amp; &#60;",
    "https://example.com www.example.com me@example.com",
]


def bare(markdown: str) -> str:
    """What is left after removing every backslash escape and joiner: no specials allowed."""
    return re.sub(r"\\.", "", markdown).replace(JOINER, "")


@given(st.text())
def test_escaped_text_has_no_unescaped_markdown(text: str) -> None:
    out = escape_inline(text)
    assert not set(bare(out)) & set(string.punctuation)
    assert "\n" not in out and "\r" not in out


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))))
def test_escaping_loses_nothing_on_one_line(text: str) -> None:
    assert re.sub(r"\\(.)", r"\1", escape_inline(text)).replace(JOINER, "") == text


def test_hostile_strings_are_escaped() -> None:
    for text in HOSTILE:
        out = escape_inline(text)
        assert unescape(out) == " ".join(text.split())
        assert "<" not in bare(out) and "[" not in bare(out) and "$" not in bare(out)


def test_emoji_and_autolinks_are_broken_by_an_invisible_joiner() -> None:
    out = escape_inline(":smile: https://x.org www.x.org a@b.org")
    assert ":" + JOINER + "smile" in out.replace("\\", "")
    assert "https:" + JOINER + "//" in out.replace("\\", "")
    assert "www" + JOINER + "." in out.replace("\\", "")
    assert "a" + JOINER + "@" in out.replace("\\", "")


def test_highlight_wraps_exactly_the_span() -> None:
    text = "First sentence. Second [sentence] $here$. Third."
    start = text.index("Second")
    end = text.index(" Third")
    out = highlight_markdown(text, [(start, end)])
    assert out.count(":orange-background[") == 1
    label = out[out.index("[") + 1 : out.rindex("]")]
    assert unescape(label) == "Second [sentence] $here$."
    assert unescape(out.replace(":orange-background[", "").replace(label + "]", label)) == text


def test_highlight_survives_bad_spans() -> None:
    text = "One. Two. Three."
    out = highlight_markdown(text, [(-5, 4), (2, 8), (100, 200), (9, 9), (10, 16)])
    assert out.count(":orange-background[") == 2  # clipped first, overlap and junk dropped
    assert unescape(re.sub(r":orange-background\[(.*?)\]", r"\1", out)) == text


def test_layout_keeps_paragraphs_and_list_lines_but_joins_wrapped_lines() -> None:
    text = "Wrapped line\n   continues here.\n- item one\n- item two\n\n\n    not code"
    out = escape_markdown(text)
    paragraphs = out.split("\n\n")
    assert len(paragraphs) == 2
    assert paragraphs[0].split("  \n") == [
        "Wrapped line continues here\\.",
        "\\- item one",
        "\\- item two",
    ]
    assert paragraphs[1] == "not code"  # indentation dropped: never a code block


def test_highlight_across_a_wrapped_line_is_one_label() -> None:
    text = "A sentence that\nwraps. Next."
    out = highlight_markdown(text, [(0, text.index(" Next"))])
    assert out.startswith(":orange-background[A sentence that wraps\\.]")


def test_document_markdown_keeps_shape_safely() -> None:
    text = "# Title\n\n## What it is\n\nSome <b>text</b>.\n\n- one [x](y)\n- two\n"
    out = document_markdown(text)
    assert "Title" not in out  # the page shows the title itself
    assert "**What it is**" in out
    assert "Some \\<b\\>text\\<\\/b\\>\\." in out
    assert "- one \\[x\\]\\(y\\)" in out and "- two" in out


def test_badges_and_times() -> None:
    assert family_badge("management", FAMILIES) == ":violet-badge[Management]"
    assert family_badge("made-up", FAMILIES) == ":gray-badge[made\\-up]"
    assert bare(family_badge("x]:red[y", FAMILIES)).count("[") == 1  # label escaped
    assert family_badge("", FAMILIES) == ":gray-badge[Other documents]"
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert built_at_text("2025-01-01T11:55:00+00:00", now) == "2025-01-01 11:55 UTC (5 min ago)"
    assert built_at_text("not a date", now) == "not a date"


def test_rebuild_summary() -> None:
    report = RebuildReport(
        files_added=["a.md"], files_unchanged=["b.md"], chunks_total=10,
        chunks_embedded=2, chunks_reused=8, seconds=1.25,
    )  # fmt: skip
    assert rebuild_summary(report) == (
        "Updated in 1.2 s. Documents: 1 added, 0 changed, 0 removed, 1 unchanged. "
        "Passages: 2 read anew, 8 kept, 10 in all."
    )
    nothing = RebuildReport(files_unchanged=["b.md"], chunks_total=10, chunks_reused=10)
    assert rebuild_summary(nothing).startswith("Already up to date")
