"""Rebuild progress is counted in passages, with an estimate of the time left."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.backends import create_backend
from assistant.cli import main
from assistant.embeddings import Embedder
from assistant.indexer import rebuild
from assistant.progress import ProgressClock, TerminalProgress, time_left

from .conftest import write_corpus


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_estimate_follows_the_measured_pace_and_counts_down() -> None:
    clock = FakeClock()
    progress = ProgressClock(clock)
    progress.update(0, 100)
    assert progress.remaining() is None  # nothing measured yet
    clock.now += 10
    progress.update(20, 100)  # 0.5 s per passage
    assert progress.remaining() == pytest.approx(40)
    clock.now += 15  # between reports the estimate counts down instead of freezing
    assert progress.remaining() == pytest.approx(25)
    clock.now += 60
    assert progress.remaining() == 0
    assert progress.fraction == 0.2


def test_no_estimate_from_a_first_instant() -> None:
    clock = FakeClock()
    progress = ProgressClock(clock)
    progress.update(0, 10)
    clock.now += 0.2
    progress.update(5, 10)
    assert progress.remaining() is None


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(None, ""), (2, "a few seconds left"), (42, "about 40 s left"), (200, "about 3 min left")],
)
def test_time_left_in_words(seconds: float | None, words: str) -> None:
    assert time_left(seconds) == words


def test_rebuild_reports_passages_steadily(
    small_corpus: Path, make_assistant: Callable[..., Assistant]
) -> None:
    """One unit from the first report to the last: the passages the report calls embedded,
    a passage repeated word for word in two files included."""
    same = "# Same note\n\nThe same short note about mentoring junior engineers.\n"
    write_corpus(small_corpus, {"notes/a.md": same, "notes/b.md": same})
    assistant = make_assistant(small_corpus, batch_size=2)
    reports: list[tuple[int, int]] = []
    first = assistant.rebuild(progress=lambda done, total: reports.append((done, total)))
    total = first.chunks_embedded
    assert reports[0] == (0, total) and reports[-1] == (total, total)
    assert {t for _, t in reports} == {total}
    dones = [d for d, _ in reports]
    assert dones == sorted(dones) and all(b - a <= 2 for a, b in itertools.pairwise(dones))

    write_corpus(small_corpus, {"paths/sre.md": "# SRE\n\nSite reliability engineers run infra."})
    reports.clear()
    added = assistant.rebuild(progress=lambda done, total: reports.append((done, total)))
    assert added.chunks_embedded == 1 and reports == [(0, 1), (1, 1)]

    reports.clear()
    assistant.rebuild(progress=lambda done, total: reports.append((done, total)))
    assert reports == []  # nothing changed: the previous build is kept, nothing to show


def test_terminal_bar_shows_files_passages_and_time_left() -> None:
    stream = io.StringIO()
    clock = FakeClock()
    bar = TerminalProgress(stream, clock)
    bar.files(12, 79)
    bar(0, 1621)
    clock.now += 10
    bar(512, 1621)
    bar(1621, 1621)
    bar.done()
    shown = stream.getvalue()
    assert "12 of 79 files · passages [#########" in shown and "512/1,621" in shown
    assert "about 20 s left" in shown
    assert shown.rstrip().endswith("1,621/1,621 · saving the index")
    assert shown.endswith("\n") and "texts" not in shown


def test_no_bar_without_work() -> None:
    stream = io.StringIO()
    bar = TerminalProgress(stream)
    bar(0, 0)
    bar.done()
    assert stream.getvalue() == ""


def test_index_piped_or_json_prints_no_bar(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """stderr is not a terminal here (captured), as when piped: the bar stays off."""
    args = ["index", "--corpus", str(small_corpus), "--index-dir", str(tmp_path / "idx")]
    assert main([*args, "--full"]) == 0
    assert "passages" not in capsys.readouterr().err
    assert main([*args, "--full", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("{") and "passages" not in err


def test_rebuild_tells_how_many_files_it_indexes(
    small_corpus: Path, tmp_path: Path, embedder: Embedder
) -> None:
    settings = Settings.from_env(corpus_dir=small_corpus, index_dir=tmp_path / "idx")
    heard: list[tuple[int, int]] = []

    def run(full: bool = False) -> None:
        backend = create_backend(settings)
        rebuild(settings, backend, lambda: embedder, embedder.name, full=full,
                files=lambda fresh, total: heard.append((fresh, total)))  # fmt: skip

    run()
    write_corpus(small_corpus, {"paths/sre.md": "# SRE\n\nSite reliability engineers run infra."})
    run()
    run()  # nothing changed: nothing to announce
    run(full=True)
    assert heard == [(2, 2), (1, 3), (3, 3)]
