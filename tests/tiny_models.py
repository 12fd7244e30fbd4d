"""Tiny real models written by tests (no download): a GPT-2-shaped causal LM."""

from __future__ import annotations

from pathlib import Path


def build_tiny_causal_lm(path: Path, words: list[str]) -> Path:
    """Save a 1-layer GPT-2 LM with a word-level tokenizer over ``words`` to ``path``.

    Special tokens are suppressed at generation, so it only ever emits real words (a
    random model would otherwise produce ``[PAD]``...).
    """
    import torch
    from transformers import BertTokenizerFast, GPT2Config, GPT2LMHeadModel

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]
    BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}).save_pretrained(path)
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(vocab), n_positions=64, n_embd=16, n_layer=1, n_head=2,
        bos_token_id=None, eos_token_id=None,
    )  # fmt: skip
    model = GPT2LMHeadModel(config)
    model.generation_config.suppress_tokens = list(range(5))
    model.save_pretrained(path)
    return path


CANARY_WORDS = "the a cat dog sat on mat ran to park and saw bird tree big small red blue"


def canary_run_config(
    folder: Path, *, dp: bool, repetitions: list[int], per_repetition: int = 2
) -> dict:
    """A causal-LM fine-tune config with 3-digit PIN canaries: the tiny LM above, a corpus of
    40 random 8-word sentences, 8 epochs; DP-SGD at σ = 4 when ``dp`` (ε below 1)."""
    import numpy as np
    import pandas as pd

    words = CANARY_WORDS.split()
    model = folder / "lm"
    if not model.exists():
        build_tiny_causal_lm(model, [*words, "my", "pin", "is", *"0123456789"])
    csv = folder / "corpus.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame({"text": [" ".join(rng.choice(words, 8)) for _ in range(40)]}).to_csv(
        csv, index=False
    )
    return {
        "task": "causal_lm", "model": str(model), "dataset_path": str(csv),
        "text_column": "text", "split_column": None, "eval_fraction": 0.25,
        "epochs": 8, "batch_size": 16, "max_length": 16, "learning_rate": 1e-2,
        "torch_threads": 1, "telemetry": {"enabled": False}, "save_checkpoint": False,
        "dp": {"enabled": dp, "noise_multiplier": 4.0, "max_grad_norm": 1.0},
        "privacy": {"canaries": {
            "enabled": True, "format": "my pin is {} {} {}", "repetitions": repetitions,
            "per_repetition": per_repetition, "candidates": 1000,
        }},
    }  # fmt: skip
