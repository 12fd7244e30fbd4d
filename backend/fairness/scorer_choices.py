"""Which scorers a user can pick for probes, and loading one by its key.

Apart from :mod:`backend.fairness.scorers` so that the scorers do not import the demo
baseline that is built from them (``baseline`` -> ``scorers``, never back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from backend.errors import StewardError
from backend.fairness.scorers import (
    FineTunedScorer,
    LinearTextScorer,
    embeddings_cache_dir,
    models_dir,
    run_checkpoints,
)
from backend.models import TextScorer


@dataclass(frozen=True)
class ScorerChoice:
    """One scorer the user can pick for probes."""

    key: str
    label: str
    detail: str


def available_scorers(settings, store=None) -> list[ScorerChoice]:
    """Scorers that can be loaded here: toxicity (shared), demo baseline, saved models and
    (with ``store``) fine-tuned binary classifiers from succeeded runs."""
    choices = [
        ScorerChoice(
            "toxicity",
            "Guardrail toxicity scorer",
            "Detoxify when its weights are on this machine, otherwise the alt-profanity-check "
            "fallback (a profanity model); the probe results name the backend that ran.",
        ),
        ScorerChoice(
            "baseline",
            "Demo baseline classifier",
            "Logistic regression on TF-IDF trained by Steward on the synthetic demo data "
            "(train split).",
        ),
    ]
    if store is not None:
        numbers = store.record_numbers("run")
        for job_id, _name, _ckpt in run_checkpoints(store):
            run_name = store.display_name(store.get_job(job_id), numbers=numbers)
            choices.append(
                ScorerChoice(
                    f"run:{numbers[job_id]}",
                    f"Fine-tuned: {run_name}",
                    f"The classifier saved by {run_name} (its checkpoint in the workspace).",
                )
            )
    directory = models_dir(settings)
    if directory.is_dir():
        for path in sorted(directory.glob("*.json"), reverse=True):
            try:
                meta = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            choices.append(
                ScorerChoice(
                    f"model:{path.stem}",
                    f"Saved: {meta.get('name', path.stem)}",
                    meta.get("description", ""),
                )
            )
    return choices


def load_scorer(key: str, settings, store=None) -> TextScorer:
    """Load the scorer named by a :class:`ScorerChoice` key."""
    if key.startswith("run:"):
        if store is None:
            from backend.store import get_store

            store = get_store()
        number = key.split(":", 1)[1].strip()
        if not number.isdigit():
            raise StewardError(
                f"'{key}' is not a run: use run:NUMBER with the number of a fine-tune run "
                "(python -m backend jobs lists them)."
            )
        job = store.record_by_number("run", int(number))
        found = (
            None
            if job is None
            else next((c for c in run_checkpoints(store) if c[0] == job.id), None)
        )
        if found is None:
            raise StewardError(
                f"Run #{number} has no saved binary classifier checkpoint to score with."
            )
        return FineTunedScorer(found[2], name=store.display_name(job))
    if key == "toxicity":
        from backend.detectors.toxicity import load_toxicity_scorer

        return load_toxicity_scorer()
    if key == "baseline":
        from backend.fairness.baseline import demo_baseline

        return demo_baseline(settings).scorer
    if key.startswith("model:"):
        slug = key.split(":", 1)[1]
        path = models_dir(settings) / f"{slug}.json"
        if not path.is_file() or Path(slug).name != slug:
            raise StewardError(f"No saved model named '{slug}'.")
        return LinearTextScorer.load(path, cache_dir=embeddings_cache_dir(settings))
    raise StewardError(f"Unknown scorer '{key}'.")
