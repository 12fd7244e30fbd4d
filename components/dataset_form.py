""" "Add a dataset": upload, path or Hugging Face id, then confirm the column roles.

Nothing is stored until the file has been read and the roles validated; errors are
shown as messages, never tracebacks.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.column_roles import ColumnRoles, infer_roles, parse_label_names
from backend.datasets import LoadedTable, load_hf_dataset, load_table, register_dataset, save_upload
from backend.errors import StewardError
from components import state
from components.formatting import show_table

_KEY = "dataset_form_loaded"


def add_dataset_form() -> None:
    """Render the form; on success registers the dataset and reruns the page."""
    settings = state.settings()
    limit = settings.max_upload_mb * 1_000_000
    upload_tab, path_tab, hf_tab = state.tabs(
        ["Upload a file", "Path on this machine", "Hugging Face id"], key="add-dataset-tab"
    )
    with upload_tab:
        up = st.file_uploader(
            f"CSV, JSONL or Parquet (up to {settings.max_upload_mb} MB)",
            type=["csv", "tsv", "jsonl", "ndjson", "json", "parquet"],
        )
        if up is not None and st.button("Read file", key="read-upload"):
            data = up.getvalue()
            _load(
                lambda: load_table(data, name=up.name, max_bytes=limit),
                up.name,
                "upload",
                data=data,
            )
    with path_tab:
        path = st.text_input("Path", placeholder="/data/comments.parquet")
        if st.button("Read file", key="read-path", disabled=not path):
            _load(lambda: load_table(path.strip(), max_bytes=limit), path.strip(), "path")
    with hf_tab:
        hf_id = st.text_input("Dataset id", placeholder="owner/name")
        split = st.text_input("Split", value="train")
        st.caption(
            "Needs network access (STEWARD_OFFLINE=0) unless the dataset is in the local cache."
        )
        if st.button("Load dataset", key="read-hf", disabled=not hf_id):
            with st.spinner(f"Loading {hf_id}…"):
                _load(
                    lambda: load_hf_dataset(hf_id.strip(), split=split),
                    hf_id.strip(),
                    "huggingface",
                )

    loaded = st.session_state.get(_KEY)
    if loaded:
        _confirm_roles(**loaded)


def _load(read, location: str, source: str, data: bytes | None = None) -> None:
    try:
        table: LoadedTable = read()
    except StewardError as exc:
        st.session_state.pop(_KEY, None)
        st.error(str(exc))
        return
    st.session_state[_KEY] = {"table": table, "location": location, "source": source, "data": data}


def _confirm_roles(table: LoadedTable, location: str, source: str, data: bytes | None) -> None:
    frame: pd.DataFrame = table.frame
    for warning in table.warnings:
        st.warning(warning)
    st.markdown(f"**{len(frame):,} rows × {len(frame.columns)} columns** from `{location}`")
    show_table(frame.head(5), hide_index=True, width="stretch")
    guess = infer_roles(frame)
    cols = list(frame.columns)
    with st.form("roles"):
        st.caption("Steward guessed the column roles; change them if they are wrong.")
        name = st.text_input("Name", value=location.rsplit("/", 1)[-1])
        c1, c2 = st.columns(2)
        text = c1.selectbox("Text column", cols, index=cols.index(guess.text) if guess.text else 0)
        label_options = ["(none)", *cols]
        label = c2.selectbox(
            "Label column", label_options, index=label_options.index(guess.label or "(none)")
        )
        sensitive = st.multiselect("Sensitive attributes", cols, default=guess.sensitive)
        label_names = st.text_input(
            "What the label values mean",
            placeholder="1=toxic, 0=not toxic",
            help="Set once here: every page then says 'toxic (label 1)' instead of "
            "'label 1'. Pairs of value=meaning, separated by commas.",
            key="add-dataset-label-names",
        )
        no_pii = st.checkbox(
            "Should contain no personal data",
            value=True,
            help="An audit that finds emails, phone numbers, IDs... in this dataset then "
            "raises an alert (threshold `dataset_pii_rows`).",
        )
        if st.form_submit_button("Add dataset", type="primary"):
            try:
                roles = ColumnRoles(
                    text=text,
                    label=None if label == "(none)" else label,
                    sensitive=sensitive,
                    label_names=parse_label_names(label_names),
                )
                stored_at = location
                if source == "upload" and data is not None:
                    stored_at = str(save_upload(state.settings(), location, data))
                ds = register_dataset(
                    state.store(),
                    frame=frame,
                    name=name or location,
                    source=source,
                    location=stored_at,
                    fmt=table.format,
                    roles=roles,
                    expect_no_pii=no_pii,
                )
            except StewardError as exc:
                st.error(str(exc))
                return
            st.session_state.pop(_KEY, None)
            st.toast(f"Added dataset #{ds.id}: {ds.name}")
            st.rerun()
