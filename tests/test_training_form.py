"""The fine-tune form: the demo story's settings can be picked in it, and only its button
starts a run (Enter in a number field does not; checked in a real browser in
tests/test_demo_story_browser.py)."""

from __future__ import annotations

from backend.datasets import ensure_demo_workspace
from backend.demo_story import demo_train_config
from backend.jobs import JobManager

PAGE = "pages/finetune_monitor.py"


def test_demo_settings_fill_the_form_and_start_the_demo_run(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    # the form's starting values: a full fine-tune at a full fine-tuning rate
    assert at.number_input(key="ft_lr").value == 5e-5 and not at.checkbox(key="ft_lora").value
    assert "LoRA" in at.number_input(key="ft_lr").help

    next(b for b in at.button if b.key == "ft_use_demo").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    cfg = demo_train_config()
    assert at.checkbox(key="ft_lora").value is True
    assert at.number_input(key="ft_lr").value == cfg.learning_rate == 0.003
    assert at.number_input(key="ft_lora_r").value == cfg.lora.r
    assert at.number_input(key="ft_max_train").value == cfg.max_train_samples
    assert at.selectbox(key="ft_rw_mode").value == "balanced_sampling"
    assert at.selectbox(key="ft_rw_col").value == "label"
    assert any("Filled in the demo story's settings" in c.value for c in at.caption)
    assert not at.warning  # no "widget created with a default value" clash

    next(b for b in at.button if b.label == "Check and start").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    jobs = store.list_jobs(kind="train")
    assert len(jobs) == 1
    params = jobs[0].params
    manager = JobManager(store)
    manager.cancel(jobs[0].id, grace_s=1.0)  # only the settings matter here
    for key in ("learning_rate", "epochs", "batch_size", "max_length", "max_train_samples"):
        assert params[key] == getattr(cfg, key), key
    assert params["max_eval_samples"] == cfg.max_eval_samples
    assert params["lora"]["enabled"] and params["lora"]["r"] == cfg.lora.r
    assert params["lora"]["alpha"] == cfg.lora.alpha
    assert params["reweighting"]["mode"] == "balanced_sampling"
    assert params["reweighting"]["column"] == "label"
    assert params["run_name"] == cfg.run_name
    assert any(s.value.startswith("Started Run #1 · demo story") for s in at.success)


def test_low_learning_rate_for_lora_is_warned_before_the_run(store, settings):
    from backend.training.config import parse_config
    from backend.training.preflight import preflight

    ensure_demo_workspace(store, settings)
    plan = preflight(parse_config({"lora": {"enabled": True}, "learning_rate": 5e-5}), store)
    assert any("low for LoRA" in w and "1e-3 to 3e-3" in w for w in plan.warnings)
    plan = preflight(parse_config({"lora": {"enabled": True}, "learning_rate": 3e-3}), store)
    assert not any("low for LoRA" in w for w in plan.warnings)
