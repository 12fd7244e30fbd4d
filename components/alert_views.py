"""The incident log: alerts with their history, acknowledge / resolve with a note,
notification status, and the thresholds in force. Used by the Alerts page and the
Cards page's Alerts tab (``key`` keeps their widgets apart)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from backend.alerts import (
    METRICS,
    AlertActionError,
    AlertService,
    config_or_defaults,
    config_path,
    deliveries,
    transition,
)
from backend.errors import StewardError
from backend.store import ALERT_STATUSES, Alert, Store
from components.alert_charts import alerts_by_metric
from components.formatting import format_time, plain_md, show_table, status_badge
from components.sign_in import current_reviewer

ALERTS_PAGE = "pages/alerts.py"
_FILTERS = {"Open": ("open",), "Acknowledged": ("acknowledged",), "Resolved": ("resolved",)}
_FILTERS["All"] = ALERT_STATUSES


def link_to_alerts(label: str, icon: str | None = None) -> None:
    """A link to the Alerts page (a plain link when the script runs outside app.py's
    navigation, as in a single-page AppTest, where Streamlit knows no other page)."""
    try:
        st.page_link(ALERTS_PAGE, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        st.markdown(f"[{label}](alerts)")


def config_banner() -> None:
    """Say where the thresholds come from, or why the built-in defaults are in force."""
    _config, error = config_or_defaults()
    if error:
        st.error(
            f"{error} Until it is fixed, alerts use the built-in default thresholds.",
            icon=":material/error:",
        )


def _source(alert: Alert) -> str:
    if alert.source_label:
        return alert.source_label
    return f"{alert.source_kind} #{alert.source_id}" if alert.source_kind else "–"


def alerts_frame(alerts: list[Alert]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": a.id,
                "severity": a.severity,
                "status": a.status,
                "metric": a.metric or a.kind,
                "value": a.value,
                "threshold": a.threshold,
                "source": _source(a),
                "raised": a.created_at,
                "message": a.message,
            }
            for a in alerts
        ],
        columns=[
            "id",
            "severity",
            "status",
            "metric",
            "value",
            "threshold",
            "source",
            "raised",
            "message",
        ],
    )


def render_incident_log(store: Store, *, key: str = "alerts", chart: bool = True) -> None:
    """Filter, table, chart, then the selected alert's details and actions."""
    flash = st.session_state.pop(f"{key}-flash", None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    choice = st.segmented_control(
        "Show", list(_FILTERS), default="Open", key=f"{key}-filter", label_visibility="collapsed"
    )
    statuses = _FILTERS[choice or "Open"]
    alerts = store.list_alerts(statuses=statuses, limit=500)
    if not alerts:
        st.info(
            f"No {'' if choice == 'All' else (choice or 'open').lower() + ' '}alerts. Alerts are "
            "raised when an audit, a fairness evaluation, a fine-tune run's metrics or a "
            "generated text crosses a threshold.",
            icon=":material/notifications_off:",
        )
        return
    frame = alerts_frame(alerts)
    chart = chart and frame["metric"].nunique() > 1  # one bar says nothing the table does not
    shown = frame.drop(columns=["message"] + (["status"] if len(statuses) == 1 else []))
    left, right = st.columns([3, 2]) if chart else (st.container(), None)
    with left:
        show_table(
            shown,
            hide_index=True,
            width="stretch",
            height=min(400, 36 * len(frame) + 40),
            column_config={
                "value": st.column_config.NumberColumn(format="%.3g"),
                "threshold": st.column_config.NumberColumn(format="%.3g"),
                "raised": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            },
        )
    if right is not None:
        right.plotly_chart(alerts_by_metric(frame), width="stretch", key=f"{key}-chart")
    by_id = {a.id: a for a in alerts}
    picked = st.selectbox(
        "Alert",
        list(by_id),
        format_func=lambda i: f"#{i} · {by_id[i].severity} · {by_id[i].message[:110]}",
        key=f"{key}-pick",
    )
    if picked is not None:
        render_alert_detail(store, by_id[picked], key=key)


def render_alert_detail(store: Store, alert: Alert, *, key: str) -> None:
    with st.container(border=True):
        st.markdown(
            f"{status_badge(alert.severity)} {status_badge(alert.status)} "
            f"**#{alert.id}** {plain_md(alert.message)}"
        )
        spec = METRICS.get(alert.metric or "")
        cols = st.columns([1, 1, 3])
        cols[0].metric("Value", f"{alert.value:.4g}" if alert.value is not None else "–")
        cols[1].metric(
            "Threshold",
            f"{alert.threshold:.4g}" if alert.threshold is not None else "–",
            help=f"alerts when {spec.direction} · unit: {spec.unit}" if spec else None,
        )
        cols[2].markdown(
            f"**Metric** `{alert.metric or alert.kind}`"
            + (f" · values from {plain_md(spec.source)}" if spec else "")
            + f"  \n**Source** {plain_md(_source(alert))}"
            + f"  \n**Raised** {format_time(alert.created_at)} UTC"
        )
        left, right = st.columns(2)
        with left:
            st.markdown("**History**")
            for e in store.alert_events(alert.id):
                who = f" by **{plain_md(e.actor)}**" if e.actor else ""
                note = f": {plain_md(e.note)}" if e.note else ""
                st.markdown(f"- {format_time(e.at)} · {e.action}{who}{note}")
        with right:
            st.markdown("**Notifications**")
            attempts = deliveries(store, alert.id)
            if not attempts:
                st.caption("Not sent yet (see Notifications).")
            for d in attempts:
                if d.ok:
                    st.markdown(f"- {d.notifier}: :green[delivered] · {format_time(d.at)}")
                else:
                    st.markdown(
                        f"- {d.notifier}: :red[failed after {d.attempts} attempt(s)] · "
                        f"{format_time(d.at)}  \n  {plain_md(d.error)}"
                    )
        _actions(store, alert, key=key)


def _actions(store: Store, alert: Alert, *, key: str) -> None:
    buttons = {
        "open": [("ack", "Acknowledge"), ("resolve", "Resolve")],
        "acknowledged": [("resolve", "Resolve")],
        "resolved": [("reopen", "Reopen")],
    }[alert.status]
    reviewer = current_reviewer()  # the incident log records the signed-in account
    if reviewer is None:
        st.info(
            "Sign in as a reviewer (top of the page) to acknowledge, resolve or reopen: "
            "the incident log records your account.",
            icon=":material/lock:",
        )
        return
    with st.form(f"{key}-act-{alert.id}", border=False):
        note = st.text_area(
            "Note",
            placeholder="What you found, what you did, or why this is acceptable.",
            height=80,
            max_chars=4000,
            key=f"{key}-note-{alert.id}",
        )
        cols = st.columns(len(buttons) + 3)
        pressed = None
        for i, (action, label) in enumerate(buttons):
            if cols[i].form_submit_button(label, type="primary" if i == 0 else "secondary"):
                pressed = action
        st.caption(f"Recorded as **{reviewer.name}**.")
    if pressed:
        try:
            done = transition(store, alert.id, pressed, note=note, actor=reviewer.name)
        except AlertActionError as exc:
            st.error(str(exc))
            return
        st.session_state[f"{key}-flash"] = f"Alert #{done.id} is now {done.status}."
        st.rerun()


def render_notifications(store: Store, *, key: str = "alerts") -> None:
    """Configured notifiers, pending and failed deliveries, send / retry buttons."""
    try:
        service = AlertService(store)
    except StewardError as exc:  # a bad [steward.alerts] table or STEWARD_SMTP_* value
        st.error(f"Alert notifiers are misconfigured: {exc}")
        return
    names = ", ".join(n.name for n in service.notifiers)
    st.markdown(
        f"**Notifiers:** {names} · minimum severity **{service.min_severity}** · "
        f"{service.retries} attempt(s) each"
    )
    if len(service.notifiers) == 1:
        st.caption(
            "Only the log notifier (`logs/alerts.jsonl` in the workspace) is on. Add a webhook "
            "or e-mail in `[steward.alerts]` of `.streamlit/secrets.toml` or with "
            "`STEWARD_ALERT_WEBHOOK_URL` / `STEWARD_SMTP_*` environment variables (see docs/alerts.md)."
        )
    pending, failed = service.pending(), service.failed()
    c1, c2 = st.columns(2)
    c1.metric("Not sent yet", len(pending))
    c2.metric("Last delivery failed", len(failed))
    b1, b2, _ = st.columns([1, 1, 3])
    send = b1.button(
        f"Send {len(pending)} pending",
        icon=":material/send:",
        disabled=not pending,
        key=f"{key}-send",
    )
    retry = b2.button(
        f"Retry {len(failed)} failed",
        icon=":material/refresh:",
        disabled=not failed,
        key=f"{key}-retry",
    )
    if send or retry:
        with st.spinner("Sending notifications…"):
            sent = service.dispatch_pending() if send else service.retry_failed()
        bad = [d for d in sent if not d.ok]
        if bad:
            st.warning(
                "Some notifications failed (the alerts are kept): "
                + "; ".join(f"#{d.alert_id} {d.notifier}: {d.error}" for d in bad)
            )
        else:
            st.success(f"Sent {len(sent)} notification{'s' if len(sent) != 1 else ''}.")


def render_thresholds() -> None:
    config, error = config_or_defaults()
    if error:
        st.caption("Showing the built-in defaults (the file has an error, see above).")
    else:
        st.caption(
            f"From `{config.path}`. Edit that file, or point `STEWARD_ALERTS_CONFIG` at your own; "
            "it is validated whenever it changes. Severity is **high** when a value is at least "
            "`high_margin` past its threshold, else **medium**."
        )
    rows = []
    for name, spec in METRICS.items():
        th = config.get(name)
        rows.append(
            {
                "metric": name,
                "alerts when": f"{spec.direction} {th.value:g} {spec.unit}" if th else "off",
                "high when past by": th.high_margin if th else None,
                "what": spec.label,
                "values from": spec.source,
                "line": th.line if th else None,
            }
        )
    show_table(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(f"Thresholds file: `{config_path()}`")


def render_sidebar_alerts(store: Store) -> None:
    """Open alerts, highest severity first, on every page."""
    _config, error = config_or_defaults()
    if error:
        st.error(f"{error} Using default thresholds.", icon=":material/error:")
    alerts = store.list_alerts(statuses=("open",), limit=50)
    n = len(alerts)
    high = sum(a.severity == "high" for a in alerts)
    label = f"**Open alerts** ({n}{'+' if n == 50 else ''}"
    st.markdown(label + (f", {high} high)" if high else ")"))
    if not alerts:
        st.caption("No open alerts.")
    ranked = sorted(alerts, key=lambda a: (a.severity != "high", -a.id))
    for alert in ranked[:3]:
        st.markdown(f"{status_badge(alert.severity)} {plain_md(_compact(alert))}")
    if alerts:
        link_to_alerts("Incident log", icon=":material/notifications_active:")


def _compact(alert: Alert) -> str:
    """``PII in clean data · 172 > 0 · audit #1`` for the sidebar."""
    spec = METRICS.get(alert.metric or "")
    if spec is None or alert.value is None or alert.threshold is None:
        return _shorten(alert.message, 90)
    op = ">" if spec.direction == "above" else "<"
    # The message names what was measured ("Equalized-odds difference for religion"); use
    # it when it is short, else the metric's short label.
    what = alert.message.split(": ", 1)[0]
    label = what if len(what) <= 48 else spec.short
    return f"{label} · {alert.value:.3g} {op} {alert.threshold:.3g}{_record_head(alert)}"


def _record_head(alert: Alert) -> str:
    """`` · Evaluation #2``: the head of the record's one display name (never its database id)."""
    match = re.match(r"[A-Z][\w -]*? #\d+", alert.source_label or "")
    if match:
        return f" · {match.group(0)}"
    if alert.source_kind and alert.source_id is not None:
        return f" · {alert.source_kind} #{alert.source_id}"
    return f" · {alert.source_kind}" if alert.source_kind else ""


def _shorten(text: str, limit: int = 110) -> str:
    first = text.split(". ")[0]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def record_alerts(store: Store, source_kind: str, source_ids, *, what: str) -> None:
    """A short notice of the alerts these records raised, linking to the incident log."""
    alerts = store.alerts_for(source_kind, source_ids)
    if not alerts:
        return
    open_ = [a for a in alerts if a.status == "open"]
    lines = [
        f"{status_badge(a.severity)} {status_badge(a.status)} {plain_md(_shorten(a.message, 160))}"
        for a in alerts[:5]
    ]
    with st.container(border=True):
        st.markdown(
            f":material/notifications_active: **{what} raised {len(alerts)} alert"
            f"{'s' if len(alerts) != 1 else ''}** ({len(open_)} open)"
        )
        st.markdown("  \n".join(lines))
        link_to_alerts("Acknowledge or resolve in the incident log")
