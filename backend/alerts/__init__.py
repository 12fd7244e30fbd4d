"""Alerts and the incident log.

- :mod:`~backend.alerts.config`: the thresholds file (``configs/alerts.yaml``), validated
  with errors that name the line;
- :mod:`~backend.alerts.service`: observations checked against the thresholds, dedupe,
  notification with retries, acknowledge / resolve with a note;
- :mod:`~backend.alerts.listener`: subscribes the service to the store's after-write hook
  (importing this package subscribes it, with synchronous delivery);
- :mod:`~backend.alerts.notifiers`: log, webhook (JSON POST) and SMTP (STARTTLS);
- :mod:`~backend.alerts.cli`: ``python -m backend alerts``.
"""

from backend.alerts.config import (
    METRICS,
    AlertConfig,
    MetricSpec,
    Threshold,
    config_or_defaults,
    config_path,
    current_config,
    default_config,
    load_config,
    parse_config,
)
from backend.alerts.listener import RUN_METRICS, AlertListener, listen
from backend.alerts.notifiers import (
    EmailNotifier,
    LogNotifier,
    Notifier,
    WebhookNotifier,
    alert_payload,
    notifier_conf,
    notifiers_from_settings,
)
from backend.alerts.service import (
    AlertActionError,
    AlertDraft,
    AlertService,
    Delivery,
    RaisedAlerts,
    deliveries,
    evaluate,
    transition,
)
from backend.observations import Observation

listen()  # every process that imports the alerts hears what lands in the store

__all__ = [
    "METRICS",
    "RUN_METRICS",
    "AlertActionError",
    "AlertConfig",
    "AlertDraft",
    "AlertListener",
    "AlertService",
    "Delivery",
    "EmailNotifier",
    "LogNotifier",
    "MetricSpec",
    "Notifier",
    "Observation",
    "RaisedAlerts",
    "Threshold",
    "WebhookNotifier",
    "alert_payload",
    "config_or_defaults",
    "config_path",
    "current_config",
    "default_config",
    "deliveries",
    "evaluate",
    "listen",
    "load_config",
    "notifier_conf",
    "notifiers_from_settings",
    "parse_config",
    "transition",
]
