"""Shared fixtures: every test gets its own STEWARD_HOME and a fresh store.

Tests marked ``@pytest.mark.databases`` (or a module with ``pytestmark =
pytest.mark.databases``) run twice: on SQLite and on a real PostgreSQL 16 that the test
session starts from the ``pgserver`` wheel (one server per session, stopped at its end;
one fresh schema per test). ``STEWARD_TEST_DATABASES=sqlite`` skips the PostgreSQL pass.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from backend.config import apply_offline_env, get_settings
from backend.store import get_store, reset_stores
from tests.browser_support import session_onnx_cache

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("STEWARD_SHARED_DATA", ROOT.parent / "shared" / "data"))

apply_offline_env()


DATABASES = ("sqlite", "postgres")
TEST_DATABASES = [
    name.strip()
    for name in os.environ.get("STEWARD_TEST_DATABASES", ",".join(DATABASES)).split(",")
    if name.strip()
]


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "databases(*names): run the test on each database (default: sqlite and postgres)",
    )


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("databases")
    if marker is not None:
        names = [n for n in (marker.args or DATABASES) if n in TEST_DATABASES]
        metafunc.parametrize("database", names, indirect=True)


@pytest.fixture
def database(request) -> str:
    """``sqlite`` (every test) or ``postgres`` (second pass of a ``databases`` test)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL 16 server (pgserver wheel) for the whole session.

    Stopped when the session ends; a watchdog process also stops it if the session is
    killed before its fixtures finish, so no server is ever left running.
    """
    import pgserver

    # not under pytest's basetemp: pytest resets its mode to 0700, which locks out the
    # unprivileged user pgserver runs PostgreSQL as when started by root
    root = Path(tempfile.mkdtemp(prefix="steward-pg-"))
    data = root / "data"
    server = pgserver.get_server(data, cleanup_mode="stop")
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _PG_WATCHDOG, str(os.getpid()), str(root)],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        pg = SessionPostgres(server)
        # a throwaway test server: no need to survive a power cut
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            pg.admin.execute(f"ALTER SYSTEM SET {setting} = off")
        pg.admin.execute("SELECT pg_reload_conf()")
        yield pg
        pg.admin.close()
    finally:
        server.cleanup()
        watchdog.kill()
        watchdog.wait()
        shutil.rmtree(root, ignore_errors=True)


# Waits for the test session (argv[1]) to end, then stops its PostgreSQL (fast shutdown)
# and removes its folder (argv[2]): only does anything when the session was killed.
_PG_WATCHDOG = """
import shutil, signal, sys, psutil
from pathlib import Path
try:
    psutil.Process(int(sys.argv[1])).wait()
except psutil.NoSuchProcess:
    pass
root = Path(sys.argv[2])
pid_file = root / "data" / "postmaster.pid"
if pid_file.exists():
    try:
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        postmaster.send_signal(signal.SIGINT)  # fast shutdown
        postmaster.wait(30)
    except (psutil.Error, ValueError):
        pass
shutil.rmtree(root, ignore_errors=True)
"""


class SessionPostgres:
    """The session's PostgreSQL: its URL, an admin connection, fresh schemas and databases."""

    def __init__(self, server) -> None:
        import psycopg

        from backend.store import normalize_url

        self.server = server
        self.url = normalize_url(
            server.get_uri()
        )  # postgresql+psycopg://postgres:@/postgres?host=…
        self.admin = psycopg.connect(server.get_uri(), autocommit=True)
        self._names = itertools.count(1)

    def schema_url(self) -> str:
        """A URL whose tables live in a new, empty schema (one test's isolation)."""
        name = f"test_{next(self._names)}"
        self.admin.execute(f"CREATE SCHEMA {name}")
        return f"{self.url}&options=-csearch_path%3D{name}"

    def database_url(self) -> str:
        """A URL to a new, empty database (for restoring a dump with its own schema names)."""
        name = f"db_{next(self._names)}"
        self.admin.execute(f"CREATE DATABASE {name}")
        return self.url.replace("/postgres?", f"/{name}?", 1)


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory):
    """One ONNX export cache for the session (MiniLM's int8 export takes ~10 s per workspace);
    the browser tests' servers use the same folder."""
    return session_onnx_cache(tmp_path_factory)


@pytest.fixture(autouse=True)
def steward_home(tmp_path, monkeypatch, database, request, onnx_cache):
    """Isolate every test in its own workspace directory and database."""
    home = tmp_path / "steward-home"
    monkeypatch.setenv("STEWARD_HOME", str(home))
    monkeypatch.setenv("STEWARD_ONNX_CACHE", str(onnx_cache))  # subprocesses share it too
    if database == "postgres":
        url = request.getfixturevalue("postgres_server").schema_url()
        monkeypatch.setenv("STEWARD_DATABASE_URL", url)
    else:
        monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("STEWARD_SECRETS", str(tmp_path / "no-secrets.toml"))
    get_settings.cache_clear()
    reset_stores()
    yield home
    reset_stores()
    get_settings.cache_clear()


@pytest.fixture
def store(steward_home):
    return get_store()


@pytest.fixture
def settings(steward_home):
    return get_settings()


@pytest.fixture
def shared_data() -> Path:
    """The read-only ../shared/data folder; tests needing it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA} (only present in CI)")
    return SHARED_DATA


@pytest.fixture
def app_test(steward_home):
    """Build an AppTest for one page with Streamlit's process-wide caches cleared."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def make(page: str, *, timeout: float = 60) -> AppTest:
        st.cache_resource.clear()
        st.cache_data.clear()
        return AppTest.from_file(str(ROOT / page), default_timeout=timeout)

    yield make
    st.cache_resource.clear()
    st.cache_data.clear()
