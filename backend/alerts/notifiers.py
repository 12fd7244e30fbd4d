"""Where alerts go besides the store: a log line, a webhook, an e-mail.

Configured only from ``.streamlit/secrets.toml`` (table ``[steward.alerts]``) or the
environment (``STEWARD_ALERT_*`` / ``STEWARD_SMTP_*``, which win), never from code::

    [steward.alerts]
    webhook_url = "https://hooks.example.org/steward"   # STEWARD_ALERT_WEBHOOK_URL
    email_to = ["ml-oncall@example.org"]                # STEWARD_ALERT_EMAIL_TO (comma list)
    email_from = "steward@example.org"                  # STEWARD_ALERT_EMAIL_FROM
    smtp_host = "smtp.example.org"                      # STEWARD_SMTP_HOST
    smtp_port = 587                                     # STEWARD_SMTP_PORT
    smtp_username = "steward"                           # STEWARD_SMTP_USERNAME
    smtp_password = "..."                               # STEWARD_SMTP_PASSWORD
    smtp_starttls = true                                # STEWARD_SMTP_STARTTLS (default true)
    smtp_ca_file = "/etc/ssl/private-ca.pem"            # STEWARD_SMTP_CA_FILE (optional)
    min_severity = "medium"                             # medium | high
    retries = 3                                         # attempts per notifier

Each notifier raises on failure; :class:`~backend.alerts.service.AlertService` retries,
records the outcome and never loses the alert.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from backend.config import Settings, get_settings
from backend.errors import ConfigError
from backend.store import Alert, iso_utc

log = logging.getLogger("steward.alerts")

#: Environment variables that override ``[steward.alerts]`` keys.
ENV_KEYS = {
    "webhook_url": "STEWARD_ALERT_WEBHOOK_URL",
    "email_to": "STEWARD_ALERT_EMAIL_TO",
    "email_from": "STEWARD_ALERT_EMAIL_FROM",
    "smtp_host": "STEWARD_SMTP_HOST",
    "smtp_port": "STEWARD_SMTP_PORT",
    "smtp_username": "STEWARD_SMTP_USERNAME",
    "smtp_password": "STEWARD_SMTP_PASSWORD",
    "smtp_starttls": "STEWARD_SMTP_STARTTLS",
    "smtp_ca_file": "STEWARD_SMTP_CA_FILE",
    "min_severity": "STEWARD_ALERT_MIN_SEVERITY",
    "retries": "STEWARD_ALERT_RETRIES",
}


def alert_payload(alert: Alert) -> dict:
    """The JSON every notifier sends (plus ``text`` for chat webhooks)."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "status": alert.status,
        "message": alert.message,
        "metric": alert.metric,
        "value": alert.value,
        "threshold": alert.threshold,
        "source": alert.source_label or None,
        "source_kind": alert.source_kind,
        "source_id": alert.source_id,
        "created_at": iso_utc(alert.created_at),
        "text": f"[Steward {alert.severity}] {alert.message}",
    }


class Notifier(Protocol):
    name: str

    def send(self, alert: Alert) -> None:
        """Deliver one alert; raise on failure (the service retries and records it)."""


@dataclass
class LogNotifier:
    """Always on: a log warning and one JSON line in ``alerts.jsonl``."""

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
        except TimeoutError:
            raise RuntimeError(f"webhook did not answer within {self.timeout_s:g} s") from None


@dataclass
class EmailNotifier:
    """A plain-text e-mail per alert through SMTP, upgraded with STARTTLS by default.

    With ``starttls`` the password is only sent after the TLS handshake succeeded and the
    server certificate was verified (against ``ca_file`` when given, else the system CAs).
    """

    host: str
    sender: str
    recipients: Sequence[str]
    port: int = 587
    username: str = ""
    password: str = ""
    starttls: bool = True
    ssl: bool = False
    ca_file: str | None = None
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

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def send(self, alert: Alert) -> None:
        try:
            if self.ssl:
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout_s, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with smtp:
                if self.starttls and not self.ssl:
                    smtp.ehlo()
                    if not smtp.has_extn("starttls"):
                        raise RuntimeError(
                            f"SMTP server {self.host}:{self.port} does not offer STARTTLS; "
                            "not sending credentials or alerts in clear text"
                        )
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(self.message(alert))
        except smtplib.SMTPAuthenticationError as exc:
            raise RuntimeError(f"SMTP login refused ({exc.smtp_code})") from None
        except smtplib.SMTPException as exc:
            raise RuntimeError(f"SMTP error: {exc}") from None
        except ssl.SSLError as exc:
            raise RuntimeError(f"TLS with {self.host}:{self.port} failed: {exc.reason}") from None
        except OSError as exc:
            raise RuntimeError(
                f"SMTP server {self.host}:{self.port} unreachable: {exc.strerror or exc}"
            ) from None


def notifier_conf(settings: Settings | None = None) -> dict:
    """``[steward.alerts]`` from secrets.toml with ``STEWARD_ALERT_*`` overrides applied."""
    settings = settings or get_settings()
    conf = settings.extra.get("alerts", {}) if isinstance(settings.extra, dict) else {}
    if not isinstance(conf, dict):
        raise ConfigError("[steward.alerts] in secrets.toml must be a table.")
    conf = dict(conf)
    for key, env in ENV_KEYS.items():
        if os.environ.get(env):
            conf[key] = os.environ[env]
    return conf


def _flag(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"Alert setting {name} must be true or false, got {value!r}.")


def _int(value, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Alert setting {name} must be a whole number, got {value!r}.") from None


def notifiers_from_settings(
    settings: Settings | None = None, conf: dict | None = None
) -> list[Notifier]:
    """The log notifier plus whatever the secrets or the environment configure.

    ``conf`` is :func:`notifier_conf` of ``settings`` when the caller has it already.
    """
    settings = settings or get_settings()
    conf = notifier_conf(settings) if conf is None else conf
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
        recipients = (
            [x.strip() for x in to.split(",") if x.strip()]
            if isinstance(to, str)
            else [str(x) for x in to]
        )
        if not conf.get("smtp_host") or not conf.get("email_from"):
            raise ConfigError("Alert e-mail (email_to) needs smtp_host and email_from too.")
        use_ssl = _flag(conf.get("smtp_ssl", False), "smtp_ssl")
        notifiers.append(
            EmailNotifier(
                host=str(conf["smtp_host"]),
                port=_int(conf.get("smtp_port", 465 if use_ssl else 587), "smtp_port"),
                sender=str(conf["email_from"]),
                recipients=recipients,
                username=str(conf.get("smtp_username", "")),
                password=str(conf.get("smtp_password", "")),
                starttls=_flag(conf.get("smtp_starttls", True), "smtp_starttls"),
                ssl=use_ssl,
                ca_file=str(conf["smtp_ca_file"]) if conf.get("smtp_ca_file") else None,
            )
        )
    return notifiers
