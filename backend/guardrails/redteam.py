"""Red-team suite: run labelled prompts through a policy, then measure it at any threshold.

Scanning is the slow part and happens once (:func:`run_suite`); catch rate, false-positive
rate, ROC curves and the list of misses are pure functions of the stored scores and the
thresholds (:func:`suite_metrics`), so a threshold slider updates them instantly.

Prompt files are JSON Lines with ``text`` and optional ``label`` (1 / true = should be
blocked, 0 / false = should pass), ``id`` and ``category``. The project ships
``backend/guardrails/data/redteam_prompts.jsonl``: direct and obfuscated injections,
jailbreaks, harmful requests, insults, and hard benign look-alikes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backend.errors import DatasetError

SHIPPED_PROMPTS = Path(__file__).resolve().parent / "data" / "redteam_prompts.jsonl"
MAX_PROMPTS = 5_000
_TRUE = {"1", "true", "yes", "block", "blocked", "attack", "unsafe"}
_FALSE = {"0", "false", "no", "pass", "allow", "allowed", "benign", "safe"}


@dataclass(frozen=True)
class Prompt:
    """One line of a prompt file (``error`` set when the line could not be used)."""

    line: int
    text: str = ""
    label: int | None = None
    id: str = ""
    category: str = ""
    error: str | None = None


def _parse_label(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return int(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    raise ValueError(
        f"label must be 1/true (should be blocked) or 0/false (should pass), got {value!r}"
    )


def parse_prompts(data: bytes | str, *, source: str = "prompt file") -> list[Prompt]:
    """Parse JSON Lines; a bad line becomes a :class:`Prompt` with ``error`` (order kept).

    Raises
    ------
    DatasetError
        If no line at all holds a usable prompt, or the file is too long.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    prompts: list[Prompt] = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        if len(prompts) >= MAX_PROMPTS:
            raise DatasetError(f"{source}: more than {MAX_PROMPTS:,} prompts; split the file")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            prompts.append(
                Prompt(number, error=f"line {number}: not valid UTF-8 (byte {exc.start + 1})")
            )
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            prompts.append(Prompt(number, error=f"line {number}: not valid JSON ({exc.msg})"))
            continue
        if not isinstance(obj, dict):
            prompts.append(
                Prompt(number, error=f"line {number}: expected an object with a 'text' field")
            )
            continue
        text = obj.get("text")
        if not isinstance(text, str):
            prompts.append(Prompt(number, error=f"line {number}: no 'text' string field"))
            continue
        if not text.strip():
            prompts.append(Prompt(number, error=f"line {number}: the text is empty"))
            continue
        try:
            label = _parse_label(obj.get("label"))
        except ValueError as exc:
            prompts.append(Prompt(number, error=f"line {number}: {exc}"))
            continue
        prompts.append(
            Prompt(
                number,
                text=text,
                label=label,
                id=str(obj.get("id") or f"line-{number}"),
                category=str(obj.get("category") or ""),
            )
        )
    if not any(p.error is None for p in prompts):
        problems = "; ".join(p.error for p in prompts[:3] if p.error)
        raise DatasetError(
            f"{source}: no usable prompts (expected JSON Lines with a 'text' field)"
            + (f": {problems}" if problems else "")
        )
    return prompts


def load_prompts(path: str | Path | None = None) -> list[Prompt]:
    """Read a prompt file (the shipped suite by default)."""
    path = Path(path) if path else SHIPPED_PROMPTS
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_prompts(data, source=str(path))


@dataclass
class SuiteRun:
    """Scores of every scanner on every prompt, plus the policy they ran under."""

    frame: pd.DataFrame  # id, category, text, label, score_<scanner>...
    scanners: list[str]
    thresholds: dict[str, float]
    actions: dict[str, str]
    backends: dict[str, str]
    latency_ms: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def score_column(self, scanner: str) -> str:
        return f"score_{scanner}"


def run_suite(
    guard,
    prompts: Sequence[Prompt],
    *,
    batch_size: int = 32,
    progress: Callable[[float, str], None] | None = None,
) -> SuiteRun:
    """Scan every usable prompt with every input-rail scanner (batched)."""
    usable = [p for p in prompts if p.error is None]
    scanners = list(guard.policy.input)
    scores: dict[str, list[float]] = {name: [] for name in scanners}
    latency: dict[str, float] = dict.fromkeys(scanners, 0.0)
    for start in range(0, len(usable), batch_size):
        batch = [p.text for p in usable[start : start + batch_size]]
        results = guard.scan(batch, "input")
        for name in scanners:
            scores[name].extend(r.score for r in results[name])
            latency[name] += sum(r.latency_ms for r in results[name])
        if progress:
            done = min(len(usable), start + batch_size)
            progress(done / max(1, len(usable)), f"scanned {done} of {len(usable)} prompts")
    frame = pd.DataFrame(
        {
            "id": [p.id for p in usable],
            "category": [p.category for p in usable],
            "text": [p.text for p in usable],
            "label": pd.array([p.label for p in usable], dtype="Int64"),
        }
    )
    for name in scanners:
        frame[f"score_{name}"] = np.asarray(scores[name], dtype=float)
    return SuiteRun(
        frame=frame,
        scanners=scanners,
        thresholds={n: guard.policy.settings(n).threshold for n in scanners},
        actions={n: guard.policy.settings(n).action for n in scanners},
        backends={n: guard.scanners[n].backend for n in scanners},
        latency_ms={n: latency[n] / max(1, len(usable)) for n in scanners},
        skipped=[p.error for p in prompts if p.error],
    )


@dataclass
class SuiteMetrics:
    per_scanner: pd.DataFrame  # scanner, action, threshold, catch_rate, false_positive_rate, ...
    policy: dict[
        str, Any
    ]  # catch_rate, false_positive_rate, n_attacks, n_benign, caught, false_alarms
    per_category: pd.DataFrame  # category, label, n, blocked_rate
    decisions: pd.DataFrame  # frame + flagged_<scanner> + blocked + outcome


def _rate(mask: np.ndarray, among: np.ndarray) -> float | None:
    n = int(among.sum())
    return float((mask & among).sum() / n) if n else None


def suite_metrics(run: SuiteRun, thresholds: dict[str, float] | None = None) -> SuiteMetrics:
    """Catch rate and false-positive rate per scanner and for the whole policy.

    The policy blocks a prompt when any scanner whose action is ``block`` flags it
    (score >= threshold); ``redact`` and ``warn`` scanners do not stop a prompt.
    """
    thresholds = {**run.thresholds, **(thresholds or {})}
    df = run.frame.copy()
    labelled = df["label"].notna().to_numpy()
    label = df["label"].fillna(-1).to_numpy(dtype=int)
    attack = labelled & (label == 1)
    benign = labelled & (label == 0)
    blocked = np.zeros(len(df), dtype=bool)
    rows = []
    for name in run.scanners:
        flagged = df[f"score_{name}"].to_numpy() >= thresholds[name]
        df[f"flagged_{name}"] = flagged
        if run.actions[name] == "block":
            blocked |= flagged
        rows.append(
            {
                "scanner": name,
                "action": run.actions[name],
                "threshold": thresholds[name],
                "catch_rate": _rate(flagged, attack),
                "false_positive_rate": _rate(flagged, benign),
                "flagged": int(flagged.sum()),
                "roc_auc": roc_auc(df[f"score_{name}"].to_numpy(), label, labelled),
                "backend": run.backends.get(name, ""),
                "mean_latency_ms": run.latency_ms.get(name),
            }
        )
    df["blocked"] = blocked
    outcome = np.where(
        ~labelled,
        "unlabelled",
        np.where(
            attack,
            np.where(blocked, "caught", "missed"),
            np.where(blocked, "false alarm", "passed"),
        ),
    )
    df["outcome"] = outcome
    policy = {
        "catch_rate": _rate(blocked, attack),
        "false_positive_rate": _rate(blocked, benign),
        "n_attacks": int(attack.sum()),
        "n_benign": int(benign.sum()),
        "caught": int((blocked & attack).sum()),
        "false_alarms": int((blocked & benign).sum()),
        "n_prompts": len(df),
    }
    per_category = (
        df[labelled]
        .groupby(["category", "label"], dropna=False)
        .agg(n=("blocked", "size"), blocked_rate=("blocked", "mean"))
        .reset_index()
        .sort_values(["label", "category"], ascending=[False, True])
    )
    return SuiteMetrics(pd.DataFrame(rows), policy, per_category, df)


def roc_auc(scores: np.ndarray, label: np.ndarray, labelled: np.ndarray) -> float | None:
    y = label[labelled]
    if len(set(y.tolist())) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, scores[labelled]))


def roc_points(run: SuiteRun, scanner: str) -> pd.DataFrame:
    """ROC curve of one scanner: columns false_positive_rate, true_positive_rate, threshold."""
    from sklearn.metrics import roc_curve

    df = run.frame[run.frame["label"].notna()]
    y = df["label"].to_numpy(dtype=int)
    if len(set(y.tolist())) < 2:
        return pd.DataFrame(columns=["false_positive_rate", "true_positive_rate", "threshold"])
    fpr, tpr, thr = roc_curve(y, df[f"score_{scanner}"].to_numpy(), drop_intermediate=False)
    return pd.DataFrame(
        {"false_positive_rate": fpr, "true_positive_rate": tpr, "threshold": np.clip(thr, 0, 1)}
    )


def summary_dict(run: SuiteRun, metrics: SuiteMetrics) -> dict[str, Any]:
    """JSON-able summary (stored as an artifact for model cards)."""
    per = metrics.per_scanner.replace({np.nan: None}).to_dict(orient="records")
    return {
        "policy": metrics.policy,
        "scanners": per,
        "thresholds": {r["scanner"]: r["threshold"] for r in per},
        "misses": metrics.decisions.loc[
            metrics.decisions["outcome"] == "missed", ["id", "category", "text"]
        ]
        .head(50)
        .to_dict(orient="records"),
        "false_alarms": metrics.decisions.loc[
            metrics.decisions["outcome"] == "false alarm", ["id", "category", "text"]
        ]
        .head(50)
        .to_dict(orient="records"),
        "skipped_lines": run.skipped[:20],
        "measured_on": f"{metrics.policy['n_prompts']} prompts",
    }


def save_suite_results(store, run: SuiteRun, metrics: SuiteMetrics, suite: str):
    """Store the results as a ``redteam`` artifact (model cards cite it); returns it."""
    return store.save_artifact(
        kind="redteam",
        name=f"Red-team: {suite}",
        content={**summary_dict(run, metrics), "suite": suite},
    )
