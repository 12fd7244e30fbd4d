"""``python -m backend fairness``: evaluate per-group fairness of a classifier's predictions.

Examples::

    python -m backend fairness --data preds.csv --y-true label --y-pred pred \\
        --y-score score --sensitive gender,ethnicity --text-col text --json
    python -m backend fairness --demo            # Steward's baseline on the demo data
    python -m backend fairness --run 2           # predictions saved by Run #2

The evaluation is saved as an ``evaluation`` artifact (``--no-save`` to skip) and every
disparity above the threshold raises an alert. Heavy imports happen inside the handler so
``python -m backend --help`` stays fast.
"""

from __future__ import annotations

import argparse

from backend.cli import add_json_flag, print_json
from backend.errors import StewardError


def register(sub) -> None:
    p = sub.add_parser(
        "fairness",
        help="per-group metrics with confidence intervals, disparities and bias AUCs",
        description="Per-group metrics (accuracy, precision, recall, FPR, FNR, selection "
        "rate) with bootstrap intervals, disparities, Borkan bias AUCs and plain-language "
        "findings for a table of labels and predictions.",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", metavar="FILE", help="CSV, JSONL or Parquet with the columns below")
    src.add_argument(
        "--demo", action="store_true", help="evaluate Steward's demo baseline classifier"
    )
    src.add_argument(
        "--run", type=int, metavar="N", help="predictions saved by Run #N (a fine-tune)"
    )
    p.add_argument("--y-true", metavar="COL", help="true label column")
    p.add_argument("--y-pred", metavar="COL", help="predicted label column")
    p.add_argument("--y-score", metavar="COL", help="score/probability column (enables bias AUCs)")
    p.add_argument(
        "--sensitive",
        metavar="A[,B]",
        help="comma-separated sensitive columns (optional with --text-col: identity terms in "
        "the text then define the groups)",
    )
    p.add_argument("--text-col", metavar="TEXT", help="text column (identity terms in text)")
    p.add_argument("--pos-label", help="positive label when labels are not 0/1")
    p.add_argument(
        "--features",
        choices=["tfidf", "minilm"],
        default="tfidf",
        help="features of the demo baseline (default tfidf)",
    )
    p.add_argument(
        "--min-group-size",
        type=int,
        default=30,
        help="smaller groups are not compared (default 30)",
    )
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument(
        "--no-save", action="store_true", help="do not store the evaluation or raise alerts"
    )
    p.add_argument(
        "--probes",
        metavar="SCORER",
        help="instead of evaluating, run identity-term probes with SCORER: toxicity, baseline, "
        "run:N (Run #N's fine-tuned classifier) or model:NAME (saved mitigated model)",
    )
    p.add_argument(
        "--templates",
        metavar="FILE",
        help="probe templates ({identity} templates or filled sentences); default: Steward's own",
    )
    add_json_flag(p)
    p.set_defaults(func=_handle)


def _handle(args: argparse.Namespace) -> int:
    from backend.config import get_settings
    from backend.fairness.evaluation import (
        EvaluationRequest,
        demo_request,
        evaluate,
        run_request,
        save_evaluation,
    )

    settings = get_settings()
    if args.probes:
        return _handle_probes(args, settings)
    common = {
        "n_boot": args.n_boot,
        "seed": args.seed,
        "min_group_size": max(2, args.min_group_size),
    }
    store = None
    table_warnings: list[str] = []
    if args.demo:
        req = demo_request(settings, features=args.features, **common)
    elif args.run is not None:
        from backend.store import get_store

        store = get_store()
        job = store.record_by_number("run", args.run)
        if job is None:
            raise StewardError(f"There is no Run #{args.run} (see `python -m backend jobs`).")
        req = run_request(store, job.id, **common)
    else:
        if not args.data:
            raise StewardError("Give --data FILE (or --demo, or --run N).")
        missing = [
            f
            for f, v in (
                ("--y-true", args.y_true),
                ("--y-pred", args.y_pred),
                ("--sensitive (or --text-col)", args.sensitive or args.text_col),
            )
            if not v
        ]
        if missing:
            raise StewardError(f"With --data, also give {', '.join(missing)}.")
        from backend.datasets import load_table
        from backend.errors import require_utf8_name

        require_utf8_name(args.data)
        table = load_table(args.data, strict=False, max_bytes=settings.max_upload_bytes)
        table_warnings = list(table.warnings)
        sensitive = [c.strip() for c in (args.sensitive or "").split(",") if c.strip()]
        req = EvaluationRequest(
            frame=table.frame,
            y_true=args.y_true,
            y_pred=args.y_pred,
            y_score=args.y_score,
            text_col=args.text_col,
            sensitive=sensitive,
            pos_label=args.pos_label,
            source={
                "kind": "file",
                "title": args.data,
                "description": f"Predictions read from {args.data}.",
                "path": args.data,
            },
            **common,
        )
    report = evaluate(req)
    report["warnings"] = table_warnings + report["warnings"]
    if not args.no_save:
        if store is None:
            from backend.store import get_store

            store = get_store()
        artifact, alerts = save_evaluation(
            store, report, job_id=req.job_id, dataset_id=req.dataset_id
        )
        report["artifact_id"] = artifact.id
        report["display_name"] = store.display_name(artifact)
        report["alert_ids"] = [a.id for a in alerts]
    if args.json:
        print_json(report)
        return 0
    _print_text(report)
    return 0


def _handle_probes(args: argparse.Namespace, settings) -> int:
    from backend.fairness.identity import builtin_probe_set, probe_set_from_frame
    from backend.fairness.probes import run_probes
    from backend.fairness.scorer_choices import load_scorer

    if args.templates:
        from backend.datasets import load_table

        frame = load_table(args.templates, strict=False).frame
        probes = probe_set_from_frame(frame, name=args.templates, seed=args.seed)
    else:
        probes = builtin_probe_set()
    scorer = load_scorer(args.probes, settings)
    result = run_probes(probes, scorer, threshold=settings.toxicity_threshold, seed=args.seed)
    if args.json:
        print_json(result)
        return 0
    print(f"Scorer: {result['scorer']}")
    print(f"Templates: {result['templates']}")
    for line in result["findings"]:
        print(f"  - {line}")
    print(f"\n{'term':<18} {'category':<26} {'gap (non-toxic)':>16}  95 % CI")
    for row in result["terms"]:
        gap = row.get("gap_nontoxic")
        if gap is None:
            continue
        lo, hi = row.get("ci_low_nontoxic"), row.get("ci_high_nontoxic")
        ci = f"[{lo:+.2f}, {hi:+.2f}]" if lo is not None else ""
        print(f"{row['term']:<18} {row['category']:<26} {gap:>+16.3f}  {ci}")
    for w in result["warnings"]:
        print(f"note: {w}")
    return 0


def _print_text(report: dict) -> None:
    from backend.fairness.metrics import METRICS
    from backend.fairness.report import EvaluationReport

    rep = EvaluationReport.load(report)
    print(f"Source: {rep.source.description}")
    print(f"Rows evaluated: {rep.n_rows:,}")
    print("\nFindings:")
    for s in rep.findings:
        print(f"  - {s}")
    print("\nOverall:")
    for m in (*METRICS, "count"):
        v = rep.overall.get(m)
        if v is not None:
            print(f"  {m:<15} {v:.3f}" if m != "count" else f"  {m:<15} {v:,}")
    if rep.disparities:
        print("\nLargest disparity per metric (difference, ratio, column):")
        for m, d in rep.disparities.items():
            ratio = "n/a" if d.ratio is None else f"{d.ratio:.2f}"
            print(f"  {m:<20} {d.difference:.3f}  {ratio:>5}  {d.column}")
    if rep.final_bias_score is not None:
        print(f"\nFinal bias score: {rep.final_bias_score:.3f}")
    gaps = rep.gaps_above_threshold()
    if gaps:
        print("\nAlerts:")
        for line in gaps:
            print(f"  ! {line}")
    if rep.warnings:
        print("\nWarnings:")
        for w in rep.warnings:
            print(f"  - {w}")
    if "display_name" in report:
        print(f"\nSaved as {report['display_name']}.")
