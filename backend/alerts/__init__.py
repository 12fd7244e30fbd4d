"""Alerts and the incident log.

- :mod:`~backend.alerts.config`: the thresholds file (``configs/alerts.yaml``), validated
  with errors that name the line;
- :mod:`~backend.alerts.service`: hooks called when records land, dedupe, notification
  with retries, acknowledge / resolve with a note;
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
    Observation,
    RaisedAlerts,
    RunWatcher,
    audit_observations,
    check_generated_output,
    deliveries,
    evaluate,
    evaluation_observations,
    generated_text_scores,
    transition,
)

__all__ = [
    "METRICS",
    "AlertActionError",
    "AlertConfig",
    "AlertDraft",
    "AlertService",
    "Delivery",
    "EmailNotifier",
    "LogNotifier",
    "MetricSpec",
    "Notifier",
    "Observation",
    "RaisedAlerts",
    "RunWatcher",
    "Threshold",
    "WebhookNotifier",
    "alert_payload",
    "audit_observations",
    "check_generated_output",
    "config_or_defaults",
    "config_path",
    "current_config",
    "default_config",
    "deliveries",
    "evaluate",
    "evaluation_observations",
    "generated_text_scores",
    "load_config",
    "notifier_conf",
    "notifiers_from_settings",
    "parse_config",
    "transition",
]
