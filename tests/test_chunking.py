from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunking import chunk_document, section_body, sentence_spans
from assistant.documents import Document
from assistant.taxonomy import CareerPath, Taxonomy


def doc(text: str, title: str = "T", **meta: str) -> Document:
    return Document(source="a.md", title=title, text=text, sha256="x", **meta)  # type: ignore[arg-type]


def test_chunks_carry_heading_path_and_exact_offsets() -> None:
    text = "# T\n\nIntro line.\n\n## Management\n\n### CTO\n\nBe CTO of a small startup. Grow.\n"
    chunks = chunk_document(doc(text), size=200, overlap=0)
    assert [c.section for c in chunks] == ["Introduction", "Management › CTO"]
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text


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


def test_a_sentence_longer_than_the_chunk_size_is_its_own_chunk() -> None:
    long = "word " * 100 + "end."
    chunks = chunk_document(doc(long + " Short one."), size=50, overlap=10)
    assert chunks[0].text == long.strip()


def test_abbreviations_and_list_items() -> None:
    text = "Pick a niche, e.g. payments. Then grow.\n\n- Staff => Principal\n- Architect"
    spans = sentence_spans(text, 0, len(text))
    assert [text[s:e] for s, e in spans] == [
        "Pick a niche, e.g. payments.",
        "Then grow.",
        "- Staff => Principal",
        "- Architect",
    ]


def test_ids_are_stable_and_content_addressed() -> None:
    text = "# T\n\n## A\n\nSame text here.\n\n## B\n\nOther text.\n"
    first = chunk_document(doc(text), 200, 0)
    edited = chunk_document(doc(text.replace("Other", "Changed")), 200, 0)
    assert first[0].id == edited[0].id
    assert first[1].id != edited[1].id


def test_duplicate_text_in_one_document_gets_distinct_ids() -> None:
    text = "Repeated.\n\nRepeated."
    chunks = chunk_document(doc(text), 5, 0)
    assert len({c.id for c in chunks}) == len(chunks) == 2


def test_article_sections_are_tagged_with_the_family_and_path_they_name() -> None:
    taxonomy = Taxonomy([CareerPath("cto", "Startup CTO", "management", ("CTO",))])
    text = "# T\n\n## Management\n\n### CTO\n\nSmall startups.\n\n### Career Paths\n\nList.\n"
    chunks = chunk_document(doc(text), 200, 0, taxonomy.tag_section)
    assert [(c.family, c.path) for c in chunks] == [("management", "cto"), ("management", "")]


def test_section_body_is_found_by_offset_even_when_labels_repeat() -> None:
    text = "# T\n\n## Tips\n\nFirst. Second.\n\n## Tips\n\nThird.\n"
    assert section_body(text, "T", text.index("Second")) == "First. Second."
    assert section_body(text, "T", text.index("Third")) == "Third."
    assert section_body(text, "T", len(text) + 5) == ""


_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_markdownish = st.lists(
    st.one_of(
        _words,
        st.sampled_from(["# H", "## Sub", "### Deep", "- item", "", "\n", ". ", "! ", "e.g. "]),
    ),
    max_size=40,
).map(lambda parts: "\n".join(parts))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_markdownish, size=st.integers(1, 300), overlap=st.integers(0, 120))
def test_chunks_cover_the_text_and_map_back_exactly(text: str, size: int, overlap: int) -> None:
    document = doc(text)
    chunks = chunk_document(document, size, overlap)
    covered = [False] * len(text)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text and chunk.text
        for start, end in chunk.sentences:
            assert chunk.start <= start < end <= chunk.end
        for i in range(chunk.start, chunk.end):
            covered[i] = True
    heading_chars = set()
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        marker = stripped.lstrip("#")
        if stripped.startswith("#") and marker[:1] in (" ", "\t") and marker.strip():
            heading_chars.update(range(offset, offset + len(line)))
        offset += len(line)
    missed = [
        i
        for i, ch in enumerate(text)
        if not ch.isspace() and not covered[i] and i not in heading_chars
    ]
    assert not missed, [text[i] for i in missed]
