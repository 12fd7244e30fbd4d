"""Observations -> thresholds checked -> alerts stored -> notifiers (with retries).

The service knows thresholds and notifiers, never a producer's report layout: producers
hand :class:`~backend.observations.Observation` values to the store with their records,
and :mod:`backend.alerts.listener` passes them here from the store's after-write hook.

An alert's ``dedupe_key`` names the condition and the record, and the store keeps it
unique: the same condition on the same record never raises twice, even after the first
alert was resolved. Notification happens after the alert is committed, so a failing
webhook or mail server can delay a message but never lose an alert; every notifier's
outcome (attempts, last error) is recorded in ``alert_deliveries``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import select

from backend.alerts.config import AlertConfig, config_or_defaults
from backend.alerts.notifiers import Notifier, notifier_conf, notifiers_from_settings
from backend.config import Settings, get_settings
from backend.errors import StewardError
from backend.observations import Observation, finite_number
from backend.store import Alert, AlertDelivery, Store

log = logging.getLogger("steward.alerts")

SEVERITIES = ("medium", "high")
DEFAULT_RETRIES = 3
RETRY_BACKOFF_S = (0.5, 2.0, 5.0)


@dataclass(frozen=True)
class AlertDraft:
    kind: str
    severity: str
    message: str
    metric: str
    value: float
    threshold: float
    dedupe_key: str
    source_kind: str | None = None
    source_id: int | None = None
    source_label: str = ""


def evaluate(
    observations: Iterable[Observation],
    config: AlertConfig,
    *,
    record: str = "",
    source_kind: str | None = None,
    source_id: int | None = None,
    source_label: str = "",
    value_key: bool = False,
) -> list[AlertDraft]:
    """One draft per observation past its threshold (switched-off metrics never alert).

    Each observation's ``record`` (``record`` when it names none) identifies what was
    measured (``run:12``, ``dataset:3``...); with the metric and its ``part`` it forms the
    alert's dedupe key. ``value_key`` adds the measured value: re-measuring an unchanged
    record does not raise again, a different result does.
    """
    drafts = []
    for ob in observations:
        th = config.get(ob.metric)
        value = finite_number(ob.value)
        if th is None or value is None or not th.breached(value):
            continue
        spec = th.spec
        where = f" ({source_label})" if source_label else ""
        what = ob.what or spec.label
        unit = "" if spec.unit in ("score", "share", "difference", "rows") else f" {spec.unit}"
        side = "above" if spec.direction == "above" else "below"
        key = "|".join(p for p in (ob.metric, ob.record or record, ob.part) if p)
        if value_key:
            key = f"{key}|{value:.6g}"
        drafts.append(
            AlertDraft(
                kind=spec.kind,
                severity=th.severity(value),
                message=f"{what}: {_pair(value, th.value, unit, side)}{where}.",
                metric=ob.metric,
                value=value,
                threshold=th.value,
                dedupe_key=key[:300],
                source_kind=source_kind,
                source_id=source_id,
                source_label=source_label,
            )
        )
    return drafts


# -- the service -----------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    alert_id: int
    notifier: str
    ok: bool
    error: str = ""
    attempts: int = 1


@dataclass
class RaisedAlerts:
    alerts: list[Alert]
    deliveries: list[Delivery]
    skipped_duplicates: int = 0


class AlertService:
    """Checks records against the thresholds, stores alerts and notifies about them.

    Parameters
    ----------
    notifiers
        Defaults to the log notifier plus what secrets / environment configure.
    config
        Thresholds; defaults to the configured file (or the defaults when it is broken,
        see :attr:`config_error`).
    notify
        ``"sync"`` delivers before returning; ``"background"`` hands delivery to a daemon
        thread so a page or a training step never waits for a slow mail server.
    retries, backoff_s
        Attempts per notifier and the waits between them.
    """

    def __init__(
        self,
        store: Store,
        *,
        notifiers: list[Notifier] | None = None,
        settings: Settings | None = None,
        config: AlertConfig | None = None,
        min_severity: str | None = None,
        notify: str = "sync",
        retries: int | None = None,
        backoff_s: Iterable[float] = RETRY_BACKOFF_S,
    ) -> None:
        self.store = store
        self.settings = settings or get_settings()
        self.config_error: str | None = None
        if config is None:
            config, self.config_error = config_or_defaults()
        self.config = config
        conf = notifier_conf(self.settings)
        self.notifiers = (
            notifiers if notifiers is not None else notifiers_from_settings(self.settings, conf)
        )
        level = min_severity or conf.get("min_severity")
        self.min_severity = level if level in SEVERITIES else "medium"
        if retries is None:
            try:
                retries = int(conf.get("retries", DEFAULT_RETRIES))
            except (TypeError, ValueError):
                raise StewardError(
                    f"Alert setting retries must be a whole number, got {conf.get('retries')!r}."
                ) from None
        self.retries = max(1, retries)
        self.backoff_s = tuple(backoff_s)
        self.notify_mode = notify

    # -- raising ------------------------------------------------------------------------
    def raise_alerts(self, drafts: Iterable[AlertDraft]) -> RaisedAlerts:
        """Store each new draft (the store refuses a known dedupe key), then notify."""
        created: list[Alert] = []
        dupes = 0
        for d in drafts:
            alert = self.store.add_alert(**asdict(d))
            if alert is None:
                dupes += 1
            else:
                created.append(alert)
        to_send = [a for a in created if self._should_notify(a.severity) and self._claim(a)]
        deliveries: list[Delivery] = []
        if to_send and self.notify_mode == "background":
            threading.Thread(
                target=self._notify_all, args=(to_send,), name="steward-alert-notify", daemon=True
            ).start()
        elif to_send:
            deliveries = self._notify_all(to_send)
        return RaisedAlerts(created, deliveries, dupes)

    def check(
        self,
        observations: Iterable[Observation],
        *,
        record: str = "",
        source_kind: str | None = None,
        source_id: int | None = None,
        source_label: str = "",
        value_key: bool = False,
    ) -> RaisedAlerts:
        """Compare observations with the thresholds; store and notify what crosses one."""
        drafts = evaluate(
            observations,
            self.config,
            record=record,
            source_kind=source_kind,
            source_id=source_id,
            source_label=source_label,
            value_key=value_key,
        )
        return self.raise_alerts(drafts)

    # -- notifying ----------------------------------------------------------------------
    def _should_notify(self, severity: str) -> bool:
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return rank.get(severity, 0) >= rank[self.min_severity]

    def _notify_all(self, alerts: list[Alert]) -> list[Delivery]:
        out: list[Delivery] = []
        for alert in alerts:
            out += self.notify(alert)
        return out

    def notify(self, alert: Alert) -> list[Delivery]:
        """Send one alert through every notifier, retrying; record each outcome."""
        out = []
        for notifier in self.notifiers:
            error, attempts = "", 0
            for attempts in range(1, self.retries + 1):
                try:
                    notifier.send(alert)
                    error = ""
                    break
                except Exception as exc:  # a broken notifier must not lose the alert
                    error = str(exc)[:500] or type(exc).__name__
                    log.warning(
                        "alert #%s: %s attempt %d/%d failed: %s",
                        alert.id,
                        notifier.name,
                        attempts,
                        self.retries,
                        error,
                    )
                    if attempts < self.retries and self.backoff_s:
                        time.sleep(self.backoff_s[min(attempts - 1, len(self.backoff_s) - 1)])
            out.append(Delivery(alert.id, notifier.name, not error, error, attempts))
        if out:
            with self.store.session() as s:
                s.add_all(
                    AlertDelivery(
                        alert_id=d.alert_id,
                        notifier=d.notifier,
                        ok=d.ok,
                        error=d.error,
                        attempts=d.attempts,
                    )
                    for d in out
                )
        return out

    def pending(self, limit: int = 200) -> list[Alert]:
        """Open alerts at or above ``min_severity`` that no notifier has been tried for yet
        (e.g. raised by a worker process that ended before it could deliver)."""
        with self.store.session() as s:
            tried = set(s.scalars(select(AlertDelivery.alert_id).distinct()))
        return [
            a
            for a in self.store.list_alerts(open_only=True, limit=limit)
            if a.id not in tried and self._should_notify(a.severity)
        ]

    def failed(self, limit: int = 200) -> list[Alert]:
        """Open alerts whose latest delivery through some notifier failed."""
        latest: dict[tuple[int, str], bool] = {}
        with self.store.session() as s:
            for d in s.scalars(select(AlertDelivery).order_by(AlertDelivery.id)):
                latest[(d.alert_id, d.notifier)] = d.ok
        bad = {alert_id for (alert_id, _), ok in latest.items() if not ok}
        return [a for a in self.store.list_alerts(open_only=True, limit=limit) if a.id in bad]

    def dispatch_pending(self, limit: int = 200) -> list[Delivery]:
        """Notify about every pending alert, oldest first: those no other process (another
        dashboard on the same database) has claimed meanwhile."""
        pending = sorted(self.pending(limit), key=lambda a: a.id)
        return self._notify_all([a for a in pending if self._claim(a)])

    def _claim(self, alert: Alert) -> bool:
        # A service with no notifier sends nothing, so it must not take the alert away from
        # one that would (the claim keeps other dashboards from sending it for 10 minutes).
        return bool(self.notifiers) and self.store.claim_alert_notification(alert.id)

    def retry_failed(self, limit: int = 200) -> list[Delivery]:
        """Try again every open alert whose last delivery failed."""
        return self._notify_all(sorted(self.failed(limit), key=lambda a: a.id))


def _pair(value: float, threshold: float, unit: str, side: str) -> str:
    """``0.152, above the threshold 0.15`` with enough digits to tell them apart."""
    digits = 3
    while digits < 8 and f"{value:.{digits}g}" == f"{threshold:.{digits}g}":
        digits += 1
    return f"{value:.{digits}g}{unit}, {side} the threshold {threshold:.3g}{unit}"


def deliveries(store: Store, alert_id: int) -> list[AlertDelivery]:
    """Every recorded delivery for an alert, oldest first."""
    with store.session() as s:
        return list(
            s.scalars(
                select(AlertDelivery)
                .where(AlertDelivery.alert_id == alert_id)
                .order_by(AlertDelivery.id)
            )
        )


class AlertActionError(StewardError):
    """An acknowledge / resolve request that cannot be done (unknown id, missing note)."""


def transition(store: Store, alert_id: int, action: str, *, note: str, actor: str) -> Alert:
    """Acknowledge or resolve an alert with a note; the incident log keeps who and when."""
    target = {
        "ack": "acknowledged",
        "acknowledge": "acknowledged",
        "resolve": "resolved",
        "reopen": "open",
    }
    if action not in target:
        raise AlertActionError(f"Unknown action {action!r}: use ack, resolve or reopen.")
    note = (note or "").strip()
    actor = (actor or "").strip()
    if not note:
        raise AlertActionError("Write a note: what you saw, what you did or why it is fine.")
    if not actor:
        raise AlertActionError("Say who you are: the incident log records who acted.")
    if len(note) > 4000:
        raise AlertActionError("The note is too long (4,000 characters at most).")
    alert = store.get_alert(alert_id)
    if alert is None:
        raise AlertActionError(f"No alert #{alert_id}.")
    status = target[action]
    if alert.status == status:
        raise AlertActionError(f"Alert #{alert_id} is already {status}.")
    if status == "acknowledged" and alert.status == "resolved":
        raise AlertActionError(f"Alert #{alert_id} is resolved; reopen it first.")
    return store.set_alert_status(alert_id, status, actor=actor[:120], note=note)
