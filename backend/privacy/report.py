"""A privacy audit in words: the paragraph a model card's privacy field shows."""

from __future__ import annotations


def _pct(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def attack_cells(attack: dict) -> tuple[str, str, str, str]:
    """(name, "AUC [low, high]", TPR at 1 % FPR, TPR at 0.1 % FPR) of one stored attack."""
    tpr = attack.get("tpr_at_fpr") or {}
    return (
        attack["label"],
        f"{attack['auc']:.3f} [{attack['ci_low']:.3f}, {attack['ci_high']:.3f}]",
        _pct(tpr.get("0.01")),
        _pct(tpr.get("0.001")),
    )


def card_text(content: dict, *, label: str) -> str:
    """Markdown for the card's privacy field: ε, the membership attack with its CI, canaries."""
    parts = []
    eps = content.get("epsilon")
    if eps is not None:
        delta = content.get("delta")
        parts.append(
            f"Trained with differential privacy (DP-SGD): ε = {eps:.3g}"
            + (f", δ = {delta:.2g}" if delta else "")
            + " (accountant estimate at the end of training)."
        )
    else:
        parts.append("Trained without differential privacy (no ε guarantee).")
    m = content.get("membership") or {}
    if m:
        rows = ["| " + " | ".join(attack_cells(a)) + " |" for a in m.get("attacks") or []]
        parts.append(
            f"**Membership inference ({label}, measured)**: {m['verdict']}\n\n"
            "| attack | ROC AUC [95 % CI] | TPR at 1 % FPR | TPR at 0.1 % FPR |\n"
            "| --- | --- | --- | --- |\n" + "\n".join(rows)
        )
        parts.append(
            f"Attacked {m['n_members']} training rows against {m['n_non_members']} held-out "
            f"rows never trained on; mean loss {m['mean_loss_members']:.3f} vs "
            f"{m['mean_loss_non_members']:.3f}."
        )
    c = content.get("canaries") or {}
    if c:
        lines = [
            f"- inserted {g['repetitions']}×: exposure {g['mean_exposure']:.2f} bits"
            for g in c.get("by_repetition") or []
        ]
        parts.append(
            f"**Canary exposure ({label}, measured)**: {c.get('verdict', '')}\n\n"
            + "\n".join(lines)
        )
    return "\n\n".join(parts)
