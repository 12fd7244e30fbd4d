"""Start a fine-tune as a supervised worker process (used by the page and the CLI)."""

from __future__ import annotations

import json
import uuid

from backend.jobs import JobManager, python_argv
from backend.training.config import TrainConfig

WORKER_MODULE = "backend.training.worker"
LAUNCHER_MODULE = "backend.training.torchrun"


def submit_training(manager: JobManager, config: TrainConfig, settings) -> int:
    """Write the config to the workspace and start the worker; return the job id.

    Run :func:`backend.training.preflight.preflight` first: this only launches.
    """
    folder = settings.runs_dir / "configs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(config.model_dump(), indent=2), encoding="utf-8")
    if config.processes > 1:
        # PyTorch's elastic launcher (torchrun) starts one worker per rank; see torchrun.py.
        argv = python_argv(
            LAUNCHER_MODULE, "--nproc-per-node", str(config.processes), "--config", str(path)
        )
    else:
        argv = python_argv(WORKER_MODULE, "--config", str(path))
    return manager.submit_process(
        argv,
        kind="train",
        name=config.display_name(),
        params=config.model_dump(),
    )


def cancel_grace_s(job) -> float:
    """Seconds a cancelled run gets to stop before it is killed: a multi-process run
    stops every rank at the same step and sums their energy, which takes longer."""
    processes = (job.params or {}).get("processes") or 1
    return 30.0 if processes > 1 else 5.0


def reconcile_external_runs(store) -> list[int]:
    """Mark runs reported by users' scripts whose process died (e.g. kill -9) as interrupted.

    :class:`~backend.jobs.JobManager` leaves ``runner="external"`` jobs alone because
    their scripts finish them; a script killed without running its exit hooks cannot.
    A pid is only meaningful on its own machine: runs reported from another host (a
    shared database, a multi-node launch whose rank 0 runs elsewhere) are left alone.
    """
    from backend.jobs import on_this_host, pid_alive
    from backend.store import utcnow

    ended = []
    for job in store.list_jobs(kind="train", statuses=("queued", "running"), limit=1000):
        if job.runner != "external" or job.worker_pid is None or not on_this_host(job):
            continue
        if pid_alive(job.worker_pid):
            continue
        store.update_job(
            job.id,
            status="interrupted",
            finished_at=utcnow(),
            message="Interrupted: the script reporting this run stopped without finishing it.",
        )
        ended.append(job.id)
    return ended
