"""Shared fixtures: every test gets its own STEWARD_HOME and a fresh store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.config import apply_offline_env, get_settings
from backend.store import get_store, reset_stores

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("STEWARD_SHARED_DATA", ROOT.parent / "shared" / "data"))

apply_offline_env()


@pytest.fixture(autouse=True)
def steward_home(tmp_path, monkeypatch):
    """Isolate every test in its own workspace directory and database."""
    home = tmp_path / "steward-home"
    monkeypatch.setenv("STEWARD_HOME", str(home))
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
