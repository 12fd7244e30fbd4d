"""Background work for the Fairness page (run through :class:`backend.jobs.JobManager`).

Each ``*_task`` function returns ``fn(ctx)`` for ``JobManager.submit``; the result dict is
stored as the job result, so it survives page reloads and shows in every tab. Jobs have
``kind="fairness"`` and ``params["task"]`` in {"evaluation", "probes", "mitigation"}; they
are started by the ``submit_*`` functions at the end, never built by a page.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from backend.errors import StewardError
from backend.fairness.evaluation import (
    IDENTITY_COLUMN,
    EvaluationRequest,
    demo_request,
    evaluate,
    run_request,
    with_identity_column,
)
from backend.fairness.report import EvaluationReport, save_evaluation

JOB_KIND = "fairness"


def store_upload(settings, name: str, data: bytes) -> Path:
    """Keep an uploaded predictions file so the evaluation can be re-read (mitigation)."""
    settings.ensure_dirs()
    digest = hashlib.sha256(data).hexdigest()[:12]
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in Path(name).name)[-80:]
    path = Path(settings.uploads_dir) / f"fairness-{digest}-{safe}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def request_from_report(report: EvaluationReport | dict, *, settings, store) -> EvaluationRequest:
    """Re-create the rows behind a stored evaluation (for mitigation)."""
    report = EvaluationReport.load(report)
    source, cols = report.source, report.columns
    if source.kind == "demo":
        return demo_request(settings, features=getattr(source, "features", None) or "tfidf")
    if source.kind == "run":
        if source.job_id is None:
            raise StewardError("This evaluation names no fine-tune run; evaluate the run again.")
        return run_request(store, source.job_id)
    path = source.path
    if not path or not Path(path).is_file():
        raise StewardError(
            "The rows behind this evaluation are no longer on disk; evaluate the file again."
        )
    if not cols.y_true or not cols.y_pred:
        raise StewardError("This evaluation names no label or prediction column.")
    from backend.datasets import load_table

    frame = load_table(path, strict=False).frame
    return EvaluationRequest(
        frame=frame,
        y_true=cols.y_true,
        y_pred=cols.y_pred,
        y_score=cols.y_score,
        text_col=cols.text,
        sensitive=list(cols.sensitive),
        pos_label=report.positive_label if report.positive_label not in (None, "1") else None,
        source=source.model_dump(exclude_unset=True),
    )


EVALUATION_SOURCES = ("demo", "run", "file")


def evaluation_task(
    *,
    settings,
    source: str,
    run_job_id: int | None = None,
    request: EvaluationRequest | None = None,
    min_group_size: int = 30,
    n_boot: int = 1000,
):
    """Measure and save a fairness evaluation of the demo baseline, a fine-tune run's saved
    predictions, or a table already read and mapped (``request``)."""
    if source not in EVALUATION_SOURCES:
        raise StewardError(f"Unknown evaluation source '{source}'.")
    if source == "file" and request is None:
        raise StewardError("Evaluating a file needs its rows and columns.")
    options = {"min_group_size": int(min_group_size), "n_boot": int(n_boot)}

    def run(ctx) -> dict:
        if source == "demo":
            ctx.progress(0.02, "Training the baseline classifier on the demo data")
            req = demo_request(
                settings, progress=lambda f, m: ctx.progress(0.02 + 0.48 * f, m), **options
            )
        elif source == "run":
            ctx.progress(0.02, "Reading the run's predictions")
            req = run_request(ctx.store, run_job_id, **options)
        else:
            req = request
            for name, value in options.items():
                setattr(req, name, value)
        start = 0.5 if source == "demo" else 0.05
        report = evaluate(req, progress=lambda f, m: ctx.progress(start + (0.95 - start) * f, m))
        artifact, alerts = save_evaluation(
            ctx.store, report, job_id=req.job_id, dataset_id=req.dataset_id
        )
        ctx.progress(1.0, "Evaluation saved")
        return {
            "artifact_id": artifact.id,
            "name": ctx.store.display_name(artifact),
            "new_alerts": len(alerts),
        }

    return run


def probe_task(
    *,
    settings,
    scorer_key: str,
    templates_path: str | None = None,
    threshold: float = 0.5,
    max_per_term_label: int = 100,
    seed: int = 0,
):
    """Score identity-term probes with the chosen scorer."""

    def run(ctx) -> dict:
        from backend.fairness.identity import builtin_probe_set, probe_set_from_frame
        from backend.fairness.probes import run_probes
        from backend.fairness.scorer_choices import load_scorer

        ctx.progress(0.02, "Loading templates")
        if templates_path:
            from backend.datasets import load_table

            frame = load_table(templates_path, strict=False).frame
            probes = probe_set_from_frame(
                frame,
                name=Path(templates_path).name.split("-", 2)[-1],
                max_per_term_label=max_per_term_label,
                seed=seed,
            )
        else:
            probes = builtin_probe_set()
        ctx.progress(0.05, "Loading the scorer")
        scorer = load_scorer(scorer_key, settings, ctx.store)
        result = run_probes(
            probes,
            scorer,
            threshold=threshold,
            seed=seed,
            progress=lambda f, m: ctx.progress(0.1 + 0.85 * f, m),
        )
        result["scorer_key"] = scorer_key
        # Saved as a record of its own, so a model card can cite it as evidence.
        art = ctx.store.save_artifact(
            kind="probes",
            name=f"{result['templates']} scored by {result['scorer']}"[:200],
            content=result,
            job_id=ctx.job_id,
        )
        result["artifact_id"] = art.id
        ctx.progress(1.0, "Probes scored")
        return result

    return run


def mitigation_task(
    *,
    settings,
    store,
    evaluation_id: int,
    column: str,
    constraint: str,
    features: str,
    eps: float,
    save_model: bool = True,
    seed: int = 0,
    eps_grid: tuple[float, ...] | None = None,
):
    """Run ThresholdOptimizer + the ExponentiatedGradient sweep on a stored evaluation."""

    def run(ctx) -> dict:
        from backend.fairness.mitigation import MitigationRequest, run_mitigation
        from backend.fairness.scorers import models_dir, slugify

        art = store.get_artifact(evaluation_id)
        if art is None or art.kind != "evaluation":
            raise StewardError(f"Evaluation #{evaluation_id} does not exist.")
        ctx.progress(0.02, "Reading the evaluated rows")
        evaluated = EvaluationReport.load(art.content, name=store.display_name(art))
        req = request_from_report(evaluated, settings=settings, store=store)
        if column == IDENTITY_COLUMN and column not in req.frame.columns and req.text_col:
            req.frame = with_identity_column(req.frame, req.text_col)
        outcome = run_mitigation(
            MitigationRequest(
                frame=req.frame,
                y_true=req.y_true,
                y_pred=req.y_pred,
                y_score=req.y_score,
                text_col=req.text_col,
                pos_label=req.pos_label,
                column=column,
                constraint=constraint,
                features=features,
                eps=eps,
                seed=seed,
                min_group_size=evaluated.settings.min_group_size,
                **({"eps_grid": tuple(eps_grid)} if eps_grid else {}),
                source=req.source,
            ),
            settings=settings,
            progress=lambda f, m: ctx.progress(0.05 + 0.9 * f, m),
        )
        report = outcome.report
        report["evaluation_id"] = evaluation_id
        report["model_key"] = None
        if save_model and outcome.model is not None:
            slug = slugify(f"mitigated-eval{evaluation_id}-job{ctx.job_id}-{constraint}-{column}")
            outcome.model.meta["evaluation_id"] = evaluation_id
            outcome.model.save(models_dir(settings), slug)
            report["model_key"] = f"model:{slug}"
            report["model_name"] = outcome.model.name
        saved = store.save_artifact(
            kind="mitigation",
            name=f"{report['constraint_label']} on {column}"[:200],
            content=report,
            job_id=ctx.job_id,
            dataset_id=art.dataset_id,
        )
        report["artifact_id"] = saved.id
        ctx.progress(1.0, "Mitigation done")
        return report

    return run


def latest_results(store, task: str, *, evaluation_id: int | None = None, limit: int = 50):
    """Fairness jobs of one task, newest first (any status)."""
    jobs = [
        j
        for j in store.list_jobs(kind=JOB_KIND, limit=limit)
        if (j.params or {}).get("task") == task
    ]
    if evaluation_id is not None:
        jobs = [j for j in jobs if (j.params or {}).get("evaluation_id") == evaluation_id]
    return jobs


# -- submitting (the page and any other caller start jobs the same way) ----------------


def submit_evaluation(
    manager,
    *,
    settings,
    source: str,
    title: str,
    run_job_id: int | None = None,
    request: EvaluationRequest | None = None,
    min_group_size: int = 30,
    n_boot: int = 1000,
) -> int:
    """Start a fairness evaluation as a background job; returns the job id."""
    columns = None
    if request is not None:
        columns = {
            "y_true": request.y_true,
            "y_pred": request.y_pred,
            "y_score": request.y_score,
            "text": request.text_col,
            "sensitive": list(request.sensitive),
        }
    return manager.submit(
        evaluation_task(
            settings=settings,
            source=source,
            run_job_id=run_job_id,
            request=request,
            min_group_size=min_group_size,
            n_boot=n_boot,
        ),
        kind=JOB_KIND,
        name=f"Fairness evaluation: {title}"[:200],
        params={
            "task": "evaluation",
            "source": source,
            "run_job_id": run_job_id,
            "path": (request.source or {}).get("path") if request is not None else None,
            "columns": columns,
            "min_group_size": int(min_group_size),
            "n_boot": int(n_boot),
        },
    )


def submit_probes(
    manager, *, settings, scorer_key: str, scorer_label: str, templates_path, threshold: float
) -> int:
    """Start identity-term probes as a background job; returns the job id."""
    return manager.submit(
        probe_task(
            settings=settings,
            scorer_key=scorer_key,
            templates_path=templates_path,
            threshold=threshold,
        ),
        kind=JOB_KIND,
        name=f"Identity probes: {scorer_label}",
        params={"task": "probes", "scorer": scorer_key, "templates": templates_path},
    )


def submit_mitigation(
    manager,
    *,
    settings,
    store,
    evaluation_id: int,
    column: str,
    constraint: str,
    features: str,
    eps: float,
    save_model: bool,
) -> int:
    """Start a mitigation of evaluation ``evaluation_id`` as a background job."""
    return manager.submit(
        mitigation_task(
            settings=settings,
            store=store,
            evaluation_id=evaluation_id,
            column=column,
            constraint=constraint,
            features=features,
            eps=eps,
            save_model=save_model,
        ),
        kind=JOB_KIND,
        name=f"Mitigation: {constraint} on {column}",
        params={
            "task": "mitigation",
            "evaluation_id": evaluation_id,
            "column": column,
            "constraint": constraint,
            "features": features,
            "eps": eps,
        },
    )
