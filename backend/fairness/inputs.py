"""Input checks of a fairness evaluation: the columns exist, labels compare as strings,
group labels are names, and labels become a binary problem (or accuracy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from backend.errors import StewardError
from backend.fairness.request import MAX_GROUP_LABEL_CHARS, EvaluationRequest

_POSITIVE_WORDS = ("1", "true", "yes", "toxic", "positive", "pos", "hate", "offensive", "spam")


def check_columns(req: EvaluationRequest) -> None:
    if not req.sensitive and not req.text_col:
        raise StewardError(
            "Name at least one sensitive column (for example --sensitive gender), or a text "
            "column so identity terms in the text define the subgroups."
        )
    wanted = [req.y_true, req.y_pred, *req.sensitive]
    wanted += [c for c in (req.y_score, req.text_col) if c]
    missing = [c for c in wanted if c not in req.frame.columns]
    if missing:
        raise StewardError(
            f"Column(s) not found: {', '.join(missing)}. The data has: "
            f"{', '.join(map(str, req.frame.columns))}."
        )
    if len(set(wanted)) < len(wanted):
        raise StewardError("The same column is used for two roles; pick distinct columns.")


def as_label_strings(values: pd.Series) -> pd.Series:
    """Normalise labels so 1, 1.0, '1' and True compare equal."""

    def norm(v):
        if isinstance(v, bool | np.bool_):
            return "1" if v else "0"
        if isinstance(v, int | float | np.integer | np.floating):
            f = float(v)
            return str(int(f)) if f.is_integer() else str(f)
        return str(v).strip()

    return values.map(norm)


def check_group_labels(col: str, labels: pd.Series) -> None:
    """Refuse group labels longer than :data:`MAX_GROUP_LABEL_CHARS` (a text column
    picked as a sensitive column, or a hostile file): they cannot name a group."""
    lengths = labels.map(len).to_numpy(dtype=np.int64)
    if len(lengths) and lengths.max() > MAX_GROUP_LABEL_CHARS:
        at = int(np.argmax(lengths > MAX_GROUP_LABEL_CHARS))
        raise StewardError(
            f"Sensitive column '{col}' has a value of {int(lengths[at]):,} characters (row "
            f"{at + 1:,}); group labels may be at most {MAX_GROUP_LABEL_CHARS} characters. "
            f"Choose a column that holds group names (gender, age band, ...), not text."
        )


@dataclass
class BinaryLabels:
    y_true: np.ndarray
    y_pred: np.ndarray
    binary: bool
    positive: str | None
    classes: list[str]


def binarize_labels(
    y_true: pd.Series, y_pred: pd.Series, pos_label: str | None, warnings: list[str]
) -> BinaryLabels:
    t, p = as_label_strings(y_true), as_label_strings(y_pred)
    classes = sorted(set(t) | set(p))
    if set(classes) <= {"0", "1"}:
        positive = "1"
    elif pos_label is not None:
        if str(pos_label) not in classes:
            raise StewardError(
                f"The positive label '{pos_label}' does not occur; labels are: {', '.join(classes)}."
            )
        positive = str(pos_label)
        if len(classes) > 2:
            warnings.append(
                f"Labels have {len(classes)} values; '{positive}' is treated as positive and "
                f"every other value as negative."
            )
    elif len(classes) == 2:
        positive = next((c for c in classes if c.lower() in _POSITIVE_WORDS), classes[1])
        warnings.append(
            f"Labels are {classes[0]!r}/{classes[1]!r}: '{positive}' is the positive class."
        )
    else:
        warnings.append(
            f"Labels have {len(classes)} values ({', '.join(classes[:8])}"
            f"{', ...' if len(classes) > 8 else ''}): precision, recall, FPR, FNR, selection "
            f"rate and bias AUCs need two classes, so only accuracy is reported. Pass a "
            f"positive label (--pos-label) to compare one class against the rest."
        )
        # Accuracy as a binary problem: y_true = 1 everywhere, y_pred = correct. Then
        # (tp + tn) / n is the share of correct predictions.
        correct = (t.to_numpy() == p.to_numpy()).astype(int)
        return BinaryLabels(np.ones(len(t), dtype=int), correct, False, None, classes)
    return BinaryLabels(
        (t == positive).to_numpy().astype(int),
        (p == positive).to_numpy().astype(int),
        True,
        positive,
        classes,
    )
