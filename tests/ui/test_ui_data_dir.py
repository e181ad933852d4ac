"""Where the page keeps a user's data: a per-user folder outside the checkout, per corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Settings
from assistant.config import PROJECT_ROOT
from assistant.ingest import corpus_files


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


def test_uploads_in_the_data_dir_are_part_of_the_corpus(tmp_path: Path) -> None:
    """Indexed as ``uploads/<name>`` (so shipped files keep precedence over them); one
    replaces a file of that name an older version saved in the corpus folder."""
    settings = Settings(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data")
    (settings.corpus_dir / "uploads").mkdir(parents=True)
    (settings.corpus_dir / "guide.md").write_text("# Guide\n\nShipped.\n")
    (settings.corpus_dir / "uploads" / "old.md").write_text("# Old\n\nOld upload.\n")
    (settings.corpus_dir / "uploads" / "notes.md").write_text("# Notes\n\nOld copy.\n")
    settings.uploads_dir.mkdir(parents=True)
    (settings.uploads_dir / "notes.md").write_text("# Notes\n\nNew copy.\n")
    files = corpus_files(settings.corpus_dir, 10_000, print, settings.uploads_dir)
    assert [(f.source, f.path) for f in files] == [
        ("guide.md", settings.corpus_dir / "guide.md"),
        ("uploads/notes.md", settings.uploads_dir / "notes.md"),
        ("uploads/old.md", settings.corpus_dir / "uploads" / "old.md"),
    ]
