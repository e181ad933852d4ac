"""Issue 19 on the page, in a real headless Chromium: an encrypted PDF upload is one
warning beside the uploader, never an exception screen, and the page stays usable.

An AES-encrypted PDF once raised an uncaught library error inside the upload check and
replaced the whole app with a traceback screen. Now a PDF that opens with the empty
password is indexed like any other, and one that needs a real password is refused with
the reason, after which the next upload and the next question work as before.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import FilePayload, Page

from ..reliability.hostile_files import encrypted_pdf
from .test_browser import (  # the browser tests' server, browser and index fixtures
    Browser,
    Server,
    ask,
    browser,
    chromium,
    open_tab,
    own_app,
    real_index,
    settled,
)

pytestmark = pytest.mark.browser
__all__ = ["browser", "chromium", "own_app", "real_index"]  # fixtures used by name


def upload(page: Page, name: str, data: bytes) -> None:
    payload: FilePayload = {"name": name, "mimeType": "application/pdf", "buffer": data}
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(files=[payload])


def test_an_encrypted_pdf_upload_is_a_warning_and_the_page_stays_usable(
    own_app: Server, browser: Browser
) -> None:
    page = browser.new_page()
    page.goto(own_app.url)
    open_tab(page, "Documents")
    page.get_by_test_id("stFileUploader").first.wait_for(timeout=30_000)

    upload(page, "locked.pdf", encrypted_pdf("a real password"))
    refusal = page.get_by_text("locked.pdf: the PDF is password-protected")
    refusal.wait_for(timeout=30_000)
    assert page.get_by_test_id("stException").count() == 0
    assert page.locator(".st-key-doc-uploads_locked_pdf").count() == 0  # nothing written

    upload(page, "open.pdf", encrypted_pdf(""))  # the empty password opens it
    settled(page, "Added uploads/open.pdf.")
    open_tab(page, "Ask")
    ask(page, "How are night shifts paid?")
    page.locator(".st-key-t0-answer").wait_for(timeout=90_000)
    assert "uploads/open.pdf" in page.locator(".st-key-t0-passage-1").inner_text()
    assert page.get_by_test_id("stException").count() == 0
