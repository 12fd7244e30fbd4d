"""The Cards & sign-off page under AppTest: create, edit, checklist, sign, stale, exports."""

from __future__ import annotations

import pytest

from backend.cards import CardDocument, CardRepository, add_reviewer, build_card, card_status
from backend.datasets import ensure_demo_workspace
from tests.test_cards import complete, seed_records

PAGE = "pages/cards.py"
PASSWORD = "page-test-password"


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
    _button(at, "Create card").click().run()
    assert not at.exception
    assert CardRepository(store).count() == 1
    assert any("created" in s.value for s in at.success)


def test_create_model_card_from_records_and_edit_it(app_test, store, workspace):
    _, audit, _, run, ev = workspace
    at = app_test(PAGE).run()
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

    # saving without a change creates nothing
    _button(at, "Save as new version").click().run()
    assert repo.latest_version(card.id).version == 2
    assert any("No changes" in s.value for s in at.success)


def test_data_card_checklist_status_and_evidence(app_test, store, workspace):
    ds, audit, *_ = workspace
    at = app_test(PAGE)
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


def test_sign_in_sign_off_and_stale_after_edit(app_test, store, workspace):
    _, audit, *_ = workspace
    add_reviewer("alice", PASSWORD)
    repo = CardRepository(store)
    saved = repo.create(complete(build_card(store, "data", audit=audit)))
    at = app_test(PAGE).run()
    assert any("Only a signed-in reviewer can sign" in i.value for i in at.info)

    name = next(t for t in at.text_input if t.label == "Reviewer name")
    pw = next(t for t in at.text_input if t.label == "Password")
    name.input("alice")
    pw.input("wrong password")
    _button(at, "Sign in").click().run()
    assert any("unknown reviewer or wrong password" in e for e in _errors(at))
    assert not [b for b in at.button if b.label.startswith("Sign version")]

    next(t for t in at.text_input if t.label == "Password").input(PASSWORD)
    _button(at, "Sign in").click().run()
    assert any("Signed in as" in s.value for s in at.success)
    at.radio[0].set_value("approve")
    next(t for t in at.text_area if t.label == "Comment (required)").input("All good.")
    _button(at, "Sign version 1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert card_status(store, saved.card_id).state == "approved"
    (so,) = repo.signoffs(saved.card_id)
    assert so.reviewer == "alice" and so.comment == "All good."

    _button(at, "Verify integrity").click().run()
    assert any("Intact" in s.value for s in at.success)

    # edit after sign-off: the page says the sign-off is stale
    at.text_area(key=f"edit-{saved.card_id}-1-potential_harms_and_mitigations-mitigations").input(
        "Filter PII before training."
    )
    _button(at, "Save as new version").click().run()
    assert card_status(store, saved.card_id).state == "stale"
    assert any("stale" in s.value for s in at.success)
    assert any("Stale" in m.value for m in at.markdown)


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
    at = app_test(PAGE).run()
    assert any("Gap too large" in m.value for m in at.markdown)
    at.text_input(key=f"cards-actor-{alert.id}").input("Reviewer Ana")
    at.text_area(key=f"cards-note-{alert.id}").input("Known gap, mitigation planned")
    _button(at, "Acknowledge").click().run()
    assert not at.exception
    assert store.get_alert(alert.id).status == "acknowledged"
    assert store.alert_events(alert.id)[-1].actor == "Reviewer Ana"


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
