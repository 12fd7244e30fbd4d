"""Multi-process fine-tunes reported as one run: rank tags, sums, cancel, a dead rank.

The end-to-end test launches a real ``torchrun`` (PyTorch's elastic launcher, 2 processes,
gloo on CPU) through the dashboard's path, then cancels it from the store as the page
does: one launch serves every assertion to keep the suite fast.
"""

from __future__ import annotations

import json
import math
import os
import signal
import time

import pandas as pd
import pytest

from backend.errors import ConfigError
from backend.jobs import JobManager, pid_alive, tail
from backend.telemetry.nvml import GpuDevice, NvmlStatus, probe_nvml
from backend.telemetry.sampler import TelemetrySampler, rank_device, weakest_source
from backend.training.config import parse_config
from backend.training.distributed import rank_info, rank_of_tag, split_tag, tagged
from backend.training.launch import cancel_grace_s, submit_training
from backend.training.torchrun import describe_failure, root_cause, torchrun_args
from tests.test_training_models import build_tiny_bert, demo_frame, write_csv


# -- ranks from the launchers' environment ---------------------------------------------
def test_rank_from_torchrun_and_accelerate_environments(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "GROUP_RANK", "NODE_RANK"):
        monkeypatch.delenv(name, raising=False)
    single = rank_info()
    assert (single.rank, single.world_size, single.primary, single.distributed) == (
        0,
        1,
        True,
        False,
    )

    # torchrun on the second of two nodes, 2 processes per node
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setenv("GROUP_RANK", "1")
    info = rank_info()
    assert info.distributed and not info.primary
    assert info.tag == "node1.rank3" and info.pid == os.getpid()
    assert tagged("power_w", info) == "power_w@node1.rank3"
    assert split_tag("power_w@node1.rank3") == ("power_w", "node1.rank3")
    assert split_tag("loss") == ("loss", None)
    assert rank_of_tag("node1.rank3") == 3

    # accelerate launch names the node NODE_RANK
    monkeypatch.delenv("GROUP_RANK")
    monkeypatch.setenv("NODE_RANK", "1")
    assert rank_info().node_rank == 1

    monkeypatch.setenv("RANK", "4")
    with pytest.raises(ConfigError, match="inconsistent"):
        rank_info()
    monkeypatch.setenv("RANK", "two")
    with pytest.raises(ConfigError, match="RANK='two' is not a whole number"):
        rank_info()


def test_each_rank_measures_its_own_gpu_and_the_no_gpu_path():
    devices = [GpuDevice(2, "A100", "GPU-a", True), GpuDevice(0, "A100", "GPU-b", False)]
    status = NvmlStatus(True, "ok", devices, "550.1")
    assert rank_device(status, 0).devices == [devices[0]]  # cuda:0 is the first visible
    assert rank_device(status, 1).devices == [devices[1]]
    none = rank_device(status, 2)
    assert not none.available and "local rank 2 has no GPU of its own" in none.reason
    # This machine: no NVIDIA driver. The same code path says so and estimates the CPU.
    here = probe_nvml()
    assert not here.available
    assert rank_device(here, 1) is here
    sampler = TelemetrySampler(interval_s=5, use_codecarbon=False, local_rank=1).start()
    try:
        assert sampler.nvml.available is False
        assert "No NVIDIA GPU" in sampler.describe_hardware()
    finally:
        sampler.stop()
    assert weakest_source(["nvml_counter", "nvml_counter"]) == "nvml_counter"
    assert weakest_source(["nvml_counter", "codecarbon_cpu_estimate"]) == "codecarbon_cpu_estimate"
    assert weakest_source([]) == "unavailable"


def test_dead_rank_is_named_from_the_launchers_failure_record(tmp_path):
    from torch.distributed.elastic.multiprocessing.errors import ProcessFailure

    killed = ProcessFailure(
        local_rank=1, pid=4242, exitcode=-9, error_file=str(tmp_path / "none.json")
    )
    stopped = ProcessFailure(
        local_rank=0, pid=4241, exitcode=-15, error_file=str(tmp_path / "none.json")
    )
    rank, failure = root_cause({0: stopped, 1: killed})
    assert rank == 1
    # Seen in CI: rank 0 then fails on gloo's "Connection reset by peer", exits with code 1,
    # and its error file's timestamp is older than the launcher's record of the killed rank.
    import json

    error_file = tmp_path / "rank0.json"
    error_file.write_text(
        json.dumps(
            {
                "message": {
                    "message": "RuntimeError: Connection reset by peer",
                    "extraInfo": {"timestamp": "1"},
                }
            }
        )
    )
    peer = ProcessFailure(local_rank=0, pid=4241, exitcode=1, error_file=str(error_file))
    assert peer.timestamp < killed.timestamp
    assert root_cause({0: peer, 1: killed})[0] == 1
    assert root_cause({0: peer, 1: stopped})[0] == 0
    aborted = ProcessFailure(
        local_rank=0, pid=4241, exitcode=-6, error_file=str(tmp_path / "none.json")
    )
    assert root_cause({0: aborted, 1: killed})[0] == 1  # SIGKILL before a same-second abort
    text = describe_failure(rank, failure, "node-a")
    assert text.startswith("Rank 1 (node 0, host node-a, local rank 1, pid 4242) died: ")
    assert "killed by SIGKILL" in text
    args = torchrun_args(2, "/tmp/c.json")
    assert "--nproc-per-node=2" in args and args[-3:] == [
        "backend.training.worker",
        "--config",
        "/tmp/c.json",
    ]


def test_processes_are_validated_before_launch(store, tmp_path, monkeypatch):
    from backend.training.preflight import preflight

    csv = write_csv(demo_frame(60), tmp_path / "d.csv")
    base = {"dataset_path": csv, "text_column": "text", "label_column": "label"}
    with pytest.raises(ConfigError, match="processes"):
        parse_config({**base, "processes": 0})
    dp = {**base, "dp": {"enabled": True}}
    with pytest.raises(ConfigError, match=r"DP-SGD\) trains in one process only, not 2"):
        preflight(parse_config({**dp, "processes": 2}), store)
    # A hand-typed `torchrun --nproc-per-node 3 -m backend.training.worker` is refused too.
    monkeypatch.setenv("WORLD_SIZE", "3")
    monkeypatch.setenv("RANK", "1")
    with pytest.raises(ConfigError, match="one process only, not 3: .* epsilon would be wrong"):
        preflight(parse_config(dp), store)
    monkeypatch.delenv("WORLD_SIZE")
    monkeypatch.delenv("RANK")
    with pytest.raises(ConfigError, match="cannot give each of 64 processes a batch"):
        preflight(parse_config({**base, "processes": 64, "batch_size": 16}), store)


def test_per_rank_chart_draws_one_line_per_rank():
    from components.training_charts import per_rank_figure

    frame = pd.DataFrame(
        {
            "step": [1, 2, 1, 2, 1],
            "name": ["power_w@node0.rank0"] * 2 + ["power_w@node0.rank1"] * 2 + ["power_w"],
            "value": [3.0, 3.5, 2.0, 2.5, 5.5],
            "vmin": 0.0,
            "vmax": 0.0,
            "n": 1,
        }
    )
    fig = per_rank_figure(frame, "power_w", title="Power per rank", ytitle="W")
    assert [t.name for t in fig.data] == ["node 0 · rank 0", "node 0 · rank 1"]


# -- the real thing: torchrun, 2 processes, gloo ----------------------------------------
def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_torchrun_two_processes_are_one_run_and_cancel_stops_both(
    store, settings, tmp_path, app_test
):
    frame = demo_frame(200)
    csv = write_csv(frame, tmp_path / "c.csv")
    model = build_tiny_bert(tmp_path / "bert", frame["text"].tolist()[:100])
    config = parse_config(
        {
            "model": model,
            "dataset_path": csv,
            "text_column": "text",
            "label_column": "label",
            "max_length": 24,
            "batch_size": 8,
            "epochs": 200,
            "processes": 2,
            "save_checkpoint": False,
            "telemetry": {"interval_s": 0.5},
        }
    )
    manager = JobManager(store, logs_dir=settings.logs_dir)
    job_id = submit_training(manager, config, settings)

    def describe() -> str:
        job = store.get_job(job_id)
        return f"status={job.status} error={job.error} log:\n{tail(job.log_path, 40)}"

    def both_ranks_reported_after_an_evaluation() -> bool:
        names = set(store.metric_names(job_id))
        return {
            "eval_loss",
            "energy_kwh_cumulative@node0.rank0",
            "energy_kwh_cumulative@node0.rank1",
        } <= names or not store.get_job(job_id).is_active

    assert _wait_for(both_ranks_reported_after_an_evaluation, 240), describe()
    job = store.get_job(job_id)
    assert job.is_active, describe()
    ranks = {r["rank"]: r for r in job.result["ranks"]}
    assert set(ranks) == {0, 1} and ranks[0]["pid"] != ranks[1]["pid"]

    assert manager.cancel(job_id, grace_s=cancel_grace_s(job))
    assert manager.wait(job_id, timeout=90) == "cancelled", describe()
    for r in ranks.values():  # cancel reached both ranks, and each stopped on its own
        assert _wait_for(lambda r=r: not pid_alive(r["pid"]), 30), r
    log = tail(store.get_job(job_id).log_path, 80)
    assert log.count("Stopped.") == 2, log

    # One run record for the whole launch.
    assert [j.id for j in store.list_jobs(kind="train")] == [job_id]
    names = set(store.metric_names(job_id))
    # Rank 0 reports loss and evaluation; every rank its own telemetry, tagged.
    assert {"loss", "eval_loss", "eval_accuracy"} <= names
    assert not any(n.split("@")[0] in ("loss", "eval_loss") and "@" in n for n in names)
    for tag in ("node0.rank0", "node0.rank1"):
        assert f"power_w@{tag}" in names and f"cpu_percent@{tag}" in names
    result = store.get_job(job_id).result
    assert result["status"] == "cancelled" and result["world_size"] == 2
    final = {r["rank"]: r for r in result["ranks"]}
    assert [final[0]["status"], final[1]["status"]] == ["cancelled", "cancelled"]
    e0, e1 = final[0]["energy_kwh"], final[1]["energy_kwh"]
    assert e0 > 0 and e1 > 0
    assert math.isclose(result["energy_kwh"], e0 + e1, rel_tol=1e-9)
    assert math.isclose(result["co2_g"], (e0 + e1) * result["grid_intensity_g_per_kwh"])
    assert result["energy_source"] == "codecarbon_cpu_estimate"
    assert result["energy_source_label"].startswith("Sum over 2 ranks.")
    # The run's cumulative energy series ends on that sum.
    last = store.metrics(job_id, ["energy_kwh_cumulative"])[-1].value
    assert math.isclose(last, e0 + e1, rel_tol=1e-9)

    # The run page: the ranks table and one line per rank.
    at = app_test("pages/finetune_monitor.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2 processes on 1 node" in m.value for m in at.markdown)
    ranks_table = next(d.value for d in at.dataframe if "measured by" in d.value.columns)
    assert list(ranks_table["rank"]) == ["node 0 · rank 0", "node 0 · rank 1"]
    assert list(ranks_table["status"]) == ["cancelled", "cancelled"]
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    per_rank = next(json.loads(c) for c in charts if "Energy per rank" in c)
    assert [t["name"] for t in per_rank["data"]] == ["node 0 · rank 0", "node 0 · rank 1"]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.databases("postgres")
def test_two_nodes_accelerate_and_torchrun_with_a_users_trainer_are_one_run(
    store, settings, tmp_path, app_test
):
    """Two "nodes" on this machine, one process each, meeting at a static rendezvous on
    127.0.0.1: node 0 started by ``accelerate launch``, node 1 by ``torchrun`` (both run
    PyTorch's ``torch.distributed.run``; one launch checks both launchers). Every rank runs
    a user's script: a Hugging Face ``Trainer`` with ``StewardCallback``, reporting to one
    PostgreSQL server as several nodes would. A true second machine is not available here:
    the nodes share a host and its loopback network."""
    import subprocess
    import sys
    from pathlib import Path

    frame = demo_frame(96)
    csv = write_csv(frame, tmp_path / "c.csv")
    model = build_tiny_bert(tmp_path / "bert", frame["text"].tolist())
    script = ["-m", "tests.trainer_script", "--model", model, "--csv", csv]
    script += ["--output-dir", str(tmp_path / "out"), "--max-steps", "4"]
    port = str(_free_port())
    node0 = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu"]
    node0 += ["--num_machines", "2", "--machine_rank", "0", "--num_processes", "2"]
    node0 += ["--main_process_ip", "127.0.0.1", "--main_process_port", port]
    node0 += ["--mixed_precision", "no", "--dynamo_backend", "no", *script]
    node1 = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--node-rank", "1"]
    node1 += ["--nproc-per-node", "1", "--rdzv-backend", "static"]
    node1 += ["--rdzv-endpoint", f"127.0.0.1:{port}", *script]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    root = Path(__file__).resolve().parents[1]
    logs = [tmp_path / "node0.log", tmp_path / "node1.log"]
    procs = [
        subprocess.Popen(cmd, cwd=root, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        for cmd, log in zip((node0, node1), logs, strict=True)
    ]
    try:
        codes = [p.wait(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert codes == [0, 0], "\n".join(log.read_text()[-3000:] for log in logs)

    # One run record for the two nodes, finished by rank 0.
    jobs = store.list_jobs(kind="train")
    assert len(jobs) == 1, [(j.id, j.name) for j in jobs]
    job = jobs[0]
    assert (job.status, job.runner, job.name) == ("succeeded", "external", "my trainer script")
    result = job.result
    assert result["world_size"] == 2 and result["nodes"] == 2 and result["steps"] == 4
    ranks = {r["tag"]: r for r in result["ranks"]}
    assert set(ranks) == {"node0.rank0", "node1.rank1"}
    assert [ranks["node1.rank1"]["node_rank"], ranks["node1.rank1"]["local_rank"]] == [1, 0]
    assert {r["status"] for r in ranks.values()} == {"finished"}
    # The Trainer trained data-parallel: 4 steps of 4 rows on each of 2 ranks, of 72 rows.
    assert math.isclose(store.metrics(job.id, ["epoch"])[-1].value, 4 * 4 * 2 / 72)
    # Loss and evaluation from rank 0 only; telemetry from each node's rank, summed.
    names = set(store.metric_names(job.id))
    assert {"loss", "eval_loss", "learning_rate"} <= names
    assert not any(n.startswith(("loss@", "eval_loss@")) for n in names)
    for tag in ranks:
        assert {f"power_w@{tag}", f"energy_kwh_cumulative@{tag}"} <= names
    e0, e1 = ranks["node0.rank0"]["energy_kwh"], ranks["node1.rank1"]["energy_kwh"]
    assert e0 > 0 and e1 > 0
    assert math.isclose(result["energy_kwh"], e0 + e1, rel_tol=1e-9)
    assert math.isclose(result["co2_g"], (e0 + e1) * result["grid_intensity_g_per_kwh"])
    at = app_test("pages/finetune_monitor.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("2 processes on 2 nodes" in m.value for m in at.markdown)


def test_a_trainer_that_trains_alone_under_a_launcher_is_refused(store, monkeypatch):
    """On CPU without ``use_cpu``, accelerate sets up no data parallelism: each of the
    launched processes would train the whole data set alone (seen with transformers
    5.23 + accelerate 1.15). The callback refuses before it reports anything."""
    from types import SimpleNamespace

    from backend.training import StewardCallback
    from backend.training.callback import TRAINER_WORLD_MISMATCH

    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    cb = StewardCallback(store=store, telemetry=False)
    args = SimpleNamespace(world_size=1, run_name="x", output_dir="out")
    with pytest.raises(ConfigError, match="pass use_cpu=True to TrainingArguments"):
        cb.on_train_begin(args, SimpleNamespace(max_steps=4), SimpleNamespace())
    assert TRAINER_WORLD_MISMATCH.format(launched=2, world=1).startswith(
        "The launcher started 2 processes but this Trainer trains as 1"
    )
    assert store.list_jobs(kind="train") == []


@pytest.mark.slow
def test_a_rank_that_dies_fails_the_run_with_its_rank_named(store, settings, tmp_path):
    frame = demo_frame(120)
    csv = write_csv(frame, tmp_path / "c.csv")
    model = build_tiny_bert(tmp_path / "bert", frame["text"].tolist()[:60])
    config = parse_config(
        {
            "model": model,
            "dataset_path": csv,
            "text_column": "text",
            "label_column": "label",
            "max_length": 16,
            "batch_size": 4,
            "epochs": 200,
            "processes": 2,
            "save_checkpoint": False,
            "telemetry": {"enabled": False},
        }
    )
    manager = JobManager(store, logs_dir=settings.logs_dir)
    job_id = submit_training(manager, config, settings)
    assert _wait_for(
        lambda: bool(store.metrics(job_id, ["loss"])) or not store.get_job(job_id).is_active, 240
    ), tail(store.get_job(job_id).log_path)
    ranks = {r["rank"]: r for r in store.get_job(job_id).result["ranks"]}
    os.kill(ranks[1]["pid"], signal.SIGKILL)
    assert manager.wait(job_id, timeout=90) == "failed"
    job = store.get_job(job_id)
    assert job.error.startswith(f"Rank 1 (node 0, host {ranks[1]['hostname']}, local rank 1"), (
        job.error
    )
    assert "killed by SIGKILL" in job.error.splitlines()[0]
    assert not pid_alive(ranks[0]["pid"]) or _wait_for(lambda: not pid_alive(ranks[0]["pid"]), 30)


def test_a_users_script_that_lost_a_rank_names_it(store, monkeypatch):
    """A Trainer under torchrun whose rank 1 is killed: rank 0 dies on gloo's "Connection
    reset by peer" and its exit hook names rank 1 (seen for real with tests/trainer_script.py
    and kill -9; here rank 0's reporter in a one-process gloo group, rank 1 a dead pid)."""
    import socket

    import torch.distributed as dist

    from backend.training.distributed import RankInfo
    from backend.training.reporter import RunReporter

    monkeypatch.delenv("STEWARD_JOB_ID", raising=False)
    job = store.create_job(kind="train", name="script", runner="external")
    host = socket.gethostname()
    me = RankInfo(rank=0, world_size=2, hostname=host, pid=os.getpid())
    dead = RankInfo(rank=1, world_size=2, local_rank=1, hostname=host, pid=2**22 + 12345)
    dist.init_process_group("gloo", rank=0, world_size=1, store=dist.HashStore())
    try:
        rep = RunReporter(store, job_id=job.id, rank=me, telemetry=False)
        rep.ranks = [me.to_dict(), dead.to_dict()]
        lost = RuntimeError("[gloo/transport/tcp/pair.cc:537] Read error: Connection reset by peer")
        text = rep._script_exit_error(lost)
        assert text.startswith(
            f"Rank 1 (node 0, host {host}, local rank 1, pid {dead.pid}) died without a final "
            "report (killed or out of memory); rank 0 then failed talking to it. The training "
            "script exited before training ended (RuntimeError: [gloo"
        ), text
        # Rank 0's own bug is not blamed on a peer.
        assert rep._script_exit_error(ValueError("bad label")) == (
            "The training script exited before training ended (ValueError: bad label)."
        )
        assert rep._script_exit_error(None) == "The training script exited before training ended."
        # A peer that said it failed (its own exit hook) is named as failed.
        store.add_metric_steps(job.id, [(3, {"rank_done@node0.rank1": 3.0})])
        rep.ranks[1] = {**dead.to_dict(), "pid": os.getpid()}  # alive: it did report
        assert rep._script_exit_error(lost).startswith(f"Rank 1 (node 0, host {host}, ")
        assert " failed; rank 0 then failed talking to it." in rep._script_exit_error(lost)
    finally:
        dist.destroy_process_group()


def test_external_runs_of_another_host_are_not_judged_by_pid(store):
    from backend.training.launch import reconcile_external_runs

    dead_pid = 2**22 + 12345  # above the default pid_max: never a live process
    here = store.create_job(kind="train", name="here", runner="external", worker_pid=dead_pid)
    there = store.create_job(
        kind="train", name="there", runner="external", worker_pid=dead_pid, owner_host="node-b"
    )
    for job in (here, there):
        store.update_job(job.id, status="running")
    assert reconcile_external_runs(store) == [here.id]
    assert store.get_job(there.id).status == "running"  # rank 0 runs on node-b
