"""The alert service listens to the store: what lands is checked against the thresholds.

:func:`listen` subscribes one :class:`AlertListener` to the store's after-write hook
(importing :mod:`backend.alerts` does it, with synchronous delivery; the dashboard asks
for background delivery so a page never waits for a mail server). Then:

- a saved record (an audit report, a fairness evaluation) brings the observations its
  producer measured; the dedupe key includes the value, so re-measuring unchanged data
  does not raise again, a different result does;
- a run's metrics are translated by :data:`RUN_METRICS` into the energy, CO2 and ε
  budgets; a budget that has alerted is not looked at again for this run;
- observations that are no record of their own (a generated text's scores) are checked
  as they come;
- a job that ended has whatever alerts are still undelivered sent (raised by a worker
  process that exited before it could deliver).

Producers never call this module, and it never learns a producer's report layout.
"""

from __future__ import annotations

import logging
import threading

from backend.alerts.service import AlertService
from backend.errors import StewardError
from backend.observations import Observation
from backend.store import ACTIVE_STATUSES, Landed, Store, display_title, on_write

log = logging.getLogger("steward.alerts")

#: Run metric name in the store -> (threshold metric, factor to its unit).
RUN_METRICS: dict[str, tuple[str, float]] = {
    "energy_kwh_cumulative": ("run_energy_kwh", 1.0),
    "co2_g_cumulative": ("run_co2_kg", 1e-3),
    "epsilon": ("dp_epsilon", 1.0),
}


class AlertListener:
    """Turns what lands in the store into alerts (see the module docstring)."""

    def __init__(self, *, notify: str = "sync") -> None:
        self.notify = notify
        self._lock = threading.Lock()
        # Per (database, run): the budgets that alerted already and the run's service.
        self._runs: dict[tuple[str, int], tuple[set[str], AlertService]] = {}

    def __call__(self, event: Landed) -> None:
        if event.kind == "artifact" and event.observations:
            art = event.artifact
            self._service(event.store).check(
                event.observations,
                record=f"{art.kind}:{art.id}",
                source_kind=art.kind,
                source_id=art.id,
                source_label=event.store.display_name(art),
                value_key=True,
            )
        elif event.kind == "observations":
            event.replies.extend(
                self._service(event.store)
                .check(
                    event.observations,
                    source_kind=event.source_kind,
                    source_label=event.source_label,
                )
                .alerts
            )
        elif event.kind == "metrics":
            self._on_metrics(event)
        elif event.kind == "job" and event.changes.get("status", "running") not in ACTIVE_STATUSES:
            self._service(event.store, notify="sync").dispatch_pending()

    def _service(self, store: Store, *, notify: str | None = None) -> AlertService:
        try:
            return AlertService(store, notify=notify or self.notify)
        except StewardError as exc:
            # Misconfigured notifiers: keep the alerts (the page lists them), send nothing.
            log.error("alerts are stored but not sent: %s", exc)
            return AlertService(store, notifiers=[], retries=1, notify="sync")

    def _on_metrics(self, event: Landed) -> None:
        latest: dict[str, float] = {}
        for ob in event.observations:
            if ob.metric in RUN_METRICS:
                metric, factor = RUN_METRICS[ob.metric]
                latest[metric] = ob.value * factor
        if not latest:
            return
        store, run_id = event.store, int(event.record_id)
        with self._lock:
            known = self._runs.get((store.url, run_id))
        if known is None:
            known = (set(), self._service(store, notify="background"))
            with self._lock:
                self._runs[(store.url, run_id)] = known
        done, service = known
        fresh = [
            Observation(metric, value, f"run:{run_id}")
            for metric, value in latest.items()
            if metric not in done
            and (th := service.config.get(metric)) is not None
            and th.breached(value)
        ]
        if fresh:
            service.check(
                fresh, source_kind="run", source_id=run_id, source_label=_run_label(store, run_id)
            )
            done.update(ob.metric for ob in fresh)


def _run_label(store: Store, run_id: int) -> str:
    job = store.get_job(run_id)
    if job is not None and job.kind == "train":
        return store.display_name(job)
    return display_title("run", None, job.name if job is not None else str(run_id))


_listener = AlertListener()


def listen(*, notify: str | None = None) -> AlertListener:
    """Subscribe the alert service to the store (idempotent). ``notify`` as in
    :class:`~backend.alerts.service.AlertService` (``"background"`` for the dashboard;
    ``None`` keeps the current mode, synchronous unless set)."""
    if notify is not None:
        _listener.notify = notify
    on_write(_listener)
    return _listener
