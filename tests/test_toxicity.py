"""The shared toxicity scorer: real Detoxify loading code on a tiny local checkpoint, and the fallback."""

from __future__ import annotations

import numpy as np
import pytest

from backend.detectors import toxicity
from backend.errors import ConfigError
from backend.models import TextScorer
from tests.detoxify_fixture import build_tiny_detoxify


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("STEWARD_DETOXIFY_CHECKPOINT", raising=False)
    monkeypatch.delenv("STEWARD_DETOXIFY_BASE_DIR", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    toxicity.clear_cache()
    yield
    toxicity.clear_cache()


@pytest.fixture(scope="module")
def tiny_detoxify(tmp_path_factory):
    """A Detoxify-format checkpoint around a tiny BERT, plus its base-model directory."""
    return build_tiny_detoxify(tmp_path_factory.mktemp("tiny-detoxify"))


def _reference_scores(tiny, texts):
    import torch

    enc = tiny["tokenizer"](texts, return_tensors="pt", padding=True, truncation=True)
    with torch.no_grad():
        return torch.sigmoid(tiny["model"](**enc).logits)[:, 0].numpy()


def test_detoxify_checkpoint_path_loads_real_weights(tiny_detoxify):
    scorer = toxicity.load_toxicity_scorer(
        "original", checkpoint=tiny_detoxify["checkpoint"], base_model_dir=tiny_detoxify["base"]
    )
    assert isinstance(scorer, TextScorer)
    assert scorer.is_fallback is False
    assert scorer.backend_id == "detoxify-original"
    assert scorer.backend_name == "Detoxify (original)"
    assert scorer.fallback_reason is None
    assert toxicity.fallback_reason("original") is None
    # The base model's tokenizer was loaded from the local directory (real words, not [UNK]).
    assert scorer.tokenizer.unk_token_id not in scorer.tokenizer("you idiot")["input_ids"]
    texts = ["you are an idiot", "thanks for the help", "hello", "", "moron " * 400]
    scores = scorer.score(texts)
    assert scores.shape == (5,)
    assert scores.dtype == np.float64
    assert np.all((scores >= 0) & (scores <= 1))
    # The weights really came from the checkpoint: same outputs as the original model
    # (batching is length-sorted, so this also checks the order is restored).
    np.testing.assert_allclose(scores[:3], _reference_scores(tiny_detoxify, texts[:3]), atol=1e-5)
    assert scorer.score([]).shape == (0,)


def test_scorer_is_cached_per_process(tiny_detoxify):
    kwargs = {"checkpoint": tiny_detoxify["checkpoint"], "base_model_dir": tiny_detoxify["base"]}
    first = toxicity.load_toxicity_scorer("original", **kwargs)
    assert toxicity.load_toxicity_scorer("original", **kwargs) is first


def test_torch_hub_cache_is_found_without_network(tiny_detoxify, monkeypatch, tmp_path):
    hub = tmp_path / "torch-home" / "hub" / "checkpoints"
    hub.mkdir(parents=True)
    (hub / toxicity.DETOXIFY_FILES["unbiased"]).write_bytes(
        tiny_detoxify["checkpoint"].read_bytes()
    )
    scorer = toxicity.load_toxicity_scorer("unbiased", base_model_dir=tiny_detoxify["base"])
    assert scorer.backend_id == "detoxify-unbiased"
    assert not scorer.is_fallback


def test_env_vars_point_at_local_files(tiny_detoxify, monkeypatch):
    monkeypatch.setenv("STEWARD_DETOXIFY_CHECKPOINT", str(tiny_detoxify["checkpoint"]))
    monkeypatch.setenv("STEWARD_DETOXIFY_BASE_DIR", str(tiny_detoxify["base"]))
    assert toxicity.load_toxicity_scorer().backend_id == "detoxify-original"


def test_missing_weights_fall_back_with_reason():
    scorer = toxicity.load_toxicity_scorer("original")
    assert scorer.is_fallback is True
    assert scorer.backend_id == "profanity-check"
    assert "alt-profanity-check" in scorer.backend_name and "profanity" in scorer.backend_name
    assert "not cached" in scorer.fallback_reason
    assert toxicity.fallback_reason("original") == scorer.fallback_reason
    scores = scorer.score(["have a lovely day", "fuck you, you piece of shit"])
    assert scores.shape == (2,)
    assert scores[1] > 0.5 > scores[0]


def test_no_fallback_raises_clear_error():
    with pytest.raises(ConfigError, match="Detoxify weights not cached"):
        toxicity.load_toxicity_scorer("original", allow_fallback=False)


def test_unknown_variant_falls_back_with_reason():
    scorer = toxicity.load_toxicity_scorer("enormous")
    assert scorer.is_fallback and "unknown Detoxify variant" in scorer.fallback_reason


def test_base_model_missing_is_explained(tiny_detoxify, tmp_path):
    scorer = toxicity.load_toxicity_scorer(
        "original", checkpoint=tiny_detoxify["checkpoint"], base_model_dir=tmp_path / "nowhere"
    )
    assert scorer.is_fallback and "has no config.json" in scorer.fallback_reason


def test_pickled_objects_are_refused(tiny_detoxify, tmp_path):
    """A user-supplied checkpoint with arbitrary Python objects is never unpickled."""
    import torch

    evil = dict(tiny_detoxify["ckpt"])
    evil["extra"] = _Opaque()
    path = tmp_path / "evil.ckpt"
    torch.save(evil, path)
    with pytest.raises(ConfigError, match="cannot be loaded safely"):
        toxicity.load_toxicity_scorer(
            "original", checkpoint=path, base_model_dir=tiny_detoxify["base"], allow_fallback=False
        )


def test_not_a_checkpoint(tmp_path, tiny_detoxify):
    path = tmp_path / "garbage.ckpt"
    path.write_bytes(b"not a checkpoint at all")
    scorer = toxicity.load_toxicity_scorer(
        "original", checkpoint=path, base_model_dir=tiny_detoxify["base"]
    )
    assert scorer.is_fallback and "garbage.ckpt" in scorer.fallback_reason


def test_mismatched_weights_are_refused(tiny_detoxify, tmp_path):
    import torch

    ckpt = dict(tiny_detoxify["ckpt"])
    ckpt["state_dict"] = {k: v for k, v in ckpt["state_dict"].items() if "classifier" not in k}
    path = tmp_path / "partial.ckpt"
    torch.save(ckpt, path)
    scorer = toxicity.load_toxicity_scorer(
        "original", checkpoint=path, base_model_dir=tiny_detoxify["base"]
    )
    assert scorer.is_fallback and "do not match" in scorer.fallback_reason


class _Opaque:
    """A class torch's weights-only unpickler does not know."""


def test_guardrail_scanner_on_detoxify_marks_sentences(tiny_detoxify):
    from backend.guardrails.scanners.toxicity import ToxicityScanner

    scorer = toxicity.load_toxicity_scorer(
        "original", checkpoint=tiny_detoxify["checkpoint"], base_model_dir=tiny_detoxify["base"]
    )
    text = "hello world. you are an idiot!"
    result = ToxicityScanner(threshold=0.0, scorer=scorer).scan(text)
    assert result.backend == "Detoxify (original)" and result.flagged
    assert not any("fallback" in n for n in result.notes)
    # Threshold 0 flags every sentence: spans are sentences labelled "toxic", not words.
    assert [text[s.start : s.end] for s in result.spans] == ["hello world.", "you are an idiot!"]
    assert all(s.label == "toxic" for s in result.spans)
    strict = ToxicityScanner(threshold=1.0, scorer=scorer).scan(text)
    assert not strict.flagged and strict.spans == []
