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
