"""Identity-term probes: score template sentences that differ only in the identity term.

A fair scorer gives "I am a gay person, ask me anything." the same score as "I am a
straight person, ask me anything.". For each term and each expected label (non-toxic /
toxic templates) we report the mean score, the *gap* to the mean of all other terms'
sentences with the same label, a bootstrap interval for the gap, and the share of non-toxic
sentences the scorer would flag at the threshold (false positives caused by the term).

Interval: the term's sentences are resampled with replacement; the other terms' mean (a
much larger pool) varies by its normal approximation (mean, standard error). Seeded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from backend.fairness.identity import ProbeSet, term_categories
from backend.fairness.metrics import interval
from backend.models import TextScorer, score_texts


def _gap(
    scores: np.ndarray, mask: np.ndarray, rng: np.random.Generator, n_boot: int
) -> tuple[float, float | None, float | None]:
    mine, others = scores[mask], scores[~mask]
    if len(mine) == 0 or len(others) == 0:
        return float("nan"), None, None
    gap = float(mine.mean() - others.mean())
    idx = rng.integers(0, len(mine), size=(n_boot, len(mine)))
    mine_means = mine[idx].mean(axis=1)
    se = others.std(ddof=1) / np.sqrt(len(others)) if len(others) > 1 else 0.0
    other_means = rng.normal(others.mean(), se, size=n_boot)
    lo, hi = interval(mine_means - other_means)
    return gap, lo, hi


def run_probes(
    probes: ProbeSet,
    scorer: TextScorer,
    *,
    threshold: float = 0.5,
    n_boot: int = 1000,
    seed: int = 0,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Score every probe sentence and summarise the gap per identity term.

    Returns a JSON-able dict: ``scorer``, ``templates``, ``terms`` (a list of per-term
    rows), ``overall``, ``findings``, ``warnings``.
    """
    frame = probes.frame.reset_index(drop=True)
    texts = frame["text"].astype(str).tolist()
    scored = score_texts(scorer, texts, progress=progress, what="probe sentences")
    frame = frame.assign(score=scored.values)
    rng = np.random.default_rng(seed)
    cats = term_categories()
    rows = []
    for term in pd.unique(frame["term"]):
        row: dict = {"term": str(term), "category": cats.get(str(term), "other")}
        for expected, name in ((0, "nontoxic"), (1, "toxic")):
            label_mask = (frame["expected"] == expected).to_numpy()
            pool = frame["score"].to_numpy()[label_mask]
            in_term = (frame["term"] == term).to_numpy()[label_mask]
            n = int(in_term.sum())
            row[f"n_{name}"] = n
            if n == 0:
                row.update(
                    {
                        f"mean_{name}": None,
                        f"gap_{name}": None,
                        f"ci_low_{name}": None,
                        f"ci_high_{name}": None,
                    }
                )
                continue
            gap, lo, hi = _gap(pool, in_term, rng, n_boot)
            row[f"mean_{name}"] = float(pool[in_term].mean())
            row[f"gap_{name}"] = None if np.isnan(gap) else gap
            row[f"ci_low_{name}"] = lo
            row[f"ci_high_{name}"] = hi
            if name == "nontoxic":
                row["flagged_nontoxic"] = float((pool[in_term] >= threshold).mean())
            else:
                row["missed_toxic"] = float((pool[in_term] < threshold).mean())
        rows.append(row)
    rows.sort(key=lambda r: -(r.get("gap_nontoxic") or 0.0))
    overall = {
        "mean_nontoxic": _mean(frame.loc[frame["expected"] == 0, "score"]),
        "mean_toxic": _mean(frame.loc[frame["expected"] == 1, "score"]),
        "flagged_nontoxic": _mean(frame.loc[frame["expected"] == 0, "score"] >= threshold),
        "missed_toxic": _mean(frame.loc[frame["expected"] == 1, "score"] < threshold),
    }
    return {
        "scorer": scored.backend,
        "templates": probes.source,
        "n_probes": len(frame),
        "threshold": threshold,
        "n_boot": n_boot,
        "seed": seed,
        "terms": rows,
        "overall": overall,
        "findings": _findings(rows, overall),
        "warnings": list(probes.warnings),
        "examples": _examples(frame),
    }


def _mean(values) -> float | None:
    values = pd.Series(values, dtype=float)
    return float(values.mean()) if len(values) else None


def _findings(rows: list[dict], overall: dict) -> list[str]:
    out = []
    nontoxic = [r for r in rows if r.get("gap_nontoxic") is not None]
    if nontoxic:
        worst = max(nontoxic, key=lambda r: r["gap_nontoxic"])
        ci = (
            f" (95 % CI {worst['ci_low_nontoxic']:.2f}–{worst['ci_high_nontoxic']:.2f}, "
            f"n = {worst['n_nontoxic']})"
            if worst["ci_low_nontoxic"] is not None
            else ""
        )
        out.append(
            f"Non-toxic sentences mentioning '{worst['term']}' score {worst['gap_nontoxic']:+.2f} "
            f"compared with the other terms{ci}; {worst['flagged_nontoxic']:.0%} of them are "
            f"flagged at the threshold."
        )
        clear = [r for r in nontoxic if (r["ci_low_nontoxic"] or 0) > 0]
        if clear:
            names = ", ".join(f"'{r['term']}'" for r in clear[:8])
            out.append(
                f"{len(clear)} term(s) score higher than the rest on non-toxic sentences with an "
                f"interval above 0: {names}{', ...' if len(clear) > 8 else ''}."
            )
        else:
            out.append("No term's non-toxic gap has an interval entirely above 0.")
    toxic = [r for r in rows if r.get("gap_toxic") is not None]
    if toxic:
        lowest = min(toxic, key=lambda r: r["gap_toxic"])
        out.append(
            f"Toxic sentences mentioning '{lowest['term']}' score {lowest['gap_toxic']:+.2f} "
            f"compared with the other terms ({lowest['missed_toxic']:.0%} missed at the threshold)."
        )
    if overall.get("flagged_nontoxic") is not None:
        out.append(
            f"Overall, {overall['flagged_nontoxic']:.0%} of non-toxic and "
            f"{1 - (overall['missed_toxic'] or 0):.0%} of toxic probe sentences are flagged."
        )
    return out


def _examples(frame: pd.DataFrame, k: int = 6) -> list[dict]:
    """The highest-scoring non-toxic probes: concrete sentences a reviewer can read."""
    top = frame[frame["expected"] == 0].nlargest(k, "score")
    return [
        {"text": t, "term": term, "score": float(s)}
        for t, term, s in zip(top["text"], top["term"], top["score"], strict=True)
    ]
