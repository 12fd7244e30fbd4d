"""JobManager: thread jobs (success, failure, cancel), process jobs, interrupted recovery.

Tests marked ``databases`` run on SQLite and on PostgreSQL (see tests/conftest.py).
"""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from backend.errors import StewardError
from backend.jobs import JobManager, pid_alive, python_argv

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.databases
def test_thread_job_reports_progress_and_result(store):
    seen = []

    def work(ctx):
        for i in range(5):
            ctx.progress((i + 1) / 5, f"step {i + 1}", force=True)
            seen.append(store.get_job(ctx.job_id).progress)
        return {"answer": 42}

    jm = JobManager(store)
    job_id = jm.submit(work, kind="audit", name="demo audit")
    assert jm.wait(job_id, timeout=10) == "succeeded"
    job = store.get_job(job_id)
    assert job.result == {"answer": 42}
    assert job.progress == 1.0
    assert seen == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at


@pytest.mark.databases
def test_failure_is_captured_not_raised(store):
    def boom(ctx):
        raise ValueError("column 'text' has numbers")

    def user_error(ctx):
        raise StewardError("The file is empty.")

    jm = JobManager(store)
    a = jm.submit(boom, kind="audit")
    b = jm.submit(user_error, kind="audit")
    assert jm.wait(a, timeout=10) == "failed"
    assert jm.wait(b, timeout=10) == "failed"
    assert "ValueError: column 'text' has numbers" in store.get_job(a).error
    assert store.get_job(b).error == "The file is empty."


@pytest.mark.databases
def test_cooperative_cancel(store):
    def slow(ctx):
        for i in range(1000):
            time.sleep(0.01)
            ctx.progress(i / 1000)
        return {"finished": True}

    jm = JobManager(store)
    job_id = jm.submit(slow, kind="audit")
    time.sleep(0.1)
    assert jm.cancel(job_id)
    assert jm.wait(job_id, timeout=10) == "cancelled"
    assert store.get_job(job_id).result is None
    assert not jm.cancel(job_id), "a finished job cannot be cancelled again"


@pytest.mark.databases
def test_cancel_requested_from_another_manager(store):
    """A second tab or process cancels through the store."""

    def slow(ctx):
        while True:
            time.sleep(0.02)
            ctx.progress(0.5)

    jm = JobManager(store)
    job_id = jm.submit(slow, kind="audit")
    time.sleep(0.1)
    store.update_job(job_id, cancel_requested=True)
    assert jm.wait(job_id, timeout=10) == "cancelled"


@pytest.mark.databases
def test_jobs_of_dead_process_become_interrupted(store):
    dead = store.create_job(kind="audit", status="running", owner_pid=2**22 + 12345)
    alive_other = store.create_job(kind="audit", status="running", owner_pid=os.getppid())
    external = store.create_job(kind="train", status="running", runner="external")
    jm = JobManager(store)
    assert store.get_job(dead.id).status == "interrupted"
    assert store.get_job(alive_other.id).status == "running"
    assert store.get_job(external.id).status == "running"
    assert jm.recover() == []


def test_process_job_success_log_and_exit_code(store, tmp_path):
    jm = JobManager(store, logs_dir=tmp_path / "logs")
    job_id = jm.submit_process(
        [sys.executable, "-c", "import os; print('hello from', os.environ['STEWARD_JOB_ID'])"],
        kind="train",
        name="echo",
    )
    assert jm.wait(job_id, timeout=30) == "succeeded"
    job = store.get_job(job_id)
    assert job.exit_code == 0
    assert f"hello from {job_id}" in Path(job.log_path).read_text()


def test_process_job_crash_is_failed_with_exit_code(store, tmp_path):
    jm = JobManager(store, logs_dir=tmp_path / "logs")
    code = (
        "import sys; print('loading model'); sys.stderr.write('CUDA out of memory\\n'); sys.exit(3)"
    )
    job_id = jm.submit_process([sys.executable, "-c", code], kind="train")
    assert jm.wait(job_id, timeout=30) == "failed"
    job = store.get_job(job_id)
    assert job.exit_code == 3
    assert "exited with code 3" in job.error and "CUDA out of memory" in job.error


@pytest.mark.databases
def test_process_job_reports_progress_itself(store, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(
        textwrap.dedent(
            """
            from backend.jobs import context_from_env
            from backend.store import get_store
            store = get_store()
            ctx = context_from_env(store)
            ctx.progress(0.5, "halfway", force=True)
            store.update_job(ctx.job_id, result={"steps": 7})
            """
        )
    )
    jm = JobManager(store, logs_dir=tmp_path / "logs")
    env = {"PYTHONPATH": os.getcwd()}
    job_id = jm.submit_process([sys.executable, str(script)], kind="train", env=env)
    assert jm.wait(job_id, timeout=60) == "succeeded", Path(
        store.get_job(job_id).log_path
    ).read_text()
    assert store.get_job(job_id).result == {"steps": 7}


@pytest.mark.databases
def test_cancel_terminates_process(store, tmp_path):
    jm = JobManager(store, logs_dir=tmp_path / "logs")
    job_id = jm.submit_process([sys.executable, "-c", "import time; time.sleep(60)"], kind="train")
    time.sleep(0.3)
    started = time.monotonic()
    assert jm.cancel(job_id, grace_s=2)
    assert jm.wait(job_id, timeout=20) == "cancelled"
    assert time.monotonic() - started < 15
    assert store.get_job(job_id).exit_code is not None


# A worker that reports progress until it is cancelled (through the store or a signal).
_LOOPING_WORKER = """
import time
from backend.jobs import context_from_env
from backend.store import get_store
ctx = context_from_env(get_store())
while True:
    ctx.progress(0.5, "working", force=True)
    time.sleep(0.05)
"""


def _another_process(code: str, *args: str) -> None:
    """Run ``code`` in a separate Python process on the same workspace (another dashboard)."""
    subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        check=True,
        timeout=60,
    )


@pytest.mark.databases
def test_cancel_from_another_process_stops_a_worker(store, tmp_path):
    jm = JobManager(store, logs_dir=tmp_path / "logs")
    job_id = jm.submit_process([sys.executable, "-c", _LOOPING_WORKER], kind="train", cwd=ROOT)
    _wait_for(lambda: store.get_job(job_id).message == "working")
    _another_process(
        "import sys; from backend.jobs import JobManager; from backend.store import get_store;"
        "assert JobManager(get_store()).cancel(int(sys.argv[1]), grace_s=2)",
        str(job_id),
    )
    assert jm.wait(job_id, timeout=30) == "cancelled"


@pytest.mark.databases
def test_a_job_on_another_machine_is_cancelled_through_the_store_only(store, tmp_path):
    """Dashboards on two machines share one database: a pid is only meaningful on its host."""
    jm = JobManager(store, logs_dir=tmp_path / "logs")
    job_id = jm.submit_process([sys.executable, "-c", _LOOPING_WORKER], kind="train", cwd=ROOT)
    _wait_for(lambda: store.get_job(job_id).message == "working")
    store.update_job(job_id, owner_host="gpu-node-7")  # as if started over there
    bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        other = store.create_job(
            kind="train",
            status="running",
            runner="process",
            owner_host="gpu-node-7",
            owner_pid=2**22 + 7,  # no such process here: not a reason to call it interrupted
            worker_pid=bystander.pid,  # a local process with the same number: never signalled
        )
        other_manager = JobManager(store)
        assert other.id not in other_manager.recover()
        assert store.get_job(other.id).status == "running"
        assert other_manager.cancel(other.id, grace_s=0.1)
        assert store.get_job(other.id).cancel_requested and pid_alive(bystander.pid)
        # the real worker sees the flag at its next progress report and stops
        assert other_manager.cancel(job_id, grace_s=0.1)
        assert jm.wait(job_id, timeout=30) == "cancelled"
        assert pid_alive(bystander.pid)
    finally:
        bystander.kill()
        bystander.wait()


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_python_argv_uses_this_interpreter():
    assert python_argv("backend", "jobs") == [sys.executable, "-m", "backend", "jobs"]


def test_alerts_raised_by_a_job_are_dispatched_when_it_ends(store):
    from backend.alerts import deliveries

    def evaluate(ctx):
        alert = ctx.store.add_alert(kind="fairness", message="FPR gap 0.21 > 0.15", value=0.21)
        return {"alert_id": alert.id}

    jm = JobManager(store)
    job_id = jm.submit(evaluate, kind="fairness")
    assert jm.wait(job_id, timeout=10) == "succeeded"
    alert_id = store.get_job(job_id).result["alert_id"]
    deadline = time.monotonic() + 5
    while not deliveries(store, alert_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [d.notifier for d in deliveries(store, alert_id)] == ["log"]
