"""Column roles of a dataset: which column holds the text, the label and the sensitive
attributes, what each label value means, and the checks of a user's choice.

Apart from the loaders (:mod:`backend.datasets`, :mod:`backend.tabular`) so that the audit,
training and fairness read roles without the reading code, and the guesses stay in one place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from backend.errors import DatasetError

SENSITIVE_NAME_HINTS = (
    "gender",
    "sex",
    "age",
    "age_group",
    "race",
    "ethnicity",
    "religion",
    "nationality",
    "disability",
    "sexual_orientation",
    "orientation",
    "identity",
    "language",
    "country",
    "region",
)
LABEL_NAME_HINTS = ("label", "labels", "target", "y", "class", "toxic", "is_toxic", "sentiment")
TEXT_NAME_HINTS = ("text", "comment", "comment_text", "sentence", "content", "prompt", "body")


@dataclass
class ColumnRoles:
    """Which column holds the text, the label and the sensitive attributes."""

    text: str | None = None
    label: str | None = None
    sensitive: list[str] = field(default_factory=list)
    #: What each label value means, set once when the dataset is registered:
    #: ``{"1": "toxic", "0": "not toxic"}``. Every page names labels with it.
    label_names: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> ColumnRoles:
        data = data or {}
        names = data.get("label_names") or {}
        return cls(
            text=data.get("text"),
            label=data.get("label"),
            sensitive=list(data.get("sensitive", [])),
            label_names={str(k): str(v) for k, v in names.items()}
            if isinstance(names, dict)
            else {},
        )

    def label_name(self, value: Any) -> str:
        """``toxic (label 1)`` when the value has a meaning, else ``label '1'``."""
        return label_name(self.label_names, value)


def label_name(names: dict | None, value: Any) -> str:
    """A label value as people read it: ``toxic (label 1)``, or ``label '1'`` unnamed."""
    key = _label_key(value)
    meaning = (names or {}).get(key)
    return f"{meaning} (label {key})" if meaning else f"label '{key}'"


def _label_key(value: Any) -> str:
    """Label values as stored keys: ``1``, ``1.0`` and ``"1"`` are all ``"1"``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_label_names(text: str | dict | None) -> dict[str, str]:
    """``"1=toxic, 0=not toxic"`` (or a mapping) -> ``{"1": "toxic", "0": "not toxic"}``.

    Raises :class:`DatasetError` with the entry that is wrong, so the form and the CLI
    say the same thing.
    """
    if not text:
        return {}
    if isinstance(text, dict):
        pairs = [(k, str(v)) for k, v in text.items()]
    else:
        pairs = []
        for part in str(text).split(","):
            if not part.strip():
                continue
            value, sep, meaning = part.partition("=")
            if not sep:
                raise DatasetError(
                    f"Label meanings are 'value=meaning' pairs separated by commas "
                    f"(e.g. 1=toxic, 0=not toxic), not '{part.strip()}'."
                )
            pairs.append((value, meaning))
    out: dict[str, str] = {}
    for value, meaning in pairs:
        key, meaning = _label_key(value), meaning.strip()
        if not key or not meaning:
            raise DatasetError(f"Label meaning '{value}={meaning}' needs both a value and a name.")
        if len(meaning) > 60:
            raise DatasetError(f"Label meaning for {key} is longer than 60 characters.")
        if key in out:
            raise DatasetError(f"Label value {key} is given two meanings.")
        out[key] = meaning
    return out


def infer_roles(frame: pd.DataFrame) -> ColumnRoles:
    """Guess the text, label and sensitive columns; the UI lets the user override."""
    cols = list(frame.columns)
    lower = {c: c.lower().strip() for c in cols}
    text_like = [c for c in cols if _is_text_column(frame[c])]
    text = next((c for c in cols if lower[c] in TEXT_NAME_HINTS and c in text_like), None)
    if text is None and text_like:
        text = max(text_like, key=lambda c: frame[c].dropna().astype(str).str.len().mean())
    label = None
    for c in cols:
        if c == text:
            continue
        if lower[c] in LABEL_NAME_HINTS and 2 <= frame[c].nunique(dropna=True) <= 20:
            label = c
            break
    sensitive = [
        c
        for c in cols
        if c not in (text, label)
        and any(lower[c] == h or lower[c].startswith(h + "_") for h in SENSITIVE_NAME_HINTS)
        and frame[c].nunique(dropna=True) >= 2
    ]
    return ColumnRoles(text=text, label=label, sensitive=sensitive)


def _is_text_column(col: pd.Series) -> bool:
    values = col.dropna()
    if values.empty or not _string_share(values) > 0.9:
        return False
    return values.astype(str).str.len().mean() >= 15


def _string_share(values: pd.Series) -> float:
    """Share of the (non-missing) values that are strings; a string column is all strings
    without looking at each value (a Python call per row on a million rows took seconds)."""
    if isinstance(values.dtype, pd.StringDtype):
        return 1.0
    return float(values.map(lambda v: isinstance(v, str)).mean())


def validate_roles(frame: pd.DataFrame, roles: ColumnRoles) -> list[str]:
    """Check chosen roles against the data; raise on errors, return warnings."""
    cols = set(frame.columns)
    missing = [c for c in [roles.text, roles.label, *roles.sensitive] if c and c not in cols]
    if missing:
        raise DatasetError(
            f"Column(s) not in the data: {', '.join(missing)}. "
            f"Available: {', '.join(map(str, frame.columns))}."
        )
    if roles.text is None:
        raise DatasetError("Choose the column that holds the text.")
    text_values = frame[roles.text].dropna()
    if text_values.empty:
        raise DatasetError(f"Text column '{roles.text}' is empty.")
    share_str = _string_share(text_values)
    if share_str < 0.5:
        raise DatasetError(
            f"Column '{roles.text}' does not hold text (only {share_str:.0%} of its values are "
            "strings). Choose another text column."
        )
    warnings = []
    if roles.label_names:
        if not roles.label:
            raise DatasetError("Label meanings need a label column.")
        present = {_label_key(v) for v in frame[roles.label].dropna().unique()[:1000]}
        unknown = sorted(set(roles.label_names) - present)
        if unknown:
            raise DatasetError(
                f"Label value(s) {', '.join(unknown)} do not occur in column '{roles.label}' "
                f"(its values: {', '.join(sorted(present)[:10])})."
            )
    if roles.label and frame[roles.label].nunique(dropna=True) < 2:
        warnings.append(f"Label column '{roles.label}' has a single value.")
    for col in roles.sensitive:
        n = frame[col].nunique(dropna=True)
        if n > 50:
            warnings.append(
                f"Sensitive column '{col}' has {n:,} distinct values; charts show the top groups "
                "and 'other'."
            )
    return warnings
