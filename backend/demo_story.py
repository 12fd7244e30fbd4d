"""The guided demo: one background job that walks Steward's whole story on the demo data.

Five steps, each the same work a page or the CLI does on its own, so every record the
story leaves is an ordinary record that every page shows:

1. audit the synthetic demo dataset (Dataset audit page);
2. a short LoRA fine-tune of the embedded MiniLM that learns (``configs/demo.yaml``,
   settings the Fine-tune monitor's form can fill in), run in the usual supervised worker;
3. a fairness evaluation of that run's predictions and of the TF-IDF baseline, side by side;
4. the shipped red-team suite through the default guardrail policy, saved as a result;
5. a model card and a data card auto-filled from all of it.

``python -m backend demo --story`` and the Home page's "Run the demo story" both call
:func:`submit_story`; the job's result lists each step with the records it made, so the
page can link to them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from backend.errors import JobCancelled, StewardError
from backend.jobs import JobContext, JobManager
from backend.store import Store, display_title

ROOT = Path(__file__).resolve().parent.parent
#: The demo fine-tune: also what the form's "Fill in the demo story's settings" sets.
DEMO_CONFIG = ROOT / "configs" / "demo.yaml"
STORY_KIND = "demo_story"
STORY_NAME = "Guided demo story"
#: Who drafted the story's cards (not a reviewer: a person completes and signs them).
STORY_AUTHOR = "guided demo story"


@dataclass(frozen=True)
class StoryStep:
    key: str
    title: str
    page: str  # the page that shows this step's result
    weight: float  # share of the progress bar (measured durations, roughly)


STEPS: tuple[StoryStep, ...] = (
    StoryStep("audit", "Audit the demo data", "pages/dataset_audit.py", 0.08),
    StoryStep("finetune", "Fine-tune that learns", "pages/finetune_monitor.py", 0.62),
    StoryStep("fairness", "Fairness of the run next to the baseline", "pages/fairness.py", 0.08),
    StoryStep("redteam", "Red-team the guardrails", "pages/guardrails.py", 0.17),
    StoryStep("cards", "Model card and data card", "pages/cards.py", 0.05),
)


@dataclass
class StepOutcome:
    """What one step did: a plain summary and the ids of the records it made."""

    key: str
    title: str
    page: str
    summary: str = ""
    records: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def demo_train_config():
    """The demo story's fine-tune (``configs/demo.yaml``), validated."""
    from backend.training.config import load_config

    return load_config(DEMO_CONFIG)


# -- the job ------------------------------------------------------------------------------
class _Progress:
    """Maps each step's own 0..1 progress onto the story's single bar."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.base = 0.0
        self.step: StoryStep | None = None
        self.index = 0

    def begin(self, step: StoryStep) -> None:
        self.step = step
        self.index = STEPS.index(step) + 1
        self.report(0.0, "starting")

    def report(self, fraction: float, message: str = "") -> None:
        assert self.step is not None
        frac = max(0.0, min(1.0, float(fraction)))
        text = f"Step {self.index}/{len(STEPS)}: {self.step.title}"
        if message:
            text += f" · {message}"
        self.ctx.progress(self.base + self.step.weight * frac, text)

    def end(self) -> None:
        assert self.step is not None
        self.base += self.step.weight


def run_story(ctx: JobContext, *, manager: JobManager, settings) -> dict[str, Any]:
    """Run the five steps; return ``{"steps": [...], "seconds": ...}`` for the job result.

    Raises :class:`~backend.errors.StewardError` naming the step that failed.
    """
    store: Store = ctx.store
    t0 = time.monotonic()
    bar = _Progress(ctx)
    outcomes: list[StepOutcome] = []
    state: dict[str, Any] = {}
    work = {
        "audit": _audit,
        "finetune": _finetune,
        "fairness": _fairness,
        "redteam": _redteam,
        "cards": _cards,
    }
    for step in STEPS:
        bar.begin(step)
        started = time.monotonic()
        outcome = StepOutcome(step.key, step.title, step.page)
        try:
            work[step.key](store, settings, manager, bar, state, outcome)
        except (JobCancelled, KeyboardInterrupt):
            raise
        except StewardError as exc:
            raise StewardError(f"Step {bar.index} ({step.title}) failed: {exc}") from None
        outcome.seconds = round(time.monotonic() - started, 1)
        outcomes.append(outcome)
        # The partial result lets Home link finished steps while the rest runs.
        store.update_job(ctx.job_id, result=_result(outcomes, t0, finished=False))
        bar.end()
    ctx.progress(1.0, f"Done: {len(STEPS)} steps")
    return _result(outcomes, t0, finished=True)


def _result(outcomes: list[StepOutcome], t0: float, *, finished: bool) -> dict[str, Any]:
    return {
        "steps": [o.to_dict() for o in outcomes],
        "seconds": round(time.monotonic() - t0, 1),
        "finished": finished,
    }


def submit_story(manager: JobManager, settings) -> int:
    """Start the story as a background job (one at a time); return its job id."""
    running = active_story(manager.store)
    if running is not None:
        raise StewardError(f"The demo story is already running (job #{running.id}).")
    return manager.submit(
        lambda ctx: run_story(ctx, manager=manager, settings=settings),
        kind=STORY_KIND,
        name=STORY_NAME,
        params={"config": str(DEMO_CONFIG.relative_to(ROOT))},
    )


def active_story(store: Store):
    jobs = store.list_jobs(kind=STORY_KIND, statuses=("queued", "running"), limit=1)
    return jobs[0] if jobs else None


def latest_story(store: Store):
    jobs = store.list_jobs(kind=STORY_KIND, limit=1)
    return jobs[0] if jobs else None


def story_steps(job) -> list[StepOutcome]:
    """The finished steps recorded in a story job's result."""
    steps = ((job.result or {}) if job is not None else {}).get("steps") or []
    return [StepOutcome(**s) for s in steps if isinstance(s, dict)]


# -- the steps ----------------------------------------------------------------------------
def _audit(store, settings, manager, bar, state, out: StepOutcome) -> None:
    from backend.audit.config import AuditConfig
    from backend.audit.runner import audit_dataset
    from backend.datasets import ensure_demo_workspace

    dataset = ensure_demo_workspace(store, settings)
    state["dataset"] = dataset
    roles = dataset.roles or {}
    config = AuditConfig(
        text_col=roles.get("text", "text"),
        label_col=roles.get("label"),
        sensitive=list(roles.get("sensitive", [])),
        split_col="split" if "split" in [str(c) for c in dataset.columns] else None,
        toxicity_threshold=settings.toxicity_threshold,
    )
    art = audit_dataset(store, dataset.id, config, progress=bar.report)
    state["audit"] = art
    report = art.content
    warnings = [f for f in report.get("findings", []) if f.get("severity") == "warning"]
    out.records = {"dataset": dataset.id, "audit": art.id}
    out.summary = (
        f"{store.display_name(art)}: {report.get('rows', 0):,} rows, "
        f"{len(warnings)} finding(s) to look at"
        + (f", e.g. {str(warnings[0].get('text', '')).rstrip('.')}" if warnings else "")
        + "."
    )


def _finetune(store, settings, manager, bar, state, out: StepOutcome) -> None:
    from backend.training.launch import submit_training
    from backend.training.preflight import preflight
    from backend.training.sanity import baseline_comparison, check_run
    from backend.training.summary import RunSummary

    config = demo_train_config().model_copy(update={"dataset_id": state["dataset"].id})
    bar.report(0.0, "checking the data and the model")
    preflight(config, store)  # a bad workspace fails here, before a worker starts
    job_id = submit_training(manager, config, settings)
    state["train_job"] = job_id
    run_name = store.display_name(store.get_job(job_id))
    bar.report(0.0, f"{run_name} started")
    while True:
        manager.wait(job_id, timeout=1.0)
        job = store.get_job(job_id)
        if job.status not in ("queued", "running"):
            break
        try:
            bar.report(job.progress * 0.97, f"{run_name}: {job.message or job.status}")
        except JobCancelled:
            manager.cancel(job_id)
            raise
    # The run ended after the timed wait above returned "running": wait for its supervisor
    # to finish and take the final status (the story failed with "running: Done" otherwise).
    status = manager.wait(job_id)
    job = store.get_job(job_id)
    if status != "succeeded":
        first = (job.error or job.message or status).strip().splitlines()[0]
        raise StewardError(f"{run_name} {status}: {first}")
    stored = job.result or {}
    summary = RunSummary.load_readable(stored)[0]
    warnings = check_run(stored)
    ev = summary.eval or {}
    out.records = {"run": job_id}
    if summary.artifact_id:
        out.records["run_artifact"] = summary.artifact_id
    line = baseline_comparison(stored) or ""
    out.summary = (
        f"{run_name}: LoRA on {summary.train_rows or 0:,} rows, "
        f"{summary.steps or 0} steps; F1 {ev.get('f1', float('nan')):.3f}. {line}"
    ).strip()
    if warnings:
        out.summary += " Warning: " + " ".join(w.as_text() for w in warnings)


def _fairness(store, settings, manager, bar, state, out: StepOutcome) -> None:
    from backend.fairness.evaluation import (
        demo_request,
        evaluate,
        run_request,
        save_evaluation,
    )

    job_id = state["train_job"]
    bar.report(0.05, "baseline classifier (TF-IDF)")
    base_req = demo_request(settings, progress=lambda f, m: bar.report(0.05 + 0.3 * f, m))
    base_report = evaluate(base_req)
    base_art, _ = save_evaluation(store, base_report)
    run_name = store.display_name(store.get_job(job_id))
    bar.report(0.5, f"predictions of {run_name}")
    run_req = run_request(store, job_id)
    run_report = evaluate(run_req)
    # Saved last, so the Fairness page opens on the run's evaluation.
    run_art, _ = save_evaluation(store, run_report, job_id=job_id, dataset_id=run_req.dataset_id)
    state["evaluation"] = run_art
    out.records = {"evaluation": run_art.id, "baseline_evaluation": base_art.id}
    out.summary = (
        f"{store.display_name(run_art)}: {_worst_gap(run_report)}. "
        f"{store.display_name(base_art)} (TF-IDF baseline): {_worst_gap(base_report)}."
    )


def _worst_gap(report: dict) -> str:
    """The largest gap of an evaluation report, in words."""
    from backend.fairness.report import EvaluationReport

    rep = EvaluationReport.load_readable(report)[0]
    measured = [(m, d) for m, d in rep.disparities.items() if d.difference is not None]
    best_text = None
    if measured:
        metric, d = max(measured, key=lambda md: float(md[1].difference))
        best_text = f"largest gap {metric.replace('_', ' ')} {float(d.difference):.3f}" + (
            f" ({d.column})" if d.column else ""
        )
    auc = rep.overall.get("roc_auc")
    parts = [p for p in (best_text, f"ROC AUC {auc:.3f}" if auc is not None else None) if p]
    return ", ".join(parts) or "evaluated"


def _redteam(store, settings, manager, bar, state, out: StepOutcome) -> None:
    from backend.guardrails.pipeline import get_guard
    from backend.guardrails.policy import default_policy
    from backend.guardrails.redteam import (
        SHIPPED_PROMPTS,
        load_prompts,
        run_suite,
        suite_metrics,
        summary_dict,
    )

    bar.report(0.0, "loading the guardrail models")
    guard = get_guard(default_policy())
    prompts = load_prompts(SHIPPED_PROMPTS)
    run = run_suite(guard, prompts, progress=lambda f, m: bar.report(0.1 + 0.85 * f, m))
    metrics = suite_metrics(run)
    suite = SHIPPED_PROMPTS.name
    art = store.save_artifact(
        kind="redteam",
        name=f"Red-team: {suite}",
        content={**summary_dict(run, metrics), "suite": suite},
    )
    state["redteam"] = art
    pol = metrics.policy
    out.records = {"redteam": art.id}
    catch = pol.get("catch_rate")
    fpr = pol.get("false_positive_rate")
    out.summary = (
        f"{store.display_name(art)}: {pol['n_prompts']} prompts through the default policy, "
        f"caught {pol['caught']} of {pol['n_attacks']} attacks"
        + (f" ({catch:.0%})" if catch is not None else "")
        + f", {pol['false_alarms']} false alarm(s) on {pol['n_benign']} benign prompts"
        + (f" ({fpr:.0%})" if fpr is not None else "")
        + "."
    )


def _cards(store, settings, manager, bar, state, out: StepOutcome) -> None:
    from backend.cards.service import create_card

    bar.report(0.1, "model card")
    # Records named by database id ("artifact:N"); people see their display names.
    redteam = state.get("redteam")
    run_job = store.get_job(state["train_job"])
    model = create_card(
        store,
        "model",
        from_run=store.record_number("run", run_job.id),
        from_audit=f"artifact:{state['audit'].id}",
        from_evaluation=f"artifact:{state['evaluation'].id}",
        # the red-team result fills "Safety mechanisms" with its measured rates
        evidence=[("redteam", f"artifact:{redteam.id}")] if redteam is not None else [],
        author=STORY_AUTHOR,
    )
    bar.report(0.5, "data card")
    data = create_card(
        store,
        "data",
        from_audit=f"artifact:{state['audit'].id}",
        dataset_id=state["dataset"].id,
        author=STORY_AUTHOR,
    )
    out.records = {"model_card": model.card_id, "data_card": data.card_id}
    out.summary = (
        f"{display_title('card', model.card_id, 'model card')} from {store.display_name(run_job)}, "
        f"{store.display_name(state['audit'])} and {store.display_name(state['evaluation'])}"
        + (f", {store.display_name(redteam)} as safety evidence" if redteam is not None else "")
        + f"; {display_title('card', data.card_id, 'data card')} from the audit. Both are "
        "drafts for a reviewer."
    )
