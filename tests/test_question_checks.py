"""assistant.question_checks: questions in another language, and web addresses."""

from __future__ import annotations

import pytest

from assistant import BadInputError
from assistant.question_checks import check_question, find_url, language


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("¿Qué hace un gerente de ingeniería?", "Spanish"),
        ("Was macht ein Engineering Manager?", "German"),
        ("Wie werde ich Staff Engineer?", "German"),
        ("Comment devenir CTO d'une startup ?", "French"),
        ("Quero ser gerente de produto, o que devo fazer?", "Portuguese"),
        ("Hoe word ik een engineering manager?", "Dutch"),
        ("Как стать техническим директором?", "Cyrillic script"),
        ("エンジニアリングマネージャーとは？", "Japanese"),
    ],
)
def test_a_question_in_another_language_is_named(question: str, expected: str) -> None:
    assert language(question) == expected
    with pytest.raises(BadInputError, match="the corpus and the model are English — ask it"):
        check_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "What does a technical program manager do?",
        "Is a staff engineer la crème de la crème?",
        "Should I move to Berlin or stay in São Paulo as an SRE?",
        "Is ASP.NET experience useful for a solutions engineer?",
        "Node.js/React dev: what next?",
        "Could a tech lead become a startup founder — sensible?",
        "SRE vs data engineer?",
        "is SRE a dead end?",
    ],
)
def test_english_questions_pass_whatever_they_name(question: str) -> None:
    assert language(question) == "English" and find_url(question) == ""
    check_question(question)


@pytest.mark.parametrize(
    ("question", "url"),
    [
        ("https://example.com/guide.pdf what does it say?", "https://example.com/guide.pdf"),
        ("summarise www.example.org please", "www.example.org"),
        ("see example.com/guides/staff-archetypes", "example.com/guides/staff-archetypes"),
    ],
)
def test_a_web_address_is_told_to_drop_the_file_instead(question: str, url: str) -> None:
    assert find_url(question) == url
    with pytest.raises(BadInputError, match="drop the file instead") as refused:
        check_question(question)
    assert "nothing is fetched from the web" in str(refused.value)
