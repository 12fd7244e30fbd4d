"""Every page renders under AppTest without an exception."""

import pytest

from backend.datasets import ensure_demo_workspace

PAGES = [
    "pages/home.py",
    "pages/dataset_audit.py",
    "pages/finetune_monitor.py",
    "pages/fairness.py",
    "pages/guardrails.py",
    "pages/cards.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_demo_workspace(page, app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, f"{page} has no title"


def test_home_lists_demo_dataset(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test("pages/home.py").run()
    frames = [df.value for df in at.dataframe]
    assert any("Demo: synthetic user comments" in set(f["name"]) for f in frames)
    assert [m.value for m in at.metric][0] == "1"


def test_home_offers_demo_when_empty(app_test, store):
    at = app_test("pages/home.py").run()
    assert not at.exception
    at.button[0].click().run()
    assert store.summary().datasets == 1
