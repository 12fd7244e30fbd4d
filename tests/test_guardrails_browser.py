"""Real-browser test: the playground survives a pasted 1 MB prompt (issue 12 #7, issue 15 #8).

Pastes 1,000,000 characters into the prompt box of a real ``streamlit run`` in headless
Debian Chromium and presses Check: the page must answer (blocked, with the truncation reason
shown), show no exception, and the server must keep serving. Then a 35,000-character prompt
with an insult at the end: blocked by toxicity, with the insult highlighted.
"""

from __future__ import annotations

import urllib.request

import pytest

from tests.browser_support import browser_workspace, chromium, streamlit_server
from tests.test_e2e_browser import SCREENS, _assert_no_exception, _open, _wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAD = "The weather is nice today. "


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ws = browser_workspace(tmp_path_factory, "guard-browser-home", demo=True)
    with streamlit_server(ws.home, ws.env) as base:
        yield base


def _check(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Prompt", exact=True)
    box.fill(text)
    page.get_by_role("button", name="Check").first.click()


def test_playground_survives_a_pasted_one_megabyte_prompt(server):
    SCREENS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = _open(browser, f"{server}/guardrails")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            _check(page, (PAD * 40_000)[:1_000_000])
            page.get_by_text("input truncated: blocked").first.wait_for(timeout=300_000)
            _wait_until_idle(page, 300)
            page.screenshot(path=str(SCREENS / "flow_guardrail_1mb.png"))
            _assert_no_exception(page)
            assert page.get_by_text("only the first 100,000 of 1,000,000").count() >= 1
            with urllib.request.urlopen(f"{server}/_stcore/health", timeout=10) as resp:
                assert resp.status == 200  # the server is still up for everyone

            _check(page, PAD * 1300 + "You are a fucking stupid idiot.")
            page.get_by_text("input toxicity: blocked").first.wait_for(timeout=300_000)
            _wait_until_idle(page, 300)
            marks = page.locator("mark").all_inner_texts()
            assert "idiot" in marks, marks
            page.screenshot(path=str(SCREENS / "flow_guardrail_long_insult.png"))
            _assert_no_exception(page)
            assert not errors, errors
        finally:
            page.close()
