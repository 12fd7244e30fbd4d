"""JobManager: thread jobs (success, failure, cancel), process jobs, interrupted recovery."""

import os
import sys
import textwrap
import time
from pathlib import Path

from backend.errors import StewardError
from backend.jobs import JobManager, python_argv


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


def test_cancel_terminates_process(store, tmp_path):
    jm = JobManager(store, logs_dir=tmp_path / "logs")
    job_id = jm.submit_process([sys.executable, "-c", "import time; time.sleep(60)"], kind="train")
    time.sleep(0.3)
    started = time.monotonic()
    assert jm.cancel(job_id, grace_s=2)
    assert jm.wait(job_id, timeout=20) == "cancelled"
    assert time.monotonic() - started < 15
    assert store.get_job(job_id).exit_code is not None


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
