"""The alert thresholds: one YAML file, validated with errors that name the line.

The file (``configs/alerts.yaml`` by default, or ``STEWARD_ALERTS_CONFIG``) maps metric
names from :data:`METRICS` to thresholds. Unknown names, non-numbers and values outside a
metric's range are refused with ``<file>, line N: <what is wrong>`` so a person can fix
them; nothing is silently ignored.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from backend.config import PROJECT_ROOT
from backend.errors import ConfigError

DEFAULT_CONFIG_PATH = PROJECT_ROOT / "configs" / "alerts.yaml"
DEFAULT_HIGH_MARGIN = 0.1


@dataclass(frozen=True)
class MetricSpec:
    """A metric that can carry a threshold."""

    name: str
    kind: str  # guardrail | fairness | audit | training
    label: str
    unit: str
    default: float
    direction: Literal["above", "below"] = "above"
    upper: float | None = 1.0  # largest allowed threshold (None: no upper bound)
    source: str = ""  # where its values come from, for the UI
    short: str = ""  # a few words for the sidebar


METRICS: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec(
            "toxicity",
            "guardrail",
            "Toxicity of a generated text",
            "score",
            0.8,
            source="guardrail output rail, real generator only",
            short="Toxic output",
        ),
        MetricSpec(
            "hate_speech",
            "guardrail",
            "Hate speech in a generated text",
            "score",
            0.7,
            source="Detoxify identity_attack (not available from the offline fallback)",
            short="Hate speech in output",
        ),
        MetricSpec(
            "violence",
            "guardrail",
            "Violence in a generated text",
            "score",
            0.7,
            source="Detoxify threat (not available from the offline fallback)",
            short="Violence in output",
        ),
        MetricSpec(
            "bias_disparity",
            "fairness",
            "Fairness gap between groups",
            "difference",
            0.15,
            source="fairness evaluation, demographic-parity and equalized-odds differences",
            short="Fairness gap",
        ),
        MetricSpec(
            "dataset_toxic_share",
            "audit",
            "Share of rows scored toxic",
            "share",
            0.10,
            source="dataset audit",
            short="Toxic share",
        ),
        MetricSpec(
            "dataset_pii_rows",
            "audit",
            "Rows with PII in a dataset marked \u201cno personal data\u201d",
            "rows",
            0.0,
            upper=None,
            source='dataset audit, datasets marked "should contain no personal data"',
            short="PII in clean data",
        ),
        MetricSpec(
            "dataset_min_group_share",
            "audit",
            "Smallest group's share of rows",
            "share",
            0.02,
            direction="below",
            source="dataset audit, representation",
            short="Tiny group",
        ),
        MetricSpec(
            "dataset_underrepresented_groups",
            "audit",
            "Groups under-represented in a dataset",
            "groups",
            0.0,
            upper=None,
            source="dataset audit, representation: the groups its findings call "
            "under-represented (share under min_ratio x reference, or under min_count rows)",
            short="Under-represented groups",
        ),
        MetricSpec(
            "run_energy_kwh",
            "training",
            "Energy used by a fine-tune run",
            "kWh",
            1.0,
            upper=None,
            source="fine-tune run telemetry (measured or estimated, as the run says)",
            short="Run energy",
        ),
        MetricSpec(
            "run_co2_kg",
            "training",
            "CO2 emitted by a fine-tune run",
            "kg CO2eq",
            0.5,
            upper=None,
            source="fine-tune run energy x grid carbon intensity",
            short="Run CO₂",
        ),
        MetricSpec(
            "dp_epsilon",
            "training",
            "Privacy budget spent by a DP run",
            "epsilon",
            8.0,
            upper=None,
            source="Opacus accountant of a differentially private run",
            short="Privacy ε",
        ),
    )
}


@dataclass(frozen=True)
class Threshold:
    """``spec`` alerts when a value is past ``value``; ``high_margin`` past it is high."""

    spec: MetricSpec
    value: float
    high_margin: float = DEFAULT_HIGH_MARGIN
    line: int | None = None

    @property
    def metric(self) -> str:
        return self.spec.name

    def breached(self, x: float) -> bool:
        return x > self.value if self.spec.direction == "above" else x < self.value

    def severity(self, x: float) -> str:
        """The seed's rule: high when at least ``high_margin`` past the threshold."""
        past = x - self.value if self.spec.direction == "above" else self.value - x
        return "high" if past >= self.high_margin - 1e-12 else "medium"


@dataclass(frozen=True)
class AlertConfig:
    thresholds: dict[str, Threshold]
    path: Path | None = None
    disabled: tuple[str, ...] = field(default_factory=tuple)

    def get(self, metric: str) -> Threshold | None:
        return self.thresholds.get(metric)

    def threshold_value(self, metric: str) -> float:
        """The configured value, or the built-in default when the metric is switched off."""
        th = self.thresholds.get(metric)
        return th.value if th is not None else METRICS[metric].default


def default_config() -> AlertConfig:
    return AlertConfig({n: Threshold(m, m.default) for n, m in METRICS.items()}, path=None)


def config_path() -> Path:
    """``STEWARD_ALERTS_CONFIG`` when set, else the shipped ``configs/alerts.yaml``."""
    env = os.environ.get("STEWARD_ALERTS_CONFIG")
    return Path(env).expanduser() if env else DEFAULT_CONFIG_PATH


def _err(path: Path, node, message: str) -> ConfigError:
    line = f", line {node.start_mark.line + 1}" if node is not None else ""
    return ConfigError(f"Alert thresholds in {path}{line}: {message}")


def _number(path: Path, loader, node, what: str) -> float:
    value = loader.construct_object(node, deep=True)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(path, node, f"{what} must be a number, got {node.value!r}.")
    if not math.isfinite(value):
        raise _err(path, node, f"{what} must be a finite number, got {node.value!r}.")
    return float(value)


def parse_config(text: str, path: Path) -> AlertConfig:
    """Validate ``text`` (the YAML of ``path``); raise :class:`ConfigError` naming the line."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(
            f"Alert thresholds in {path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})."
        ) from None
    finally:
        loader.dispose()
    if root is None:
        raise ConfigError(f"Alert thresholds in {path}: the file is empty.")
    if not isinstance(root, yaml.MappingNode):
        raise _err(path, root, "expected keys `high_margin` and `thresholds`.")
    margin, entries, entries_node = DEFAULT_HIGH_MARGIN, None, None
    for key_node, value_node in root.value:
        key = key_node.value
        if key == "high_margin":
            margin = _number(path, loader, value_node, "high_margin")
            if margin < 0:
                raise _err(path, value_node, "high_margin must be 0 or more.")
        elif key == "thresholds":
            entries, entries_node = value_node, key_node
        else:
            raise _err(
                path, key_node, f"unknown key {key!r} (expected `high_margin` or `thresholds`)."
            )
    if entries is None:
        raise ConfigError(f"Alert thresholds in {path}: no `thresholds:` section.")
    if not isinstance(entries, yaml.MappingNode):
        raise _err(path, entries_node, "`thresholds` must map metric names to numbers.")
    thresholds: dict[str, Threshold] = {}
    disabled: list[str] = []
    for key_node, value_node in entries.value:
        name = key_node.value
        spec = METRICS.get(name)
        if spec is None:
            known = ", ".join(METRICS)
            raise _err(path, key_node, f"unknown metric {name!r}. Known metrics: {known}.")
        if name in thresholds or name in disabled:
            raise _err(path, key_node, f"metric {name!r} is listed twice.")
        line = key_node.start_mark.line + 1
        item_margin = margin
        if isinstance(value_node, yaml.ScalarNode) and value_node.value.lower() in (
            "off",
            "false",
            "null",
            "~",
            "",
        ):
            disabled.append(name)
            continue
        if isinstance(value_node, yaml.MappingNode):
            value = None
            for k, v in value_node.value:
                if k.value == "threshold":
                    value = _number(path, loader, v, f"the threshold of {name!r}")
                elif k.value == "high_margin":
                    item_margin = _number(path, loader, v, f"high_margin of {name!r}")
                    if item_margin < 0:
                        raise _err(path, v, f"high_margin of {name!r} must be 0 or more.")
                else:
                    raise _err(
                        path, k, f"unknown key {k.value!r} for {name!r} (threshold, high_margin)."
                    )
            if value is None:
                raise _err(path, key_node, f"{name!r} needs a `threshold:`.")
        elif isinstance(value_node, yaml.ScalarNode):
            value = _number(path, loader, value_node, f"the threshold of {name!r}")
        else:
            raise _err(path, value_node, f"the threshold of {name!r} must be a number.")
        upper = spec.upper
        if value < 0 or (upper is not None and value > upper):
            bound = f"between 0 and {upper:g}" if upper is not None else "0 or more"
            raise _err(
                path, value_node, f"the threshold of {name!r} ({spec.unit}) must be {bound}."
            )
        thresholds[name] = Threshold(spec, value, item_margin, line)
    return AlertConfig(thresholds, path=path, disabled=tuple(disabled))


def load_config(path: str | Path | None = None) -> AlertConfig:
    """Read and validate the thresholds file (raises :class:`ConfigError`)."""
    path = Path(path) if path is not None else config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"Alert thresholds file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the alert thresholds file {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"Alert thresholds in {path}: not UTF-8 text (byte {exc.start})."
        ) from None
    return parse_config(text, path)


@functools.cache
def _cached(path: str, mtime_ns: int) -> AlertConfig:
    return load_config(path)


def current_config() -> AlertConfig:
    """The configured thresholds, re-read when the file changes (cheap to call often)."""
    path = config_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = 0
    return _cached(str(path), mtime)


def config_or_defaults() -> tuple[AlertConfig, str | None]:
    """For jobs: the configured thresholds, or the defaults plus the reason they are used.

    A broken thresholds file must not fail an audit or a fine-tune that has already run;
    the app shows the error at start-up and the alert pages repeat it.
    """
    try:
        return current_config(), None
    except ConfigError as exc:
        return default_config(), str(exc)
