"""The CLI's contract: output shapes and exit codes (0 ok, 2 bad input, 3 index problems)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.cli import _check_port_free, _parser, main
from assistant.errors import BadInputError
from assistant.store import CURRENT

from .conftest import write_corpus

PASSAGE_KEYS = {
    "rank", "chunk_id", "text", "source", "title", "section", "family", "path", "score",
    "highlights", "start", "end", "attribution", "organisation",
}  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def dirs(assistant: Assistant) -> list[str]:
    s = assistant.settings
    return ["--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir)]


def test_ask_json_has_the_documented_shape(
    real_assistant: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ask", "what even is a TPM?", "--json", *dirs(real_assistant))
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"question", "abstained", "reason", "answer", "passages", "timings_ms"}
    assert set(result["passages"][0]) == PASSAGE_KEYS
    assert {"embed", "search", "total"} <= set(result["timings_ms"])
    assert "[1]" in result["answer"] or "[2]" in result["answer"]


def test_ask_text_output_cites_sources(
    real_assistant: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ask", "what does a sales engineer do?", *dirs(real_assistant))
    assert code == 0
    assert "[1]" in out and ".md)" in out and "»" in out


def test_batch_passes_ids_through(
    real_assistant: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "a", "question": "what is an SRE?"}\n{"question": "sourdough?"}\n')
    code, out, _ = run(capsys, "ask", "--batch", str(batch), "--json", *dirs(real_assistant))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [line.get("id") for line in lines] == ["a", None]
    assert lines[1]["abstained"] is True


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", ""],
        ["ask", "x" * 50_000],
        ["ask", "q", "--k", "0"],
        ["ask"],
        ["ask", "q", "--family", "x"],
    ],
)
def test_bad_input_exits_2_with_one_line(
    real_assistant: Assistant, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    with pytest.raises(SystemExit) if "--family" in argv else _nothing():
        code, _, err = run(capsys, *argv, *dirs(real_assistant))
        assert code == 2
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def test_eval_prints_metrics(
    real_assistant: Assistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "eval.jsonl"
    questions.write_text(
        json.dumps({"question": "what does a TPM do?", "kind": "keyword",
                    "sections": ["Technical Program Manager"], "phrases": [], "answerable": True})
        + "\n"
        + json.dumps({"question": "sourdough recipe", "kind": "out_of_scope", "sections": [],
                      "phrases": [], "answerable": False})
        + "\n"
    )  # fmt: skip
    code, out, _ = run(capsys, "eval", str(questions), "--json", *dirs(real_assistant))
    data = json.loads(out)
    assert code == 0
    # a section named, no phrase: a lenient hit only; hit@k counts gold phrases alone
    assert data["lenient_hit@3"] == 1.0 and data["hit@1"] == 0.0
    assert data["abstention_rate_out_of_scope"] == 1.0
    # the per-kind table shows "–" where a kind has nothing to measure, not 0.0
    _, table, _ = run(capsys, "eval", str(questions), *dirs(real_assistant))
    rows = {line.split(" | ")[0]: line for line in table.splitlines() if line.startswith("| ")}
    assert rows["| keyword"].endswith("| 1 | 0 | – |")
    assert rows["| out_of_scope"].startswith("| out_of_scope | – | – | – | – | 0 | 1 | 1.0")


def test_corrupt_index_exits_3_in_a_fresh_process(tmp_path: Path, small_corpus: Path) -> None:
    """A real subprocess: no traceback, exit code 3, the fix named."""
    index = tmp_path / "index"
    (index / "builds" / "x").mkdir(parents=True)
    (index / CURRENT).write_text("x\n")
    env = dict(os.environ, CAREER_ASSISTANT_INDEX_DIR=str(index),
               CAREER_ASSISTANT_CORPUS_DIR=str(small_corpus))  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", "what is a TPM?"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 3
    assert "career-assistant index --full" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_question_is_refused_before_any_index_is_built(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "never-built"
    code, _, err = run(
        capsys, "ask", "   ", "--corpus", str(small_corpus), "--index-dir", str(index)
    )
    assert code == 2 and "empty" in err
    assert not index.exists()


def test_eval_on_another_corpus_indexes_it_beside_the_default_index(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("CAREER_ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    questions = tmp_path / "eval.jsonl"
    questions.write_text(
        json.dumps({"question": "what does a TPM do?", "kind": "keyword", "sections": [],
                    "phrases": [], "answerable": True}) + "\n"
    )  # fmt: skip
    code, out, err = run(capsys, "eval", str(questions), "--json", "--corpus", str(small_corpus))
    assert code == 0 and "evaluating on" in err
    assert not (tmp_path / "index" / CURRENT).exists()  # the default index is left alone
    assert len(list((tmp_path / "index" / "eval").glob(f"*/{CURRENT}"))) == 1
    assert json.loads(out)["answerable"] == 1


def test_a_file_given_as_the_corpus_is_named_as_a_file(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = next(small_corpus.rglob("*.md"))
    code, _, err = run(capsys, "index", "--corpus", str(file), "--index-dir", str(tmp_path / "i"))
    assert code != 0 and "is a file, not a directory" in err and len(err.splitlines()) == 1


def test_status_says_how_the_corpus_changed(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--corpus", str(small_corpus), "--index-dir", str(tmp_path / "i")]
    assert run(capsys, "index", *argv)[0] == 0
    (small_corpus / "extra.md").write_text("# Extra\n\nA new note about mentoring juniors.\n")
    code, out, _ = run(capsys, "status", *argv)
    assert code == 0 and "(1 added, 0 changed, 0 removed); run `career-assistant index" in out


def test_status_still_says_which_files_were_skipped_after_a_restart(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rebuild's warnings are gone with its process; status finds them again."""
    (small_corpus / "empty.md").write_text("")
    (small_corpus / "scan.bin.md").write_bytes(bytes(range(256)) * 8)
    argv = ["--corpus", str(small_corpus), "--index-dir", str(tmp_path / "i")]
    assert run(capsys, "index", *argv)[0] == 0
    code, out, _ = run(capsys, "status", *argv)
    assert code == 0 and "stale" not in out.casefold()
    assert "skipped empty.md: the file is empty" in out
    assert "skipped scan.bin.md" in out and "binary" in out
    data = json.loads(run(capsys, "status", "--json", *argv)[1])
    assert len(data["skipped"]) == 2 and data["stale"] is False


def test_advice_to_rebuild_names_the_folders_given(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Following the advice must build this index, not the default one from the default
    corpus."""
    index = tmp_path / "no index here"
    code, _, err = run(capsys, "status", "--corpus", str(small_corpus), "--index-dir", str(index))
    assert code == 3
    assert f"run `career-assistant index --corpus {small_corpus} --index-dir '{index}'`" in err


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("management", "management"),
        ("Management", "management"),
        ("Business / Process", "business-process"),
        ("business process", "business-process"),
        ("Other documents", "other"),
        ("OTHER", "other"),
    ],
)
def test_family_is_read_as_the_page_names_it(given: str, family: str) -> None:
    assert _parser().parse_args(["ask", "q", "--family", given]).family == family


def test_an_unknown_family_is_still_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        _parser().parse_args(["ask", "q", "--family", "sales"])
    assert exit_.value.code == 2 and "invalid choice: 'sales'" in capsys.readouterr().err


def test_compared_documents_are_named_as_they_write_themselves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "handbook.md": "# Handbook\n\n## Holidays\n\nEveryone gets 28 days of paid holiday.\n",
            "promotion.txt": "Promotion guide\n\nPromotion cycles happen twice a year, in "
            "March and in September.\n",
        },
    )
    argv = ["--corpus", str(corpus), "--index-dir", str(tmp_path / "index")]
    code, out, _ = run(capsys, "ask", "handbook vs promotion guide", *argv)
    assert code == 0
    assert "Compared: Handbook vs Promotion guide, each side's passages:" in out
    assert "- Handbook: Handbook › Holidays (handbook.md)" in out
    assert "- Promotion guide: Promotion guide (promotion.txt)" in out


def test_a_passage_is_indented_without_trailing_spaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Blank lines between a passage's paragraphs stay blank (no "    " to copy along)."""
    leave = (
        "# Leave\n\nBirth parents receive 26 weeks of fully paid leave.\n\n"
        "Other parents receive 16 weeks of fully paid leave.\n"
    )
    corpus = write_corpus(tmp_path / "corpus", {"leave.md": leave})
    argv = ["--corpus", str(corpus), "--index-dir", str(tmp_path / "index")]
    code, out, _ = run(capsys, "ask", "how much paid leave is there for new parents?", *argv)
    assert code == 0 and "\n\n    " in out  # a passage of two paragraphs
    assert all(line == line.rstrip() for line in out.splitlines())


def test_a_refusal_is_printed_as_a_sentence(
    real_assistant: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "ask", "best espresso machine?", *dirs(real_assistant))
    assert code == 0 and out.startswith("The corpus does not cover this")


def test_a_taken_port_is_refused_before_the_page_says_where_it_is() -> None:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(BadInputError, match=f"cannot serve the page on 127.0.0.1:{port}"):
            _check_port_free("127.0.0.1", port)
    _check_port_free("127.0.0.1", port)  # free again once it is closed


def test_a_port_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        _parser().parse_args(["ui", "--port", "70000"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "'70000' is not a port: give a number from 1 to 65535" in err
