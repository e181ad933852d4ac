from __future__ import annotations

import pytest

from assistant.taxonomy import CareerPath, Taxonomy, trusted_paths

from .conftest import SAMPLE_PATHS

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


def fuzzy(text: str, known: set[str] | None = None) -> list[tuple[str, bool]]:
    check = None if known is None else known.__contains__
    return [(m.path.slug, m.fuzzy) for m in SAMPLE_PATHS.mentions(text, check)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("staf engineer", [("staff", True)]),
        ("principle engineer vs staf engineer", [("staff", True)]),
        ("tech lead manger", [("em", True)]),
        ("Site Relability Engineers", [("sre", True)]),
        ("devrel", [("devrel", False)]),
    ],
)
def test_names_are_found_despite_one_typo(text: str, expected: list[tuple[str, bool]]) -> None:
    assert fuzzy(text) == expected


def test_a_real_word_is_not_taken_for_a_typo_of_a_one_word_name() -> None:
    assert fuzzy("I founded a company") == [("ceo", True)]
    assert fuzzy("I founded a company", known={"founded", "i", "a", "company"}) == []
    assert fuzzy("we meet at 5 pm; stuff happens") == []


@pytest.mark.parametrize(
    ("phrase", "slugs"),
    [
        ("staff", ["staff"]),
        ("sre", ["sre"]),  # acronyms in any case, for short comparison sides
        ("eng manager", ["em"]),  # abbreviation + a whole name
        ("manager", ["em"]),
        ("engineer", []),  # shared by many names: names none of them
        ("kubernetes", []),
    ],
)
def test_short_phrases_resolve_to_the_path_they_abbreviate(phrase: str, slugs: list[str]) -> None:
    assert SAMPLE_PATHS.names.resolve(phrase.split()) == slugs


def test_trust_rules_keep_shipped_claims_and_drop_bogus_aliases() -> None:
    warnings: list[str] = []
    shipped = CareerPath(
        "tpm", "Technical Program Manager", "business-process", ("TPM",), source="paths/tpm.md"
    )
    takeover = CareerPath("tpm", "TPM", "business-sales", (), source="uploads/tpm.md")
    greedy = CareerPath(
        "x",
        "Growth Hacker",
        "business-sales",
        ("the", "what", "a", "TPM", "hacker"),
        source="uploads/x.md",
    )
    odd = CareerPath("y", "Wizard", "wizardry", (), source="uploads/y.md")
    kept = trusted_paths([greedy, takeover, odd, shipped], warnings.append)
    assert [(p.slug, p.family, p.source) for p in kept] == [
        ("tpm", "business-process", "paths/tpm.md"),
        ("x", "business-sales", "uploads/x.md"),
    ]
    assert kept[1].aliases == ("hacker",)
    assert len(warnings) == 6 and all(w.startswith("uploads/") for w in warnings)
    assert any("already defined by paths/tpm.md" in w for w in warnings)


def test_an_upload_may_not_claim_a_word_many_paths_share_as_its_alias() -> None:
    """ "engineer" names no one path: an uploaded path claiming it would be named by every
    question about engineers. Shipped paths keep theirs ("manager" for the EM path)."""
    shipped = [
        CareerPath("sre", "Site Reliability Engineer", "individual-contributor", source="p/sre.md"),
        CareerPath("staff", "Staff Engineer", "individual-contributor", source="p/staff.md"),
        CareerPath("sales", "Sales Engineer", "business-sales", source="p/sales.md"),
        CareerPath("em", "Engineering Manager", "management", ("manager",), source="p/em.md"),
    ]
    upload = CareerPath(
        "growth",
        "Growth Engineer",
        "business-sales",
        ("engineer", "growth hacker"),
        source="uploads/growth.md",
    )
    warnings: list[str] = []
    kept = {p.slug: p for p in trusted_paths([upload, *shipped], warnings.append)}
    assert kept["growth"].aliases == ("growth hacker",)
    assert kept["em"].aliases == ("manager",)
    assert warnings == [
        "uploads/growth.md: alias 'engineer' is ignored: a word many career paths' names "
        "share, so every question would name this path"
    ]
