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
    next(b for b in at.button if b.label == "Create demo workspace").click().run()
    assert store.summary().datasets == 1


def test_home_add_dataset_by_path_with_role_override(app_test, store, tmp_path):
    import pandas as pd

    csv = tmp_path / "mine.csv"
    pd.DataFrame(
        {
            "comment": ["a long enough comment", "another long comment"],
            "y": [0, 1],
            "sex": ["f", "m"],
        }
    ).to_csv(csv, index=False)
    at = app_test("pages/home.py").run()
    at.text_input[0].set_value(str(csv)).run()
    at.button(key="read-path").click().run()
    assert not at.exception and not at.error
    assert at.selectbox[1].value == "y"  # inferred label
    at.selectbox[1].set_value("(none)")  # user override
    at.multiselect[0].set_value(["sex"])
    at.button[-1].click().run()
    assert not at.exception, [e.value for e in at.exception]
    (ds,) = store.list_datasets()
    assert ds.roles == {"text": "comment", "label": None, "sensitive": ["sex"], "label_names": {}}


def test_home_add_dataset_names_its_labels_once(app_test, store, tmp_path):
    """The label meanings typed at registration are stored with the dataset; a value that
    does not occur in the label column is refused with one line."""
    import pandas as pd

    csv = tmp_path / "mine.csv"
    frame = pd.DataFrame(
        {"comment": ["a long enough comment", "another long comment"], "y": [0, 1]}
    )
    frame.to_csv(csv, index=False)
    at = app_test("pages/home.py").run()
    at.text_input[0].set_value(str(csv)).run()
    at.button(key="read-path").click().run()
    at.text_input(key="add-dataset-label-names").set_value("1=toxic, 7=unknown")
    at.button[-1].click().run()
    assert any("Label value(s) 7 do not occur in column 'y'" in e.value for e in at.error)
    assert store.list_datasets() == []
    at.text_input(key="add-dataset-label-names").set_value("1=toxic, 0=not toxic")
    at.button[-1].click().run()
    assert not at.exception, [e.value for e in at.exception]
    (ds,) = store.list_datasets()
    assert ds.roles["label_names"] == {"1": "toxic", "0": "not toxic"}


def test_home_add_dataset_bad_file_shows_error(app_test, store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"text,label\nok,1\nx,y,z\n")
    at = app_test("pages/home.py").run()
    at.text_input[0].set_value(str(bad)).run()
    at.button(key="read-path").click().run()
    assert not at.exception
    assert "line 3 has 3 field(s)" in at.error[0].value
    assert store.list_datasets() == []


def test_home_shows_job_status_progress_and_errors(app_test, store):
    import os

    running = store.create_job(
        kind="audit", name="audit demo", status="running", owner_pid=os.getpid()
    )
    store.update_job(running.id, progress=0.4, message="chunk 2 of 5")
    failed = store.create_job(kind="train", name="bad run", status="failed")
    store.update_job(
        failed.id, error="Worker exited with code 137 (killed, probably out of memory)"
    )
    at = app_test("pages/home.py").run()
    assert not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    assert "audit demo" in markdown and "bad run" in markdown
    captions = " ".join(c.value for c in at.caption)
    assert "Error: Worker exited with code 137" in captions
