"""Reviewer sign-in (local account or OIDC) and the sign-off panel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from backend.cards import (
    CardDocument,
    CardStatus,
    Reviewer,
    SignInError,
    authenticate,
    authorize_oidc,
    evidence_drift,
    sign_card,
    verify_card,
)
from backend.cards.repository import CardRepository
from backend.errors import StewardError
from backend.store import Store
from components.formatting import format_time

SESSION_KEY = "cards_reviewer"
STATE_BADGES = {
    "approved": ":green-badge[:material/verified: Approved]",
    "rejected": ":red-badge[:material/cancel: Rejected]",
    "stale": ":orange-badge[:material/history: Stale sign-off]",
    "unsigned": ":gray-badge[:material/hourglass_empty: Not signed off]",
}


def oidc_configured() -> bool:
    """True when ``[auth]`` in secrets.toml configures Streamlit's OIDC login."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_reviewer() -> Reviewer | None:
    """The reviewer signed in in this browser session, if any."""
    reviewer = st.session_state.get(SESSION_KEY)
    if reviewer is not None:
        return reviewer
    if oidc_configured():
        try:
            if st.user.is_logged_in:
                return authorize_oidc(st.user.get("email"), st.user.get("name") or "")
        except SignInError:
            return None
    return None


def render_sign_in() -> Reviewer | None:
    """Sign-in box; returns the signed-in reviewer."""
    reviewer = current_reviewer()
    if reviewer is not None:
        left, right = st.columns([3, 1], vertical_alignment="center")
        how = "password" if reviewer.auth_method == "local" else "single sign-on"
        left.success(f"Signed in as **{reviewer.shown}** ({how}).", icon=":material/person:")
        if right.button("Sign out", key="cards-sign-out"):
            st.session_state.pop(SESSION_KEY, None)
            if reviewer.auth_method == "oidc":
                st.logout()
            st.rerun()
        return reviewer

    st.markdown("**Sign in as a reviewer**")
    if oidc_configured():
        try:
            if st.user.is_logged_in:
                authorize_oidc(st.user.get("email"), st.user.get("name") or "")
        except SignInError as exc:
            st.error(str(exc))
        if st.button("Sign in with single sign-on", icon=":material/login:"):
            st.login()
    with st.form("cards-sign-in"):
        name = st.text_input("Reviewer name")
        password = st.text_input("Password", type="password")
        go = st.form_submit_button("Sign in", icon=":material/key:")
    st.caption(
        "Reviewer accounts live in `$STEWARD_HOME/reviewers.toml` (argon2 hashes). "
        "Add one with `python -m backend reviewer add NAME`."
    )
    if go:
        try:
            st.session_state[SESSION_KEY] = authenticate(name.strip(), password)
        except SignInError as exc:
            st.error(str(exc))
            return None
        st.rerun()
    return None


def render_status(status: CardStatus) -> None:
    st.markdown(f"{STATE_BADGES[status.state]} {status.label}")


def render_signoff_panel(
    store: Store, repo: CardRepository, card_id: int, doc: CardDocument, status: CardStatus
) -> None:
    render_status(status)
    signoffs = repo.signoffs(card_id)
    if signoffs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "#": s.id,
                        "reviewer": s.reviewer,
                        "via": s.auth_method,
                        "decision": s.decision,
                        "version": s.version,
                        "signed (UTC)": format_time(s.signed_at),
                        "card sha256": s.card_hash[:12],
                        "records hashed": len(s.evidence or []),
                        "comment": s.comment,
                    }
                    for s in reversed(signoffs)
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption("Sign-offs are append-only: they are never edited or deleted.")

    left, right = st.columns(2, gap="large")
    with left:
        reviewer = render_sign_in()
    with right:
        st.markdown(f"**Sign version {status.latest_version}**")
        missing = doc.missing_required()
        if missing:
            st.warning(
                "Approval needs every required field; missing: " + "; ".join(missing),
                icon=":material/assignment_late:",
            )
        drift = evidence_drift(store, doc)
        if drift:
            st.warning(
                "Cited records changed since the card cited them: " + "; ".join(drift),
                icon=":material/sync_problem:",
            )
        if reviewer is None:
            st.info("Only a signed-in reviewer can sign.", icon=":material/lock:")
        else:
            with st.form(f"cards-sign-{card_id}-{status.latest_version}", clear_on_submit=True):
                decision = st.radio(
                    "Decision",
                    ["approve", "reject"],
                    format_func=str.capitalize,
                    horizontal=True,
                )
                comment = st.text_area("Comment (required)", max_chars=5000)
                signed = st.form_submit_button(
                    f"Sign version {status.latest_version}", type="primary", icon=":material/draw:"
                )
            if signed:
                try:
                    row = sign_card(
                        store, card_id, reviewer=reviewer, decision=decision, comment=comment
                    )
                except StewardError as exc:
                    st.error(str(exc))
                else:
                    st.session_state["cards_flash"] = (
                        f"Sign-off #{row.id} recorded: {row.decision} of version {row.version}."
                    )
                    st.rerun()

    st.divider()
    if st.button("Verify integrity", icon=":material/fact_check:", key=f"verify-{card_id}"):
        report = verify_card(store, card_id)
        if report.ok:
            st.success(
                f"Intact: version {report.latest_version} matches the sign-off by "
                f"{report.reviewer} ({report.decision}); {report.checked_records} cited records "
                "unchanged.",
                icon=":material/verified:",
            )
        else:
            st.error(
                "Verification failed:\n" + "\n".join(f"- {p}" for p in report.problems),
                icon=":material/gpp_bad:",
            )
    st.caption(
        "Verify recomputes the card's hash and the hash of every record the last sign-off "
        "cites, straight from the database. Same as `python -m backend card verify --id "
        f"{card_id}`."
    )
