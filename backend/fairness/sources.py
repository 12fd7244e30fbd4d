"""Where fairness evaluations come from: fine-tune runs that saved predictions, any table
(with guessed column roles), and Steward's demo baseline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from backend.errors import StewardError
from backend.fairness.request import EvaluationRequest


@dataclass(frozen=True)
class RunSource:
    """A succeeded fine-tune run that saved predictions."""

    job_id: int
    name: str
    predictions_path: str
    sensitive_columns: tuple[str, ...]
    dataset_id: int | None
    available: bool


def list_run_sources(store) -> list[RunSource]:
    out = []
    for job in store.list_jobs(kind="train", statuses=["succeeded"]):
        result = job.result or {}
        path = result.get("predictions_path")
        if not path:
            continue
        out.append(
            RunSource(
                job_id=job.id,
                name=job.name,
                predictions_path=str(path),
                sensitive_columns=tuple(result.get("sensitive_columns") or ()),
                dataset_id=(job.params or {}).get("dataset_id"),
                available=Path(path).is_file(),
            )
        )
    return out


def run_request(store, job_id: int, **kw) -> EvaluationRequest:
    """An evaluation request for the predictions saved by fine-tune run ``job_id``."""
    from backend.datasets import load_table

    source = next((s for s in list_run_sources(store) if s.job_id == job_id), None)
    job = store.get_job(job_id)
    run_name = store.display_name(job) if job is not None else f"Run (job {job_id})"
    if source is None:
        raise StewardError(f"{run_name} is not a succeeded fine-tune with saved predictions.")
    if not source.available:
        raise StewardError(f"The predictions file of {run_name} is gone: {source.predictions_path}")
    frame = load_table(source.predictions_path, strict=False).frame
    sensitive = [c for c in source.sensitive_columns if c in frame.columns]
    if not sensitive:
        raise StewardError(
            f"{run_name} saved no sensitive columns with its predictions; evaluate its file "
            f"({source.predictions_path}) and name the columns yourself."
        )
    # The run's y_score is the probability of the second of its label values.
    label_values = (job.result or {}).get("label_values") or []
    pos_label = str(label_values[1]) if len(label_values) == 2 else None
    kw.setdefault("pos_label", pos_label)
    return EvaluationRequest(
        frame=frame,
        y_true="y_true",
        y_pred="y_pred",
        y_score="y_score" if "y_score" in frame.columns else None,
        text_col="text" if "text" in frame.columns else None,
        sensitive=sensitive,
        source={
            "kind": "run",
            "title": run_name,
            "description": f"Predictions saved by {run_name} on its evaluation split.",
            "job_id": job_id,
            "path": source.predictions_path,
        },
        job_id=job_id,
        dataset_id=source.dataset_id,
        **kw,
    )


def demo_request(
    settings=None, *, features: str = "tfidf", progress=None, **kw
) -> EvaluationRequest:
    """An evaluation request for Steward's baseline classifier on the demo test split."""
    from backend.fairness.baseline import SENSITIVE, demo_baseline

    base = demo_baseline(settings, features=features, progress=progress)
    if settings is not None and "dataset_id" not in kw:
        # Link the evaluation to the registered demo dataset (cards cite it), if there is one.
        from backend.datasets import DEMO_FILE
        from backend.store import get_store

        demo = get_store().find_dataset(location=str(settings.demo_dir / DEMO_FILE))
        kw["dataset_id"] = demo.id if demo is not None else None
    return EvaluationRequest(
        frame=base.predictions,
        y_true="y_true",
        y_pred="y_pred",
        y_score="y_score",
        text_col="text",
        sensitive=list(SENSITIVE),
        source={
            "kind": "demo",
            "title": f"demo baseline ({features})",
            "description": base.description,
            "features": features,
            "synthetic": True,
        },
        **kw,
    )


def guess_columns(frame: pd.DataFrame) -> dict:
    """Best guesses for the column roles of an uploaded predictions table."""
    from backend.column_roles import infer_roles

    lower = {c: str(c).lower() for c in frame.columns}

    def pick(names):
        return next((c for c in frame.columns if lower[c] in names), None)

    y_true = pick(("y_true", "label", "labels", "target", "truth", "gold", "toxic", "is_toxic"))
    y_pred = pick(("y_pred", "pred", "prediction", "predicted", "predicted_label"))
    y_score = pick(("y_score", "score", "prob", "proba", "probability", "y_prob", "toxicity_score"))
    roles = infer_roles(frame)
    return {
        "y_true": y_true,
        "y_pred": y_pred,
        "y_score": y_score,
        "text": roles.text,
        "sensitive": [c for c in roles.sensitive if c not in (y_true, y_pred, y_score)],
    }
