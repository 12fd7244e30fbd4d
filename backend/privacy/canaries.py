"""Canary exposure of a causal LM (Carlini et al. 2019, "The Secret Sharer").

Before training, ``k`` random canaries of one format ("my PIN is 4 8 1 5 9 2") are planted
in the training text, each group repeated a different number of times. After training,
each canary's log-likelihood under the model is compared with that of other secrets of the
same format: its **exposure** is ``log2(|space|) - log2(rank)``. A canary the model has not
learnt ranks in the middle (exposure about 1 bit); a memorised one ranks first (exposure =
``log2(|space|)``, e.g. 19.9 bits for six digits).

When the space is small enough every candidate is scored and the rank is exact; otherwise
``candidates`` secrets are drawn at random and the share that the model prefers to the canary
estimates ``rank / |space|``, with a binomial standard error.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from backend.privacy.options import CanaryOptions

DIGITS = "0123456789"


@dataclass
class Canary:
    secret: str  # the digits, e.g. "481592"
    text: str
    repetitions: int


def fill(fmt: str, secret: str) -> str:
    return fmt.format(*secret)


def space_size(fmt: str) -> int:
    return 10 ** fmt.count("{}")


def make_canaries(options: CanaryOptions, seed: int) -> list[Canary]:
    """``per_repetition`` distinct random canaries for every repetition count."""
    rng = np.random.default_rng(seed + 1009)
    slots = options.format.count("{}")
    seen: set[str] = set()
    out = []
    for reps in options.repetitions:
        made = 0
        while made < options.per_repetition:
            secret = "".join(rng.choice(list(DIGITS), slots))
            if secret in seen:
                continue
            seen.add(secret)
            out.append(Canary(secret, fill(options.format, secret), reps))
            made += 1
    return out


def plant(frame: pd.DataFrame, text_column: str, canaries: list[Canary], seed: int) -> pd.DataFrame:
    """The training rows plus every canary repeated its number of times, shuffled in."""
    rows = [c.text for c in canaries for _ in range(c.repetitions)]
    planted = pd.concat([frame, pd.DataFrame({text_column: rows})], ignore_index=True)
    return planted.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def sequence_nll(
    model, tokenizer, texts: list[str], *, batch_size: int = 128, max_length: int = 64
) -> np.ndarray:
    """Negative log-likelihood (nats) of each whole text under a causal LM."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(
                texts[start : start + batch_size],
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
            labels = enc["input_ids"][:, 1:]
            mask = enc["attention_mask"][:, 1:].float()
            tok = F.cross_entropy(
                logits[:, :-1].float().reshape(-1, logits.shape[-1]),
                labels.reshape(-1),
                reduction="none",
            ).view(labels.shape)
            out.append((tok * mask).sum(dim=1).cpu())
    if was_training:
        model.train()
    return torch.cat(out).numpy().astype(float)


@dataclass
class CanaryExposure:
    secret: str
    repetitions: int
    exposure: float
    error: float  # standard error of the estimate (0 when every candidate was scored)
    rank: float  # estimated rank among all secrets (1 = the model's favourite)
    censored: bool  # no sampled candidate beat the canary: exposure is a lower bound


def _exposures(
    canary_nll: np.ndarray, candidate_nll: np.ndarray, space: int, exact: bool
) -> list[tuple[float, float, float, bool]]:
    sorted_c = np.sort(candidate_nll)
    m = len(sorted_c)
    out = []
    for nll in canary_nll:
        better = np.searchsorted(sorted_c, nll, side="left")
        ties = np.searchsorted(sorted_c, nll, side="right") - better
        if exact:  # candidates are the whole space but this canary
            rank = 1 + better + ties / 2
            out.append((math.log2(space) - math.log2(rank), 0.0, float(rank), False))
            continue
        p = (better + ties / 2 + 1) / (m + 1)  # share of the space preferred to the canary
        se = math.sqrt(p * (1 - p) / (m + 1))
        out.append((-math.log2(p), se / (p * math.log(2)), p * space, better + ties == 0))
    return out


def exposure_report(
    model,
    tokenizer,
    canaries: list[Canary],
    options: CanaryOptions,
    *,
    seed: int,
    max_length: int = 64,
    progress: Callable[[float], None] | None = None,
) -> dict:
    """Every canary's exposure, the mean per repetition count, and a plain verdict."""
    import time

    t0 = time.monotonic()
    space = space_size(options.format)
    secrets = {c.secret for c in canaries}
    slots = options.format.count("{}")
    exact = space - len(secrets) <= options.candidates
    if exact:
        width = slots
        candidates = [s for s in (f"{i:0{width}d}" for i in range(space)) if s not in secrets]
    else:
        rng = np.random.default_rng(seed + 2027)
        draws = rng.integers(0, 10, size=(options.candidates * 2, slots))
        candidates = [s for s in ("".join(map(str, row)) for row in draws) if s not in secrets][
            : options.candidates
        ]
    texts = [fill(options.format, s) for s in candidates]
    cand_nll = sequence_nll(model, tokenizer, texts, max_length=max_length)
    if progress is not None:
        progress(0.9)
    can_nll = sequence_nll(model, tokenizer, [c.text for c in canaries], max_length=max_length)
    per = [
        CanaryExposure(c.secret, c.repetitions, round(e, 4), round(err, 4), rank, censored)
        for c, (e, err, rank, censored) in zip(
            canaries, _exposures(can_nll, cand_nll, space, exact), strict=True
        )
    ]
    groups = []
    for reps in sorted({c.repetitions for c in canaries}):
        mine = [p for p in per if p.repetitions == reps]
        values = np.array([p.exposure for p in mine])
        spread = values.std(ddof=1) if len(values) > 1 else 0.0
        est = np.sqrt(np.mean([p.error**2 for p in mine]))
        groups.append(
            {
                "repetitions": reps,
                "mean_exposure": round(float(values.mean()), 4),
                "exposure_error": round(
                    float(math.sqrt(spread**2 + est**2) / math.sqrt(len(mine))), 4
                ),
                "n_canaries": len(mine),
                "censored": any(p.censored for p in mine),
            }
        )
    top = max(groups, key=lambda g: g["mean_exposure"])
    max_bits = math.log2(space)
    method = (
        f"Exact rank among all {space:,} secrets of the format."
        if exact
        else f"Rank estimated from {len(candidates):,} random secrets of the {space:,} possible "
        "(binomial standard error shown; 'at least' when no sampled secret beat the canary)."
    )
    return {
        "format": options.format,
        "space": space,
        "max_possible_exposure": round(max_bits, 4),
        "exact": exact,
        "n_candidates": len(candidates),
        "canaries": [asdict(p) for p in per],
        "by_repetition": groups,
        "max_exposure": top["mean_exposure"],
        "verdict": exposure_verdict(groups, max_bits),
        "method": method + " Exposure = log2(secrets) − log2(rank); about 1 bit means not learnt.",
        "seed": seed,
        "duration_s": round(time.monotonic() - t0, 3),
        "measured": True,
    }


def exposure_verdict(groups: list[dict], max_bits: float) -> str:
    top = max(groups, key=lambda g: g["mean_exposure"])
    e, reps = top["mean_exposure"], top["repetitions"]
    share = e / max_bits if max_bits else 0.0
    if share >= 0.9:
        how = "memorised them: they rank at or near the top of every possible secret"
    elif e >= 4:
        how = (
            f"learnt them: they rank about 1 in {2**e:,.0f} of all possible secrets "
            "(an attacker guessing in likelihood order finds them early)"
        )
    else:
        how = "not singled them out: they rank like any other secret of the format"
    return (
        f"Canaries inserted {reps}× reach an exposure of {e:.1f} ± {top['exposure_error']:.1f} "
        f"bits of {max_bits:.1f} possible: the model has {how}."
    )
