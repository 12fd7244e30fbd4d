"""A real baseline classifier on the synthetic demo data, so Fairness works before any
fine-tune has run.

Logistic regression on TF-IDF (default, about a second) or on MiniLM sentence embeddings,
trained on the demo dataset's ``train`` split and scored on its ``test`` split. It is what it
says: a baseline classifier trained by Steward on synthetic data, not a fine-tuned model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backend.fairness.scorers import (
    FEATURE_LABELS,
    LinearTextScorer,
    TextFeatures,
    embeddings_cache_dir,
    fit_logistic,
    scorer_from_logistic,
)

SENSITIVE = ["gender", "age_group", "ethnicity", "religion"]
THRESHOLD = 0.5


@dataclass
class DemoBaseline:
    scorer: LinearTextScorer
    predictions: pd.DataFrame  # test split: text, y_true, y_pred, y_score + sensitive columns
    n_train: int
    description: str


_cache: dict[str, DemoBaseline] = {}
_lock = threading.Lock()


def demo_baseline(settings=None, *, features: str = "tfidf", progress=None) -> DemoBaseline:
    """Train (once per process and feature kind) and score the demo baseline."""
    with _lock:
        if features in _cache:
            return _cache[features]
    from backend.demo_data import generate_demo_dataset

    frame = generate_demo_dataset()
    train = frame[frame["split"] == "train"].reset_index(drop=True)
    test = frame[frame["split"] == "test"].reset_index(drop=True)
    cache_dir = embeddings_cache_dir(settings) if settings is not None else None
    feats = TextFeatures.fit(train["text"], features, cache_dir=cache_dir)

    def sub(lo, hi):
        if progress is None:
            return None
        return lambda f, msg: progress(lo + (hi - lo) * f, msg)

    x_train = feats.transform(train["text"], progress=sub(0.0, 0.7))
    model = fit_logistic(x_train, train["label"])
    scorer = scorer_from_logistic(
        f"Demo baseline ({features})",
        feats,
        model,
        description=(
            f"Baseline classifier trained by Steward on the synthetic demo data: logistic "
            f"regression on {FEATURE_LABELS[features]}, {len(train):,} train rows."
        ),
    )
    x_test = feats.transform(test["text"], progress=sub(0.7, 1.0))
    scores = scorer.score_features(x_test)
    preds = pd.DataFrame(
        {
            "text": test["text"],
            "y_true": test["label"].astype(int),
            "y_pred": (scores >= THRESHOLD).astype(int),
            "y_score": np.round(scores, 6),
            **{c: test[c].astype(str) for c in SENSITIVE},
        }
    )
    result = DemoBaseline(
        scorer=scorer,
        predictions=preds,
        n_train=len(train),
        description=(
            f"Baseline classifier trained by Steward on the synthetic demo data (logistic "
            f"regression on {FEATURE_LABELS[features]}, {len(train):,} train rows), scored "
            f"on the {len(test):,}-row test split. Not a fine-tuned model."
        ),
    )
    with _lock:
        _cache[features] = result
    return result
