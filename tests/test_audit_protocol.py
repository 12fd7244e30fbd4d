"""The audit check protocol: registry, order-independent merges, pickling, spilling."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backend.audit import AuditConfig, AuditSource, run_audit
from backend.audit.config import CHECKS
from backend.audit.duplicates import DuplicatesCheck
from backend.audit.protocol import AuditCheck, AuditPlan, ReportContext, Section
from backend.audit.registry import check_classes, report_context, report_observations
from backend.audit.runner import assemble_report, build_checks
from backend.audit.source import canonical_batch
from backend.demo_data import generate_demo_dataset

ROOT = Path(__file__).resolve().parents[1]
SENSITIVE = ["gender", "age_group", "ethnicity", "religion"]
NON_NEURAL = tuple(c for c in CHECKS if c != "toxicity")


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return generate_demo_dataset(3000, seed=11)


def _config(**kw) -> AuditConfig:
    base = dict(
        text_col="text", label_col="label", sensitive=SENSITIVE, split_col="split",
        checks=NON_NEURAL, association_max_rows=2000,
    )  # fmt: skip
    base.update(kw)
    return AuditConfig(**base)


def _batches(frame: pd.DataFrame, config: AuditConfig, size: int) -> list:
    return [
        canonical_batch(
            frame.iloc[lo : lo + size].astype(object),
            text_col=config.text_col,
            label_col=config.label_col,
            sensitive=config.sensitive,
            start_row=lo,
            partition=frame["split"].iloc[lo : lo + size].to_numpy(dtype=object),
        )
        for lo in range(0, len(frame), size)
    ]


def test_registry_lists_every_check_with_the_protocol():
    classes = check_classes()
    assert tuple(c.name for c in classes) == CHECKS
    for cls in classes:
        assert issubclass(cls, AuditCheck) and issubclass(cls.section_model, Section)
        assert cls.label and cls.label[0].isupper()
        for method in ("from_config", "update", "merge", "result"):
            assert getattr(cls, method) is not getattr(AuditCheck, method), (cls.name, method)


def test_no_module_outside_the_checks_names_a_check():
    """The runner, findings, page, tabs and compare iterate the registry: none of them
    spells a check's name (alerts and cards ask the registry too, see their tests)."""
    files = [
        "backend/audit/runner.py",
        "backend/audit/findings.py",
        "backend/audit/compare.py",
        "pages/dataset_audit.py",
        "components/audit_views.py",
    ]
    for path in files:
        text = (ROOT / path).read_text()
        for name in CHECKS:
            assert not re.search(rf"[\"']{name}[\"']", text), (path, name)


def test_partial_states_merge_in_any_order_and_pickle(demo):
    config = _config()
    plan = AuditPlan()
    batches = _batches(demo, config, 700)
    whole, _ = build_checks(config, plan)
    for batch in batches:
        for check in whole.values():
            check.update(batch)
    expected, _ = assemble_report(checks=whole, config=config, rows=len(demo), dataset=None)

    parts = []
    for batch in batches:
        checks, _ = build_checks(config, plan)
        for check in checks.values():
            check.update(batch)
        parts.append(pickle.loads(pickle.dumps(checks)))  # as Ray ships them
    for order in ([4, 2, 0, 3, 1], [1, 0, 4, 3, 2]):
        merged = parts[order[0]]
        merged = {name: pickle.loads(pickle.dumps(c)) for name, c in merged.items()}
        for i in order[1:]:
            for name, check in merged.items():
                check.merge(pickle.loads(pickle.dumps(parts[i][name])))
        got, _ = assemble_report(checks=merged, config=config, rows=len(demo), dataset=None)
        assert got == expected


def test_spilled_duplicate_state_gives_the_same_section(demo):
    batches = _batches(demo, _config(), 500)
    small, big = DuplicatesCheck(spill_bytes=50_000), DuplicatesCheck()
    for batch in batches:
        small.update(batch)
        big.update(batch)
    assert small._spill is not None and big._spill is None
    spill_dir = small._spill.dir
    try:
        assert small.result() == big.result()
    finally:
        small.close()
    assert not spill_dir.exists()


def test_observations_come_from_the_checks(demo):
    report = run_audit(AuditSource(frame=demo), _config(checks=("representation", "pii")))
    relaxed = {o.metric for o in report_observations(report, expect_no_pii=False)}
    strict = {o.metric: o for o in report_observations(report, expect_no_pii=True)}
    assert relaxed == {"dataset_underrepresented_groups", "dataset_min_group_share"}
    assert strict["dataset_pii_rows"].value == report["pii"]["rows_with_pii"] > 0
    shares = {
        f"{col}={g}": v["share"] for col, groups in report["representation"].items()
        for g, v in groups.items()
    }  # fmt: skip
    smallest = strict["dataset_min_group_share"]
    assert smallest.value == min(shares.values()) == shares[smallest.part]


def test_stored_report_sections_load_back_typed(demo):
    report = run_audit(AuditSource(frame=demo), _config())
    context = ReportContext(config=_config())
    for cls in check_classes():
        section = cls.from_report(report)
        if cls.name == "toxicity":
            assert section is None
            continue
        assert isinstance(section, cls.section_model)
        assert cls.to_report(section) == {k: report[k] for k in cls.to_report(section)}
        assert cls.findings(section, context) or cls.name in ("association",)
    assert np.isclose(report["duplicates"]["candidate_probability"], 0.952, atol=0.001)
    # Card lines come from the checks too, read from the stored report.
    context = report_context(report)
    cards = {
        kind: {
            (f.section, f.key): f.text
            for cls, section in ((c, context.sections.get(c.name)) for c in check_classes())
            if section is not None
            for f in cls.card_fields(section, context, kind)
        }
        for kind in ("model", "data")
    }
    assert set(cards["model"]) == {
        ("factors_and_training_data", "relevant_factors"),
        ("ethical_considerations", "sensitive_data"),
    }
    data = cards["data"]
    assert set(data) == {
        ("demographic_coverage", "representation"),
        ("demographic_coverage", "underrepresented"),
        ("personal_and_sensitive_information", "pii_found"),
        ("construction_and_sources", "duplicates"),
        ("annotations", "label_rate"),
    }
    pii_rows = report["pii"]["rows_with_pii"]
    assert (
        f"found PII in {pii_rows:,} rows"
        in data[("personal_and_sensitive_information", "pii_found")]
    )
    assert (
        f"{report['duplicates']['exact_rows']:,} exact duplicate rows"
        in data[("construction_and_sources", "duplicates")]
    )
    flagged = report["representation_summary"]["flagged"]
    assert len(data[("demographic_coverage", "underrepresented")].splitlines()) == len(flagged)
    checklist = {
        s.item: s.status
        for cls in check_classes()
        if cls.name in context.sections
        for s in cls.card_checklist(context.sections[cls.name], context)
    }
    assert checklist == {"pii_removed": "attention", "bias_assessment": "in_progress"}


def test_cancelled_audit_leaves_no_spill_files(demo, tmp_path, monkeypatch):
    """A job cancelled mid-stream (its progress callback raises) removes the spill folder."""
    import tempfile

    from backend.audit import duplicates

    monkeypatch.setattr(duplicates, "SPILL_BYTES", 20_000)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    class Cancelled(Exception):
        pass

    def progress(fraction, message):
        if fraction > 0.5:
            assert list(tmp_path.glob("steward-dups-*")), "the state spilled before cancelling"
            raise Cancelled

    with pytest.raises(Cancelled):
        run_audit(
            AuditSource(frame=demo),
            AuditConfig(text_col="text", checks=("duplicates",), chunk_rows=300),
            progress=progress,
        )
    assert not list(tmp_path.glob("steward-dups-*"))


def test_concurrent_check_runs_on_a_second_thread_with_the_same_report(demo, monkeypatch):
    """The local engine updates a ``concurrent`` check (duplicates) on a thread of its own
    while the others update on the caller's: the report is the one of updating every check
    in turn, and an error raised on that thread reaches the caller."""
    import threading

    from backend.audit.ray_engine import report_differences

    config = AuditConfig(text_col="text", checks=("duplicates", "text_stats"), chunk_rows=700)
    threads: set[str] = set()
    update = DuplicatesCheck.update

    def traced(self, batch):
        threads.add(threading.current_thread().name)
        return update(self, batch)

    monkeypatch.setattr(DuplicatesCheck, "update", traced)
    both = run_audit(AuditSource(frame=demo), config)
    assert threads == {"audit-lane"}
    monkeypatch.setattr(DuplicatesCheck, "concurrent", False)
    threads.clear()
    in_turn = run_audit(AuditSource(frame=demo), config)
    assert threads == {threading.current_thread().name}
    assert report_differences(both, in_turn) == []

    def broken(self, batch):
        if batch.column("__row")[0].as_py() >= 1400:
            raise ValueError("update failed on the third chunk")
        return update(self, batch)

    monkeypatch.setattr(DuplicatesCheck, "concurrent", True)
    monkeypatch.setattr(DuplicatesCheck, "update", broken)
    with pytest.raises(ValueError, match="third chunk"):
        run_audit(AuditSource(frame=demo), config)


def test_read_ahead_keeps_order_and_raises_reading_errors_in_place():
    """Chunks read on the read-ahead thread arrive in order with their row numbers; an error
    while reading a later chunk is raised where that chunk would have been."""
    from backend.audit.runner import _Clock, _read_ahead
    from backend.errors import DatasetError

    def frames(n_ok):
        for i in range(n_ok):
            yield pd.DataFrame({"x": range(10 * i, 10 * i + 10)}), (i + 1) / 5
        raise DatasetError("line 31 could not be parsed")

    def make_batch(frame, *, start_row):
        return (start_row, frame["x"].tolist())

    def read(n_ok):
        gen = frames(n_ok)
        return _read_ahead(gen, next(gen), make_batch, _Clock())

    got = []
    with pytest.raises(DatasetError, match="line 31"):
        for rows, _fraction, (start, values) in read(3):
            got.append((start, values[0], rows))
    assert got == [(0, 0, 10), (10, 10, 10), (20, 20, 10)]
    # Closing early (a cancelled job) stops the thread.
    early = read(50)
    next(early)
    early.close()


def test_row_longer_than_the_small_csv_block_is_read_with_the_default(tmp_path):
    """The audit streams CSV in small Arrow blocks (bounded memory); a row longer than one
    block makes it read the file again with the reader's default block, skipping the rows
    it has audited, so every row is audited once and malformed rows are counted once."""
    from backend.audit.source import CSV_BLOCK_BYTES

    rows = [f"comment number {i} about the weather,{i % 2}" for i in range(3000)]
    rows.insert(10, "short,row,with,too,many,fields")
    rows.insert(2500, "x" * (CSV_BLOCK_BYTES + 100_000) + ",1")
    path = tmp_path / "long_row.csv"
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    report = run_audit(
        AuditSource(path=path),
        AuditConfig(text_col="text", label_col="label", checks=("text_stats",), chunk_rows=400),
    )
    assert report["rows"] == 3001
    assert report["malformed_rows"] == 1 and report["malformed_lines"] == [12]
    assert report["text_stats"]["chars"]["max"] == CSV_BLOCK_BYTES + 100_000
