"""Group reweighting and balanced sampling from a sensitive column.

Two ways to give rare groups more say in a fine-tune:

* **Loss reweighting** (``inverse_frequency`` or an ``artifact`` from the Fairness
  page): every example's loss is multiplied by its group's weight.
* **Balanced sampling** (``balanced_sampling``): batches are drawn with probability
  proportional to the same weights (with replacement), so every group is seen about
  equally often.

Weights are normalised so that their mean over the training rows is 1: the loss keeps
its scale and the learning rate means the same with or without reweighting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backend.errors import ConfigError

MISSING_GROUP = "(missing)"
MODES = ("inverse_frequency", "balanced_sampling", "sqrt_inverse_frequency")


def _group_keys(frame: pd.DataFrame, column: str, label_col: str | None) -> pd.Series:
    groups = frame[column].astype("string").fillna(MISSING_GROUP)
    if label_col is None:
        return groups
    labels = frame[label_col].astype("string").fillna(MISSING_GROUP)
    return groups + "|" + labels


def compute_group_weights(
    frame: pd.DataFrame,
    column: str,
    label_col: str | None = None,
    mode: str = "inverse_frequency",
) -> dict[str, float]:
    """Weight per group so that every group carries the same total weight.

    Parameters
    ----------
    frame
        Training rows.
    column
        Sensitive column whose groups are balanced. Missing values form the group
        ``"(missing)"``.
    label_col
        When given, weights are computed per ``"group|label"`` cell as
        ``P(group) · P(label) / P(group, label)`` (Kamiran & Calders reweighing): each
        group gets the label distribution of the whole data, which counters label bias
        rather than only rarity.
    mode
        ``inverse_frequency`` or ``balanced_sampling`` (``n / (k · n_g)``; the same
        numbers, used as loss weights or sampling weights), or ``sqrt_inverse_frequency``
        (a gentler square root of it).

    Returns
    -------
    dict[str, float]
        Group (or ``"group|label"``) to weight, mean 1 over the rows of ``frame``.
    """
    if column not in frame.columns:
        raise ConfigError(
            f"Reweighting column '{column}' is not in the data. "
            f"Available: {', '.join(map(str, frame.columns))}."
        )
    if label_col is not None and label_col not in frame.columns:
        raise ConfigError(f"Label column '{label_col}' is not in the data.")
    if mode not in MODES:
        raise ConfigError(f"Unknown reweighting mode '{mode}'. Use one of: {', '.join(MODES)}.")
    if len(frame) == 0:
        raise ConfigError("Cannot compute group weights on an empty table.")
    n = len(frame)
    if label_col is None:
        counts = _group_keys(frame, column, None).value_counts()
        raw = {str(g): n / (len(counts) * c) for g, c in counts.items()}
    else:
        groups = frame[column].astype("string").fillna(MISSING_GROUP)
        labels = frame[label_col].astype("string").fillna(MISSING_GROUP)
        p_g = groups.value_counts(normalize=True)
        p_y = labels.value_counts(normalize=True)
        p_gy = (groups + "|" + labels).value_counts(normalize=True)
        raw = {}
        for key, pj in p_gy.items():
            g, y = str(key).rsplit("|", 1)
            raw[str(key)] = float(p_g[g] * p_y[y] / pj)
    if mode == "sqrt_inverse_frequency":
        raw = {k: float(np.sqrt(v)) for k, v in raw.items()}
    keys = _group_keys(frame, column, label_col)
    mean = float(keys.map(raw).astype(float).mean())
    return {k: float(v / mean) for k, v in sorted(raw.items())}


@dataclass(frozen=True)
class SampleWeights:
    """Per-row weights for the training rows and how they were obtained."""

    weights: np.ndarray
    group_weights: dict[str, float]
    column: str
    mode: str  # inverse_frequency | balanced_sampling | artifact
    use_sampler: bool  # True: balanced sampling; False: loss weights
    source: str
    missing_groups: list[str]

    def summary(self) -> dict:
        return {
            "column": self.column,
            "mode": self.mode,
            "applied_as": "sampling probabilities" if self.use_sampler else "loss weights",
            "group_weights": {k: round(v, 4) for k, v in self.group_weights.items()},
            "source": self.source,
            "groups_without_weight": self.missing_groups,
        }


def weights_from_artifact(content: dict) -> tuple[str, dict[str, float], str]:
    """Validate an Artifact(kind="reweighting") content: column, weights, source."""
    if not isinstance(content, dict):
        raise ConfigError("The reweighting artifact is not a mapping.")
    column = content.get("column")
    weights = content.get("weights")
    if not isinstance(column, str) or not isinstance(weights, dict) or not weights:
        raise ConfigError(
            "The reweighting artifact must contain 'column' (text) and 'weights' ({group: weight})."
        )
    try:
        clean = {str(k): float(v) for k, v in weights.items()}
    except (TypeError, ValueError):
        raise ConfigError("Reweighting weights must be numbers.") from None
    if any(not np.isfinite(v) or v < 0 for v in clean.values()):
        raise ConfigError("Reweighting weights must be finite and ≥ 0.")
    return column, clean, str(content.get("source", "reweighting artifact"))


def sample_weights_for(
    frame: pd.DataFrame,
    *,
    column: str | None,
    mode: str,
    label_col: str | None = None,
    by_label: bool = False,
    artifact_content: dict | None = None,
    artifact_id: int | None = None,
) -> SampleWeights:
    """Per-row weights for ``frame`` (the training rows) from the configured option."""
    missing: list[str] = []
    if mode == "artifact":
        if artifact_content is None:
            raise ConfigError("Reweighting mode 'artifact' needs reweighting.artifact_id.")
        column, group_w, source = weights_from_artifact(artifact_content)
        if column not in frame.columns:
            raise ConfigError(
                f"The reweighting artifact #{artifact_id} weights column '{column}', "
                "which this dataset does not have."
            )
        keys = _group_keys(frame, column, None)
        missing = sorted(set(keys.unique()) - set(group_w))
        source = f"artifact #{artifact_id}: {source}"
        raw = keys.map(lambda g: group_w.get(g, 1.0)).astype(float).to_numpy()
        use_sampler = False
    else:
        if not column:
            raise ConfigError("Choose the sensitive column to reweight by.")
        label = label_col if by_label else None
        group_w = compute_group_weights(frame, column, label, mode)
        raw = _group_keys(frame, column, label).map(group_w).astype(float).to_numpy()
        source = f"computed by Steward ({mode}{', by label' if label else ''})"
        use_sampler = mode == "balanced_sampling"
    mean = raw.mean() if len(raw) else 1.0
    if mean <= 0:
        raise ConfigError("All reweighting weights are 0 for the training rows.")
    return SampleWeights(
        weights=raw / mean,
        group_weights=group_w,
        column=column,
        mode=mode,
        use_sampler=use_sampler,
        source=source,
        missing_groups=missing,
    )
