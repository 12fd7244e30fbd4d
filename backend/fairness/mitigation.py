"""Mitigation: post-processing (ThresholdOptimizer), reductions (ExponentiatedGradient) and
group reweighting for the fine-tune.

Protocol (honest about what is measured): the evaluation rows are split 50/50, stratified
by group and label, with a seed. Mitigators are fitted on the *fit* half and every number
(before and after) is measured on the *held-out* half, so "after" is not flattered by
fitting on the rows it is scored on.

* **ThresholdOptimizer** post-processes the evaluated model's own scores (group-specific,
  randomized thresholds). It needs the group at prediction time, so it cannot score new
  text without a group and is not saved as a scorer.
* **ExponentiatedGradient** trains a new classifier: logistic regressions over text
  features (MiniLM sentence embeddings, or TF-IDF reduced to 200 dimensions with a
  truncated SVD, because fairlearn's reductions need dense input), combined into a
  randomized mixture that satisfies the constraint up to ``eps`` on the fit half. A sweep
  over ``eps`` gives the accuracy-versus-disparity curve; the chosen model can be saved as a
  scorer (JSON + npz, no pickle) and used for probes.
* **Reweighting** computes per-group training weights that the fine-tune consumes through
  an ``reweighting`` artifact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from backend.errors import StewardError
from backend.fairness.evaluation import binarize_labels, check_group_labels
from backend.fairness.metrics import group_metrics
from backend.fairness.report import EvaluationReport, MitigationReport
from backend.fairness.scorers import (
    FEATURE_LABELS,
    LinearTextScorer,
    TextFeatures,
    fit_logistic,
)
from backend.training.reweighting import MISSING_GROUP, compute_group_weights

CONSTRAINTS = ("demographic_parity", "equalized_odds", "true_positive_rate_parity")
CONSTRAINT_LABELS = {
    "demographic_parity": "demographic parity (equal selection rates)",
    "equalized_odds": "equalized odds (equal TPR and FPR)",
    "true_positive_rate_parity": "false-negative-rate parity (equal miss rates, equal TPR)",
}
#: The disparity (in ``group_metrics``) each constraint narrows.
CONSTRAINT_GAPS = {
    "demographic_parity": "demographic_parity",
    "equalized_odds": "equalized_odds",
    "true_positive_rate_parity": "recall",
}
#: The gaps a mitigation result reports before and after, with their names.
GAP_LABELS = {
    "demographic_parity": "demographic-parity gap",
    "equalized_odds": "equalized-odds gap",
    "fnr": "false-negative-rate gap",
}
#: A flagged per-group metric gap -> the constraint that targets it.
_METRIC_CONSTRAINTS = {
    "selection_rate": "demographic_parity",
    "fnr": "true_positive_rate_parity",
    "recall": "true_positive_rate_parity",
}
DEFAULT_EPS_GRID = (0.002, 0.01, 0.02, 0.05, 0.1, 0.2)
DEFAULT_TOL_GRID = (0.0, 0.02, 0.05, 0.1, 0.2)
_SVD_DIMS = 200


class ScorePassthrough(ClassifierMixin, BaseEstimator):
    """The evaluated model, represented by its own scores (column 0 of X).

    ThresholdOptimizer post-processes a model's output; when all we have is a predictions
    file, the scores *are* that output.
    """

    def fit(self, X, y=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        s = np.clip(np.asarray(X, dtype=float)[:, 0], 0.0, 1.0)
        return np.column_stack([1 - s, s])

    def predict(self, X):
        return (np.asarray(X, dtype=float)[:, 0] >= 0.5).astype(int)


@dataclass
class MitigationRequest:
    frame: pd.DataFrame
    y_true: str
    y_pred: str
    column: str
    y_score: str | None = None
    text_col: str | None = None
    pos_label: str | None = None
    constraint: str = "demographic_parity"
    features: str = "tfidf"
    eps: float = 0.02
    eps_grid: tuple[float, ...] = DEFAULT_EPS_GRID
    seed: int = 0
    n_boot: int = 500
    min_group_size: int = 30
    source: dict = field(default_factory=dict)


def _summary(y, pred, groups, *, column, constraint, min_group_size, n_boot, seed) -> dict:
    res = group_metrics(
        y, pred, groups, column=column, min_group_size=min_group_size, n_boot=n_boot, seed=seed
    )
    dis = res.disparities
    gap = CONSTRAINT_GAPS.get(constraint, constraint)
    return {
        "accuracy": float(np.mean(np.asarray(y) == np.asarray(pred))),
        "demographic_parity": dis["demographic_parity"].difference if dis else None,
        "equalized_odds": dis["equalized_odds"].difference
        if dis and "equalized_odds" in dis
        else None,
        "fnr": dis["recall"].difference if dis and "recall" in dis else None,
        "disparity": (dis[gap].difference if dis and gap in dis else None),
        "by_group": res.to_dict(),
    }


def default_constraint(report: EvaluationReport | dict) -> tuple[str | None, str]:
    """(column, constraint) aimed at an evaluation's largest flagged disparity.

    The evaluation's findings are sorted by gap; the first one above its threshold (or the
    largest when none is) decides: a selection-rate gap asks for demographic parity, a
    false-negative-rate (recall) gap for false-negative-rate parity, any other error-rate
    gap for equalized odds.
    """
    rep = EvaluationReport.load(report)
    if not rep.finding_details:
        worst = rep.disparities.get("equalized_odds")
        return (worst.column if worst is not None else None), "equalized_odds"
    flagged = [d for d in rep.finding_details if d.above_threshold] or rep.finding_details
    top = max(flagged, key=lambda d: abs(d.difference or 0.0))
    return top.column, _METRIC_CONSTRAINTS.get(str(top.metric), "equalized_odds")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def mitigation_verdicts(report: MitigationReport | dict) -> list[str]:
    """Plain sentences: which method narrowed and which widened each gap on held-out rows.

    A gap that grew by more than 0.005 is reported as "made ... worse"; one that shrank
    by more than 0.005 as "narrowed".
    """
    variants = MitigationReport.load_readable(report)[0].variants
    before = variants.get("Evaluated model")
    if before is None:
        return []
    out = []
    for name, after in variants.items():
        if name == "Evaluated model":
            continue
        worse, better = [], []
        for key, label in GAP_LABELS.items():
            b, a = getattr(before, key), getattr(after, key)
            if b is None or a is None:
                continue
            change = f"the {label} ({b:.3f} → {a:.3f})"
            if a > b + 0.005:
                worse.append(change)
            elif a < b - 0.005:
                better.append(change)
        if worse:
            out.append(f"{name} made {_and(worse)} worse.")
        if better:
            out.append(f"{name} narrowed {_and(better)}.")
        if not worse and not better:
            out.append(f"{name} left the gaps about where they were.")
    return out


def _split(groups: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    strata = pd.Series(groups).astype(str) + "|" + pd.Series(y).astype(str)
    # Strata with one row cannot be split; stratify by group alone then, or not at all.
    for labels in (strata, pd.Series(groups).astype(str), None):
        if labels is not None and labels.value_counts().min() < 2:
            continue
        return train_test_split(idx, test_size=0.5, random_state=seed, stratify=labels)
    raise StewardError("Not enough rows to split for mitigation.")  # pragma: no cover


def _pareto(points: list[dict]) -> None:
    """Mark points not dominated (higher accuracy and lower disparity is better)."""
    for p in points:
        if p["accuracy"] is None or p["disparity"] is None:
            p["pareto"] = False
            continue
        p["pareto"] = not any(
            q is not p
            and q["accuracy"] is not None
            and q["disparity"] is not None
            and q["accuracy"] >= p["accuracy"]
            and q["disparity"] <= p["disparity"]
            and (q["accuracy"] > p["accuracy"] or q["disparity"] < p["disparity"])
            for q in points
        )


@dataclass
class MitigationOutcome:
    """What :func:`run_mitigation` produced: a JSON-able report and the EG model."""

    report: dict
    model: LinearTextScorer | None


def run_mitigation(req: MitigationRequest, *, settings=None, progress=None) -> MitigationOutcome:
    """Fit ThresholdOptimizer and an ExponentiatedGradient sweep; measure on held-out rows."""
    from fairlearn.postprocessing import ThresholdOptimizer
    from fairlearn.reductions import (
        DemographicParity,
        EqualizedOdds,
        ExponentiatedGradient,
        TruePositiveRateParity,
    )

    if req.constraint not in CONSTRAINTS:
        raise StewardError(f"Constraint must be one of {', '.join(CONSTRAINTS)}.")
    missing = [
        c
        for c in (req.y_true, req.y_pred, req.column, req.y_score, req.text_col)
        if c and c not in req.frame.columns
    ]
    if missing:
        raise StewardError(f"Column(s) not found: {', '.join(missing)}.")
    warnings: list[str] = []
    frame = req.frame.dropna(subset=[req.y_true, req.y_pred]).reset_index(drop=True)
    labels = binarize_labels(frame[req.y_true], frame[req.y_pred], req.pos_label, warnings)
    if not labels.binary:
        raise StewardError(
            "Mitigation needs binary labels (or a positive label to pick one class)."
        )
    group_names = frame[req.column].fillna("(missing)").astype(str)
    check_group_labels(req.column, group_names)
    groups = group_names.to_numpy(dtype=object)
    counts = pd.Series(groups).value_counts()
    tiny = counts[counts < 4].index.tolist()
    if tiny:
        warnings.append(
            f"Groups with fewer than 4 rows were left out (they cannot be split into a fit and a "
            f"held-out part): {', '.join(tiny)}."
        )
        keep = ~np.isin(groups, tiny)
        frame, groups = frame[keep].reset_index(drop=True), groups[keep]
        labels = binarize_labels(frame[req.y_true], frame[req.y_pred], req.pos_label, [])
    if pd.Series(groups).nunique() < 2:
        raise StewardError(f"{req.column} needs at least two groups with 4+ rows to mitigate.")
    y, pred = labels.y_true, labels.y_pred
    fit_idx, ev_idx = _split(groups, y, req.seed)
    common = {
        "column": req.column,
        "constraint": req.constraint,
        "min_group_size": req.min_group_size,
        "n_boot": req.n_boot,
        "seed": req.seed,
    }
    step = _Progress(progress, 3 + len(req.eps_grid))

    # Before: the evaluated model's own predictions on the held-out half.
    before = _summary(y[ev_idx], pred[ev_idx], groups[ev_idx], **common)
    points = [
        {
            "method": "Evaluated model",
            "param": None,
            "label": "evaluated model",
            "accuracy": before["accuracy"],
            "disparity": before["disparity"],
        }
    ]
    variants = {"Evaluated model": before}

    # -- ThresholdOptimizer on the model's scores -----------------------------------------
    step("ThresholdOptimizer")
    if req.y_score:
        score = pd.to_numeric(frame[req.y_score], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(score).all():
            warnings.append("Rows with missing scores use their hard prediction as the score.")
            score = np.where(np.isfinite(score), score, pred.astype(float))
    else:
        score = pred.astype(float)
        warnings.append(
            "No score column: ThresholdOptimizer can only randomise the hard predictions."
        )
    x_score = score.reshape(-1, 1)
    # ThresholdOptimizer cannot place a threshold for a group whose fit rows all carry one
    # label; those groups keep the model's own predictions (said in a warning).
    fit_frame = pd.DataFrame({"g": groups[fit_idx], "y": y[fit_idx]})
    degenerate = sorted(g for g, ys in fit_frame.groupby("g")["y"] if ys.nunique() < 2)
    if degenerate:
        warnings.append(
            f"ThresholdOptimizer: {', '.join(degenerate)} ha{'s' if len(degenerate) == 1 else 've'}"
            f" only one label among the fitted rows, so no threshold can be chosen there; "
            f"those rows keep the model's own predictions."
        )
    to_fit = fit_idx[~np.isin(groups[fit_idx], degenerate)]
    to_ev = ~np.isin(groups[ev_idx], degenerate)
    tols = DEFAULT_TOL_GRID if req.constraint == "demographic_parity" else (None,)
    failures: list[str] = []
    for tol in tols:
        try:
            to = ThresholdOptimizer(
                estimator=ScorePassthrough(),
                constraints=req.constraint,
                predict_method="predict_proba",
                objective="accuracy_score",
                tol=tol or None,
            )
            to.fit(x_score[to_fit], y[to_fit], sensitive_features=groups[to_fit])
            to_pred = pred[ev_idx].copy()
            if to_ev.any():
                to_pred[to_ev] = to.predict(
                    x_score[ev_idx][to_ev],
                    sensitive_features=groups[ev_idx][to_ev],
                    random_state=req.seed,
                )
        except Exception as exc:  # fairlearn raises ValueError for degenerate input
            failures.append(f"tol {tol or 0:g}: {exc}")
            continue
        summary = _summary(y[ev_idx], np.asarray(to_pred, dtype=int), groups[ev_idx], **common)
        label = "ThresholdOptimizer" if not tol else f"ThresholdOptimizer tol={tol:g}"
        points.append(
            {
                "method": "ThresholdOptimizer",
                "param": tol,
                "label": label,
                "accuracy": summary["accuracy"],
                "disparity": summary["disparity"],
            }
        )
        if not tol:
            variants["ThresholdOptimizer"] = summary
    if failures:
        warnings.append("ThresholdOptimizer could not be fitted for " + "; ".join(failures))

    # -- ExponentiatedGradient over logistic regressions on text features -----------------
    model = None
    step("Features")
    if req.text_col:
        from backend.fairness.scorers import embeddings_cache_dir

        texts = frame[req.text_col].fillna("").astype(str)
        cache = embeddings_cache_dir(settings) if settings is not None else None
        feats = TextFeatures.fit(texts.iloc[fit_idx], req.features, cache_dir=cache)
        x_all = feats.transform(texts.tolist(), progress=step.within())
        projection = None
        if req.features == "tfidf":
            from sklearn.decomposition import TruncatedSVD

            dims = max(2, min(_SVD_DIMS, x_all.shape[1] - 1, len(fit_idx) - 1))
            svd = TruncatedSVD(n_components=dims, random_state=req.seed).fit(x_all[fit_idx])
            projection = svd.components_  # (dims, vocab)
            x_dense = np.asarray(x_all @ projection.T)
        else:
            x_dense = np.asarray(x_all)
        feature_note = FEATURE_LABELS[req.features] + (
            f" (TruncatedSVD to {x_dense.shape[1]} dims)" if projection is not None else ""
        )
    else:
        feats, projection = None, None
        x_dense = x_score
        feature_note = "the evaluated model's score (no text column)"
        warnings.append(
            "No text column: ExponentiatedGradient re-weights a logistic regression on the "
            "model's score only, and the result cannot be saved as a text scorer."
        )

    step("Unconstrained logistic regression")
    # liblinear: on a few hundred dense rows it is about 5x faster than lbfgs inside
    # ExponentiatedGradient (measured), and the unconstrained model uses the same solver.
    base = fit_logistic(x_dense[fit_idx], y[fit_idx], seed=req.seed, solver="liblinear")
    base_pred = base.predict(x_dense[ev_idx])
    unconstrained = _summary(y[ev_idx], base_pred, groups[ev_idx], **common)
    variants["Logistic regression (unconstrained)"] = unconstrained
    points.append(
        {
            "method": "Logistic regression",
            "param": None,
            "label": "unconstrained LR",
            "accuracy": unconstrained["accuracy"],
            "disparity": unconstrained["disparity"],
        }
    )

    moment = {
        "demographic_parity": DemographicParity,
        "equalized_odds": EqualizedOdds,
        "true_positive_rate_parity": TruePositiveRateParity,
    }[req.constraint]
    grid = sorted(set(req.eps_grid) | {req.eps})
    chosen = None
    from sklearn.linear_model import LogisticRegression

    for eps in grid:
        step(f"ExponentiatedGradient eps={eps:g}")
        try:
            eg = ExponentiatedGradient(
                LogisticRegression(C=4.0, solver="liblinear", random_state=req.seed),
                constraints=moment(difference_bound=eps),
                eps=eps,
                max_iter=30,
            )
            eg.fit(x_dense[fit_idx], y[fit_idx], sensitive_features=groups[fit_idx])
        except Exception as exc:
            warnings.append(f"ExponentiatedGradient (eps {eps:g}) failed: {exc}")
            continue
        eg_pred = np.asarray(eg.predict(x_dense[ev_idx], random_state=req.seed), dtype=int)
        summary = _summary(y[ev_idx], eg_pred, groups[ev_idx], **common)
        points.append(
            {
                "method": "ExponentiatedGradient",
                "param": eps,
                "label": f"EG eps={eps:g}",
                "accuracy": summary["accuracy"],
                "disparity": summary["disparity"],
            }
        )
        if eps == req.eps:
            chosen = summary
            if feats is not None:
                model = _mixture_scorer(eg, feats, projection, req, feature_note)
    if chosen is not None:
        variants[f"ExponentiatedGradient (eps {req.eps:g})"] = chosen
    _pareto(points)
    step("Done")
    report = {
        "source": req.source,
        "column": req.column,
        "constraint": req.constraint,
        "constraint_label": CONSTRAINT_LABELS[req.constraint],
        "features": feature_note,
        "eps": req.eps,
        "seed": req.seed,
        "n_fit": len(fit_idx),
        "n_holdout": len(ev_idx),
        "protocol": "50/50 split stratified by group and label; fitted on one half, every "
        "number measured on the other half",
        "variants": variants,
        "pareto": points,
        "warnings": warnings,
        "model_saveable": model is not None,
    }
    report["verdicts"] = mitigation_verdicts(report)
    return MitigationOutcome(report=report, model=model)


def _mixture_scorer(eg, feats, projection, req, feature_note) -> LinearTextScorer:
    weights = np.asarray(eg.weights_, dtype=float)
    keep = weights > 1e-9
    coefs, intercepts = [], []
    for predictor, w in zip(eg.predictors_, keep, strict=True):
        if not w:
            continue
        c = np.asarray(predictor.coef_, dtype=float).reshape(-1)
        # Fold the SVD projection into the coefficients: x.P^T.c == x.(c.P).
        coefs.append(c @ projection if projection is not None else c)
        intercepts.append(float(np.asarray(predictor.intercept_).reshape(-1)[0]))
    return LinearTextScorer(
        name=f"Mitigated ({req.constraint}, eps {req.eps:g}, {req.column})",
        features=feats,
        coefs=np.vstack(coefs),
        intercepts=np.asarray(intercepts),
        weights=weights[keep] / weights[keep].sum(),
        mode="mixture",
        description=(
            f"ExponentiatedGradient ({CONSTRAINT_LABELS[req.constraint]}, eps {req.eps:g}) over "
            f"logistic regressions on {feature_note}, sensitive column {req.column}; fitted by "
            f"Steward on half of: {req.source.get('title') or req.source.get('description', '')}."
        ),
        meta={
            "constraint": req.constraint,
            "eps": req.eps,
            "column": req.column,
            "source": req.source,
        },
    )


class _Progress:
    def __init__(self, fn, total: int):
        self.fn, self.total, self.done = fn, total, 0

    def __call__(self, message: str) -> None:
        if self.fn is not None:
            self.fn(min(1.0, self.done / self.total), message)
        self.done += 1

    def within(self):
        """A ``(fraction, message)`` callback spread over the step just started."""
        if self.fn is None:
            return None
        start = (self.done - 1) / self.total

        def report(fraction: float, message: str) -> None:
            self.fn(min(1.0, start + fraction / self.total), message)

        return report


# -- reweighting for the fine-tune ------------------------------------------------------


def group_weights(groups, *, clip: tuple[float, float] = (0.1, 10.0)) -> dict[str, float]:
    """Per-group training weights that give every group the same total weight.

    ``w_g = N / (G * n_g)``, kept within ``clip`` (a 5-row group must not dominate training)
    and rescaled so the mean weight over rows is 1 (the loss scale stays the same).
    """
    series = pd.Series(groups, dtype=object).fillna(MISSING_GROUP).astype(str)
    counts = series.value_counts()
    if len(counts) < 2:
        raise StewardError("Reweighting needs at least two groups.")
    n = len(series)
    # The one group-weight formula (the fine-tune's): n / (k * n_g), mean 1 over rows.
    weights = pd.Series(compute_group_weights(pd.DataFrame({"group": series}), "group"))
    weights = weights.reindex(counts.index.astype(str))
    # Clip and rescale to mean 1 until both hold (a few rounds converge); the final clip
    # guarantees the bounds, leaving the mean within a hair of 1.
    for _ in range(50):
        weights = weights.clip(*clip)
        weights = weights * (n / float((weights * counts).sum()))
    weights = weights.clip(*clip)
    return {str(g): round(float(w), 6) for g, w in weights.items()}


def save_reweighting(
    store, *, column: str, weights: dict[str, float], source: str, dataset_id=None
):
    """Store weights as a ``reweighting`` artifact the fine-tune config can point to."""
    content = {"column": column, "weights": weights, "source": source}
    return store.save_artifact(
        kind="reweighting",
        content=content,
        name=f"Group weights for {column}",
        dataset_id=dataset_id,
    )
