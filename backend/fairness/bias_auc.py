"""Bias AUCs for text classifiers (Borkan et al., 2019, "Nuanced Metrics for Measuring
Unintended Bias with Real Data for Text Classification").

For an identity subgroup ``s`` (rows that mention or belong to an identity) and the
background (all other rows):

* **subgroup AUC**: AUC restricted to the subgroup. Low: the model cannot tell toxic from
  non-toxic comments about this identity.
* **BPSN AUC** (background positive, subgroup negative): AUC on subgroup negatives plus
  background positives. Low: non-toxic comments about the identity score higher than
  toxic comments elsewhere (false positives driven by the identity).
* **BNSP AUC** (background negative, subgroup positive): AUC on subgroup positives plus
  background negatives. Low: toxic comments about the identity score lower than
  non-toxic comments elsewhere (missed toxicity).

Each is summarised over subgroups by the generalized mean with ``p = -5`` (which pulls
towards the worst subgroup), and the final score is
``0.25 * overall AUC + 0.75 * mean(M_p(subgroup), M_p(BPSN), M_p(BNSP))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POWER = -5.0
OVERALL_WEIGHT = 0.25
AUC_KINDS = ("subgroup_auc", "bpsn_auc", "bnsp_auc")


def auc(y_true: np.ndarray, y_score: np.ndarray) -> float | None:
    """ROC AUC, or None when only one class is present (AUC is undefined)."""
    y_true = np.asarray(y_true, dtype=int)
    if len(np.unique(y_true)) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y_true, y_score))


def hanley_mcneil_interval(
    value: float | None, n_pos: int, n_neg: int, z: float = 1.959964
) -> tuple[float, float] | None:
    """Approximate 95 % interval of an AUC (Hanley & McNeil 1982 standard error).

    Cheap and closed-form, so every subgroup gets one; it is an approximation (normal,
    exponential score model), and it is labelled as such wherever it is shown.
    """
    if value is None or n_pos < 1 or n_neg < 1:
        return None
    a = float(value)
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    var = (a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)) / (n_pos * n_neg)
    se = float(np.sqrt(max(var, 0.0)))
    return max(0.0, a - z * se), min(1.0, a + z * se)


def generalized_mean(values, p: float = POWER) -> float | None:
    """``(mean(v ** p)) ** (1 / p)`` over the defined values (None when there are none)."""
    vals = np.asarray([v for v in values if v is not None], dtype=float)
    if len(vals) == 0:
        return None
    return float(np.power(np.mean(np.power(vals, p)), 1.0 / p))


@dataclass
class SubgroupAuc:
    name: str
    n: int
    n_positive: int
    n_negative: int
    subgroup_auc: float | None
    bpsn_auc: float | None
    bnsp_auc: float | None
    in_summary: bool = True

    n_background_positive: int = 0
    n_background_negative: int = 0

    def intervals(self) -> dict[str, tuple[float, float] | None]:
        """Approximate 95 % intervals (Hanley-McNeil) for the three AUCs."""
        return {
            "subgroup_auc": hanley_mcneil_interval(
                self.subgroup_auc, self.n_positive, self.n_negative
            ),
            "bpsn_auc": hanley_mcneil_interval(
                self.bpsn_auc, self.n_background_positive, self.n_negative
            ),
            "bnsp_auc": hanley_mcneil_interval(
                self.bnsp_auc, self.n_positive, self.n_background_negative
            ),
        }

    def to_dict(self) -> dict:
        return {
            "in_summary": self.in_summary,
            "subgroup_auc": self.subgroup_auc,
            "bpsn_auc": self.bpsn_auc,
            "bnsp_auc": self.bnsp_auc,
            "n": self.n,
            "n_positive": self.n_positive,
            "n_negative": self.n_negative,
            "ci": {k: list(v) if v else None for k, v in self.intervals().items()},
            "ci_method": "Hanley-McNeil approximation",
        }


@dataclass
class BiasAucResult:
    overall_auc: float | None
    subgroups: dict[str, SubgroupAuc]
    generalized_means: dict[str, float | None]
    final_bias_score: float | None
    warnings: list[str]


def subgroup_aucs(
    y_true: np.ndarray, y_score: np.ndarray, mask: np.ndarray, *, name: str = ""
) -> SubgroupAuc:
    """The three AUCs of one subgroup (``mask`` True for its rows)."""
    y_true = np.asarray(y_true, dtype=int)
    y_score = np.asarray(y_score, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    pos, neg = y_true == 1, y_true == 0
    bpsn = (mask & neg) | (~mask & pos)
    bnsp = (mask & pos) | (~mask & neg)
    return SubgroupAuc(
        name=name,
        n=int(mask.sum()),
        n_positive=int((mask & pos).sum()),
        n_negative=int((mask & neg).sum()),
        n_background_positive=int((~mask & pos).sum()),
        n_background_negative=int((~mask & neg).sum()),
        subgroup_auc=auc(y_true[mask], y_score[mask]),
        bpsn_auc=auc(y_true[bpsn], y_score[bpsn]),
        bnsp_auc=auc(y_true[bnsp], y_score[bnsp]),
    )


def bias_aucs(
    y_true,
    y_score,
    subgroups: dict[str, np.ndarray],
    *,
    min_size: int = 2,
    summary_min_size: int | None = None,
) -> BiasAucResult:
    """Borkan bias AUCs for each subgroup and the combined final score.

    Parameters
    ----------
    y_true : 0/1 labels.
    y_score : model scores (higher = more likely positive); must be finite.
    subgroups : name -> boolean mask of rows in that subgroup.
    min_size : subgroups with fewer rows are skipped with a warning.
    summary_min_size : subgroups with fewer rows are reported but left out of the
        generalized means and the final score (a 5-row subgroup would dominate a p = -5
        mean with noise). Default: every reported subgroup counts.
    """
    y_true = np.asarray(y_true, dtype=int)
    y_score = np.asarray(y_score, dtype=float)
    warnings: list[str] = []
    results: dict[str, SubgroupAuc] = {}
    for name, mask in subgroups.items():
        mask = np.asarray(mask, dtype=bool)
        if mask.sum() < min_size:
            if mask.sum() > 0:
                warnings.append(f"Subgroup {name} has {int(mask.sum())} row(s): no bias AUCs.")
            continue
        if mask.all():
            warnings.append(f"Subgroup {name} covers every row: there is no background.")
            continue
        res = subgroup_aucs(y_true, y_score, mask, name=name)
        res.in_summary = summary_min_size is None or res.n >= summary_min_size
        if res.subgroup_auc is None:
            only = "toxic/positive" if res.n_negative == 0 else "non-toxic/negative"
            warnings.append(
                f"Subgroup {name} has only {only} rows (n = {res.n}): its subgroup AUC is "
                f"undefined; BPSN/BNSP use what exists."
            )
        results[name] = res
    counted = [r for r in results.values() if r.in_summary]
    if summary_min_size is not None and len(counted) < len(results):
        warnings.append(
            f"{len(results) - len(counted)} subgroup(s) under {summary_min_size} rows are shown "
            f"but left out of the generalized means and the final bias score."
        )
    means = {k: generalized_mean([getattr(r, k) for r in counted]) for k in AUC_KINDS}
    overall = auc(y_true, y_score)
    final = None
    if overall is not None and all(v is not None for v in means.values()):
        final = OVERALL_WEIGHT * overall + (1 - OVERALL_WEIGHT) * float(
            np.mean(list(means.values()))
        )
    if overall is None:
        warnings.append("All rows have the same label: AUCs are undefined.")
    return BiasAucResult(
        overall_auc=overall,
        subgroups=results,
        generalized_means=means,
        final_bias_score=final,
        warnings=warnings,
    )


def roc_points(y_true, y_score, *, max_points: int = 60) -> dict | None:
    """A downsampled ROC curve ``{"fpr": [...], "tpr": [...], "auc": x}`` (None if undefined).

    Kept small so it can be stored inside the evaluation artifact and drawn later.
    """
    y_true = np.asarray(y_true, dtype=int)
    if len(np.unique(y_true)) < 2:
        return None
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y_true, y_score)
    if len(fpr) > max_points:
        idx = np.unique(np.linspace(0, len(fpr) - 1, max_points).round().astype(int))
        fpr, tpr = fpr[idx], tpr[idx]
    return {
        "fpr": [round(float(x), 4) for x in fpr],
        "tpr": [round(float(x), 4) for x in tpr],
        "auc": auc(y_true, y_score),
    }
