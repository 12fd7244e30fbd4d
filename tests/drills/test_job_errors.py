"""Job errors shown in the UI are clean text; size limits read consistently (issue 15, 12)."""

from __future__ import annotations

import os
import sys

import pytest

from backend.datasets import load_table
from backend.errors import DatasetError, StewardError
from backend.jobs import JobManager, clean_error_text

NOISY = (
    "import sys\n"
    "sys.stdout.write('\\x1b[1;31mERROR\\x1b[0m loading \\x1b]8;;http://x\\x07link\\x1b]8;;\\x07\\n')\n"
    "sys.stdout.flush()\n"
    "sys.stdout.buffer.write(b'blob: \\x00\\x01\\xff\\xfe\\x89PNG\\r\\n\\x1a\\n end\\n')\n"
    "sys.stdout.flush()\n"
    "sys.stderr.write(' 10%\\r 55%\\r100% done\\n')\n"
    "sys.exit(3)\n"
)


def _assert_clean(text: str) -> None:
    assert "\x1b" not in text and "\ufffd" not in text, repr(text)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in text), repr(text)


def test_failed_worker_error_has_no_colour_codes_or_binary(store, settings):
    manager = JobManager(store, logs_dir=settings.logs_dir)
    job_id = manager.submit_process([sys.executable, "-c", NOISY], kind="drill", name="noisy")
    assert manager.wait(job_id, timeout=60) == "failed"
    error = store.get_job(job_id).error
    _assert_clean(error)
    assert "Worker exited with code 3" in error
    assert "ERROR loading link" in error and "[binary data]" in error
    assert "100% done" in error and "55%" not in error


def test_failed_thread_job_error_is_clean(store, settings):
    manager = JobManager(store, logs_dir=settings.logs_dir)

    def work(ctx):
        raise StewardError("\x1b[31mbad\x1b[0m file \x00\x07 name \ufffd\ufffd")

    job_id = manager.submit(work, kind="drill", name="thread")
    assert manager.wait(job_id, timeout=30) == "failed"
    error = store.get_job(job_id).error
    _assert_clean(error)
    assert error == "bad file  name [binary data]"


def test_long_error_keeps_its_end():
    text = clean_error_text("x" * 10_000 + "the reason")
    assert len(text) == 4000 and text.endswith("the reason")


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (200_000_001, "200,000,001 bytes, over the 200 MB limit"),
        (209_715_201, "209.7 MB, over the 200 MB limit"),  # once "over the 210 MB limit"
    ],
)
def test_size_limit_message_is_consistent(tmp_path, settings, size, expected):
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:  # sparse: no disk used
        fh.truncate(size)
    with pytest.raises(DatasetError, match=expected.replace(".", r"\.")):
        load_table(big, max_bytes=settings.max_upload_bytes)
    assert os.path.getsize(big) == size
