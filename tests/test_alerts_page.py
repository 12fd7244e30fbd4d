"""The Alerts & incidents page (AppTest): list, filter, acknowledge / resolve with a note,
notifications, thresholds, and a broken thresholds file explained on the page."""

from __future__ import annotations

import pytest

from backend.alerts import AlertService, Observation, default_config
from backend.cards import add_reviewer

PAGE = "pages/alerts.py"
PASSWORD = "alerts-page-password"


def _signed_in(at, name="ana"):
    """Sign in through the page's reviewer form, as a person would."""
    add_reviewer(name, PASSWORD, display_name=name.title())
    at.run()
    at.text_input(key="alerts-reviewer-name").input(name)
    at.text_input(key="alerts-reviewer-password").input(PASSWORD)
    _button(at, "Sign in").click().run()
    assert any(f"Signed in as **{name.title()}**" in m.value for m in at.markdown)
    return at


def _raise(store, metric="toxicity", value=0.95, record="r1"):
    service = AlertService(store, notifiers=[], config=default_config())
    return service.check([Observation(metric, value)], record=record, source_label="run #3")


def _button(at, label):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}: {[b.label for b in at.button]}"
    return matches[0]


def test_no_alerts_says_what_raises_them(app_test, store):
    at = app_test(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Alerts & incidents"
    assert any("No open alerts" in i.value for i in at.info)


def test_acknowledge_then_resolve_with_notes(app_test, store):
    (alert,) = _raise(store).alerts
    at = app_test(PAGE).run()
    assert not at.exception
    assert any(f"#{alert.id}" in m.value and "high" in m.value for m in at.markdown)
    assert [m.value for m in at.metric if m.label == "High severity, open"] == ["1"]
    # not signed in: no free-text name, no action; the page says how to sign in
    assert not [t for t in at.text_input if t.label == "Your name"]
    assert not [b for b in at.button if b.label == "Acknowledge"]
    assert any("Sign in as a reviewer" in i.value for i in at.info)
    _signed_in(at)
    at.text_area(key=f"alerts-note-{alert.id}").input("Checking the generator")
    _button(at, "Acknowledge").click().run()
    assert not at.exception
    assert store.get_alert(alert.id).status == "acknowledged"
    assert any("is now acknowledged" in s.value for s in at.success)
    # It left the open list; the Acknowledged filter shows it with its history.
    at.segmented_control(key="alerts-filter").set_value("Acknowledged").run()
    assert any("acknowledged by **ana**: Checking the generator" in m.value for m in at.markdown)
    at.text_area(key=f"alerts-note-{alert.id}").input("Swapped the model")
    _button(at, "Resolve").click().run()
    assert store.get_alert(alert.id).status == "resolved"
    assert [e.action for e in store.alert_events(alert.id)] == [
        "raised",
        "acknowledged",
        "resolved",
    ]


def test_resolve_without_a_note_is_refused(app_test, store):
    (alert,) = _raise(store).alerts
    at = _signed_in(app_test(PAGE))
    _button(at, "Resolve").click().run()
    assert not at.exception
    assert any("Write a note" in e.value for e in at.error)
    assert store.get_alert(alert.id).status == "open"


def test_user_text_is_shown_as_text(app_test, store):
    (alert,) = _raise(store).alerts
    at = _signed_in(app_test(PAGE))
    at.text_area(key=f"alerts-note-{alert.id}").input(
        "**bold** [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    _button(at, "Acknowledge").click().run()
    at.segmented_control(key="alerts-filter").set_value("All").run()
    history = [m.value for m in at.markdown if "acknowledged by" in m.value]
    assert history and "\\*\\*bold\\*\\*" in history[0] and "<img" not in history[0]
    assert store.alert_events(alert.id)[-1].actor == "ana"


def test_first_account_help_names_the_password_variable(app_test, store):
    _raise(store)
    at = app_test(PAGE).run()
    assert not at.exception
    help_ = " ".join(i.value for i in at.info)
    assert "No reviewer account exists yet" in help_
    assert "STEWARD_REVIEWER_PASSWORD=" in help_ and "python -m backend reviewer add" in help_


def test_notifications_and_thresholds_tabs(app_test, store, settings):
    _raise(store)
    at = app_test(PAGE).run()
    assert [m.value for m in at.metric if m.label == "Not sent yet"] == ["1"]
    _button(at, "Send 1 pending").click().run()
    assert not at.exception
    assert any("Sent 1 notification." in s.value for s in at.success)
    assert (settings.logs_dir / "alerts.jsonl").exists()
    frames = [df.value for df in at.dataframe]
    thresholds = next(f for f in frames if "alerts when" in f.columns)
    row = thresholds.set_index("metric").loc["hate_speech"]
    assert row["alerts when"] == "above 0.7 score"


@pytest.mark.parametrize("page", [PAGE, "pages/home.py"])
def test_broken_thresholds_file_is_explained(app_test, store, tmp_path, monkeypatch, page):
    path = tmp_path / "alerts.yaml"
    path.write_text("thresholds:\n  toxicity: 0.8\n  violense: 0.7\n")
    monkeypatch.setenv("STEWARD_ALERTS_CONFIG", str(path))
    at = app_test(page).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("line 3" in e and "violense" in e and "default" in e for e in errors)


def test_sidebar_names_the_record_by_its_number_not_its_database_id(store):
    """One identity per record: evaluation row 4 in the database is 'Evaluation #2'."""
    from components.alert_views import _compact

    service = AlertService(store, notifiers=[], config=default_config())
    (alert,) = service.check(
        [Observation("toxicity", 0.95)],
        record="artifact:4",
        source_kind="evaluation",
        source_id=4,
        source_label="Evaluation #2 · Fairness: Run #1 · demo story",
    ).alerts
    line = _compact(alert)
    assert line.endswith("· Evaluation #2")
    assert "#4" not in line
