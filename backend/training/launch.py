"""Start a fine-tune as a supervised worker process (used by the page and the CLI)."""

from __future__ import annotations

import json
import uuid

from backend.jobs import JobManager, python_argv
from backend.training.config import TrainConfig

WORKER_MODULE = "backend.training.worker"


def submit_training(manager: JobManager, config: TrainConfig, settings) -> int:
    """Write the config to the workspace and start the worker; return the job id.

    Run :func:`backend.training.preflight.preflight` first: this only launches.
    """
    folder = settings.runs_dir / "configs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(config.model_dump(), indent=2), encoding="utf-8")
    return manager.submit_process(
        python_argv(WORKER_MODULE, "--config", str(path)),
        kind="train",
        name=config.display_name(),
        params=config.model_dump(),
    )
