"""The sign-off panel: history, the approval gate, the decision form and verification."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.cards import CardDocument, CardStatus, evidence_drift, sign_card, verify_card
from backend.cards.repository import CardRepository
from backend.cards.signoff import MIN_JUSTIFICATION, ApprovalRefused, approval_gate
from backend.errors import StewardError
from backend.store import Store
from components.formatting import format_time, show_table
from components.sign_in import current_reviewer

STATE_BADGES = {
    "approved": ":green-badge[:material/verified: Approved]",
    "rejected": ":red-badge[:material/cancel: Rejected]",
    "stale": ":orange-badge[:material/history: Stale sign-off]",
    "unsigned": ":gray-badge[:material/hourglass_empty: Not signed off]",
    "invalid": ":red-badge[:material/gpp_bad: Sign-off records failed verification]",
}
DECISIONS = {
    "approve": "Approve",
    "approve_with_exceptions": "Approve with exceptions",
    "reject": "Reject",
}


def render_status(status: CardStatus) -> None:
    said = "" if status.state == "unsigned" else f" {status.label}"  # the badge says it
    st.markdown(f"{STATE_BADGES[status.state]}{said}")


def _history(repo: CardRepository, card_id: int) -> None:
    signoffs = repo.signoffs(card_id)
    if not signoffs:
        return
    show_table(
        pd.DataFrame(
            [
                {
                    "#": s.id,
                    "reviewer": s.reviewer,
                    "via": "password" if s.auth_method == "local" else "single sign-on",
                    "decision": s.decision,
                    "exceptions": len(s.exceptions or []),
                    "version": s.version,
                    "signed (UTC)": format_time(s.signed_at),
                    "card sha256": s.card_hash[:12],
                    "records hashed": len(s.evidence or []),
                    "comment": s.comment,
                }
                for s in reversed(signoffs)
            ]
        ),
        width="stretch",
    )
    for s in reversed(signoffs):
        if s.exceptions:
            with st.expander(f"Sign-off #{s.id}: approved with {len(s.exceptions)} exception(s)"):
                for e in s.exceptions:
                    st.markdown(f"- {e.get('issue', '')}  \n  **Justification:** ")
                    st.text(e.get("justification", ""))
    st.caption("Sign-offs are append-only: they are never edited or deleted.")


def render_signoff_panel(
    store: Store, repo: CardRepository, card_id: int, doc: CardDocument, status: CardStatus
) -> None:
    render_status(status)
    _history(repo, card_id)

    issues = approval_gate(store, doc)
    st.markdown(f"**Sign version {status.latest_version}**")
    if issues:
        st.warning(
            f"**Approval is blocked by {len(issues)} issue{'s' if len(issues) > 1 else ''}.** "
            "Fix them, or approve with exceptions and write a justification for each. "
            "Rejecting is always possible.\n\n" + "\n".join(f"- {i.text}" for i in issues),
            icon=":material/block:",
        )
    else:
        st.success(
            "Nothing blocks approval: every required field is filled, no checklist item is "
            "Not started, and no high-severity alert is open on the records the card cites.",
            icon=":material/task_alt:",
        )
    drift = evidence_drift(store, doc)
    if drift:
        st.warning(
            "Cited records changed since the card cited them: " + "; ".join(drift),
            icon=":material/sync_problem:",
        )

    reviewer = current_reviewer()
    if reviewer is None:
        st.info(
            "Only a signed-in reviewer can sign: sign in at the top of the page.",
            icon=":material/lock:",
        )
    else:
        _decision_form(store, card_id, status.latest_version, issues, reviewer)

    st.divider()
    if st.button("Verify integrity", icon=":material/fact_check:", key=f"verify-{card_id}"):
        report = verify_card(store, card_id)
        if report.ok:
            n = len(report.exceptions)
            with_exc = f", with {n} justified exception{'s' if n > 1 else ''}" if n else ""
            st.success(
                f"Intact: version {report.latest_version} matches the sign-off by "
                f"{report.reviewer} ({report.decision}{with_exc}); {report.checked_records} "
                "cited records unchanged; the chain ends at its anchored head.",
                icon=":material/verified:",
            )
        else:
            st.error(
                "Verification failed:\n" + "\n".join(f"- {p}" for p in report.problems),
                icon=":material/gpp_bad:",
            )
    st.caption(
        "Verify recomputes the card's hash, every sign-off's hash and the anchored head of the "
        "chain, and the hash of every record the last sign-off cites, straight from the "
        f"database. Same as `python -m backend card verify --id {card_id}`."
    )


def _decision_form(store: Store, card_id: int, version: int, issues, reviewer) -> None:
    # stable keys without clear_on_submit: a refused attempt keeps what was typed
    keys = {
        "decision": f"signoff-decision-{card_id}",
        "comment": f"signoff-comment-{card_id}",
        **{i.key: f"signoff-why-{card_id}-{i.key}" for i in issues},
    }
    options = list(DECISIONS) if issues else ["approve", "reject"]
    if st.session_state.get(keys["decision"]) not in options:
        st.session_state.pop(keys["decision"], None)
    # outside the form, so choosing "Approve with exceptions" shows the justification boxes
    decision = st.radio(
        "Decision", options, format_func=DECISIONS.get, horizontal=True, key=keys["decision"]
    )
    justifications = {}
    with st.form(f"cards-sign-{card_id}"):
        comment = st.text_area("Comment (required)", max_chars=5000, key=keys["comment"])
        if decision == "approve_with_exceptions":
            st.markdown(
                f"**Justify each of the {len(issues)} exceptions.** They are recorded in the "
                "sign-off and shown on the card and in its exports."
            )
            for issue in issues:
                justifications[issue.key] = st.text_area(
                    issue.text, key=keys[issue.key], height=68, max_chars=2000
                )
        signed = st.form_submit_button(
            f"Sign version {version}", type="primary", icon=":material/draw:"
        )
    if not signed:
        return
    try:
        row = sign_card(
            store,
            card_id,
            reviewer=reviewer,
            decision="reject" if decision == "reject" else "approve",
            comment=comment,
            exceptions=justifications if decision == "approve_with_exceptions" else None,
        )
    except ApprovalRefused as exc:
        if decision == "approve":  # the issues are listed just above the form
            n = len(exc.issues)
            message = (
                f"Approval refused: the {n} issue{'s' if n > 1 else ''} listed above "
                f"block{'' if n > 1 else 's'} it. Fix them, or choose *Approve with exceptions* "
                "and justify each. Your comment is kept."
            )
        else:
            message = (
                "Approval with exceptions refused: write a justification of at least "
                f"{MIN_JUSTIFICATION} characters for each of these:\n"
                + "\n".join(f"- {i.text}" for i in exc.issues)
            )
        st.error(message, icon=":material/block:")
        return
    except StewardError as exc:
        st.error(str(exc))
        return
    for key in keys.values():
        st.session_state.pop(key, None)
    what = {"approve": "approval", "reject": "rejection"}[row.decision]
    if row.exceptions:
        what += f" with {len(row.exceptions)} exception(s)"
    st.session_state["cards_flash"] = (
        f"Sign-off #{row.id} recorded: {what} of version {row.version}, signed as {row.reviewer}."
    )
    st.rerun()
