"""Workspace subcommands: ``demo`` (write the demo workspace) and ``jobs`` (list jobs)."""

from __future__ import annotations

import argparse

from backend.cli import add_json_flag, print_json
from backend.config import get_settings
from backend.datasets import ensure_demo_workspace
from backend.jobs import JobManager
from backend.store import get_store


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo",
        help="write the synthetic demo workspace (if missing); --story runs the guided demo",
    )
    demo.add_argument("--force", action="store_true", help="regenerate even if present")
    demo.add_argument(
        "--story",
        action="store_true",
        help="then run the guided demo story in the background and wait for it: audit, a "
        "LoRA fine-tune that learns, fairness next to the baseline, red-team, model and data "
        "cards (about 3 minutes on 2 CPU cores)",
    )
    add_json_flag(demo)
    demo.set_defaults(func=cmd_demo)

    jobs = sub.add_parser("jobs", help="list background jobs and runs")
    jobs.add_argument("--kind", help="only jobs of this kind (audit, train, ...)")
    jobs.add_argument("--limit", type=int, default=50)
    add_json_flag(jobs)
    jobs.set_defaults(func=cmd_jobs)


def cmd_demo(args: argparse.Namespace) -> int:
    settings = get_settings()
    store = get_store()
    ds = ensure_demo_workspace(store, settings, force=args.force)
    if args.story:
        return _run_story(store, settings, as_json=args.json)
    if args.json:
        print_json(
            {
                "dataset_id": ds.id,
                "path": ds.location,
                "rows": ds.n_rows,
                "home": str(settings.home),
            }
        )
    else:
        print(
            f"Demo workspace ready in {settings.home}: dataset #{ds.id} '{ds.name}' ({ds.n_rows:,} rows, synthetic)"
        )
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    store = get_store()
    JobManager(store)  # marks jobs of dead processes as interrupted
    jobs = store.list_jobs(kind=args.kind, limit=args.limit)
    runs = store.record_numbers("run")
    rows = [
        {
            "id": j.id,
            "kind": j.kind,
            "name": j.name,
            "run_number": runs.get(j.id),
            "display_name": store.display_name(j, numbers=runs),
            "status": j.status,
            "progress": round(j.progress, 3),
            "message": j.message,
            "error": j.error,
            "created_at": j.created_at.isoformat(timespec="seconds"),
            "duration_s": None if j.duration_s is None else round(j.duration_s, 1),
        }
        for j in jobs
    ]
    if args.json:
        print_json(rows)
    elif not rows:
        print("No jobs yet.")
    else:
        print(f"{'job':>5}  {'kind':<10} {'status':<12} {'progress':>8}  record")
        for r in rows:
            print(
                f"{r['id']:>5}  {r['kind']:<10} {r['status']:<12} {r['progress']:>8.0%}  "
                f"{r['display_name']}"
            )
    return 0


def _run_story(store, settings, *, as_json: bool) -> int:
    """Run the guided demo as a background job, show one progress line, print each step."""
    import sys

    from backend.demo_story import story_steps, submit_story

    manager = JobManager(store, logs_dir=settings.logs_dir)
    job_id = submit_story(manager, settings)
    interactive = not as_json and sys.stderr.isatty()
    last = ""
    try:
        while True:
            status = manager.wait(job_id, timeout=1.0)
            job = store.get_job(job_id)
            line = f"[{job.progress:4.0%}] {job.message or job.status}"
            if line != last and not as_json:
                end = "\r" if interactive else "\n"
                print(f"{line:<110}", end=end, file=sys.stderr, flush=True)
                last = line
            if status not in ("queued", "running"):
                break
    except KeyboardInterrupt:
        manager.cancel(job_id)
        manager.wait(job_id, timeout=30)
        print("\nCancelled.", file=sys.stderr)
        return 1
    if interactive:
        print(file=sys.stderr)
    job = store.get_job(job_id)
    steps = story_steps(job)
    if as_json:
        print_json(
            {
                "job_id": job_id,
                "status": job.status,
                "error": job.error,
                "seconds": (job.result or {}).get("seconds"),
                "steps": [s.to_dict() for s in steps],
            }
        )
    else:
        for i, step in enumerate(steps, 1):
            print(f"{i}. {step.title} ({step.seconds:.0f} s): {step.summary}")
        if job.status == "succeeded":
            total = (job.result or {}).get("seconds") or job.duration_s or 0
            print(f"Demo story done in {total:.0f} s. Open the dashboard to see each step.")
    if job.status != "succeeded":
        print(f"error: {job.error or job.message or job.status}", file=sys.stderr)
        return 1

    return 0
