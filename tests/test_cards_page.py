"""The Cards & sign-off page under AppTest: create, edit, checklist, sign, stale, exports."""

from __future__ import annotations

import pytest

from backend.cards import (
    CardDocument,
    CardRepository,
    add_reviewer,
    authenticate,
    build_card,
    card_status,
    verify_card,
)
from backend.datasets import ensure_demo_workspace
from components.sign_in import SESSION_KEY
from tests.test_cards import complete, seed_records

PAGE = "pages/cards.py"
PASSWORD = "page-test-password"


def _as_reviewer(at, name="rita"):
    """An AppTest whose browser session already signed in (the form is tested below)."""
    add_reviewer(name, PASSWORD)
    at.session_state[SESSION_KEY] = authenticate(name, PASSWORD)
    return at


def _button(at, label):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}: {[b.label for b in at.button]}"
    return matches[0]


def _errors(at):
    return [e.value for e in at.error]


@pytest.fixture
def workspace(store, settings):
    ensure_demo_workspace(store, settings)
    return seed_records(store)


def test_empty_workspace_offers_to_create_a_card(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Cards & sign-off"
    assert any("No cards yet" in i.value for i in at.info)
    assert _button(at, "Create card").disabled  # nobody signed in
    at = _as_reviewer(app_test(PAGE)).run()
    _button(at, "Create card").click().run()
    assert not at.exception
    assert CardRepository(store).count() == 1
    assert any("created" in s.value for s in at.success)
    (card,) = CardRepository(store).list_cards()
    assert card.created_by == "rita"
    assert CardRepository(store).versions(card.id)[0].author == "rita"


def test_create_model_card_from_records_and_edit_it(app_test, store, workspace):
    _, audit, _, run, ev = workspace
    at = _as_reviewer(app_test(PAGE)).run()
    at.selectbox(key="new-run").select(run)
    at.selectbox(key="new-eval").select(ev)
    _button(at, "Create card").click().run()
    assert not at.exception, [e.value for e in at.exception]
    repo = CardRepository(store)
    (card,) = repo.list_cards()
    doc = repo.load(card.id)
    assert doc.get_field("environmental_impact", "co2_eq_emissions_g").source.id == run.id
    # auto-filled fields are marked in the editor with their source
    captions = " ".join(c.value for c in at.caption)
    assert "Run #1 · fine-tune" in captions and "auto-filled from" in captions
    assert any("Required before export" in w.value for w in at.warning)

    at.text_area(key=f"edit-{card.id}-1-model_details-summary").input("<b>Classifier</b>")
    _button(at, "Save as new version").click().run()
    assert not at.exception
    assert repo.latest_version(card.id).version == 2
    assert repo.load(card.id).get_field("model_details", "summary").value == "<b>Classifier</b>"
    assert any("Saved version 2" in s.value for s in at.success)
    assert repo.latest_version(card.id).author == "rita"  # never "dashboard"

    # saving without a change creates nothing
    _button(at, "Save as new version").click().run()
    assert repo.latest_version(card.id).version == 2
    assert any("No changes" in s.value for s in at.success)


def test_data_card_checklist_status_and_evidence(app_test, store, workspace):
    ds, audit, *_ = workspace
    at = _as_reviewer(app_test(PAGE))
    at.session_state["new-card-kind"] = "data"
    at.run()
    at.selectbox(key="new-audit").select(audit)
    _button(at, "Create card").click().run()
    assert not at.exception
    repo = CardRepository(store)
    (card,) = repo.list_cards()
    assert repo.load(card.id).kind == "data"
    key = f"chk-{card.id}-1"
    at.selectbox(key=f"{key}-ethical_review-status").select("complete")
    at.text_area(key=f"{key}-ethical_review-notes").input("Board review 2026-11-20")
    at.multiselect(key=f"{key}-ethical_review-evidence").select(f"audit:{audit.id}")
    _button(at, "Save checklist as new version").click().run()
    assert not at.exception
    item = repo.load(card.id).checklist_item("ethical_review")
    assert item.status == "complete" and not item.auto
    assert [e.key for e in item.evidence] == [f"audit:{audit.id}"]
    assert item.notes == "Board review 2026-11-20"


def test_sign_in_gate_exceptions_and_stale_after_edit(app_test, store, workspace):
    _, audit, *_ = workspace
    add_reviewer("alice", PASSWORD, display_name="Alice Martin")
    repo = CardRepository(store)
    doc = complete(build_card(store, "data", audit=audit), checklist=False)
    saved = repo.create(doc, author="alice")
    at = app_test(PAGE).run()
    assert any("Only a signed-in reviewer can sign" in i.value for i in at.info)
    assert _button(at, "Save as new version").disabled

    at.text_input(key="cards-reviewer-name").input("alice")
    at.text_input(key="cards-reviewer-password").input("wrong password")
    _button(at, "Sign in").click().run()
    assert any("unknown reviewer or wrong password" in e for e in _errors(at))
    assert not [b for b in at.button if b.label.startswith("Sign version")]

    at.text_input(key="cards-reviewer-password").input(PASSWORD)
    _button(at, "Sign in").click().run()
    assert any("Signed in as **Alice Martin**" in m.value for m in at.markdown)
    # the gate lists what blocks approval: here the checklist items still "Not started"
    gate = next(w.value for w in at.warning if "Approval is blocked" in w.value)
    assert "Not started" in gate
    n_issues = gate.count("\n- ")

    comment = f"signoff-comment-{saved.card_id}"
    at.radio(key=f"signoff-decision-{saved.card_id}").set_value("approve")
    at.text_area(key=comment).input("Checked the audit and the data.")
    _button(at, "Sign version 1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Approval refused" in e and "Approve with exceptions" in e for e in _errors(at))
    assert card_status(store, saved.card_id).state == "unsigned"
    assert at.text_area(key=comment).value == "Checked the audit and the data."  # kept
    assert not [t for t in at.text_area if t.key.startswith(f"signoff-why-{saved.card_id}-")]

    # with exceptions, but one justification missing: refused, and what was typed stays
    at.radio(key=f"signoff-decision-{saved.card_id}").set_value("approve_with_exceptions").run()
    assert at.text_area(key=comment).value == "Checked the audit and the data."
    whys = [t for t in at.text_area if t.key.startswith(f"signoff-why-{saved.card_id}-")]
    assert len(whys) == n_issues
    for t in whys[1:]:
        t.input("Out of scope for a synthetic demo dataset.")
    _button(at, "Sign version 1").click().run()
    assert any("write a justification" in e for e in _errors(at))
    assert not any("[checklist:" in e for e in _errors(at))  # plain words, no raw keys
    assert at.text_area(key=comment).value == "Checked the audit and the data."
    whys = [t for t in at.text_area if t.key.startswith(f"signoff-why-{saved.card_id}-")]
    assert whys[1].value == "Out of scope for a synthetic demo dataset."
    whys[0].input("The board reviews this item next week.")
    _button(at, "Sign version 1").click().run()
    assert not at.exception
    assert any(f"with {n_issues} exception(s)" in s.value for s in at.success)
    (so,) = repo.signoffs(saved.card_id)
    assert so.reviewer == "alice" and so.comment == "Checked the audit and the data."
    assert len(so.exceptions) == n_issues
    assert at.text_area(key=comment).value == ""  # cleared after a recorded sign-off
    assert card_status(store, saved.card_id).state == "approved"
    assert verify_card(store, saved.card_id).ok

    _button(at, "Verify integrity").click().run()
    assert any("Intact" in s.value and "justified exception" in s.value for s in at.success)

    # edit after sign-off: the page says the sign-off is stale; the version is alice's
    at.text_area(key=f"edit-{saved.card_id}-1-potential_harms_and_mitigations-mitigations").input(
        "Filter PII before training."
    )
    _button(at, "Save as new version").click().run()
    assert card_status(store, saved.card_id).state == "stale"
    assert repo.latest_version(saved.card_id).author == "alice"
    assert any("stale" in s.value for s in at.success)
    assert any("Stale" in m.value for m in at.markdown)


def test_reject_needs_no_justification(app_test, store, workspace):
    repo = CardRepository(store)
    saved = repo.create(CardDocument.new("data", "empty"))
    at = _as_reviewer(app_test(PAGE)).run()
    at.radio(key=f"signoff-decision-{saved.card_id}").set_value("reject")
    at.text_area(key=f"signoff-comment-{saved.card_id}").input("Nothing filled in yet.")
    _button(at, "Sign version 1").click().run()
    assert not at.exception
    assert card_status(store, saved.card_id).state == "rejected"


def test_open_high_alert_on_a_cited_audit_blocks_approval(app_test, store, workspace):
    _, audit, *_ = workspace
    repo = CardRepository(store)
    saved = repo.create(complete(build_card(store, "data", audit=audit)))
    alert = store.add_alert(
        kind="audit", message="PII in 12 rows", severity="high", source_kind="audit",
        source_id=audit.id, source_label=f"audit #{audit.id}",
    )  # fmt: skip
    at = _as_reviewer(app_test(PAGE)).run()
    gate = next(w.value for w in at.warning if "Approval is blocked by 1 issue" in w.value)
    assert f"alert #{alert.id}" in gate and "PII in 12 rows" in gate
    at.text_area(key=f"signoff-comment-{saved.card_id}").input("ok")
    _button(at, "Sign version 1").click().run()
    assert any("Approval refused" in e for e in _errors(at))
    # resolving the alert (signed in: recorded under the account) lifts the block
    store.set_alert_status(alert.id, "resolved", actor="rita", note="masked")
    at.run()
    assert any("Nothing blocks approval" in s.value for s in at.success)
    _button(at, "Sign version 1").click().run()
    assert card_status(store, saved.card_id).state == "approved"


def test_sign_in_is_rate_limited_on_the_page(app_test, store, workspace):
    add_reviewer("alice", PASSWORD)
    CardRepository(store).create(CardDocument.new("data", "d"))
    at = app_test(PAGE).run()
    for _ in range(5):
        at.text_input(key="cards-reviewer-name").input("alice")
        at.text_input(key="cards-reviewer-password").input("guess-guess")
        _button(at, "Sign in").click().run()
    at.text_input(key="cards-reviewer-password").input(PASSWORD)  # right, but locked
    _button(at, "Sign in").click().run()
    assert any("Too many failed sign-ins for 'alice'" in e for e in _errors(at))
    assert not any("Signed in as" in m.value for m in at.markdown)


def test_exports_and_versions_render(app_test, store, workspace):
    _, audit, *_ = workspace
    repo = CardRepository(store)
    saved = repo.create(complete(build_card(store, "data", audit=audit), license="cc-by-4.0"))
    doc = repo.load(saved.card_id)
    doc.set_value("citation", "text", "Cite us")
    repo.save_version(saved.card_id, doc)
    at = app_test(PAGE).run()
    assert not at.exception
    assert any("Every required field is filled in" in s.value for s in at.success)
    assert any("1 field differs between v1 and v2" in c.value for c in at.caption)
    codes = " ".join(c.value for c in at.code)
    assert "Cite us" in codes and "pretty_name: Comments" in codes  # diff + Markdown preview


def test_invalid_license_disables_markdown_export(app_test, store, workspace):
    repo = CardRepository(store)
    doc = complete(CardDocument.new("model", "m"), license="my-license")
    repo.create(doc)
    at = app_test(PAGE).run()
    assert not at.exception
    assert any("not a Hugging Face license id" in e for e in _errors(at))
    md = next(b for b in at.button if b.label == "Markdown + HF metadata")
    assert md.disabled


def test_open_alerts_can_be_acknowledged_with_a_note(app_test, store, workspace):
    CardRepository(store).create(CardDocument.new("model", "m"))
    alert = store.add_alert(kind="fairness", message="Gap too large", severity="medium")
    at = _as_reviewer(app_test(PAGE), "ana").run()
    assert any("Gap too large" in m.value for m in at.markdown)
    assert not [t for t in at.text_input if t.label == "Your name"]
    at.text_area(key=f"cards-note-{alert.id}").input("Known gap, mitigation planned")
    _button(at, "Acknowledge").click().run()
    assert not at.exception
    assert store.get_alert(alert.id).status == "acknowledged"
    assert store.alert_events(alert.id)[-1].actor == "ana"


def test_pending_alerts_can_be_sent_from_the_page(app_test, store, workspace, settings):
    CardRepository(store).create(CardDocument.new("model", "m"))
    alert = store.add_alert(kind="audit", message="PII in 12 rows", severity="medium")
    at = app_test(PAGE).run()
    assert any(m.label == "Not sent yet" and m.value == "1" for m in at.metric)
    _button(at, "Send 1 pending").click().run()
    assert not at.exception
    assert any("Sent 1 notification." in s.value for s in at.success)
    assert "PII in 12 rows" in (settings.logs_dir / "alerts.jsonl").read_text()
    assert store.list_alerts()[0].id == alert.id  # still open until acknowledged


def test_single_sign_on_configuration_is_detected(app_test, store, workspace):
    """OIDC cannot log in for real offline: check the page reads [auth] and says what is
    missing, and offers the single sign-on button once it is complete."""
    CardRepository(store).create(CardDocument.new("data", "d"))
    at = app_test(PAGE)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback"}
    at.run()
    assert not at.exception
    assert any("lacks" in e and "`client_id`" in e for e in _errors(at))
    assert not [b for b in at.button if b.label == "Sign in with single sign-on"]
    at = app_test(PAGE)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "steward",
        "client_secret": "secret",
        "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    assert _button(at, "Sign in with single sign-on")
    # with no local account, the form is still offered because SSO is configured
    assert any(t.label == "Reviewer name" for t in at.text_input)
