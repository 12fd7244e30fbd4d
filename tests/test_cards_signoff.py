"""Reviewers, sign-off, staleness and tamper detection."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import tomllib

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from backend.cards import (
    CardRepository,
    Reviewer,
    SignInError,
    add_reviewer,
    attach_evidence,
    authenticate,
    authorize_oidc,
    build_card,
    card_hash,
    card_status,
    create_card,
    export_saved_card,
    sign_card,
    store_evidence_file,
    verify_card,
)
from backend.cards.records import resolve_run
from backend.cards.repository import SignOffRow
from backend.cards.reviewers import reviewers_path
from backend.config import get_settings
from backend.errors import StewardError
from tests.test_cards import complete, seed_records

PASSWORD = "correct horse battery"


@pytest.fixture
def alice(steward_home):
    add_reviewer("alice", PASSWORD, display_name="Alice Martin", email="alice@example.org")
    return authenticate("alice", PASSWORD)


@pytest.fixture
def signed_card(store, alice):
    """A complete model card built from records, approved by alice."""
    *_, job, run, ev = seed_records(store)
    doc = complete(build_card(store, "model", run=resolve_run(store, job.id), evaluation=ev))
    repo = CardRepository(store)
    saved = repo.create(doc)
    sign_card(store, saved.card_id, reviewer=alice, decision="approve", comment="Looks right.")
    return saved.card_id, repo


def _db(settings) -> sqlite3.Connection:
    return sqlite3.connect(settings.home / "steward.db")


def _drop_guard(conn, trigger: str, table: str) -> None:
    """Drop one append-only trigger, as someone with the tables' owner rights could."""
    on = "" if conn.dialect.name == "sqlite" else f" ON {table}"
    conn.execute(text(f"DROP TRIGGER {trigger}{on}"))


# -- reviewers -----------------------------------------------------------------------------


def test_reviewer_file_holds_only_an_argon2_hash(alice, settings):
    path = reviewers_path()
    assert path == settings.home / "reviewers.toml"
    text = path.read_text()
    assert PASSWORD not in text
    data = tomllib.loads(text)["reviewers"]["alice"]
    assert data["password_hash"].startswith("$argon2id$")
    assert data["display_name"] == "Alice Martin"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert alice == Reviewer("alice", "local", "Alice Martin", "alice@example.org")


def test_wrong_password_and_unknown_reviewer_cannot_sign_in(alice):
    with pytest.raises(SignInError, match="unknown reviewer or wrong password"):
        authenticate("alice", "not the password")
    with pytest.raises(SignInError, match="unknown reviewer or wrong password"):
        authenticate("mallory", PASSWORD)
    with pytest.raises(SignInError):
        authenticate("alice", "")


def test_reviewer_names_and_passwords_are_checked(steward_home):
    with pytest.raises(StewardError, match="at least 8"):
        add_reviewer("bob", "short")
    with pytest.raises(StewardError, match="Reviewer names"):
        add_reviewer('bob"]\nx = 1', PASSWORD)
    add_reviewer("bob", PASSWORD)
    with pytest.raises(StewardError, match="already exists"):
        add_reviewer("bob", PASSWORD)
    add_reviewer("bob", "another password", replace=True)
    assert authenticate("bob", "another password").name == "bob"


def test_oidc_identity_signs_only_when_allowed(alice, monkeypatch, tmp_path):
    # an e-mail of a local account is allowed
    assert authorize_oidc("Alice@Example.org").auth_method == "oidc"
    with pytest.raises(SignInError, match="not a reviewer"):
        authorize_oidc("eve@example.org")
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[steward.reviewers]\nallowed_emails = ["eve@example.org"]\n')
    monkeypatch.setenv("STEWARD_SECRETS", str(secrets))
    get_settings.cache_clear()
    assert authorize_oidc("eve@example.org", "Eve").name == "eve@example.org"
    with pytest.raises(SignInError, match="e-mail"):
        authorize_oidc(None)


# -- sign-off ------------------------------------------------------------------------------


@pytest.mark.databases
def test_signoff_records_reviewer_decision_and_hashes(store, signed_card):
    card_id, repo = signed_card
    (so,) = repo.signoffs(card_id)
    latest = repo.latest_version(card_id)
    assert (so.reviewer, so.decision, so.version, so.auth_method) == (
        "alice",
        "approve",
        1,
        "local",
    )
    assert so.card_hash == latest.content_hash
    kinds = sorted(e["kind"] for e in so.evidence)
    assert kinds == ["audit", "dataset", "evaluation", "run"]
    assert all(len(e["hash"]) == 64 for e in so.evidence)
    assert so.signed_at is not None and so.prev_hash == "" and len(so.record_hash) == 64
    status = card_status(store, card_id)
    assert status.state == "approved" and "alice" in status.label


def test_only_a_signed_in_reviewer_can_sign(store):
    saved = create_card(store, "data", title="d")
    with pytest.raises(StewardError, match="signed-in reviewer"):
        sign_card(store, saved.card_id, reviewer="alice", decision="reject", comment="x")  # type: ignore[arg-type]


def test_sign_checks_decision_comment_and_completeness(store, alice):
    saved = create_card(store, "data", title="incomplete")
    with pytest.raises(StewardError, match="approve' or 'reject"):
        sign_card(store, saved.card_id, reviewer=alice, decision="maybe", comment="x")
    with pytest.raises(StewardError, match="comment"):
        sign_card(store, saved.card_id, reviewer=alice, decision="reject", comment="  ")
    with pytest.raises(StewardError, match="Approval refused"):
        sign_card(store, saved.card_id, reviewer=alice, decision="approve", comment="ok")
    row = sign_card(store, saved.card_id, reviewer=alice, decision="reject", comment="fill it")
    assert row.decision == "reject"
    assert card_status(store, saved.card_id).state == "rejected"


@pytest.mark.databases
def test_editing_after_signoff_makes_it_stale(store, signed_card):
    card_id, repo = signed_card
    doc = repo.load(card_id)
    doc.set_value("caveats_and_recommendations", "recommendations", "Re-evaluate monthly.")
    repo.save_version(card_id, doc)
    status = card_status(store, card_id)
    assert status.state == "stale" and "version 2" in status.label
    report = verify_card(store, card_id)
    assert not report.ok
    assert any("edited after sign-off" in p and "version 1" in p for p in report.problems)
    # a new sign-off on the new version settles it; the old one stays in the history
    sign_card(
        store, card_id, reviewer=authenticate("alice", PASSWORD), decision="approve", comment="ok"
    )
    assert verify_card(store, card_id).ok
    assert [s.version for s in repo.signoffs(card_id)] == [1, 2]


def test_signoffs_are_exported_with_the_card(store, signed_card):
    card_id, _ = signed_card
    for fmt in ("md", "html", "json"):
        content = export_saved_card(store, card_id, fmt).content
        assert "alice" in content and "Looks right." in content
        assert "Approved by alice" in content


@pytest.mark.databases
def test_signoffs_and_versions_cannot_be_updated_or_deleted_in_the_database(
    store, signed_card, database
):
    statements = [
        sql.format(table)
        for table in ("card_signoffs", "card_versions")
        for sql in ("UPDATE {} SET card_id = card_id", "DELETE FROM {}")
    ]
    if database == "postgres":  # TRUNCATE skips row triggers: statement triggers refuse it
        statements += ["TRUNCATE card_signoffs", "TRUNCATE cards CASCADE"]
    for sql in statements:
        with (
            pytest.raises(IntegrityError, match="append-only|cannot be deleted"),
            store.engine.begin() as conn,
        ):
            conn.execute(text(sql))
    for sql, why in (
        ("DELETE FROM cards", "cannot be deleted"),
        ("UPDATE cards SET kind = 'data'", "keep their id, kind and creator"),
        ("DELETE FROM card_signoff_heads", "cannot be deleted"),
    ):
        with pytest.raises(IntegrityError, match=why), store.engine.begin() as conn:
            conn.execute(text(sql))
    with store.engine.begin() as conn:  # the one allowed update: the title follows the card
        conn.execute(text("UPDATE cards SET title = 'Renamed'"))
    card_id, _ = signed_card
    assert verify_card(store, card_id).ok


def test_repository_has_no_update_or_delete_path_for_signoffs():
    methods = {m for m in dir(CardRepository) if not m.startswith("__")}
    assert not {m for m in methods if "delete" in m or "update" in m or "remove" in m}


# -- verify: tampering behind the application's back ---------------------------------------


@pytest.mark.databases
def test_verify_ok_when_nothing_changed(store, signed_card):
    card_id, _ = signed_card
    report = verify_card(store, card_id)
    assert report.ok and report.problems == [] and report.checked_records == 4


def test_verify_detects_a_cited_record_edited_in_the_database(store, signed_card, settings):
    card_id, _ = signed_card
    con = _db(settings)
    con.execute(
        "UPDATE artifacts SET content=json_set(content,'$.pii.rows_with_pii',0) WHERE kind='audit'"
    )
    con.commit()
    con.close()
    report = verify_card(store, card_id)
    assert not report.ok
    assert any("Audit #1" in p and "changed since sign-off" in p for p in report.problems)


def test_verify_detects_a_deleted_cited_record(store, signed_card, settings):
    card_id, _ = signed_card
    con = _db(settings)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DELETE FROM artifacts WHERE kind='evaluation'")
    con.commit()
    con.close()
    assert any("deleted" in p for p in verify_card(store, card_id).problems)


def test_verify_detects_the_card_edited_in_the_database(store, signed_card, settings):
    card_id, _ = signed_card
    con = _db(settings)
    con.execute("DROP TRIGGER card_versions_no_update")  # someone bypasses the guard
    con.execute("UPDATE card_versions SET content=json_set(content,'$.title','Hacked')")
    con.commit()
    con.close()
    problems = verify_card(store, card_id).problems
    assert any("altered in the database" in p for p in problems)


def test_verify_detects_card_and_hash_rewritten_together(store, signed_card, settings):
    card_id, repo = signed_card
    doc = repo.load(card_id)
    doc.title = "Hacked"
    con = _db(settings)
    con.execute("DROP TRIGGER card_versions_no_update")
    con.execute(
        "UPDATE card_versions SET content=?, content_hash=?",
        (json.dumps(doc.to_json()), card_hash(doc)),
    )
    con.commit()
    con.close()
    problems = verify_card(store, card_id).problems
    assert any("does not match the signed hash" in p for p in problems)


@pytest.mark.databases
def test_verify_detects_a_rewritten_or_removed_signoff(store, signed_card):
    card_id, repo = signed_card
    sign_card(
        store, card_id, reviewer=authenticate("alice", PASSWORD), decision="reject", comment="no"
    )
    with store.engine.begin() as conn:  # someone with the owner's rights bypasses the guards
        for trigger in ("card_signoffs_no_update", "card_signoffs_no_delete"):
            _drop_guard(conn, trigger, "card_signoffs")
        conn.execute(text("UPDATE card_signoffs SET decision='approve' WHERE id=2"))
    assert any("sign-off #2 was altered" in p for p in verify_card(store, card_id).problems)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM card_signoffs WHERE id=1"))
    assert any("does not follow" in p for p in verify_card(store, card_id).problems)


def test_verify_without_signoff_fails_and_says_so(store):
    saved = create_card(store, "data", title="d")
    report = verify_card(store, saved.card_id)
    assert not report.ok and report.status == "unsigned"
    assert "has no sign-off" in report.problems[0]


def test_evidence_files_are_hashed_and_checked(store, alice, settings, tmp_path):
    saved = create_card(store, "data", title="with evidence")
    repo = CardRepository(store)
    doc = complete(repo.load(saved.card_id))
    ref = store_evidence_file(settings.uploads_dir / "evidence", "ethics.txt", b"approved by board")
    attach_evidence(doc, "ethical_review", ref)
    repo.save_version(saved.card_id, doc)
    sign_card(store, saved.card_id, reviewer=alice, decision="approve", comment="ok")
    assert verify_card(store, saved.card_id).ok
    with open(ref.path, "ab") as fh:
        fh.write(b" (not really)")
    assert any("ethics.txt changed" in p for p in verify_card(store, saved.card_id).problems)


def test_signing_refuses_a_card_citing_a_missing_record(store, alice, settings):
    _, audit, *_ = seed_records(store)
    saved = CardRepository(store).create(complete(build_card(store, "data", audit=audit)))
    con = _db(settings)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DELETE FROM artifacts WHERE id=?", (audit.id,))
    con.commit()
    con.close()
    with pytest.raises(StewardError, match="no longer exists"):
        sign_card(store, saved.card_id, reviewer=alice, decision="approve", comment="ok")


def test_a_removed_account_can_no_longer_sign(store, alice):
    saved = create_card(store, "data", title="d")
    reviewers_path().write_text("")  # the administrator removed every account
    with pytest.raises(SignInError, match="no longer exists"):
        sign_card(store, saved.card_id, reviewer=alice, decision="reject", comment="x")


# -- the approval gate and exceptions ------------------------------------------------------


def test_gate_lists_fields_checklist_and_high_alerts_on_cited_records(store, alice):
    from backend.cards.signoff import approval_gate

    _, audit, job, run, ev = seed_records(store)
    doc = build_card(store, "model", run=resolve_run(store, job.id), evaluation=ev)
    keys = {i.key for i in approval_gate(store, doc)}
    assert "field:licensing.license" in keys and "checklist:ethical_review" in keys
    high = store.add_alert(
        kind="audit", message="PII", severity="high", source_kind="audit", source_id=audit.id
    )
    store.add_alert(  # medium: not a blocker
        kind="audit", message="small group", source_kind="audit", source_id=audit.id
    )
    on_run = store.add_alert(
        kind="training", message="CO2", severity="high", source_kind="run", source_id=job.id
    )
    elsewhere = store.add_alert(
        kind="audit", message="other", severity="high", source_kind="audit", source_id=999
    )
    alerts = [i.key for i in approval_gate(store, doc) if i.kind == "open_alert"]
    assert alerts == [f"alert:{high.id}", f"alert:{on_run.id}"]
    assert f"alert:{elsewhere.id}" not in alerts
    store.set_alert_status(high.id, "acknowledged", actor="alice", note="seen")
    alerts = [i.key for i in approval_gate(store, doc) if i.kind == "open_alert"]
    assert alerts == [f"alert:{on_run.id}"]


@pytest.mark.databases
def test_approval_with_exceptions_is_recorded_hashed_and_verified(store, alice, settings):
    from backend.cards.signoff import ApprovalRefused, approval_gate

    saved = create_card(store, "data", title="needs exceptions")
    repo = CardRepository(store)
    repo.save_version(saved.card_id, complete(repo.load(saved.card_id), checklist=False))
    issues = approval_gate(store, repo.load(saved.card_id))
    assert issues and all(i.kind == "not_started" for i in issues)
    with pytest.raises(ApprovalRefused, match="Approval refused") as refused:
        sign_card(store, saved.card_id, reviewer=alice, decision="approve", comment="ok")
    assert refused.value.issues == issues
    whys = {i.key: f"Covered by the board, see minutes ({i.key})" for i in issues}
    short = dict(whys, **{issues[0].key: "ok"})
    with pytest.raises(ApprovalRefused, match="justification") as refused:
        sign_card(store, saved.card_id, reviewer=alice, decision="approve", comment="ok",
                  exceptions=short)  # fmt: skip
    assert [i.key for i in refused.value.issues] == [issues[0].key]
    with pytest.raises(StewardError, match="No open issue matches"):
        sign_card(store, saved.card_id, reviewer=alice, decision="approve", comment="ok",
                  exceptions=dict(whys, **{"alert:999": "x" * 20}))  # fmt: skip
    row = sign_card(
        store, saved.card_id, reviewer=alice, decision="approve", comment="ok", exceptions=whys
    )
    assert [e["key"] for e in row.exceptions] == [i.key for i in issues]
    status = card_status(store, saved.card_id)
    assert status.state == "approved"
    assert status.label.startswith(f"Approved with {len(issues)} exceptions by alice")
    report = verify_card(store, saved.card_id)
    assert report.ok and len(report.exceptions) == len(issues)
    for fmt in ("md", "html", "json"):
        assert whys[issues[-1].key] in export_saved_card(store, saved.card_id, fmt).content
    # an exception's justification edited in the database breaks the sign-off's hash
    table = SignOffRow.__table__
    with store.engine.begin() as conn:
        _drop_guard(conn, "card_signoffs_no_update", "card_signoffs")
        exceptions = conn.execute(select(table.c.exceptions)).scalar_one()
        exceptions[0]["justification"] = ""
        conn.execute(table.update().values(exceptions=exceptions))
    problems = verify_card(store, saved.card_id).problems
    assert any("was altered" in p for p in problems)
    assert any("has no justification" in p for p in problems)


def test_verify_names_a_high_alert_raised_after_approval(store, alice):
    _, audit, *_ = seed_records(store)
    saved = CardRepository(store).create(complete(build_card(store, "data", audit=audit)))
    sign_card(store, saved.card_id, reviewer=alice, decision="approve", comment="ok")
    assert verify_card(store, saved.card_id).ok
    alert = store.add_alert(
        kind="audit", message="PII", severity="high", source_kind="audit", source_id=audit.id
    )
    problems = verify_card(store, saved.card_id).problems
    assert any(f"alert #{alert.id}" in p and "no exception" in p for p in problems)


@pytest.mark.databases
def test_rejection_never_needs_anything_from_the_gate(store, alice):
    saved = create_card(store, "model", title="empty")
    row = sign_card(store, saved.card_id, reviewer=alice, decision="reject", comment="empty")
    assert row.exceptions == []


# -- rate-limited sign-in ------------------------------------------------------------------


def test_sign_in_is_rate_limited_per_account_and_persisted(store, alice):
    from datetime import timedelta

    from backend.cards.reviewers import SignInLocked, sign_in
    from backend.store import reset_stores, utcnow

    t0 = utcnow()
    for i in range(5):
        with pytest.raises(SignInError, match="wrong password"):
            sign_in(store, "alice", "bad guess", now=t0 + timedelta(seconds=i))
    with pytest.raises(SignInLocked, match="try again in 15 minutes"):
        sign_in(store, "alice", PASSWORD, now=t0 + timedelta(seconds=10))
    # another account is not affected
    add_reviewer("bob", PASSWORD)
    assert sign_in(store, "bob", PASSWORD, now=t0).name == "bob"
    # the count lives in the database: a new process (store) still sees the lock
    reset_stores()
    from backend.store import get_store

    with pytest.raises(SignInLocked, match="try again in 1 minute"):
        sign_in(get_store(), "alice", PASSWORD, now=t0 + timedelta(minutes=14, seconds=30))
    later = t0 + timedelta(minutes=15, seconds=1)
    assert sign_in(get_store(), "alice", PASSWORD, now=later).name == "alice"


# -- the anchoring key ---------------------------------------------------------------------


def test_signoff_key_sources(settings, monkeypatch, tmp_path):
    from backend.cards.anchor import key_file, signoff_key
    from backend.errors import ConfigError

    monkeypatch.delenv("STEWARD_SIGNOFF_KEY", raising=False)
    generated = signoff_key()
    assert generated.source.startswith("file") and key_file().exists()
    assert stat.S_IMODE(os.stat(key_file()).st_mode) == 0o600
    assert signoff_key() == generated  # created once, then read
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[steward]\nsignoff_key = "from-the-secrets-file-0123"\n')
    monkeypatch.setenv("STEWARD_SECRETS", str(secrets))
    get_settings.cache_clear()
    assert signoff_key().source == "secrets"
    monkeypatch.setenv("STEWARD_SIGNOFF_KEY", "from-the-environment-0123")
    assert signoff_key().source == "environment"
    assert signoff_key().key_id != generated.key_id
    monkeypatch.setenv("STEWARD_SIGNOFF_KEY", "short")
    with pytest.raises(ConfigError, match="too short"):
        signoff_key()
