"""The audit's toxicity check through the real Detoxify loading path (tiny local checkpoint)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backend.audit import AuditConfig, AuditSource, run_audit
from backend.detectors import toxicity
from tests.detoxify_fixture import build_tiny_detoxify

WORDS = ["you", "are", "a", "nice", "idiot", "stupid", "hello", "world", "thanks", "moron"]


@pytest.fixture
def tiny_checkpoint(tmp_path, monkeypatch):
    """A Detoxify-format checkpoint (Lightning ``model.`` prefix) around a tiny BERT."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    toxicity.clear_cache()
    tiny = build_tiny_detoxify(tmp_path / "tiny-detoxify")
    yield {"checkpoint": str(tiny["checkpoint"]), "base": str(tiny["base"])}
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
