"""Issue 12, items 10 (batch) and 13 (BOM, CAREER_ASSISTANT_K): the reproductions as written.

- ``{"question":"\\ud800"}`` then a real question in one batch: the first line ended the
  run with "unexpected error: UnicodeEncodeError" and the second was never answered;
- a batch file saved with a UTF-8 BOM was refused as ":1 has no question";
- ``CAREER_ASSISTANT_K=100`` was accepted at start-up and every ask then failed without
  naming the variable. Settings that can only fail later are refused up front.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Copy, assert_one_line_error, snapshot

Run = Callable[..., tuple[int, str, str]]


def test_a_lone_surrogate_line_does_not_stop_the_batch(
    cli: Run, copy_old: Copy, tmp_path: Path
) -> None:
    batch = tmp_path / "s.jsonl"
    # printf '{"question":"\\ud800"}\n{"question":"what does a TPM do?"}\n' > s.jsonl
    batch.write_text('{"question":"\\ud800"}\n{"question":"what does a TPM do?"}\n')
    code, out, err = cli("ask", "--batch", str(batch), "--json", *copy_old.argv)
    assert code == 0, err
    assert "unexpected error" not in err
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["question"] == "\ud800" and "empty" in first["error"]
    assert second["question"] == "what does a TPM do?" and second["passages"]


def test_a_batch_file_with_a_utf8_bom_is_read(cli: Run, copy_old: Copy, tmp_path: Path) -> None:
    batch = tmp_path / "bom.jsonl"
    batch.write_bytes(b'\xef\xbb\xbf{"id": "q1", "question": "what does a TPM do?"}\n')
    code, out, err = cli("ask", "--batch", str(batch), "--json", *copy_old.argv)
    assert code == 0, err
    (answer,) = (json.loads(line) for line in out.splitlines())
    assert answer["id"] == "q1" and answer["passages"]


BAD_SETTINGS = [
    pytest.param("CAREER_ASSISTANT_K", "100", "from 1 to 50", id="k-100"),
    pytest.param("CAREER_ASSISTANT_K", "0", "at least 1", id="k-0"),
    pytest.param("CAREER_ASSISTANT_LOCK_TIMEOUT", "-1", "0 or more", id="negative-wait"),
    pytest.param("CAREER_ASSISTANT_MAX_FILE_BYTES", "0", "at least 1", id="no-file-fits"),
    pytest.param("CAREER_ASSISTANT_MAX_QUESTION_CHARS", "0", "at least 1", id="no-question-fits"),
    pytest.param("CAREER_ASSISTANT_ALLOWED_HOSTS", "*", "DNS rebinding", id="any-host"),
]


@pytest.mark.parametrize(("variable", "value", "says"), BAD_SETTINGS)
@pytest.mark.parametrize("command", ["ask", "status", "index"])
def test_a_setting_that_could_only_fail_later_is_refused_at_start_up(
    cli: Run,
    copy_old: Copy,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    says: str,
    command: str,
) -> None:
    monkeypatch.setenv(variable, value)
    before = snapshot(copy_old.index)
    argv = [command, "what does a TPM do?"] if command == "ask" else [command]
    code, out, err = cli(*argv, *copy_old.argv)
    assert code == 2 and out == ""
    assert_one_line_error(err, variable, says)
    assert snapshot(copy_old.index) == before
