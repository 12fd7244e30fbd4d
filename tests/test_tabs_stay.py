"""Tabs stay where the user was after an action inside them (AppTest side).

The real-browser side of the same promise is in ``tests/test_e2e_browser.py`` (the audit and
fairness flows).
"""

from __future__ import annotations

from streamlit.testing.v1.element_tree import Block

from backend.audit.config import AuditConfig
from backend.audit.runner import audit_dataset
from backend.datasets import ensure_demo_workspace


def open_tab(at, labels_include: str) -> str:
    """The label of the tab the server tells the browser to show, in the tab set that
    holds a tab labelled ``labels_include`` (``default_tab_index`` of its container)."""

    def walk(node):
        proto = node.proto if isinstance(node, Block) else None
        fields = {f.name: v for f, v in proto.ListFields()} if proto is not None else {}
        if "tab_container" in fields:
            labels = [child.label for child in node.children.values()]
            if labels_include in labels:
                return labels[fields["tab_container"].default_tab_index]
        for child in getattr(node, "children", {}).values():
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(at.main)


def test_prepare_anonymised_csv_keeps_the_pii_tab(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    audit_dataset(store, 1, AuditConfig(text_col="text", label_col="label", sensitive=["gender"]))
    at = app_test("pages/dataset_audit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert {"Representation", "Label skew", "PII"} <= {t.label for t in at.tabs}
    assert open_tab(at, "PII") == "Representation"
    at.session_state["audit-report-tab"] = "PII"  # the user opened the PII tab
    at.run()
    assert open_tab(at, "PII") == "PII"
    prepare = next(b for b in at.button if b.label == "Prepare anonymised CSV")
    prepare.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["audit-report-tab"] == "PII"
    assert open_tab(at, "PII") == "PII"  # the browser is told to keep showing PII
    pii_tab = next(t for t in at.tabs if t.label == "PII")
    assert any("rows redacted" in c.value for c in pii_tab.caption)


def test_a_label_that_no_longer_exists_falls_back_to_the_first_tab(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test("pages/guardrails.py", timeout=120)
    at.session_state["gr_tab"] = "A tab from an older version"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert open_tab(at, "Policy") == "Playground"
    at.session_state["gr_tab"] = "Policy"
    at.run()
    assert open_tab(at, "Policy") == "Policy"


def test_tables_never_show_the_text_none():
    import pandas as pd

    from components.formatting import EMPTY_CELL, tidy_frame

    frame = pd.DataFrame(
        {
            "name": ["a", None],
            "count": [1.0, None],
            "kind": pd.Categorical(["x", None]),
            "note": pd.Series(["n", None], dtype="string"),
        }
    )
    shown = tidy_frame(frame)
    assert shown["name"].tolist() == ["a", EMPTY_CELL]
    assert shown["kind"].tolist() == ["x", EMPTY_CELL]
    assert shown["note"].tolist() == ["n", EMPTY_CELL]
    assert shown["count"].dtype.kind == "f" and pd.isna(shown["count"][1])  # empty, sortable
    assert tidy_frame([{"a": None}])["a"].tolist() == [EMPTY_CELL]
    assert frame["name"].isna().tolist() == [False, True]  # the caller's frame is untouched


def test_audit_reports_table_shows_no_none(app_test, store, settings):
    """A stored report without a PII or duplicates section: its cells read "–"."""
    ensure_demo_workspace(store, settings)
    store.save_artifact(kind="audit", name="Audit of x", dataset_id=1, content={"rows": 5})
    at = app_test("pages/dataset_audit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(df.value for df in at.dataframe if "PII rows" in df.value.columns)
    assert table["report"].tolist() == ["Audit #1 of x"]
    assert "None" not in table.astype(str).to_numpy().ravel().tolist()
    # Numeric cells keep NaN (sortable); the grid draws them with the "–" placeholder.
    from components.formatting import EMPTY_CELL

    assert [df.proto.placeholder for df in at.dataframe] == [EMPTY_CELL] * len(at.dataframe)


def test_every_table_goes_through_show_table():
    """Pages and components draw tables only through components.formatting.show_table, so no
    table anywhere can show the text "None" for an empty cell."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("pages", "components")
        for path in sorted((root / folder).glob("*.py"))
        if path.name != "formatting.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bst\.(dataframe|table)\(", line)
    ]
    assert offenders == []
