from __future__ import annotations

from assistant.taxonomy import CareerPath, Taxonomy

PATHS = Taxonomy(
    [
        CareerPath("pm", "Product Manager", "business-process", ("PM", "PO", "product owner")),
        CareerPath("tpm", "Technical Program Manager", "business-process", ("TPM",)),
        CareerPath("em", "Engineering Manager", "management", ("EM", "manager")),
        CareerPath("devrel", "Developer Advocate", "business-sales", ("devrel",)),
    ]
)


def slugs(text: str) -> list[str]:
    return [m.path.slug for m in PATHS.mentions(text)]


def test_longest_name_wins_so_product_manager_is_not_manager() -> None:
    assert slugs("should a product manager become a manager?") == ["pm", "em"]
    assert slugs("Technical Program Manager vs PM") == ["tpm", "pm"]


def test_acronyms_are_case_sensitive_and_word_bounded() -> None:
    assert slugs("PM vs TPM") == ["pm", "tpm"]
    assert slugs("we meet at 5 pm") == []
    assert slugs("PMs and TPMs") == ["pm", "tpm"]
    assert slugs("DevRel roles") == ["devrel"]


def test_section_tagging_uses_family_headings_and_path_names() -> None:
    assert PATHS.tag_section(("Business / Process", "Technical Program Manager")) == (
        "business-process",
        "tpm",
    )
    assert PATHS.tag_section(("Management", "Career Paths")) == ("management", "")
    assert PATHS.tag_section(("To conclude",)) == ("", "")
