"""The embedded default fine-tune, as the overhead benchmarks train it (shared by them)."""

from __future__ import annotations

from collections.abc import Iterator


def default_finetune(store, train_rows: int, rank=None):
    """Config, model and an endless batch iterator of the embedded MiniLM classifier on
    ``train_rows`` demo rows (each rank's shard when ``rank`` is several processes)."""
    import torch

    from backend.training.config import parse_config
    from backend.training.models import load_model, load_tokenizer
    from backend.training.preflight import preflight
    from backend.training.runner import _encode, _train_loader

    config = parse_config({"max_train_samples": train_rows, "max_eval_samples": 16})
    plan = preflight(config, store)
    tok = load_tokenizer(plan.model, config.task)
    torch.manual_seed(config.seed)  # the same initial weights on every rank
    model = load_model(plan.model, config.task, plan.data.label_values, tok)
    ds = _encode(tok, plan.data, plan.data.train, config, plan, with_weights=True)
    return config, model, endless(_train_loader(ds, config, plan, rank))


def endless(loader) -> Iterator:
    """Batches of ``loader``, epoch after epoch."""
    while True:
        yield from loader
