"""Open alerts with their notification status, acknowledge and send-now buttons."""

from __future__ import annotations

import streamlit as st

from backend.alerts import AlertService, deliveries
from backend.errors import StewardError
from backend.store import Store
from components.formatting import format_time, status_badge


def _delivery_text(store: Store, alert_id: int) -> str:
    attempts = deliveries(store, alert_id)
    if not attempts:
        return "not notified yet"
    parts = []
    for d in attempts:
        parts.append(f"{d.notifier} ✓" if d.ok else f"{d.notifier} ✗ ({d.error[:80]})")
    return "notified: " + ", ".join(parts)


def render_alerts(store: Store) -> None:
    alerts = store.list_alerts(open_only=True)
    try:
        service = AlertService(store)
    except StewardError as exc:  # a bad [steward.alerts] table in secrets.toml
        st.error(f"Alert notifiers are misconfigured: {exc}")
        service = None
    if service is not None:
        names = ", ".join(n.name for n in service.notifiers)
        pending = service.pending()
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.caption(
            f"Notifiers: {names} (minimum severity: {service.min_severity}). Configure a webhook "
            "or e-mail in `[steward.alerts]` of `.streamlit/secrets.toml`."
        )
        if pending and right.button(
            f"Send {len(pending)} pending", icon=":material/send:", key="alerts-send"
        ):
            with st.spinner("Sending notifications…"):
                sent = service.dispatch_pending()
            failed = [d for d in sent if not d.ok]
            st.session_state["alerts_flash"] = (
                (
                    "warning",
                    "Some notifications failed: "
                    + "; ".join(f"#{d.alert_id} {d.notifier}: {d.error}" for d in failed),
                )
                if failed
                else ("success", f"Sent {len(sent)} notification{'s' if len(sent) != 1 else ''}.")
            )
            st.rerun()  # redraw without the (now empty) pending button
    flash = st.session_state.pop("alerts_flash", None)
    if flash:
        (st.warning if flash[0] == "warning" else st.success)(flash[1])
    if not alerts:
        st.caption("No open alerts.")
    for alert in alerts:
        left, right = st.columns([6, 1], vertical_alignment="center")
        source = f" · {alert.source_kind} #{alert.source_id}" if alert.source_kind else ""
        left.markdown(
            f"{status_badge(alert.severity)} {alert.message}{source} · "
            f"{format_time(alert.created_at)}  \n:gray[{_delivery_text(store, alert.id)}]"
        )
        if right.button("Acknowledge", key=f"cards-ack-{alert.id}"):
            store.acknowledge_alert(alert.id)
            st.rerun()
