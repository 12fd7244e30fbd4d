"""Cards: schema, auto-fill from store records, exports, versions and diff."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from huggingface_hub import DatasetCard, ModelCard

from backend.cards import (
    CardDocument,
    CardExportError,
    CardRepository,
    build_card,
    card_hash,
    create_card,
    diff_cards,
    export_card,
    export_saved_card,
    hub_metadata,
    side_by_side,
)
from backend.cards.records import current_hash, resolve_run
from backend.errors import StewardError

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def seed_records(store, *, co2_key="co2_g", co2_value=0.71, flat_run=True):
    """A dataset plus audit, finished fine-tune (job + run artifact) and evaluation."""
    ds = store.add_dataset(
        name="Comments",
        source="upload",
        location="/tmp/comments.csv",
        format="csv",
        n_rows=4000,
        columns=["text", "label", "gender"],
        roles={"text": "text", "label": "label", "sensitive": ["gender"]},
        synthetic=True,
        description="Synthetic comments for tests.",
    )
    audit = store.save_artifact(
        kind="audit",
        name="audit",
        dataset_id=ds.id,
        content={
            "rows": 4000,
            "representation": {
                "gender": {
                    "female": {"count": 1920, "share": 0.48},
                    "male": {"count": 2000, "share": 0.5},
                    "non-binary": {"count": 80, "share": 0.02},
                }
            },
            "label_rate": 0.31,
            "pii": {"counts_by_type": {"email": 60, "phone": 40}, "rows_with_pii": 100},
            "toxicity": {
                "backend": "offline fallback: alt-profanity-check (profanity model)",
                "mean": 0.21,
                "share_above_threshold": 0.12,
                "by_group": {"gender": {"female": 0.2, "male": 0.22}},
            },
            "duplicates": {"exact_rows": 120, "near_rows": 80, "clusters": [[1, 2], [3, 4]]},
            "warnings": ["Benign comments by one group are labelled toxic more often."],
            "findings": ["PII found in 2.5 % of rows.", "gender=non-binary is 2.0 % of rows."],
        },
    )
    job = store.create_job(kind="train", name="fine-tune", status="succeeded")
    summary = {
        "status": "succeeded",
        "steps": 250,
        "train_loss": 0.4123,
        "eval": {"accuracy": 0.87, "f1": 0.81},
        "energy_kwh": 0.0123,
        co2_key: co2_value,
        "energy_source": "codecarbon_estimate",
        "energy_source_label": "codecarbon CPU TDP model (no RAPL)",
        "energy_measured": False,
        "grid_intensity_g_per_kwh": 56.0,
        "grid_intensity_source": "codecarbon offline table (FRA)",
        "country_iso_code": "FRA",
        "epsilon": 7.9,
        "delta": 1e-5,
        "checkpoint": "/tmp/runs/1",
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "hyperparameters": {"learning_rate": 5e-5, "batch_size": 16},
        "hardware": {"cpu": "x86_64", "cpu_count": 2, "gpu": None},
        "duration_s": 412.5,
        "dataset_id": ds.id,
        "lora": {"r": 8},
    }
    run = store.save_artifact(
        kind="run",
        name="MiniLM LoRA",
        job_id=job.id,
        content=summary if flat_run else {"summary": summary},
    )
    evaluation = store.save_artifact(
        kind="evaluation",
        name="fairness",
        content={
            "overall": {"accuracy": 0.86, "selection_rate": 0.3},
            "by_group": {
                "gender": {
                    "female": {
                        "selection_rate": {"value": 0.41, "ci_low": 0.38, "ci_high": 0.44, "n": 900}
                    },
                    "male": {
                        "selection_rate": {"value": 0.27, "ci_low": 0.25, "ci_high": 0.3, "n": 950}
                    },
                }
            },
            "disparities": {
                "selection_rate": {"difference": 0.14, "ratio": 0.66, "column": "gender"}
            },
            "bias_auc": {},
            "final_bias_score": 0.82,
            "warnings": [],
            "findings": ["Selection rate differs by 14 points between genders."],
        },
    )
    return ds, audit, job, run, evaluation


def complete(doc: CardDocument, license="apache-2.0", *, checklist: bool = True) -> CardDocument:
    """Fill every required field that is still empty and (``checklist``) start every
    checklist item left "Not started", so nothing blocks approval."""
    for skey, _, spec, fld in doc.iter_fields():
        if spec.required and not fld.value.strip():
            doc.set_value(
                skey, spec.key, license if spec.key == "license" else f"{spec.label} text"
            )
    if checklist:
        for item in doc.checklist:
            if item.status == "not_started":
                item.status = "in_progress"
    return doc


# -- schema --------------------------------------------------------------------------------


def test_model_and_data_cards_have_the_seed_sections():
    model = [t for _, t, _ in CardDocument.new("model").iter_sections()]
    assert model == [
        "Model details",
        "Intended and out-of-scope uses",
        "Factors and training data",
        "Quantitative analyses",
        "Ethical considerations",
        "Caveats and recommendations",
        "Technical specifications",
        "Environmental impact",
        "Licensing",
    ]
    data = [t for _, t, _ in CardDocument.new("data").iter_sections()]
    assert data == [
        "Dataset details",
        "Construction and sources",
        "Annotations",
        "Personal and sensitive information",
        "Demographic coverage",
        "Known biases",
        "Potential harms and mitigations",
        "Licensing",
        "Citation",
    ]
    labels = [i.label for i in CardDocument.new("model").checklist]
    assert labels == [
        "Data collection lawful",
        "Consent",
        "PII removed",
        "Bias assessment",
        "Safety mechanisms",
        "Documentation",
        "Model card",
        "Ethical review",
        "Compliance audit",
        "Monitoring",
    ]


def test_schema_rejects_unknown_fields_and_hash_tracks_any_edit():
    doc = CardDocument.new("model", "m")
    with pytest.raises(ValueError):
        CardDocument.model_validate({**doc.to_json(), "surprise": 1})
    h = card_hash(doc)
    doc.checklist_item("consent").notes = "x"
    assert card_hash(doc) != h


def test_missing_required_fields_are_listed():
    doc = CardDocument.new("data")
    missing = doc.missing_required()
    assert "Dataset details › Dataset name" in missing
    assert "Licensing › License" in missing
    complete(doc)
    assert doc.missing_required() == []


# -- auto-fill -----------------------------------------------------------------------------


@pytest.mark.parametrize("flat_run", [True, False])
def test_model_card_autofill_from_run_evaluation_and_audit(store, flat_run):
    ds, audit, job, run, ev = seed_records(store, flat_run=flat_run)
    doc = build_card(store, "model", run=resolve_run(store, job.id), evaluation=ev)
    f = doc.get_field
    env = f("environmental_impact", "co2_eq_emissions_g")
    assert env.value == "0.71" and env.source.kind == "run" and env.source.id == run.id
    assert env.source.content_hash == run.content_hash
    assert env.source.field.endswith("co2_g")
    assert "Estimated" in f("environmental_impact", "emissions_source").value
    assert "learning_rate" in f("technical_specifications", "hyperparameters").value
    assert "0.41 [0.38" in f("quantitative_analyses", "fairness").value.replace("0.410", "0.41")
    assert f("quantitative_analyses", "fairness").source.id == ev.id
    # the run's own held-out results are kept; the evaluation's overall joins the fairness table
    assert "held-out" in f("quantitative_analyses", "results").value
    assert "overall (fairness evaluation)" in f("quantitative_analyses", "fairness").value
    assert "ε = 7.9" in f("ethical_considerations", "privacy").value
    # the run's dataset and its newest audit are picked up and cited
    assert "Comments" in f("factors_and_training_data", "training_data").value
    assert f("factors_and_training_data", "data_audit").source.id == audit.id
    assert {r.key for r in doc.sources} == {
        f"dataset:{ds.id}",
        f"audit:{audit.id}",
        f"run:{run.id}",
        f"evaluation:{ev.id}",
    }
    assert doc.checklist_item("pii_removed").status == "attention"
    assert doc.checklist_item("bias_assessment").status == "complete"
    assert doc.checklist_item("consent").status == "not_applicable"  # synthetic data
    # unfilled things stay empty rather than invented
    assert f("intended_use", "primary_uses").value == ""


def test_co2_in_kg_is_converted_to_grams(store):
    *_, job, _run, _ev = seed_records(store, co2_key="co2_kg", co2_value=0.0021)
    doc = build_card(store, "model", run=resolve_run(store, job.id))
    assert doc.get_field("environmental_impact", "co2_eq_emissions_g").value == "2.1"
    meta = hub_metadata(complete(doc)).data
    assert meta["co2_eq_emissions"]["emissions"] == pytest.approx(2.1)


def test_data_card_autofill_from_audit(store):
    ds, audit, *_ = seed_records(store)
    doc = build_card(store, "data", audit=audit)
    f = doc.get_field
    assert f("details", "name").value == "Comments"
    assert f("details", "name").source.kind == "dataset"
    assert "non-binary" in f("demographic_coverage", "underrepresented").value
    assert "100 rows" in f("personal_and_sensitive_information", "pii_found").value
    assert "alt-profanity-check" in f("known_biases", "toxicity").value
    assert "120 exact duplicate rows" in f("construction_and_sources", "duplicates").value
    assert f("annotations", "label_rate").value == "31.0%"
    assert doc.title == "Data card: Comments"


def test_autofill_is_defensive_about_missing_keys(store):
    job = store.create_job(kind="train", name="t", status="succeeded")
    store.save_artifact(kind="run", job_id=job.id, content={"status": "succeeded", "eval": "?"})
    audit = store.save_artifact(kind="audit", content={"pii": "n/a", "representation": [1]})
    ev = store.save_artifact(kind="evaluation", content={"by_group": None, "disparities": 3})
    doc = build_card(store, "model", run=resolve_run(store, job.id), audit=audit, evaluation=ev)
    assert doc.get_field("environmental_impact", "co2_eq_emissions_g").value == ""
    doc2 = build_card(store, "data", audit=audit)
    assert doc2.get_field("personal_and_sensitive_information", "pii_found").value == ""


def test_records_are_named_by_their_number_and_bad_numbers_are_explained(store):
    store.create_job(kind="audit", name="an audit job first")  # jobs of other kinds
    *_, job, run, ev = seed_records(store)
    assert job.id == 2 and store.record_number("run", job.id) == 1
    assert resolve_run(store, 1).id == run.id
    assert resolve_run(store, "#1").id == run.id
    assert resolve_run(store, f"artifact:{run.id}").id == run.id
    assert store.display_name(run) == store.display_name(job) == "Run #1 · fine-tune"
    store.create_job(kind="train", name="still running", status="running")
    with pytest.raises(StewardError, match="Run #2 · still running is running and has no"):
        resolve_run(store, 2)
    with pytest.raises(StewardError, match="There is no Run #999"):
        resolve_run(store, 999)
    with pytest.raises(StewardError, match="not a valid run number"):
        resolve_run(store, "abc")
    with pytest.raises(StewardError, match="There is no Audit #2"):
        create_card(store, "model", from_audit=2)
    with pytest.raises(StewardError, match="not a kind of evidence"):
        create_card(store, "model", evidence=[("run", 1)])
    assert store.display_name(ev).startswith("Evaluation #1")


def test_editing_an_autofilled_field_keeps_its_source_and_marks_it(store):
    *_, job, run, _ = seed_records(store)
    doc = build_card(store, "model", run=resolve_run(store, job.id))
    assert doc.set_value("environmental_impact", "co2_eq_emissions_g", "0.9")
    fld = doc.get_field("environmental_impact", "co2_eq_emissions_g")
    assert fld.edited and fld.source.id == run.id
    assert not doc.set_value("environmental_impact", "co2_eq_emissions_g", "0.9")


# -- exports -------------------------------------------------------------------------------


def test_markdown_has_valid_hugging_face_metadata(store):
    *_, job, _run, ev = seed_records(store)
    doc = complete(build_card(store, "model", run=resolve_run(store, job.id), evaluation=ev))
    doc.set_value("model_details", "language", "en")
    out = export_card(doc, "md")
    assert out.missing == []
    card = ModelCard(out.content)  # huggingface_hub parses it back
    co2 = card.data.co2_eq_emissions
    assert co2["emissions"] == pytest.approx(0.71)
    assert co2["training_type"] == "fine-tuning"
    assert co2["geographical_location"] == "FRA"
    assert co2["hardware_used"] == "CPU (x86_64, 2 cores)"
    assert "codecarbon" in co2["source"]
    assert card.data.license == "apache-2.0"
    assert card.data.base_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert card.data.language == ["en"]
    assert "## Environmental impact" in card.text
    assert "Auto-filled from Run #1 · fine-tune" in card.text


def test_data_card_markdown_uses_dataset_card_metadata(store):
    _, audit, *_ = seed_records(store)
    doc = complete(build_card(store, "data", audit=audit), license="cc-by-4.0")
    card = DatasetCard(export_card(doc, "md").content)
    assert card.data.license == "cc-by-4.0"
    assert card.data.size_categories == ["1K<n<10K"]
    assert "synthetic" in card.data.tags


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (("licensing", "license"), "my-own", "not a Hugging Face license id"),
        (("environmental_impact", "co2_eq_emissions_g"), "lots", "non-negative number"),
        (("environmental_impact", "training_type"), "magic", "Training type"),
        (("model_details", "language"), "English", "ISO 639"),
        (("model_details", "tags"), "a b", "Tags may use"),
    ],
)
def test_invalid_metadata_is_refused_with_a_reason(store, field, value, message):
    *_, job, _run, _ = seed_records(store)
    doc = complete(build_card(store, "model", run=resolve_run(store, job.id)))
    doc.set_value(*field, value)
    with pytest.raises(CardExportError, match=message):
        export_card(doc, "md")
    # HTML and JSON still export; JSON reports the problem
    assert "<h1>" in export_card(doc, "html").content
    errors = json.loads(export_card(doc, "json").content)["hub_metadata_errors"]
    assert any(message in e for e in errors), errors


def test_license_other_needs_name_and_link():
    doc = complete(CardDocument.new("model", "m"), license="other")
    assert "needs both" in hub_metadata(doc).errors[0]
    doc.set_value("licensing", "license_name", "acme-license-1.0")
    doc.set_value("licensing", "license_link", "https://example.org/license")
    assert hub_metadata(doc).errors == []
    assert hub_metadata(doc).data["license_link"] == "https://example.org/license"


def test_local_base_model_path_is_kept_out_of_metadata():
    doc = complete(CardDocument.new("model", "m"))
    doc.set_value("model_details", "base_model", "/work/models/minilm")
    meta = hub_metadata(doc)
    assert "base_model" not in meta.data and meta.notes


def test_every_user_value_is_escaped_in_all_exports():
    doc = complete(CardDocument.new("model", XSS))
    doc.set_value("model_details", "summary", XSS + "\n[click](javascript:alert(1))")
    doc.set_value("caveats_and_recommendations", "caveats", f"| a | b |\n|---|---|\n| {XSS} | 1 |")
    doc.checklist_item("consent").notes = XSS
    doc.set_value("model_details", "name", XSS)
    doc.set_value("environmental_impact", "co2_eq_emissions_g", "1.5")
    doc.set_value("environmental_impact", "emissions_source", XSS)
    html = export_card(doc, "html").content
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "default-src 'none'" in html  # CSP: no script runs even if something slipped
    assert not re.search(r"<a [^>]*href=\"(?!#)", html)  # only in-page links
    md = export_card(doc, "md").content
    assert "<script>" not in md and "<img" not in md and "javascript:" not in md
    assert "&lt;script&gt;" in md
    assert ModelCard(md).data.co2_eq_emissions["source"].startswith("&lt;script&gt;")
    data = json.loads(export_card(doc, "json").content)
    assert data["card"]["title"] == XSS  # JSON keeps the exact value (it is data, not markup)


def test_draft_exports_say_what_is_missing_and_strict_refuses():
    doc = CardDocument.new("data", "d")
    out = export_card(doc, "html")
    assert out.missing and "Missing required fields" in out.content
    with pytest.raises(CardExportError, match="Missing required fields"):
        export_card(doc, "md", strict=True)
    with pytest.raises(CardExportError, match="Unknown format"):
        export_card(doc, "pdf")


# -- versions and diff ---------------------------------------------------------------------


def test_every_save_is_a_new_version_with_its_hash(store):
    saved = create_card(store, "model", title="v")
    repo = CardRepository(store)
    doc = repo.load(saved.card_id)
    again = repo.save_version(saved.card_id, doc)
    assert not again.created and again.version == 1  # identical content: nothing new
    doc.set_value("model_details", "summary", "first")
    v2 = repo.save_version(saved.card_id, doc, note="summary")
    doc.set_value("model_details", "summary", "second")
    v3 = repo.save_version(saved.card_id, doc)
    assert [v.version for v in repo.versions(saved.card_id)] == [1, 2, 3]
    assert store.summary().cards == 1  # one index entry per card, not per version
    assert v2.content_hash != v3.content_hash == card_hash(doc)
    assert repo.load(saved.card_id, 2).get_field("model_details", "summary").value == "first"
    changes = diff_cards(repo.load(saved.card_id, 2), repo.load(saved.card_id, 3))
    assert [(c.field, c.old, c.new) for c in changes] == [("Summary", "first", "second")]
    rows = side_by_side(repo.load(saved.card_id, 1), repo.load(saved.card_id, 3))
    assert rows == [
        {
            "section": "Model details",
            "field": "Summary",
            "left": "",
            "right": "second",
            "changed": True,
        }
    ]
    assert len(side_by_side(doc, doc, only_changes=False)) > 40


def test_versions_cannot_be_updated_or_deleted_in_sqlite(store, settings):
    saved = create_card(store, "data", title="d")
    con = sqlite3.connect(settings.home / "steward.db")
    for sql in ("UPDATE card_versions SET note='x'", "DELETE FROM card_versions"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)
    con.close()
    assert CardRepository(store).latest_version(saved.card_id).version == 1


def test_export_saved_card_includes_status_and_version(store):
    saved = create_card(store, "data", title="Export me")
    out = export_saved_card(store, saved.card_id, "json")
    data = json.loads(out.content)
    assert data["version"] == 1 and data["status"] == "Not signed off"
    assert data["content_hash"] == saved.content_hash
    assert out.filename == "export-me-v1.json"


def test_cited_record_hash_is_recomputed_from_content(store):
    _, audit, *_ = seed_records(store)
    doc = build_card(store, "data", audit=audit)
    ref = next(r for r in doc.cited_records() if r.kind == "audit")
    assert current_hash(store, ref) == ref.content_hash


def test_saving_over_a_newer_version_is_refused(store):
    saved = create_card(store, "model", title="race")
    repo = CardRepository(store)
    mine, theirs = repo.load(saved.card_id), repo.load(saved.card_id)
    theirs.set_value("model_details", "summary", "theirs")
    repo.save_version(saved.card_id, theirs, expected_version=1)
    mine.set_value("model_details", "contact", "me")
    with pytest.raises(StewardError, match="changed since you opened version 1"):
        repo.save_version(saved.card_id, mine, expected_version=1)
    assert repo.load(saved.card_id).get_field("model_details", "summary").value == "theirs"


def test_audit_report_with_tagged_findings_and_group_label_rates(store):
    """The shapes the dataset audit really stores: findings as dicts, flagged groups."""
    audit = store.save_artifact(
        kind="audit",
        content={
            "rows": 100,
            "representation": {
                "gender": {
                    "f": {"count": 97, "share": 0.97, "flagged": False},
                    "nb": {"count": 3, "share": 0.03, "flagged": True, "reason": "0.1× reference"},
                }
            },
            "label_rate": {"gender": {"f": 0.2, "nb": 0.5}},
            "pii": {"rows_with_pii": 0, "detector": "offline rules"},
            "toxicity": {"by_group": {"gender": {"f": {"n": 97, "mean": 0.1}}}},
            "warnings": ["Language detection is not available offline."],
            "findings": [
                {"check": "representation", "severity": "warning", "text": "nb is rare."},
                {"check": "label_skew", "severity": "ok", "text": "Labels look fine."},
                {"check": "text_stats", "severity": "info", "text": "Median length 90."},
            ],
        },
    )
    doc = build_card(store, "data", audit=audit)
    f = doc.get_field
    assert f("known_biases", "biases").value == "- nb is rare. (warning)"
    findings = f("known_biases", "audit_findings").value
    assert "Median length 90." in findings and "Labels look fine" not in findings
    assert "Language detection" in findings  # tool limits kept, but not as a bias
    assert f("demographic_coverage", "underrepresented").value == (
        "- gender = nb (3.0% of rows; 0.1× reference)"
    )
    assert "| gender | nb | 50.0% |" in f("annotations", "label_rate").value
    assert "| gender | f | 97 | 0.1 |" in f("known_biases", "toxicity").value
    assert doc.checklist_item("pii_removed").status == "complete"


def test_monitoring_item_lists_the_alerts_of_the_cited_records(store):
    from backend.alerts import AlertService, default_config, transition
    from backend.audit.runner import dataset_observations

    ds, audit, *_ = seed_records(store)
    store.update_dataset(ds.id, expect_no_pii=True)
    service = AlertService(store, notifiers=[], config=default_config())
    observations = dataset_observations(audit.content, store.get_dataset(ds.id))
    raised = service.check(
        observations, source_kind="audit", source_id=audit.id, value_key=True
    ).alerts
    assert {a.metric for a in raised} == {"dataset_pii_rows", "dataset_toxic_share"}
    pii = next(a for a in raised if a.metric == "dataset_pii_rows")
    transition(store, pii.id, "resolve", note="rows dropped", actor="Ana")
    item = build_card(store, "data", audit=audit).checklist_item("monitoring")
    assert item.status == "in_progress" and item.auto
    assert "2 alert(s) raised by the cited records, 1 still open" in item.notes
    assert f"#{pii.id} [high, resolved by Ana]" in item.notes and "rows dropped" in item.notes
    # A person's own status is kept.
    doc = build_card(store, "data", audit=audit)
    doc.checklist_item("monitoring").status = "complete"
    doc.checklist_item("monitoring").auto = False
    from backend.cards.autofill import fill_monitoring_from_alerts

    fill_monitoring_from_alerts(doc, store, audit=audit)
    assert doc.checklist_item("monitoring").status == "complete"


def test_title_limit_applies_when_saving_not_when_loading(store):
    """A card stored before the 300-character title limit still opens; an edit past it is refused."""
    saved = create_card(store, "model", title="short")
    repo = CardRepository(store)
    doc = repo.load(saved.card_id)
    long_title = "t" * 1_000
    stored = doc.model_dump(mode="json")
    stored["title"] = long_title
    assert type(doc).model_validate(stored).title == long_title  # an old card still loads
    doc.title = long_title
    with pytest.raises(StewardError, match="at most 300 are allowed"):
        repo.save_version(saved.card_id, doc)
    assert repo.latest_version(saved.card_id).version == 1  # nothing half-saved
