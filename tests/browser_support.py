"""Shared by the real-browser tests: a fresh workspace with the CLI on it, a `streamlit run`
server, Debian's Chromium, and the reviewer sign-in form."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(
    home: Path, env: dict[str, str], *, start_timeout: float = 60
) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free loopback port; yield its base URL."""
    port = free_port()
    log_path = home / "streamlit.log"
    argv = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    argv += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + start_timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("streamlit did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserWorkspace:
    """A fresh ``STEWARD_HOME`` for a ``streamlit run`` server, and the real CLI on it."""

    home: Path
    env: dict[str, str]

    def cli(
        self, *args: str, check: bool = False, timeout: float = 300, **env: str
    ) -> subprocess.CompletedProcess:
        """``python -m backend ARGS`` on this workspace (``env``: extra variables);
        ``check``: fail the test, with the command's stderr, unless it exits with 0."""
        done = subprocess.run(
            [sys.executable, "-m", "backend", *args],
            cwd=ROOT,
            env=dict(self.env, **env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            pytest.fail(
                f"`python -m backend {' '.join(args)}` exited with {done.returncode}:\n"
                + (done.stderr or done.stdout)[-3000:]
            )
        return done

    def add_reviewer(self, name: str, display_name: str, password: str) -> None:
        """A local reviewer account, made as a user makes one (``reviewer add``)."""
        self.cli(
            "reviewer",
            "add",
            name,
            "--display-name",
            display_name,
            check=True,
            STEWARD_REVIEWER_PASSWORD=password,
        )


def session_onnx_cache(tmp_path_factory) -> Path:
    """The session's one ONNX export cache (``STEWARD_ONNX_CACHE``): each process that first
    runs the guardrails in a new workspace would export MiniLM again otherwise."""
    path = tmp_path_factory.getbasetemp() / "onnx-cache"
    path.mkdir(exist_ok=True)
    return path


def browser_workspace(tmp_path_factory, name: str, *, demo: bool = False) -> BrowserWorkspace:
    """A new empty workspace (after checking Chromium is there); ``demo``: write the demo
    workspace into it with ``python -m backend demo``. Its server and CLI use the session's
    ONNX cache (module fixtures start before the test's own environment is set)."""
    require_chromium()
    home = tmp_path_factory.mktemp(name)
    env = dict(os.environ, STEWARD_HOME=str(home), STEWARD_SECRETS=str(home / "none.toml"))
    env["STEWARD_ONNX_CACHE"] = str(session_onnx_cache(tmp_path_factory))
    ws = BrowserWorkspace(home, env)
    if demo:
        ws.cli("demo", check=True)
    return ws


def sign_in(page, name: str, password: str) -> None:
    """Sign a reviewer in through the sign-in form on the page and wait until it says so."""
    from playwright.sync_api import expect

    page.get_by_label("Reviewer name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=30_000)
