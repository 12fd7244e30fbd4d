"""Audit options and reference shares (what the user compares the data with)."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend.audit.check_list import CHECK_NAMES
from backend.errors import DatasetError, validation_message

#: Longest column name, label value or group name accepted in a setting.
MAX_NAME_CHARS = 500

#: Checks the runner knows, in the order they appear in the report (from the registry).
CHECKS: tuple[str, ...] = CHECK_NAMES


class AuditLimits(BaseModel):
    """The ranges of every number and name in :class:`AuditConfig` a user can set."""

    model_config = ConfigDict(allow_inf_nan=False, strict=False)

    text_col: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    label_col: str | None = Field(None, max_length=MAX_NAME_CHARS)
    split_col: str | None = Field(None, max_length=MAX_NAME_CHARS)
    sensitive: list[Annotated[str, Field(max_length=MAX_NAME_CHARS)]] = Field(
        default_factory=list, max_length=50
    )
    positive_label: str | None = Field(None, max_length=MAX_NAME_CHARS)
    min_ratio: float = Field(0.5, ge=0, le=1)
    min_count: int = Field(30, ge=0, le=1_000_000_000)
    max_groups: int = Field(20, ge=1, le=1000)
    label_gap_threshold: float = Field(0.1, gt=0, le=1)
    toxicity_threshold: float = Field(0.5, ge=0, le=1)
    toxicity_max_rows: int | None = Field(None, ge=1)
    near_dup_threshold: float = Field(0.8, gt=0, le=1)
    num_perm: int = Field(64, ge=16, le=512)
    association_max_rows: int = Field(200_000, ge=1)
    association_min_count: int = Field(5, ge=1)
    chunk_rows: int = Field(50_000, ge=100, le=5_000_000)
    examples_per_type: int = Field(5, ge=0, le=100)


#: What the user typed for each field (CLI flag / page label), for error messages.
OPTION_LABELS = {
    "text_col": "text column (--text-col)",
    "label_col": "label column (--label-col)",
    "split_col": "split column (--split-col)",
    "sensitive": "sensitive columns (--sensitive)",
    "positive_label": "positive label (--positive-label)",
    "min_ratio": "minimum share ratio (--min-ratio)",
    "min_count": "minimum group size (--min-count)",
    "toxicity_threshold": "toxicity threshold (--toxicity-threshold)",
    "toxicity_max_rows": "rows to score for toxicity (--toxicity-max-rows)",
    "near_dup_threshold": "near-duplicate threshold (--near-threshold)",
    "chunk_rows": "rows per chunk (--chunk-rows)",
}


@dataclass
class AuditConfig:
    """What to audit and how.

    Parameters
    ----------
    text_col, label_col, sensitive
        Column roles. ``label_col`` and ``sensitive`` are optional.
    split_col
        Column whose values are splits (train/test): duplicates across its values are
        reported as leakage.
    reference
        Expected share per group: ``{column: {group: share}}``; groups of a column
        without reference shares are compared with a uniform split.
    min_ratio, min_count
        A group is flagged as under-represented when its share is below ``min_ratio``
        times its reference share, or when it has fewer than ``min_count`` rows.
    max_groups
        Groups shown per sensitive column; the rest are summed into ``other``.
    positive_label
        The label value whose rate is compared across groups; inferred when ``None``.
    label_gap_threshold
        Difference in label rate between groups that is reported as skew (with p < 0.01).
    toxicity_threshold
        Score above which a text counts as toxic.
    toxicity_max_rows
        Score at most this many rows (evenly spaced); ``None`` scores every row.
    near_dup_threshold, num_perm
        MinHash LSH Jaccard threshold and number of permutations.
    association_max_rows
        nPMI counts use at most this many rows (the first ones) to bound memory.
    chunk_rows
        Rows per streamed chunk.
    """

    text_col: str
    label_col: str | None = None
    sensitive: list[str] = field(default_factory=list)
    split_col: str | None = None
    reference: dict[str, dict[str, float]] = field(default_factory=dict)
    checks: tuple[str, ...] = CHECKS
    min_ratio: float = 0.5
    min_count: int = 30
    max_groups: int = 20
    positive_label: str | None = None
    label_gap_threshold: float = 0.1
    toxicity_threshold: float = 0.5
    toxicity_max_rows: int | None = None
    toxicity_variant: str = "original"
    toxicity_checkpoint: str | None = None
    toxicity_base_model_dir: str | None = None
    near_dup_threshold: float = 0.8
    num_perm: int = 64
    association_max_rows: int = 200_000
    association_min_count: int = 5
    chunk_rows: int = 50_000
    examples_per_type: int = 5

    def __post_init__(self) -> None:
        unknown = sorted(set(self.checks) - set(CHECKS))
        if unknown:
            raise DatasetError(f"Unknown audit check(s): {', '.join(unknown)}.")
        # Ranges live in one pydantic model: the CLI and the page print the same words.
        values = {name: getattr(self, name) for name in AuditLimits.model_fields}
        try:
            AuditLimits.model_validate(values)
        except ValidationError as exc:
            raise DatasetError(
                "Invalid audit setting: " + validation_message(exc, OPTION_LABELS)
            ) from None
        self.sensitive = [c for c in dict.fromkeys(self.sensitive) if c]
        if self.text_col in self.sensitive or (self.label_col and self.label_col in self.sensitive):
            raise DatasetError("A sensitive column cannot also be the text or the label column.")

    def enabled(self, check: str) -> bool:
        return check in self.checks

    def to_dict(self) -> dict:
        data = asdict(self)
        data["checks"] = list(self.checks)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> AuditConfig:
        data = dict(data)
        if "checks" in data:
            data["checks"] = tuple(data["checks"])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def parse_reference(data: bytes | str, *, name: str = "reference") -> dict[str, dict[str, float]]:
    """Read reference shares from CSV (``column,group,share``) or JSON.

    JSON may be ``{"column": {"group": share}}`` or a list of
    ``{"column": ..., "group": ..., "share": ...}`` objects. Shares of one column are
    normalised to sum to 1 (so counts or percentages work too).
    """
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    stripped = text.strip()
    if not stripped:
        raise DatasetError(f"{name} is empty.")
    rows: list[tuple[str, str, object]] = []
    if stripped[0] in "[{":
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{name}: invalid JSON at line {exc.lineno} ({exc.msg}).") from exc
        if isinstance(obj, dict):
            for col, groups in obj.items():
                if not isinstance(groups, dict):
                    raise DatasetError(f"{name}: '{col}' must map groups to shares.")
                rows.extend((str(col), str(g), s) for g, s in groups.items())
        elif isinstance(obj, list):
            for item in obj:
                if not isinstance(item, dict) or not {"column", "group", "share"} <= set(item):
                    raise DatasetError(
                        f"{name}: each item needs 'column', 'group' and 'share' keys."
                    )
                rows.append((str(item["column"]), str(item["group"]), item["share"]))
        else:
            raise DatasetError(f"{name}: expected an object or a list.")
    else:
        reader = csv.DictReader(io.StringIO(stripped))
        fields = {f.strip().lower() for f in reader.fieldnames or []}
        if not {"column", "group", "share"} <= fields:
            raise DatasetError(
                f"{name}: the CSV header must be 'column,group,share' "
                f"(found: {', '.join(reader.fieldnames or [])})."
            )
        for row in reader:
            row = {k.strip().lower(): v for k, v in row.items() if k}
            rows.append((row["column"].strip(), row["group"].strip(), row["share"]))
    reference: dict[str, dict[str, float]] = {}
    for col, group, share in rows:
        try:
            value = float(share)  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise DatasetError(
                f"{name}: share '{share}' for {col}={group} is not a number."
            ) from exc
        if not math.isfinite(value) or value < 0:
            raise DatasetError(f"{name}: share for {col}={group} must be a non-negative number.")
        reference.setdefault(col, {})[group] = value
    for col, groups in reference.items():
        total = sum(groups.values())
        if total <= 0:
            raise DatasetError(f"{name}: shares for '{col}' sum to zero.")
        reference[col] = {g: v / total for g, v in groups.items()}
    return reference


def load_reference(path: str | Path) -> dict[str, dict[str, float]]:
    """:func:`parse_reference` on a file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DatasetError(f"Reference file not found: {path}")
    return parse_reference(path.read_bytes(), name=path.name)
