"""Real-browser end-to-end test: every page in headless Debian Chromium.

Starts ``streamlit run app.py`` on a free port against a fresh workspace with the demo
data, waits for ``/_stcore/health``, opens every page through Playwright, fails if a
page shows a Streamlit exception block, and saves one screenshot per page under
``tests/artifacts/screens/`` (git-ignored) for a person to look at.
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

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ROOT / "tests" / "artifacts" / "screens"
CHROMIUM = "/usr/bin/chromium"
PAGES = {
    "home": "",
    "dataset_audit": "dataset_audit",
    "finetune_monitor": "finetune_monitor",
    "fairness": "fairness",
    "guardrails": "guardrails",
    "cards": "cards",
}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    home = tmp_path_factory.mktemp("e2e-home")
    env = dict(os.environ, STEWARD_HOME=str(home), STEWARD_SECRETS=str(home / "none.toml"))
    subprocess.run([sys.executable, "-m", "backend", "demo"], env=env, check=True, cwd=ROOT)
    port = _free_port()
    log = open(home / "streamlit.log", "wb")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("streamlit did not start:\n" + (home / "streamlit.log").read_text()[-3000:])
        time.sleep(0.3)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def _wait_until_idle(page, timeout_s: float = 150) -> None:
    """Wait until the script run is over: Streamlit's "Running" status widget has come and
    gone, and no spinner or skeleton is left on the page."""
    busy = (
        '[data-testid="stStatusWidget"], [data-testid="stSpinner"], [data-testid="stAppSkeleton"]'
    )
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_s * 1000)
    started = time.monotonic()
    deadline = started + timeout_s
    seen_busy = False
    quiet_since = None
    while time.monotonic() < deadline:
        if page.locator(busy).count() > 0:
            seen_busy, quiet_since = True, None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > (1.0 if seen_busy else 4.0):
            return
        time.sleep(0.2)
    raise AssertionError(f"page still running after {timeout_s:.0f} s")


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_real_browser(server, browser, name):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{server}/{PAGES[name]}", wait_until="domcontentloaded")
        _wait_until_idle(page)
        page.screenshot(path=str(SCREENS / f"{name}.png"))
        exceptions = page.locator('[data-testid="stException"]')
        assert exceptions.count() == 0, exceptions.first.inner_text()[:2000]
        assert page.locator("h1").count() >= 1
        assert not errors, errors
    finally:
        page.close()
