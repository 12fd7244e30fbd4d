"""Background jobs whose state lives in the store.

* :meth:`JobManager.submit` runs a callable in a daemon thread. The callable receives a
  :class:`JobContext` to report progress and check for cancellation; an exception marks
  the job ``failed`` with its message (never a crashed app).
* :meth:`JobManager.submit_process` runs a command in a supervised child process
  (fine-tuning): stdout/stderr go to a log file, the exit code is recorded, cancel
  terminates the process. The child can report progress itself through
  :func:`context_from_env` (``STEWARD_JOB_ID`` is set for it).
* On start-up, jobs left ``running`` by a process that no longer exists become
  ``interrupted``. Only jobs of this machine are judged (``owner_host``): several
  dashboards on several machines may share one PostgreSQL database, and a process id
  means nothing on another host. Cancel reaches another machine's job through the
  store's ``cancel_requested`` flag, never by signalling a local process.

Because everything is in the store, a page reload or a second browser tab sees the
same jobs. Worker threads never touch Streamlit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psutil

from backend.errors import JobCancelled, StewardError
from backend.store import ACTIVE_STATUSES, Job, Store, this_host, utcnow

log = logging.getLogger(__name__)

TERMINAL_STATUSES = ("succeeded", "failed", "cancelled", "interrupted")


class JobContext:
    """Handed to a job function: progress reporting and cooperative cancellation."""

    #: Minimum seconds between two progress writes to the store (the bar stays smooth,
    #: the database is not hammered by a tight loop).
    min_interval_s = 0.25

    def __init__(self, store: Store, job_id: int, cancel_event: threading.Event | None = None):
        self.store = store
        self.job_id = job_id
        self._cancel = cancel_event or threading.Event()
        self._last_write = 0.0
        self._last_db_cancel_check = 0.0

    def progress(self, fraction: float, message: str | None = None, *, force: bool = False) -> None:
        """Report progress in [0, 1] with an optional message; raises if cancelled."""
        now = time.monotonic()
        if force or now - self._last_write >= self.min_interval_s or fraction >= 1.0:
            fields: dict[str, Any] = {"progress": max(0.0, min(1.0, float(fraction)))}
            if message is not None:
                fields["message"] = message
            self.store.update_job(self.job_id, **fields)
            self._last_write = now
        self.check_cancelled()

    @property
    def cancelled(self) -> bool:
        if self._cancel.is_set():
            return True
        now = time.monotonic()
        # Another process or tab may have asked through the store.
        if now - self._last_db_cancel_check >= 1.0:
            self._last_db_cancel_check = now
            job = self.store.get_job(self.job_id)
            if job is not None and job.cancel_requested:
                self._cancel.set()
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """Raise :class:`JobCancelled` if cancellation was requested."""
        if self.cancelled:
            raise JobCancelled()


def context_from_env(store: Store) -> JobContext | None:
    """A context for the job this worker process runs, if started by submit_process."""
    job_id = os.environ.get("STEWARD_JOB_ID")
    return JobContext(store, int(job_id)) if job_id else None


def on_this_host(job: Job) -> bool:
    """Whether ``job`` runs (or ran) on this machine (jobs from before hosts were
    recorded count as this machine's)."""
    return job.owner_host is None or job.owner_host == this_host()


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


class JobManager:
    """Runs jobs for one process. Share one instance per store (``st.cache_resource``)."""

    def __init__(self, store: Store, *, logs_dir: Path | None = None) -> None:
        self.store = store
        self.logs_dir = Path(logs_dir) if logs_dir else None
        self._threads: dict[int, threading.Thread] = {}
        self._cancel_events: dict[int, threading.Event] = {}
        self._procs: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self.recover()

    # -- start-up ----------------------------------------------------------------------
    def recover(self) -> list[int]:
        """Mark jobs whose owner process is gone as ``interrupted``; return their ids."""
        interrupted = []
        for job in self.store.list_jobs(statuses=ACTIVE_STATUSES, limit=10_000):
            if job.runner == "external":
                continue  # reported by a user's own script; it finishes it itself
            if not on_this_host(job):
                continue  # its own machine's dashboard judges it
            owner_alive = pid_alive(job.owner_pid) and job.owner_pid != os.getpid()
            mine = job.id in self._threads or job.id in self._procs
            if job.runner == "process" and pid_alive(job.worker_pid):
                continue  # the worker outlived its supervisor and is still training
            if not owner_alive and not mine:
                self.store.update_job(
                    job.id,
                    status="interrupted",
                    finished_at=utcnow(),
                    message="Interrupted: the process running this job stopped before it ended.",
                )
                interrupted.append(job.id)
        return interrupted

    # -- thread jobs -------------------------------------------------------------------
    def submit(
        self,
        fn: Callable[[JobContext], Any],
        *,
        kind: str,
        name: str = "",
        params: dict | None = None,
    ) -> int:
        """Run ``fn(ctx)`` in a background thread; its return value (a JSON-able dict or
        None) is stored as the job result. Returns the job id at once."""
        job = self.store.create_job(
            kind=kind, name=name, params=params or {}, runner="thread", owner_pid=os.getpid()
        )
        event = threading.Event()
        thread = threading.Thread(
            target=self._run_thread,
            args=(job.id, fn, event),
            name=f"steward-job-{job.id}",
            daemon=True,
        )
        with self._lock:
            self._threads[job.id] = thread
            self._cancel_events[job.id] = event
        thread.start()
        return job.id

    def _run_thread(self, job_id: int, fn: Callable, event: threading.Event) -> None:
        ctx = JobContext(self.store, job_id, event)
        self.store.update_job(job_id, status="running", started_at=utcnow(), message="Started")
        try:
            result = fn(ctx)
        except JobCancelled:
            self.store.update_job(
                job_id, status="cancelled", finished_at=utcnow(), message="Cancelled by user"
            )
        except StewardError as exc:
            self._fail(job_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - a job must never take the app down
            log.exception("job %s failed", job_id)
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self._fail(job_id, detail)
        else:
            fields: dict[str, Any] = {
                "status": "succeeded",
                "progress": 1.0,
                "finished_at": utcnow(),
                "message": "Done",
            }
            if isinstance(result, dict):
                fields["result"] = result
            self.store.update_job(job_id, **fields)
        finally:
            with self._lock:
                self._threads.pop(job_id, None)
                self._cancel_events.pop(job_id, None)

    def _fail(self, job_id: int, message: str) -> None:
        self.store.update_job(
            job_id,
            status="failed",
            finished_at=utcnow(),
            error=clean_error_text(message),
            message="Failed",
        )

    # -- process jobs ------------------------------------------------------------------
    def submit_process(
        self,
        argv: Sequence[str],
        *,
        kind: str,
        name: str = "",
        params: dict | None = None,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
    ) -> int:
        """Run ``argv`` in a supervised child process. ``STEWARD_JOB_ID`` is set for it.

        The child may update its own job (progress, message, result, even a terminal
        status); the supervisor records the exit code and, if the child did not set a
        terminal status, ``succeeded`` on exit 0 or ``failed`` otherwise.
        """
        job = self.store.create_job(
            kind=kind, name=name, params=params or {}, runner="process", owner_pid=os.getpid()
        )
        logs_dir = self.logs_dir or Path(os.environ.get("STEWARD_HOME", ".steward")) / "logs"
        logs_dir.mkdir(parents=True, exist_ok=True)
        log_path = logs_dir / f"job-{job.id}.log"
        child_env = dict(os.environ)
        child_env.update(env or {})
        child_env["STEWARD_JOB_ID"] = str(job.id)
        child_env.setdefault("PYTHONUNBUFFERED", "1")
        with open(log_path, "ab") as log_file:
            proc = subprocess.Popen(
                list(argv),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=child_env,
                cwd=cwd,
                start_new_session=True,  # a Ctrl-C on the dashboard does not kill training
            )
        self.store.update_job(
            job.id,
            status="running",
            started_at=utcnow(),
            worker_pid=proc.pid,
            log_path=str(log_path),
            message="Worker started",
        )
        with self._lock:
            self._procs[job.id] = proc
        threading.Thread(
            target=self._supervise, args=(job.id, proc), name=f"steward-sup-{job.id}", daemon=True
        ).start()
        return job.id

    def _supervise(self, job_id: int, proc: subprocess.Popen) -> None:
        code = proc.wait()
        try:
            job = self.store.get_job(job_id)
            fields: dict[str, Any] = {"exit_code": code}
            if job is not None and job.status not in TERMINAL_STATUSES:
                fields["finished_at"] = utcnow()
                if job.cancel_requested:
                    fields.update(status="cancelled", message="Cancelled by user")
                elif code == 0:
                    fields.update(status="succeeded", progress=1.0, message="Done")
                else:
                    reason = _describe_exit(code)
                    fields.update(
                        status="failed",
                        message="Failed",
                        error=clean_error_text(
                            f"Worker exited with code {code}{reason}. "
                            f"Last log lines:\n{tail(job.log_path)}"
                        ),
                    )
            self.store.update_job(job_id, **fields)
        finally:
            with self._lock:
                self._procs.pop(job_id, None)

    # -- control -----------------------------------------------------------------------
    def cancel(self, job_id: int, *, grace_s: float = 5.0) -> bool:
        """Request cancellation. Threads stop at their next progress check; processes get
        SIGTERM, then SIGKILL after ``grace_s``. Returns False if the job is not active."""
        job = self.store.get_job(job_id)
        if job is None or job.status not in ACTIVE_STATUSES:
            return False
        self.store.update_job(job_id, cancel_requested=True, message="Cancelling…")
        if not on_this_host(job):
            return True  # the job sees the flag at its next progress check
        with self._lock:
            event = self._cancel_events.get(job_id)
            proc = self._procs.get(job_id)
        if event is not None:
            event.set()
        if proc is not None:
            _terminate(proc.pid, grace_s)
        elif job.runner == "process" and pid_alive(job.worker_pid):
            _terminate(job.worker_pid, grace_s)
            self.store.update_job(
                job_id, status="cancelled", finished_at=utcnow(), message="Cancelled by user"
            )
        elif job.runner == "thread" and event is None and not pid_alive(job.owner_pid):
            self.store.update_job(
                job_id, status="interrupted", finished_at=utcnow(), message="Owner process gone"
            )
        return True

    def wait(self, job_id: int, timeout: float | None = None) -> str:
        """Block until the job is no longer active (tests, CLI). Returns its status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._threads.get(job_id)
            if thread is not None:
                thread.join(0.1)
            job = self.store.get_job(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.status not in ACTIVE_STATUSES:
                with self._lock:
                    supervised = job_id in self._procs
                if not supervised:
                    return job.status
            if deadline is not None and time.monotonic() > deadline:
                return job.status
            time.sleep(0.05)


def _terminate(pid: int, grace_s: float) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return

    def _kill_later() -> None:
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)

    threading.Thread(target=_kill_later, daemon=True).start()


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f" (killed by {signal.Signals(-code).name})"
        except ValueError:
            return f" (killed by signal {-code})"
    if code == 137:
        return " (killed, probably out of memory)"
    return ""


def tail(path: str | None, lines: int = 20) -> str:
    """Last ``lines`` lines of a log file ('' if absent), as clean text (see
    :func:`clean_error_text`): logs carry colour codes and whatever a library printed."""
    if not path or not Path(path).is_file():
        return ""
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 16_384))
        data = fh.read().decode("utf-8", errors="replace")
    return "\n".join(clean_error_text(data, max_chars=None).splitlines()[-lines:])


#: ANSI escape sequences: CSI (colours, cursor moves), OSC (titles, links), and the rest.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?")
#: Control characters other than newline and tab (C0, DEL, C1), and undecodable bytes.
_BINARY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]+")
#: Longest error text kept for a job (the log file has the rest).
MAX_ERROR_CHARS = 4000


def clean_error_text(text: str, *, max_chars: int | None = MAX_ERROR_CHARS) -> str:
    """Text safe to show in the UI: no ANSI colour codes, no control characters, runs
    of undecodable bytes shown as ``[binary data]``, carriage-return progress bars
    reduced to their last state, at most ``max_chars`` (the end is kept)."""
    text = _ANSI.sub("", text.replace("\r\n", "\n"))
    # "50%\r100%" is a progress bar redrawn in place: keep what the terminal showed last.
    text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    text = _BINARY.sub(lambda m: "[binary data]" if "\ufffd" in m.group() else "", text)
    text = text.strip()
    if max_chars is not None and len(text) > max_chars:
        text = "…" + text[-(max_chars - 1) :]
    return text


def python_argv(module: str, *args: str) -> list[str]:
    """argv that runs ``python -m module args`` with this interpreter."""
    return [sys.executable, "-m", module, *args]
