"""Numbers and names that agree: label meanings set once, PII counts that add up."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from backend.audit import AuditConfig, audit_dataset
from backend.audit.findings import pii_summary
from backend.cli import main
from backend.column_roles import ColumnRoles, label_name, parse_label_names
from backend.datasets import ensure_demo_workspace
from backend.errors import DatasetError


def test_label_meanings_parse_once_with_clear_errors():
    assert parse_label_names("1=toxic, 0=not toxic") == {"1": "toxic", "0": "not toxic"}
    assert parse_label_names({1.0: "toxic"}) == {"1": "toxic"}
    assert parse_label_names("") == {}
    for bad, message in (
        ("toxic", "value=meaning"),
        ("1=", "needs both"),
        ("1=a, 1=b", "two meanings"),
    ):
        with pytest.raises(DatasetError, match=message):
            parse_label_names(bad)
    assert label_name({"1": "toxic"}, 1) == "toxic (label 1)"
    assert label_name({}, "1") == "label '1'"
    roles = ColumnRoles.from_dict({"text": "t", "label": "y", "label_names": {"1": "toxic"}})
    assert roles.label_name(1.0) == "toxic (label 1)"


def test_demo_audit_names_its_labels_and_its_pii_counts_add_up(store, settings):
    dataset = ensure_demo_workspace(store, settings)
    assert ColumnRoles.from_dict(dataset.roles).label_names == {"0": "not toxic", "1": "toxic"}
    config = AuditConfig(
        text_col="text",
        label_col="label",
        sensitive=["ethnicity"],
        checks=("label_skew", "pii", "association"),
    )
    report = audit_dataset(store, dataset.id, config).content
    texts = [f["text"] for f in report["findings"]]
    assert not any("Label '1'" in t for t in texts), texts
    assert any(t.startswith("Toxic (label 1) rate differs by ethnicity") for t in texts), texts

    pii = report["pii"]
    sentence = next(t for t in texts if "contain personal data" in t)
    assert sentence == pii_summary(pii)
    listed = re.search(r"\(([^()]*)\)", sentence.split("findings of")[1]).group(1)
    numbers = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) [a-zA-Z]", listed)]
    total = int(re.search(r"([\d,]+) findings", sentence).group(1).replace(",", ""))
    # every type is listed, the listed numbers add up to the findings total, and the chart
    # (rows per type) shows the same types with the same numbers
    assert len(numbers) == sum(1 for c in pii["rows_by_type"].values() if c)
    assert sum(numbers) == total == sum(pii["rows_by_type"].values())
    assert sentence.startswith(f"{pii['rows_with_pii']:,} rows")
    assert total >= pii["rows_with_pii"]


def test_cli_registers_label_meanings_with_the_dataset(tmp_path, capsys, store):
    path = tmp_path / "mine.csv"
    pd.DataFrame({"text": [f"comment number {i}" for i in range(40)], "y": [0, 1] * 20}).to_csv(
        path, index=False
    )
    args = ["audit", str(path), "--text-col", "text", "--label-col", "y", "--json"]
    assert main([*args, "--label-names", "1=spam,0=fine"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dataset"]["label_names"] == {"1": "spam", "0": "fine"}
    (ds,) = store.list_datasets()
    assert ds.roles["label_names"] == {"1": "spam", "0": "fine"}
    # a second audit without the flag keeps the meanings
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["dataset"]["label_names"] == {
        "1": "spam",
        "0": "fine",
    }
    assert main([*args, "--label-names", "spam"]) == 2
    assert "value=meaning" in capsys.readouterr().err


def test_home_names_the_demo_labels(app_test, store, settings):
    ensure_demo_workspace(store, settings)
    at = app_test("pages/home.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(df.value for df in at.dataframe if "label" in df.value.columns)
    assert table["label"].tolist() == ["label (0 = not toxic, 1 = toxic)"]


def test_fairness_page_targets_the_flagged_gap_and_says_when_a_gap_got_worse(
    app_test, store, settings
):
    """The demo evaluation's flagged gap is the FNR gap for ethnicity: the mitigation form
    preselects that column and false-negative-rate parity. A stored demographic-parity
    mitigation that widened both gaps is shown with a plain warning."""
    from backend.fairness.evaluation import demo_request, evaluate, save_evaluation
    from backend.fairness.mitigation import MitigationRequest, run_mitigation
    from backend.fairness.tasks import JOB_KIND

    ensure_demo_workspace(store, settings)
    art, _ = save_evaluation(store, evaluate(demo_request(settings, n_boot=200)))
    req = demo_request(settings)
    report = run_mitigation(
        MitigationRequest(
            frame=req.frame,
            y_true=req.y_true,
            y_pred=req.y_pred,
            y_score=req.y_score,
            text_col=req.text_col,
            pos_label=req.pos_label,
            column="ethnicity",
            constraint="demographic_parity",
            eps_grid=(0.02,),
            n_boot=100,
            source=req.source,
        ),
        settings=settings,
    ).report
    report.update(evaluation_id=art.id, model_key=None)
    store.create_job(
        kind=JOB_KIND,
        name="Mitigation: demographic_parity on ethnicity",
        status="succeeded",
        params={"task": "mitigation", "evaluation_id": art.id},
        result=report,
    )
    at = app_test("pages/fairness.py", timeout=120)
    at.session_state["fair_tab"] = "Mitigation"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    constraint = next(s for s in at.selectbox if s.label == "Constraint")
    column = next(s for s in at.selectbox if s.label == "Sensitive column")
    assert (column.value, constraint.value) == ("ethnicity", "true_positive_rate_parity")
    warnings = " ".join(w.value for w in at.warning)
    assert "This mitigation made a gap worse" in warnings
    assert "ThresholdOptimizer made the demographic-parity gap (0.137 → 0.144)" in warnings
