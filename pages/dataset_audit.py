"""Dataset audit: choose data, confirm columns, run in the background, read the findings."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from backend.audit.compare import compare_reports
from backend.audit.config import CHECKS, AuditConfig, parse_reference
from backend.audit.ray_engine import ENGINE_LABELS, ENGINES
from backend.audit.registry import check_labels
from backend.audit.runner import check_upload_size, source_for_dataset, submit_audit
from backend.audit.source import list_columns
from backend.datasets import ensure_demo_workspace
from backend.errors import StewardError
from backend.store import ACTIVE_STATUSES
from components import state
from components.alert_views import record_alerts
from components.app_shell import ensure_app_shell
from components.audit_tables import reports_frame
from components.audit_views import render_comparison, render_findings, render_report_tabs
from components.dataset_form import add_dataset_form
from components.formatting import show_table

ensure_app_shell()  # deep link on a fresh server: serve it through app.py

CHECK_LABELS = check_labels()
NONE = "(none)"

st.title("Dataset audit")
st.caption(
    "Before anyone fine-tunes: who is in the data, how the labels treat each group, personal "
    "data, toxicity, duplicates and leakage. Runs in the background; reports are kept."
)
store, manager, settings = state.store(), state.job_manager(), state.settings()

# -- 1. Data -----------------------------------------------------------------------------
datasets = store.list_datasets()
if not datasets:
    st.info("No dataset in this workspace yet.")
    if st.button("Create the demo dataset", type="primary", icon=":material/dataset:"):
        ensure_demo_workspace(store, settings)
        st.rerun()
    with st.expander("…or add your own: upload, path or Hugging Face id", expanded=True):
        add_dataset_form()
    st.stop()

st.subheader("1 · Data")
by_id = {d.id: d for d in datasets}
default_id = st.session_state.get("audit-dataset", datasets[0].id)
known = st.session_state.get("audit-known-datasets")
if known is not None and set(by_id) - set(known):
    default_id = max(set(by_id) - set(known))  # a dataset was just added: audit that one
st.session_state["audit-known-datasets"] = list(by_id)
dataset_id = st.selectbox(
    "Dataset",
    list(by_id),
    index=list(by_id).index(default_id) if default_id in by_id else 0,
    format_func=lambda i: (
        f"{store.display_name(by_id[i])} ({by_id[i].n_rows:,} rows, {by_id[i].source})"
    ),
)
st.session_state["audit-dataset"] = dataset_id
dataset = by_id[dataset_id]
no_pii = st.toggle(
    "Should contain no personal data",
    value=bool(dataset.expect_no_pii),
    key=f"audit-no-pii-{dataset.id}",
    help="When on, an audit that finds PII in this dataset raises an alert "
    "(threshold `dataset_pii_rows` in the alert thresholds).",
)
if no_pii != bool(dataset.expect_no_pii):
    store.update_dataset(dataset.id, expect_no_pii=no_pii)
with st.expander("Add another dataset: upload, path on this machine or Hugging Face id"):
    add_dataset_form()

try:
    columns = list(dataset.columns) or list_columns(source_for_dataset(dataset))
except StewardError as exc:
    st.error(f"This dataset cannot be read any more: {exc}")
    st.stop()

# -- 2. Columns and options -------------------------------------------------------------------
st.subheader("2 · Columns")
roles = dataset.roles or {}
key = f"audit-{dataset.id}"


def _index(options: list[str], value: str | None, fallback: int = 0) -> int:
    return options.index(value) if value in options else fallback


c1, c2, c3 = st.columns(3)
text_col = c1.selectbox(
    "Text column", columns, index=_index(columns, roles.get("text")), key=f"{key}-text"
)
label_options = [NONE, *columns]
label_col = c2.selectbox(
    "Label column", label_options, index=_index(label_options, roles.get("label")),
    key=f"{key}-label",
)  # fmt: skip
split_guess = next((c for c in columns if c.lower() in ("split", "fold", "partition")), None)
split_col = c3.selectbox(
    "Split column (for leakage)",
    label_options,
    index=_index(label_options, split_guess),
    key=f"{key}-split",
    help="Rows of one split whose text also occurs in another are reported as leakage.",
)
sensitive = st.multiselect(
    "Sensitive attributes",
    [c for c in columns if c not in (text_col, label_col, split_col)],
    default=[
        c for c in roles.get("sensitive", []) if c in columns and c not in (text_col, label_col)
    ],
    key=f"{key}-sensitive",
    help="Guessed from the column names when the dataset was added; change them freely.",
)

with st.expander("Options: checks, reference shares, thresholds, second file"):
    checks = st.pills(
        "Checks",
        list(CHECKS),
        selection_mode="multi",
        default=list(CHECKS),
        format_func=CHECK_LABELS.get,
        key=f"{key}-checks",
    )
    o1, o2, o3 = st.columns(3)
    min_ratio = o1.slider("Flag groups below × reference", 0.05, 1.0, 0.5, 0.05)
    min_count = o2.number_input("…or with fewer rows than", 1, 100_000, 30)
    near = o3.slider("Near-duplicate Jaccard ≥", 0.5, 1.0, 0.8, 0.05)
    t1, t2 = st.columns(2)
    tox_threshold = t1.slider(
        "Toxicity threshold", 0.05, 0.95, float(settings.toxicity_threshold), 0.05
    )
    # Detoxify on a CPU scores tens of rows/s: sample big datasets by default.
    tox_rows = t2.number_input(
        "Score at most N rows for toxicity (0 = all)", 0, 10_000_000,
        0 if dataset.n_rows <= 20_000 else 20_000, step=1000, key=f"{key}-toxrows",
        help="Rows are spread evenly over the file. Detoxify on a CPU scores tens of rows "
        "per second; the offline fallback tens of thousands.",
    )  # fmt: skip
    ref_file = st.file_uploader(
        "Reference shares (CSV with column,group,share or JSON); default: uniform",
        type=["csv", "json"],
        key=f"{key}-ref",
    )
    st.download_button(
        "Download a reference template",
        "column,group,share\n"
        + "".join(f"{c},<group>,<share>\n" for c in (sensitive or ["gender"])),
        file_name="reference_shares.csv",
        mime="text/csv",
    )
    second_path = st.text_input(
        "Second file to check for leakage (path on this machine, e.g. the test split)",
        placeholder="/data/test.csv",
    )
    engine = st.radio(
        "Engine",
        ENGINES,
        format_func=ENGINE_LABELS.get,
        horizontal=True,
        key=f"{key}-engine",
        help="Both give the same report. Ray runs the checks in parallel on Ray Data; it "
        "starts in a few seconds the first time (the report says how long).",
    )

reference: dict = {}
problems: list[str] = []
if ref_file is not None:
    try:
        check_upload_size(ref_file.size, settings.max_upload_mb)
        reference = parse_reference(ref_file.getvalue(), name=ref_file.name)
        st.caption(
            "Reference shares: "
            + "; ".join(
                f"{c}: " + ", ".join(f"{g} {s:.0%}" for g, s in groups.items())
                for c, groups in reference.items()
            )
        )
    except StewardError as exc:
        problems.append(str(exc))
if second_path.strip() and not Path(second_path.strip()).expanduser().is_file():
    problems.append(f"Second file not found: {second_path.strip()}")
for problem in problems:
    st.error(problem)

# -- 3. Run ------------------------------------------------------------------------------------
active = [
    j
    for j in store.list_jobs(kind="audit", statuses=ACTIVE_STATUSES, limit=50)
    if (j.params or {}).get("dataset_id") == dataset.id
]
run = st.button(
    "Run audit",
    type="primary",
    icon=":material/play_arrow:",
    disabled=bool(active) or bool(problems) or not checks,
    help="An audit of this dataset is already running." if active else None,
)
if run:
    try:
        config = AuditConfig(
            text_col=text_col,
            label_col=None if label_col == NONE else label_col,
            sensitive=list(sensitive),
            split_col=None if split_col == NONE else split_col,
            reference=reference,
            checks=tuple(checks),
            min_ratio=float(min_ratio),
            min_count=int(min_count),
            near_dup_threshold=float(near),
            toxicity_threshold=float(tox_threshold),
            toxicity_max_rows=int(tox_rows) or None,
        )
        job_id = submit_audit(
            manager, dataset, config, second_path=second_path.strip() or None, engine=engine
        )
    except StewardError as exc:
        st.error(str(exc))
    else:
        st.session_state["audit-job"] = job_id
        st.rerun()


@st.fragment(run_every=1.0 if active else None)
def job_panel(job_ids: list[int]) -> None:
    """Progress of running audits; one full rerun when they end shows the report."""
    jobs = [store.get_job(i) for i in job_ids]
    still = [j for j in jobs if j is not None and j.is_active]
    if job_ids and not still:
        st.rerun(scope="app")
    for job in still:
        cols = st.columns([5, 1])
        cols[0].progress(
            job.progress, text=f"{store.display_name(job)} · {job.message or job.status}"
        )
        if cols[1].button("Cancel", key=f"cancel-{job.id}", icon=":material/stop:"):
            manager.cancel(job.id)
            st.toast(f"Cancelling {store.display_name(job)}…")


if active:
    job_panel([j.id for j in active])

last_job_id = st.session_state.get("audit-job")
last_job = store.get_job(last_job_id) if last_job_id else None
if last_job is not None and (last_job.params or {}).get("dataset_id") == dataset.id:
    if last_job.status == "failed":
        st.error(f"The audit failed: {last_job.error}")
    elif last_job.status in ("cancelled", "interrupted"):
        st.warning(f"{store.display_name(last_job)} was {last_job.status}; nothing was stored.")

# -- 4. Reports --------------------------------------------------------------------------------
all_reports = store.list_artifacts(kind="audit")
audit_numbers = store.record_numbers("audit")
audit_names = {a.id: store.display_name(a, numbers=audit_numbers) for a in all_reports}
reports = [a for a in all_reports if a.dataset_id == dataset.id]
st.subheader("3 · Findings")
if not reports:
    if active:
        st.info("The audit is running: its findings appear here when it finishes.")
    else:
        st.info("No audit of this dataset yet: press **Run audit**.")
else:
    fresh = (last_job.result or {}).get("artifact_id") if last_job and last_job.result else None
    report_ids = [a.id for a in reports]
    if fresh in report_ids and st.session_state.get("audit-fresh-shown") != fresh:
        # A just-finished audit: show its report (the widget would keep the old choice).
        st.session_state[f"{key}-report"] = fresh
        st.session_state["audit-fresh-shown"] = fresh
        st.success(
            f"Audit finished: {audit_names[fresh]}, report below.", icon=":material/task_alt:"
        )
    shown_id = st.selectbox(
        "Report",
        report_ids,
        index=report_ids.index(fresh) if fresh in report_ids else 0,
        format_func=lambda i: next(
            f"{audit_names[i]} · {a.created_at:%Y-%m-%d %H:%M} · {a.content.get('rows', 0):,} rows"
            for a in reports
            if a.id == i
        ),
        key=f"{key}-report",
    )
    artifact = next(a for a in reports if a.id == shown_id)
    report = artifact.content

    def export_panel() -> None:
        st.markdown("##### Anonymised copy")
        st.caption(
            f"The whole dataset as CSV with PII in '{report['columns']['text']}' replaced by "
            "placeholders (<EMAIL>, <PHONE>…). Other columns are unchanged."
        )
        out = settings.home / "exports" / f"dataset-{dataset.id}-anonymised.csv"
        if st.button("Prepare anonymised CSV", icon=":material/visibility_off:"):
            from backend.audit.export import export_anonymised  # noqa: PLC0415

            try:
                with st.spinner("Redacting…"):
                    info = export_anonymised(
                        source_for_dataset(dataset), out, text_cols=[report["columns"]["text"]]
                    )
                st.session_state[f"{key}-export"] = info
            except StewardError as exc:
                st.error(str(exc))
        info = st.session_state.get(f"{key}-export")
        if info and Path(info["path"]).is_file():
            st.caption(
                f"{info['redacted_rows']:,} of {info['rows']:,} rows redacted "
                f"({info['replacements']:,} replacements) · saved at `{info['path']}`"
            )
            if Path(info["path"]).stat().st_size <= settings.max_upload_mb * 1_000_000:
                st.download_button(
                    "Download anonymised CSV",
                    Path(info["path"]).read_bytes(),
                    file_name=Path(info["path"]).name,
                    mime="text/csv",
                    icon=":material/download:",
                )

    render_findings(report)
    record_alerts(store, "audit", report_ids, what="Audits of this dataset")
    render_report_tabs(report, export_slot=export_panel)

# -- 5. Stored reports -------------------------------------------------------------------------
st.subheader("4 · Stored reports")
if not all_reports:
    st.caption("Reports appear here after the first audit.")
else:
    show_table(reports_frame(all_reports, names=audit_names), hide_index=True)
    if len(all_reports) >= 2:
        ids = [a.id for a in all_reports]
        names = audit_names
        k1, k2 = st.columns(2)
        before = k1.selectbox("Compare report", ids, index=1, format_func=names.get)
        after = k2.selectbox("with", ids, index=0, format_func=names.get)
        if before == after:
            st.caption("Pick two different reports to see the differences.")
        else:
            a = next(x for x in all_reports if x.id == before)
            b = next(x for x in all_reports if x.id == after)
            render_comparison(compare_reports(a.content, b.content), names[before], names[after])
