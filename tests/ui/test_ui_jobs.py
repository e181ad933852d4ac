"""ui.jobs.RebuildJob: one background rebuild at a time, errors kept as one line."""

from __future__ import annotations

from pathlib import Path

from assistant import Assistant, Settings
from ui.jobs import RebuildJob

from .ui_support import Built


def test_one_rebuild_at_a_time_and_a_report(small_index: Built, tmp_path: Path) -> None:
    built = small_index.copy(tmp_path)
    (built.corpus / "articles" / "extra.md").write_text("# Extra\n\nA new note on mentoring.\n")
    job = RebuildJob(Assistant(Settings.from_env(corpus_dir=built.corpus, index_dir=built.index)))
    assert job.snapshot().generation == 0
    assert job.start()
    assert not job.start()  # refused while running
    assert job.wait(60)
    snap = job.snapshot()
    assert snap.generation == 1 and not snap.running and not snap.error
    assert snap.report is not None and snap.report.files_added == ["articles/extra.md"]
    assert 0 < snap.report.chunks_embedded < snap.report.chunks_total


def test_a_failed_rebuild_keeps_a_one_line_error(tmp_path: Path) -> None:
    settings = Settings.from_env(corpus_dir=tmp_path / "missing", index_dir=tmp_path / "index")
    job = RebuildJob(Assistant(settings))
    job.start()
    assert job.wait(60)
    snap = job.snapshot()
    assert "does not exist" in snap.error and "\n" not in snap.error
    assert snap.report is None
