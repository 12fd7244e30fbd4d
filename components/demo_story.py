"""Home's guided demo: one button, one progress bar, then a link to each step's result."""

from __future__ import annotations

import streamlit as st

from backend.demo_story import STEPS, active_story, latest_story, story_steps, submit_story
from backend.errors import StewardError
from components import state
from components.formatting import format_duration

ICONS = {
    "audit": ":material/fact_check:",
    "finetune": ":material/model_training:",
    "fairness": ":material/balance:",
    "redteam": ":material/security:",
    "cards": ":material/description:",
}


def _open(step_key: str, records: dict[str, int], page: str) -> None:
    """Select the step's record on its page, then go there."""
    ss = st.session_state
    if step_key == "audit" and "dataset" in records:
        ss["audit-dataset"] = records["dataset"]
        ss[f"audit-{records['dataset']}-report"] = records.get("audit")
    elif step_key == "finetune" and "run" in records:
        ss["ft_run_select"] = records["run"]
    elif step_key == "fairness" and "evaluation" in records:
        ss["fair_eval"] = records["evaluation"]
    elif step_key == "cards" and "model_card" in records:
        ss["cards_selected"] = records["model_card"]
    st.switch_page(page)


def _steps(job) -> None:
    done = {s.key: s for s in story_steps(job)}
    for i, step in enumerate(STEPS, 1):
        outcome = done.get(step.key)
        left, right = st.columns([6, 1], vertical_alignment="center")
        if outcome is None:
            left.markdown(f":gray[{i}. {step.title}]")
            continue
        left.markdown(
            f"{ICONS[step.key]} **{i}. {step.title}** :gray[({format_duration(outcome.seconds)})]"
            f"  \n{outcome.summary}"
        )
        if right.button("Open", key=f"story-open-{step.key}", icon=":material/arrow_forward:"):
            _open(step.key, outcome.records, step.page)


def guided_demo() -> None:
    """The "Run the demo story" action and the latest story's progress and results."""
    store = state.store()
    running = active_story(store)
    if running is None:
        left, right = st.columns([2, 5], vertical_alignment="center")
        if left.button(
            "Run the demo story", type="primary", icon=":material/play_circle:", key="story-run"
        ):
            try:
                submit_story(state.job_manager(), state.settings())
            except StewardError as exc:
                st.error(str(exc))
            else:
                st.rerun()
        right.caption(
            "About 3 minutes on 2 CPU cores, in the background: audit the synthetic demo data, "
            "fine-tune MiniLM with LoRA (a run that learns), check its fairness next to a "
            "baseline, red-team the guardrails, and draft a model card and a data card. Each "
            "page works on its own too."
        )
    _story_panel(live=running is not None)


def _story_panel(*, live: bool) -> None:
    @st.fragment(run_every=2.0 if live else None)
    def panel() -> None:
        job = latest_story(state.store())
        if job is None:
            return
        if live and not job.is_active:
            st.rerun()  # the story just ended: one full rerun shows the button again
        if job.is_active:
            st.progress(job.progress, text=job.message or "Starting…")
        elif job.status == "succeeded":
            total = (job.result or {}).get("seconds") or job.duration_s
            st.success(
                f"The demo story finished in {format_duration(total)}. Open each step's result:",
                icon=":material/task_alt:",
            )
        elif job.status == "failed":
            first = (job.error or "unknown error").strip().splitlines()[0]
            st.error(f"The demo story stopped: {first}", icon=":material/error:")
        else:
            st.warning(f"The demo story was {job.status}.")
        _steps(job)

    panel()
