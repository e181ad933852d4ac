"""ui.jobs.RebuildJob: one background rebuild at a time, errors kept as one line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from assistant import Assistant, Settings
from ui.jobs import JobSnapshot, RebuildJob

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


def test_progress_is_in_passages_with_the_time_left() -> None:
    reading = JobSnapshot(generation=1, running=True)
    assert reading.message.startswith("Reading your documents")
    embedding = JobSnapshot(generation=1, running=True, reported=True, done=512, total=1621)
    assert embedding.message == "Preparing passages for search: 512 of 1,621"
    timed = replace(embedding, remaining=41.0)
    assert timed.message.endswith("512 of 1,621 · about 40 s left")
    saving = replace(embedding, done=1621)
    assert saving.message == "Saving the search index…"
    assert replace(embedding, done=0, total=0).message == "Saving the search index…"


def test_the_job_counts_the_passages_the_report_embeds(small_index: Built, tmp_path: Path) -> None:
    built = small_index.copy(tmp_path)
    (built.corpus / "articles" / "extra.md").write_text("# Extra\n\nA new note on mentoring.\n")
    job = RebuildJob(Assistant(Settings.from_env(corpus_dir=built.corpus, index_dir=built.index)))
    job.start()
    assert job.wait(60)
    snap = job.snapshot()
    assert snap.report is not None and snap.reported
    assert snap.done == snap.total == snap.report.chunks_embedded


def test_a_change_during_a_rebuild_is_picked_up_by_one_more(
    small_index: Built, tmp_path: Path
) -> None:
    built = small_index.copy(tmp_path)
    assistant = Assistant(Settings.from_env(corpus_dir=built.corpus, index_dir=built.index))
    (built.corpus / "articles" / "one.md").write_text("# One\n\nA note on mentoring.\n")
    job = RebuildJob(assistant)
    job.start()
    (built.corpus / "articles" / "two.md").write_text("# Two\n\nA note on hiring.\n")
    job.request()  # the running rebuild may have read the corpus already
    assert job.wait(60)
    assert job.snapshot().generation == 1 and not job.snapshot().error
    assert not assistant.status().stale
