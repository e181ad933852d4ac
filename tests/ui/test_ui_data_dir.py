"""Where the page keeps a user's data: a per-user folder outside the checkout, per corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Settings
from assistant.config import PROJECT_ROOT


def test_the_default_is_the_xdg_data_folder(tmp_path: Path) -> None:
    assert Settings.from_env({}).data_dir in {  # the field's default reads the process env
        Path("~/.local/share/career-assistant").expanduser(),
        Settings().data_dir,
    }
    env = {"CAREER_ASSISTANT_DATA_DIR": str(tmp_path / "mine")}
    assert Settings.from_env(env).data_dir == tmp_path / "mine"
    assert Settings.from_env({"CAREER_ASSISTANT_DATA_DIR": "~/x"}).data_dir == Path.home() / "x"


def test_xdg_data_home_is_honoured_when_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert Settings().data_dir == tmp_path / "career-assistant"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # the spec says: ignore it
    assert Settings().data_dir == Path.home() / ".local/share/career-assistant"


def test_each_corpus_has_its_own_folder_outside_the_checkout(tmp_path: Path) -> None:
    mine = Settings(corpus_dir=tmp_path / "a" / "corpus", data_dir=tmp_path / "data")
    other = Settings(corpus_dir=tmp_path / "b" / "corpus", data_dir=tmp_path / "data")
    folder = mine.user_dir("conversations")
    assert folder.parent == tmp_path / "data" / "conversations"
    assert folder.name.startswith("corpus-") and folder != other.user_dir("conversations")
    assert folder == Settings(
        corpus_dir=tmp_path / "a" / ".." / "a" / "corpus", data_dir=tmp_path / "data"
    ).user_dir("conversations")
    assert not Settings().user_dir("uploads").is_relative_to(PROJECT_ROOT)
