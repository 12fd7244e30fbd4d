"""What a fairness evaluation is asked to measure, with the ranges a user may set.

:class:`EvaluationRequest` is built by the CLI, the page and the evaluation sources
(:mod:`backend.fairness.sources`); its numbers are checked by one pydantic model,
:class:`EvaluationLimits`, so the CLI and the page print the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend.errors import StewardError, validation_message

#: Longest group label accepted in a sensitive column.
MAX_GROUP_LABEL_CHARS = 200


@dataclass
class EvaluationRequest:
    """What to evaluate. ``frame`` holds at least the named columns."""

    frame: pd.DataFrame
    y_true: str
    y_pred: str
    sensitive: list[str]
    y_score: str | None = None
    text_col: str | None = None
    pos_label: str | None = None
    source: dict = field(default_factory=lambda: {"kind": "file", "description": "a table"})
    n_boot: int = 1000
    seed: int = 0
    ci: float = 0.95
    min_group_size: int = 30
    #: Gaps above it are called out; ``None``: ``bias_disparity`` of the thresholds file.
    threshold: float | None = None
    job_id: int | None = None
    dataset_id: int | None = None

    def __post_init__(self) -> None:
        # Ranges live in one pydantic model: the CLI and the page print the same words.
        values = {name: getattr(self, name) for name in EvaluationLimits.model_fields}
        for name in ("y_true", "y_pred", "y_score", "text_col", "pos_label"):
            if values[name] is not None:
                values[name] = str(values[name])  # column names may be numbers
        values["sensitive"] = [str(c) for c in values["sensitive"]]
        if values["threshold"] is None:
            values["threshold"] = self.threshold = alert_threshold()
        try:
            EvaluationLimits.model_validate(values)
        except ValidationError as exc:
            raise StewardError(
                "Invalid fairness setting: " + validation_message(exc, OPTION_LABELS)
            ) from None


class EvaluationLimits(BaseModel):
    """The ranges of every number and name in :class:`EvaluationRequest` a user sets."""

    model_config = ConfigDict(allow_inf_nan=False)

    y_true: str = Field(max_length=MAX_GROUP_LABEL_CHARS)
    y_pred: str = Field(max_length=MAX_GROUP_LABEL_CHARS)
    y_score: str | None = Field(None, max_length=MAX_GROUP_LABEL_CHARS)
    text_col: str | None = Field(None, max_length=MAX_GROUP_LABEL_CHARS)
    pos_label: str | None = Field(None, max_length=MAX_GROUP_LABEL_CHARS)
    sensitive: list[Annotated[str, Field(max_length=MAX_GROUP_LABEL_CHARS)]] = Field(max_length=50)
    n_boot: int = Field(1000, ge=50, le=100_000)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    ci: float = Field(0.95, ge=0.5, lt=1)
    min_group_size: int = Field(30, ge=2, le=1_000_000_000)
    threshold: float = Field(0.15, ge=0, le=1)


#: What the user typed for each field (CLI flag / page label), for error messages.
OPTION_LABELS = {
    "n_boot": "bootstrap resamples (--n-boot)",
    "seed": "seed (--seed)",
    "ci": "confidence level",
    "min_group_size": "minimum group size (--min-group-size)",
    "threshold": "disparity threshold (bias_disparity in the alert thresholds file)",
    "y_true": "label column (--y-true)",
    "y_pred": "prediction column (--y-pred)",
    "y_score": "score column (--y-score)",
    "text_col": "text column (--text-col)",
    "pos_label": "positive label (--pos-label)",
    "sensitive": "sensitive columns (--sensitive)",
}


def alert_threshold() -> float:
    """``bias_disparity`` of the alert thresholds file: findings and alerts share it."""
    from backend.alerts.config import config_or_defaults  # noqa: PLC0415 - read per evaluation

    return config_or_defaults()[0].threshold_value("bias_disparity")
