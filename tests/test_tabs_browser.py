"""Real browser: after an action inside a tab, the page stays on that tab.

The user runs an audit (or an evaluation) on the page: a one-off message appears above the
report. They open the PII tab and press "Prepare anonymised CSV" (or the probes tab and
"Run probes"); the rerun drops the message, which used to move the tabs and send the user
back to the first one. The tab the user opened must still be the one shown, with the
result visible.
"""

from __future__ import annotations

import time

import pytest

from tests.browser_support import browser_workspace, chromium, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ws = browser_workspace(tmp_path_factory, "tabs-home", demo=True)
    with streamlit_server(ws.home, ws.env) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _idle(page, timeout_s: float = 120) -> None:
    busy = '[data-testid="stStatusWidget"], [data-testid="stSpinner"]'
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    quiet = None
    while time.monotonic() < deadline:
        if page.locator(busy).count():
            quiet = None
        elif quiet is None:
            quiet = time.monotonic()
        elif time.monotonic() - quiet > 1.5:
            return
        time.sleep(0.2)
    raise AssertionError("page still running")


def _selected(page, name: str) -> bool:
    return page.get_by_role("tab", name=name, exact=True).get_attribute("aria-selected") == "true"


def test_the_pii_tab_stays_open_after_prepare_anonymised_csv(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    try:
        page.goto(f"{server}/dataset_audit", wait_until="domcontentloaded")
        _idle(page)
        page.get_by_role("button", name="Run audit").click()
        page.get_by_text("Audit finished").first.wait_for(timeout=180_000)
        _idle(page)
        page.get_by_role("tab", name="PII", exact=True).click()
        _idle(page)
        assert _selected(page, "PII")
        page.get_by_role("button", name="Prepare anonymised CSV").click()
        page.get_by_text("rows redacted").first.wait_for(timeout=60_000)
        _idle(page)
        assert _selected(page, "PII") and not _selected(page, "Representation")
        assert page.get_by_text("rows redacted").first.is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()


def test_the_probe_tab_stays_open_while_probes_run_and_finish(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    try:
        page.goto(f"{server}/fairness", wait_until="domcontentloaded")
        _idle(page)
        page.get_by_role("button", name="Evaluate").click()
        page.get_by_text("Saved Evaluation #1").first.wait_for(timeout=180_000)
        _idle(page)
        page.get_by_role("tab", name="Identity-term probes", exact=True).click()
        _idle(page)
        page.get_by_role("button", name="Run probes").click()
        page.get_by_text("Probe result #1").first.wait_for(timeout=180_000)
        _idle(page)
        assert _selected(page, "Identity-term probes")
        assert not _selected(page, "Per-group metrics")
        assert page.get_by_text("Probe result #1").first.is_visible()
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
