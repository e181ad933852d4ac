from __future__ import annotations

import itertools
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document, section_body, sentence_spans
from assistant.documents import Document
from assistant.ingest.layout import layout
from assistant.ingest.markdown import markdown_blocks
from assistant.taxonomy import CareerPath, Taxonomy


def doc(markdown: str, title: str = "T") -> Document:
    """A document laid out from Markdown, as the loaders make it."""
    text, blocks = layout(markdown_blocks(markdown))
    return Document(source="a.md", title=title, text=text, sha256="x", blocks=blocks)


def test_chunks_carry_heading_path_and_exact_offsets() -> None:
    document = doc(
        "# T\n\nIntro line.\n\n## Management\n\n### CTO\n\nBe CTO of a small startup. Grow.\n"
    )
    chunks = chunk_document(document, size=200, overlap=0)
    assert [c.section for c in chunks] == ["T › Introduction", "T › Management › CTO"]
    for chunk in chunks:
        assert document.text[chunk.start : chunk.end] == chunk.text


def test_sentences_are_never_split_and_overlap_repeats_whole_sentences() -> None:
    sentences = [f"Sentence number {i} is here." for i in range(12)]
    text = " ".join(sentences)
    chunks = chunk_document(doc(text), size=90, overlap=40)
    assert len(chunks) > 2
    for chunk in chunks:
        parts = [chunk.text[s - chunk.start : e - chunk.start] for s, e in chunk.sentences]
        assert all(part in sentences for part in parts)
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # overlapping windows
        assert after.start > before.start  # always moving forward


def test_a_sentence_longer_than_the_chunk_size_is_cut_at_word_boundaries() -> None:
    long = "word " * 100 + "end."
    chunks = chunk_document(doc(long + " Short one."), size=50, overlap=10)
    assert all(len(c.text) <= 50 for c in chunks)
    assert all(c.text.startswith("word") or c.text.endswith(".") for c in chunks)
    assert chunks[-1].text.endswith("Short one.")


def test_abbreviations_lower_case_continuations_and_list_items() -> None:
    text = (
        "Pick a niche, e.g. payments. Then grow. It takes approx. five years. I said no. "
        "See rule No. 5 first. It ships Friday. iOS builds wait."
    )
    spans = sentence_spans(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == [
        "Pick a niche, e.g. payments.",
        "Then grow.",
        "It takes approx. five years.",
        "I said no.",
        "See rule No. 5 first.",
        "It ships Friday.",
        "iOS builds wait.",
    ]
    document = doc("Lead-in:\n\n- Staff => Principal\n- Architect\n")
    units = [document.text[s:e] for c in chunk_document(document, 500, 0) for s, e in c.sentences]
    assert units == ["Lead-in:", "Staff => Principal", "Architect"]


def test_a_title_taken_from_a_lower_heading_is_not_repeated_in_the_breadcrumb() -> None:
    document = doc("## Overview\n\nFirst.\n\n## Pager rules\n\nSecond.\n", title="Overview")
    assert [c.section for c in chunk_document(document, 500, 0)] == [
        "Overview",
        "Overview › Pager rules",
    ]


def test_table_rows_and_code_are_single_units() -> None:
    document = doc(
        "| Category | Senior (L3) |\n|---|---|\n| Planning | Plans alone. Asks for help. |\n\n"
        "```\nx = 1. y = 2.\n```\n"
    )
    units = [document.text[s:e] for c in chunk_document(document, 500, 0) for s, e in c.sentences]
    assert units == ["Planning: Plans alone. Asks for help.", "x = 1. y = 2."]


def test_sentence_splitting_is_linear_on_abbreviation_runs() -> None:
    text = "e.g. " * 32_000
    started = time.perf_counter()
    assert len(sentence_spans(text, 0, len(text))) == 1
    assert time.perf_counter() - started < 2.0  # quadratic took ~40 s


def test_ids_are_stable_and_content_addressed() -> None:
    text = "# T\n\n## A\n\nSame text here.\n\n## B\n\nOther text.\n"
    first = chunk_document(doc(text), 200, 0)
    edited = chunk_document(doc(text.replace("Other", "Changed")), 200, 0)
    assert first[0].id == edited[0].id
    assert first[1].id != edited[1].id


def test_duplicate_text_in_one_document_gets_distinct_ids() -> None:
    text = "Repeated.\n\nRepeated."
    chunks = chunk_document(doc(text), 9, 0)
    assert len({c.id for c in chunks}) == len(chunks) == 2


def test_article_sections_are_tagged_with_the_family_and_path_they_name() -> None:
    taxonomy = Taxonomy([CareerPath("cto", "Startup CTO", "management", ("CTO",))])
    text = "# T\n\n## Management\n\n### CTO\n\nSmall startups.\n\n### Career Paths\n\nList.\n"
    chunks = chunk_document(doc(text), 200, 0, taxonomy.tag_section)
    assert [(c.family, c.path) for c in chunks] == [("management", "cto"), ("management", "")]


def test_section_body_is_found_by_offset_even_when_labels_repeat() -> None:
    text = doc(
        "# T\n\n## Tips\n\nFirst. Second.\n\n## Tips\n\nThird.\n\n```\n# not a heading\n```\n"
    ).text
    assert section_body(text, text.index("Second")) == "First. Second."
    assert section_body(text, text.index("Third")).startswith("Third.")
    assert "# not a heading" in section_body(text, text.index("Third"))


_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_markdownish = st.lists(
    st.one_of(
        _words,
        st.sampled_from(["# H", "## Sub", "### Deep", "- item", "", "\n", ". ", "! ", "e.g. "]),
    ),
    max_size=40,
).map(lambda parts: "\n".join(parts))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdown=_markdownish, size=st.integers(1, 300), overlap=st.integers(0, 120))
def test_chunks_cover_the_text_and_map_back_exactly(markdown: str, size: int, overlap: int) -> None:
    document = doc(markdown)
    text = document.text
    chunks = chunk_document(document, size, overlap)
    covered = [False] * len(text)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text and chunk.text
        for start, end in chunk.sentences:
            assert chunk.start <= start < end <= chunk.end
        for i in range(chunk.start, chunk.end):
            covered[i] = True
    missed = [  # every word of every non-heading block is in some chunk
        i
        for b in document.blocks
        if b.kind != "heading"
        for i in range(b.start, b.end)
        if not text[i].isspace() and not covered[i]
    ]
    assert not missed, [text[i] for i in missed]
