"""Records land -> thresholds checked -> alerts stored -> notifiers (with retries).

Each producer calls one hook when its record lands, so nothing polls the store:

- :meth:`AlertService.on_audit` when an audit report is saved (toxic share, PII rows in a
  dataset meant to hold none, the smallest group's share);
- :meth:`AlertService.on_evaluation` when a fairness evaluation is saved (gaps);
- :class:`RunWatcher` each time a fine-tune run's metrics are written (energy, CO2, ε);
- :meth:`AlertService.on_generated_text` when the guardrail output rail scored a text a
  real model generated (toxicity, hate speech, violence).

An alert's ``dedupe_key`` names the condition and the record, and the store keeps it
unique: the same condition on the same record never raises twice, even after the first
alert was resolved. Notification happens after the alert is committed, so a failing
webhook or mail server can delay a message but never lose an alert; every notifier's
outcome (attempts, last error) is recorded in ``alert_deliveries``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace

from sqlalchemy import select

from backend.alerts.config import AlertConfig, config_or_defaults
from backend.alerts.notifiers import Notifier, notifier_conf, notifiers_from_settings
from backend.config import Settings, get_settings
from backend.errors import StewardError
from backend.store import Alert, AlertDelivery, Store, display_title

log = logging.getLogger("steward.alerts")

SEVERITIES = ("medium", "high")
DEFAULT_RETRIES = 3
RETRY_BACKOFF_S = (0.5, 2.0, 5.0)


@dataclass(frozen=True)
class Observation:
    """One value of a metric about one record.

    ``part`` distinguishes several values of one metric on the same record (the fairness
    gap of each sensitive column); ``what`` says it in words for the message.
    """

    metric: str
    value: float
    part: str = ""
    what: str = ""


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
    record: str,
    source_kind: str | None = None,
    source_id: int | None = None,
    source_label: str = "",
) -> list[AlertDraft]:
    """One draft per observation past its threshold (switched-off metrics never alert).

    ``record`` identifies what was measured (``run:12``, ``dataset:3``...); with the
    metric and ``part`` it forms the alert's dedupe key.
    """
    drafts = []
    for ob in observations:
        th = config.get(ob.metric)
        value = ob.value
        if th is None or isinstance(value, bool):
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        if value != value or not th.breached(value):  # NaN never breaches
            continue
        spec = th.spec
        where = f" ({source_label})" if source_label else ""
        what = ob.what or spec.label
        unit = "" if spec.unit in ("score", "share", "difference", "rows") else f" {spec.unit}"
        side = "above" if spec.direction == "above" else "below"
        key = "|".join(p for p in (ob.metric, record, ob.part) if p)
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


# -- values from records ---------------------------------------------------------------


def audit_observations(content: Mapping, *, expect_no_pii: bool) -> list[Observation]:
    """What an audit report measured, as each audit check describes it (toxic share, PII
    rows only for datasets meant to hold none, under-represented groups, smallest group)."""
    from backend.audit.registry import report_observations  # noqa: PLC0415

    return report_observations(content, expect_no_pii=expect_no_pii)


def evaluation_observations(content: Mapping) -> list[Observation]:
    """The gap of each alerting measure for each sensitive column.

    The measures and their names are the fairness evaluation's own (``ALERT_MEASURES``).
    """
    # Imported here: an evaluation has landed, so the fairness package is loaded already.
    from backend.fairness.evaluation import ALERT_MEASURES, MEASURE_LABELS  # noqa: PLC0415

    out: list[Observation] = []
    by_col = content.get("disparities_by_column") if isinstance(content, Mapping) else None
    if not isinstance(by_col, Mapping):
        return out
    for col, measures in by_col.items():
        if not isinstance(measures, Mapping):
            continue
        for measure in ALERT_MEASURES:
            d = measures.get(measure)
            diff = d.get("difference") if isinstance(d, Mapping) else None
            if _is_number(diff):
                out.append(
                    Observation(
                        "bias_disparity",
                        abs(float(diff)),
                        part=f"{col}/{measure}",
                        what=f"{MEASURE_LABELS[measure]} for {col}",
                    )
                )
    return out


#: Run metric name in the store -> (threshold metric, factor to its unit).
RUN_METRICS: dict[str, tuple[str, float]] = {
    "energy_kwh_cumulative": ("run_energy_kwh", 1.0),
    "co2_g_cumulative": ("run_co2_kg", 1e-3),
    "epsilon": ("dp_epsilon", 1.0),
}


def _is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and x == x


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
        to_send = [a for a in created if self._should_notify(a.severity)]
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
        record: str,
        source_kind: str | None = None,
        source_id: int | None = None,
        source_label: str = "",
    ) -> RaisedAlerts:
        drafts = evaluate(
            observations,
            self.config,
            record=record,
            source_kind=source_kind,
            source_id=source_id,
            source_label=source_label,
        )
        return self.raise_alerts(drafts)

    def on_audit(self, artifact, dataset=None) -> RaisedAlerts:
        """An audit report landed: check the dataset thresholds.

        The record is the dataset plus the measured value: re-auditing unchanged data
        does not raise again, a different result does.
        """
        expect_no_pii = bool(getattr(dataset, "expect_no_pii", False))
        name = getattr(dataset, "name", None) or artifact.name
        obs = audit_observations(artifact.content, expect_no_pii=expect_no_pii)
        ds_id = getattr(dataset, "id", None) or artifact.dataset_id
        drafts = evaluate(
            obs,
            self.config,
            record=f"dataset:{ds_id or _short_hash(name)}",
            source_kind="audit",
            source_id=artifact.id,
            source_label=self.store.display_name(artifact),
        )
        drafts = [_with_value_key(d) for d in drafts]
        return self.raise_alerts(drafts)

    def on_evaluation(self, artifact) -> RaisedAlerts:
        """A fairness evaluation landed: check each column's gaps.

        The record is what was evaluated (the source's title) plus the value, so running
        the same evaluation twice does not raise twice.
        """
        content = artifact.content if isinstance(artifact.content, Mapping) else {}
        source = content.get("source") if isinstance(content.get("source"), Mapping) else {}
        title = str(source.get("title") or source.get("kind") or artifact.name)
        drafts = evaluate(
            evaluation_observations(content),
            self.config,
            record=f"evaluated:{_short_hash(title)}",
            source_kind="evaluation",
            source_id=artifact.id,
            source_label=self.store.display_name(artifact),
        )
        return self.raise_alerts([_with_value_key(d) for d in drafts])

    def on_generated_text(
        self, text: str, scores: Mapping[str, float | None], *, backend: str, source_label: str
    ) -> RaisedAlerts:
        """A real model generated ``text`` and the output rail scored it.

        ``scores`` maps ``toxicity`` / ``hate_speech`` / ``violence`` to scores (``None``
        when the backend cannot tell, e.g. hate speech from the profanity fallback).
        """
        obs = [
            Observation(metric, float(v), what=f"{_GENERATED[metric]} ({backend})")
            for metric, v in scores.items()
            if metric in _GENERATED and _is_number(v)
        ]
        digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]
        return self.check(
            obs, record=f"text:{digest}", source_kind="guardrail", source_label=source_label
        )

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
        """Notify about every pending alert, oldest first."""
        return self._notify_all(sorted(self.pending(limit), key=lambda a: a.id))

    def retry_failed(self, limit: int = 200) -> list[Delivery]:
        """Try again every open alert whose last delivery failed."""
        return self._notify_all(sorted(self.failed(limit), key=lambda a: a.id))


#: Detoxify output columns behind the seed's hate-speech and violence thresholds.
DETOXIFY_CATEGORIES = {"hate_speech": "identity_attack", "violence": "threat"}


def generated_text_scores(text: str, scorer, toxicity: float) -> dict[str, float | None]:
    """``toxicity`` plus hate speech and violence when the scorer is Detoxify.

    The offline fallback scores profanity only; it says nothing about hate speech or
    violence, so those stay ``None`` (no alert) rather than borrowing its number.
    """
    scores: dict[str, float | None] = {"toxicity": float(toxicity), "hate_speech": None}
    scores["violence"] = None
    names = list(getattr(scorer, "class_names", []) or [])
    wanted = {m: c for m, c in DETOXIFY_CATEGORIES.items() if c in names}
    if wanted and hasattr(scorer, "score_all"):
        row = scorer.score_all([text])[0]
        for metric, column in wanted.items():
            scores[metric] = float(row[names.index(column)])
    return scores


def check_generated_output(store: Store, decision, scanner, *, source_label: str):
    """After the guardrail pipeline ran: alert on a text a real model generated.

    ``decision`` is the pipeline's Decision, ``scanner`` its toxicity scanner. Nothing is
    checked for the echo generator (it only repeats the prompt) or when the output rail
    has no toxicity check. Returns the raised alerts (possibly empty).
    """
    tox = decision.output_checks.get("toxicity") if decision.response else None
    if tox is None or decision.generator.startswith("echo") or scanner is None:
        return []
    scores = generated_text_scores(decision.response, scanner.scorer, tox.score)
    service = AlertService(store, notify="background")
    return service.on_generated_text(
        decision.response, scores, backend=tox.backend, source_label=source_label
    ).alerts


_GENERATED = {
    "toxicity": "Toxicity of a generated text",
    "hate_speech": "Hate speech in a generated text",
    "violence": "Violence in a generated text",
}


def _pair(value: float, threshold: float, unit: str, side: str) -> str:
    """``0.152, above the threshold 0.15`` with enough digits to tell them apart."""
    digits = 3
    while digits < 8 and f"{value:.{digits}g}" == f"{threshold:.{digits}g}":
        digits += 1
    return f"{value:.{digits}g}{unit}, {side} the threshold {threshold:.3g}{unit}"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def _with_value_key(d: AlertDraft) -> AlertDraft:
    """Make the measured value part of the record (see on_audit / on_evaluation)."""
    return replace(d, dedupe_key=f"{d.dedupe_key}|{d.value:.6g}"[:300])


class RunWatcher:
    """Checks a fine-tune run's budgets as its metrics are written.

    Cheap enough for every flush: values are compared in memory, and a metric that has
    alerted is not looked at again for this run (the store's dedupe key guards the rest).
    """

    def __init__(
        self,
        store: Store,
        run_id: int,
        *,
        run_name: str = "",
        service_factory: Callable[[], AlertService] | None = None,
    ) -> None:
        self.store = store
        self.run_id = int(run_id)
        job = store.get_job(self.run_id)
        self.label = (
            store.display_name(job)
            if job is not None and job.kind == "train"
            else display_title("run", None, run_name)
        )
        self._factory = service_factory or (lambda: AlertService(store, notify="background"))
        self._service: AlertService | None = None
        self._done: set[str] = set()
        self.disabled_reason: str | None = None

    def observe(self, values: Mapping[str, float]) -> list[Alert]:
        obs = []
        for name, (metric, factor) in RUN_METRICS.items():
            v = values.get(name)
            if metric not in self._done and _is_number(v):
                obs.append(Observation(metric, float(v) * factor))
        if not obs or self.disabled_reason:
            return []
        try:
            if self._service is None:
                self._service = self._factory()
            th = self._service.config
            obs = [o for o in obs if (t := th.get(o.metric)) is not None and t.breached(o.value)]
            if not obs:
                return []
            raised = self._service.check(
                obs,
                record=f"run:{self.run_id}",
                source_kind="run",
                source_id=self.run_id,
                source_label=self.label,
            )
        except StewardError as exc:  # misconfigured notifiers: say so once, keep training
            self.disabled_reason = str(exc)
            log.error("run alerts disabled: %s", exc)
            return []
        self._done.update(o.metric for o in obs)
        return raised.alerts


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
