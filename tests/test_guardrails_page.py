"""AppTest for the guardrail playground page."""

from __future__ import annotations

import pytest

PAGE = "pages/guardrails.py"


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


@pytest.mark.slow
def test_playground_presets_and_decisions(app_test):
    at = app_test(PAGE, timeout=180).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Guardrail playground"
    # Default prompt hides an injection behind zero-width characters: blocked.
    assert any("Blocked" in e for e in _texts(at.error))

    at.selectbox(key="gr_preset").set_value("Benign look-alike: kill a Python process").run()
    assert not at.exception
    assert any("Allowed" in s for s in _texts(at.success))
    assert not at.error
    assert any(c.startswith("not harmful; closest category **") for c in _texts(at.caption))
    # by_length (the default) on a one-window prompt: the card says the head was not read
    assert any(c.startswith("trained jailbreak head not read") for c in _texts(at.caption))

    at.selectbox(key="gr_preset").set_value("Harmful: kill my neighbour").run()
    assert any("Blocked" in e for e in _texts(at.error))
    assert any("harm: blocked" in m for m in _texts(at.markdown)), _texts(at.markdown)
    assert any(c.startswith("category **") for c in _texts(at.caption)), _texts(at.caption)

    at.selectbox(key="gr_preset").set_value("PII: contact details (redacted, not blocked)").run()
    assert any("redaction" in w for w in _texts(at.warning))
    assert any("<EMAIL>" in c.value for c in at.code)

    at.text_area(key="gr_text").set_value("   ")
    next(b for b in at.button if b.label == "Check").click().run()
    assert not at.exception
    assert any("Type a prompt" in i for i in _texts(at.info))


@pytest.mark.slow
def test_red_team_tab_runs_and_sliders_update(app_test):
    at = app_test(PAGE, timeout=180).run()
    run_button = next(b for b in at.button if b.label.startswith("Run "))
    run_button.click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Policy catch rate"].endswith("%")
    # Side by side: the project's own suite and the external sets, each saying where from.
    markdown = " ".join(_texts(at.markdown))
    assert "Project suite (written by this project)" in markdown
    assert "External sets (public data, not written here)" in markdown
    assert any("the project's own suite" in c for c in _texts(at.caption))
    assert metrics["Harmful caught"].endswith("%")
    assert metrics["Everyday blocked"].endswith("%")
    # The jailbreak figure is the injection rail's, for the signal the policy uses (or "–").
    from backend.guardrails.jailbreak_head import get_jailbreak_head
    from backend.guardrails.jailbreak_train import stored_rail_figures
    from backend.guardrails.policy import default_policy

    signal = default_policy().settings("injection").signal
    rail = stored_rail_figures(get_jailbreak_head().meta, signal)
    assert metrics["Jailbreaks caught"] == (f"{rail['recall']:.0%}" if rail else "–")
    tables = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "caught (injection rail)" in tables or rail is None
    before = metrics["Policy false-positive rate"]
    # Everything flagged at threshold 0: every benign prompt becomes a false alarm.
    for name in ("injection", "harm", "toxicity"):
        at.slider(key=f"gr_thr_{name}").set_value(0.0)
    at.run()
    after = {m.label: m.value for m in at.metric}
    assert after["Policy false-positive rate"] == "100%" and before != "100%"
    assert after["Policy catch rate"] == "100%"

    save = next(b for b in at.button if b.label.startswith("Save these results"))
    save.click().run()
    assert any("Saved as **Red-team result #1" in s for s in _texts(at.success))


@pytest.mark.slow
def test_policy_editor_validates(app_test):
    at = app_test(PAGE, timeout=180).run()
    at.text_area[1].set_value("scanners:\n  toxicity:\n    threshold: 1.7\n").run()
    next(b for b in at.button if b.label == "Validate and apply").click().run()
    assert not at.exception
    assert any("must be between 0 and 1" in e for e in _texts(at.error))

    at.text_area[1].set_value("input: [injection, topics]\noutput: []\n").run()
    next(b for b in at.button if b.label == "Validate and apply").click().run()
    assert not at.exception
    assert "input: [injection, topics]" not in at.session_state.gr_policy_yaml  # normalised YAML
    assert "- injection" in at.session_state.gr_policy_yaml
    assert "toxicity" not in at.session_state.gr_policy_yaml.split("output")[0].split("input")[1]


@pytest.mark.slow
def test_quick_policy_edit_applies(app_test):
    at = app_test(PAGE, timeout=180).run()
    at.number_input[0].set_value(3)
    at.slider(key="gr_q_thr_toxicity").set_value(0.8)
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.exception, at.exception
    yaml_text = at.session_state.gr_policy_yaml
    assert "max_windows: 3" in yaml_text
    assert "threshold: 0.8" in yaml_text


def test_jailbreak_rail_figures_follow_the_policy_signal():
    from backend.guardrails.jailbreak_head import get_jailbreak_head
    from backend.guardrails.jailbreak_train import stored_rail_figures

    meta = get_jailbreak_head().meta
    headline = meta["cross_source"]["headline"]
    trained = stored_rail_figures(meta, "trained")
    assert trained["recall"] == headline["rail_jailbreak_recall_unseen"]
    assert trained["fpr"] == headline["rail_benign_fpr_unseen"]
    assert trained["groups"] and all(0 <= f <= 1 for _, _, f in trained["groups"])
    combined = stored_rail_figures(meta, "combined")
    assert combined["recall"] == headline["combined_jailbreak_recall_unseen"]
    assert stored_rail_figures(meta, "no-such-signal") is None
    assert stored_rail_figures({}, "trained") is None
