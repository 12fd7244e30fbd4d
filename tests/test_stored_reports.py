"""Typed run summaries and red-team results; the card fillers' registry and the audit hook."""

from __future__ import annotations

import pytest

from backend.cards.autofill import build_card
from backend.cards.fillers import EVIDENCE_FILLERS, FILLERS
from backend.errors import StewardError
from backend.guardrails.redteam_report import RedTeamResult
from backend.training.summary import RunSummary
from tests.test_cards_evidence import REDTEAM


def test_run_summaries_stored_flat_nested_or_with_older_keys_read_alike():
    flat = {"model": "m", "co2_kg": 0.0021, "dataset_id": "3", "eval": {"accuracy": 0.9}}
    summary, prefix = RunSummary.from_content(flat)
    assert prefix == "" and summary.co2_grams == (pytest.approx(2.1), "co2_kg")
    assert summary.dataset_number == 3 and summary.eval == {"accuracy": 0.9}
    nested, prefix = RunSummary.from_content({"summary": {**flat, "co2_g": 5}})
    assert prefix == "summary." and nested.co2_grams == (5, "co2_g")
    # A key this version does not type is kept for the readers that know it.
    assert RunSummary.load({"majority_baseline": {"label": "0"}}).to_dict() == {
        "majority_baseline": {"label": "0"}
    }
    cpu = RunSummary.load({"hardware": {"cpu": "x86_64", "cpu_count": 2, "gpu": None}})
    assert cpu.hardware_used == "CPU (x86_64, 2 cores)"


def test_a_malformed_run_summary_or_red_team_result_is_one_clear_error():
    with pytest.raises(StewardError, match=r"^Run #4 cannot be read: eval: .*dictionary"):
        RunSummary.load({"eval": "?"}, name="Run #4")
    readable, _ = RunSummary.from_content({"eval": "?", "steps": 10})
    assert readable.eval is None and readable.steps == 10
    with pytest.raises(StewardError, match="policy.catch_rate"):
        RedTeamResult.load({"policy": {"catch_rate": "most"}})
    result, dropped = RedTeamResult.load_readable(
        {**REDTEAM, "scanners": [1, *REDTEAM["scanners"]]}
    )
    assert dropped == ["scanners[0]"] and [s.scanner for s in result.scanners] == ["injection"]
    assert result.policy.n_attacks == 120 and result.suite == "builtin red-team suite"


def test_every_typed_report_has_a_schema_version_and_refuses_a_newer_one():
    from backend.fairness.report import EvaluationReport

    for model in (RunSummary, RedTeamResult, EvaluationReport):
        assert model.load({}).schema_version == 1  # saved before versions: the first layout
        with pytest.raises(StewardError, match=r"^Run #2 was saved by a newer Steward"):
            model.load({"schema_version": model.SCHEMA_VERSION + 1}, name="Run #2")
        with pytest.raises(StewardError, match="schema_version"):
            model.load({"schema_version": 0})
    assert RedTeamResult.load(REDTEAM).to_dict() == REDTEAM  # the stored keys are unchanged


def test_one_filler_per_record_kind_and_evidence_kinds_come_from_the_registry():
    assert list(FILLERS) == [
        "dataset",
        "audit",
        "run",
        "evaluation",
        "redteam",
        "probes",
        "mitigation",
        "privacy",
    ]
    assert list(EVIDENCE_FILLERS) == ["redteam", "probes", "mitigation", "privacy"]
    assert all(FILLERS[kind].kind == kind for kind in FILLERS)


def test_an_audit_check_that_writes_card_text_is_cited_for_it(store, monkeypatch):
    from backend.audit.pii import PiiCheck

    def card_fields(cls, section, context, card_kind):
        if card_kind == "data":
            yield (
                "personal_and_sensitive_information",
                "pii_found",
                f"{section.rows_with_pii} of {context.rows} rows hold PII.",
            )

    monkeypatch.setattr(PiiCheck, "card_fields", classmethod(card_fields), raising=False)
    audit = store.save_artifact(
        kind="audit",
        content={"rows": 40, "pii": {"rows_with_pii": 3, "counts_by_type": {"email": 3}}},
    )
    doc = build_card(store, "data", audit=audit)
    pii = doc.get_field("personal_and_sensitive_information", "pii_found")
    assert pii.value == "3 of 40 rows hold PII."
    assert pii.source.kind == "audit" and pii.source.field == "pii"
