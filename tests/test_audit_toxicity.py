"""The audit's toxicity check through the real Detoxify loading path (tiny local checkpoint)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backend.audit import AuditConfig, AuditSource, run_audit
from backend.detectors import toxicity

WORDS = ["you", "are", "a", "nice", "idiot", "stupid", "hello", "world", "thanks", "moron"]
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


@pytest.fixture
def tiny_checkpoint(tmp_path, monkeypatch):
    """A Detoxify-format checkpoint (Lightning ``model.`` prefix) around a tiny BERT."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    toxicity.clear_cache()
    base = tmp_path / "base"
    base.mkdir()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}).save_pretrained(base)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64,
    )  # fmt: skip
    config.save_pretrained(base)
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig.from_dict(config.to_dict(), num_labels=6))
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
    path = tmp_path / "tiny.ckpt"
    torch.save(ckpt, path)
    yield {"checkpoint": str(path), "base": str(base)}
    toxicity.clear_cache()


def test_audit_scores_with_detoxify_when_weights_are_local(tiny_checkpoint):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "text": [" ".join(rng.choice(WORDS, 6)) for _ in range(300)],
            "group": rng.choice(["a", "b"], 300),
        }
    )
    ticks = []
    report = run_audit(
        AuditSource(frame=frame),
        AuditConfig(
            text_col="text",
            sensitive=["group"],
            checks=("toxicity",),
            toxicity_checkpoint=tiny_checkpoint["checkpoint"],
            toxicity_base_model_dir=tiny_checkpoint["base"],
        ),
        progress=lambda f, m: ticks.append(m),
    )
    tox = report["toxicity"]
    assert tox["backend"].startswith("Detoxify") and not tox["is_fallback"]
    assert tox["scored_rows"] == 300 and tox["batch_size"] == 64
    assert 0.0 <= tox["mean"] <= 1.0
    assert sum(tox["histogram"]["counts"]) == 300
    assert {g: v["n"] for g, v in tox["by_group"]["group"].items()} == frame[
        "group"
    ].value_counts().to_dict()
    # Neural scoring reports progress between batches (so the job can be cancelled).
    assert sum("Scoring toxicity" in m for m in ticks) >= 300 // 64
    assert not any("fallback" in w for w in report["warnings"])
    assert tox["backend"] in " ".join(f["text"] for f in report["findings"])
