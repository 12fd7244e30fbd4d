"""Reviewer sign-off on one card version, the approval gate, its status, and integrity
verification."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from backend.errors import StewardError
from backend.store import Store

from .records import current_hash, stored_hash_mismatch
from .repository import CardRepository, SignOffRow
from .reviewers import Reviewer, SignInError, authorize_oidc, load_accounts
from .schema import STATUS_LABELS, CardDocument, RecordRef, card_hash

Decision = Literal["approve", "reject"]
MAX_COMMENT = 5000
MIN_JUSTIFICATION = 10
MAX_JUSTIFICATION = 2000


# -- the approval gate -----------------------------------------------------------------


@dataclass(frozen=True)
class GateIssue:
    """One reason a card cannot simply be approved.

    ``key`` names the issue stably (``field:licensing.license``, ``checklist:consent``,
    ``alert:7``) so an exception's justification can be matched to it.
    """

    key: str
    kind: Literal["missing_field", "not_started", "open_alert"]
    text: str


def approval_gate(store: Store, doc: CardDocument) -> list[GateIssue]:
    """Everything that blocks a plain approval of ``doc``: missing required fields,
    checklist items "Not started", and open high-severity alerts on the records it cites."""
    return content_issues(doc) + alert_issues(store, doc)


def content_issues(doc: CardDocument) -> list[GateIssue]:
    """The gate's issues that follow from the card's content alone (fields, checklist)."""
    issues = [
        GateIssue(
            f"field:{skey}.{spec.key}",
            "missing_field",
            f"Required field empty: {stitle} › {spec.label}",
        )
        for skey, stitle, spec, fld in doc.iter_fields()
        if spec.required and not fld.value.strip()
    ]
    issues += [
        GateIssue(
            f"checklist:{item.key}",
            "not_started",
            f"Checklist item “{item.label}” is {STATUS_LABELS['not_started']}",
        )
        for item in doc.checklist
        if item.status == "not_started"
    ]
    return issues


def alert_issues(store: Store, doc: CardDocument) -> list[GateIssue]:
    """Open high-severity alerts raised by a record the card cites."""
    wanted: dict[str, set[int]] = {}
    for ref in doc.cited_records():
        if ref.id is None:
            continue
        if ref.kind in ("audit", "evaluation"):
            wanted.setdefault(ref.kind, set()).add(ref.id)
        elif ref.kind == "run":  # run alerts name the fine-tune job, not the run artifact
            art = store.get_artifact(ref.id)
            if art is not None and art.job_id is not None:
                wanted.setdefault("run", set()).add(art.job_id)
    issues = []
    for kind, ids in sorted(wanted.items()):
        for alert in store.alerts_for(kind, sorted(ids)):
            if alert.status == "open" and alert.severity == "high":
                where = alert.source_label or f"{kind} #{alert.source_id}"
                issues.append(
                    GateIssue(
                        f"alert:{alert.id}",
                        "open_alert",
                        f"Open high-severity alert #{alert.id} on {where}: {alert.message}",
                    )
                )
    return sorted(issues, key=lambda i: int(i.key.split(":")[1]))


class ApprovalRefused(StewardError):
    """A plain approval blocked by the gate, or exceptions without a justification each."""

    def __init__(self, message: str, issues: list[GateIssue]) -> None:
        super().__init__(message)
        self.issues = issues


def _checked_exceptions(
    issues: list[GateIssue], exceptions: Mapping[str, str] | None
) -> list[dict]:
    """The sign-off's exception records, or :class:`ApprovalRefused` naming what is missing."""
    given = {str(k).strip(): str(v or "").strip() for k, v in (exceptions or {}).items()}
    keys = {i.key for i in issues}
    unknown = sorted(k for k in given if k not in keys)
    if unknown:
        raise StewardError(
            "No open issue matches the exception(s) "
            + ", ".join(unknown)
            + " (fixed meanwhile?). Reload and sign again."
        )
    if not issues:
        return []
    if not given:
        raise ApprovalRefused(
            f"Approval refused: {len(issues)} issue{'s' if len(issues) > 1 else ''} to fix "
            "first, or approve with exceptions and a written justification for each:\n"
            + "\n".join(f"- {i.text} [{i.key}]" for i in issues),
            issues,
        )
    for text in given.values():
        if len(text) > MAX_JUSTIFICATION:
            raise StewardError(
                f"A justification is too long (over {MAX_JUSTIFICATION} characters)."
            )
    lacking = [i for i in issues if len(given.get(i.key, "")) < MIN_JUSTIFICATION]
    if lacking:
        raise ApprovalRefused(
            f"Approval with exceptions refused: write a justification (at least "
            f"{MIN_JUSTIFICATION} characters) for each issue; missing for:\n"
            + "\n".join(f"- {i.text} [{i.key}]" for i in lacking),
            lacking,
        )
    return [{"key": i.key, "issue": i.text, "justification": given[i.key]} for i in issues]


# -- signing ---------------------------------------------------------------------------


def sign_card(
    store: Store,
    card_id: int,
    *,
    reviewer: Reviewer,
    decision: str,
    comment: str,
    version: int | None = None,
    exceptions: Mapping[str, str] | None = None,
) -> SignOffRow:
    """Record ``reviewer``'s decision on one version (default: the latest) of a card.

    ``reviewer`` must come from :func:`~backend.cards.reviewers.authenticate` or
    :func:`~backend.cards.reviewers.authorize_oidc`. The sign-off keeps the card's content
    hash and the hash of every record the card cites, as they are now.

    An approval passes the gate (:func:`approval_gate`) or names every issue in
    ``exceptions`` ({issue key: written justification}); the justifications are recorded
    in the sign-off and hashed into the chain. A rejection never needs any.
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
    recorded = []
    if decision == "approve":
        recorded = _checked_exceptions(approval_gate(store, doc), exceptions)
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
        exceptions=recorded,
    )


@dataclass
class CardStatus:
    """Review status of a card's latest version."""

    state: Literal["unsigned", "approved", "rejected", "stale", "invalid"]
    latest_version: int
    signoff: SignOffRow | None = None
    problem: str = ""  # why the sign-off records cannot be trusted (state "invalid")

    @property
    def label(self) -> str:
        if self.state == "invalid":
            return f"Sign-off records failed verification: {self.problem}"
        if self.signoff is None:
            return "Not signed off"
        who = f"{self.signoff.reviewer} on version {self.signoff.version}"
        n = len(self.signoff.exceptions or [])
        verb = "approved" if self.signoff.decision == "approve" else "rejected"
        if n:
            verb += f" with {n} exception{'s' if n > 1 else ''}"
        if self.state == "stale":
            return f"Stale: {verb} by {who}, but the card is now at version {self.latest_version}"
        return f"{verb.capitalize()} by {who}"


def card_status(store: Store, card_id: int) -> CardStatus:
    """``approved``/``rejected`` when the newest sign-off is for the current content,
    ``stale`` when the card changed since, ``unsigned`` when nobody signed yet, and
    ``invalid`` when the sign-off records fail their hashes or anchored head (then no
    decision is shown as if it held)."""
    repo = CardRepository(store)
    latest = repo.latest_version(card_id)
    problems = repo.chain_problems(card_id)
    if card_hash(latest.content) != latest.content_hash:
        problems.append(f"card {card_id} version {latest.version} was altered in the database")
    signoffs = repo.signoffs(card_id)
    if problems:
        return CardStatus("invalid", latest.version, None, problems[0])
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
    exceptions: list[dict] = field(default_factory=list)  # of the last sign-off

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
            "exceptions": self.exceptions,
            "problems": self.problems,
        }


def verify_card(store: Store, card_id: int) -> VerifyReport:
    """Check that the latest sign-off still holds, recomputing every hash from the database.

    Problems found (each named in ``problems``): a card version whose content no longer
    matches its stored hash, a sign-off row whose own hash or chain link is broken, a card
    edited after the sign-off, and a cited record changed or deleted since signing.
    """
    repo = CardRepository(store)
    versions = repo.versions(card_id)
    deleted = _deleted_card(store, repo, card_id, versions)
    if deleted:
        return VerifyReport(
            card_id, False, "deleted", versions[-1].version if versions else 0, problems=[deleted]
        )
    if not versions:
        repo.get_card(card_id)  # "No card with id N." for a card that never existed
        if repo.signoffs(card_id) or repo.head(card_id) is not None:
            return VerifyReport(
                card_id,
                False,
                "deleted",
                0,
                problems=[f"card {card_id}'s versions were deleted from the database"],
            )
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
    problems += repo.chain_problems(card_id)

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
    if last.decision == "approve":
        problems += _exception_problems(store, repo, last)
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
        exceptions=list(last.exceptions or []),
    )


def _deleted_card(store: Store, repo: CardRepository, card_id: int, versions: list) -> str:
    """Why ``card_id`` counts as deleted behind Steward's back ("" when it exists or never
    existed): its row is gone while its versions, sign-offs or index entry remain."""
    try:
        repo.get_card(card_id)
        return ""
    except StewardError:
        pass
    traces = []
    if versions:
        traces.append(f"{len(versions)} version(s)")
    if repo.signoffs(card_id):
        traces.append(f"{len(repo.signoffs(card_id))} sign-off(s)")
    if repo.head(card_id) is not None:
        traces.append("an anchored sign-off head")
    if any(
        isinstance(a.content, dict) and a.content.get("card_id") == card_id
        for a in store.list_artifacts("card", limit=100_000)
    ):
        traces.append("its workspace index entry")
    if not traces:
        return ""
    return (
        f"card {card_id} was deleted from the database ({', '.join(traces)} remain): cards "
        "cannot be deleted through Steward"
    )


def _exception_problems(store: Store, repo: CardRepository, last: SignOffRow) -> list[str]:
    """An approval must cover every gate issue of the signed version with a justification."""
    problems = []
    recorded = {e.get("key"): e for e in (last.exceptions or []) if isinstance(e, dict)}
    for key, exc in recorded.items():
        if len(str(exc.get("justification", "")).strip()) < MIN_JUSTIFICATION:
            problems.append(f"sign-off #{last.id}: the exception {key} has no justification")
    signed = next((v for v in repo.versions(last.card_id) if v.id == last.version_id), None)
    if signed is None:
        return problems  # reported above: the signed version is gone or changed
    try:
        doc = CardDocument.model_validate(signed.content)
    except ValueError:
        return problems
    for issue in content_issues(doc):
        if issue.key not in recorded:
            problems.append(
                f"sign-off #{last.id} approved version {last.version} without an exception "
                f"for: {issue.text}"
            )
    for issue in alert_issues(store, doc):
        if issue.key not in recorded:
            problems.append(f"{issue.text} (open, and the approval made no exception for it)")
    return problems


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
