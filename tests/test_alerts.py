"""Alerts: thresholds -> alert records -> notifiers (log, webhook, e-mail)."""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from backend.alerts import (
    AlertService,
    EmailNotifier,
    LogNotifier,
    Threshold,
    WebhookNotifier,
    default_thresholds,
    deliveries,
    evaluate_thresholds,
    metrics_from_audit,
    metrics_from_evaluation,
    notifiers_from_settings,
)
from backend.config import get_settings
from backend.errors import ConfigError

# -- local servers -------------------------------------------------------------------------


@pytest.fixture
def webhook():
    """An HTTP server on 127.0.0.1 that records POSTed JSON; ``status`` sets its answer."""
    received: list[dict] = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(
                {
                    "body": json.loads(self.rfile.read(length)),
                    "content_type": self.headers["Content-Type"],
                    "auth": self.headers.get("Authorization"),
                }
            )
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, state
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_server():
    """A minimal SMTP server on 127.0.0.1 that keeps each message's envelope and data."""
    messages: list[dict] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            msg = {"rcpt": [], "data": ""}
            self.wfile.write(b"220 localhost test SMTP\r\n")
            while True:
                line = self.rfile.readline().decode()
                if not line:
                    return
                cmd = line.strip().upper()
                if cmd.startswith(("EHLO", "HELO")):
                    self.wfile.write(b"250 localhost\r\n")
                elif cmd.startswith("MAIL FROM"):
                    msg["from"] = line.split(":", 1)[1].strip()
                    self.wfile.write(b"250 OK\r\n")
                elif cmd.startswith("RCPT TO"):
                    msg["rcpt"].append(line.split(":", 1)[1].strip())
                    self.wfile.write(b"250 OK\r\n")
                elif cmd == "DATA":
                    self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    lines = []
                    while (data := self.rfile.readline().decode()) not in (".\r\n", ""):
                        lines.append(data)
                    msg["data"] = "".join(lines)
                    messages.append(msg)
                    msg = {"rcpt": [], "data": ""}
                    self.wfile.write(b"250 OK queued\r\n")
                elif cmd == "QUIT":
                    self.wfile.write(b"221 Bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 OK\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], messages
    server.shutdown()
    server.server_close()


def _secrets(tmp_path, monkeypatch, text: str) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(text)
    monkeypatch.setenv("STEWARD_SECRETS", str(path))
    get_settings.cache_clear()


# -- thresholds ----------------------------------------------------------------------------


def test_thresholds_above_below_and_critical():
    ths = [
        Threshold("gap", 0.1, "fairness", critical_limit=0.3),
        Threshold("share", 0.05, "audit", direction="below"),
    ]
    assert evaluate_thresholds({"gap": 0.05, "share": 0.2}, ths) == []
    drafts = evaluate_thresholds({"gap": 0.2, "share": 0.01}, ths, source_kind="evaluation")
    assert [(d.metric, d.severity) for d in drafts] == [("gap", "warning"), ("share", "warning")]
    assert "above the threshold 0.1" in drafts[0].message
    assert evaluate_thresholds({"gap": 0.5}, ths)[0].severity == "critical"
    # missing, non-numeric, NaN and booleans never raise or alert
    assert evaluate_thresholds({"gap": "x", "share": None}, ths) == []
    assert evaluate_thresholds({"gap": float("nan"), "share": True}, ths) == []


def test_metrics_from_records():
    ev = {"disparities": {"selection_rate": {"difference": 0.2}, "tpr": {"difference": -0.3}}}
    assert metrics_from_evaluation(ev) == {
        "selection_rate.difference": 0.2,
        "tpr.difference": 0.3,
        "max_disparity_difference": 0.3,
    }
    audit = {
        "pii": {"rows_with_pii": 12},
        "toxicity": {"share_above_threshold": 0.2},
        "representation": {"g": {"a": {"share": 0.97}, "b": {"share": 0.03}}},
    }
    assert metrics_from_audit(audit) == {
        "pii.rows_with_pii": 12.0,
        "toxicity.share_above_threshold": 0.2,
        "representation.min_share": 0.03,
    }
    assert metrics_from_audit({"pii": "?"}) == {} and metrics_from_evaluation({}) == {}


def test_default_thresholds_follow_settings(monkeypatch):
    monkeypatch.setenv("STEWARD_DISPARITY_THRESHOLD", "0.05")
    get_settings.cache_clear()
    gap = next(t for t in default_thresholds() if t.metric == "max_disparity_difference")
    assert gap.limit == 0.05 and gap.critical_limit == 0.1


# -- alert records and notifiers -----------------------------------------------------------


def test_breaches_become_alert_records_and_log_lines(store, settings):
    log_path = settings.logs_dir / "alerts.jsonl"
    service = AlertService(store, notifiers=[LogNotifier(log_path)])
    ev = store.save_artifact(
        kind="evaluation", content={"disparities": {"selection_rate": {"difference": 0.4}}}
    )
    raised = service.check_evaluation(ev)
    (alert,) = raised.alerts
    assert alert.kind == "fairness" and alert.severity == "critical"  # 0.4 > 2 × 0.15
    assert alert.source_kind == "evaluation" and alert.source_id == ev.id
    assert store.list_alerts()[0].id == alert.id
    lines = [json.loads(x) for x in log_path.read_text().splitlines()]
    assert lines[0]["id"] == alert.id and "evaluation #" in lines[0]["message"]
    assert raised.deliveries[0].ok
    # the same open alert is not raised twice; once acknowledged it can come back
    again = service.check_evaluation(ev)
    assert again.alerts == [] and again.skipped_duplicates == 1
    store.acknowledge_alert(alert.id)
    assert len(service.check_evaluation(ev).alerts) == 1


def test_audit_alerts(store):
    audit = store.save_artifact(
        kind="audit",
        content={
            "pii": {"rows_with_pii": 3},
            "toxicity": {"share_above_threshold": 0.01},
            "representation": {"gender": {"a": {"share": 0.98}, "b": {"share": 0.02}}},
        },
    )
    raised = AlertService(store, notifiers=[]).check_audit(audit)
    assert sorted(a.metric for a in raised.alerts) == [
        "pii.rows_with_pii",
        "representation.min_share",
    ]


def test_webhook_notifier_posts_json(store, webhook):
    url, received, _ = webhook
    notifier = WebhookNotifier(url, headers={"Authorization": "Bearer t0ken"})
    service = AlertService(store, notifiers=[notifier])
    raised = service.check({"gap": 0.5}, thresholds=[Threshold("gap", 0.1, "fairness")])
    assert raised.deliveries[0].ok
    (req,) = received
    assert req["content_type"] == "application/json" and req["auth"] == "Bearer t0ken"
    assert req["body"]["metric"] == "gap" and req["body"]["value"] == 0.5
    assert req["body"]["text"].startswith("[Steward warning]")


def test_failing_notifier_keeps_the_alert_and_reports(store, webhook):
    url, received, state = webhook
    state["status"] = 500
    dead = WebhookNotifier("http://127.0.0.1:9/nothing-listens", timeout_s=2)
    log = LogNotifier()
    service = AlertService(store, notifiers=[WebhookNotifier(url), dead, log])
    raised = service.check({"gap": 1}, thresholds=[Threshold("gap", 0.1, "training")])
    assert len(store.list_alerts()) == 1
    results = {d.notifier: d for d in raised.deliveries}
    assert [d.ok for d in raised.deliveries] == [False, False, True]
    assert "HTTP 500" in raised.deliveries[0].error
    assert "unreachable" in raised.deliveries[1].error
    assert results["log"].ok and len(received) == 1


def test_email_notifier_sends_through_smtp(store, smtp_server):
    port, messages = smtp_server
    notifier = EmailNotifier(
        host="127.0.0.1", port=port, sender="steward@example.org", recipients=["oncall@example.org"]
    )
    raised = AlertService(store, notifiers=[notifier]).check(
        {"gap": 0.7}, thresholds=[Threshold("gap", 0.1, "fairness")], source_label="evaluation #3"
    )
    assert raised.deliveries[0].ok, raised.deliveries
    (msg,) = messages
    assert msg["rcpt"] == ["<oncall@example.org>"]
    parsed = email.message_from_string(msg["data"], policy=email.policy.default)
    assert parsed["Subject"].strip().startswith("[Steward warning] gap in evaluation #3 is 0.7")
    assert parsed["To"] == "oncall@example.org"
    assert "metric: gap" in parsed.get_content()


def test_min_severity_filters_notifications(store, webhook):
    url, received, _ = webhook
    service = AlertService(store, notifiers=[WebhookNotifier(url)], min_severity="critical")
    service.check({"gap": 0.2}, thresholds=[Threshold("gap", 0.1, "fairness")])
    assert received == [] and len(store.list_alerts()) == 1  # stored, not sent


def test_notifiers_come_from_secrets(tmp_path, monkeypatch, webhook, smtp_server, store):
    url, received, _ = webhook
    port, messages = smtp_server
    _secrets(
        tmp_path,
        monkeypatch,
        f"""
[steward.alerts]
webhook_url = "{url}"
email_to = "oncall@example.org"
email_from = "steward@example.org"
smtp_host = "127.0.0.1"
smtp_port = {port}
""",
    )
    names = [n.name for n in notifiers_from_settings()]
    assert names == ["log", "webhook", "email"]
    AlertService(store).check({"gap": 0.3}, thresholds=[Threshold("gap", 0.1, "fairness")])
    assert len(received) == 1 and len(messages) == 1
    assert (get_settings().logs_dir / "alerts.jsonl").is_file()


def test_default_is_the_log_notifier_only(settings):
    assert [n.name for n in notifiers_from_settings(settings)] == ["log"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[steward.alerts]\nwebhook_url = "file:///etc/passwd"\n', "http:// or https://"),
        ('[steward.alerts]\nemail_to = "a@b.c"\n', "smtp_host and email_from"),
    ],
)
def test_bad_alert_config_is_explained(tmp_path, monkeypatch, toml, message):
    _secrets(tmp_path, monkeypatch, toml)
    with pytest.raises(ConfigError, match=message):
        notifiers_from_settings()


def test_alerts_stored_elsewhere_are_dispatched_once(store, webhook):
    url, received, _ = webhook
    direct = store.add_alert(
        kind="fairness", message="stored by another module", severity="warning"
    )
    info = store.add_alert(kind="audit", message="just so you know", severity="info")
    service = AlertService(store, notifiers=[WebhookNotifier(url)], min_severity="warning")
    assert [a.id for a in service.pending()] == [direct.id]
    sent = service.dispatch_pending()
    assert [(d.alert_id, d.ok) for d in sent] == [(direct.id, True)]
    assert [r["body"]["message"] for r in received] == ["stored by another module"]
    assert service.dispatch_pending() == [] and len(received) == 1  # never twice
    (attempt,) = deliveries(store, direct.id)
    assert attempt.notifier == "webhook" and attempt.ok
    assert deliveries(store, info.id) == []


def test_failed_delivery_is_recorded_with_its_error(store):
    alert = store.add_alert(kind="training", message="loss diverged", severity="critical")
    service = AlertService(store, notifiers=[WebhookNotifier("http://127.0.0.1:9/x", timeout_s=2)])
    service.dispatch_pending()
    (attempt,) = deliveries(store, alert.id)
    assert not attempt.ok and "unreachable" in attempt.error
