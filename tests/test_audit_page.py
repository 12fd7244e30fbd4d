"""The Dataset audit page under AppTest: run an audit as a job, read findings, compare."""

from __future__ import annotations

import time

from backend.datasets import ensure_demo_workspace

PAGE = "pages/dataset_audit.py"


def _wait_for_jobs(store, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not store.list_jobs(kind="audit", statuses=("queued", "running")):
            return
        time.sleep(0.2)
    raise AssertionError("audit job did not finish")


def test_empty_workspace_offers_demo(app_test, store):
    at = app_test(PAGE).run()
    assert not at.exception
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert store.summary().datasets == 1
    assert at.selectbox[0].value == store.list_datasets()[0].id


def test_run_audit_from_page_then_findings_tabs_and_compare(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "No audit of this dataset yet" in " ".join(i.value for i in at.info)
    # Inferred roles are preselected and can be overridden.
    assert at.selectbox(key="audit-1-text").value == "text"
    assert at.selectbox(key="audit-1-split").value == "split"
    assert set(at.multiselect(key="audit-1-sensitive").value) == {
        "gender", "age_group", "ethnicity", "religion"
    }  # fmt: skip
    at.multiselect(key="audit-1-sensitive").set_value(["gender", "ethnicity"])
    run = next(b for b in at.button if b.label == "Run audit")
    run.click().run()
    assert not at.exception, [e.value for e in at.exception]
    _wait_for_jobs(store)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (artifact,) = store.list_artifacts(kind="audit")
    assert artifact.dataset_id == 1
    assert artifact.content["columns"]["sensitive"] == ["gender", "ethnicity"]
    markdown = " ".join(m.value for m in at.markdown)
    assert "under-represented" in markdown and "non-binary" in markdown
    assert "contain personal data" in markdown
    assert "exact duplicates" in markdown
    tab_labels = [t.label for t in at.tabs]
    assert "Toxicity" in tab_labels and "Duplicates" in tab_labels
    # A second audit makes the comparison table appear.
    next(b for b in at.button if b.label == "Run audit").click().run()
    _wait_for_jobs(store)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(store.list_artifacts(kind="audit")) == 2
    frames = [df.value for df in at.dataframe]
    assert any("metric" in f.columns and "change" in f.columns for f in frames)


def test_non_text_column_shows_clear_error(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test(PAGE).run()
    at.selectbox(key="audit-1-text").set_value("id").run()
    next(b for b in at.button if b.label == "Run audit").click().run()
    _wait_for_jobs(store)
    at.run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "does not hold text" in errors
    assert store.list_artifacts(kind="audit") == []


def test_dataset_added_on_the_page_is_selected(app_test, store, settings, tmp_path):
    ensure_demo_workspace(store, settings)
    path = tmp_path / "mine.csv"
    path.write_text(
        "comment,sex\n"
        + "".join(f"a long enough comment number {i},{'fm'[i % 2]}\n" for i in range(40))
    )
    at = app_test(PAGE).run()
    at.text_input[0].set_value(str(path)).run()
    at.button(key="read-path").click().run()
    assert not at.exception and not at.error
    next(b for b in at.button if b.label == "Add dataset").click().run()
    assert not at.exception, [e.value for e in at.exception]
    new = max(d.id for d in store.list_datasets())
    assert at.selectbox[0].value == new
    assert at.selectbox(key=f"audit-{new}-text").value == "comment"
