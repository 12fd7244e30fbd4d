"""Reviewer sign-off on one card version, its status, and integrity verification."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from backend.errors import StewardError
from backend.store import Store

from .records import current_hash, stored_hash_mismatch
from .repository import CardRepository, SignOffRow, signoff_record_hash
from .reviewers import Reviewer, SignInError, authorize_oidc, load_accounts
from .schema import CardDocument, RecordRef, card_hash

Decision = Literal["approve", "reject"]
MAX_COMMENT = 5000


def sign_card(
    store: Store,
    card_id: int,
    *,
    reviewer: Reviewer,
    decision: str,
    comment: str,
    version: int | None = None,
) -> SignOffRow:
    """Record ``reviewer``'s decision on one version (default: the latest) of a card.

    ``reviewer`` must come from :func:`~backend.cards.reviewers.authenticate` or
    :func:`~backend.cards.reviewers.authorize_oidc`. The sign-off keeps the card's content
    hash and the hash of every record the card cites, as they are now.
    """
    if not isinstance(reviewer, Reviewer) or not reviewer.name:
        raise StewardError("Only a signed-in reviewer can sign.")
    # a session may outlive the account: check it still exists / is still allowed
    if reviewer.auth_method == "local" and reviewer.name not in load_accounts():
        raise SignInError(f"Reviewer '{reviewer.name}' no longer exists; sign in again.")
    if reviewer.auth_method == "oidc":
        authorize_oidc(reviewer.email, reviewer.display_name)
    if decision not in ("approve", "reject"):
        raise StewardError("The decision must be 'approve' or 'reject'.")
    comment = (comment or "").strip()
    if not comment:
        raise StewardError("Write a comment explaining the decision.")
    if len(comment) > MAX_COMMENT:
        raise StewardError(f"The comment is too long (over {MAX_COMMENT} characters).")
    repo = CardRepository(store)
    row = repo.latest_version(card_id) if version is None else repo.get_version(card_id, version)
    if card_hash(row.content) != row.content_hash:
        raise StewardError(
            f"Card {card_id} version {row.version} was altered in the database; it cannot be signed."
        )
    doc = repo.load(card_id, row.version)
    missing = doc.missing_required()
    if decision == "approve" and missing:
        raise StewardError(
            "A card with missing required fields cannot be approved (reject it or fill them in): "
            + "; ".join(missing)
        )
    evidence = []
    for ref in doc.cited_records():
        now = current_hash(store, ref)
        if now is None:
            raise StewardError(
                f"The card cites {ref.label or ref.key}, which no longer exists; "
                "remove it from the card before signing."
            )
        evidence.append(
            {"kind": ref.kind, "id": ref.id, "path": ref.path, "label": ref.label, "hash": now}
        )
    return repo.append_signoff(
        card_id=card_id,
        version_id=row.id,
        version=row.version,
        reviewer=reviewer.name,
        auth_method=reviewer.auth_method,
        decision=decision,
        comment=comment,
        card_hash=row.content_hash,
        evidence=evidence,
    )


@dataclass
class CardStatus:
    """Review status of a card's latest version."""

    state: Literal["unsigned", "approved", "rejected", "stale"]
    latest_version: int
    signoff: SignOffRow | None = None

    @property
    def label(self) -> str:
        if self.signoff is None:
            return "Not signed off"
        who = f"{self.signoff.reviewer} on version {self.signoff.version}"
        if self.state == "stale":
            verb = "approved" if self.signoff.decision == "approve" else "rejected"
            return f"Stale: {verb} by {who}, but the card is now at version {self.latest_version}"
        return f"{self.state.capitalize()} by {who}"


def card_status(store: Store, card_id: int) -> CardStatus:
    """``approved``/``rejected`` when the newest sign-off is for the current content,
    ``stale`` when the card changed since, ``unsigned`` when nobody signed yet."""
    repo = CardRepository(store)
    latest = repo.latest_version(card_id)
    signoffs = repo.signoffs(card_id)
    if not signoffs:
        return CardStatus("unsigned", latest.version)
    last = signoffs[-1]
    if last.card_hash != latest.content_hash:
        return CardStatus("stale", latest.version, last)
    state = "approved" if last.decision == "approve" else "rejected"
    return CardStatus(state, latest.version, last)  # type: ignore[arg-type]


@dataclass
class VerifyReport:
    card_id: int
    ok: bool
    status: str
    latest_version: int
    signed_version: int | None = None
    decision: str | None = None
    reviewer: str | None = None
    problems: list[str] = field(default_factory=list)
    checked_records: int = 0

    def to_json(self) -> dict:
        return {
            "card_id": self.card_id,
            "ok": self.ok,
            "status": self.status,
            "latest_version": self.latest_version,
            "signed_version": self.signed_version,
            "decision": self.decision,
            "reviewer": self.reviewer,
            "checked_records": self.checked_records,
            "problems": self.problems,
        }


def verify_card(store: Store, card_id: int) -> VerifyReport:
    """Check that the latest sign-off still holds, recomputing every hash from the database.

    Problems found (each named in ``problems``): a card version whose content no longer
    matches its stored hash, a sign-off row whose own hash or chain link is broken, a card
    edited after the sign-off, and a cited record changed or deleted since signing.
    """
    repo = CardRepository(store)
    repo.get_card(card_id)
    versions = repo.versions(card_id)
    if not versions:
        raise StewardError(f"Card {card_id} has no saved version.")
    latest = versions[-1]
    problems: list[str] = []
    for v in versions:
        if card_hash(v.content) != v.content_hash:
            problems.append(
                f"card {card_id} version {v.version} was altered in the database: its content "
                f"no longer matches its hash {v.content_hash[:12]}"
            )
    numbers = [v.version for v in versions]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"card {card_id} versions are not contiguous: {numbers} (one was removed)")

    signoffs = repo.signoffs(card_id)
    prev = ""
    for so in signoffs:
        fields = {col.name: getattr(so, col.name) for col in SignOffRow.__table__.columns}
        fields["signed_at"] = so.signed_at.isoformat()
        if signoff_record_hash(fields) != so.record_hash:
            problems.append(f"sign-off #{so.id} was altered in the database")
        if so.prev_hash != prev:
            problems.append(f"sign-off #{so.id} does not follow the previous one (one was removed)")
        prev = so.record_hash

    if not signoffs:
        problems.append(f"card {card_id} has no sign-off")
        return VerifyReport(card_id, False, "unsigned", latest.version, problems=problems)

    last = signoffs[-1]
    status = card_status(store, card_id).state
    if last.card_hash != latest.content_hash:
        signed = next((v for v in versions if v.id == last.version_id), None)
        problems.append(
            f"card {card_id} was edited after sign-off: version {last.version} was signed, "
            f"the card is now at version {latest.version}"
            if signed is not None and signed.content_hash == last.card_hash
            else f"card {card_id}'s content does not match the signed hash {last.card_hash[:12]}"
        )
    for ev in last.evidence or []:
        ref = RecordRef(
            kind=ev["kind"], id=ev.get("id"), path=ev.get("path"), label=ev.get("label", "")
        )
        now = current_hash(store, ref)
        name = ev.get("label") or ref.key
        if now is None:
            problems.append(f"cited record {name} was deleted since sign-off")
        elif now != ev.get("hash"):
            problems.append(f"cited record {name} changed since sign-off")
        elif stored_hash_mismatch(store, ref):
            problems.append(f"cited record {name}: its stored hash does not match its content")
    return VerifyReport(
        card_id,
        ok=not problems,
        status=status,
        latest_version=latest.version,
        signed_version=last.version,
        decision=last.decision,
        reviewer=last.reviewer,
        problems=problems,
        checked_records=len(last.evidence or []),
    )


def evidence_drift(store: Store, doc: CardDocument) -> list[str]:
    """Cited records that changed or vanished since the card cited them (shown before signing)."""
    out = []
    for ref in doc.cited_records():
        now = current_hash(store, ref)
        if now is None:
            out.append(f"{ref.label or ref.key} no longer exists")
        elif ref.content_hash and now != ref.content_hash:
            out.append(f"{ref.label or ref.key} changed since the card cited it")
    return out
