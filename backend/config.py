"""Settings from environment variables and ``.streamlit/secrets.toml``.

Precedence: environment variable > ``[steward]`` table in secrets.toml > default.
All state lives under one directory, ``STEWARD_HOME`` (default ``./.steward``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secrets() -> dict:
    path = Path(os.environ.get("STEWARD_SECRETS", PROJECT_ROOT / ".streamlit" / "secrets.toml"))
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return data.get("steward", {}) if isinstance(data.get("steward", {}), dict) else {}


def _get(name: str, default, secrets: dict):
    env = os.environ.get(f"STEWARD_{name.upper()}")
    if env is not None:
        return env
    return secrets.get(name.lower(), default)


def _as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one process."""

    home: Path
    database_url: str
    offline: bool = True
    max_upload_mb: int = 200
    toxicity_threshold: float = 0.5
    country_iso_code: str = "FRA"
    extra: dict = field(default_factory=dict)

    @property
    def demo_dir(self) -> Path:
        return self.home / "demo"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    def ensure_dirs(self) -> None:
        for path in (self.home, self.demo_dir, self.logs_dir, self.runs_dir, self.uploads_dir):
            path.mkdir(parents=True, exist_ok=True)


def load_settings() -> Settings:
    """Read settings now (no caching; see :func:`get_settings`)."""
    secrets = _secrets()
    home = Path(_get("home", ".steward", secrets)).expanduser().resolve()
    default_url = f"sqlite:///{home / 'steward.db'}"
    return Settings(
        home=home,
        database_url=str(_get("database_url", default_url, secrets)),
        offline=_as_bool(_get("offline", True, secrets)),
        max_upload_mb=int(_get("max_upload_mb", 200, secrets)),
        toxicity_threshold=float(_get("toxicity_threshold", 0.5, secrets)),
        country_iso_code=str(_get("country_iso_code", "FRA", secrets)),
        extra=secrets,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings. Tests call ``get_settings.cache_clear()`` after changing env."""
    return load_settings()


def apply_offline_env(settings: Settings | None = None) -> None:
    """Set the Hugging Face offline flags before ``transformers`` is imported.

    ``HF_HUB_OFFLINE`` is only read at import time, so this runs at process start
    (app.py, the CLI, worker processes). A user who is online sets STEWARD_OFFLINE=0.
    """
    settings = settings or get_settings()
    if settings.offline:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")
    # Model-loading progress bars go to stderr, where the CLI promises one-line errors
    # and the server log is read by people; Steward shows its own progress.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
