"""Did a fine-tuned classifier learn anything? Two checks a reviewer can read.

* **Majority-class baseline**: always answering the most common label of the validation
  rows already scores its share as accuracy (about 0.78 on the demo data). A model whose
  accuracy is not above that has not learned the task, and its fairness figures describe
  a model that barely predicts: small gaps there mean nothing.
* **Ranking quality**: a validation ROC AUC under :data:`AUC_FLOOR` means the model
  scores a positive example above a negative one little more often than a coin flip.

Used by the Fine-tune monitor (under a run's headline figures), by the card auto-fill
(the model card's caveats) and by the demo story. Runs recorded before the baseline was
stored in the summary are checked from their saved predictions file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from backend.observations import finite_number

#: Validation ROC AUC under which a run is flagged (0.5 is chance, 1.0 perfect).
AUC_FLOOR = 0.6
#: Below this many validation rows the checks say nothing (too noisy to judge).
MIN_ROWS = 10

BELOW_MAJORITY = "below_majority_baseline"
LOW_AUC = "low_roc_auc"


@dataclass(frozen=True)
class MajorityBaseline:
    """Always answering ``label``: its accuracy is the label's share of the rows."""

    label: str
    accuracy: float
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SanityWarning:
    """One problem, said plainly: a short title and a sentence or two for a reviewer."""

    code: str
    title: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def as_text(self) -> str:
        return f"{self.title}: {self.message}"


def majority_baseline(labels: Sequence | pd.Series) -> MajorityBaseline | None:
    """The most common label of ``labels`` and the accuracy of always answering it."""
    series = pd.Series(list(labels) if not isinstance(labels, pd.Series) else labels).dropna()
    if series.empty:
        return None
    if pd.api.types.is_float_dtype(series) and (series % 1 == 0).all():
        series = series.astype(int)  # 0.0 / 1.0 after a missing value: the labels are 0 / 1
    counts = series.astype(str).value_counts()
    return MajorityBaseline(
        label=str(counts.index[0]),
        accuracy=float(counts.iloc[0] / len(series)),
        rows=len(series),
    )


def baseline_of(summary: Mapping[str, Any]) -> MajorityBaseline | None:
    """The run's majority-class baseline: from its summary, else from its predictions file."""
    stored = summary.get("majority_baseline")
    if isinstance(stored, Mapping):
        try:
            return MajorityBaseline(
                label=str(stored["label"]),
                accuracy=float(stored["accuracy"]),
                rows=int(stored["rows"]),
            )
        except (KeyError, TypeError, ValueError):
            pass
    path = summary.get("predictions_path")
    if not path or not Path(str(path)).is_file():
        return None
    try:
        y_true = pd.read_csv(path, usecols=["y_true"])["y_true"]
    except (OSError, ValueError, KeyError):
        return None  # an unreadable or foreign file: no baseline rather than an error
    return majority_baseline(y_true)


def _stored_names(summary: Mapping[str, Any]) -> Mapping[str, str]:
    names = summary.get("label_names")
    return names if isinstance(names, Mapping) else {}


def _label_text(label: str, names: Mapping[str, str] | None) -> str:
    name = (names or {}).get(str(label))
    return f"'{label}' ({name})" if name else f"'{label}'"


def check_run(
    summary: Mapping[str, Any], *, label_names: Mapping[str, str] | None = None
) -> list[SanityWarning]:
    """Warnings for a classification run's summary (empty when it looks sane or when
    there is nothing to judge: a causal LM, no evaluation, too few validation rows).

    Label values are named with ``label_names``, else the names the run stored from its
    dataset's registration."""
    if label_names is None:
        label_names = _stored_names(summary)
    if summary.get("task", "classification") != "classification":
        return []
    ev = summary.get("eval")
    if not isinstance(ev, Mapping):
        return []
    out: list[SanityWarning] = []
    acc = finite_number(ev.get("accuracy"))
    base = baseline_of(summary)
    beaten = acc is not None and base is not None and acc > base.accuracy + 1e-9
    if acc is not None and base is not None and base.rows >= MIN_ROWS and not beaten:
        out.append(
            SanityWarning(
                code=BELOW_MAJORITY,
                title="Does not beat guessing",
                message=(
                    f"accuracy {acc:.2f} on {base.rows:,} validation rows is no better "
                    f"than always answering {_label_text(base.label, label_names)}, the "
                    f"most common label ({base.accuracy:.2f}). The model has not learned "
                    "the task; small fairness gaps for it mean little, because it hardly "
                    "predicts anything."
                ),
            )
        )
    auc = finite_number(ev.get("roc_auc"))
    rows = base.rows if base is not None else finite_number(summary.get("eval_rows"))
    if auc is not None and auc < AUC_FLOOR and (rows is None or rows >= MIN_ROWS):
        out.append(
            SanityWarning(
                code=LOW_AUC,
                title="Barely better than chance",
                message=(
                    f"validation ROC AUC is {auc:.2f}, under {AUC_FLOOR:.1f} (0.5 is a coin "
                    "flip, 1.0 ranks every positive example above every negative one). "
                    "Train on more rows or epochs, or raise the learning rate (LoRA usually "
                    "needs 1e-3 to 3e-3, full fine-tuning 2e-5 to 1e-4)."
                ),
            )
        )
    return out


def baseline_comparison(summary: Mapping[str, Any]) -> str | None:
    """One line comparing the run with the majority-class baseline, or None."""
    ev = summary.get("eval")
    if summary.get("task", "classification") != "classification" or not isinstance(ev, Mapping):
        return None
    acc = finite_number(ev.get("accuracy"))
    base = baseline_of(summary)
    if acc is None or base is None:
        return None
    text = (
        f"Accuracy {acc:.3f} against {base.accuracy:.3f} for always answering "
        f"{_label_text(base.label, _stored_names(summary))} (majority-class baseline, "
        f"{base.rows:,} validation rows)"
    )
    auc = finite_number(ev.get("roc_auc"))
    if auc is not None:
        text += f"; ROC AUC {auc:.3f} (0.5 = chance)"
    return text + "."


__all__ = [
    "AUC_FLOOR",
    "MajorityBaseline",
    "SanityWarning",
    "baseline_comparison",
    "baseline_of",
    "check_run",
    "majority_baseline",
]
