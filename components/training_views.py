"""Streamlit views of fine-tune runs: the runs table, one run's live view, a comparison.

Pages call these; the figures come from :mod:`components.training_charts` and the data
from :mod:`backend.training.series` (downsampled in the database).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.store import Job, Store
from backend.training.sanity import baseline_comparison, check_run
from backend.training.series import latest_values, load_series
from components.alert_views import record_alerts
from components.formatting import format_duration, format_time, plain_md, show_table, status_badge
from components.training_charts import (
    compare_figure,
    empty_figure,
    eval_figure,
    forecast_figure,
    lines_figure,
    loss_figure,
    per_rank_figure,
    rank_label,
)

RUNNER_LABELS = {"process": "dashboard / CLI", "external": "own script", "thread": "in-process"}


def _energy_wh(job: Job, live: dict | None) -> float | None:
    res = job.result or {}
    if res.get("energy_kwh") is not None:
        return res["energy_kwh"] * 1000
    if live and live.get("energy_kwh_cumulative") is not None:
        return live["energy_kwh_cumulative"] * 1000
    return None


def run_row(store: Store, job: Job, *, numbers: dict[int, int] | None = None) -> dict:
    """One row of the runs table (live values for active runs, the summary otherwise)."""
    res = job.result or {}
    live = latest_values(store, job.id) if job.is_active or not res.get("eval") else {}
    ev = res.get("eval") or {}
    co2 = res.get("co2_g")
    if co2 is None:
        co2 = live.get("co2_g_cumulative")
    eps = res.get("epsilon")
    if eps is None:
        eps = live.get("epsilon")
    return {
        "run": (numbers or {}).get(job.id) or store.record_number("run", job.id),
        "name": job.name,
        "status": job.status,
        "started": format_time(job.started_at or job.created_at),
        "duration": format_duration(job.duration_s),
        "steps": str(res["steps"]) if res.get("steps") is not None else _step(live, job),
        "energy (Wh)": _energy_wh(job, live),
        "CO₂ (g)": co2,
        "ε": eps,
        "eval accuracy": ev.get("accuracy", live.get("eval_accuracy")),
        "eval F1": ev.get("f1", live.get("eval_f1")),
        "eval ROC AUC": ev.get("roc_auc", live.get("eval_roc_auc")),
        "eval loss": ev.get("loss", live.get("eval_loss")),
        "started from": RUNNER_LABELS.get(job.runner, job.runner),
    }


def runs_table(store: Store, jobs: list[Job]) -> None:
    numbers = store.record_numbers("run")
    frame = pd.DataFrame([run_row(store, j, numbers=numbers) for j in jobs])
    numeric = [
        "energy (Wh)",
        "CO₂ (g)",
        "ε",
        "eval accuracy",
        "eval F1",
        "eval ROC AUC",
        "eval loss",
    ]
    for col in numeric:  # None -> NaN, shown as a blank cell rather than "None"
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    show_table(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "run": st.column_config.NumberColumn("run", format="#%d"),
            "energy (Wh)": st.column_config.NumberColumn(format="%.3f"),
            "CO₂ (g)": st.column_config.NumberColumn(format="%.4f"),
            "ε": st.column_config.NumberColumn(format="%.2f"),
            "eval accuracy": st.column_config.NumberColumn(format="%.3f"),
            "eval F1": st.column_config.NumberColumn(format="%.3f"),
            "eval ROC AUC": st.column_config.NumberColumn(format="%.3f"),
            "eval loss": st.column_config.NumberColumn(format="%.3f"),
        },
    )
    st.caption(
        "Energy and CO₂ are estimates unless the run's source says measured (NVML on a GPU); "
        "see each run's details for the source and the grid carbon intensity used."
    )


def _fmt_band(mid, lo, hi, fmt) -> str:
    if mid is None:
        return "–"
    if lo is None or hi is None:
        return fmt(mid)
    return f"{fmt(mid)} ({fmt(lo)} – {fmt(hi)})"


def run_details(store: Store, job: Job, *, compact: bool = False, max_points: int = 1500) -> None:
    """Headline figures and charts of one run."""
    res = job.result or {}
    live = latest_values(store, job.id)
    st.markdown(f"{status_badge(job.status)} **{plain_md(store.display_name(job))}**")
    if job.is_active:
        st.progress(job.progress, text=job.message or job.status)
    elif job.status == "failed":
        first = (job.error or "unknown error").strip().splitlines()[0]
        st.error(f"This run failed: {first}")
        if job.exit_code is not None:
            st.caption(f"Worker exit code: {job.exit_code}. Log: `{job.log_path}`")
        if job.error and "\n" in job.error.strip():
            with st.expander("Full error and last log lines"):
                st.code(job.error)
    elif job.status in ("cancelled", "interrupted"):
        st.warning(f"This run was {job.status}: {job.message}")
    if not compact:
        record_alerts(store, "run", [job.id], what="This run")

    energy_kwh = res.get("energy_kwh", live.get("energy_kwh_cumulative"))
    co2 = res.get("co2_g", live.get("co2_g_cumulative"))
    eps = res.get("epsilon", live.get("epsilon"))
    ev = res.get("eval") or {
        k.removeprefix("eval_"): v for k, v in live.items() if k.startswith("eval_")
    }
    measured = res.get("energy_source") in ("nvml_counter", "nvml_power_integration")
    tag = "measured" if measured else "estimated"
    figures = [
        ("Duration", format_duration(job.duration_s)),
        ("Steps", f"{res.get('steps', 0) if not job.is_active else _step(live, job)}"),
        (f"Energy, {tag}", f"{energy_kwh * 1000:.3f} Wh" if energy_kwh is not None else "–"),
        (f"CO₂, {tag}", f"{co2:.3f} g" if co2 is not None else "–"),
        ("ε (privacy)", f"{eps:.2f}" if eps is not None else "no DP"),
        (
            "Eval F1 / accuracy",
            f"{ev['f1']:.3f} / {ev['accuracy']:.3f}"
            if "f1" in ev and "accuracy" in ev
            else (f"ppl {ev['perplexity']:.1f}" if "perplexity" in ev else "–"),
        ),
    ]
    if compact:  # side by side: a small table reads better than truncated big numbers
        rows = "\n".join(f"| {label} | **{value}** |" for label, value in figures)
        st.markdown("| | |\n|---|---|\n" + rows)
    else:
        cols = st.columns(3)
        for i, (label, value) in enumerate(figures):
            cols[i % len(cols)].metric(label, value, border=True)

    if job.status == "succeeded":
        _sanity(res, compact=compact)

    if job.is_active and live.get("forecast_total_s") is not None:
        total = _fmt_band(
            live.get("forecast_total_s"),
            live.get("forecast_total_s_low"),
            live.get("forecast_total_s_high"),
            format_duration,
        )
        wh = _fmt_band(
            _times(live.get("forecast_energy_kwh"), 1000),
            _times(live.get("forecast_energy_kwh_low"), 1000),
            _times(live.get("forecast_energy_kwh_high"), 1000),
            lambda v: f"{v:.2f} Wh",
        )
        g = _fmt_band(
            live.get("forecast_co2_g"),
            live.get("forecast_co2_g_low"),
            live.get("forecast_co2_g_high"),
            lambda v: f"{v:.3f} g",
        )
        st.info(
            f"**Forecast for the whole run** (p10–p90 band): time {total} · energy {wh} · "
            f"CO₂ {g}. Extrapolated from the steps so far; a shared CPU widens the band."
        )

    if res.get("energy_source_label"):
        st.caption(
            f"Energy: {res['energy_source_label']}. CO₂ = energy × "
            f"{res.get('grid_intensity_g_per_kwh', 0):.0f} g/kWh "
            f"({res.get('grid_intensity_source', 'unknown source')})."
        )
    if res.get("notes"):
        st.caption("Notes: " + " ".join(res["notes"]))
    if res.get("ranks") and not compact:
        _ranks(res, live)

    frame = load_series(store, job.id, max_points=max_points)
    if frame.empty:
        st.caption("No metrics recorded yet: the worker is loading the model.")
        return
    if compact:
        st.plotly_chart(loss_figure(frame), width="stretch", key=f"c-loss-{job.id}")
        st.plotly_chart(
            lines_figure(
                frame,
                ["energy_kwh_cumulative"],
                title="Cumulative energy",
                ytitle="Wh",
                scale=1000,
            ),
            width="stretch",
            key=f"c-energy-{job.id}",
        )
        return
    _charts(frame, job, res)


def _ranks(res: dict, live: dict[str, float]) -> None:
    """Where the ranks of a multi-process run ran and what each one used."""
    ranks = res["ranks"]
    hosts = sorted({r.get("hostname", "") for r in ranks})
    nodes = res.get("nodes") or len({r.get("node_rank") for r in ranks})
    st.markdown(
        f"**{len(ranks)} processes on {nodes} node{'s' if nodes != 1 else ''}** "
        f"({', '.join(hosts)}): rank 0 reports loss and evaluation; every rank measures "
        "its own power and energy, and the run's energy and CO₂ are their sum."
    )
    rows = [
        {
            "rank": rank_label(r["tag"]),
            "host": r.get("hostname", ""),
            "pid": r.get("pid"),
            "energy (Wh)": _rank_energy_wh(r, live),
            "measured by": ENERGY_SOURCE_SHORT.get(r.get("energy_source"), "–"),
            "status": r.get("status", "running"),
        }
        for r in ranks
    ]
    frame = pd.DataFrame(rows)
    frame["energy (Wh)"] = pd.to_numeric(frame["energy (Wh)"], errors="coerce").astype("float64")
    show_table(
        frame,
        hide_index=True,
        width="stretch",
        column_config={"energy (Wh)": st.column_config.NumberColumn(format="%.4f")},
    )


def _rank_energy_wh(rank: dict, live: dict[str, float]) -> float | None:
    """The rank's final energy, or its latest reading while it runs."""
    kwh = rank.get("energy_kwh")
    if kwh is None:
        kwh = live.get(f"energy_kwh_cumulative@{rank['tag']}")
    return kwh * 1000 if kwh is not None else None


#: Short names of the energy sources for the per-rank table (full labels in the caption).
ENERGY_SOURCE_SHORT = {
    "nvml_counter": "GPU energy counter (NVML), measured",
    "nvml_power_integration": "GPU power × time (NVML), measured",
    "codecarbon_cpu_estimate": "CPU estimate (codecarbon)",
    "unavailable": "no energy source",
}


def _sanity(res: dict, *, compact: bool) -> None:
    """Say plainly when the model does not beat guessing or barely ranks; else compare."""
    warnings = check_run(res)
    for w in warnings:
        st.warning(f"**{w.title}**: {w.message}", icon=":material/warning:")
    line = baseline_comparison(res)
    if line and not warnings:
        st.caption(f":material/check_circle: {line}")
    elif line and not compact:
        st.caption(line)


def _times(v, k):
    return None if v is None else v * k


def _step(live: dict, job: Job) -> str:
    total = (job.result or {}).get("total_steps")
    done = round(job.progress * total) if total else None
    return f"{done}/{total}" if total else "–"


def _charts(frame: pd.DataFrame, job: Job, res: dict) -> None:
    names = set(frame["name"])
    has_gpu = "gpu_power_w" in names
    left, right = st.columns(2)
    left.plotly_chart(loss_figure(frame), width="stretch", key=f"loss-{job.id}")
    right.plotly_chart(eval_figure(frame), width="stretch", key=f"eval-{job.id}")
    left, right = st.columns(2)
    left.plotly_chart(
        lines_figure(frame, ["learning_rate"], title="Learning rate", ytitle="lr"),
        width="stretch",
        key=f"lr-{job.id}",
    )
    right.plotly_chart(
        lines_figure(
            frame,
            ["examples_per_s"],
            title="Throughput",
            ytitle="examples / s",
            empty_message="Telemetry off: no throughput samples.",
        ),
        width="stretch",
        key=f"tput-{job.id}",
    )
    left, right = st.columns(2)
    if has_gpu:
        power_names, power_title = ["gpu_power_w", "cpu_power_w", "ram_power_w"], "Power"
    else:
        power_names = ["power_w", "cpu_power_w", "ram_power_w"]
        power_title = "Power (no GPU: CPU/RAM estimated by codecarbon)"
    left.plotly_chart(
        lines_figure(frame, power_names, title=power_title, ytitle="W"),
        width="stretch",
        key=f"power-{job.id}",
    )
    right.plotly_chart(
        lines_figure(
            frame,
            ["energy_kwh_cumulative"],
            title="Cumulative energy",
            ytitle="Wh",
            scale=1000,
            empty_message="No energy source for this run.",
        ),
        width="stretch",
        key=f"energy-{job.id}",
    )
    if any("@" in n for n in names):
        left, right = st.columns(2)
        left.plotly_chart(
            per_rank_figure(frame, "power_w", title="Power per rank", ytitle="W"),
            width="stretch",
            key=f"rank-power-{job.id}",
        )
        right.plotly_chart(
            per_rank_figure(
                frame,
                "energy_kwh_cumulative",
                title="Energy per rank (the run's is their sum)",
                ytitle="Wh",
                scale=1000,
            ),
            width="stretch",
            key=f"rank-energy-{job.id}",
        )
    left, right = st.columns(2)
    left.plotly_chart(
        lines_figure(
            frame,
            ["co2_g_cumulative"],
            title=f"Cumulative CO₂ at {res.get('grid_intensity_g_per_kwh', 0):.0f} g/kWh",
            ytitle="g CO₂e",
            empty_message="No energy source for this run.",
        ),
        width="stretch",
        key=f"co2-{job.id}",
    )
    if "epsilon" in names:
        right.plotly_chart(
            lines_figure(frame, ["epsilon"], title="Privacy budget ε (RDP accountant)", ytitle="ε"),
            width="stretch",
            key=f"eps-{job.id}",
        )
    else:
        right.plotly_chart(
            empty_figure("Privacy budget ε", "Differential privacy is off for this run."),
            width="stretch",
            key=f"eps-{job.id}",
        )
    left, right = st.columns(2)
    left.plotly_chart(
        forecast_figure(frame, "total_s", title="Forecast: total run time", ytitle="s"),
        width="stretch",
        key=f"fc-time-{job.id}",
    )
    right.plotly_chart(
        forecast_figure(
            frame, "energy_kwh", title="Forecast: total energy", ytitle="Wh", scale=1000
        ),
        width="stretch",
        key=f"fc-energy-{job.id}",
    )
    left, right = st.columns(2)
    left.plotly_chart(
        lines_figure(
            frame,
            ["cpu_percent", "system_cpu_percent"],
            title="CPU load",
            ytitle="%",
        ),
        width="stretch",
        key=f"cpu-{job.id}",
    )
    right.plotly_chart(
        lines_figure(frame, ["ram_gb"], title="Memory", ytitle="GB"),
        width="stretch",
        key=f"ram-{job.id}",
    )


def comparison(store: Store, jobs: list[Job]) -> None:
    """Two (or more) runs side by side, plus overlays of the main curves."""
    cols = st.columns(len(jobs))
    for col, job in zip(cols, jobs, strict=True):
        with col:
            run_details(store, job, compact=True, max_points=800)
    frames = {store.display_name(j): load_series(store, j.id, max_points=800) for j in jobs}
    left, right = st.columns(2)
    left.plotly_chart(
        compare_figure(frames, "loss", title="Training loss", ytitle="loss"),
        width="stretch",
        key="cmp-loss",
    )
    right.plotly_chart(
        compare_figure(frames, "examples_per_s", title="Throughput", ytitle="examples / s"),
        width="stretch",
        key="cmp-tput",
    )
