"""Every saved result is evidence a card can cite; one name per record; no local paths."""

from __future__ import annotations

import json
import re

import pytest

from backend.cards import CardRepository
from backend.cards.autofill import build_card
from backend.cards.records import resolve_record
from backend.cards.render import export_card, local_paths_removed
from backend.cards.service import create_card, export_saved_card, store_evidence_file
from backend.errors import StewardError
from tests.test_cards import complete, seed_records

REDTEAM = {
    "policy": {
        "catch_rate": 0.91,
        "false_positive_rate": 0.04,
        "n_attacks": 120,
        "n_benign": 80,
        "caught": 109,
        "false_alarms": 3,
        "n_prompts": 200,
    },
    "scanners": [
        {"scanner": "injection", "catch_rate": 0.88, "false_positive_rate": 0.03, "roc_auc": 0.97}
    ],
    "suite": "builtin red-team suite",
}
PROBES = {
    "scorer": "offline fallback: alt-profanity-check (profanity model)",
    "templates": "built-in templates",
    "n_probes": 480,
    "overall": {"flagged_nontoxic": 0.12, "missed_toxic": 0.3},
    "findings": ["Non-toxic sentences naming 'gay' are flagged 0.31 more often."],
}
MITIGATION = {
    "column": "ethnicity",
    "constraint": "demographic_parity",
    "constraint_label": "demographic parity (equal selection rates)",
    "n_holdout": 400,
    "variants": {
        "Evaluated model": {"accuracy": 0.8, "demographic_parity": 0.137, "equalized_odds": 0.553},
        "ThresholdOptimizer": {
            "accuracy": 0.79,
            "demographic_parity": 0.144,
            "equalized_odds": 0.636,
        },
    },
}

# An absolute path of this machine: "/x/y" not preceded by a word, ':' or another '/'.
ABSOLUTE = re.compile(r"(?<![\w:/.~>-])/(?:tmp|home|root|work|var|Users)/")


def test_numbers_start_at_one_for_each_kind_and_names_agree_everywhere(store):
    store.create_job(kind="audit", name="Audit of comments")  # job #1 is not a run
    ds, audit, job, run, ev = seed_records(store)
    red = store.save_artifact(kind="redteam", name="Red-team: builtin", content=REDTEAM)
    assert store.record_number("run", job.id) == 1
    assert store.record_number("audit", audit.id) == 1
    assert store.record_number("evaluation", ev.id) == 1
    assert store.record_number("redteam", red.id) == 1
    assert store.record_number("audit", ev.id) is None  # not an audit
    assert store.display_name(job) == store.display_name(run) == "Run #1 · fine-tune"
    assert store.display_name(red) == "Red-team result #1 · Red-team: builtin"
    assert store.display_name(ds) == "Dataset #1 · Comments"
    assert store.record_by_number("evaluation", 1).id == ev.id
    assert store.record_by_number("evaluation", 2) is None

    saved = create_card(store, "model", from_run=1, from_evaluation=1, from_audit=1)
    doc = CardRepository(store).load(saved.card_id)
    labels = {r.label for r in doc.sources}
    assert {"Run #1 · fine-tune", "Evaluation #1 · fairness", "Audit #1 · audit"} <= labels
    assert doc.get_field("model_details", "version").value == "Run #1 · fine-tune"


def test_saved_results_fill_their_checklist_items(store):
    seed_records(store)
    for kind, content in (("redteam", REDTEAM), ("probes", PROBES), ("mitigation", MITIGATION)):
        store.save_artifact(kind=kind, name=f"{kind} result", content=content)
    blank = build_card(store, "model", run=resolve_record(store, "run", 1))
    assert blank.checklist_item("safety_mechanisms").status == "not_started"

    saved = create_card(
        store,
        "model",
        from_run=1,
        evidence=[("redteam", 1), ("probes", "1"), ("mitigation", "#1")],
    )
    doc = CardRepository(store).load(saved.card_id)
    safety = doc.checklist_item("safety_mechanisms")
    assert safety.status == "complete" and safety.auto
    assert [e.label for e in safety.evidence] == ["Red-team result #1 · redteam result"]
    assert "caught 91.0% of 120 attack prompts" in safety.notes
    mitigations = doc.get_field("ethical_considerations", "mitigations").value
    assert "caught 91.0% of 120 attack prompts, flagged 4.0% of 80 benign prompts" in mitigations
    assert "ThresholdOptimizer made the demographic-parity gap (0.137 → 0.144)" in mitigations
    bias = doc.checklist_item("bias_assessment")
    assert {"Probe result #1 · probes result", "Mitigation result #1 · mitigation result"} <= {
        e.label for e in bias.evidence
    }
    disparities = doc.get_field("quantitative_analyses", "disparities").value
    assert "non-toxic probes flagged: 12.0%" in disparities
    # the data card cites them too
    data = build_card(store, "data", evidence=[resolve_record(store, "redteam", 1)])
    assert data.checklist_item("safety_mechanisms").status == "complete"
    with pytest.raises(StewardError, match="There is no Probe result #2"):
        create_card(store, "model", evidence=[("probes", 2)])


def test_training_data_says_the_rows_the_run_used(store):
    ds, _audit, job, _run, _ev = seed_records(store)
    run = store.save_artifact(
        kind="run",
        name="demo-lora-300",
        job_id=job.id,
        content={
            "status": "succeeded",
            "dataset_id": ds.id,
            "dataset_name": ds.name,
            "train_rows": 300,
            "eval_rows": 800,
            "split": "the dataset's split column",
        },
    )
    doc = build_card(store, "model", run=run)
    text = doc.get_field("factors_and_training_data", "training_data").value
    assert text.startswith("Comments: 300 rows used for training and 800 held out")
    assert "out of 4,000 rows in the dataset" in text
    assert doc.get_field("factors_and_training_data", "training_data").source.field == "train_rows"


def test_exports_carry_no_absolute_local_paths(store, settings, tmp_path):
    seed_records(store)
    saved = create_card(store, "model", from_run=1, from_evaluation=1)
    repo = CardRepository(store)
    doc = complete(repo.load(saved.card_id))
    outside = tmp_path / "ethics-approval.pdf"
    outside.write_bytes(b"%PDF approved")
    inside = store_evidence_file(settings.uploads_dir / "evidence", "board.pdf", b"%PDF ok")
    doc.checklist_item("ethical_review").evidence += [
        store_evidence_file(tmp_path, outside.name, outside.read_bytes()),
        inside,
    ]
    doc.set_value("caveats_and_recommendations", "caveats", f"Data read from {outside}.")
    repo.save_version(saved.card_id, doc, note="evidence")
    assert str(outside) in json.dumps(repo.load(saved.card_id).to_json())  # the record keeps it
    for fmt in ("md", "html", "json"):
        content = export_saved_card(store, saved.card_id, fmt).content
        assert not ABSOLUTE.search(content), (fmt, ABSOLUTE.search(content))
        assert str(settings.home) not in content and str(tmp_path) not in content
        assert "ethics-approval.pdf" in content and "<workspace>/uploads/evidence/" in (
            content.replace("&lt;", "<").replace("&gt;", ">")
        )
    data = json.loads(export_saved_card(store, saved.card_id, "json").content)
    saved_hash = repo.latest_version(saved.card_id).content_hash
    assert data["content_hash"] == saved_hash
    for fmt in ("md", "html"):  # the shown hash is the saved version's, not the copy's
        assert saved_hash in export_saved_card(store, saved.card_id, fmt).content
    checkpoint = repo.load(saved.card_id).get_field("technical_specifications", "checkpoint")
    assert checkpoint.value == "1"  # "/tmp/runs/1" outside the workspace: its name only


def test_local_paths_removed_keeps_urls_and_relative_paths():
    assert local_paths_removed("see /tmp/x/y/comments.csv.") == "see comments.csv."
    for kept in ("https://huggingface.co/org/name", "a/b/c", "1/2", "<workspace>/runs/3"):
        assert local_paths_removed(kept) == kept
    assert local_paths_removed(r"C:\Users\me\x.csv") == "x.csv"


def test_export_of_a_plain_document_has_no_paths(store):
    seed_records(store)
    doc = build_card(store, "data", audit=resolve_record(store, "audit", 1))
    md = export_card(complete(doc, license="cc-by-4.0"), "md").content
    assert "/tmp/comments.csv" not in md and "upload: comments.csv" in md


def test_demo_story_cards_step_cites_records_by_their_one_name(store):
    """The guided demo's last step builds both cards from the records the earlier steps
    made (named by number, not by database id) and cites the red-team result."""
    from backend.demo_story import StepOutcome, _cards

    store.create_job(kind="audit", name="Audit of Comments")  # job ids != run numbers
    ds, audit, job, _run, ev = seed_records(store)
    red = store.save_artifact(kind="redteam", name="Red-team: shipped", content=REDTEAM)

    class Bar:
        def report(self, fraction, message):
            self.last = (fraction, message)

    out = StepOutcome("cards", "Cards", "pages/cards.py")
    state = {"train_job": job.id, "audit": audit, "evaluation": ev, "dataset": ds, "redteam": red}
    _cards(store, None, None, Bar(), state, out)
    repo = CardRepository(store)
    model = repo.load(out.records["model_card"])
    assert {r.label for r in model.sources} >= {
        "Run #1 · fine-tune",
        "Audit #1 · audit",
        "Evaluation #1 · fairness",
        "Red-team result #1 · Red-team: shipped",
    }
    assert model.checklist_item("safety_mechanisms").status == "complete"
    assert "Run #1 · fine-tune" in out.summary and "Red-team result #1" in out.summary
    assert "#2" not in out.summary.replace("Card #2", "")  # no job or artifact ids leak


def test_card_pii_numbers_add_up_like_the_audit_page(store):
    """Seed audit: 100 rows with PII, 60 email + 40 phone findings."""
    _, audit, *_ = seed_records(store)
    doc = build_card(store, "data", audit=audit)
    text = doc.get_field("personal_and_sensitive_information", "pii_found").value
    assert "found PII in 100 rows (2.5% of rows). 100 findings of 2 types" in text
    assert "| email | 60 |" in text and "| phone | 40 |" in text
