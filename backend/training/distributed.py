"""One run, several processes: ranks launched by ``torchrun`` or ``accelerate launch``.

Both launchers set ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the node's rank
(``GROUP_RANK`` for torchrun, ``NODE_RANK`` for accelerate) in every process. Steward
reports such a launch as **one** run:

* rank 0 creates (or joins) the job and reports loss, evaluation, progress and the summary;
* every rank samples its own hardware and writes it as per-rank metrics, tagged with its
  node and rank (``power_w@node0.rank1``); rank 0 sums them into the run's energy and CO2;
* cancellation is agreed by every rank at the same step (one 16-byte all-reduce about
  once a second, at a step all ranks computed together), so a cancel seen by one rank
  stops them all together instead of leaving peers blocked;
* at its end each rank writes a ``rank_done`` marker after its last energy reading, so
  rank 0 can sum final figures and name a rank that died without one.

Collectives run on a CPU (gloo) group, so on GPUs the cancel check never waits for the
device. ``torch.distributed`` is imported only when the world has more than one rank.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import asdict, dataclass

from backend.errors import ConfigError

#: Separates a metric from its rank tag: ``energy_kwh_cumulative@node0.rank1``.
RANK_TAG_SEP = "@"
#: Written by each rank after its final energy reading (value: 1 finished, 2 cancelled, 3 failed).
RANK_DONE = "rank_done"
RANK_DONE_CODES = {"finished": 1.0, "cancelled": 2.0, "failed": 3.0}
#: Telemetry that every rank reports under its own tag (the run-level sums come from these).
PER_RANK_METRICS = (
    "power_w",
    "cpu_power_w",
    "ram_power_w",
    "gpu_power_w",
    "gpu_util_pct",
    "gpu_mem_gb",
    "cpu_percent",
    "ram_gb",
    "energy_kwh_cumulative",
)
#: Per-rank metrics whose run-level value is the sum over ranks.
SUMMED_METRICS = (
    "power_w",
    "cpu_power_w",
    "ram_power_w",
    "gpu_power_w",
    "gpu_mem_gb",
    "ram_gb",
    "energy_kwh_cumulative",
)


#: Set by a rank's SIGTERM handler: the launcher (or the dashboard through it) asks this
#: rank to stop. The rank stops at its next step together with the others (see
#: :meth:`Coordinator.any`); a second SIGTERM stops it at once.
STOP_REQUESTED = threading.Event()


def on_sigterm_stop_together() -> None:
    """SIGTERM handler body for a rank: first signal asks, the second insists."""
    from backend.errors import JobCancelled

    if STOP_REQUESTED.is_set():
        raise JobCancelled()
    STOP_REQUESTED.set()


@dataclass(frozen=True)
class RankInfo:
    """Where this process sits in the launch."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    node_rank: int = 0
    hostname: str = ""
    pid: int = 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def primary(self) -> bool:
        return self.rank == 0

    @property
    def tag(self) -> str:
        return f"node{self.node_rank}.rank{self.rank}"

    def to_dict(self) -> dict:
        return asdict(self) | {"tag": self.tag}


def _env_int(name: str, default: int, *, fallback: str | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None and fallback:
        raw = os.environ.get(fallback)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number (set by the launcher).") from None


def rank_info() -> RankInfo:
    """This process's rank, from the launcher's environment (single process: rank 0 of 1)."""
    world = _env_int("WORLD_SIZE", 1)
    rank = _env_int("RANK", 0)
    if world < 1 or not 0 <= rank < world:
        raise ConfigError(f"RANK={rank} and WORLD_SIZE={world} are inconsistent.")
    return RankInfo(
        rank=rank,
        world_size=world,
        local_rank=_env_int("LOCAL_RANK", 0),
        node_rank=_env_int("GROUP_RANK", 0, fallback="NODE_RANK"),
        hostname=socket.gethostname(),
        pid=os.getpid(),
    )


def tagged(name: str, info: RankInfo) -> str:
    return f"{name}{RANK_TAG_SEP}{info.tag}"


def split_tag(name: str) -> tuple[str, str | None]:
    """``'power_w@node0.rank1'`` -> ``('power_w', 'node0.rank1')``; untagged -> (name, None)."""
    base, sep, tag = name.partition(RANK_TAG_SEP)
    return (base, tag) if sep else (name, None)


def rank_of_tag(tag: str) -> int | None:
    """``'node0.rank1'`` -> 1."""
    _, _, rank = tag.rpartition(".rank")
    return int(rank) if rank.isdigit() else None


def ensure_process_group(info: RankInfo) -> None:
    """Initialise ``torch.distributed`` for Steward's own loop (gloo on CPU, NCCL on GPU)."""
    if not info.distributed:
        return
    import torch
    import torch.distributed as dist

    if dist.is_initialized():
        return
    backend = "nccl" if torch.cuda.is_available() and dist.is_nccl_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(info.local_rank)
    dist.init_process_group(backend=backend)


def primary_first(info: RankInfo, fn):
    """``fn()`` on rank 0 first, then on the others (after a barrier).

    Used to open the store: on a new workspace, several processes creating the same
    schema at once collide on its version row.
    """
    if not info.distributed:
        return fn()
    import torch.distributed as dist

    if not dist.is_initialized():
        return fn()
    if info.primary:
        try:
            return fn()
        finally:
            dist.barrier()
    dist.barrier()
    return fn()


class Coordinator:
    """The few collectives a run needs, on a CPU group (never on the GPU stream).

    Requires ``torch.distributed`` to be initialised (the Trainer, accelerate and
    Steward's own loop all do it before training).
    """

    def __init__(self, info: RankInfo) -> None:
        import torch.distributed as dist

        if not dist.is_available() or not dist.is_initialized():
            raise ConfigError(
                f"This process is rank {info.rank} of {info.world_size} but torch.distributed "
                "is not initialised: create the Trainer (or call "
                "torch.distributed.init_process_group) before Steward starts reporting."
            )
        self.info = info
        self._dist = dist
        # A separate gloo group: the cancel check must not wait on (or sync) a GPU stream.
        self.group = None if dist.get_backend() == "gloo" else dist.new_group(backend="gloo")

    def broadcast(self, value):
        """Rank 0's ``value``, on every rank."""
        box = [value]
        self._dist.broadcast_object_list(box, src=0, group=self.group)
        return box[0]

    def gather(self, value) -> list:
        """Every rank's ``value``, indexed by rank, on every rank."""
        out: list = [None] * self.info.world_size
        self._dist.all_gather_object(out, value, group=self.group)
        return out

    def agree(self, flag: bool, steps: int) -> tuple[bool, int]:
        """One all-reduce: (True on every rank when ``flag`` is True on one, the smallest
        ``steps`` proposed)."""
        import torch

        t = torch.tensor([1 if flag else 0, -int(steps)], dtype=torch.int64)
        self._dist.all_reduce(t, op=self._dist.ReduceOp.MAX, group=self.group)
        return bool(t[0].item()), int(-t[1].item())

    def barrier(self) -> None:
        self._dist.barrier(group=self.group)


__all__ = [
    "PER_RANK_METRICS",
    "RANK_DONE",
    "RANK_TAG_SEP",
    "STOP_REQUESTED",
    "SUMMED_METRICS",
    "Coordinator",
    "RankInfo",
    "ensure_process_group",
    "on_sigterm_stop_together",
    "primary_first",
    "rank_info",
    "rank_of_tag",
    "split_tag",
    "tagged",
]
