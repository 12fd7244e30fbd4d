"""The skeleton every trained guard head shares: sample, fit, describe, evaluate, save, CLI.

The harm head (:mod:`backend.guardrails.train`) and the jailbreak head
(:mod:`backend.guardrails.jailbreak_train`) differ in their data, features and heads, not in
how a training run goes: a seeded sample of the rows (``--limit``), the head fitted with a
threshold chosen on validation data, metadata saying how it was made, an optional
cross-source evaluation stored with it, the JSON written, and one command with the same
options and the same one-line errors. That run lives here once.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from backend.errors import StewardError

T = TypeVar("T")

#: Smallest ``--limit``: fewer rows cannot hold a validation split of every group.
MIN_LIMIT = 50


class TrainedHead(Protocol):
    """What the skeleton needs of a head: metadata and a JSON writer."""

    meta: dict[str, Any]

    def save(self, path: str | Path) -> Path: ...


H = TypeVar("H", bound=TrainedHead)


def seeded_sample(rows: Sequence[T], limit: int | None, seed: int) -> list[T]:
    """``limit`` rows drawn with ``seed`` (all rows, in order, without a limit)."""
    rows = list(rows)
    if limit and limit < len(rows):
        keep = np.sort(np.random.default_rng(seed).permutation(len(rows))[:limit])
        rows = [rows[i] for i in keep]
    return rows


def percent(share: float) -> str:
    """A share as people write it: 0.015 -> "1.5 %", 0.02 -> "2 %"."""
    return f"{share * 100:.4g} %"


def threshold_rule(max_fpr: float) -> str:
    """How the shipped threshold was chosen, in the words the metadata stores."""
    return (
        f"lowest score with false-positive rate <= {percent(max_fpr)} on the validation "
        "benign rows (20 % of every training source, seeded split)"
    )


def embedding_progress(log: Callable[[str], Any], every: int) -> Callable[[int, int], None]:
    """A progress callback for the embedding step that logs every ``every`` items."""

    def progress(done: int, total: int) -> None:
        if done == total or done % every == 0:
            log(f"  embedded {done}/{total}")

    return progress


@dataclass
class TrainingRun:
    """One training run's settings; :meth:`finish` stores how the head was made and saves it."""

    seed: int
    max_fpr: float
    limit: int | None = None
    out: str | Path | None = None
    log: Callable[[str], Any] = print
    started: float = field(default_factory=time.perf_counter)

    def finish(
        self,
        head: H,
        *,
        meta: dict[str, Any],
        evaluate: Callable[[], dict[str, Any]] | None,
    ) -> H:
        """Store ``meta`` and the run's settings in ``head``, run the cross-source
        ``evaluate`` when given (its figures are stored with the head), save to ``out``."""
        head.meta.update(
            {
                "threshold_rule": threshold_rule(self.max_fpr),  # ``meta`` may say more
                **meta,
                "limit": self.limit,
                "seed": self.seed,
                "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )
        if evaluate is not None:
            self.log("cross-source evaluation (leave one source group out)...")
            head.meta.update(evaluate())
        head.meta["train_seconds"] = round(time.perf_counter() - self.started, 1)
        if self.out:
            head.save(self.out)
            self.log(f"saved {self.out}")
        return head


def training_main(
    argv: list[str] | None,
    *,
    prog: str,
    description: str,
    default_out: Path,
    seed: int,
    max_fpr: float,
    train: Callable[[argparse.Namespace], H],
    report: Callable[[H], str],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> int:
    """The training command: shared options, checks in one line (exit 2), one torch thread.

    ``train(args)`` trains with the parsed options; ``report(head)`` is printed after.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    if add_arguments is not None:
        add_arguments(parser)
    parser.add_argument("--out", default=str(default_out), help="where to write the head JSON")
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--max-fpr", type=float, default=max_fpr, help="validation FPR budget")
    parser.add_argument("--limit", type=int, help="train on a seeded sample of N rows")
    parser.add_argument("--no-eval", action="store_true", help="skip the cross-source evaluation")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args(argv)
    errors = []
    if not 0.0 < args.max_fpr < 0.5:
        errors.append("--max-fpr must be between 0 and 0.5")
    if args.limit is not None and args.limit < MIN_LIMIT:
        errors.append(f"--limit must be at least {MIN_LIMIT}")
    if args.threads < 1:
        errors.append("--threads must be at least 1")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 2
    try:
        from backend.config import apply_offline_env

        apply_offline_env()
        from backend.models import set_torch_threads

        set_torch_threads(args.threads)
        head = train(args)
    except StewardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report(head))
    return 0


def json_report(head: TrainedHead, keys: Sequence[str], *, limit: int | None = None) -> str:
    """Some of the head's metadata as indented JSON (cut to ``limit`` characters)."""
    text = json.dumps({k: head.meta.get(k) for k in keys}, indent=1)
    return text[:limit] if limit else text
