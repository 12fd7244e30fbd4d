"""Fairness benchmark: bootstrap intervals (ours vs MetricFrame n_boot), full evaluation,
probes and one mitigation run. Prints a table; decides nothing.

    .venv/bin/python -m benchmarks.fairness [--rows 4900] [--skip-mitigation] [--skip-metricframe]

Times are wall-clock on this machine as it is (other processes included): say so when
quoting them.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd


def _synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 + 0.4 * y + 0.1 * (g == "b") + rng.normal(0, 0.2, n), 0, 1)
    return pd.DataFrame(
        {
            "y": y,
            "p": (score >= 0.5).astype(int),
            "s": score,
            "g": g,
            "h": rng.choice(["x", "z"], n),
        }
    )


def _time(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4900)
    parser.add_argument("--skip-mitigation", action="store_true")
    parser.add_argument("--skip-metricframe", action="store_true")
    args = parser.parse_args()

    from backend.config import apply_offline_env

    apply_offline_env()
    from backend.fairness.evaluation import EvaluationRequest, demo_request, evaluate
    from backend.fairness.identity import builtin_probe_set
    from backend.fairness.metrics import group_metrics
    from backend.fairness.probes import run_probes

    df = _synthetic(args.rows)
    rows: list[tuple[str, str, float]] = []

    t = _time(lambda: group_metrics(df.y, df.p, df.g, column="g", n_boot=1000), repeat=3)
    rows.append(
        ("per-group CIs, 6 metrics x 4 groups, 1,000 resamples (ours)", f"{args.rows:,}", t)
    )
    if not args.skip_metricframe:
        from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate
        from sklearn.metrics import accuracy_score

        def mf():
            MetricFrame(
                metrics={"acc": accuracy_score, "fpr": false_positive_rate, "sr": selection_rate},
                y_true=df.y,
                y_pred=df.p,
                sensitive_features=df.g,
                n_boot=200,
                ci_quantiles=[0.025, 0.975],
                random_state=0,
            )

        rows.append(("MetricFrame n_boot=200, 3 metrics (fairlearn)", f"{args.rows:,}", _time(mf)))

    req = EvaluationRequest(frame=df, y_true="y", y_pred="p", y_score="s", sensitive=["g", "h"])
    rows.append(
        (
            "evaluate(): 2 columns + intersection + bias AUCs + findings",
            f"{args.rows:,}",
            _time(lambda: evaluate(req)),
        )
    )

    t0 = time.perf_counter()
    demo = demo_request()
    rows.append(
        (
            "demo baseline: TF-IDF + logistic regression train (3,385) + score (615)",
            "4,000",
            time.perf_counter() - t0,
        )
    )
    rows.append(("evaluate() on the demo baseline", "615", _time(lambda: evaluate(demo))))

    from backend.fairness.baseline import demo_baseline

    scorer = demo_baseline().scorer
    probes = builtin_probe_set()
    rows.append(
        (
            "identity probes, demo baseline scorer",
            f"{len(probes.frame):,}",
            _time(lambda: run_probes(probes, scorer)),
        )
    )
    from backend.detectors.toxicity import load_toxicity_scorer

    tox = load_toxicity_scorer()
    rows.append(
        (
            f"identity probes, {tox.backend_name[:45]}",
            f"{len(probes.frame):,}",
            _time(lambda: run_probes(probes, tox)),
        )
    )

    if not args.skip_mitigation:
        from backend.fairness.mitigation import MitigationRequest, run_mitigation

        mreq = MitigationRequest(
            frame=demo.frame,
            y_true="y_true",
            y_pred="y_pred",
            y_score="y_score",
            text_col="text",
            column="ethnicity",
            constraint="demographic_parity",
            features="tfidf",
            source=demo.source,
        )
        rows.append(
            (
                "mitigation: TO (5 tol) + EG sweep (6 eps), TF-IDF/SVD features",
                "615",
                _time(lambda: run_mitigation(mreq)),
            )
        )

    print(
        f"Fairness benchmark · {os.cpu_count()} CPU(s) · wall-clock, best of runs shown; "
        f"other processes may share the CPU"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'operation':<{width}}  {'rows':>7}  {'seconds':>8}")
    print(f"{'-' * width}  {'-' * 7}  {'-' * 8}")
    for name, n, secs in rows:
        print(f"{name:<{width}}  {n:>7}  {secs:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
