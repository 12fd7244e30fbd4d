"""Alerts: thresholds file, evaluation where records land, dedupe, incident log, notifiers.

Notifiers are tested against real servers on loopback: an HTTP server for the webhook and
an aiosmtpd SMTP server that requires STARTTLS (with a throwaway certificate) and login.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import sqlite3
import ssl
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from backend.alerts import (
    METRICS,
    AlertActionError,
    AlertService,
    EmailNotifier,
    LogNotifier,
    Observation,
    WebhookNotifier,
    default_config,
    deliveries,
    evaluate,
    load_config,
    notifiers_from_settings,
    parse_config,
    transition,
)
from backend.alerts.cli import alert_dict
from backend.cli import main
from backend.config import get_settings
from backend.errors import ConfigError
from backend.store import SCHEMA_VERSION, Store

# -- local servers -------------------------------------------------------------------------


@pytest.fixture
def webhook():
    """An HTTP server on 127.0.0.1 recording POSTed JSON; ``state["status"]`` is its answer."""
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


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (cert + key PEM paths)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    d = tmp_path_factory.mktemp("tls")
    cert_path, key_path = d / "cert.pem", d / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(tls_cert):
    """aiosmtpd on loopback: STARTTLS required before AUTH and MAIL; user steward/s3cret."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert_path, key_path = tls_cert
    messages: list[dict] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            messages.append(
                {
                    "from": envelope.mail_from,
                    "rcpt": list(envelope.rcpt_tos),
                    "data": envelope.content.decode("utf-8", "replace"),
                    "tls": session.ssl is not None,
                    "user": session.auth_data if session.authenticated else None,
                }
            )
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            _text(auth_data.login) == "steward" and _text(auth_data.password) == "s3cret"
        )
        return AuthResult(success=ok, handled=False, auth_data="steward" if ok else None)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    yield controller.port, messages, str(cert_path)
    controller.stop()


@pytest.fixture
def plain_smtp():
    """An SMTP server without STARTTLS (a misconfigured or downgraded relay)."""
    from aiosmtpd.controller import Controller

    got: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            got.append(envelope)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, got
    controller.stop()


def _secrets(tmp_path, monkeypatch, text: str) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(text)
    monkeypatch.setenv("STEWARD_SECRETS", str(path))
    get_settings.cache_clear()


def _service(store, notifiers=None, **kw) -> AlertService:
    kw.setdefault("backoff_s", ())
    return AlertService(store, notifiers=notifiers or [], config=default_config(), **kw)


# -- the thresholds file -------------------------------------------------------------------


def test_shipped_thresholds_are_the_seed_defaults():
    config = load_config()
    values = {name: th.value for name, th in config.thresholds.items()}
    assert values["toxicity"] == 0.8
    assert values["hate_speech"] == 0.7
    assert values["violence"] == 0.7
    assert values["bias_disparity"] == 0.15
    assert {"dataset_toxic_share", "dataset_pii_rows", "run_energy_kwh", "run_co2_kg"} <= set(
        values
    )
    assert values["dp_epsilon"] == 8.0
    assert set(values) == set(METRICS)  # every known metric has a shipped threshold


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("thresholds:\n  toxicity: 0.8\n  toxcity: 0.5\n", "line 3: unknown metric 'toxcity'"),
        ("thresholds:\n  violence: high\n", "line 2: the threshold of 'violence' must be a number"),
        ("thresholds:\n  toxicity: 1.5\n", "line 2: the threshold of 'toxicity' (score) must be"),
        ("thresholds:\n  run_energy_kwh: -1\n", "line 2: the threshold of 'run_energy_kwh'"),
        ("high_margin: 0.1\nlimits:\n  toxicity: 0.5\n", "line 2: unknown key 'limits'"),
        ("thresholds:\n  toxicity: [0.5\n", "not valid YAML"),
        ("thresholds:\n  toxicity: .nan\n", "line 2: the threshold of 'toxicity' must be a finite"),
        ("thresholds:\n  toxicity: 0.5\n  toxicity: 0.6\n", "line 3: metric 'toxicity' is listed"),
        ("thresholds:\n  dp_epsilon: {threshold: 3, margin: 1}\n", "unknown key 'margin'"),
        ("", "the file is empty"),
        ("high_margin: 0.1\n", "no `thresholds:` section"),
    ],
)
def test_bad_thresholds_file_names_the_line(tmp_path, text, message):
    path = tmp_path / "alerts.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_thresholds_file_options(tmp_path):
    config = parse_config(
        "high_margin: 0.5\nthresholds:\n  toxicity: off\n"
        "  dp_epsilon: {threshold: 3, high_margin: 2}\n  violence: 0.6\n",
        tmp_path / "a.yaml",
    )
    assert config.get("toxicity") is None and config.disabled == ("toxicity",)
    assert config.get("dp_epsilon").value == 3 and config.get("dp_epsilon").high_margin == 2
    assert config.get("violence").high_margin == 0.5 and config.get("violence").line == 5
    assert config.get("bias_disparity") is None  # not listed: not checked


def test_bad_file_from_environment_is_refused_by_the_cli(tmp_path, monkeypatch, capsys):
    path = tmp_path / "alerts.yaml"
    path.write_text("thresholds:\n  bias_disparity: 'wide'\n")
    monkeypatch.setenv("STEWARD_ALERTS_CONFIG", str(path))
    assert main(["alerts", "thresholds"]) == 2
    err = capsys.readouterr().err
    assert "line 2" in err and "bias_disparity" in err and "Traceback" not in err


# -- evaluation and severity ---------------------------------------------------------------


def test_severity_is_high_at_least_a_tenth_past_the_threshold():
    config = default_config()
    drafts = evaluate(
        [
            Observation("toxicity", 0.85),  # 0.05 past: medium
            Observation("hate_speech", 0.8),  # 0.1 past: high
            Observation("violence", 0.7),  # at the threshold: no alert
            Observation(
                "dataset_min_group_share", 0.015, context={"part": "g=x"}
            ),  # below 0.02: medium
            Observation("dp_epsilon", float("nan")),  # NaN never breaches
        ],
        config,
        record="r",
    )
    got = {d.metric: d.severity for d in drafts}
    assert got == {"toxicity": "medium", "hate_speech": "high", "dataset_min_group_share": "medium"}
    tox = next(d for d in drafts if d.metric == "toxicity")
    assert tox.value == 0.85 and tox.threshold == 0.8 and "above the threshold 0.8" in tox.message
    assert "below" in next(d for d in drafts if d.metric.startswith("dataset")).message


@pytest.mark.databases
def test_same_condition_on_same_record_raises_once_even_after_resolve(store):
    service = _service(store)
    first = service.check([Observation("run_co2_kg", 0.9)], record="run:1", source_kind="run")
    assert len(first.alerts) == 1 and first.alerts[0].severity == "high"
    transition(store, first.alerts[0].id, "resolve", note="budget raised", actor="ana")
    again = service.check([Observation("run_co2_kg", 1.2)], record="run:1", source_kind="run")
    assert again.alerts == [] and again.skipped_duplicates == 1
    other = service.check([Observation("run_co2_kg", 0.9)], record="run:2", source_kind="run")
    assert len(other.alerts) == 1


@pytest.mark.databases
def test_two_stores_on_one_database_do_not_duplicate(store):
    a, b = store, Store(store.url)
    args = {"kind": "training", "message": "m", "dedupe_key": "dp_epsilon|run:7"}
    assert a.add_alert(**args) is not None
    assert b.add_alert(**args) is None
    assert len(a.list_alerts()) == 1


def test_audit_observations_follow_the_dataset_flag():
    from types import SimpleNamespace

    from backend.audit.runner import dataset_observations

    content = {
        "toxicity": {"share_above_threshold": 0.2},
        "pii": {"rows_with_pii": 12},
        "representation": {"gender": {"f": {"share": 0.6}, "nb": {"share": 0.01}}},
    }
    clean_data = SimpleNamespace(id=3, expect_no_pii=True)
    clean = {o.metric: o for o in dataset_observations(content, clean_data)}
    assert clean["dataset_pii_rows"].value == 12
    assert clean["dataset_min_group_share"].value == 0.01
    assert clean["dataset_min_group_share"].record == "dataset:3"
    assert "gender = nb" in clean["dataset_min_group_share"].what
    relaxed = {o.metric for o in dataset_observations(content, SimpleNamespace(id=3))}
    assert "dataset_pii_rows" not in relaxed


def test_real_audit_of_the_demo_raises_pii_and_rare_group_alerts(store, settings):
    from backend.audit import AuditConfig, audit_dataset
    from backend.datasets import ensure_demo_workspace

    dataset = ensure_demo_workspace(store, settings)
    assert dataset.expect_no_pii
    config = AuditConfig(
        text_col="text",
        sensitive=["gender", "religion"],
        checks=("representation", "pii"),
    )
    artifact = audit_dataset(store, dataset.id, config)
    alerts = {a.metric: a for a in store.list_alerts()}
    assert alerts["dataset_pii_rows"].value == artifact.content["pii"]["rows_with_pii"] > 0
    assert alerts["dataset_pii_rows"].severity == "high"
    assert alerts["dataset_pii_rows"].source_kind == "audit"
    assert alerts["dataset_pii_rows"].source_id == artifact.id
    # The alert names exactly the groups the audit's findings call under-represented.
    rep = alerts["dataset_underrepresented_groups"]
    flagged = artifact.content["representation_summary"]["flagged"]
    assert rep.value == len(flagged) == 2 and "buddhist (religion)" in rep.message
    finding = next(f for f in artifact.content["findings"] if "under-represented" in f["text"])
    assert finding["text"].startswith("2 groups under-represented") and finding["severity"] == (
        "warning"
    )
    assert "religion = buddhist" in alerts["dataset_min_group_share"].message
    assert (
        "buddhist (religion: 1.6 % vs 16.7 % reference, under the 2 % alert floor)"
        in (finding["text"])
    )
    # Auditing the unchanged data again finds the same values: nothing new is raised.
    audit_dataset(store, dataset.id, config)
    assert len(store.list_alerts()) == len(alerts)


@pytest.mark.databases
def test_run_budgets_are_checked_as_metrics_land(store, settings):
    from backend.training.reporter import RunReporter

    reporter = RunReporter(store, run_name="budget test", telemetry=False)
    reporter.start(total_steps=10, examples_per_step=4)
    reporter.log(1, {"loss": 2.0, "epsilon": 3.0})
    reporter.flush()
    assert store.list_alerts() == []
    reporter.log(2, {"loss": 1.5, "epsilon": 8.4, "co2_g_cumulative": 450.0})
    reporter.flush()
    (alert,) = store.list_alerts()
    assert alert.metric == "dp_epsilon" and alert.value == 8.4 and alert.severity == "high"
    assert alert.source_kind == "run" and alert.source_id == reporter.job_id
    assert "budget test" in alert.source_label
    reporter.log(3, {"epsilon": 9.0, "co2_g_cumulative": 700.0})  # CO2 now 0.7 kg > 0.5 kg
    reporter.flush()
    metrics = sorted(a.metric for a in store.list_alerts())
    assert metrics == ["dp_epsilon", "run_co2_kg"]  # epsilon not raised a second time
    co2 = next(a for a in store.list_alerts() if a.metric == "run_co2_kg")
    assert co2.value == pytest.approx(0.7) and co2.severity == "high"
    reporter.finish({}, status="succeeded")


def test_run_metrics_the_thresholds_do_not_know_are_ignored(store):
    job = store.create_job(kind="train", name="watched")
    store.add_metrics(job.id, 1, {"loss": 99.0, "energy_kwh_cumulative": 0.2})
    assert store.list_alerts() == []
    store.add_metrics(job.id, 2, {"energy_kwh_cumulative": 1.05})
    (alert,) = store.list_alerts()
    assert alert.metric == "run_energy_kwh" and alert.severity == "medium"
    assert alert.source_kind == "run" and "watched" in alert.source_label


def test_generated_text_scores_are_heard_from_the_store(store):
    what = {"what": "Toxicity of a generated text (Detoxify (original))"}
    raised = store.observe(
        [Observation("toxicity", 0.93, "text:abc", what), Observation("violence", 0.2, "text:abc")],
        source_kind="guardrail",
        source_label="guardrail playground",
    )
    (alert,) = raised
    assert alert.metric == "toxicity" and "Detoxify (original)" in alert.message
    assert alert.source_kind == "guardrail"
    again = [Observation("toxicity", 0.95, "text:abc")]
    assert store.observe(again, source_kind="guardrail") == []


def test_producers_never_call_the_alert_service():
    """Audit, fairness, training, jobs and pages describe observations; only the alerts
    page (acknowledge / resolve) and the alerts package itself use the service."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    allowed = {"components/alert_views.py", "pages/alerts.py"}
    offenders = []
    for path in [
        *root.glob("backend/**/*.py"),
        *root.glob("components/*.py"),
        *root.glob("pages/*.py"),
    ]:
        rel = path.relative_to(root).as_posix()
        if rel.startswith("backend/alerts/") or rel in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(
            r"\bAlertService\b|\bRunWatcher\b|check_generated_output|dispatch_pending", text
        ):
            offenders.append(rel)
    assert offenders == []


# -- incident log ----------------------------------------------------------------------------


@pytest.mark.databases
def test_acknowledge_and_resolve_keep_who_what_when(store):
    alert = _service(store).check([Observation("toxicity", 0.9)], record="t").alerts[0]
    transition(store, alert.id, "ack", note="Looking at it", actor="ana")
    assert store.get_alert(alert.id).status == "acknowledged"
    assert store.list_alerts() == []  # not open any more
    transition(store, alert.id, "resolve", note="Generator swapped", actor="bo")
    done = store.get_alert(alert.id)
    assert done.status == "resolved" and done.resolved_at >= done.acknowledged_at
    history = [(e.action, e.actor, e.note) for e in store.alert_events(alert.id)]
    assert history == [
        ("raised", "steward", ""),
        ("acknowledged", "ana", "Looking at it"),
        ("resolved", "bo", "Generator swapped"),
    ]


@pytest.mark.parametrize(
    ("alert_id", "action", "note", "actor", "message"),
    [
        (None, "resolve", "  ", "ana", "Write a note"),
        (None, "ack", "fine", "", "Say who you are"),
        (999, "ack", "fine", "ana", "No alert #999"),
        (None, "close", "fine", "ana", "Unknown action"),
    ],
)
def test_bad_transitions_are_explained(store, alert_id, action, note, actor, message):
    alert = _service(store).check([Observation("toxicity", 0.9)], record="t").alerts[0]
    with pytest.raises(AlertActionError, match=message):
        transition(store, alert_id or alert.id, action, note=note, actor=actor)
    assert store.get_alert(alert.id).status == "open"


def test_resolved_alert_must_be_reopened_before_ack(store):
    alert = _service(store).check([Observation("toxicity", 0.9)], record="t").alerts[0]
    transition(store, alert.id, "resolve", note="ok", actor="a")
    with pytest.raises(AlertActionError, match="reopen it first"):
        transition(store, alert.id, "ack", note="again", actor="a")
    transition(store, alert.id, "reopen", note="came back", actor="a")
    assert store.get_alert(alert.id).status == "open"


# -- notifiers -------------------------------------------------------------------------------


def test_webhook_posts_json_and_records_delivery(store, webhook):
    url, received, _ = webhook
    service = _service(store, [WebhookNotifier(url, headers={"Authorization": "Bearer t"})])
    (alert,) = service.check([Observation("violence", 0.75)], record="t", source_label="x").alerts
    (body,) = [r["body"] for r in received]
    assert body["id"] == alert.id and body["metric"] == "violence" and body["severity"] == "medium"
    assert body["value"] == 0.75 and body["threshold"] == 0.7 and body["status"] == "open"
    assert received[0]["content_type"] == "application/json"
    assert received[0]["auth"] == "Bearer t"
    (d,) = deliveries(store, alert.id)
    assert d.ok and d.attempts == 1 and d.notifier == "webhook"


def test_failing_webhook_is_retried_recorded_and_the_alert_kept(store, webhook):
    url, received, state = webhook
    state["status"] = 503
    service = _service(store, [WebhookNotifier(url)], retries=3)
    (alert,) = service.check([Observation("toxicity", 0.9)], record="t").alerts
    assert len(received) == 3  # three real attempts reached the server
    (d,) = deliveries(store, alert.id)
    assert not d.ok and d.attempts == 3 and "HTTP 503" in d.error
    assert store.get_alert(alert.id).status == "open"
    assert [a.id for a in service.failed()] == [alert.id]
    state["status"] = 200
    (retry,) = service.retry_failed()
    assert retry.ok and service.failed() == []


def test_unreachable_webhook_is_marked_failed_with_the_reason(store):
    port = _free_port()  # nothing listens here
    service = _service(store, [WebhookNotifier(f"http://127.0.0.1:{port}/x", timeout_s=2)])
    (alert,) = service.check([Observation("toxicity", 0.9)], record="t").alerts
    (d,) = deliveries(store, alert.id)
    assert not d.ok and "unreachable" in d.error
    assert store.get_alert(alert.id) is not None


def _mail(port: int, **kw) -> EmailNotifier:
    """An e-mail notifier for the loopback servers (user steward, password s3cret)."""
    defaults = {
        "host": "127.0.0.1",
        "sender": "steward@example.org",
        "recipients": ["oncall@example.org"],
        "username": "steward",
        "password": "s3cret",
    }
    return EmailNotifier(port=port, **{**defaults, **kw})


def test_email_goes_through_starttls_and_login(store, smtp_server):
    port, messages, ca_file = smtp_server
    mail = _mail(port, ca_file=ca_file)
    service = _service(store, [mail])
    (alert,) = service.check([Observation("dp_epsilon", 12.0)], record="run:3").alerts
    (msg,) = messages
    assert msg["tls"] and msg["user"] == "steward"
    assert msg["rcpt"] == ["oncall@example.org"] and msg["from"] == "steward@example.org"
    assert "Subject: [Steward high]" in msg["data"] and "metric: dp_epsilon" in msg["data"]
    assert deliveries(store, alert.id)[0].ok


def test_email_refuses_a_server_without_starttls(store, plain_smtp):
    port, got = plain_smtp
    service = _service(store, [_mail(port)], retries=1)
    (alert,) = service.check([Observation("toxicity", 0.9)], record="t").alerts
    (d,) = deliveries(store, alert.id)
    assert not d.ok and "does not offer STARTTLS" in d.error
    assert got == []  # nothing (and no password) went out in clear text


def test_email_with_wrong_password_or_untrusted_cert_fails_clearly(store, smtp_server):
    port, messages, ca_file = smtp_server
    bad_password = _mail(port, password="nope", ca_file=ca_file)
    untrusted = _mail(port)  # the system CAs do not know the throwaway certificate
    service = _service(store, [bad_password, untrusted], retries=1)
    (alert,) = service.check([Observation("toxicity", 0.9)], record="t").alerts
    errors = [d.error for d in deliveries(store, alert.id)]
    assert "login refused" in errors[0]
    assert "TLS" in errors[1] and "CERTIFICATE_VERIFY_FAILED" in errors[1]
    assert messages == []


def test_notifiers_from_secrets_and_environment(tmp_path, monkeypatch, webhook, smtp_server):
    url, received, _ = webhook
    port, messages, ca_file = smtp_server
    _secrets(
        tmp_path,
        monkeypatch,
        f"""
[steward.alerts]
webhook_url = "{url}"
email_to = ["a@example.org"]
email_from = "steward@example.org"
smtp_host = "127.0.0.1"
smtp_port = {port}
smtp_username = "steward"
smtp_ca_file = "{ca_file}"
""",
    )
    monkeypatch.setenv("STEWARD_SMTP_PASSWORD", "s3cret")  # the password only from the env
    monkeypatch.setenv("STEWARD_ALERT_EMAIL_TO", "b@example.org, c@example.org")
    get_settings().ensure_dirs()
    names = [n.name for n in notifiers_from_settings()]
    assert names == ["log", "webhook", "email"]
    store = Store(get_settings().database_url)
    service = AlertService(store, config=default_config(), backoff_s=())
    (alert,) = service.check([Observation("toxicity", 0.99)], record="t").alerts
    assert len(received) == 1 and messages[0]["rcpt"] == ["b@example.org", "c@example.org"]
    assert all(d.ok for d in deliveries(store, alert.id))
    log_line = (get_settings().logs_dir / "alerts.jsonl").read_text().splitlines()[-1]
    assert json.loads(log_line)["id"] == alert.id


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[steward.alerts]\nwebhook_url = "ftp://x"\n', "http:// or https://"),
        ('[steward.alerts]\nemail_to = "a@b.c"\n', "needs smtp_host and email_from"),
        (
            '[steward.alerts]\nemail_to = "a@b.c"\nemail_from = "s@b.c"\nsmtp_host = "h"\n'
            'smtp_port = "x25"\n',
            "smtp_port must be a whole number",
        ),
        ("[steward]\nalerts = 3\n", "must be a table"),
    ],
)
def test_bad_notifier_settings_are_explained(tmp_path, monkeypatch, toml, message):
    _secrets(tmp_path, monkeypatch, toml)
    with pytest.raises(ConfigError, match=message):
        notifiers_from_settings()


def test_min_severity_filters_notifications(store, webhook):
    url, received, _ = webhook
    service = _service(store, [WebhookNotifier(url)], min_severity="high")
    service.check([Observation("toxicity", 0.85)], record="a")  # medium: stored, not sent
    service.check([Observation("toxicity", 0.95)], record="b")  # high: sent
    assert [r["body"]["severity"] for r in received] == ["high"]
    assert len(store.list_alerts()) == 2


@pytest.mark.databases
def test_alerts_raised_elsewhere_are_dispatched_once(store, settings):
    store.add_alert(kind="audit", message="PII in 12 rows", severity="high")
    service = _service(store, [LogNotifier(settings.logs_dir / "alerts.jsonl")])
    assert len(service.pending()) == 1
    assert [d.ok for d in service.dispatch_pending()] == [True]
    assert service.pending() == [] and service.dispatch_pending() == []


def test_background_delivery_does_not_block_and_still_records(store, webhook):
    url, received, _ = webhook
    service = _service(store, [WebhookNotifier(url)], notify="background")
    (alert,) = service.check([Observation("toxicity", 0.9)], record="t").alerts
    for _ in range(100):
        if deliveries(store, alert.id):
            break
        threading.Event().wait(0.05)
    assert deliveries(store, alert.id)[0].ok and len(received) == 1


# -- CLI ---------------------------------------------------------------------------------------


@pytest.mark.databases
def test_cli_lists_acks_and_resolves(store, capsys, monkeypatch):
    service = _service(store)
    a = service.check([Observation("toxicity", 0.9)], record="a", source_label="run #4").alerts[0]
    b = service.check([Observation("violence", 0.95)], record="b").alerts[0]
    assert main(["alerts", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [x["id"] for x in listed] == [b.id, a.id]
    keys = {"id", "metric", "value", "threshold", "severity", "status", "source"}
    assert keys <= set(listed[0]) and listed[1]["source"] == "run #4"
    assert main(["alerts", "ack", str(a.id), "--note", "on it", "--by", "ana"]) == 0
    assert f"Alert #{a.id} is now acknowledged." in capsys.readouterr().out
    monkeypatch.setenv("STEWARD_USER", "bo")
    assert main(["alerts", "resolve", str(b.id), "--note", "false alarm", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "resolved"
    assert store.alert_events(b.id)[-1].actor == "bo"
    assert main(["alerts", "--status", "acknowledged", "--json"]) == 0
    assert [x["id"] for x in json.loads(capsys.readouterr().out)] == [a.id]
    assert main(["alerts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["alerts", "show", str(a.id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(h["action"], h["actor"]) for h in shown["history"]][-1] == ("acknowledged", "ana")
    assert main(["alerts", "resolve", "999", "--note", "x"]) == 2
    assert "No alert #999" in capsys.readouterr().err


def test_cli_needs_a_note(store, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["alerts", "ack", "1"])
    assert exc.value.code == 2 and "--note" in capsys.readouterr().err


def test_alert_dict_shape(store):
    alert = _service(store).check([Observation("toxicity", 0.9)], record="t").alerts[0]
    d = alert_dict(store.get_alert(alert.id))
    assert d["created_at"].endswith("Z") and d["acknowledged_at"] is None


# -- migration of a version-1 database -------------------------------------------------------


def test_version_1_database_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE meta (key VARCHAR(64) PRIMARY KEY, value TEXT);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE datasets (id INTEGER PRIMARY KEY, name VARCHAR(200), source VARCHAR(40),
            location TEXT, format VARCHAR(20), n_rows INTEGER, columns JSON, roles JSON,
            synthetic BOOLEAN, description TEXT, created_at DATETIME);
        CREATE TABLE alerts (id INTEGER PRIMARY KEY, kind VARCHAR(40), severity VARCHAR(10),
            message TEXT, metric VARCHAR(80), value FLOAT, threshold FLOAT,
            source_kind VARCHAR(40), source_id INTEGER, created_at DATETIME,
            acknowledged_at DATETIME);
        CREATE TABLE alert_deliveries (id INTEGER PRIMARY KEY, alert_id INTEGER,
            notifier VARCHAR(40), ok BOOLEAN, error TEXT, at DATETIME);
        INSERT INTO datasets (id, name, source, location, format, n_rows, columns, roles,
            synthetic, description) VALUES (1, 'd', 'path', '/x.csv', 'csv', 3, '[]', '{}', 0, '');
        INSERT INTO alerts (id, kind, severity, message, created_at, acknowledged_at)
            VALUES (1, 'audit', 'critical', 'old seen', '2026-01-01 00:00:00',
                    '2026-01-02 00:00:00'),
                   (2, 'audit', 'warning', 'old open', '2026-01-01 00:00:00', NULL);
        INSERT INTO alert_deliveries (alert_id, notifier, ok, error, at)
            VALUES (1, 'log', 1, '', '2026-01-01 00:00:00');
        """
    )
    con.commit()
    con.close()
    store = Store(f"sqlite:///{path}")
    assert store.schema_version == SCHEMA_VERSION
    assert [
        (a.id, a.status, a.severity) for a in store.list_alerts(statuses=("open", "acknowledged"))
    ] == [
        (2, "open", "medium"),
        (1, "acknowledged", "high"),
    ]
    assert store.get_dataset(1).expect_no_pii is False
    assert deliveries(store, 1)[0].attempts == 1
    key = {"kind": "audit", "message": "m", "dedupe_key": "k"}
    assert store.add_alert(**key) is not None and store.add_alert(**key) is None
    Store(f"sqlite:///{path}")  # opening again is a no-op


# -- generated text (guardrail output rail) -------------------------------------------------


@pytest.mark.slow
def test_text_from_a_real_generator_alerts_with_detoxify_categories(tmp_path, monkeypatch, store):
    """A local causal LM answers, the output rail scores it with a (tiny) Detoxify model,
    and toxicity, hate speech (identity_attack) and violence (threat) meet the thresholds."""
    from backend.guardrails.observations import generated_text_scores, output_observations
    from backend.guardrails.pipeline import Guard
    from backend.guardrails.policy import parse_policy
    from tests.detoxify_fixture import build_tiny_detoxify
    from tests.tiny_models import build_tiny_causal_lm

    tiny = build_tiny_detoxify(tmp_path / "detox")
    build_tiny_causal_lm(tmp_path / "lm", ["you", "idiot", "kill", "hello"])
    policy = parse_policy(
        f"generator: {{kind: huggingface, model: '{tmp_path / 'lm'}', max_new_tokens: 6}}\n"
        "input: [pii]\noutput: [toxicity]\n"
        f"scanners:\n  toxicity: {{threshold: 0.99, checkpoint: '{tiny['checkpoint']}', "
        f"base_model_dir: '{tiny['base']}'}}\n"
    )
    guard = Guard(policy)
    decision = guard.check("hello")
    assert decision.response and decision.output_checks["toxicity"].backend.startswith("Detoxify")
    scanner = guard.scanners["toxicity"]
    scores = generated_text_scores(decision.response, scanner.scorer, 0.5)
    row = scanner.scorer.score_all([decision.response])[0]
    names = scanner.scorer.class_names
    assert scores["hate_speech"] == pytest.approx(float(row[names.index("identity_attack")]))
    assert scores["violence"] == pytest.approx(float(row[names.index("threat")]))
    # Thresholds at 0 so that the tiny model's scores (whatever they are) cross all three.
    path = tmp_path / "alerts.yaml"
    path.write_text("thresholds:\n  toxicity: 0\n  hate_speech: 0\n  violence: 0\n")
    monkeypatch.setenv("STEWARD_ALERTS_CONFIG", str(path))
    observations = output_observations(decision, scanner)
    raised = store.observe(observations, source_kind="guardrail", source_label="playground")
    assert sorted(a.metric for a in raised) == ["hate_speech", "toxicity", "violence"]
    assert all("Detoxify" in a.message and a.source_kind == "guardrail" for a in raised)
    # The same text again: same record, nothing new.
    assert store.observe(observations, source_kind="guardrail", source_label="playground") == []


def test_echo_generator_and_profanity_fallback_do_not_invent_scores(store):
    from backend.detectors.toxicity import ProfanityCheckScorer
    from backend.guardrails.observations import generated_text_scores, output_observations
    from backend.guardrails.pipeline import Guard
    from backend.guardrails.policy import parse_policy

    guard = Guard(parse_policy("input: [pii]\noutput: [toxicity]\n"))
    decision = guard.check("you are a stupid idiot")
    assert decision.generator.startswith("echo")
    assert output_observations(decision, guard.scanners["toxicity"]) == []
    scores = generated_text_scores("you idiot", ProfanityCheckScorer(reason="test"), 0.97)
    assert scores == {"toxicity": 0.97, "hate_speech": None, "violence": None}


def test_audit_cli_marks_a_clean_dataset_and_reports_alert_ids(tmp_path, store, capsys):
    path = tmp_path / "notes.csv"
    path.write_text(
        "text\nShip it friday\nMail me at jane.doe@example.org\nCall +1 415 555 0134 now\n"
    )
    argv = ["audit", str(path), "--text-col", "text", "--checks", "pii", "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["alert_ids"] == []  # not marked clean
    assert main([*argv, "--expect-no-pii"]) == 0
    out = json.loads(capsys.readouterr().out)
    (alert,) = store.list_alerts()
    assert out["alert_ids"] == [alert.id] and alert.metric == "dataset_pii_rows"
    assert alert.value == 2 and alert.severity == "high"
