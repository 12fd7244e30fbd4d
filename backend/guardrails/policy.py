"""Guardrail policy: which scanners run where, their thresholds and actions, from YAML.

A policy file only needs what it changes: it is merged over the default policy
(``backend/guardrails/data/default_policy.yaml``), scanner by scanner, and the ``input`` and
``output`` lists replace the defaults. Every mistake becomes a :class:`~backend.errors.ConfigError`
naming the field, e.g. ``scanners.toxicity.threshold: must be between 0 and 1 (got 1.5)``.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from backend.errors import ConfigError

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent / "data" / "default_policy.yaml"

#: Scanner names a policy may configure, in the order the UI shows them.
SCANNER_NAMES: tuple[str, ...] = ("injection", "harm", "pii", "toxicity", "topics", "classifier")
ACTIONS: tuple[str, ...] = ("block", "redact", "warn")

Action = Literal["block", "redact", "warn"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScannerSettings(_Strict):
    """Settings every scanner has."""

    threshold: float = 0.5
    action: Action = "block"

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold_in_unit_interval(cls, value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number between 0 and 1 (got {value!r})") from None
        if not 0.0 <= number <= 1.0:
            raise ValueError(f"must be between 0 and 1 (got {value!r})")
        return number


class InjectionSettings(ScannerSettings):
    use_embeddings: bool = True
    # trained: the jailbreak head over the whole prompt (backend/guardrails/jailbreak_head.py,
    # trained on public jailbreak sets); exemplars: similarity to the hand-written exemplars
    # in backend/guardrails/exemplars.py; combined: both, the stronger one counts; by_length:
    # exemplars on every prompt, the head as well on prompts of several windows (> ~300 chars)
    signal: Literal["trained", "exemplars", "combined", "by_length"] = (
        "by_length"  # the shipped default (data/default_policy.yaml)
    )
    head: str | None = None  # a jailbreak head JSON (default: the shipped one)


class HarmSettings(ScannerSettings):
    head: str | None = None  # a harm head JSON from `python -m backend.guardrails.train`


class PiiSettings(ScannerSettings):
    action: Action = "redact"
    entities: list[str] | None = None

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        from backend.detectors.pii import ENTITY_TYPES

        upper = [str(v).upper() for v in value]
        unknown = [v for v in upper if v not in ENTITY_TYPES]
        if unknown:
            raise ValueError(
                f"unknown PII entity type(s) {', '.join(unknown)} (known: {', '.join(ENTITY_TYPES)})"
            )
        return upper


class ToxicitySettings(ScannerSettings):
    variant: Literal["original", "unbiased", "multilingual"] = "original"
    checkpoint: str | None = None
    base_model_dir: str | None = None


class TopicSpec(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    examples: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_text(self) -> TopicSpec:
        if not self.description.strip() and not any(e.strip() for e in self.examples):
            raise ValueError(f"topic '{self.name}' needs a description or at least one example")
        return self


class TopicsSettings(ScannerSettings):
    blocked: list[TopicSpec] = Field(min_length=1)
    allowed: list[TopicSpec] = Field(default_factory=list)


class ClassifierSettings(ScannerSettings):
    model: str = Field(min_length=1)
    positive_labels: list[str] | None = None


class EmbeddingSettings(_Strict):
    """MiniLM settings shared by the injection and topic scanners (speed vs accuracy)."""

    # auto: torch bf16 on CPUs with AMX, else ONNX Runtime when installed (exported once,
    # cached; calibrated int8 unless quantize: false), else torch fp32; the runtime and its
    # precision are named in every result
    runtime: Literal["auto", "onnxruntime", "torch", "torch-bf16"] = "auto"
    # int8 matrix products (~2x faster on CPU): null = int8 only where "auto" picks ONNX
    # Runtime (no AMX); false = always exact fp32; true = int8 with any runtime
    quantize: bool | None = None
    max_windows: int = Field(8, ge=1, le=64)  # sentence windows embedded per long text
    max_tokens: int = Field(128, ge=16, le=512)


class GeneratorSettings(_Strict):
    kind: Literal["echo", "huggingface"] = "echo"
    model: str | None = None
    max_new_tokens: int = Field(64, ge=1, le=1024)

    @model_validator(mode="after")
    def _model_for_hf(self) -> GeneratorSettings:
        if self.kind == "huggingface" and not self.model:
            raise ValueError(
                "generator kind 'huggingface' needs 'model' (a local path or cached id)"
            )
        return self


_SETTINGS_TYPES: dict[str, type[ScannerSettings]] = {
    "injection": InjectionSettings,
    "harm": HarmSettings,
    "pii": PiiSettings,
    "toxicity": ToxicitySettings,
    "topics": TopicsSettings,
    "classifier": ClassifierSettings,
}


class Policy(_Strict):
    """A validated guardrail policy."""

    version: Literal[1] = 1
    input: list[str] = Field(default_factory=lambda: ["injection", "harm", "pii", "toxicity"])
    output: list[str] = Field(default_factory=lambda: ["pii", "toxicity", "harm"])
    max_chars: int = Field(100_000, ge=1_000, le=5_000_000)
    # What happens to a prompt longer than max_chars (its tail is never scanned): block it,
    # or let it through with a warning in the decision's reasons. Never a silent allow.
    on_truncation: Literal["block", "warn"] = "block"
    generator: GeneratorSettings = Field(default_factory=GeneratorSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    scanners: dict[str, Any] = Field(default_factory=dict)

    @field_validator("scanners", mode="before")
    @classmethod
    def _typed_scanners(cls, value: Any) -> dict[str, ScannerSettings]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("must be a mapping of scanner name to settings")
        out: dict[str, ScannerSettings] = {}
        for name, settings in value.items():
            if name not in _SETTINGS_TYPES:
                raise ValueError(
                    f"unknown scanner '{name}' (known scanners: {', '.join(SCANNER_NAMES)})"
                )
            if isinstance(settings, ScannerSettings):
                out[name] = settings
                continue
            try:
                out[name] = _SETTINGS_TYPES[name].model_validate(settings or {})
            except ValidationError as exc:
                raise ValueError(_format_errors(exc, prefix=f"scanners.{name}.")) from None
        return out

    @model_validator(mode="after")
    def _rails_reference_configured_scanners(self) -> Policy:
        for rail in ("input", "output"):
            names = getattr(self, rail)
            for name in names:
                if name not in SCANNER_NAMES:
                    raise ValueError(
                        f"{rail}: unknown scanner '{name}' (known scanners: {', '.join(SCANNER_NAMES)})"
                    )
                if name not in self.scanners:
                    raise ValueError(
                        f"{rail}: scanner '{name}' is listed but not configured under 'scanners'"
                    )
            if len(set(names)) != len(names):
                raise ValueError(f"{rail}: a scanner is listed twice")
        for name, settings in self.scanners.items():
            if settings.action == "redact" and name != "pii":
                raise ValueError(
                    f"scanners.{name}.action: only the pii scanner can redact (use block or warn)"
                )
        return self

    def settings(self, name: str) -> ScannerSettings:
        return self.scanners[name]

    def to_yaml(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)

    def with_thresholds(self, thresholds: dict[str, float]) -> Policy:
        """A copy with some thresholds changed (the red-team slider)."""
        data = self.model_dump(mode="python")
        for name, value in thresholds.items():
            data["scanners"][name]["threshold"] = float(value)
        return Policy.model_validate(data)


def _format_errors(exc: ValidationError, prefix: str = "") -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"]
        for noise in ("Value error, ", "Assertion failed, "):
            msg = msg.replace(noise, "")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling)"
        elif err["type"] == "literal_error":
            msg = f"{msg} (got {err.get('input')!r})"
        if msg.startswith(f"{loc}.") or not loc:
            lines.append(f"{prefix}{msg}")  # the message already says where (nested validator)
        else:
            lines.append(f"{prefix}{loc}: {msg}")
    return "; ".join(lines)


def _merge(base: dict, override: dict) -> dict:
    """Scanner sections merge key by key; everything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if key == "scanners" and isinstance(value, dict) and isinstance(out.get(key), dict):
            for name, settings in value.items():
                if isinstance(settings, dict) and isinstance(out[key].get(name), dict):
                    merged = dict(out[key][name])
                    merged.update(settings)
                    out[key][name] = merged
                else:
                    out[key][name] = settings
        elif (
            key in ("generator", "embeddings")
            and isinstance(value, dict)
            and isinstance(out.get(key), dict)
        ):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


@lru_cache(maxsize=1)
def _default_data() -> dict:
    with DEFAULT_POLICY_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def default_policy() -> Policy:
    """The policy shipped with Steward."""
    return Policy.model_validate(copy.deepcopy(_default_data()))


def default_policy_yaml() -> str:
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def parse_policy(text: str, *, source: str = "policy", merge_defaults: bool = True) -> Policy:
    """Validate YAML text into a :class:`Policy`.

    Raises
    ------
    ConfigError
        With every problem on one line, prefixed by ``source``.
    """
    if text is None or not str(text).strip():
        return default_policy()
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}: not valid YAML{where}: {problem}") from None
    if data is None:
        return default_policy()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with 'input', 'output' and 'scanners'")
    if merge_defaults:
        data = _merge(_default_data(), data)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_format_errors(exc)}") from None


def load_policy(path: str | Path | None = None) -> Policy:
    """Read a policy file (merged over the default), or the default policy if ``path`` is None."""
    if path is None:
        return default_policy()
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at position {exc.start})") from None
    return parse_policy(text, source=str(path))
