"""The privacy audit of a fine-tuned classifier: sample, score, attack, save.

The fine-tune runner calls :func:`membership_audit` right after its last evaluation, with
the trained model still in memory; the result is saved as a ``privacy`` record cited by
the run page, the model card and ``python -m backend privacy --run N``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from backend.privacy.membership import (
    AttackResult,
    attack_scores,
    evaluate_attack,
    loss_histogram,
    verdict,
)
from backend.privacy.options import MembershipOptions
from backend.privacy.scoring import (
    adapters_disabled,
    classification_pass,
    crossfit_reference_losses,
)
from backend.store import Artifact, Job, Store

PRIVACY_KIND = "privacy"
#: How each attack's reference is obtained, said on every screen that shows it.
REFERENCE_NOTE = (
    "Difficulty reference: the pre-trained model's features with a logistic head fit on the "
    "other half of the attacked rows (2-fold cross-fit), so no row's reference saw that row."
)


def balanced_sample(
    members: pd.DataFrame, non_members: pd.DataFrame, rows_per_side: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """As many members as non-members (at most ``rows_per_side`` each), drawn at random."""
    n = min(len(members), len(non_members), rows_per_side)
    return (
        members.sample(n=n, random_state=seed).reset_index(drop=True),
        non_members.sample(n=n, random_state=seed + 1).reset_index(drop=True),
    )


def membership_audit(
    model,
    tokenizer,
    *,
    members: pd.DataFrame,
    non_members: pd.DataFrame,
    text_column: str,
    label_column: str,
    label_values: list,
    max_length: int,
    options: MembershipOptions | None = None,
    seed: int = 0,
    batch_size: int = 64,
    reference_model: Callable[[], Any] | None = None,
    progress: Callable[[float], None] | None = None,
) -> dict:
    """Run both attacks on a balanced sample and return the audit's content (a dict).

    ``model`` is the fine-tuned classifier. The calibrated attack needs the pre-trained
    model's features: a PEFT (LoRA) model gives them with its adapters disabled; any other
    model needs ``reference_model``, a callable loading the pre-trained weights.
    """
    options = options or MembershipOptions()
    t0 = time.monotonic()
    mem, non = balanced_sample(members, non_members, options.rows_per_side, seed)
    n = len(mem)
    if n < 10:
        raise ValueError(
            f"only {n} rows per side are available; a membership attack needs at least 10"
        )
    index = {v: i for i, v in enumerate(label_values)}
    both = pd.concat([mem, non], ignore_index=True)
    texts = both[text_column].astype(str).tolist()
    labels = np.array([index[v] for v in both[label_column]], dtype=int)
    total = 2 * len(texts)
    done = [0]

    def step(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(min(1.0, done[0] / total))

    loss, _ = classification_pass(
        model,
        tokenizer,
        texts,
        labels,
        max_length=max_length,
        batch_size=batch_size,
        progress=step,
    )
    reference_source = "pre-trained weights (LoRA adapters disabled)"
    if hasattr(model, "disable_adapter"):
        with adapters_disabled(model):
            _, feats = classification_pass(
                model, tokenizer, texts, labels, max_length=max_length, batch_size=batch_size,
                features=True, progress=step,
            )  # fmt: skip
    elif reference_model is not None:
        base = reference_model()
        base.to(next(model.parameters()).device)
        _, feats = classification_pass(
            base, tokenizer, texts, labels, max_length=max_length, batch_size=batch_size,
            features=True, progress=step,
        )  # fmt: skip
        del base
        reference_source = "pre-trained weights (reloaded)"
    else:
        feats = None
    reference = crossfit_reference_losses(feats, labels, seed=seed) if feats is not None else None
    content = membership_content(
        loss[:n],
        loss[n:],
        None if reference is None else reference[:n],
        None if reference is None else reference[n:],
        options=options,
        seed=seed,
    )
    return content | {
        "members_available": len(members),
        "non_members_available": len(non_members),
        "reference_source": reference_source if reference is not None else None,
        "duration_s": round(time.monotonic() - t0, 3),
    }


def membership_content(
    m_loss: np.ndarray,
    n_loss: np.ndarray,
    m_reference: np.ndarray | None = None,
    n_reference: np.ndarray | None = None,
    *,
    options: MembershipOptions,
    seed: int,
) -> dict:
    """Both attacks, the verdict and the histograms from the rows' losses (and references)."""
    scores = attack_scores(m_loss, n_loss, m_reference, n_reference)
    attacks = [
        evaluate_attack(name, ms, ns, n_boot=options.bootstrap, seed=seed)
        for name, (ms, ns) in scores.items()
    ]
    level, sentence = verdict(attacks)
    loss = np.r_[m_loss, n_loss]
    lo, hi = (float(q) for q in np.quantile(loss, [0.01, 0.99]))
    edges = np.linspace(lo, max(hi, lo + 1e-3), 31)  # outliers land in the end bins
    return {
        "attacks": [a.to_dict() for a in attacks],
        "verdict": sentence,
        "level": level,
        "n_members": len(m_loss),
        "n_non_members": len(n_loss),
        "mean_loss_members": float(np.mean(m_loss)),
        "mean_loss_non_members": float(np.mean(n_loss)),
        "histogram": {
            "edges": [round(float(e), 6) for e in edges],
            "members": loss_histogram(m_loss, edges),
            "non_members": loss_histogram(n_loss, edges),
        },
        "losses": {
            "members": [round(float(x), 5) for x in m_loss],
            "non_members": [round(float(x), 5) for x in n_loss],
        },
        "reference": REFERENCE_NOTE if m_reference is not None else None,
        "seed": seed,
        "duration_s": 0.0,
        "measured": True,
    }


def save_privacy_audit(
    store: Store,
    *,
    job_id: int,
    run_name: str,
    membership: dict | None,
    dataset_id: int | None = None,
    epsilon: float | None = None,
    delta: float | None = None,
    canaries: dict | None = None,
    extra: dict | None = None,
) -> Artifact:
    """Save one run's privacy audit as a ``privacy`` record ("Privacy audit #N of Run #M")."""
    job = store.get_job(job_id)
    run_label = store.display_name(job) if job is not None else run_name
    content = {
        "job_id": job_id,
        "run": run_label,
        "dp": epsilon is not None,
        "epsilon": epsilon,
        "delta": delta,
        "membership": membership,
        "canaries": canaries,
        **(extra or {}),
    }
    return store.save_artifact(
        kind=PRIVACY_KIND,
        name=f"Privacy audit of {run_label}",
        content=content,
        job_id=job_id,
        dataset_id=dataset_id,
    )


def privacy_audit_for_run(store: Store, job_id: int) -> Artifact | None:
    """The newest privacy audit of a fine-tune job (None when it has none)."""
    audits = [a for a in store.list_artifacts(PRIVACY_KIND, limit=10_000) if a.job_id == job_id]
    return max(audits, key=lambda a: a.id) if audits else None


def attacks_of(content: dict) -> list[AttackResult]:
    membership = content.get("membership") or {}
    return [AttackResult.from_dict(a) for a in membership.get("attacks") or []]


def strongest_attack(content: dict) -> AttackResult | None:
    attacks = attacks_of(content)
    return max(attacks, key=lambda a: a.auc) if attacks else None


def privacy_row(store: Store, job: Job) -> dict:
    """One run's privacy figures side by side with accuracy and energy (for comparisons)."""
    res = job.result or {}
    art = privacy_audit_for_run(store, job.id)
    content = art.content if art is not None else {}
    best = strongest_attack(content)
    canaries = content.get("canaries") or {}
    ev = res.get("eval") or {}
    dp = bool(((job.params or {}).get("dp") or {}).get("enabled")) or res.get("epsilon") is not None
    return {
        "run": store.display_name(job),
        "status": job.status,
        "dp": dp,
        "epsilon": res.get("epsilon"),
        "delta": res.get("delta"),
        "mia_auc": best.auc if best else None,
        "mia_ci": [best.ci_low, best.ci_high] if best else None,
        "mia_attack": best.label if best else None,
        "tpr_at_1pct_fpr": best.tpr_at_fpr.get("0.01") if best else None,
        "verdict": (content.get("membership") or {}).get("verdict"),
        "max_exposure": canaries.get("max_exposure"),
        "accuracy": ev.get("accuracy"),
        "f1": ev.get("f1"),
        "roc_auc": ev.get("roc_auc"),
        "perplexity": ev.get("perplexity"),
        "energy_kwh": res.get("energy_kwh"),
        "energy_measured": res.get("energy_measured"),
        "privacy_audit": store.display_name(art) if art is not None else None,
    }


def audit_classifier(
    model,
    tokenizer,
    data,
    config,
    *,
    store: Store,
    job_id: int | None,
    epsilon: float | None = None,
    delta: float | None = None,
    reference_model: Callable[[], Any] | None = None,
) -> dict:
    """The runner's hook: attack the freshly trained classifier, save a ``privacy`` record
    and return the headline the run summary keeps (``{"skipped": why}`` when it cannot run).

    ``data`` is the run's prepared data (training rows are the members, held-out rows the
    non-members); ``config`` its :class:`~backend.training.config.TrainConfig`.
    """
    options = config.privacy.membership
    n = min(len(data.train), len(data.eval), options.rows_per_side)
    if n < 10:
        return {"skipped": f"too few rows for a membership attack ({n} per side, 10 needed)"}
    membership = membership_audit(
        model,
        tokenizer,
        members=data.train,
        non_members=data.eval,
        text_column=data.text_column,
        label_column=data.label_column,
        label_values=data.label_values,
        max_length=config.max_length,
        options=options,
        seed=config.seed,
        batch_size=config.eval_batch_size,
        reference_model=reference_model,
    )
    headline = {
        "level": membership["level"],
        "verdict": membership["verdict"],
        "duration_s": membership["duration_s"],
    }
    best = strongest_attack({"membership": membership})
    if best is not None:
        headline |= {"attack": best.attack, "auc": best.auc, "ci": [best.ci_low, best.ci_high]}
    return _saved(store, job_id, config, headline, membership=membership,
                  dataset_id=data.dataset_id, epsilon=epsilon, delta=delta)  # fmt: skip


def plant_canaries(data, config, *, reweighted: bool, notes: list[str]) -> list | None:
    """The runner's pre-training hook for causal-LM runs with ``privacy.canaries.enabled``:
    add the canaries to ``data.train`` and return them (None when not planted)."""
    from backend.privacy.canaries import make_canaries, plant

    options = config.privacy.canaries
    if config.task != "causal_lm" or not options.enabled:
        return None
    if reweighted:
        notes.append("Canaries were not planted: they cannot be combined with reweighting.")
        return None
    canaries = make_canaries(options, config.seed)
    data.train = plant(data.train, data.text_column, canaries, config.seed)
    planted = sum(c.repetitions for c in canaries)
    notes.append(
        f"{len(canaries)} canaries ({options.format!r}) planted {planted} times in the "
        "training text for the privacy audit."
    )
    return canaries


def audit_language_model(
    model,
    tokenizer,
    canaries: list,
    config,
    *,
    store: Store,
    job_id: int | None,
    dataset_id: int | None = None,
    epsilon: float | None = None,
    delta: float | None = None,
) -> dict:
    """The runner's hook after a causal-LM run with canaries: exposure of each canary,
    saved as a ``privacy`` record; returns the run summary's headline."""
    from backend.privacy.canaries import exposure_report

    report = exposure_report(
        model,
        tokenizer,
        canaries,
        config.privacy.canaries,
        seed=config.seed,
        max_length=config.max_length,
    )
    headline = {
        "verdict": report["verdict"],
        "max_exposure": report["max_exposure"],
        "duration_s": report["duration_s"],
    }
    return _saved(store, job_id, config, headline, membership=None, canaries=report,
                  dataset_id=dataset_id, epsilon=epsilon, delta=delta)  # fmt: skip


def _saved(store: Store, job_id: int | None, config, headline: dict, **content) -> dict:
    """Save the audit as the run's privacy record (when the run has a job) and return the
    headline with the record's id."""
    if job_id is not None:
        art = save_privacy_audit(store, job_id=job_id, run_name=config.display_name(), **content)
        headline["artifact_id"] = art.id
    return headline
