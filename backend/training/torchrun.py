"""One fine-tune on N local processes: ``python -m backend.training.torchrun --nproc-per-node N --config FILE``.

Started by :func:`backend.training.launch.submit_training` when ``config.processes`` > 1
(the dashboard's form, ``python -m backend train``). It runs PyTorch's own elastic
launcher -- the code behind the ``torchrun`` command -- in this process, standalone on
this machine, with one :mod:`backend.training.worker` per rank. The job sees this process
as its worker: Cancel sends it SIGTERM, which the launcher passes on to every rank.

When a rank dies, the launcher stops the others; this module then fails the run with the
dead rank named (rank, pid, exit code or signal, and its error when it left one).
Exit codes: 0 succeeded or cancelled, 1 a rank failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys

from backend.config import apply_offline_env

WORKER_MODULE = "backend.training.worker"


def torchrun_args(nproc: int, config_path: str) -> list[str]:
    """The ``torchrun`` arguments of a standalone launch of ``nproc`` workers."""
    return [
        "--standalone",
        f"--nproc-per-node={nproc}",
        "--max-restarts=0",
        "-m",
        WORKER_MODULE,
        "--config",
        config_path,
    ]


def describe_failure(rank: int, failure, hostname: str) -> str:
    """'Rank 1 (node 0, host h, local rank 1, pid 42) died: killed by SIGKILL.'"""
    code = failure.exitcode
    if code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exited with code {code}"
    text = (
        f"Rank {rank} (node 0, host {hostname}, local rank {failure.local_rank}, "
        f"pid {failure.pid}) died: {how}"
    )
    message = (getattr(failure, "message", "") or "").strip()
    if message and not message.startswith(("Signal ", "To enable traceback")):
        text += f": {message.splitlines()[0]}"
    return text + ". The launcher stopped the other ranks."


def root_cause(failures: dict) -> tuple[int, object]:
    """The rank that brought the run down.

    A rank killed by a signal (SIGKILL first, then SIGSEGV and the like) comes first: its peers then
    fail on their next collective ("Connection reset by peer") and exit with code 1, and
    their error files carry a timestamp *earlier* than the launcher's record of the killed
    rank (a killed process leaves no error file, so its failure is stamped when the launcher
    notices it). Then ranks that exited on their own, earliest first; ranks stopped by the
    launcher's own SIGTERM come last.
    """
    terminated = -int(signal.SIGTERM)

    def order(kv):
        rank, failure = kv
        code = failure.exitcode
        # SIGKILL comes from outside (the OOM killer, a user); another signal (SIGABRT,
        # SIGSEGV) may be a rank aborting after it lost its peer, within the same second.
        how = 0 if code == -int(signal.SIGKILL) else 1 if code < 0 else 2
        return (code == terminated, how, failure.timestamp or 0, rank)

    return sorted(failures.items(), key=order)[0]


def main(argv: list[str] | None = None) -> int:
    apply_offline_env()
    parser = argparse.ArgumentParser(prog="python -m backend.training.torchrun")
    parser.add_argument("--nproc-per-node", type=int, required=True, help="processes (ranks)")
    parser.add_argument("--config", required=True, help="training config (YAML or JSON)")
    args = parser.parse_args(argv)
    if args.nproc_per_node < 1:
        print("error: --nproc-per-node must be at least 1", file=sys.stderr)
        return 2
    # Share the cores between the ranks (torchrun's own default is one thread each).
    threads = max(1, (os.cpu_count() or 1) // args.nproc_per_node)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))

    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    from backend.jobs import clean_error_text
    from backend.store import get_store, utcnow

    store = get_store()
    job_id = int(os.environ["STEWARD_JOB_ID"]) if "STEWARD_JOB_ID" in os.environ else None
    print(
        f"Steward launcher: job {job_id}, {args.nproc_per_node} processes on "
        f"{socket.gethostname()} ({threads} thread(s) each)",
        flush=True,
    )
    try:
        run(parse_args(torchrun_args(args.nproc_per_node, args.config)))
    except ChildFailedError as exc:
        job = store.get_job(job_id) if job_id is not None else None
        if job is not None and job.cancel_requested:
            return 0  # ranks killed after a cancel: rank 0 recorded it
        rank, failure = root_cause(exc.failures)
        error = describe_failure(rank, failure, socket.gethostname())
        print(error, file=sys.stderr, flush=True)
        if job is not None:
            # A rank may have failed the run already: this names the rank first and keeps
            # what the rank said (its exception) below.
            if job.error and job.error not in error:
                error += "\n" + job.error
            store.update_job(
                job_id,
                status="failed",
                finished_at=job.finished_at or utcnow(),
                message="Failed",
                error=clean_error_text(error),
            )
        return 1
    except SignalException:
        print("Stopping every rank (SIGTERM).", flush=True)
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
