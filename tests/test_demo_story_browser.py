"""The guided demo in a real browser (headless Debian Chromium), from an empty workspace.

The story runs once in the suite (it takes most of a minute of both cores): ``python -m
backend demo --story --json`` starts it on the server's workspace, and Home, opened while
it runs, shows one progress bar until it finishes; the command's output and every record
it made are then checked as tests/test_demo_story.py describes. The user opens each step's
result from Home: the audit, the fine-tune that learns, its fairness evaluation, the
red-team result and the model card. On the way, Enter in a number field of the fine-tune
form must not start a run. Then a reviewer signs in, approves the model card with a
justified exception per open issue, verifies it and exports it; the tab stays where the
reviewer was after each action. Last, "Run the demo story" on Home starts a second story,
whose progress bar shows until it is cancelled.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.demo_story import STORY_KIND
from tests.browser_support import ROOT, browser_workspace, chromium, sign_in, streamlit_server
from tests.test_demo_story import check_story_from_the_cli

SCREENS = ROOT / "tests" / "artifacts" / "screens"
PASSWORD = "story-browser-passphrase"
#: The story trains for real; on a busy shared 2-core machine it can take many minutes.
STORY_TIMEOUT_MS = 40 * 60 * 1000

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ws = browser_workspace(tmp_path_factory, "story-browser-home")
    ws.add_reviewer("alice", "Alice Martin", PASSWORD)
    with streamlit_server(ws.home, ws.env) as base:
        yield base, ws


def _no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0


def _open_step(page, key: str) -> None:
    page.locator(f".st-key-story-open-{key} button").click()


def _home(page) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text="Home").click()
    page.get_by_text("The demo story finished in").wait_for(timeout=60_000)


def _tab_selected(page, name: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


def _start_story_from_the_cli(ws, store) -> subprocess.Popen:
    """``python -m backend demo --story --json`` on the workspace; returns once its story
    job is running (the CLI's own output goes to files in the workspace)."""
    argv = [sys.executable, "-m", "backend", "demo", "--story", "--json"]
    with (ws.home / "story-cli.out").open("w") as out, (ws.home / "story-cli.err").open("w") as err:
        proc = subprocess.Popen(argv, cwd=ROOT, env=ws.env, stdout=out, stderr=err)
    deadline = time.monotonic() + 300
    while not [j for j in store.list_jobs(kind=STORY_KIND) if j.is_active]:
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail("the demo story did not start:\n" + _read(ws.home / "story-cli.err"))
        time.sleep(0.2)
    return proc


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-3000:]


def _stop(proc: subprocess.Popen) -> None:
    """Ctrl-C for a story CLI still running (a failed test): it cancels its story."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_guided_demo_from_home_and_every_step_on_its_page(server):
    from playwright.sync_api import expect

    from backend.store import Store

    base, ws = server
    SCREENS.mkdir(parents=True, exist_ok=True)
    # opened first, so the CLI and the server find the schema made
    store = Store(f"sqlite:///{ws.home / 'steward.db'}")
    story_cli = _start_story_from_the_cli(ws, store)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        try:
            page.goto(base, wait_until="domcontentloaded")
            # one progress bar, naming the step it is on
            main = page.get_by_test_id("stMainBlockContainer")
            expect(main.get_by_text(re.compile(r"^Step [1-5]/5: ")).first).to_be_visible(
                timeout=60_000
            )
            # one story at a time: no button while it runs
            expect(page.get_by_role("button", name="Run the demo story")).to_have_count(0)
            expect(page.get_by_text("The demo story finished in")).to_be_visible(
                timeout=STORY_TIMEOUT_MS
            )
            code = story_cli.wait(timeout=STORY_TIMEOUT_MS / 1000)
            out = json.loads((ws.home / "story-cli.out").read_text() or "{}")
            check_story_from_the_cli(store, code, out)
            _no_exception(page)
            for n in range(1, 6):
                expect(page.get_by_text(re.compile(rf"^{n}\. ")).first).to_be_visible()
            expect(page.locator(".st-key-story-open-cards button")).to_be_visible()
            page.wait_for_timeout(2000)  # the last rerun settles before the screenshot
            page.screenshot(path=str(SCREENS / "story_home.png"))

            # 1. the audit's report is the one shown
            _open_step(page, "audit")
            expect(page.get_by_role("heading", name="Dataset audit")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Audit #1").first).to_be_visible(timeout=60_000)
            _no_exception(page)
            page.screenshot(path=str(SCREENS / "story_audit.png"))

            # 2. the fine-tune, compared with the majority-class baseline, no warning
            _home(page)
            _open_step(page, "finetune")
            # Home's step summary says the same words: wait for the run page itself first
            expect(page.get_by_role("heading", name="Fine-tune monitor")).to_be_visible(
                timeout=60_000
            )
            expect(page.get_by_text("Run #1 · demo story · MiniLM LoRA").first).to_be_visible(
                timeout=60_000
            )
            expect(
                page.get_by_text(re.compile(r"for always answering '0' \(not toxic\)")).first
            ).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Does not beat guessing")).to_have_count(0)
            _no_exception(page)
            page.screenshot(path=str(SCREENS / "story_finetune.png"))

            # Enter in a number field of the form does not launch a run
            page.get_by_text("Start a fine-tune").click()
            epochs = page.get_by_label("Epochs")
            expect(epochs).to_be_visible(timeout=30_000)
            epochs.fill("2")
            epochs.press("Enter")
            page.wait_for_timeout(3000)
            expect(page.get_by_text(re.compile(r"^Started Run #2"))).to_have_count(0)
            jobs = ws.cli("jobs", "--kind", "train", "--json", check=True).stdout
            assert jobs.count('"kind": "train"') == 1, jobs

            # 3. the run's fairness evaluation is the one selected
            _home(page)
            _open_step(page, "fairness")
            expect(page.get_by_role("heading", name="Fairness")).to_be_visible(timeout=60_000)
            expect(page.get_by_role("combobox", name="Evaluation")).to_have_value(
                re.compile(r"^Evaluation #2 · .*Run #1 · demo story"), timeout=60_000
            )
            expect(
                page.get_by_text("Predictions saved by Run #1 · demo story · MiniLM LoRA")
            ).to_be_visible()
            _no_exception(page)
            page.screenshot(path=str(SCREENS / "story_fairness.png"))

            # 4. the red-team step opens the Guardrail playground
            _home(page)
            _open_step(page, "redteam")
            expect(page.get_by_role("tab", name="Red-team suite")).to_be_visible(timeout=60_000)
            _no_exception(page)

            # 5. the model card, built from all of it, red-team result cited
            _home(page)
            _open_step(page, "cards")
            expect(page.get_by_role("combobox", name="Card")).to_have_value(
                re.compile(r"^Card #1 · .*\(model card\)$"), timeout=60_000
            )
            # the card's sources name the red-team result (a hidden chip elsewhere does too)
            cited = page.locator("text=Red-team result #1 · Red-team >> visible=true").first
            expect(cited).to_be_visible(timeout=60_000)
            _no_exception(page)
            page.screenshot(path=str(SCREENS / "story_card.png"))

            review_model_card(page, ws.home)

            # Home's button starts a story too; its bar shows until it is cancelled
            _home(page)
            page.get_by_role("button", name="Run the demo story").click()
            expect(main.get_by_text(re.compile(r"^Step [1-5]/5: ")).first).to_be_visible(
                timeout=60_000
            )
            (second,) = [j for j in store.list_jobs(kind=STORY_KIND) if j.id != out["job_id"]]
            store.update_job(second.id, cancel_requested=True)  # as `Ctrl-C` on the CLI does
            expect(page.get_by_text("The demo story was cancelled.")).to_be_visible(timeout=300_000)
            _no_exception(page)
        finally:
            page.close()
            _stop(story_cli)

    report = json.loads(ws.cli("card", "verify", "--id", "1", "--json", check=True).stdout)
    assert report["decision"] == "approve" and report["reviewer"] == "alice"
    assert len(report["exceptions"]) >= 1


def review_model_card(page, home) -> None:
    """Sign in, approve the shown model card with a justification per open issue, verify
    and export it, checking after each action that the tab stays where it was."""
    from playwright.sync_api import expect

    # a reviewer signs in; the Sign-off tab stays open
    page.get_by_role("tab", name="Sign-off").click()
    sign_in(page, "alice", PASSWORD)
    _tab_selected(page, "Sign-off")
    expect(page.get_by_text(re.compile(r"Approval is blocked by \d+ issue"))).to_be_visible()

    # approve with a written justification per open issue
    page.get_by_test_id("stRadioGroup").get_by_text("Approve with exceptions").click()
    form = page.locator('[data-testid="stForm"]', has=page.get_by_label("Comment (required)"))
    form.get_by_label("Comment (required)").fill("Demo story reviewed in the browser.")
    whys = form.locator("textarea:not([aria-label='Comment (required)'])")
    # the justification boxes appear on the rerun after the decision is chosen
    expect(whys.first).to_be_visible(timeout=30_000)
    n_issues = whys.count()
    assert n_issues >= 1
    for i in range(n_issues):
        whys.nth(i).fill(f"Accepted for the demo: synthetic data, issue {i + 1}.")
    form.get_by_role("button", name=re.compile(r"^Sign version \d+")).click()
    expect(page.get_by_text(re.compile(r"Sign-off #1 recorded"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text(f"Approved with {n_issues} exceptions by alice").first).to_be_visible()
    _tab_selected(page, "Sign-off")

    # verify: still on the Sign-off tab
    page.get_by_role("button", name="Verify integrity").click()
    expect(page.get_by_text(re.compile(r"^Intact: version"))).to_be_visible(timeout=60_000)
    _tab_selected(page, "Sign-off")
    _no_exception(page)
    page.screenshot(path=str(SCREENS / "story_signoff.png"))

    # export the signed card: still on the Export tab
    page.get_by_role("tab", name="Export").click()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Markdown + HF metadata").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    _tab_selected(page, "Export")
    assert "Accepted for the demo: synthetic data, issue 1." in exported
    assert f"Approved with {n_issues} exceptions" in exported
    assert str(home) not in exported  # no absolute local path in an export
    _no_exception(page)
