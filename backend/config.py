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

from backend.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def secrets_path() -> Path:
    return Path(os.environ.get("STEWARD_SECRETS", PROJECT_ROOT / ".streamlit" / "secrets.toml"))


def _secrets() -> tuple[dict, str | None]:
    """The ``[steward]`` table of secrets.toml, and why it could not be read (or None)."""
    path = secrets_path()
    if not path.exists():
        return {}, None
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        return {}, f"The secrets file {path} is not valid TOML ({exc})."
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        return {}, f"The secrets file {path} cannot be read ({reason})."
    table = data.get("steward", {})
    if not isinstance(table, dict):
        return {}, f"The secrets file {path}: [steward] must be a table of settings."
    return table, None


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
    #: Why .streamlit/secrets.toml was not used (None when it was read or is absent).
    #: The CLI refuses to run and the dashboard shows it: settings from a broken file
    #: must not silently fall back to defaults.
    secrets_error: str | None = None

    @property
    def max_upload_bytes(self) -> int:
        """The upload limit in bytes (MB = 1,000,000 bytes everywhere in messages)."""
        return self.max_upload_mb * 1_000_000

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
        """Create the workspace folders; a clear :class:`ConfigError` when they cannot be."""
        if self.home.exists() and not self.home.is_dir():
            raise ConfigError(
                f"The workspace STEWARD_HOME={self.home} is a file, not a folder. Point "
                "STEWARD_HOME at a writable folder."
            )
        try:
            for path in (self.home, self.demo_dir, self.logs_dir, self.runs_dir, self.uploads_dir):
                path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            where = Path(exc.filename) if exc.filename else self.home
            raise ConfigError(
                f"The workspace STEWARD_HOME={self.home} cannot be used: {where} "
                f"({exc.strerror or exc}). Point STEWARD_HOME at a writable folder."
            ) from None
        # access() also sees read-only mounts, where mkdir(exist_ok=True) succeeds.
        if not os.access(self.home, os.W_OK | os.X_OK):
            raise ConfigError(
                f"The workspace STEWARD_HOME={self.home} is read-only. Point STEWARD_HOME at "
                "a writable folder."
            )


def load_settings() -> Settings:
    """Read settings now (no caching; see :func:`get_settings`)."""
    secrets, secrets_error = _secrets()
    home = Path(_get("home", ".steward", secrets)).expanduser().resolve()
    default_url = f"sqlite:///{home / 'steward.db'}"
    try:
        max_upload_mb = int(_get("max_upload_mb", 200, secrets))
        toxicity_threshold = float(_get("toxicity_threshold", 0.5, secrets))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Invalid setting: {exc}") from None
    if max_upload_mb < 1:
        raise ConfigError("STEWARD_MAX_UPLOAD_MB must be at least 1.")
    if not 0 <= toxicity_threshold <= 1:  # also refuses nan
        raise ConfigError("STEWARD_TOXICITY_THRESHOLD must be between 0 and 1.")
    return Settings(
        home=home,
        database_url=str(_get("database_url", default_url, secrets)),
        offline=_as_bool(_get("offline", True, secrets)),
        max_upload_mb=max_upload_mb,
        toxicity_threshold=toxicity_threshold,
        country_iso_code=str(_get("country_iso_code", "FRA", secrets)),
        extra=secrets,
        secrets_error=secrets_error,
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
