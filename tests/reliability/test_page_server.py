"""Issue 12, items 3, 6, 7 and 9: the page as ``career-assistant ui`` starts it.

One real server, started by the CLI from a directory that holds a booby-trapped
``streamlit`` package, then probed the way the issue's attacks did:

- 7: the trap must not run (``python -m streamlit`` used to import it from the cwd);
- 3: a WebSocket for another host name (DNS rebinding) is refused, a local one accepted;
- 9: with a real session and XSRF token, an upload over the corpus file limit gets 413
  from the server itself, one under it 204;
- 6: a real Chromium loading the page asks nothing of any other host (no icon CDN).
"""

from __future__ import annotations

import contextlib
import http.cookies
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from assistant.config import PROJECT_ROOT

from .conftest import Prebuilt, copy_of

CHROMIUM = Path("/usr/bin/chromium")
#: Small enough to test quickly; the server's limit is this, rounded up to whole MiB.
MAX_FILE_BYTES = 1_000_000


@dataclass
class Page:
    port: int
    trap: Path  # created if the cwd's fake streamlit package was imported
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def page(prebuilt: Prebuilt, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    root = tmp_path_factory.mktemp("page")
    copy = copy_of(prebuilt.old_corpus, prebuilt.old_index, root)
    hostile = root / "downloads"  # where a user might run the command
    trap = root / "PWNED"
    (hostile / "streamlit").mkdir(parents=True)
    (hostile / "streamlit" / "__init__.py").write_text(f"open({str(trap)!r}, 'w').close()\n")
    port, log = free_port(), root / "server.log"
    env = dict(os.environ) | {"CAREER_ASSISTANT_MAX_FILE_BYTES": str(MAX_FILE_BYTES)}
    command = [sys.executable, "-m", "assistant.cli", "ui", "--port", str(port), *copy.argv]
    if "PYTHONPATH" not in env:  # a clean clone's editable install finds the package anyway
        env["PYTHONPATH"] = str(PROJECT_ROOT)
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=hostile, env=env, stdout=out, stderr=out)
    try:
        _wait_healthy(server, port, log)
        yield Page(port, trap, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_healthy(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the page's server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the page's server did not start: {log.read_text()[-2000:]}")


def test_code_in_the_current_directory_is_never_imported(page: Page) -> None:
    assert not page.trap.exists()


def websocket_status(port: int, host: str) -> int:
    """The HTTP status of a WebSocket handshake sent with ``Host: host``."""
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.nip.io", "attacker.localhost.test"])
def test_another_host_name_is_refused(page: Page, host: str) -> None:
    """DNS rebinding: the attacker's name resolves to 127.0.0.1, the Host header keeps it."""
    assert websocket_status(page.port, host) == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_local_host_names_are_served(page: Page, host: str) -> None:
    assert websocket_status(page.port, host) == 101


@contextlib.contextmanager
def _session(page: Page) -> Iterator[tuple[str, str]]:
    """A real page session, open as a browser holds one: (session id, XSRF token)."""
    with urllib.request.urlopen(page.url + "_stcore/health", timeout=10) as reply:
        cookies = http.cookies.SimpleCookie(reply.headers.get("Set-Cookie", ""))
    token = cookies["_streamlit_xsrf"].value
    origin = page.url.rstrip("/")
    with connect(
        f"ws://127.0.0.1:{page.port}/_stcore/stream",
        subprotocols=["streamlit", token],  # type: ignore[list-item]
        additional_headers={"Cookie": f"_streamlit_xsrf={token}", "Origin": origin},
        open_timeout=10,
    ) as socket_:
        message = BackMsg()
        message.rerun_script.query_string = ""
        socket_.send(message.SerializeToString())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            forward = ForwardMsg.FromString(socket_.recv(timeout=60))  # type: ignore[arg-type]
            if forward.WhichOneof("type") == "new_session":
                yield forward.new_session.initialize.session_id, token
                return
        pytest.fail("the server never started a session")


def _upload(page: Page, session: str, token: str, size: int) -> int:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.md"\r\n'
            "Content-Type: text/markdown\r\n\r\n"
        ).encode()
        + b"x" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{page.url}_stcore/upload_file/{session}/{uuid.uuid4().hex}",
        data=body,
        method="PUT",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": token,
            "Cookie": f"_streamlit_xsrf={token}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_server_refuses_an_upload_over_the_corpus_file_limit(page: Page) -> None:
    with _session(page) as (session, token):
        assert _upload(page, session, token, 1_000) == 204  # the request is otherwise valid
        assert _upload(page, session, token, 2**20 + 1) == 413


@pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason=f"{CHROMIUM} is not installed"
)
def test_a_page_load_asks_nothing_of_any_other_host(page: Page) -> None:
    from playwright.sync_api import Route, sync_playwright

    foreign: list[str] = []

    def route(handled: Route) -> None:
        url = handled.request.url
        if url.startswith(("http:", "https:")) and urlsplit(url).hostname != "127.0.0.1":
            foreign.append(url)
            handled.abort()
        else:
            handled.continue_()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            tab = browser.new_page()
            tab.route("**/*", route)
            tab.goto(page.url)
            tab.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
            icon = tab.locator("link[rel='shortcut icon']").get_attribute("href") or ""
        finally:
            browser.close()
    assert foreign == []
    assert not icon.startswith("http") or urlsplit(icon).hostname == "127.0.0.1", icon
