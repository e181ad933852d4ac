"""End to end in a real headless Chromium: the page over the real corpus, and the escaping.

Needs /usr/bin/chromium (``apt-get install -y chromium``); skipped without it unless the
``CI`` environment variable is set, where a missing browser fails the run instead.
Never runs ``playwright install``: Playwright drives the system Chromium.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant import Assistant, Settings

from .ui_support import ROOT, plain_text

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REAL_CORPUS = ROOT / "corpus"
DOCS = ROOT / "docs"
SCREENSHOT = DOCS / "screenshot.png"
RENDER_PAGE = Path(__file__).with_name("render_page.py")

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing and CI is set", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

from playwright.sync_api import (  # noqa: E402
    BrowserContext,
    Page,
    Playwright,
    Route,
    sync_playwright,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``streamlit run`` as a subprocess on a free local port; stopped by its own pid."""

    def __init__(self, script: Path, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        command = [
            sys.executable, "-m", "streamlit", "run", str(script),
            "--server.address", "127.0.0.1", "--server.port", str(self.port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out
            )
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"streamlit did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


class Browser:
    """One Chromium for the module; every request the pages make to any other host is
    refused and recorded, and each test fails if one was made (nothing may be fetched
    from outside at run time: no icon, font or script CDN)."""

    def __init__(self, context: BrowserContext, playwright: Playwright) -> None:
        self.context = context
        self.playwright = playwright
        self.foreign: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS or not url.startswith(("http:", "https:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def another(self, profile: Path) -> Browser:
        """A second Chromium with a profile of its own (close its ``context``)."""
        return Browser(launch(self.playwright, profile), self.playwright)

    def new_page(self, width: int = 1366, height: int = 900) -> Page:
        page = self.context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        return page


def launch(playwright: Playwright, profile: Path) -> BrowserContext:
    """A Chromium of its own profile: its own cookies and storage, as another person's."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1440, "height": 1700},
    )


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield Browser(context, playwright)
        finally:
            context.close()


@pytest.fixture
def browser(chromium: Browser) -> Iterator[Browser]:
    """The shared browser; the test fails if its pages asked any host but this machine.
    Each test starts without cookies, so with a conversation of its own: the pages of
    earlier tests are closed first, or one of them rerunning would write its session
    cookie back, and this test's page would open that conversation instead."""
    for page in chromium.context.pages:
        page.close()
    chromium.context.clear_cookies()
    chromium.foreign.clear()
    yield chromium
    assert chromium.foreign == [], f"requests left 127.0.0.1: {chromium.foreign}"


@pytest.fixture(scope="module")
def real_index(pytestconfig: pytest.Config) -> Path:
    """The real corpus's index, built through the library.

    It lives in pytest's cache: an unchanged corpus rebuilds as a no-op (no model load),
    a changed one incrementally.
    """
    assert pytestconfig.cache is not None
    index = pytestconfig.cache.mkdir("career-assistant-real-index")
    Assistant(Settings.from_env(corpus_dir=REAL_CORPUS, index_dir=index)).rebuild()
    return index


def serve(corpus: Path, index: Path, log_dir: Path) -> Server:
    env = {"CAREER_ASSISTANT_CORPUS_DIR": str(corpus), "CAREER_ASSISTANT_INDEX_DIR": str(index)}
    return Server(ROOT / "ui" / "app.py", env, log_dir / "streamlit.log")


@pytest.fixture(scope="module")
def real_app(real_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The page over the real corpus (read only: nothing is uploaded here)."""
    server = serve(REAL_CORPUS, real_index, tmp_path_factory.mktemp("real-app"))
    yield server
    server.stop()


@pytest.fixture
def own_app(real_index: Path, tmp_path: Path) -> Iterator[Server]:
    """The page over a copy of the real corpus and its index, free to change."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(REAL_CORPUS, corpus)
    shutil.copytree(real_index, index, ignore=shutil.ignore_patterns("page-history.sqlite*"))
    server = serve(corpus, index, tmp_path)
    yield server
    server.stop()


def ask(page: Page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    box.fill(question)
    box.press("Enter")


def test_question_shows_cited_passages(real_app: Server, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(real_app.url)
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
    assert page.get_by_test_id("stAppDeployButton").count() == 0  # not even on first load
    for example in page.locator(".st-key-welcome-examples button").all():  # none cut off
        assert example.evaluate("e => e.scrollWidth <= e.clientWidth")
    ask(page, "What does a technical program manager do?")

    first = page.locator(".st-key-t0-passage-1")
    first.wait_for(timeout=90_000)  # the server loads the model on its first question
    text = first.inner_text()
    assert "[1]" in text
    assert "Technical Program Manager" in text
    assert ".md" in text  # the source file
    assert first.locator(".stMarkdownColoredBackground").count() >= 1  # highlighted sentence
    answer = page.locator(".st-key-t0-answer").inner_text()
    assert "[" in answer and "]" in answer  # cited
    assert "program" in answer.lower()
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_test_id("stAppDeployButton").count() == 0

    shoot(page, SCREENSHOT.name)


def answered(page: Page, turn: int) -> str:
    """Turn ``turn``'s answer as a reader sees it, once shown; "" when it was refused."""
    page.locator(f".st-key-t{turn}-answer, .st-key-t{turn}-abstain").wait_for(timeout=90_000)
    answer = page.locator(f".st-key-t{turn}-answer")
    return plain_text(answer.inner_text()) if answer.count() else ""


def test_what_a_reader_said_is_quoted_as_theirs(real_app: Server, browser: Browser) -> None:
    """ "What did Dale say?" is answered from the reader comments, Dale's comment first and
    labelled as his: the question shares no word with the comment, and was refused."""
    page = browser.new_page()
    page.goto(real_app.url)
    ask(page, "What did Dale say?")
    answer = answered(page, 0)
    assert answer.startswith("A reader's view (Dale): “I have to disagree with"), answer
    card = page.locator(".st-key-t0-passage-1").inner_text()
    assert "career-paths-after-senior-engineer-comments.md" in card and "Dale" in card


def test_a_conversation_is_private_to_its_browser(
    real_app: Server, browser: Browser, tmp_path: Path
) -> None:
    """The address never shows the conversation's id; a reload brings the conversation
    back (the browser keeps the id), and the same address in another browser is empty."""
    page = browser.new_page()
    page.goto(real_app.url)
    ask(page, "What does a technical program manager do?")
    page.locator(".st-key-t0-answer").wait_for(timeout=90_000)
    answer = page.locator(".st-key-t0-answer").inner_text()
    address = page.url
    assert "session" not in address and not urlsplit(address).query
    page.reload()
    try:  # a reload under a loaded CI machine has taken over 30 s once
        page.locator(".st-key-t0-answer").wait_for(timeout=90_000)
    except Exception as error:
        cookies = [c["name"] for c in page.context.cookies()]
        raise AssertionError(f"not restored after reload; cookies {cookies}") from error
    assert page.locator(".st-key-t0-answer").inner_text() == answer
    assert "session" not in page.url

    other = browser.another(tmp_path / "other-profile")
    try:
        stranger = other.new_page()
        stranger.goto(address)
        stranger.locator(".st-key-welcome-examples").wait_for(timeout=60_000)
        assert stranger.locator(".st-key-t0-answer").count() == 0
        assert stranger.get_by_test_id("stChatMessage").count() == 0
        assert other.foreign == []  # nothing but this machine, as for the shared browser
    finally:
        other.context.close()


def in_view(page: Page, selector: str) -> bool:
    """Whether the element's top is on screen, below the page's top bar (not, while it
    is not yet on the page)."""
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    assert viewport is not None
    if box is None:
        return False
    header = page.get_by_test_id("stHeader").bounding_box()
    top = header["y"] + header["height"] if header else 0
    return top <= box["y"] < viewport["height"]


def comes_into_view(page: Page, selector: str, seconds: float = 10) -> bool:
    """Whether the element is (or within ``seconds`` comes) into view and stays there a
    moment: read twice, 0.5 s apart."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if in_view(page, selector):
            page.wait_for_timeout(500)
            if in_view(page, selector):
                return True
        page.wait_for_timeout(200)
    return False


SCROLL_STATE = """(() => { const b = document.querySelector(
  '[data-testid=stAppScrollToBottomContainer]'); return b && [b.scrollTop, b.scrollHeight,
  b.clientHeight]; })()"""


def test_each_new_answer_is_brought_into_view(real_app: Server, browser: Browser) -> None:
    """After every question the page shows the question and its answer, not the end of
    the passages under it (Streamlit keeps a chat scrolled to the bottom), and the
    question box stays reachable."""
    page = browser.new_page()
    page.goto(real_app.url)
    for turn, question in enumerate(("Is SRE a dead end?", "What does a staff engineer do?")):
        ask(page, question)
        page.locator(f".st-key-t{turn}-passage-1").wait_for(timeout=90_000)
        # in place within a few seconds (a busy machine lays the cards out later)
        assert comes_into_view(page, f".st-key-t{turn}-question"), (
            f"question {turn} out of view: "
            + str(page.locator(f".st-key-t{turn}-question").bounding_box())
            + f", {page.get_by_test_id('stChatMessage').count()} messages, scroll "
            + str(page.evaluate(SCROLL_STATE))
        )
        assert comes_into_view(page, f".st-key-t{turn}-answer"), (
            f"answer {turn} out of view: "
            + str(page.locator(f".st-key-t{turn}-answer").bounding_box())
            + ", question at "
            + str(page.locator(f".st-key-t{turn}-question").bounding_box())
            + f", viewport {page.viewport_size}, scroll {page.evaluate(SCROLL_STATE)}"
        )
        assert in_view(page, "[data-testid='stChatInputTextArea']")
    page.wait_for_timeout(3000)  # and it stays there once the page lets go of it
    assert in_view(page, ".st-key-t1-answer")


def test_the_length_limit_is_told_as_one_types(real_app: Server, browser: Browser) -> None:
    """A live count under the question box; past the limit it says so, and neither the
    send button nor Enter sends (the server would refuse it anyway)."""
    page = browser.new_page()
    page.goto(real_app.url)
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=60_000)
    counter = page.locator("#question-count")
    send = page.get_by_test_id("stChatInputSubmitButton")
    box.fill("What does a TPM do?")
    counter.wait_for(timeout=10_000)
    assert counter.inner_text() == "19 / 2,000"
    assert send.is_enabled()
    box.fill("a" * 2_001)
    page.wait_for_function("document.getElementById('question-count').textContent.length > 12")
    assert counter.inner_text().startswith("2,001 / 2,000 characters: shorten")
    assert send.is_disabled()
    box.press("Enter")
    page.wait_for_timeout(1500)
    assert page.get_by_test_id("stChatMessage").count() == 0  # nothing was sent
    box.fill("Is SRE a dead end?")
    page.wait_for_function("!document.getElementById('question-count').textContent.includes(':')")
    assert counter.inner_text() == "18 / 2,000" and send.is_enabled()
    box.press("Enter")  # sent: the box is emptied, and so is the count
    page.get_by_test_id("stChatMessage").first.wait_for(timeout=60_000)
    counter.wait_for(state="hidden", timeout=10_000)


HOSTILE = [
    "<script>alert(1)</script> then text",
    "<img src=x onerror=alert(1)> and <b>bold</b>",
    "[click](javascript:alert(1)) and ![img](x.png) and [ref][1]",
    "`code` and ```fence``` and ~~~",
    "Costs $5 or $10, and $x^2$ and $$y$$",
    ":red[red] :orange-background[x] :material/home: :smile: :+1:",
    "**bold** _it_ ~~strike~~ # not a heading",
    "&lt;b&gt; &amp; &#60;",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "    indented code\n\ttabbed",
    "1. one\n- two\n> quote",
    "https://example.com www.example.com someone@example.com",
    "Setext\n===",
    "back\\slash \\[ \\] and {braces}",
    "weird ] [ ]] [[ brackets ]",
]


def test_hostile_text_renders_literally(browser: Browser, tmp_path: Path) -> None:
    """The escaping in ui/render.py, checked where it matters: in Streamlit's renderer."""
    cases = [(text, [(len(text) // 3, len(text) // 3 + 12)]) for text in HOSTILE]
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases))
    server = Server(RENDER_PAGE, {"RENDER_CASES": str(cases_file)}, tmp_path / "render.log")
    try:
        page = browser.new_page()
        page.goto(server.url)
        page.locator(f".st-key-case-{len(cases) - 1}").wait_for(timeout=30_000)
        for i, (text, _) in enumerate(cases):
            case = page.locator(f".st-key-case-{i}")
            shown = plain_text(case.inner_text())
            assert shown == " ".join(text.split()), f"case {i}: {text!r}"
            html = case.inner_html()
            for tag in ("<script", "<img", "<a ", "katex", "<b>", "<table", "<code", "<pre",
                        "<h1", "<blockquote", "<li", "<em", "<strong", "<del"):  # fmt: skip
                assert tag not in html, f"case {i} rendered {tag}: {text!r}"
            assert case.locator(".stMarkdownColoredBackground").count() >= 1
    finally:
        server.stop()


def shoot(page: Page, name: str) -> None:
    """Save the top of the page as docs/<name>, once it has stopped changing (while
    elements arrive, the chat keeps scrolling its container to the bottom)."""
    page.wait_for_timeout(1000)
    page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0; })")
    page.wait_for_timeout(300)
    page.screenshot(path=str(DOCS / name))


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def test_map_is_readable_and_a_click_asks_its_question(real_app: Server, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(real_app.url)
    open_tab(page, "Career-path map")
    nodes = page.locator("button[data-node]:not([data-node^='doc:'])")
    # Waited for, not counted once: a rerun may mount the map again in between.
    nodes.nth(9).wait_for(timeout=30_000)  # ten paths at least
    page.locator("[data-group='other'] button[data-node^='doc:']").first.wait_for(timeout=10_000)
    # The map's top is in view once laid out (a box read while a rerun mounted the map
    # again was once 12 px above the page's top).
    deadline = time.monotonic() + 10
    while (box := nodes.first.bounding_box()) is None or not 0 <= box["y"] < 900:
        assert time.monotonic() < deadline, f"the map's top is out of view: {box}"
        page.wait_for_timeout(100)
    assert font_px(page, "button[data-node]:not([data-node^='doc:'])") >= 14
    shoot(page, "screenshot-map.png")

    title = nodes.nth(2).inner_text()
    nodes.nth(2).click()
    page.locator(".st-key-t0-answer").wait_for(timeout=90_000)
    asked = page.get_by_test_id("stChatMessage").first.inner_text()
    assert f"What does a {title} do?" in asked or f"What does an {title} do?" in asked
    assert page.get_by_role("tab", name="Ask").get_attribute("aria-selected") == "true"


def font_px(page: Page, selector: str) -> float:
    """The first match's font size once it is laid out in the page: read from an element
    a rerun has just replaced, the computed size is empty (NaN). (The map lives in a
    shadow root, which Playwright's locators pierce and ``document.querySelector`` does
    not, hence polling a locator.)"""
    deadline = time.monotonic() + 10
    while True:
        px = float(
            page.locator(selector).first.evaluate(
                "e => e.isConnected ? parseFloat(getComputedStyle(e).fontSize) : NaN"
            )
        )
        if not math.isnan(px) or time.monotonic() > deadline:
            return px
        page.wait_for_timeout(100)


def test_phone_sized_map_stays_readable(real_app: Server, browser: Browser) -> None:
    page = browser.new_page(390, 844)
    page.goto(real_app.url)
    open_tab(page, "Career-path map")
    node = page.locator("button[data-node]").first
    node.wait_for(timeout=30_000)
    assert font_px(page, "button[data-node]") >= 14
    box = node.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    shoot(page, "screenshot-mobile.png")


FIT_DESCRIPTION = (
    "I like explaining technical things to people and building demos, but I would rather "
    "not manage a team, and I dislike selling"
)


def test_which_path_fits_me_ranks_paths_with_quotes(real_app: Server, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(real_app.url)
    open_tab(page, "Which path fits me?")
    box = page.get_by_label("What you enjoy, and what you would rather avoid")
    box.wait_for(timeout=30_000)
    box.fill(FIT_DESCRIPTION)
    page.get_by_role("button", name="Rank the paths for me").click()
    page.locator(".st-key-fit-path-3").wait_for(timeout=90_000)
    for rank in (1, 2, 3):
        card = page.locator(f".st-key-fit-path-{rank}").inner_text()
        assert card.startswith(f"{rank}. ")
        assert "“" in card and "”" in card and ".md" in card  # a quote and its source
    assert page.locator("[data-testid='stException']").count() == 0
    shoot(page, "screenshot-fit.png")


UPLOAD = b"""---
title: Notes from a glassblowing studio
---
# Notes from a glassblowing studio

## Apprenticeship

A glassblowing apprenticeship lasts one year: an engineer who leaves software for the studio
learns to gather molten glass on a blowpipe and to anneal every piece overnight.
"""
UPLOAD_QUESTION = "How long is a glassblowing apprenticeship?"


def settled(page: Page, change: str) -> None:
    """Wait for the Documents tab to say the rebuild after ``change`` is done."""
    page.get_by_text(f"{change} The search index is up to date.").wait_for(timeout=90_000)


def test_deleting_an_upload_removes_its_answers(own_app: Server, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(own_app.url)
    open_tab(page, "Documents")
    # One upload limit, stated once, by the uploader ("5MB per file": the corpus's
    # max_file_bytes); a byte more is refused there, and never reaches the corpus.
    uploader = page.get_by_test_id("stFileUploader").first
    uploader.wait_for(timeout=30_000)
    assert re.findall(r"\d+ ?MB", uploader.inner_text()) == ["5MB"]
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        files=[{"name": "big.md", "mimeType": "text/markdown", "buffer": b"a" * 5_000_001}]
    )
    page.get_by_text("File must be 5.0MB or smaller.").wait_for(timeout=30_000)
    assert page.get_by_text("Nothing uploaded yet.").count() == 1
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        files=[{"name": "glass.md", "mimeType": "text/markdown", "buffer": UPLOAD}]
    )
    settled(page, "Added uploads/glass.md.")
    row = page.locator(".st-key-doc-uploads_glass_md")
    # its title once the list is redrawn after the rebuild (a rerun after the message)
    row.get_by_text("Notes from a glassblowing studio").wait_for(timeout=30_000)
    shoot(page, "screenshot-documents.png")

    open_tab(page, "Ask")
    ask(page, UPLOAD_QUESTION)
    page.locator(".st-key-t0-answer").wait_for(timeout=90_000)
    assert "uploads/glass.md" in page.locator(".st-key-t0-passage-1").inner_text()

    open_tab(page, "Documents")
    row.get_by_role("button", name="Delete").click()
    settled(page, "Deleted uploads/glass.md.")
    row.wait_for(state="detached", timeout=10_000)  # the list may be redrawn just after

    open_tab(page, "Ask")
    ask(page, UPLOAD_QUESTION)
    page.get_by_test_id("stChatMessage").nth(3).wait_for(timeout=90_000)
    assert "uploads/glass.md" not in page.get_by_test_id("stChatMessage").nth(3).inner_text()


#: A guide of our own whose list answers "what are the kinds of mentor?" (a lead-in
#: ending in ":" and four items).
MENTORS = b"""---
title: A field guide to mentoring engineers
---
# A field guide to mentoring engineers

## Kinds of mentor

Most engineers who grow past senior level had more than one mentor. There are four kinds of
mentor worth looking for:

- The coach meets you every fortnight and asks questions until you find your own answer.
- The sponsor spends their reputation on you and says your name in rooms you are not in.
- The peer mentor is a colleague at your own level who trades feedback with you on designs.
- The reverse mentor is someone more junior who keeps you current with new tools.

Few people find all four in one company.
"""
MENTOR_KINDS = [line[2:] for line in MENTORS.decode().splitlines() if line.startswith("- ")]


def upload(page: Page, name: str, data: bytes) -> None:
    """Add ``data`` as ``name`` on the Documents tab and wait for its rebuild."""
    open_tab(page, "Documents")
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        files=[{"name": name, "mimeType": "text/markdown", "buffer": data}]
    )
    settled(page, f"Added uploads/{name}.")


def test_a_list_question_is_answered_with_the_list(own_app: Server, browser: Browser) -> None:
    """ "What are the kinds of mentor?" quotes the uploaded guide's lead-in and all four
    items, each cited, and the card highlights every item (it quoted one or two)."""
    page = browser.new_page()
    page.goto(own_app.url)
    upload(page, "mentors.md", MENTORS)
    open_tab(page, "Ask")
    ask(page, "What are the kinds of mentor?")
    answer = answered(page, 0)
    assert answer.startswith("There are four kinds of mentor worth looking for: [1]"), answer
    for kind in MENTOR_KINDS:
        assert f"{kind} [1]" in answer, f"{kind!r} missing from {answer!r}"
    card = page.locator(".st-key-t0-passage-1")
    assert "uploads/mentors.md" in card.inner_text()
    lit = plain_text(" ".join(card.locator(".stMarkdownColoredBackground").all_inner_texts()))
    for kind in MENTOR_KINDS:
        assert kind in lit, f"{kind!r} is not highlighted: {lit!r}"


#: A career path of our own whose aliases include words many paths' names share.
GREEDY_PATH = b"""---
title: Bootcamp Instructor
kind: path
family: individual-contributor
aliases: [engineer, manager, bootcamp teacher]
---
# Bootcamp Instructor

## What the role is

A bootcamp instructor teaches a cohort of career changers to program in twelve weeks, from
their first loop to a deployed web application.
"""


def test_a_path_cannot_claim_common_words_as_aliases(own_app: Server, browser: Browser) -> None:
    """The rebuild warns that "engineer" is no alias for the upload, and a question about
    senior engineers is not answered with the instructor's line (it was: the alias made
    the question name the path); its own alias still names it."""
    page = browser.new_page()
    page.goto(own_app.url)
    upload(page, "instructor.md", GREEDY_PATH)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(re.compile(r"^\d+ warnings?$")).click()
    sidebar.get_by_text(
        "uploads/instructor.md: alias 'engineer' is ignored: a word many career paths' names share"
    ).wait_for(timeout=10_000)

    open_tab(page, "Ask")
    ask(page, "What does a senior engineer do?")
    answer = answered(page, 0)
    assert answer and "bootcamp" not in answer.casefold(), answer
    assert "uploads/instructor.md" not in page.locator(".st-key-t0-passage-1").inner_text()
    ask(page, "What does a bootcamp teacher do?")
    assert answered(page, 1).startswith("A bootcamp instructor teaches")
