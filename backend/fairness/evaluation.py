"""One fairness evaluation: validate input, measure, explain, save.

:func:`evaluate` turns a table of labels, predictions (and optionally scores, text) with
sensitive columns into a JSON-able report (the CLI's ``--json`` output and the content
of the ``evaluation`` artifact). The gaps it calls out are those above ``bias_disparity``
of the alert thresholds file, the one threshold the alerts use too. :func:`save_evaluation`
stores the report with its observations (each column's demographic-parity and
equalized-odds gaps); the alert service hears them from the store.

Evaluation sources
------------------
* fine-tune runs: succeeded ``train`` jobs whose result has ``predictions_path``;
* any table (uploaded or on disk) with label, prediction, optional score and sensitive
  columns;
* the demo baseline (:mod:`backend.fairness.baseline`).
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend.errors import StewardError, validation_message
from backend.fairness import bias_auc as bauc
from backend.fairness.identity import find_terms
from backend.fairness.metrics import (
    METRIC_SHORT,
    METRICS,
    ColumnResult,
    group_metrics,
    overall_metrics,
    pair_difference,
)
from backend.fairness.report import SCHEMA, EvaluationReport
from backend.numbers import format_number
from backend.observations import Observation, finite_number, short_digest

#: Disparity measures observed for the alert thresholds (per sensitive column).
ALERT_MEASURES = ("demographic_parity", "equalized_odds")
MEASURE_LABELS = {
    "demographic_parity": "Demographic-parity difference",
    "equalized_odds": "Equalized-odds difference",
}
_POSITIVE_WORDS = ("1", "true", "yes", "toxic", "positive", "pos", "hate", "offensive", "spam")
_MISSING_GROUP = "(missing)"
_MAX_INTERSECTION_COLUMNS = 4
#: Longest group label accepted in a sensitive column.
MAX_GROUP_LABEL_CHARS = 200
#: Derived sensitive column when only a text column is given.
IDENTITY_COLUMN = "identity mention (from text)"


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


# -- input checks --------------------------------------------------------------------------


def _check_columns(req: EvaluationRequest) -> None:
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


def _as_label_strings(values: pd.Series) -> pd.Series:
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
    t, p = _as_label_strings(y_true), _as_label_strings(y_pred)
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


# -- evaluation ----------------------------------------------------------------------------

_MENTIONS = "mentions an identity term"


def with_identity_column(frame: pd.DataFrame, text_col: str) -> pd.DataFrame:
    """``frame`` plus :data:`IDENTITY_COLUMN`: whether each text mentions an identity term."""
    mentions = np.zeros(len(frame), dtype=bool)
    for mask in find_terms(frame[text_col].tolist()).values():
        mentions |= mask
    return frame.assign(**{IDENTITY_COLUMN: np.where(mentions, _MENTIONS, "no identity term")})


def evaluate(req: EvaluationRequest, *, progress=None) -> dict:
    """Measure per-group metrics, disparities, bias AUCs; explain them in sentences.

    Raises :class:`StewardError` for input that cannot be evaluated at all (missing
    columns, no rows left); everything else degrades to partial results plus warnings.
    """
    _check_columns(req)
    warnings: list[str] = []
    frame = req.frame
    n_input = len(frame)
    if not req.sensitive:
        # No sensitive column: compare rows that mention an identity term with the rest,
        # and let every term found be a bias-AUC subgroup.
        frame = with_identity_column(frame, req.text_col)
        req = dataclasses.replace(req, frame=frame, sensitive=[IDENTITY_COLUMN])
        n_mentions = int((frame[IDENTITY_COLUMN] == _MENTIONS).sum())
        warnings.append(
            f"No sensitive column: groups come from identity terms in '{req.text_col}' "
            f"({n_mentions:,} of {len(frame):,} rows mention one)."
        )
    keep = frame[req.y_true].notna() & frame[req.y_pred].notna()
    if not keep.all():
        warnings.append(
            f"{int((~keep).sum()):,} row(s) without a label or prediction were left out."
        )
    frame = frame[keep].reset_index(drop=True)
    if len(frame) < 2:
        raise StewardError(
            f"Only {len(frame)} row(s) have both a label and a prediction: nothing to evaluate."
        )
    labels = binarize_labels(frame[req.y_true], frame[req.y_pred], req.pos_label, warnings)
    metrics = METRICS if labels.binary else ("accuracy",)

    groups: dict[str, np.ndarray] = {}
    for col in req.sensitive:
        values = frame[col]
        if values.isna().any():
            warnings.append(
                f"{int(values.isna().sum()):,} row(s) have no value for {col}; they form the "
                f"group '{_MISSING_GROUP}'."
            )
        group_names = _as_label_strings(values.fillna(""))
        check_group_labels(col, group_names)
        groups[col] = np.where(values.isna(), _MISSING_GROUP, group_names).astype(object)

    if progress:
        progress(0.1, "Per-group metrics")
    overall = overall_metrics(
        labels.y_true, labels.y_pred, metrics=metrics, n_boot=req.n_boot, seed=req.seed
    )
    rng = np.random.default_rng(req.seed)
    columns: dict[str, ColumnResult] = {}
    for col in req.sensitive:
        columns[col] = group_metrics(
            labels.y_true,
            labels.y_pred,
            groups[col],
            column=col,
            metrics=metrics,
            n_boot=req.n_boot,
            ci=req.ci,
            min_group_size=req.min_group_size,
            rng=rng,
        )
        warnings.extend(columns[col].warnings)

    if progress:
        progress(0.4, "Intersections")
    intersections = {}
    inter_cols = req.sensitive[:_MAX_INTERSECTION_COLUMNS]
    for a, b in itertools.combinations(inter_cols, 2):
        # Object arrays of Python strings (np.char would make fixed-width copies).
        combined = np.array(
            [f"{x} | {y}" for x, y in zip(groups[a].tolist(), groups[b].tolist(), strict=True)],
            dtype=object,
        )
        res = group_metrics(
            labels.y_true,
            labels.y_pred,
            combined,
            column=f"{a} × {b}",
            metrics=metrics,
            n_boot=req.n_boot,
            ci=req.ci,
            min_group_size=req.min_group_size,
            rng=rng,
        )
        intersections[f"{a} × {b}"] = {
            "columns": [a, b],
            "by_group": res.to_dict(),
            "disparities": res.disparities_dict(),
            "n_groups_small": sum(1 for g in res.groups.values() if g.n < req.min_group_size),
        }
    if len(req.sensitive) > _MAX_INTERSECTION_COLUMNS:
        warnings.append(
            f"Intersections are computed for the first {_MAX_INTERSECTION_COLUMNS} sensitive "
            f"columns only."
        )

    if progress:
        progress(0.6, "Bias AUCs")
    bias = _bias_section(req, frame, labels, groups, warnings)

    report = {
        "schema": SCHEMA,
        "source": req.source,
        "n_rows": len(frame),
        "n_rows_input": n_input,
        "columns": {
            "y_true": req.y_true,
            "y_pred": req.y_pred,
            "y_score": req.y_score,
            "text": req.text_col,
            "sensitive": list(req.sensitive),
        },
        "label_mode": "binary" if labels.binary else "multiclass",
        "positive_label": labels.positive,
        "settings": {
            "n_boot": req.n_boot,
            "seed": req.seed,
            "ci": req.ci,
            "min_group_size": req.min_group_size,
            "disparity_threshold": req.threshold,
            "bootstrap": "stratified by group; rates from multinomial resamples of "
            "confusion counts",
        },
        "overall": {m: v["value"] for m, v in overall.items()},
        "overall_ci": overall,
        "by_group": {col: res.to_dict() for col, res in columns.items()},
        "disparities": _worst_disparities(columns),
        "disparities_by_column": {col: res.disparities_dict() for col, res in columns.items()},
        "intersections": intersections,
        **bias,
        "warnings": warnings,
    }
    findings, details = _findings(columns, report, req)
    report["findings"] = findings
    report["finding_details"] = details
    report["observations"] = [
        {"metric": ob.metric, "value": ob.value, "record": ob.record, "context": dict(ob.context)}
        for ob in _gap_observations(columns, req.source)
    ]
    if progress:
        progress(1.0, "Done")
    return report


def _worst_disparities(columns: dict[str, ColumnResult]) -> dict:
    """Per metric, the column with the largest difference (its difference and ratio)."""
    out: dict = {}
    for col, res in columns.items():
        for m, d in res.disparities.items():
            if d.difference is None:
                continue
            if m not in out or d.difference > out[m]["difference"]:
                out[m] = {**d.to_dict(), "column": col}
    return out


def _bias_section(req, frame, labels: BinaryLabels, groups, warnings: list[str]) -> dict:
    empty = {"bias_auc": {}, "bias_auc_summary": None, "final_bias_score": None, "roc": {}}
    if not req.y_score:
        return empty
    if not labels.binary:
        warnings.append("Bias AUCs need binary labels; they were skipped.")
        return empty
    scores = pd.to_numeric(frame[req.y_score], errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(scores)
    if not finite.any():
        warnings.append(
            f"Score column {req.y_score} has no numeric values: bias AUCs and ROC curves were "
            f"skipped (per-group metrics use the predictions)."
        )
        return empty
    if not finite.all():
        warnings.append(
            f"{int((~finite).sum()):,} row(s) have a missing or non-numeric score; bias AUCs "
            f"and ROC curves use the other {int(finite.sum()):,}."
        )
    y, s = labels.y_true[finite], scores[finite]
    subgroups: dict[str, np.ndarray] = {}
    origin: dict[str, str] = {}
    for col, g in groups.items():
        g = g[finite]
        for value in pd.unique(g):
            key = f"{col} = {value}"
            subgroups[key] = g == value
            origin[key] = col
    if req.text_col:
        texts = frame[req.text_col].to_numpy()[finite]
        for term, mask in find_terms(texts).items():
            key = f"mentions '{term}'"
            subgroups[key] = mask
            origin[key] = "text"
    result = bauc.bias_aucs(y, s, subgroups, min_size=2, summary_min_size=req.min_group_size)
    warnings.extend(result.warnings)
    roc = {"overall": bauc.roc_points(y, s)}
    for key in result.subgroups:
        if origin[key] != "text" or result.subgroups[key].n >= 10:
            pts = bauc.roc_points(y[subgroups[key]], s[subgroups[key]], max_points=40)
            if pts is not None:
                roc[key] = pts
    return {
        "bias_auc": {k: {**r.to_dict(), "source": origin[k]} for k, r in result.subgroups.items()},
        "bias_auc_summary": {
            "overall_auc": result.overall_auc,
            "generalized_means": result.generalized_means,
            "power": bauc.POWER,
            "formula": "0.25 * overall AUC + 0.75 * mean of the generalized means (p = -5) "
            "of subgroup, BPSN and BNSP AUCs",
        },
        "final_bias_score": result.final_bias_score,
        "roc": roc,
    }


# -- words ------------------------------------------------------------------------------

_HIGHER_IS_WORSE = {"fpr", "fnr"}
_HIGHER_IS_BETTER = {"accuracy", "precision", "recall"}


def _fmt(x: float | None) -> str:
    return format_number(x, ".2f", missing="n/a")


def finding_sentence(col: str, d, threshold: float | None = None) -> str:
    """'FPR for ethnicity = black is 0.21 higher than for ethnicity = white (95 % CI ...).'"""
    metric = d.metric
    if metric in _HIGHER_IS_BETTER:
        subject, other, word = d.low_group, d.high_group, "lower"
        n_s, n_o = d.n_low, d.n_high
    else:
        subject, other, word = d.high_group, d.low_group, "higher"
        n_s, n_o = d.n_high, d.n_low
    # The interval is of (high - low), the same positive gap whichever group is the subject.
    ci_lo, ci_hi = d.ci_low, d.ci_high
    gap = abs(d.difference)
    ci = f"95 % CI {_fmt(ci_lo)}–{_fmt(ci_hi)}, " if ci_lo is not None else ""
    text = (
        f"{METRIC_SHORT[metric]} for {col} = {subject} is {gap:.2f} {word} than for "
        f"{col} = {other} ({ci}n = {n_s:,} vs {n_o:,})."
    )
    if threshold is not None and gap > threshold:
        text += f" Above the {threshold:.2f} threshold."
    if ci_lo is not None and ci_lo <= 0 <= ci_hi:
        text += " The interval includes 0, so this gap may be chance."
    return text


def _findings(columns: dict[str, ColumnResult], report: dict, req) -> tuple[list[str], list[dict]]:
    candidates = []
    for col, res in columns.items():
        for m in res.metrics:
            if m == "recall" and "fnr" in res.metrics:
                continue  # recall gap == FNR gap; say it once
            d = res.disparities.get(m)
            if d is None or d.difference is None or d.high_group == d.low_group:
                continue
            pair = pair_difference(res, m, d.high_group, d.low_group)
            candidates.append((col, pair))
    candidates.sort(key=lambda cp: -abs(cp[1].difference))
    sentences: list[str] = []
    details: list[dict] = []
    # The largest gaps first, at most two per column so every column gets a say; gaps
    # under 0.02 are not worth a sentence.
    per_column: dict[str, int] = {}
    for col, pair in candidates:
        if len(details) >= 6 or per_column.get(col, 0) >= 2:
            continue
        if abs(pair.difference) < 0.02 and details:
            continue
        per_column[col] = per_column.get(col, 0) + 1
        sentences.append(finding_sentence(col, pair, req.threshold))
        details.append(
            {
                "column": col,
                "metric": pair.metric,
                "high_group": pair.high_group,
                "low_group": pair.low_group,
                "difference": pair.difference,
                "ci_low": pair.ci_low,
                "ci_high": pair.ci_high,
                "n_high": pair.n_high,
                "n_low": pair.n_low,
                "above_threshold": abs(pair.difference) > req.threshold,
            }
        )
    small = [
        f"{col} = {g.name} (n = {g.n})"
        for col, res in columns.items()
        for g in res.groups.values()
        if g.n < req.min_group_size
    ]
    if small:
        sentences.append(
            f"{len(small)} group(s) have fewer than {req.min_group_size} rows and are too small "
            f"to compare reliably: {', '.join(small[:6])}{', ...' if len(small) > 6 else ''}. "
            f"Their intervals are wide; collect more data for them."
        )
    bias = report.get("bias_auc") or {}
    if bias:
        reliable = {k: v for k, v in bias.items() if v.get("in_summary")}
        defined = {k: v for k, v in reliable.items() if v.get("bpsn_auc") is not None}
        if defined:
            worst = min(defined, key=lambda k: defined[k]["bpsn_auc"])
            sentences.append(
                f"Lowest BPSN AUC: {worst} ({defined[worst]['bpsn_auc']:.2f}"
                f"{_auc_ci(defined[worst], 'bpsn_auc')}, n = {defined[worst]['n']:,}): its non-toxic rows score above toxic rows "
                f"elsewhere more often than for any other subgroup (false positives)."
            )
        defined = {k: v for k, v in reliable.items() if v.get("bnsp_auc") is not None}
        if defined:
            worst = min(defined, key=lambda k: defined[k]["bnsp_auc"])
            sentences.append(
                f"Lowest BNSP AUC: {worst} ({defined[worst]['bnsp_auc']:.2f}"
                f"{_auc_ci(defined[worst], 'bnsp_auc')}, n = {defined[worst]['n']:,}): its toxic rows score below non-toxic rows elsewhere "
                f"more often than for any other subgroup (missed positives)."
            )
        summary = report.get("bias_auc_summary") or {}
        if report.get("final_bias_score") is not None:
            sentences.append(
                f"Final bias score {report['final_bias_score']:.3f} (overall AUC "
                f"{summary.get('overall_auc', 0):.3f}; 1.0 would mean no measured bias)."
            )
    if not sentences:
        sentences.append("No group differences could be measured (see warnings).")
    return sentences, details


def _auc_ci(entry: dict, kind: str) -> str:
    ci = (entry.get("ci") or {}).get(kind)
    return f", approx. 95 % CI {ci[0]:.2f}–{ci[1]:.2f}" if ci else ""


def alert_threshold() -> float:
    """``bias_disparity`` of the alert thresholds file: findings and alerts share it."""
    from backend.alerts.config import config_or_defaults  # noqa: PLC0415 - read per evaluation

    return config_or_defaults()[0].threshold_value("bias_disparity")


def _gap_observations(columns: dict[str, ColumnResult], source: dict) -> list[Observation]:
    """Each column's demographic-parity and equalized-odds gap, with the group rates behind it.

    The record is what was evaluated (the source's title): the same evaluation run twice
    is the same record, so its alerts are raised once.
    """
    record = f"evaluated:{short_digest(str(source.get('title') or source.get('kind')))}"
    out = []
    for col, res in columns.items():
        for measure in ALERT_MEASURES:
            d = res.disparities.get(measure)
            if d is None or finite_number(d.difference) is None:
                continue
            if measure == "equalized_odds":
                rec, fpr = res.disparities["recall"], res.disparities["fpr"]
                worst = rec if rec.difference >= fpr.difference else fpr
                name = "recall" if worst is rec else "fpr"
                hi = res.groups[worst.high_group].values[name]
                lo = res.groups[worst.low_group].values[name]
                detail = f"{METRIC_SHORT[name]} {worst.high_group} {hi:.2f} vs {worst.low_group} {lo:.2f}"
            else:
                hi = res.groups[d.high_group].values["selection_rate"]
                lo = res.groups[d.low_group].values["selection_rate"]
                detail = f"selection rate {d.high_group} {hi:.2f} vs {d.low_group} {lo:.2f}"
            words = {
                "part": f"{col}/{measure}",
                "what": f"{MEASURE_LABELS[measure]} for {col}",
                "column": col,
                "detail": detail,
            }
            out.append(Observation("bias_disparity", abs(float(d.difference)), record, words))
    return out


def evaluation_observations(report: dict | EvaluationReport) -> list[Observation]:
    """The observations a report carries (none for reports older than them)."""
    return EvaluationReport.load(report).observation_list()


def gaps_above_threshold(report: dict | EvaluationReport) -> list[str]:
    """One sentence per gap above the report's threshold (the alert threshold it used)."""
    return EvaluationReport.load(report).gaps_above_threshold()


# -- storing ----------------------------------------------------------------------------


def save_evaluation(store, report: dict, *, name: str | None = None, job_id=None, dataset_id=None):
    """Store the report as an ``evaluation`` artifact with its observations.

    Returns ``(artifact, new alerts)``: the store hands the observations to the alert
    service, which raises gaps above ``bias_disparity`` once per evaluated source.
    """
    name = name or f"Fairness: {report['source'].get('title') or report['source'].get('kind')}"
    if "dataset_version" not in report:  # the data version the evaluated model saw
        from backend.dataset_versions import pin_for_record  # noqa: PLC0415

        report["dataset_version"] = pin_for_record(store, job_id=job_id, dataset_id=dataset_id)
    artifact = store.save_artifact(
        kind="evaluation",
        content=report,
        name=name[:200],
        job_id=job_id,
        dataset_id=dataset_id,
        observations=evaluation_observations(report),
    )
    return artifact, store.alerts_for("evaluation", [artifact.id])


# -- sources ----------------------------------------------------------------------------


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
    from backend.datasets import infer_roles

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
