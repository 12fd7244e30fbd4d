"""Reviewer sign-in for the browser session: a local account (argon2 password) or, when
``[auth]`` is configured in secrets.toml, Streamlit's OIDC login.

A reviewer signs in once per browser session; every page that records who did something
(card versions, sign-offs, alert acknowledgements) reads :func:`current_reviewer` and
never asks for a free-text name.
"""

from __future__ import annotations

import streamlit as st

from backend.cards.reviewers import (
    MAX_FAILURES,
    PASSWORD_ENV,
    Reviewer,
    SignInError,
    authorize_oidc,
    list_reviewers,
    reviewers_path,
    sign_in,
)
from backend.errors import StewardError
from backend.store import Store

SESSION_KEY = "steward_reviewer"
#: what Streamlit's st.login needs in [auth] (a single provider)
OIDC_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")


def oidc_settings() -> tuple[bool, list[str]]:
    """(configured, missing keys): ``[auth]`` present in secrets.toml, and what it lacks."""
    try:
        if "auth" not in st.secrets:
            return False, []
        auth = st.secrets["auth"]
    except Exception:  # no secrets file at all, or one Streamlit cannot parse
        return False, []
    return True, [k for k in OIDC_KEYS if k not in auth]


def _oidc_reviewer() -> Reviewer | None:
    configured, missing = oidc_settings()
    if not configured or missing:
        return None
    try:
        if st.user.get("is_logged_in", False):
            return authorize_oidc(st.user.get("email"), st.user.get("name") or "")
    except SignInError:
        return None
    return None


def current_reviewer() -> Reviewer | None:
    """The reviewer signed in in this browser session, if any."""
    reviewer = st.session_state.get(SESSION_KEY)
    if isinstance(reviewer, Reviewer):
        return reviewer
    return _oidc_reviewer()


def first_account_help() -> str:
    return (
        "No reviewer account exists yet. Create the first one in a terminal, in the project "
        "folder (the password is read from the environment variable, or prompted for):\n\n"
        f"```\n{PASSWORD_ENV}='a long passphrase' python -m backend reviewer add alice "
        "--display-name 'Alice Martin'\n```\n"
        f"Only an argon2 hash is stored, in `{reviewers_path()}`."
    )


def render_reviewer_bar(store: Store, *, key: str) -> Reviewer | None:
    """Who is signed in (with Sign out), or the sign-in box. Returns the reviewer."""
    reviewer = current_reviewer()
    if reviewer is not None:
        left, right = st.columns([5, 1], vertical_alignment="center")
        how = "password" if reviewer.auth_method == "local" else "single sign-on"
        left.markdown(
            f":material/person: Signed in as **{reviewer.shown}** (`{reviewer.name}`, {how}): "
            "what you save, sign or acknowledge is recorded under this account."
        )
        if right.button("Sign out", key=f"{key}-sign-out", icon=":material/logout:"):
            st.session_state.pop(SESSION_KEY, None)
            if reviewer.auth_method == "oidc":
                st.logout()
            st.rerun()
        return reviewer
    with st.expander("Sign in as a reviewer", expanded=True, icon=":material/login:"):
        render_sign_in_form(store, key=key)
    return None


def render_sign_in_form(store: Store, *, key: str) -> None:
    """The local-account form, the single sign-on button when configured, and help."""
    configured, missing = oidc_settings()
    if configured and missing:
        st.error(
            "Single sign-on is set up in `[auth]` of `.streamlit/secrets.toml` but lacks "
            + ", ".join(f"`{k}`" for k in missing)
            + ". Until it is complete, sign in with a local account.",
            icon=":material/error:",
        )
    elif configured:
        try:
            if st.user.get("is_logged_in", False):
                authorize_oidc(st.user.get("email"), st.user.get("name") or "")
        except SignInError as exc:
            st.error(str(exc))
        if st.button("Sign in with single sign-on", icon=":material/login:", key=f"{key}-sso"):
            st.login()
    try:
        accounts = list_reviewers()
    except StewardError as exc:
        st.error(str(exc))
        return
    if not accounts and not configured:
        st.info(first_account_help(), icon=":material/person_add:")
        return
    with st.form(f"{key}-sign-in"):
        c1, c2 = st.columns(2)
        name = c1.text_input("Reviewer name", key=f"{key}-name", max_chars=64)
        password = c2.text_input("Password", type="password", key=f"{key}-password")
        go = st.form_submit_button("Sign in", icon=":material/key:")
    st.caption(
        f"Accounts live in `{reviewers_path()}` (argon2 hashes only). Add one with "
        f"`{PASSWORD_ENV}=... python -m backend reviewer add NAME`. After {MAX_FAILURES} failed "
        "attempts an account is locked for 15 minutes."
    )
    if go:
        try:
            st.session_state[SESSION_KEY] = sign_in(store, name, password)
        except StewardError as exc:
            st.error(str(exc), icon=":material/lock:")
            return
        st.rerun()
