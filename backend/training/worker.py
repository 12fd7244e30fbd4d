"""Worker process for one fine-tune: ``python -m backend.training.worker --config FILE``.

Started by :meth:`JobManager.submit_process` (which sets ``STEWARD_JOB_ID``), so a crash
or an out-of-memory kill of the training never takes the dashboard down. The worker
sets its job's terminal status itself; the supervisor records the exit code and marks
the run ``failed`` if the worker died without saying anything (killed, OOM).

Started once per rank by :mod:`backend.training.torchrun` (or a hand-typed ``torchrun
-m backend.training.worker``) for a multi-process run: rank 0 sets the job's status,
the others report their telemetry and, when they fail, fail the run naming their rank.

Exit codes: 0 succeeded or cancelled, 2 bad input (message in the job's error), 1 crash.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import traceback

from backend.config import apply_offline_env


def _on_sigterm(signum, frame) -> None:  # noqa: ARG001
    # Cancel from the dashboard: unwind through the training loop so the run is
    # recorded as cancelled with its metrics flushed, instead of dying mid-write.
    from backend.errors import JobCancelled

    raise JobCancelled()


def _on_sigterm_rank(signum, frame) -> None:  # noqa: ARG001
    # One rank of several: stop at the next step together with the others (a rank that
    # leaves alone would block its peers in their next all-reduce).
    from backend.training.distributed import on_sigterm_stop_together

    on_sigterm_stop_together()


def main(argv: list[str] | None = None) -> int:
    apply_offline_env()
    parser = argparse.ArgumentParser(prog="python -m backend.training.worker")
    parser.add_argument("--config", required=True, help="training config (YAML or JSON)")
    parser.add_argument("--job-id", type=int, help="job to report to (default: STEWARD_JOB_ID)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("codecarbon").setLevel(logging.ERROR)

    import backend.alerts  # noqa: F401 - subscribes the alert service to the store's writes
    from backend.errors import JobCancelled, StewardError
    from backend.jobs import clean_error_text
    from backend.store import get_store, utcnow
    from backend.training.config import load_config
    from backend.training.distributed import ensure_process_group, primary_first, rank_info
    from backend.training.runner import run_training

    rank = rank_info()
    ensure_process_group(rank)
    store = primary_first(rank, get_store)
    job_id = args.job_id or (
        int(os.environ["STEWARD_JOB_ID"]) if "STEWARD_JOB_ID" in os.environ else None
    )
    signal.signal(signal.SIGTERM, _on_sigterm_rank if rank.distributed else _on_sigterm)

    def fail(message: str) -> None:
        if rank.distributed and not rank.primary:
            message = f"Rank {rank.rank} (node {rank.node_rank}, host {rank.hostname}): {message}"
        if job_id is not None:
            job = store.get_job(job_id)
            if job is not None and job.status in ("queued", "running"):
                store.update_job(
                    job_id,
                    status="failed",
                    finished_at=utcnow(),
                    message="Failed",
                    error=clean_error_text(message),
                )

    try:
        config = load_config(args.config)
        where = f", rank {rank.rank} of {rank.world_size}" if rank.distributed else ""
        which = f"job {job_id}" if job_id is not None else "a new job"
        print(f"Steward worker: {which}{where}, run '{config.display_name()}'", flush=True)
        summary = run_training(config, store, job_id=job_id)
    except JobCancelled:
        print("Stopped." if rank.distributed else "Cancelled.", flush=True)
        if job_id is not None and rank.primary and not rank.distributed:
            job = store.get_job(job_id)
            if job is not None and job.status in ("queued", "running"):
                store.update_job(
                    job_id, status="cancelled", finished_at=utcnow(), message="Cancelled by user"
                )
        return 0
    except StewardError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        fail(str(exc))
        return 2
    except Exception as exc:  # noqa: BLE001 - recorded on the job, full trace in the log
        traceback.print_exc()
        fail(f"{type(exc).__name__}: {exc}")
        return 1
    if not rank.primary:
        print(f"Rank {rank.rank} done: {summary['steps']} steps", flush=True)
        return 0
    print(
        f"Done: {summary['steps']} steps, eval {summary['eval']}, "
        f"energy {summary['energy_kwh']} kWh ({summary['energy_source']})",
        flush=True,
    )
    return 0


def _exit_now(code: int) -> None:
    """Leave without the interpreter's final garbage collection: the run is recorded and
    its reporter finished, and that collection took ~10 s here after a cancel (longer
    than the dashboard's 5-s grace, so a cleanly cancelled worker was killed)."""
    import logging as _logging

    _logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
