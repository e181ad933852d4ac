"""Names every candidate document shares are left out of what sentences are scored by."""

from __future__ import annotations

from assistant.shared_names import shared_names, without_names, written_names

LADDER = """# Staff Engineer

## Business Acumen

- I help Quillfeather meet its goals, and I know how teams work across Quillfeather
- I partner with the TPM and the Engineering Manager of my area, as a Staff Engineer does
- Impact starts with customers. Then our engineering teams ship weekly at 42widgets scale.
"""


def test_a_name_is_written_with_a_capital_mid_sentence() -> None:
    names = written_names(LADDER)
    assert {"quillfeather", "42widgets"} <= names
    # Acronyms name roles, which do tell sentences apart; a word opening a sentence or
    # a heading, or written in lower case elsewhere, is no name.
    assert not {"tpm", "impact", "business", "acumen", "staff", "engineering"} & names


def test_a_name_nearly_every_candidate_document_writes_is_shared() -> None:
    company = frozenset({"quillfeather"})
    other = frozenset({"grove"})
    question = "What does a staff engineer at quillfeather own?"
    assert shared_names(question, [company, company, company, other]) == ["quillfeather"]
    assert shared_names(question, [company, company, other, other]) == []
    # Two documents are too few to tell a shared name from the one asked about.
    assert shared_names(question, [company, company]) == []
    # A question about the name itself keeps it.
    assert shared_names("what is Quillfeather?", [company, company, company]) == []


def test_without_names_takes_out_the_name_and_its_possessive() -> None:
    text = "what are Quillfeather's values at quillfeather?"
    assert without_names(text, ["quillfeather"]) == "what are values at ?"
    assert without_names(text, []) == text
