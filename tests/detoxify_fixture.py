"""A tiny Detoxify-format checkpoint, so tests run the real Detoxify loading code offline."""

from __future__ import annotations

from pathlib import Path

CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
WORDS = ["you", "are", "a", "nice", "idiot", "stupid", "hello", "world", "thanks", "for"]
WORDS += ["the", "help", "moron", "kill"]


def build_tiny_detoxify(root: Path) -> dict:
    """Write a Detoxify checkpoint around a tiny BERT, plus its base-model directory.

    Same layout as the released files: ``{"config": {"arch": {"args": ...}, "dataset":
    {"args": {"classes": ...}}}, "state_dict": ...}`` with Lightning's ``model.`` prefix.
    Returns the paths and the in-memory model and tokenizer (for reference scores).
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    base = root / "base"
    base.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)})
    tokenizer.save_pretrained(base)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
    )
    config.save_pretrained(base)
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig.from_dict(config.to_dict(), num_labels=6))
    model.eval()
    ckpt = {
        "config": {
            "arch": {
                "args": {
                    "model_type": "bert-base-uncased",
                    "model_name": "BertForSequenceClassification",
                    "tokenizer_name": "BertTokenizer",
                    "num_classes": 6,
                }
            },
            "dataset": {"args": {"classes": CLASSES}},
        },
        "state_dict": {f"model.{k}": v for k, v in model.state_dict().items()},
    }
    path = root / "tiny.ckpt"
    torch.save(ckpt, path)
    return {"checkpoint": path, "base": base, "model": model, "tokenizer": tokenizer, "ckpt": ckpt}
