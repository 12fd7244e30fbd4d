"""Real-browser end-to-end test: every page in headless Debian Chromium.

Starts ``streamlit run app.py`` on a free port against a fresh workspace with the demo
data, waits for ``/_stcore/health``, opens every page through Playwright, fails if a
page shows a Streamlit exception block, and saves one screenshot per page under
``tests/artifacts/screens/`` (git-ignored) for a person to look at. Then the user flows on
the same server and browser (one server start, one demo workspace, one model load for the
module): a reviewer signs a card off, an audit, a fairness evaluation with its probes,
guardrail checks including a pasted 1 MB prompt, and an alert acknowledged in the incident
log.

Tabs stay where the user was: after an audit (or an evaluation) a one-off message appears
above the report; the user opens the PII tab and presses "Prepare anonymised CSV" (or the
probes tab and "Run probes"); the rerun drops the message, which used to move the tabs and
send the user back to the first one. The tab the user opened must still be the one shown,
with the result visible.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.browser_support import ROOT, browser_workspace, chromium, sign_in, streamlit_server

SCREENS = ROOT / "tests" / "artifacts" / "screens"
PAGES = {
    "home": "",
    "dataset_audit": "dataset_audit",
    "finetune_monitor": "finetune_monitor",
    "fairness": "fairness",
    "guardrails": "guardrails",
    "cards": "cards",
    "alerts": "alerts",
}
_HOME: dict = {}
REVIEWER_PASSWORD = "e2e-reviewer-passphrase"
SIGNER_PASSWORD = "browser-test-passphrase"
PAD = "The weather is nice today. "

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ws = browser_workspace(tmp_path_factory, "e2e-home", demo=True)
    ws.add_reviewer("ana", "Ana", REVIEWER_PASSWORD)
    ws.add_reviewer("alice", "Alice Martin", SIGNER_PASSWORD)
    _HOME["path"] = ws.home
    _HOME["ws"] = ws
    with streamlit_server(ws.home, ws.env) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


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


def test_deep_link_on_a_fresh_server_gets_the_app_shell(server, browser):
    """The first visitor opens /fairness directly: the page must still be served through
    app.py (titled navigation, sidebar with jobs and alerts), not Streamlit's bare
    pages-folder mode. Runs first, while the server has served nobody."""
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    try:
        page.goto(f"{server}/fairness", wait_until="domcontentloaded")
        # the page's title, then quiet: on a loaded machine the first script run can start
        # after the idle check's quiet window, while the bare pages-folder sidebar shows
        page.locator("h1").first.wait_for(timeout=150_000)
        _wait_until_idle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_text("Guardrail playground").count() == 1
        assert sidebar.get_by_text("Running jobs").count() == 1
        assert page.locator("h1").first.inner_text() == "Fairness"
    finally:
        page.close()


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


def _card_to_sign(ws) -> int:
    """One data card of the demo dataset with every required field filled (version 2), made
    as a user would: ``card create``, then a script that edits and saves a version."""
    made = ws.cli("card", "create", "--kind", "data", "--dataset", "1", "--json")
    assert made.returncode == 0, made.stderr
    card_id = json.loads(made.stdout)["id"]
    fill = (
        "from backend.cards import CardRepository\n"
        "from backend.store import get_store\n"
        "repo = CardRepository(get_store())\n"
        f"doc = repo.load({card_id})\n"
        "for skey, _, spec, fld in doc.iter_fields():\n"
        "    if spec.required and not fld.value:\n"
        "        doc.set_value(skey, spec.key, 'cc-by-4.0' if spec.key == 'license' else 'Filled')\n"
        f"repo.save_version({card_id}, doc)\n"
    )
    subprocess.run([sys.executable, "-c", fill], cwd=ROOT, env=ws.env, check=True, timeout=120)
    return card_id


def test_reviewer_signs_off_in_the_browser(server, browser):
    """A reviewer signs a card off: sign in, be refused by the gate, keep the comment, approve
    with exceptions, verify; then the real CLI's ``card verify`` passes. Runs before the
    audit flow, so the card's gate lists its checklist items only (no alert yet)."""
    from playwright.sync_api import expect

    ws = _HOME["ws"]
    card_id = _card_to_sign(ws)
    gate = json.loads(ws.cli("card", "gate", "--id", str(card_id), "--json").stdout)
    assert gate and all(i["kind"] == "not_started" for i in gate)
    comment = "Checked in the browser: data and audit match."
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    try:
        page.goto(f"{server}/cards", wait_until="domcontentloaded")
        expect(page.get_by_role("tab", name="Sign-off")).to_be_visible(timeout=60_000)
        page.get_by_role("tab", name="Sign-off").click()
        expect(page.get_by_text("Only a signed-in reviewer can sign")).to_be_visible(timeout=30_000)

        page.get_by_label("Reviewer name").fill("alice")
        page.get_by_label("Password", exact=True).fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("unknown reviewer or wrong password")).to_be_visible()

        sign_in(page, "alice", SIGNER_PASSWORD)
        # the tab stays where the reviewer was
        sign_off_tab = page.get_by_role("tab", name="Sign-off")
        expect(sign_off_tab).to_have_attribute("aria-selected", "true")
        expect(page.get_by_text(f"Approval is blocked by {len(gate)} issue")).to_be_visible()

        # a plain approval is refused with the list; the typed comment survives
        page.get_by_label("Comment (required)").fill(comment)
        page.get_by_role("button", name="Sign version 2").click()
        expect(page.get_by_text("Approval refused")).to_be_visible(timeout=30_000)
        expect(page.get_by_label("Comment (required)")).to_have_value(comment)
        expect(sign_off_tab).to_have_attribute("aria-selected", "true")

        page.get_by_test_id("stRadioGroup").get_by_text("Approve with exceptions").click()
        expect(page.get_by_label("Comment (required)")).to_have_value(comment)
        form = page.locator('[data-testid="stForm"]', has=page.get_by_label("Comment (required)"))
        boxes = form.get_by_label(re.compile("^Checklist item"))
        expect(boxes).to_have_count(len(gate))
        for i in range(len(gate)):
            boxes.nth(i).fill(f"Justified in the browser, item {i + 1}.")
        page.get_by_role("button", name="Sign version 2").click()
        expect(page.get_by_text("Sign-off #1 recorded")).to_be_visible(timeout=30_000)
        expect(
            page.get_by_text(f"Approved with {len(gate)} exceptions by alice on version 2").first
        ).to_be_visible()

        expect(sign_off_tab).to_have_attribute("aria-selected", "true")
        page.get_by_role("button", name="Verify integrity").click()
        expect(page.get_by_text("Intact: version 2")).to_be_visible(timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()

    verify = ws.cli("card", "verify", "--id", str(card_id), "--json")
    assert verify.returncode == 0, verify.stdout
    report = json.loads(verify.stdout)
    assert report["reviewer"] == "alice" and report["decision"] == "approve"
    assert [e["key"] for e in report["exceptions"]] == [i["key"] for i in gate]
    md = ws.cli("card", "render", "--id", str(card_id), "--format", "md").stdout
    assert "Justified in the browser, item 1." in md


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    page.goto(url, wait_until="domcontentloaded")
    _wait_until_idle(page)
    return page


def _assert_no_exception(page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()[:2000]


def _selected(page, name: str) -> bool:
    return page.get_by_role("tab", name=name, exact=True).get_attribute("aria-selected") == "true"


def test_user_audits_the_demo_dataset_in_the_browser(server, browser):
    """Press Run audit: the background job runs, the progress ends, findings appear. Then
    the PII tab stays open after "Prepare anonymised CSV"."""
    page = _open(browser, f"{server}/dataset_audit")
    try:
        page.get_by_role("button", name="Run audit").click()
        page.get_by_text("Audit finished").first.wait_for(timeout=180_000)
        _wait_until_idle(page)
        page.get_by_text("under-represented").first.wait_for(timeout=30_000)
        page.screenshot(path=str(SCREENS / "flow_audit_findings.png"))
        _assert_no_exception(page)

        page.get_by_role("tab", name="PII", exact=True).click()
        _wait_until_idle(page)
        assert _selected(page, "PII")
        page.get_by_role("button", name="Prepare anonymised CSV").click()
        page.get_by_text("rows redacted").first.wait_for(timeout=60_000)
        _wait_until_idle(page)
        assert _selected(page, "PII") and not _selected(page, "Representation")
        assert page.get_by_text("rows redacted").first.is_visible()
        _assert_no_exception(page)
    finally:
        page.close()


def test_user_evaluates_fairness_in_the_browser(server, browser):
    """Press Evaluate: the evaluation is saved and shown with its CIs. Then the probes tab
    stays open while probes run and finish."""
    page = _open(browser, f"{server}/fairness")
    try:
        page.get_by_role("button", name="Evaluate").click()
        page.get_by_text("Saved Evaluation #1").first.wait_for(timeout=180_000)
        page.get_by_text("95 % CI").first.wait_for(timeout=60_000)
        _wait_until_idle(page)
        page.screenshot(path=str(SCREENS / "flow_fairness_findings.png"))
        _assert_no_exception(page)

        page.get_by_role("tab", name="Identity-term probes", exact=True).click()
        _wait_until_idle(page)
        page.get_by_role("button", name="Run probes").click()
        page.get_by_text("Probe result #1").first.wait_for(timeout=180_000)
        _wait_until_idle(page)
        assert _selected(page, "Identity-term probes")
        assert not _selected(page, "Per-group metrics")
        assert page.get_by_text("Probe result #1").first.is_visible()
        _assert_no_exception(page)
    finally:
        page.close()


def test_user_checks_a_prompt_in_the_guardrail_playground(server, browser):
    page = _open(browser, f"{server}/guardrails")
    try:
        page.get_by_role("button", name="Check").first.click()
        page.get_by_text("Blocked").first.wait_for(timeout=120_000)
        _wait_until_idle(page)
        page.screenshot(path=str(SCREENS / "flow_guardrail_check.png"))
        _assert_no_exception(page)
    finally:
        page.close()


def _check(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Prompt", exact=True)
    box.fill(text)
    page.get_by_role("button", name="Check").first.click()


def test_playground_survives_a_pasted_one_megabyte_prompt(server, browser):
    """Issue 12 #7, issue 15 #8: 1,000,000 pasted characters and Check: the page answers
    (blocked, with the truncation reason shown), shows no exception, and the server keeps
    serving. Then a 35,000-character prompt with an insult at the end: blocked by toxicity,
    with the insult highlighted."""
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


def test_user_acknowledges_an_audit_alert_in_the_incident_log(server, browser):
    """An audit of the demo data (meant to hold no PII) raised an alert; a reviewer finds it
    in the sidebar, opens the incident log and acknowledges it with a note."""
    from backend.audit import AuditConfig, audit_dataset
    from backend.store import Store

    store = Store(f"sqlite:///{_HOME['path'] / 'steward.db'}")
    if not any(a.metric == "dataset_pii_rows" for a in store.list_alerts()):
        (demo,) = store.list_datasets()
        audit_dataset(store, demo.id, AuditConfig(text_col="text", checks=("pii",)))
    (alert,) = [a for a in store.list_alerts() if a.metric == "dataset_pii_rows"]
    page = _open(browser, f"{server}/")
    try:
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("PII in clean data").first.wait_for(timeout=30_000)
        sidebar.get_by_text("Incident log").click()
        _wait_until_idle(page)
        assert page.locator("h1").first.inner_text() == "Alerts & incidents"
        # Other flows may have raised more alerts: pick the PII one.
        page.get_by_label("Alert", exact=True).click()
        # type to filter: the dropdown only draws the options in view, and the audit and
        # evaluation flows raise several alerts
        page.keyboard.type(f"#{alert.id} ·")
        page.get_by_role("option", name=f"#{alert.id} ·").click()
        _wait_until_idle(page)
        # acting needs a signed-in reviewer: the incident log records the account
        sign_in(page, "ana", REVIEWER_PASSWORD)
        _wait_until_idle(page)
        page.get_by_label("Note").fill("PII rows go to the anonymised export before training.")
        page.screenshot(path=str(SCREENS / "flow_alert_incident_log.png"), full_page=True)
        page.get_by_role("button", name="Acknowledge").click()
        page.get_by_text(f"Alert #{alert.id} is now acknowledged").wait_for(timeout=30_000)
        _wait_until_idle(page)
        page.screenshot(path=str(SCREENS / "flow_alert_acknowledged.png"), full_page=True)
        _assert_no_exception(page)
        assert store.get_alert(alert.id).status == "acknowledged"
        assert store.alert_events(alert.id)[-1].actor == "ana"
    finally:
        page.close()
