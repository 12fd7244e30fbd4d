"""Limits on every input a user controls, and work bounded to what is used (issue 15, 7).

Ranges live in pydantic models (AuditLimits, EvaluationLimits, TrainConfig, the card
title, the guard options), so the CLI and the pages print the same line. Before the fix
each of these was accepted silently (or took minutes and gigabytes).
"""

from __future__ import annotations

import json

import pytest

from backend.audit.config import AuditConfig
from backend.errors import StewardError
from tests.drills.support import in_process


def _csv(path, rows: int = 60):
    lines = ["text,label,group,pred"]
    lines += [
        f"comment {i} about the weather,{i % 2},{'AB'[i % 2]},{i % 3 % 2}" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--toxicity-max-rows", "-1", "rows to score for toxicity (--toxicity-max-rows)"),
        ("--min-ratio", "nan", "(--min-ratio): must be a number (not nan or infinity)"),
        ("--near-threshold", "inf", "(--near-threshold): must be a number"),
    ],
)
def test_audit_options_out_of_range(tmp_path, capsys, flag, value, message):
    data = _csv(tmp_path / "d.csv")
    out = in_process(capsys, "audit", data, "--text-col", "text", flag, value)
    line = out.assert_clean_error("Invalid audit setting", message)
    # The page builds the same AuditConfig and shows the same words.
    field = {"--toxicity-max-rows": "toxicity_max_rows", "--min-ratio": "min_ratio",
             "--near-threshold": "near_dup_threshold"}[flag]  # fmt: skip
    with pytest.raises(StewardError) as exc:
        AuditConfig(text_col="text", **{field: float(value)})
    assert f"error: {exc.value}" == line


def test_fairness_too_few_resamples(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv")
    out = in_process(capsys, "fairness", "--data", data, "--y-true", "label", "--y-pred", "pred",
                     "--sensitive", "group", "--n-boot", "10", "--no-save")  # fmt: skip
    out.assert_clean_error("bootstrap resamples (--n-boot)")


@pytest.mark.parametrize("flag", ["--threads", "--batch-size"])
def test_guard_counts_must_be_positive(capsys, flag):
    out = in_process(capsys, "guard", "--text", "hello", flag, "0")
    out.assert_clean_error(f"{flag}: Input should be greater than or equal to 1")


def test_huge_run_name_and_card_title(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text(json.dumps({"run_name": "r" * 500_000}), encoding="utf-8")
    out = in_process(capsys, "train", "--config", config)
    out.assert_clean_error("run_name: is 500,000 characters; at most 200 allowed")
    out = in_process(capsys, "card", "create", "--kind", "model", "--title", "t" * 100_000)
    out.assert_clean_error("The card title is 100,000 characters; at most 300 are allowed.")


def test_wide_csv_reads_only_the_named_columns(tmp_path, store):
    from backend.training.config import parse_config
    from backend.training.data import prepare_data

    width = 100_000
    path = tmp_path / "wide.csv"
    zeros = ",".join("0" for _ in range(width - 2))
    rows = [f"row number {i} is fine,{i % 2},{zeros}" for i in range(40)]
    header = "text,label," + ",".join(f"c{i}" for i in range(width - 2))
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    base = {"dataset_path": str(path), "text_column": "text", "label_column": "label"}
    data = prepare_data(
        parse_config({**base, "sensitive_columns": [], "split_column": None}), store
    )
    assert list(data.train.columns) == ["text", "label"] and len(data.train) + len(data.eval) == 40
    with pytest.raises(StewardError, match="has 100,000 columns"):
        prepare_data(parse_config(base), store)  # roles to infer from every column: refused
    with pytest.raises(StewardError, match="Label column 'nope' is not in the dataset"):
        prepare_data(parse_config({**base, "label_column": "nope", "sensitive_columns": []}), store)


def test_jsonl_line_over_the_cap_is_skipped_unread(tmp_path, capsys):
    path = tmp_path / "long.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(50):
            fh.write(json.dumps({"text": f"row {i} is short and fine", "label": i % 2}) + "\n")
        fh.write(json.dumps({"text": "x " * 2_500_000, "label": 1}) + "\n")  # a 5 MB line
        fh.write(json.dumps({"text": "the last row", "label": 0}) + "\n")
    out = in_process(capsys, "audit", path, "--text-col", "text", "--checks", "text_stats",
                     "--no-store", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["rows"] == 51 and report["malformed_rows"] == 1
    assert any("JSON lines over 1 MB, skipped unread" in w for w in report["warnings"])
