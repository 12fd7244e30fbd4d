"""Thresholds -> alert records -> notifiers.

A :class:`Threshold` compares one named number (``selection_rate.difference``,
``pii.rows_with_pii`` ...) with a limit. :class:`AlertService` turns breaches into rows
of the store's ``alerts`` table (the sidebar and pages show them) and hands each new
alert to the configured notifiers:

- :class:`LogNotifier` (always on): a ``logging`` warning and one JSON line in
  ``$STEWARD_HOME/logs/alerts.jsonl``.
- :class:`WebhookNotifier`: POSTs the alert as JSON (with a Slack-style ``text`` field).
- :class:`EmailNotifier`: sends a plain-text e-mail through SMTP.

Notifiers are configured in ``.streamlit/secrets.toml``::

    [steward.alerts]
    webhook_url = "https://hooks.example.org/steward"
    email_to = ["ml-oncall@example.org"]
    email_from = "steward@example.org"
    smtp_host = "smtp.example.org"
    smtp_port = 587
    smtp_username = "steward"
    smtp_password = "..."
    smtp_starttls = true
    min_severity = "warning"      # info | warning | critical

A failing notifier is logged and reported in the delivery results; it never stops the
alert from being stored or the other notifiers from running.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from backend.config import Settings, get_settings
from backend.errors import ConfigError
from backend.store import Alert, Base, Store, utcnow

log = logging.getLogger("steward.alerts")

SEVERITIES = ("info", "warning", "critical")
Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True)
class Threshold:
    """``metric`` breaches when it is above (or below) ``limit``.

    ``critical_limit`` (same direction) escalates the alert to ``critical``.
    """

    metric: str
    limit: float
    kind: str  # fairness | audit | training | guardrail
    direction: Literal["above", "below"] = "above"
    severity: Severity = "warning"
    critical_limit: float | None = None
    description: str = ""

    def breached(self, value: float, limit: float | None = None) -> bool:
        limit = self.limit if limit is None else limit
        return value > limit if self.direction == "above" else value < limit


@dataclass(frozen=True)
class AlertDraft:
    kind: str
    severity: Severity
    message: str
    metric: str
    value: float
    threshold: float
    source_kind: str | None = None
    source_id: int | None = None


def evaluate_thresholds(
    values: Mapping[str, Any],
    thresholds: Iterable[Threshold],
    *,
    source_kind: str | None = None,
    source_id: int | None = None,
    source_label: str = "",
) -> list[AlertDraft]:
    """One draft per breached threshold. Missing or non-numeric values are skipped."""
    drafts = []
    for th in thresholds:
        value = values.get(th.metric)
        if isinstance(value, bool):
            continue
        try:
            value = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if value != value or not th.breached(value):  # NaN never breaches
            continue
        severity: Severity = th.severity
        if th.critical_limit is not None and th.breached(value, th.critical_limit):
            severity = "critical"
        what = th.description or th.metric
        where = f" in {source_label}" if source_label else ""
        drafts.append(
            AlertDraft(
                kind=th.kind,
                severity=severity,
                message=f"{what}{where} is {value:.3g}, {th.direction} the threshold {th.limit:.3g}.",
                metric=th.metric,
                value=value,
                threshold=th.limit,
                source_kind=source_kind,
                source_id=source_id,
            )
        )
    return drafts


def default_thresholds(settings: Settings | None = None) -> list[Threshold]:
    """Thresholds from settings: fairness gaps, toxic share, PII and rare groups."""
    settings = settings or get_settings()
    gap = settings.disparity_threshold
    return [
        Threshold(
            "max_disparity_difference",
            gap,
            "fairness",
            critical_limit=2 * gap,
            description="Largest fairness gap between groups",
        ),
        Threshold(
            "toxicity.share_above_threshold",
            0.10,
            "audit",
            description=f"Share of rows scored toxic (≥ {settings.toxicity_threshold:g})",
        ),
        Threshold("pii.rows_with_pii", 0, "audit", description="Rows containing PII"),
        Threshold(
            "representation.min_share",
            0.05,
            "audit",
            direction="below",
            description="Smallest group's share of rows",
        ),
    ]


def metrics_from_evaluation(content: Mapping) -> dict[str, float]:
    """``{metric}.difference`` per disparity plus the largest one, from an evaluation."""
    out: dict[str, float] = {}
    disp = content.get("disparities") if isinstance(content, Mapping) else None
    if isinstance(disp, Mapping):
        for metric, d in disp.items():
            diff = d.get("difference") if isinstance(d, Mapping) else None
            if isinstance(diff, int | float) and not isinstance(diff, bool):
                out[f"{metric}.difference"] = float(abs(diff))
    if out:
        out["max_disparity_difference"] = max(out.values())
    return out


def metrics_from_audit(content: Mapping) -> dict[str, float]:
    """PII rows, toxic share and the smallest group share, from an audit report."""
    out: dict[str, float] = {}
    if not isinstance(content, Mapping):
        return out
    pii = content.get("pii")
    if isinstance(pii, Mapping) and isinstance(pii.get("rows_with_pii"), int | float):
        out["pii.rows_with_pii"] = float(pii["rows_with_pii"])
    tox = content.get("toxicity")
    if isinstance(tox, Mapping) and isinstance(tox.get("share_above_threshold"), int | float):
        out["toxicity.share_above_threshold"] = float(tox["share_above_threshold"])
    rep = content.get("representation")
    shares = []
    if isinstance(rep, Mapping):
        for groups in rep.values():
            if isinstance(groups, Mapping):
                for stats in groups.values():
                    share = stats.get("share") if isinstance(stats, Mapping) else None
                    if isinstance(share, int | float) and not isinstance(share, bool):
                        shares.append(float(share))
    if shares:
        out["representation.min_share"] = min(shares)
    return out


# -- delivery log -------------------------------------------------------------------------


class AlertDelivery(Base):
    """One attempt to deliver one alert through one notifier (kept for the record)."""

    __tablename__ = "alert_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    notifier: Mapped[str] = mapped_column(String(40))
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


_tables_ready: weakref.WeakSet = weakref.WeakSet()  # engines already set up


def _ensure_tables(store: Store) -> None:
    if store.engine not in _tables_ready:
        Base.metadata.create_all(store.engine, tables=[AlertDelivery.__table__])
        _tables_ready.add(store.engine)


def deliveries(store: Store, alert_id: int) -> list[AlertDelivery]:
    """Every delivery attempt for an alert, oldest first."""
    _ensure_tables(store)
    with store.session() as s:
        return list(
            s.scalars(
                select(AlertDelivery)
                .where(AlertDelivery.alert_id == alert_id)
                .order_by(AlertDelivery.id)
            )
        )


# -- notifiers ----------------------------------------------------------------------------


def alert_payload(alert: Alert) -> dict:
    """The JSON every notifier sends (plus ``text`` for chat webhooks)."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "message": alert.message,
        "metric": alert.metric,
        "value": alert.value,
        "threshold": alert.threshold,
        "source_kind": alert.source_kind,
        "source_id": alert.source_id,
        "created_at": alert.created_at.isoformat(timespec="seconds") + "Z"
        if alert.created_at
        else None,
        "text": f"[Steward {alert.severity}] {alert.message}",
    }


class Notifier(Protocol):
    name: str

    def send(self, alert: Alert) -> None:
        """Deliver one alert; raise on failure (the service records the error)."""


@dataclass
class LogNotifier:
    """Always-on notifier: a log warning and a JSON line in ``alerts.jsonl``."""

    path: Path | None = None
    name: str = "log"

    def send(self, alert: Alert) -> None:
        payload = alert_payload(alert)
        log.warning("alert #%s %s: %s", alert.id, alert.severity, alert.message)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(payload, ensure_ascii=False) + "\n")


@dataclass
class WebhookNotifier:
    """POST the alert as JSON to ``url`` (http or https)."""

    url: str
    timeout_s: float = 5.0
    headers: dict[str, str] = field(default_factory=dict)
    name: str = "webhook"

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"Alert webhook URL must start with http:// or https://: {self.url!r}"
            )

    def send(self, alert: Alert) -> None:
        body = json.dumps(alert_payload(alert)).encode("utf-8")
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "steward-alerts",
                **self.headers,
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:  # noqa: S310
                if resp.status >= 300:
                    raise RuntimeError(f"webhook answered HTTP {resp.status}")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"webhook answered HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise RuntimeError(f"webhook unreachable: {exc.reason}") from None


@dataclass
class EmailNotifier:
    """Send a plain-text e-mail per alert through SMTP (STARTTLS or SSL when asked)."""

    host: str
    sender: str
    recipients: Sequence[str]
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    ssl: bool = False
    timeout_s: float = 10.0
    name: str = "email"

    def message(self, alert: Alert) -> EmailMessage:
        msg = EmailMessage()
        subject = f"[Steward {alert.severity}] {alert.message}"
        # short enough to stay on one header line (long ones get folded oddly by clients)
        msg["Subject"] = subject if len(subject) <= 68 else subject[:67] + "…"
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        p = alert_payload(alert)
        lines = [alert.message, ""] + [
            f"{k}: {v}" for k, v in p.items() if k not in ("message", "text") and v is not None
        ]
        msg.set_content("\n".join(lines))
        return msg

    def send(self, alert: Alert) -> None:
        cls = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        with cls(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls and not self.ssl:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(self.message(alert))


def notifiers_from_settings(settings: Settings | None = None) -> list[Notifier]:
    """The log notifier plus whatever ``[steward.alerts]`` in secrets.toml configures."""
    settings = settings or get_settings()
    conf = settings.extra.get("alerts", {}) if isinstance(settings.extra, dict) else {}
    if not isinstance(conf, dict):
        raise ConfigError("[steward.alerts] in secrets.toml must be a table.")
    notifiers: list[Notifier] = [LogNotifier(settings.logs_dir / "alerts.jsonl")]
    if conf.get("webhook_url"):
        headers = conf.get("webhook_headers") or {}
        notifiers.append(
            WebhookNotifier(
                str(conf["webhook_url"]),
                timeout_s=float(conf.get("webhook_timeout_s", 5)),
                headers={str(k): str(v) for k, v in headers.items()}
                if isinstance(headers, dict)
                else {},
            )
        )
    if conf.get("email_to"):
        to = conf["email_to"]
        recipients = [to] if isinstance(to, str) else [str(x) for x in to]
        if not conf.get("smtp_host") or not conf.get("email_from"):
            raise ConfigError("[steward.alerts] email_to needs smtp_host and email_from too.")
        notifiers.append(
            EmailNotifier(
                host=str(conf["smtp_host"]),
                port=int(conf.get("smtp_port", 25)),
                sender=str(conf["email_from"]),
                recipients=recipients,
                username=str(conf.get("smtp_username", "")),
                password=str(conf.get("smtp_password", "")),
                starttls=bool(conf.get("smtp_starttls", False)),
                ssl=bool(conf.get("smtp_ssl", False)),
            )
        )
    return notifiers


# -- the service -------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    alert_id: int
    notifier: str
    ok: bool
    error: str = ""


@dataclass
class RaisedAlerts:
    alerts: list[Alert]
    deliveries: list[Delivery]
    skipped_duplicates: int = 0


class AlertService:
    """Store alerts for breached thresholds and notify about new ones."""

    def __init__(
        self,
        store: Store,
        *,
        notifiers: list[Notifier] | None = None,
        settings: Settings | None = None,
        min_severity: str | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or get_settings()
        self.notifiers = (
            notifiers if notifiers is not None else notifiers_from_settings(self.settings)
        )
        conf = (
            self.settings.extra.get("alerts", {}) if isinstance(self.settings.extra, dict) else {}
        )
        level = min_severity or (conf.get("min_severity") if isinstance(conf, dict) else None)
        self.min_severity = level if level in SEVERITIES else "info"
        _ensure_tables(store)

    def _should_notify(self, severity: str) -> bool:
        return SEVERITIES.index(severity) >= SEVERITIES.index(self.min_severity)

    def raise_alerts(self, drafts: Iterable[AlertDraft]) -> RaisedAlerts:
        """Store each draft (unless the same alert is already open) and notify."""
        open_keys = {
            (a.kind, a.metric, a.source_kind, a.source_id)
            for a in self.store.list_alerts(open_only=True, limit=10_000)
        }
        created, deliveries, dupes = [], [], 0
        for d in drafts:
            key = (d.kind, d.metric, d.source_kind, d.source_id)
            if key in open_keys:
                dupes += 1
                continue
            open_keys.add(key)
            alert = self.store.add_alert(**asdict(d))
            created.append(alert)
            if self._should_notify(alert.severity):
                deliveries += self.notify(alert)
        return RaisedAlerts(created, deliveries, dupes)

    def notify(self, alert: Alert) -> list[Delivery]:
        """Send one alert through every notifier; each attempt is recorded."""
        out = []
        for notifier in self.notifiers:
            try:
                notifier.send(alert)
                out.append(Delivery(alert.id, notifier.name, True))
            except Exception as exc:  # a broken notifier must not lose the alert
                log.error("alert #%s: notifier %s failed: %s", alert.id, notifier.name, exc)
                out.append(Delivery(alert.id, notifier.name, False, str(exc)[:500]))
        if out:
            with self.store.session() as s:
                s.add_all(
                    AlertDelivery(alert_id=d.alert_id, notifier=d.notifier, ok=d.ok, error=d.error)
                    for d in out
                )
        return out

    def pending(self, limit: int = 200) -> list[Alert]:
        """Open alerts at or above ``min_severity`` that no notifier has been tried for yet
        (e.g. alerts other modules stored with ``store.add_alert``)."""
        with self.store.session() as s:
            tried = set(s.scalars(select(AlertDelivery.alert_id).distinct()))
        return [
            a
            for a in self.store.list_alerts(open_only=True, limit=limit)
            if a.id not in tried and self._should_notify(a.severity)
        ]

    def dispatch_pending(self, limit: int = 200) -> list[Delivery]:
        """Notify about every pending alert, oldest first."""
        out: list[Delivery] = []
        for alert in sorted(self.pending(limit), key=lambda a: a.id):
            out += self.notify(alert)
        return out

    def check(
        self,
        values: Mapping[str, Any],
        *,
        thresholds: Iterable[Threshold] | None = None,
        source_kind: str | None = None,
        source_id: int | None = None,
        source_label: str = "",
    ) -> RaisedAlerts:
        drafts = evaluate_thresholds(
            values,
            default_thresholds(self.settings) if thresholds is None else thresholds,
            source_kind=source_kind,
            source_id=source_id,
            source_label=source_label,
        )
        return self.raise_alerts(drafts)

    def check_evaluation(self, artifact) -> RaisedAlerts:
        """Alerts for an evaluation record (fairness gaps over the threshold)."""
        return self.check(
            metrics_from_evaluation(artifact.content),
            source_kind="evaluation",
            source_id=artifact.id,
            source_label=f"evaluation #{artifact.id}",
        )

    def check_audit(self, artifact) -> RaisedAlerts:
        """Alerts for an audit record (PII, toxic share, rare groups)."""
        return self.check(
            metrics_from_audit(artifact.content),
            source_kind="audit",
            source_id=artifact.id,
            source_label=f"audit #{artifact.id}",
        )


def acknowledge(store: Store, alert_id: int) -> None:
    """Mark an alert as seen (kept, never deleted)."""
    store.acknowledge_alert(alert_id)


def open_alerts(store: Store, *, limit: int = 200) -> list[Alert]:
    return store.list_alerts(open_only=True, limit=limit)


__all__ = [
    "AlertDelivery",
    "AlertDraft",
    "AlertService",
    "Delivery",
    "EmailNotifier",
    "LogNotifier",
    "Notifier",
    "RaisedAlerts",
    "Threshold",
    "WebhookNotifier",
    "acknowledge",
    "alert_payload",
    "default_thresholds",
    "deliveries",
    "evaluate_thresholds",
    "metrics_from_audit",
    "metrics_from_evaluation",
    "notifiers_from_settings",
    "open_alerts",
]
