"""The monitoring checklist item from the alerts the cited records raised."""

from __future__ import annotations

from backend.store import Artifact, Store

from ..schema import CardDocument, ChecklistItem


def fill_monitoring_from_alerts(
    doc: CardDocument,
    store: Store,
    *,
    run: Artifact | None = None,
    audit: Artifact | None = None,
    evaluation: Artifact | None = None,
) -> CardDocument:
    """The monitoring checklist item lists the alerts the cited records raised.

    An audit's alerts may hang on an earlier audit of the same data (the same condition
    is raised once), so every audit of the dataset counts. Open alerts keep the item
    "in progress" with a note saying so; a person's own status is never overwritten.
    """
    wanted: list[tuple[str, list[int]]] = []
    if run is not None and run.job_id is not None:
        wanted.append(("run", [run.job_id]))
    if audit is not None:
        ids = [audit.id]
        if audit.dataset_id is not None:
            ids = [a.id for a in store.list_artifacts("audit") if a.dataset_id == audit.dataset_id]
        wanted.append(("audit", ids))
    if evaluation is not None:
        wanted.append(("evaluation", [evaluation.id]))
    alerts = [a for kind, ids in wanted for a in store.alerts_for(kind, ids)]
    if not alerts:
        return doc
    open_ = [a for a in alerts if a.status == "open"]
    lines = []
    for a in alerts[:12]:
        last = store.alert_events(a.id)[-1]
        who = f" by {last.actor}" if a.status != "open" and last.actor else ""
        note = f": {last.note}" if a.status != "open" and last.note else ""
        lines.append(f"- #{a.id} [{a.severity}, {a.status}{who}] {a.message}{note}")
    if len(alerts) > 12:
        lines.append(f"- … and {len(alerts) - 12} more (Alerts & incidents page)")
    head = f"{len(alerts)} alert(s) raised by the cited records, {len(open_)} still open" + (
        ": resolve or acknowledge them before sign-off." if open_ else "."
    )
    item: ChecklistItem = doc.checklist_item("monitoring")
    if item.status == "not_started" or item.auto:
        item.status = "in_progress"  # type: ignore[assignment]
        item.notes = "\n".join(x for x in (item.notes, head, *lines) if x)
        item.auto = True
    return doc
