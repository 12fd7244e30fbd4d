"""Membership-inference attacks scored as a reviewer reads them: AUC with a CI, TPR at low FPR.

Two attacks on a balanced sample of members (training rows) and non-members (rows the
model never trained on):

* **loss threshold** (Yeom et al. 2018): a row with a low loss under the fine-tuned model
  is guessed to be a member.
* **calibrated** ("LiRA-lite", after Carlini et al. 2022): the loss is compared with the
  row's own difficulty, its loss under a reference that never saw the row, so rows that
  are easy for any model do not look like members.

Pure numpy; the losses come from :mod:`backend.privacy.scoring`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

#: False-positive rates at which the attack's true-positive rate is reported.
LOW_FPRS = (0.01, 0.001)

ATTACK_LABELS = {
    "loss_threshold": "Loss threshold (Yeom et al. 2018)",
    "calibrated": "Calibrated by each row's difficulty (LiRA-lite)",
}


@dataclass
class AttackResult:
    """One attack's success. Scores are "member-ness": higher means guessed a member."""

    attack: str
    auc: float
    ci_low: float
    ci_high: float
    #: ``{"0.01": tpr, "0.001": tpr}``: the best true-positive rate at that FPR or below.
    tpr_at_fpr: dict[str, float]
    #: The smallest non-zero FPR measurable with this many non-members (1 / n).
    fpr_resolution: float
    n_members: int
    n_non_members: int
    bootstrap: int
    #: Down-sampled ROC curve: ``[[fpr, tpr], ...]``.
    roc: list[list[float]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return ATTACK_LABELS.get(self.attack, self.attack)

    def to_dict(self) -> dict:
        return asdict(self) | {"label": self.label}

    @classmethod
    def from_dict(cls, data: dict) -> AttackResult:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def _auc_from_ranks(member: np.ndarray, non_member: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC along the last axis (ties count one half), vectorised."""
    from scipy.stats import rankdata

    both = np.concatenate([member, non_member], axis=-1)
    ranks = rankdata(both, axis=-1)
    n_m, n_n = member.shape[-1], non_member.shape[-1]
    return (ranks[..., :n_m].sum(axis=-1) - n_m * (n_m + 1) / 2) / (n_m * n_n)


def evaluate_attack(
    attack: str,
    member_scores: np.ndarray,
    non_member_scores: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> AttackResult:
    """ROC AUC with a stratified bootstrap 95 % CI, and the TPR at 1 % and 0.1 % FPR."""
    from sklearn.metrics import roc_curve

    m = np.asarray(member_scores, dtype=float)
    n = np.asarray(non_member_scores, dtype=float)
    if len(m) < 2 or len(n) < 2:
        raise ValueError("an attack needs at least two members and two non-members")
    auc = float(_auc_from_ranks(m, n))
    rng = np.random.default_rng(seed)
    boots = []
    for start in range(0, n_boot, 250):  # bounded memory for large samples
        b = min(250, n_boot - start)
        mi = rng.integers(0, len(m), size=(b, len(m)))
        ni = rng.integers(0, len(n), size=(b, len(n)))
        boots.append(_auc_from_ranks(m[mi], n[ni]))
    dist = np.concatenate(boots)
    lo, hi = np.quantile(dist, [0.025, 0.975])
    y = np.r_[np.ones(len(m)), np.zeros(len(n))]
    fpr, tpr, _ = roc_curve(y, np.r_[m, n])
    at = {f"{t:g}": float(tpr[fpr <= t].max()) for t in LOW_FPRS}
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), 200)).round().astype(int))
    return AttackResult(
        attack=attack,
        auc=round(auc, 6),
        ci_low=round(float(lo), 6),
        ci_high=round(float(hi), 6),
        tpr_at_fpr=at,
        fpr_resolution=1.0 / len(n),
        n_members=len(m),
        n_non_members=len(n),
        bootstrap=n_boot,
        roc=[[round(float(fpr[i]), 5), round(float(tpr[i]), 5)] for i in keep],
    )


def attack_scores(
    member_loss: np.ndarray,
    non_member_loss: np.ndarray,
    member_reference: np.ndarray | None = None,
    non_member_reference: np.ndarray | None = None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Member-ness scores per attack: ``-loss``, and ``reference loss - loss`` when given."""
    out = {"loss_threshold": (-np.asarray(member_loss), -np.asarray(non_member_loss))}
    if member_reference is not None and non_member_reference is not None:
        out["calibrated"] = (
            np.asarray(member_reference) - np.asarray(member_loss),
            np.asarray(non_member_reference) - np.asarray(non_member_loss),
        )
    return out


def _ci(a: AttackResult) -> str:
    return f"AUC {a.auc:.2f}, 95 % CI {a.ci_low:.2f}–{a.ci_high:.2f}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def verdict(attacks: list[AttackResult]) -> tuple[str, str]:
    """(level, plain-language sentence) from the strongest attack, with its CI.

    Levels: ``chance`` (the CI includes 0.5), ``low`` (above chance, AUC < 0.6),
    ``moderate`` (< 0.7) and ``high``.
    """
    if not attacks:
        return "unknown", "No membership attack could be run."
    best = max(attacks, key=lambda a: a.auc)
    rows = f"{best.n_members} training and {best.n_non_members} held-out rows"
    if best.ci_low <= 0.5:
        return "chance", (
            f"An attacker guesses membership no better than chance ({_ci(best)}, "
            f"{_lower_first(best.label)}, on {rows})."
        )
    level = "low" if best.auc < 0.6 else "moderate" if best.auc < 0.7 else "high"
    how = {
        "low": "slightly better than chance: the model leaks a little about which rows it "
        "trained on",
        "moderate": "clearly better than chance: the model leaks which rows it trained on",
        "high": "far better than chance: the model's losses give its training rows away",
    }[level]
    tpr = best.tpr_at_fpr.get("0.01")
    extra = (
        f" At a 1 % false-positive rate it finds {tpr:.0%} of the training rows."
        if tpr is not None and best.fpr_resolution <= 0.01
        else ""
    )
    return level, (
        f"An attacker guesses membership {how} ({_ci(best)}, {_lower_first(best.label)}, on "
        f"{rows}).{extra}"
    )


def loss_histogram(losses: np.ndarray, edges: np.ndarray) -> list[int]:
    counts, _ = np.histogram(np.clip(losses, edges[0], edges[-1]), bins=edges)
    return [int(c) for c in counts]
