"""End to end over the real corpus: questions of our own, not the dev file's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, BadInputError
from assistant.answering import UNIT_FEATURES
from assistant.store import open_current


@pytest.mark.parametrize(
    ("question", "expected_source", "expected_text"),
    [
        ("What is an SRE?", "", "Site Reliability Engineer"),
        ("what does devrel involve?", "developer-advocate", "demos"),
        ("Is the PO the same as a product manager?", "", "product owner"),
        ("How many engineering managers report to a senior engineering manager?", "", "4-8"),
        ("What is the risk of becoming a startup CEO?", "", "unicorn"),
    ],
)
def test_questions_find_their_passages(
    real_assistant: Assistant, question: str, expected_source: str, expected_text: str
) -> None:
    answer = real_assistant.ask(question, k=5)
    assert not answer.abstained
    top3 = answer.passages[:3]
    assert any(expected_source in p.source and expected_text in p.text for p in top3), [
        (p.source, p.text[:80]) for p in top3
    ]


def test_passages_are_quoted_verbatim_with_valid_offsets(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("what does an architect care about compared to a staff engineer?")
    store = real_assistant.store()
    for passage in answer.passages:
        source_text = store.document_text(passage.source)
        assert source_text[passage.start : passage.end] == passage.text
        for highlight in passage.highlights:
            assert passage.text[highlight.start : highlight.end] == highlight.text
    for sentence in answer.sentences:
        cited = answer.passages[sentence.citation - 1]
        assert sentence.text in cited.text
    assert answer.answer.endswith("]")


def test_passages_are_diverse(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("what does a staff engineer need?", k=8)
    vectors = real_assistant.store().vectors
    rows = {p.chunk_id for p in answer.passages}
    assert len(rows) == len(answer.passages)
    for a in answer.passages:
        for b in answer.passages:
            if a is not b and a.source == b.source:
                overlap = min(a.end, b.end) - max(a.start, b.start)
                assert overlap <= 0.5 * min(a.end - a.start, b.end - b.start)
    assert vectors.shape[0] > 0


@pytest.mark.parametrize(
    "question",
    ["how do I descale a kettle", "what wax suits a snowboard?", "best espresso machine"],
)
def test_off_topic_questions_abstain(real_assistant: Assistant, question: str) -> None:
    answer = real_assistant.ask(question)
    assert answer.abstained
    assert "does not cover" in answer.reason
    assert answer.passages == () and answer.answer == ""


def test_family_filter_keeps_only_that_family(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("is management a promotion?", family="management")
    assert answer.passages
    assert {p.family for p in answer.passages} == {"management"}


def test_comparison_names_both_paths(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("solutions engineer or sales engineer: which suits me?")
    assert answer.compare is not None
    assert {answer.compare.left.path, answer.compare.right.path} == {
        "solutions-engineer",
        "sales-engineer",
    }
    for side in (answer.compare.left, answer.compare.right):
        assert side.passages and all(p.path == side.path for p in side.passages)
    assert "compare" in answer.to_json()


@pytest.mark.parametrize(
    ("question", "match"),
    [("", "empty"), ("   \n\t ", "empty"), ("x" * 50_000, "limit")],
)
def test_bad_questions_get_one_clear_error(
    real_assistant: Assistant, question: str, match: str
) -> None:
    with pytest.raises(BadInputError, match=match):
        real_assistant.ask(question)


def test_dense_search_matches_numpy(real_assistant: Assistant) -> None:
    """FAISS exact search agrees with a plain numpy dot product (an independent peer)."""
    store = real_assistant.store()
    query = real_assistant.embedder.embed_query("moving from engineering into product")
    scores, rows = store.faiss.search(query.reshape(1, -1), 10)
    expected = np.argsort(-(np.asarray(store.vectors) @ query))[:10]
    assert rows[0].tolist() == expected.tolist()
    assert np.allclose(scores[0], np.sort(np.asarray(store.vectors) @ query)[::-1][:10], atol=1e-5)


def test_status_reports_staleness(real_assistant: Assistant) -> None:
    corpus = real_assistant.settings.corpus_dir
    assert not real_assistant.status().stale
    extra = corpus / "articles" / "zz-extra.md"
    extra.write_text("# Extra\n\nA new note.")
    try:
        assert real_assistant.status().added == ["articles/zz-extra.md"]
    finally:
        extra.unlink()


def test_threads_share_one_assistant(real_assistant: Assistant) -> None:
    questions = ["what is a TPM?", "is SRE a good move?", "how do I become an architect?"] * 4
    expected = [tuple(p.chunk_id for p in real_assistant.ask(q).passages) for q in questions]
    results: list[tuple[str, ...] | None] = [None] * len(questions)

    def work(i: int) -> None:
        results[i] = tuple(p.chunk_id for p in real_assistant.ask(questions[i]).passages)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


def test_a_rebuild_in_another_process_is_picked_up(
    real_assistant: Assistant, tmp_path: Path
) -> None:
    store = real_assistant.store()
    assert open_current(real_assistant.settings.index_dir).build_dir == store.build_dir


def test_family_filter_searches_exactly_within_the_family(real_assistant: Assistant) -> None:
    """Filtered dense search is exact over the family's rows, whatever the index size."""
    from assistant.records import Filter
    from assistant.retrieval import rank

    store = real_assistant.store()
    query = real_assistant.embedder.embed_query("how do I grow into a leadership role?")
    where = Filter(family="business-sales")
    ranking = rank(store, query, "how do I grow into a leadership role?", 3, where)
    assert ranking.candidates
    assert all(c.chunk.family == "business-sales" for c in ranking.candidates)


def test_surrounding_section_contains_the_passage(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("what does the article say about the size of a manager's team?")
    for passage in answer.passages:
        section = real_assistant.section_text(passage.source, passage.start)
        assert passage.text in section


def test_per_build_values_are_kept_for_several_builds_and_evicted_oldest_first() -> None:
    from assistant.engine import PerBuild

    made: list[str] = []
    cache: PerBuild[str] = PerBuild(builds=2)

    def make(build: str) -> str:
        made.append(build)
        return build.upper()

    for build in ("a", "b", "a", "b", "c", "a"):
        assert cache.get(build, lambda build=build: make(build)) == build.upper()
    # Two builds alternate without recomputing; a third evicts the least recently used.
    assert made == ["a", "b", "c", "a"]


LADDER_PAGES = {
    "ladder/staff.md": (
        "# Staff Engineer\n\nI help Quillfeather succeed as a business, and I know how teams "
        "work across Quillfeather. I plan the work of my group over a horizon of one to two "
        "years. I review the architecture proposals of several teams.\n"
    ),
    "ladder/support.md": (
        "# Support Specialist\n\nCustomers of Quillfeather reach me by email and chat. I answer "
        "tickets within a day, escalate outages to the on-call engineer and keep the help "
        "center articles current.\n"
    ),
    "ladder/benefits.md": (
        "# Benefits\n\nQuillfeather pays for health insurance for you and your family. Every "
        "three years of service earns a month of paid sabbatical, and Quillfeather matches "
        "retirement savings up to six percent.\n"
    ),
}


def test_a_refusal_over_ones_own_documents_does_not_claim_career_paths(
    indexed: Callable[[dict[str, str]], Assistant], real_assistant: Assistant
) -> None:
    assistant = indexed(LADDER_PAGES)
    answer = assistant.ask("how do I descale a kettle")
    assert answer.abstained
    assert "career paths" not in answer.reason and "the documents it holds" in answer.reason
    shipped = real_assistant.ask("how do I descale a kettle").reason
    assert "(Individual Contributor, Management, Business / Process, Business and Sales)" in (
        shipped
    )


def test_two_documents_stating_different_figures_are_both_shown(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """Near-duplicate removal must not hide that two documents disagree."""
    policy = (
        "# Relocation {office}\n\nEmployees who move for a role receive a relocation budget "
        "of £{amount} to cover removals, travel and the first month of housing. Claims are "
        "paid within thirty days of receipts.\n"
    )
    assistant = indexed(
        {
            "policies/relocation-2023.md": policy.format(office="policy", amount="8,000"),
            "policies/relocation-2024.md": policy.format(office="policy", amount="9,000"),
            "policies/holidays.md": "# Holidays\n\nEveryone gets 25 days of paid holiday.\n",
        },
    )
    answer = assistant.ask("how much is the relocation budget?")
    assert not answer.abstained, answer.reason
    sources = {p.source for p in answer.passages}
    assert {"policies/relocation-2023.md", "policies/relocation-2024.md"} <= sources


def test_sentences_alike_but_for_their_figures_are_both_quoted(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    leave = (
        "# Leave\n\nBirth parents receive 26 weeks of fully paid leave.\n\n"
        "Other parents receive 16 weeks of fully paid leave.\n"
    )
    assistant = indexed({"leave.md": leave})
    answer = assistant.ask("how much paid leave is there for new parents?")
    assert "26 weeks" in answer.answer and "16 weeks" in answer.answer, answer.answer


def test_a_two_column_table_row_is_quoted_as_it_stands(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """ "Pension match: Up to 6% of salary" has no full stop, yet it is a whole answer."""
    benefits = (
        "# Benefits\n\nEveryone gets 30 days of paid holiday plus public holidays.\n\n"
        "| Benefit | Amount |\n|---|---|\n| Pension match | Up to 6% of salary |\n"
        "| Home office allowance | £400 once |\n"
    )
    assistant = indexed({"benefits.md": benefits})
    answer = assistant.ask("what is the pension match?")
    assert answer.sentences and answer.sentences[0].text == "Pension match: Up to 6% of salary"


def test_a_lower_case_paragraph_is_not_glued_to_the_sentence_before(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """A piece starting lower-case continues a sentence only within its paragraph."""
    expenses = (
        "# Expenses\n\nClaims over £200 need a receipt and the approval of your manager.\n\n"
        "unfinished\n"
    )
    assistant = indexed({"expenses.md": expenses})
    answer = assistant.ask("what do expense claims over £200 need?")
    assert answer.sentences, answer.reason
    assert answer.sentences[0].text.endswith("approval of your manager."), answer.answer


LADDER_TABLE = (
    "# Engineering ladder\n\n"
    "| Competency | Q3 Senior Engineer | Q4 Staff Engineer | Q5 Principal Engineer |\n"
    "|---|---|---|---|\n"
    "| Mentorship | Mentors one or two junior engineers. | Grows senior engineers into "
    "technical leads. | Sponsors staff engineers across the company. |\n"
    "| Incident response | Joins the on-call rotation of the team. | Leads the postmortem "
    "process for the product area. | Sets reliability targets for the company. |\n"
)


@pytest.mark.parametrize(
    ("question", "sides"),
    [
        ("Q3 vs Q4 mentorship", ("Mentorship — Q3", "Mentorship — Q4")),
        ("Senior Engineer vs. Principal mentorship", ("Mentorship — Q3", "Mentorship — Q5")),
        (
            "what is the difference between a staff engineer and a principal engineer "
            "in incident response?",
            ("Incident response — Q4", "Incident response — Q5"),
        ),
    ],
)
def test_two_levels_of_a_ladder_table_are_compared_cell_by_cell(
    indexed: Callable[[dict[str, str]], Assistant], question: str, sides: tuple[str, str]
) -> None:
    assistant = indexed({"ladder.md": LADDER_TABLE})
    texts = [s.text for s in assistant.ask(question).sentences]
    assert len(texts) >= 2 and texts[0].startswith(sides[0]), texts
    assert texts[1].startswith(sides[1]), texts


POLICY = """\
---
title: Westwind people handbook
---
# Westwind people handbook

## Holidays

Holidays are agreed with your manager and booked in the shared calendar before you go.

## Parental leave

Parents take twenty-six weeks of leave on full pay.

## Levels

Our levels are outlined below:

- Level 1 engineers learn the codebase with a mentor.
- Level 2 engineers ship features on their own.
"""


def test_a_figure_asked_for_and_given_nowhere_is_a_feature_of_the_question(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """ "How many days" over passages with no figure at all is evidence the corpus does not
    answer; the same kind of question where a passage gives one is not."""
    assistant = indexed({"handbook.md": POLICY})
    missing = assistant.evidence("how many days of holiday do I get per year?", k=1).features()
    given = assistant.evidence("how long is parental leave?", k=1).features()
    plain = assistant.evidence("who agrees my holidays?", k=1).features()
    assert missing["figure_missing"] == 1.0
    assert given["figure_missing"] == 0.0 and plain["figure_missing"] == 0.0


def test_a_refusal_names_the_kind_of_figure_the_corpus_does_not_give(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """The handbook speaks of holidays but gives no number of days: the person is told
    that, not that nothing is close. A figure it does not give about a topic it never
    speaks of, and a question asking for no figure, are told the latter."""
    assistant = indexed({"handbook.md": POLICY})
    figure = assistant.ask("how many days of holiday do I get per year?")
    elsewhere = assistant.ask("how many moons does Jupiter have?")
    other = assistant.ask("what is the company's stance on open-source contributions?")
    assert figure.abstained and elsewhere.abstained and other.abstained
    assert "the passages closest to the question give no number of days" in figure.reason
    assert "no passage is close enough" in elsewhere.reason
    assert "no passage is close enough" in other.reason


def test_a_figure_no_passage_states_is_refused_however_likely_the_rest_looks(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """The handbook speaks of a phone allowance but gives no amount: whatever the question
    model makes of the rest, an answer from these passages could not say how much."""
    phones = "\n## Phones\n\nEvery engineer on call has a phone allowance for their mobile.\n"
    assistant = indexed({"handbook.md": POLICY + phones})
    question = "how much phone allowance does an engineer on call get?"
    assert assistant.evidence(question).probability() >= assistant.models.abstain_below
    answer = assistant.ask(question)
    assert answer.abstained and "give no amount" in answer.reason, answer.answer
    assert not assistant.ask("how many weeks of leave do parents take?").abstained


def test_a_figure_given_only_about_something_else_is_far_from_the_question(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """A number of weeks is given, but about parental leave: far from a sabbatical
    question, the closest sentence to a parental-leave one."""
    sabbatical = "\n## Sabbaticals\n\nEngineers may take a sabbatical agreed with their director.\n"
    assistant = indexed({"handbook.md": POLICY + sabbatical})
    elsewhere = assistant.evidence("how many weeks of sabbatical do engineers get?", k=3)
    asked = assistant.evidence("how many weeks off do new parents take?", k=3)
    assert elsewhere.features()["figure_missing"] == asked.features()["figure_missing"] == 0.0
    assert asked.features()["figure_distance"] == 0.0
    assert elsewhere.features()["figure_distance"] < -0.1


def test_the_meaning_carried_by_words_the_corpus_never_uses_is_measured_apart(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """``lost_meaning``: the question's words the corpus never uses, embedded alone, and
    their cosine to the question; none lost when the corpus knows every word."""
    assistant = indexed({"handbook.md": POLICY})
    question = "are sourdough holidays booked with the manager"
    lost = assistant.evidence(question, k=1).features()["lost_meaning"]
    vectors = assistant.embedder.embed_queries([question, "sourdough"])
    assert lost == pytest.approx(float(vectors[1] @ vectors[0]), abs=1e-5)
    assert lost > 0.1
    known = assistant.evidence("are holidays booked with the manager", k=1).features()
    assert known["lost_meaning"] == 0.0


def test_a_sentence_that_points_elsewhere_is_marked_as_a_pointer(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    assistant = indexed({"handbook.md": POLICY})
    units = [u for group in assistant.evidence("what are the levels?").found.units for u in group]
    pointer = UNIT_FEATURES.index("pointer")
    by_text = {u.text.strip(): u.features[pointer] for u in units}
    assert by_text["Our levels are outlined below:"] == 1.0
    assert by_text["Level 2 engineers ship features on their own."] == 0.0


LADDER = """\
---
title: Engineering levels
organisation: {org}
---
# Engineering levels

## Senior engineer

A senior engineer at {org} {duty}.
"""


def two_ladders(
    indexed: Callable[[dict[str, str]], Assistant], globex: str = "Globex"
) -> Assistant:
    """Acme's ladder and one of the organisation ``globex``, both defining a senior engineer."""
    return indexed(
        {
            "acme/levels.md": LADDER.format(org="Acme", duty="owns the billing services"),
            "globex/levels.md": LADDER.format(
                org=globex, duty="runs the hiring loop for their team"
            ),
        }
    )


def test_a_question_placed_at_one_organisation_is_answered_from_its_documents(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    """Two companies' ladders both define a senior engineer; "at Globex" picks Globex's."""
    assistant = two_ladders(indexed)
    for org in ("Acme", "Globex"):
        answer = assistant.ask(f"at {org.lower()}, what does a senior engineer do?")
        assert {p.organisation for p in answer.passages} == {org}, answer.passages
    # Naming no organisation (or a word that is one only by accident) keeps both.
    both = assistant.ask("what does a senior engineer do?")
    assert {p.organisation for p in both.passages} == {"Acme", "Globex"}


def test_at_a_sites_first_word_the_question_is_answered_from_that_site(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    assistant = two_ladders(indexed, globex="Globex People Wiki")
    answer = assistant.ask("At Globex, what does a senior engineer do?")
    assert {p.organisation for p in answer.passages} == {"Globex People Wiki"}


def test_an_organisation_is_named_by_its_first_word_when_that_is_a_name() -> None:
    """A site's name ("Globex Employee Handbook") is its organisation; people say "at
    Globex". A first word shared with another organisation, or not capitalised as a
    name, names none."""
    from assistant.engine import _short_names

    owners = ["Globex Employee Handbook", "Acme", "Engineering Handbook", "Paths"]
    names = _short_names(owners, role_words={"engineering", "manager"})
    assert names == {
        "Globex Employee Handbook": "Globex",
        "Acme": "",
        "Engineering Handbook": "",  # "In Engineering, …" names a department
        "Paths": "",
    }
    assert _short_names(["Globex Handbook", "Globex Wiki"]) == {
        "Globex Handbook": "",
        "Globex Wiki": "",
    }
