from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Settings
from assistant.errors import BadInputError
from assistant.evaluation import LabelledQuestion, evaluate, is_hit, read_questions
from assistant.results import Answer, AnswerSentence, Passage


def test_env_overrides_defaults_and_flags_override_env(tmp_path: Path) -> None:
    env = {"CAREER_ASSISTANT_CHUNK_SIZE": "300", "CAREER_ASSISTANT_INDEX_DIR": "/tmp/x"}
    settings = Settings.from_env(env)
    assert settings.chunk_size == 300 and settings.index_dir == Path("/tmp/x")
    assert Settings.from_env(env, index_dir=tmp_path).index_dir == tmp_path
    assert Settings.from_env({}).chunk_size == Settings().chunk_size


def test_bad_env_number_is_a_clear_error() -> None:
    with pytest.raises(BadInputError, match="CAREER_ASSISTANT_K"):
        Settings.from_env({"CAREER_ASSISTANT_K": "many"})


def passage(text: str, section: str = "Management › CTO", path: str = "") -> Passage:
    return Passage(1, "id", text, "a.md", "Title", section, "", path, 0.5, (), 0, len(text))


def question(kind: str, sections: tuple[str, ...], phrases: tuple[str, ...]) -> LabelledQuestion:
    return LabelledQuestion("q", "?", kind, sections, phrases, True)


def test_hit_by_phrase_ignores_case_and_whitespace() -> None:
    q = question("specific", ("Other",), ("team of 10 or less",))
    assert is_hit(passage("initially a Team of 10\nor less"), q)
    assert not is_hit(passage("no match"), q)


def test_hit_by_section_only_for_non_specific_questions() -> None:
    assert is_hit(passage("x"), question("keyword", ("CTO",), ()))
    assert not is_hit(passage("x"), question("specific", ("CTO",), ()))


def test_bad_eval_file_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "ok"}\nnot json\n')
    with pytest.raises(BadInputError, match=r"q.jsonl:2"):
        read_questions(path)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RETRIEVER", "bogus"),
        ("INDEX_KIND", "hnsw2"),
        ("EMBED_BACKEND", "tensorflow"),
        ("K", "0"),
        ("CHUNK_OVERLAP", "5000"),
    ],
)
def test_invalid_settings_are_refused_up_front(variable: str, value: str) -> None:
    with pytest.raises(BadInputError, match=f"CAREER_ASSISTANT_{variable}"):
        Settings.from_env({f"CAREER_ASSISTANT_{variable}": value})


def test_cli_reports_a_bad_setting_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli import main

    monkeypatch.setenv("CAREER_ASSISTANT_RETRIEVER", "bogus")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "retriever 'bogus'" in err and len(err.strip().splitlines()) == 1


def test_answer_at_1_reads_the_answer_text_and_figures_come_per_kind() -> None:
    right = passage("A CTO of a small startup grows with it. Unrelated filler.")
    answers = {
        "in": Answer(
            "in",
            False,
            "",
            (AnswerSentence("A CTO of a small startup grows with it.", 1),),
            (right,),
            {},
        ),
        "passage only": Answer(
            "passage only", False, "", (AnswerSentence("Unrelated filler.", 1),), (right,), {}
        ),
        "out": Answer("out", True, "", (), (), {}),
        "wrongly refused": Answer("wrongly refused", True, "", (), (), {}),
    }
    questions = [
        LabelledQuestion("1", "in", "specific", (), ("small startup grows",), True),
        LabelledQuestion("2", "passage only", "paraphrase", (), ("small startup grows",), True),
        LabelledQuestion("3", "out", "out_of_scope", (), (), False),
        LabelledQuestion("4", "wrongly refused", "paraphrase", (), ("x",), True),
    ]
    data = evaluate(questions, answers.__getitem__).to_json()
    assert (data["hit@1"], data["answer@1"]) == (0.6667, 0.3333)
    assert data["abstention_precision"] == 0.5 and data["abstention_recall"] == 1.0
    assert data["per_kind"]["specific"]["answer@1"] == 1.0
    assert data["per_kind"]["paraphrase"]["answer@1"] == 0.0
    assert data["per_kind"]["paraphrase"]["false_abstentions"] == 1


@pytest.mark.parametrize(
    "row",
    [
        {"question": "q", "phrases": "twenty-six weeks"},
        {"question": "q", "sections": [1, 2]},
        {"question": "q", "answerable": "false"},
    ],
)
def test_labels_of_the_wrong_type_are_refused(tmp_path: Path, row: dict[str, object]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(BadInputError, match=r"bad\.jsonl:1 is not a labelled question"):
        read_questions(path)
