"""Training data: resolve the dataset and its columns, split, subsample, check labels."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from backend.errors import ConfigError, DatasetError, StewardError
from backend.training.config import TrainConfig

TRAIN_NAMES = ("train", "training")
EVAL_NAMES = ("test", "validation", "valid", "eval", "dev", "val")


@dataclass
class PreparedData:
    train: pd.DataFrame
    eval: pd.DataFrame
    text_column: str
    label_column: str | None
    sensitive_columns: list[str]
    label_values: list = field(default_factory=list)  # sorted original labels (classification)
    dataset_id: int | None = None
    dataset_name: str = ""
    split_source: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def num_labels(self) -> int:
        return len(self.label_values)


def load_frame(config: TrainConfig, store) -> tuple[pd.DataFrame, int | None, str, dict]:
    """The dataset as a DataFrame, its store id (if any), its name and its column roles."""
    from backend.datasets import load_dataset_frame, load_table
    from backend.tabular import detect_format

    if config.dataset_id is not None:
        ds = store.get_dataset(config.dataset_id)
        if ds is None:
            raise ConfigError(f"Dataset #{config.dataset_id} is not in the workspace.")
        try:
            frame = load_dataset_frame(ds)
        except StewardError:
            raise
        except Exception as exc:  # noqa: BLE001 - a moved/deleted file, a bad parquet
            raise DatasetError(f"Could not read dataset #{ds.id} '{ds.name}': {exc}") from None
        return frame, ds.id, ds.name, dict(ds.roles or {})
    if config.dataset_path:
        from backend.column_roles import infer_roles

        fmt = detect_format(config.dataset_path)
        used = _columns_used(config)
        table = load_table(
            config.dataset_path, fmt=fmt, strict=False, columns=used, optional_columns=used or ()
        )
        frame = table.frame
        frame.attrs["file_columns"] = table.file_columns  # for "Available: ..." messages
        # A file is not registered: guess its roles as the upload page would.
        return frame, None, config.dataset_path, infer_roles(frame).to_dict()
    # Neither given: the synthetic demo dataset (written on first use).
    from backend.config import get_settings
    from backend.datasets import ensure_demo_workspace

    ds = ensure_demo_workspace(store, get_settings())
    return load_dataset_frame(ds), ds.id, ds.name, dict(ds.roles or {})


def _columns_used(config: TrainConfig) -> list[str] | None:
    """The columns a run reads when the config names them (None: infer the roles, which
    needs every column). Reading only these bounds time and memory on wide files."""
    if not config.text_column or (config.task == "classification" and not config.label_column):
        return None
    if config.sensitive_columns is None:
        return None  # the sensitive roles are inferred from all columns
    names = [config.text_column, config.label_column, *config.sensitive_columns]
    names += [config.split_column, config.reweighting.column]
    return list(dict.fromkeys(n for n in names if n))


def prepare_data(config: TrainConfig, store) -> PreparedData:
    """Load, check and split the data for ``config``; raise a clear error if unusable."""
    frame, dataset_id, name, roles = load_frame(config, store)
    text_col = config.text_column or roles.get("text")
    label_col = config.label_column or roles.get("label")
    sensitive = (
        list(config.sensitive_columns)
        if config.sensitive_columns is not None
        else list(roles.get("sensitive", []))
    )
    cols = set(map(str, frame.columns))
    available = ", ".join(map(str, frame.attrs.get("file_columns") or frame.columns))
    if not text_col:
        raise ConfigError(f"Set text_column: which column holds the text? Available: {available}.")
    if text_col not in cols:
        raise ConfigError(
            f"Text column '{text_col}' is not in the dataset. Available: {available}."
        )
    if config.task == "classification":
        if not label_col:
            raise ConfigError(
                f"Classification needs a label column (set label_column). Available: {available}."
            )
        if label_col not in cols:
            raise ConfigError(
                f"Label column '{label_col}' is not in the dataset. Available: {available}."
            )
    else:
        label_col = label_col if label_col in cols else None
    missing_sens = [c for c in sensitive if c not in cols]
    if missing_sens:
        raise ConfigError(
            f"Sensitive column(s) not in the dataset: {', '.join(missing_sens)}. "
            f"Available: {available}."
        )
    rw = config.reweighting
    if rw.active and rw.mode != "artifact" and rw.column and rw.column not in cols:
        raise ConfigError(
            f"Reweighting column '{rw.column}' is not in the dataset. Available: {available}."
        )

    frame = frame[frame[text_col].notna()].copy()
    frame[text_col] = frame[text_col].astype(str)
    frame = frame[frame[text_col].str.strip() != ""]
    notes = []
    if config.task == "classification":
        before = len(frame)
        frame = frame[frame[label_col].notna()]
        if len(frame) < before:
            notes.append(f"{before - len(frame)} rows without a label were left out.")

    train, evald, split_source = _split(frame, config)
    rng_seed = config.seed
    if config.max_train_samples and len(train) > config.max_train_samples:
        train = train.sample(n=config.max_train_samples, random_state=rng_seed)
        notes.append(f"Training on a random subsample of {config.max_train_samples:,} rows.")
    if config.max_eval_samples and len(evald) > config.max_eval_samples:
        evald = evald.sample(n=config.max_eval_samples, random_state=rng_seed)
        notes.append(f"Evaluating on a random subsample of {config.max_eval_samples:,} rows.")
    if len(train) == 0:
        raise DatasetError("No training rows left after splitting.")
    if len(evald) == 0:
        raise DatasetError("No held-out rows to evaluate on: check the split column.")

    label_values: list = []
    if config.task == "classification":
        label_values = sorted(pd.unique(frame[label_col]).tolist(), key=_sort_key)
        train_classes = train[label_col].nunique()
        if len(label_values) < 2 or train_classes < 2:
            only = train[label_col].iloc[0] if len(train) else "?"
            raise DatasetError(
                f"Label column '{label_col}' has a single class ({only!r}) in the training "
                "rows: a classifier needs at least two. Choose another label column or data."
            )
        if len(label_values) > 1000:
            raise DatasetError(
                f"Label column '{label_col}' has {len(label_values):,} distinct values; "
                "that looks like text or an id, not a class label."
            )
    return PreparedData(
        train=train.reset_index(drop=True),
        eval=evald.reset_index(drop=True),
        text_column=text_col,
        label_column=label_col,
        sensitive_columns=sensitive,
        label_values=label_values,
        dataset_id=dataset_id,
        dataset_name=name,
        split_source=split_source,
        notes=notes,
    )


def _sort_key(v):
    return (0, v) if isinstance(v, int | float | np.integer | np.floating) else (1, str(v))


def _split(frame: pd.DataFrame, config: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    col = config.split_column
    if col and col in frame.columns:
        values = frame[col].astype(str).str.lower().str.strip()
        is_train = values.isin(TRAIN_NAMES)
        is_eval = values.isin(EVAL_NAMES)
        if is_train.any() and is_eval.any():
            return frame[is_train], frame[is_eval], f"column '{col}' (train vs test/validation)"
    rng = np.random.default_rng(config.seed)
    mask = rng.random(len(frame)) < config.eval_fraction
    return (
        frame[~mask],
        frame[mask],
        f"random {config.eval_fraction:.0%} held out (seed {config.seed})",
    )
