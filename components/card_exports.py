"""Export panel: what is missing, Hugging Face metadata checks, and download buttons."""

from __future__ import annotations

import streamlit as st

from backend.cards import CardDocument, CardExportError, CardRepository, hub_metadata
from backend.cards.render import markdown_body
from backend.cards.service import export_context, export_saved_card
from backend.store import Store

LABELS = {"md": "Markdown + HF metadata", "html": "Standalone HTML", "json": "JSON"}


def render_exports(store: Store, card_id: int, version: int, doc: CardDocument) -> None:
    versions = list(range(version, 0, -1))
    chosen = st.selectbox(
        "Version to export",
        versions,
        format_func=lambda v: f"version {v}" + (" (latest)" if v == version else ""),
        key=f"export-version-{card_id}-{version}",
    )
    if chosen != version:
        doc = CardRepository(store).load(card_id, chosen)
        version = chosen
    missing = doc.missing_required()
    if missing:
        st.warning(
            "**Missing required fields** (exports are marked as a draft until they are filled): "
            + "; ".join(missing),
            icon=":material/assignment_late:",
        )
    else:
        st.success("Every required field is filled in.", icon=":material/task_alt:")
    meta = hub_metadata(doc)
    for err in meta.errors:
        st.error(f"Hugging Face metadata: {err}", icon=":material/error:")
    for note in meta.notes:
        st.caption(note)
    cols = st.columns(3)
    previews = {}
    for col, fmt in zip(cols, ("md", "html", "json"), strict=True):
        try:
            export = export_saved_card(store, card_id, fmt, version=version)
        except CardExportError as exc:
            col.button(
                LABELS[fmt], disabled=True, help=str(exc), key=f"dl-{fmt}-off", width="stretch"
            )
            continue
        previews[fmt] = export.content
        col.download_button(
            LABELS[fmt],
            export.content,
            file_name=export.filename,
            mime=export.mime,
            icon=":material/download:",
            key=f"dl-{fmt}-{card_id}-{version}",
            on_click="ignore",
            width="stretch",
        )
    st.caption(
        "Every value is escaped in every export (HTML or script shows as text), and the "
        "sign-offs are included. The Markdown's YAML header is built with huggingface_hub "
        "and checked offline."
    )
    with st.expander("Preview the card as a reader sees it"), st.container(border=True):
        # the same escaped Markdown body the export carries (no YAML header)
        st.markdown(markdown_body(doc, export_context(store, card_id, version)))
    if "md" in previews:
        with st.expander("Markdown source (with the Hugging Face YAML header)"):
            st.code(previews["md"], language="markdown", wrap_lines=True)
