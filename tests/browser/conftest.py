"""Browser tests: Playwright driving Debian's Chromium against a real gunicorn server.

The server is a separate process on a free loopback port, using the test database and Redis
(``service_env``); each test starts from the ``app`` fixture's empty, seeded tables. Without
``/usr/bin/chromium`` these tests are skipped, unless ``HOTLINE_REQUIRE_BROWSER=1`` (CI),
where they fail. Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


SKIPPED: list[str] = []


def _require_browser(chromium: str = CHROMIUM) -> None:
    if Path(chromium).exists():
        return
    reason = "Chromium not installed: apt-get install chromium"
    if os.environ.get("HOTLINE_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (HOTLINE_REQUIRE_BROWSER=1)", pytrace=False)
    SKIPPED.append(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter):
    """Say why the browser tests did not run, even without -rs."""
    if SKIPPED:
        terminalreporter.write_line(f"browser tests skipped ({len(SKIPPED)}): {SKIPPED[0]}", yellow=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(migrated, service_env):
    """``http://127.0.0.1:<port>``: gunicorn serving wsgi:app on the test database and Redis."""
    _require_browser()
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "live-server.log"
    log = open(log_path, "w")  # noqa: SIM115 - open for the server's whole life
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "60",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=service_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError("the test server exited: " + log_path.read_text()[-3000:])
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the test server did not answer /healthz within 60 s")
        time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(app, live_server, browser):
    """A fresh browser context (no cookies) on the live server; ``site.shot(name)`` saves a screenshot."""
    from hotline.extensions import db

    class Site:
        url = live_server

        def __init__(self):
            self.contexts = []

        def page(self, width: int = 1280, height: int = 900, locale: str = "zh-CN"):
            db.session.commit()  # nothing of the test's own left open while the server works
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale=locale, base_url=live_server
            )
            context.set_default_timeout(15000)
            self.contexts.append(context)
            return context.new_page()

        @staticmethod
        def shot(page, name: str) -> Path:
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / f"{name}.png"
            page.screenshot(path=str(path), full_page=True)
            return path

        @staticmethod
        def sign_in(page, username: str, password: str = "secret-pw-long") -> None:
            page.goto("/login")
            page.get_by_label("用户名").fill(username)
            page.get_by_label("密码").fill(password)
            page.get_by_role("button", name="登录").click()
            page.wait_for_load_state()

    site = Site()
    yield site
    for context in site.contexts:
        context.close()
    db.session.remove()
