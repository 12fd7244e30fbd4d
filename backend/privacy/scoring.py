"""Per-row losses and pre-trained features of a text classifier, for the membership attacks.

torch is imported inside the functions (``backend/`` imports it lazily).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

import numpy as np


def _batches(n: int, size: int):
    for start in range(0, n, size):
        yield start, min(n, start + size)


def classification_pass(
    model,
    tokenizer,
    texts: list[str],
    labels: np.ndarray,
    *,
    max_length: int,
    batch_size: int = 64,
    features: bool = False,
    device=None,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Cross-entropy of each row's true label, and optionally the mean-pooled last hidden
    state (the row's features), in evaluation mode without gradients."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    losses, feats = [], []
    with torch.no_grad():
        for a, b in _batches(len(texts), batch_size):
            enc = tokenizer(
                texts[a:b],
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            out = model(**enc, output_hidden_states=features)
            y = torch.as_tensor(labels[a:b], dtype=torch.long, device=device)
            losses.append(F.cross_entropy(out.logits.float(), y, reduction="none").cpu())
            if features:
                hidden = out.hidden_states[-1].float()
                mask = enc["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                feats.append(pooled.cpu())
            if progress is not None:
                progress(b - a)
    if was_training:
        model.train()
    loss = torch.cat(losses).numpy().astype(float)
    return loss, (torch.cat(feats).numpy() if features else None)


def adapters_disabled(model):
    """A context in which a PEFT model runs as its pre-trained base (a no-op otherwise)."""
    disable = getattr(model, "disable_adapter", None)
    return disable() if callable(disable) else nullcontext()


def crossfit_reference_losses(
    features: np.ndarray, labels: np.ndarray, *, seed: int = 0, folds: int = 2
) -> np.ndarray:
    """Each row's loss under a logistic head on the pre-trained features, fit on the other
    fold(s): a difficulty reference that never saw the row, for members and non-members
    alike (rows are assigned to folds stratified by label)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    labels = np.asarray(labels)
    out = np.empty(len(labels), dtype=float)
    counts = np.bincount(labels)
    folds = max(2, min(folds, int(counts[counts > 0].min())))
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_idx, score_idx in split.split(features, labels):
        scaler = StandardScaler().fit(features[fit_idx])
        head = LogisticRegression(max_iter=1000, C=1.0)
        head.fit(scaler.transform(features[fit_idx]), labels[fit_idx])
        proba = head.predict_proba(scaler.transform(features[score_idx]))
        cols = {c: i for i, c in enumerate(head.classes_)}
        p = np.array(
            [proba[i, cols[y]] if y in cols else 0.0 for i, y in enumerate(labels[score_idx])]
        )
        out[score_idx] = -np.log(np.clip(p, 1e-12, 1.0))
    return out
