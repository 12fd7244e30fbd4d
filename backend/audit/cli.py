"""``python -m backend audit PATH --text-col TEXT ...``: the dataset audit, headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backend.audit.check_list import CHECK_NAMES as _CHECK_NAMES
from backend.cli import add_json_flag, print_json


def register(sub) -> None:
    p = sub.add_parser(
        "audit",
        help="audit a dataset: representation, label skew, PII, toxicity, duplicates",
        description="Audit a CSV, JSONL or Parquet file before fine-tuning. Streams the file "
        "in chunks; the report is stored in the workspace (unless --no-store) and printed.",
    )
    p.add_argument("path", help="CSV, JSONL or Parquet file")
    p.add_argument("--text-col", required=True, help="column holding the text")
    p.add_argument("--label-col", help="label column (for label skew)")
    p.add_argument("--sensitive", default="", help="comma-separated sensitive columns")
    p.add_argument("--split-col", help="column with train/test splits (for leakage)")
    p.add_argument("--second", help="a second file (e.g. the test split) to check for leakage")
    p.add_argument("--reference", help="CSV (column,group,share) or JSON of expected group shares")
    p.add_argument(
        "--checks",
        default=",".join(_CHECK_NAMES),
        help=f"comma-separated subset of: {', '.join(_CHECK_NAMES)}",
    )
    p.add_argument(
        "--min-ratio", type=float, default=0.5, help="flag groups below this × reference"
    )
    p.add_argument("--min-count", type=int, default=30, help="flag groups with fewer rows")
    p.add_argument("--near-threshold", type=float, default=0.8, help="near-duplicate Jaccard")
    p.add_argument("--toxicity-threshold", type=float, default=None)
    p.add_argument("--toxicity-max-rows", type=int, default=None, help="score at most N rows")
    p.add_argument("--detoxify-checkpoint", help="local Detoxify checkpoint file")
    p.add_argument("--detoxify-base-dir", help="local base model dir for the checkpoint")
    p.add_argument("--positive-label", help="label value whose rate is compared")
    p.add_argument(
        "--label-names",
        metavar="VALUE=NAME,...",
        help="what the label values mean, e.g. '1=toxic,0=not toxic' (saved with the dataset "
        "when it is first registered; every page then names labels this way)",
    )
    p.add_argument("--chunk-rows", type=int, default=50_000)
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: this process; ray: the same checks on Ray Data (a local Ray instance "
        "with this machine's cores, or the cluster at RAY_ADDRESS); identical reports",
    )
    p.add_argument("--export", help="also write an anonymised CSV copy to this path")
    p.add_argument(
        "--no-store", action="store_true", help="do not save the report in the workspace"
    )
    p.add_argument(
        "--expect-no-pii",
        action="store_true",
        help="mark the dataset as holding no personal data: PII found raises an alert",
    )
    add_json_flag(p)
    p.set_defaults(func=_handle)


def _handle(args: argparse.Namespace) -> int:
    from backend.audit.config import AuditConfig, load_reference  # noqa: PLC0415
    from backend.audit.export import export_anonymised  # noqa: PLC0415
    from backend.audit.runner import dataset_observations, run_audit  # noqa: PLC0415
    from backend.audit.source import AuditSource  # noqa: PLC0415
    from backend.column_roles import ColumnRoles, parse_label_names  # noqa: PLC0415
    from backend.config import get_settings  # noqa: PLC0415
    from backend.errors import DatasetError, check_output_file  # noqa: PLC0415

    settings = get_settings()
    if not args.no_store:
        from backend.alerts.config import current_config  # noqa: PLC0415

        # A broken thresholds file fails the audit before it runs, instead of raising
        # alerts against the defaults without a word.
        current_config()
    if args.export:
        # Checked before the audit runs: a bad path must not cost the whole audit.
        export_path = check_output_file(args.export, create_parent=True)
        if Path(args.path).exists() and export_path.resolve() == Path(args.path).resolve():
            raise DatasetError("--export must not overwrite the audited file.")
    checks = tuple(c.strip() for c in args.checks.split(",") if c.strip())
    config = AuditConfig(
        text_col=args.text_col,
        label_col=args.label_col,
        sensitive=[c.strip() for c in args.sensitive.split(",") if c.strip()],
        split_col=args.split_col,
        reference=load_reference(args.reference) if args.reference else {},
        checks=checks,
        min_ratio=args.min_ratio,
        min_count=args.min_count,
        near_dup_threshold=args.near_threshold,
        toxicity_threshold=(
            args.toxicity_threshold
            if args.toxicity_threshold is not None
            else settings.toxicity_threshold
        ),
        toxicity_max_rows=args.toxicity_max_rows,
        toxicity_checkpoint=args.detoxify_checkpoint,
        toxicity_base_model_dir=args.detoxify_base_dir,
        positive_label=args.positive_label,
        chunk_rows=args.chunk_rows,
    )
    source = AuditSource(path=Path(args.path))
    second = AuditSource(path=Path(args.second)) if args.second else None
    interactive = not args.json and sys.stderr.isatty()

    def progress(fraction: float, message: str) -> None:
        if interactive:
            print(f"\r{fraction:6.1%}  {message[:70]:<70}", end="", file=sys.stderr, flush=True)

    dataset_info = None
    store = None
    dataset = None
    if not args.no_store:
        from backend.store import get_store  # noqa: PLC0415

        store = get_store()
        location = str(source.path.resolve())  # type: ignore[union-attr]
        dataset = store.find_dataset(location=location)
        names = parse_label_names(args.label_names)
        if names and not args.label_col:
            raise DatasetError("--label-names needs --label-col (the column they describe).")
        known = ColumnRoles.from_dict(dataset.roles).label_names if dataset else {}
        dataset_info = {
            "id": dataset.id if dataset else None,
            "name": dataset.name if dataset else source.name,
            "location": location,
            "label_names": names or known,
        }
    # The file is registered as a dataset only once its audit succeeded: a file that
    # cannot be read or parsed must not appear in the workspace.
    report = run_audit(
        source, config, second=second, progress=progress, dataset=dataset_info, engine=args.engine
    )
    if interactive:
        print(file=sys.stderr)
    if store is not None and dataset_info is not None:
        if dataset is None:
            dataset = store.add_dataset(
                name=source.name,
                source="path",
                location=dataset_info["location"],
                format=source.fmt,
                n_rows=report["rows"],
                columns=[],
                roles=ColumnRoles(
                    text=config.text_col,
                    label=config.label_col,
                    sensitive=list(config.sensitive),
                    label_names=names,
                ).to_dict(),
                synthetic=False,
                expect_no_pii=bool(args.expect_no_pii),
            )
            dataset_info["id"] = dataset.id
            report["dataset"]["id"] = dataset.id
        else:
            changes = {"n_rows": report["rows"]}
            if args.expect_no_pii and not dataset.expect_no_pii:
                changes["expect_no_pii"] = True
            if names and names != known:
                changes["roles"] = {**(dataset.roles or {}), "label_names": names}
            store.update_dataset(dataset.id, **changes)
        from backend.dataset_versions import pin_quietly  # noqa: PLC0415

        report["dataset_version"] = pin_quietly(
            store, dataset_info["id"], reason="audited", notes=report.setdefault("warnings", [])
        )
        artifact = store.save_artifact(
            kind="audit",
            content=report,
            name=f"Audit of {dataset_info['name']}",
            dataset_id=dataset_info["id"],
            observations=dataset_observations(report, store.get_dataset(dataset_info["id"])),
        )
        report_id = artifact.id
        report_name = store.display_name(artifact)
        alert_ids = [a.id for a in store.alerts_for("audit", [artifact.id])]
    else:
        report_id, report_name, alert_ids = None, None, []
    export = None
    if args.export:
        export = export_anonymised(source, args.export, text_cols=[config.text_col])
    if args.json:
        out = dict(report)
        out["artifact_id"] = report_id
        out["display_name"] = report_name
        out["alert_ids"] = alert_ids
        if export:
            out["export"] = export
        print_json(out)
        return 0
    _print_summary(report, report_name, export)
    if alert_ids:
        print(f"Raised alert(s) {', '.join(f'#{i}' for i in alert_ids)}: python -m backend alerts")
    return 0


def _print_summary(report: dict, report_name: str | None, export: dict | None) -> None:
    marks = {"warning": "!", "info": "-", "ok": "✓"}
    print(f"Audit of {report['dataset']['name']}: {report['rows']:,} rows")
    engine = report.get("engine") or {}
    if engine.get("name") == "ray":
        print(
            f"Engine: {engine['description']}; {engine['blocks']} blocks, Ray start-up "
            f"{engine['ray_startup_s']:.1f} s (measured)"
        )
    for f in report["findings"]:
        print(f" {marks.get(f['severity'], '-')} {f['text']}")
    if report["warnings"]:
        print("Notes:")
        for w in report["warnings"]:
            print(f"   {w}")
    pii = report.get("pii")
    if pii:
        counts = ", ".join(f"{k} {v}" for k, v in pii["counts_by_type"].items() if v)
        print(f"PII matches by type: {counts or 'none'}")
    if report_name is not None:
        print(f"Report saved as {report_name}.")
    if export:
        print(
            f"Anonymised copy: {export['path']} ({export['redacted_rows']:,} rows redacted, "
            f"{export['replacements']:,} replacements)."
        )
