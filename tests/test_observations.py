"""The leaf Observation type and the store's one after-write hook."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import backend.store as store_mod
from backend.observations import Observation, finite_number


@pytest.fixture
def heard(monkeypatch):
    """Listen to the store's hook (only this test's listener)."""
    events = []
    monkeypatch.setattr(store_mod, "_after_write", [])
    store_mod.on_write(events.append)
    store_mod.on_write(events.append)  # subscribing twice still calls once
    return events


def test_observation_words_and_record():
    ob = Observation("bias_disparity", 0.2, context={"part": "sex/dp", "what": "Gap for sex"})
    assert (ob.part, ob.what, ob.record) == ("sex/dp", "Gap for sex", "")
    assert ob.with_record("evaluated:abc").record == "evaluated:abc"
    assert ob.with_record("evaluated:abc").with_record("other").record == "evaluated:abc"
    assert hash(Observation("m", 1.0)) == hash(Observation("m", 1.0, context={"what": "x"}))


def test_finite_number():
    assert finite_number(np.float32(0.5)) == 0.5
    assert finite_number(np.int64(3)) == 3.0
    assert finite_number(" 0.3") == 0.3  # a number written as text (stored JSON, CSV)
    for bad in (True, np.bool_(False), None, pd.NA, "", "n/a", "inf", math.nan, math.inf):
        assert finite_number(bad) is None
    # A label column reads True/False as 1/0 (the audit's binarised labels).
    assert finite_number(True, booleans=True) == 1.0
    assert finite_number(np.bool_(False), booleans=True) == 0.0
    assert finite_number(math.inf, booleans=True) is None


def test_hook_hears_artifacts_metrics_jobs_and_observations(store, heard):
    job = store.create_job(kind="train", name="r")
    ob = Observation("dataset_toxic_share", 0.4, "dataset:1")
    art = store.save_artifact(kind="audit", content={"a": 1}, observations=[ob])
    store.add_metrics(job.id, 3, {"loss": 1.5, "epsilon": 2.0, "skip": None})
    store.update_job(job.id, status="succeeded")
    store.observe([Observation("toxicity", 0.9, "text:ab")], source_kind="guardrail")
    store.observe([], source_kind="guardrail")  # nothing measured: nobody is called
    assert [e.kind for e in heard] == ["artifact", "metrics", "job", "observations"]
    assert heard[0].artifact.id == art.id and heard[0].observations == (ob,)
    assert [(o.metric, o.value, o.record) for o in heard[1].observations] == [
        ("loss", 1.5, f"run:{job.id}"),
        ("epsilon", 2.0, f"run:{job.id}"),
    ]
    assert heard[2].changes == {"status": "succeeded"} and heard[2].record_id == job.id
    assert heard[3].source_kind == "guardrail"


def test_a_failing_listener_never_undoes_the_write(store, heard, caplog):
    def broken(_event):
        raise RuntimeError("listener bug")

    store_mod.on_write(broken)
    art = store.save_artifact(kind="audit", content={"a": 1})
    assert store.get_artifact(art.id) is not None
    assert len(heard) == 1 and "listener bug" in caplog.text
