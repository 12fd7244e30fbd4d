"""A reviewer signs a card off in a real browser (headless Debian Chromium).

Starts ``streamlit run app.py`` on a free port against a fresh workspace holding one
complete data card and one reviewer account, signs in through the page, approves the
card, then checks with the real CLI that ``card verify`` passes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.browser_support import ROOT, browser_workspace, chromium, sign_in, streamlit_server

PASSWORD = "browser-test-passphrase"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = browser_workspace(tmp_path_factory, "cards-browser-home", demo=True)
    ws.add_reviewer("alice", "Alice Martin", PASSWORD)
    made = ws.cli("card", "create", "--kind", "data", "--dataset", "1", "--json")
    assert made.returncode == 0, made.stderr
    card_id = json.loads(made.stdout)["id"]
    # fill the required fields the way a script would: load, edit, save a version
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

    with streamlit_server(ws.home, ws.env) as base:
        yield base, card_id, ws.cli


def test_reviewer_signs_off_in_the_browser(workspace):
    """Sign in, be refused by the gate, keep the comment, approve with exceptions, verify."""
    import re

    from playwright.sync_api import expect

    base, card_id, cli = workspace
    gate = json.loads(cli("card", "gate", "--id", str(card_id), "--json").stdout)
    assert gate and all(i["kind"] == "not_started" for i in gate)
    comment = "Checked in the browser: data and audit match."
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        try:
            page.goto(f"{base}/cards", wait_until="domcontentloaded")
            expect(page.get_by_role("tab", name="Sign-off")).to_be_visible(timeout=60_000)
            page.get_by_role("tab", name="Sign-off").click()
            expect(page.get_by_text("Only a signed-in reviewer can sign")).to_be_visible(
                timeout=30_000
            )

            page.get_by_label("Reviewer name").fill("alice")
            page.get_by_label("Password", exact=True).fill("wrong password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("unknown reviewer or wrong password")).to_be_visible()

            sign_in(page, "alice", PASSWORD)
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
            form = page.locator(
                '[data-testid="stForm"]', has=page.get_by_label("Comment (required)")
            )
            boxes = form.get_by_label(re.compile("^Checklist item"))
            expect(boxes).to_have_count(len(gate))
            for i in range(len(gate)):
                boxes.nth(i).fill(f"Justified in the browser, item {i + 1}.")
            page.get_by_role("button", name="Sign version 2").click()
            expect(page.get_by_text("Sign-off #1 recorded")).to_be_visible(timeout=30_000)
            expect(
                page.get_by_text(
                    f"Approved with {len(gate)} exceptions by alice on version 2"
                ).first
            ).to_be_visible()

            expect(sign_off_tab).to_have_attribute("aria-selected", "true")
            page.get_by_role("button", name="Verify integrity").click()
            expect(page.get_by_text("Intact: version 2")).to_be_visible(timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            page.close()

    verify = cli("card", "verify", "--id", str(card_id), "--json")
    assert verify.returncode == 0, verify.stdout
    report = json.loads(verify.stdout)
    assert report["reviewer"] == "alice" and report["decision"] == "approve"
    assert [e["key"] for e in report["exceptions"]] == [i["key"] for i in gate]
    md = cli("card", "render", "--id", str(card_id), "--format", "md").stdout
    assert "Justified in the browser, item 1." in md
