"""The compliance checklist: status, notes and evidence links per item."""

from __future__ import annotations

import streamlit as st

from backend.cards import (
    CHECKLIST_ITEMS,
    CHECKLIST_STATUSES,
    STATUS_LABELS,
    CardDocument,
    CardRepository,
    RecordRef,
    SavedVersion,
    attach_evidence,
    current_hash,
    store_evidence_file,
)
from backend.cards.render import hash_label
from backend.store import Store

STATUS_ICONS = {
    "complete": ":green-badge[:material/check_circle: Complete]",
    "in_progress": ":blue-badge[:material/pending: In progress]",
    "attention": ":orange-badge[:material/warning: Needs attention]",
    "not_started": ":gray-badge[:material/radio_button_unchecked: Not started]",
    "not_applicable": ":gray-badge[:material/block: Not applicable]",
}
_HINTS = {k: hint for k, _, hint in CHECKLIST_ITEMS}


def evidence_line(store: Store, ref: RecordRef) -> str:
    """One evidence link with whether the record is unchanged since the card cited it."""
    now = current_hash(store, ref)
    if now is None:
        state = ":red[missing]"
    elif ref.content_hash and now != ref.content_hash:
        state = ":orange[changed since cited]"
    else:
        state = ":green[unchanged]"
    where = f" `{ref.path}`" if ref.kind == "file" else ""
    digest = f" · {hash_label(ref)} `{ref.content_hash[:10]}`" if ref.content_hash else ""
    return f"- {ref.label or ref.key}{where}{digest} · {state}"


def render_checklist(
    store: Store,
    repo: CardRepository,
    card_id: int,
    version: int,
    doc: CardDocument,
    *,
    records: dict[str, RecordRef],
    evidence_dir,
    author: str | None,
) -> SavedVersion | None:
    """Show and edit the ten checklist items. Returns the save result when saved.

    ``author`` is the signed-in reviewer's account; without one nothing can be saved."""
    done = sum(1 for i in doc.checklist if i.status in ("complete", "not_applicable"))
    st.progress(done / len(doc.checklist), text=f"{done} of {len(doc.checklist)} items settled")
    key = f"chk-{card_id}-{version}"
    with st.form(key, border=False):
        edits = {}
        for item in doc.checklist:
            with st.container(border=True):
                head, badge = st.columns([3, 2], vertical_alignment="center")
                head.markdown(f"**{item.label}**  \n:gray[{_HINTS.get(item.key, '')}]")
                badge.markdown(
                    STATUS_ICONS.get(item.status, item.status)
                    + (" :gray[(suggested from records)]" if item.auto else "")
                )
                c1, c2, c3 = st.columns([1, 2, 2])
                status = c1.selectbox(
                    "Status",
                    CHECKLIST_STATUSES,
                    index=CHECKLIST_STATUSES.index(item.status),
                    format_func=STATUS_LABELS.get,
                    key=f"{key}-{item.key}-status",
                )
                notes = c2.text_area("Notes", item.notes, key=f"{key}-{item.key}-notes", height=68)
                current = [e.key for e in item.evidence]
                options = list(dict.fromkeys(current + list(records)))
                labels = {e.key: e.label or e.key for e in item.evidence} | {
                    k: r.label for k, r in records.items()
                }
                chosen = c3.multiselect(
                    "Evidence (records)",
                    options,
                    default=current,
                    format_func=lambda k, labels=labels: labels.get(k, k),
                    key=f"{key}-{item.key}-evidence",
                )
                if item.evidence:
                    st.markdown("\n".join(evidence_line(store, e) for e in item.evidence))
                edits[item.key] = (status, notes, chosen)
        submitted = st.form_submit_button(
            "Save checklist as new version",
            type="primary",
            icon=":material/save:",
            disabled=author is None,
        )
    if author is None:
        st.caption("Sign in as a reviewer (top of the page) to save: versions record who saved.")
    with (
        st.expander("Attach a file as evidence (e.g. an ethics approval or a DPIA)"),
        st.form(f"{key}-file", border=False),
    ):
        target = st.selectbox(
            "Checklist item",
            [i.key for i in doc.checklist],
            format_func=lambda k: doc.checklist_item(k).label,
        )
        upload = st.file_uploader("File", key=f"{key}-upload")
        attach = st.form_submit_button(
            "Attach file", icon=":material/attach_file:", disabled=author is None
        )
    if author is None:
        return None
    if attach:
        if upload is None:
            st.error("Choose a file to attach.")
            return None
        new = doc.model_copy(deep=True)
        ref = store_evidence_file(evidence_dir, upload.name, upload.getvalue())
        attach_evidence(new, target, ref)
        return repo.save_version(
            card_id,
            new,
            author=author,
            note=f"attached {upload.name} as evidence",
            expected_version=version,
        )
    if not submitted:
        return None
    new = doc.model_copy(deep=True)
    for item in new.checklist:
        status, notes, chosen = edits[item.key]
        if status != item.status or notes != item.notes:
            item.auto = False  # a person decided
        item.status = status
        item.notes = notes or ""
        keep = {e.key: e for e in item.evidence}
        item.evidence = [
            keep.get(k) or records[k].model_copy(update={"field": None})
            for k in chosen
            if k in keep or k in records
        ]
    return repo.save_version(
        card_id, new, author=author, note=note_for(doc, new), expected_version=version
    )


def note_for(old: CardDocument, new: CardDocument) -> str:
    changed = [
        n.label
        for o, n in zip(old.checklist, new.checklist, strict=True)
        if o.model_dump() != n.model_dump()
    ]
    return "checklist: " + ", ".join(changed) if changed else "checklist"
