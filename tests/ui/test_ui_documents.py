"""The Documents tab: add, replace and delete files, each followed by a rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant import Settings
from ui.app import ASK_TAB, DOCUMENTS_TAB
from ui.documents import row_key
from ui.resources import rebuild_job

from .test_ui_app import (
    NEW_ARTICLE,
    Point,
    open_tab,
    passages,
    start,
    submit,
    texts,
    wait_for_rebuild,
)
from .ui_support import Built, unescape


def uploads_of(built: Built) -> Path:
    """Where the page keeps this corpus's uploads: the (test's) data directory."""
    return Settings.from_env(corpus_dir=built.corpus).uploads_dir


SPONSORS = "Can an open source maintainer be paid by sponsorships?"
REPLACEMENT = b"""---
title: Open source maintainer
---
# Open source maintainer

## Burnout

Maintainers of popular projects often burn out from answering issues at night.
"""


def documents_tab(built: Built, point: Point) -> AppTest:
    return open_tab(start(built, point), DOCUMENTS_TAB)


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "text/markdown")).run()
    assert not at.exception
    return at


def message(at: AppTest) -> str:
    return unescape(" ".join(m.value for m in [*at.success, *at.info, *at.error]))


def settle(at: AppTest, built: Built) -> None:
    """Wait for the rebuild a change started, and let the page report it."""
    assert rebuild_job(str(built.corpus), str(built.index)).wait(60)
    wait_for_rebuild(at)


def cited(at: AppTest, question: str) -> set[str]:
    open_tab(at, ASK_TAB)
    submit(at, question)
    sources = (
        {p.source for p in passages(at)}
        if not at.session_state["turns"][-1].answer.abstained
        else set()
    )
    return sources


def test_an_upload_becomes_answerable_without_a_button(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built = small_index.copy(tmp_path)
    at = upload(documents_tab(built, use_dirs), "open-source.md", NEW_ARTICLE)
    assert (uploads_of(built) / "open-source.md").read_bytes() == NEW_ARTICLE
    assert not (built.corpus / "uploads").exists()  # never in the corpus folder
    assert "Added uploads/open-source.md. Updating the search index" in message(at)
    assert at.file_uploader[0].value is None  # the uploader is empty again
    settle(at, built)
    assert "Added uploads/open-source.md. The search index is up to date." in message(at)
    sidebar = unescape(" ".join(texts(at.sidebar)))
    assert "1 added" in sidebar and "Chunks" not in sidebar and "embedded" not in sidebar
    row = unescape("\n".join(texts(at.get_by_key(row_key("uploads/open-source.md")))))
    assert "Open source maintainer" in row  # its title, then kind, family and size
    assert f"Article · Other documents · {len(NEW_ARTICLE)} B" in row
    assert "uploads/open-source.md" in cited(at, SPONSORS)


def test_a_refused_upload_leaves_nothing_behind(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built = small_index.copy(tmp_path)
    at = upload(documents_tab(built, use_dirs), "big.md", b"a" * (Settings().max_file_bytes + 1))
    assert message(at).startswith("Refused") and at.file_uploader[0].value is None
    assert "over the 5 MB upload limit — split it" in message(at)
    assert not (built.corpus / "uploads").exists() and not uploads_of(built).exists()
    upload(at, "notes.exe", b"plain text")  # the next message replaces the last
    assert len(at.error) == 1 and "notes.exe" in unescape(at.error[0].value)


def indexed_upload(
    small_index: Built, point: Point, tmp_path: Path, name: str, data: bytes
) -> tuple[Built, AppTest]:
    """A copy of the small index with ``name`` uploaded on the page and indexed."""
    built = small_index.copy(tmp_path)
    at = upload(documents_tab(built, point), name, data)
    settle(at, built)
    return built, at


def upload_twice(
    small_index: Built, point: Point, tmp_path: Path, second: bytes
) -> tuple[Built, AppTest]:
    """``open-source.md`` uploaded and indexed, then a file of that name uploaded again."""
    built, at = indexed_upload(small_index, point, tmp_path, "open-source.md", NEW_ARTICLE)
    upload(at, "open-source.md", second)
    return built, at


def test_same_name_offers_replace_then_answers_change(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built, at = upload_twice(small_index, use_dirs, tmp_path, REPLACEMENT)
    assert "A file named uploads/open-source.md is already there: replace it?" in message(at)
    assert (uploads_of(built) / "open-source.md").read_bytes() == NEW_ARTICLE
    at.button(key="replace-yes").click().run()
    assert (uploads_of(built) / "open-source.md").read_bytes() == REPLACEMENT
    settle(at, built)
    assert "Replaced uploads/open-source.md. The search index is up to date." in message(at)
    assert "uploads/open-source.md" not in cited(at, SPONSORS)
    assert "uploads/open-source.md" in cited(at, "Why do open source maintainers burn out?")


def test_the_same_file_uploaded_again_asks_nothing(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    """A second upload of identical bytes (a double submit) is no name clash."""
    _, at = upload_twice(small_index, use_dirs, tmp_path, NEW_ARTICLE)
    assert "The same file is already there as uploads/open-source.md" in message(at)
    with pytest.raises(KeyError):
        at.button(key="replace-yes")


def test_keep_the_old_one_changes_nothing(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built, at = upload_twice(small_index, use_dirs, tmp_path, REPLACEMENT)
    at.button(key="replace-no").click().run()
    assert (uploads_of(built) / "open-source.md").read_bytes() == NEW_ARTICLE
    assert "Kept the old uploads/open-source.md" in message(at)
    with pytest.raises(KeyError):
        at.button(key="replace-yes")


def test_deleting_an_upload_removes_its_answers(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built, at = indexed_upload(small_index, use_dirs, tmp_path, "open-source.md", NEW_ARTICLE)
    at.button(key=row_key("uploads/open-source.md") + "-delete").click().run()
    assert not (uploads_of(built) / "open-source.md").exists()
    settle(at, built)
    assert "Deleted uploads/open-source.md. The search index is up to date." in message(at)
    assert "uploads/open-source.md" not in cited(at, SPONSORS)


def test_a_shipped_document_is_deleted_only_when_confirmed(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built = small_index.copy(tmp_path)
    source = "paths/staff-engineer.md"
    row = row_key(source)
    at = documents_tab(built, use_dirs)
    at.button(key=f"{row}-delete").click().run()
    assert (built.corpus / source).exists()
    assert any("not uploaded here" in w.value for w in at.warning)
    # the reader's own files are there too: nothing says they came with the assistant
    assert "came with the assistant" not in " ".join(
        [*(w.value for w in at.warning), *(e.label for e in at.expander)]
    )
    at.button(key=f"{row}-cancel").click().run()
    assert (built.corpus / source).exists() and not at.warning
    at.button(key=f"{row}-delete").click().run()
    at.button(key=f"{row}-confirm").click().run()
    assert not (built.corpus / source).exists()
    settle(at, built)
    assert "1 removed" in unescape(" ".join(s.value for s in at.success))


def test_replace_one_upload_from_its_row(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built, at = indexed_upload(small_index, use_dirs, tmp_path, "open-source.md", NEW_ARTICLE)
    row_uploader = at.file_uploader[1]
    assert "open-source.md" in row_uploader.label
    row_uploader.set_value(("v2.md", REPLACEMENT, "text/markdown")).run()
    assert (uploads_of(built) / "open-source.md").read_bytes() == REPLACEMENT
    assert not (uploads_of(built) / "v2.md").exists()
    settle(at, built)
    assert "Replaced uploads/open-source.md with v2.md" in message(at)


#: Front matter that is not YAML: the CLI indexes the file without it, with a warning;
#: the page refuses the upload, saying what to correct.
BROKEN_FRONT_MATTER = b"""---
title: [unclosed
---
# Pairing notes

Pairing twice a week keeps a new engineer close to the codebase and the team's habits.
"""
#: A path of a family no one knows: indexed as an ordinary document, with a warning.
STRAY_PATH = b"""---
title: Bootcamp instructor
kind: path
family: teaching
---
# Bootcamp instructor

A bootcamp instructor teaches career changers to code in twelve-week cohorts.
"""


def test_an_upload_with_broken_front_matter_is_refused_naming_the_fix(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built = small_index.copy(tmp_path)
    at = upload(documents_tab(built, use_dirs), "pairing.md", BROKEN_FRONT_MATTER)
    said = message(at)
    assert said.startswith("Refused 'pairing.md': pairing.md: front matter is not valid YAML")
    assert "indexed without it" not in said and "UTF-8" not in said, said
    assert "correct that and upload it again" in said


def test_a_rebuild_warning_is_shown_on_the_documents_tab(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    """Not only in the sidebar, which a phone hides: the warning is about the upload."""
    _, at = indexed_upload(small_index, use_dirs, tmp_path, "instructor.md", STRAY_PATH)
    folded = [e for e in at.main.expander if e.label == "1 warning"]
    assert len(folded) == 1, [e.label for e in at.main.expander]
    said = unescape(" ".join(m.value for m in folded[0].markdown))
    assert "uploads/instructor.md: unknown family 'teaching'" in said, said
