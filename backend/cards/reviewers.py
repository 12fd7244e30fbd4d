"""Reviewer accounts: local accounts with argon2 hashes, or OIDC identities.

Local accounts live in a TOML file, by default ``$STEWARD_HOME/reviewers.toml``
(``STEWARD_REVIEWERS_FILE`` overrides the path)::

    [reviewers.alice]
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."
    display_name = "Alice Martin"
    email = "alice@example.org"
    added_at = "2026-11-22T01:00:00"

Add one with ``python -m backend reviewer add alice`` (password from
``STEWARD_REVIEWER_PASSWORD`` or a prompt). Only the argon2 hash is stored; the file is
written with mode 0600.

With Streamlit's OIDC login configured (``[auth]`` in secrets.toml), a signed-in user
may sign when their e-mail is listed in ``[steward.reviewers] allowed_emails`` or is the
``email`` of a local account.

:func:`sign_in` is what the dashboard and the CLI call: :func:`authenticate` behind a
per-account rate limit kept in the database (``MAX_FAILURES`` failed attempts within
``LOCK_WINDOW`` lock that account name until the oldest of them is that old), so a
restart or a second server does not reset the count.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from backend.config import Settings, get_settings
from backend.errors import ConfigError, StewardError
from backend.store import Store, utcnow

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD = 8
SIGN_IN_FAILED = "Sign-in failed: unknown reviewer or wrong password."
PASSWORD_ENV = "STEWARD_REVIEWER_PASSWORD"
MAX_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()


class SignInError(StewardError):
    """Unknown reviewer, wrong password, or an identity not allowed to sign."""


@dataclass(frozen=True)
class Reviewer:
    """A reviewer whose identity was just checked (password or OIDC)."""

    name: str
    auth_method: str  # local | oidc
    display_name: str = ""
    email: str = ""

    @property
    def shown(self) -> str:
        return self.display_name or self.name


def reviewers_path(settings: Settings | None = None) -> Path:
    override = os.environ.get("STEWARD_REVIEWERS_FILE")
    if override:
        return Path(override).expanduser()
    return (settings or get_settings()).home / "reviewers.toml"


def load_accounts(path: Path | None = None) -> dict[str, dict]:
    """{name: {password_hash, display_name, email, added_at}} from the reviewers file."""
    path = path or reviewers_path()
    if path.exists() and not path.is_file():
        raise ConfigError(
            f"The reviewers file {path} is a folder, not a file: point STEWARD_REVIEWERS_FILE "
            "at a TOML file (it is created by `python -m backend reviewer add`)."
        )
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"The reviewers file {path} cannot be read: {exc}") from None
    accounts = data.get("reviewers", {})
    if not isinstance(accounts, dict):
        raise ConfigError(f"The reviewers file {path} has no [reviewers.NAME] tables.")
    return {str(k): v for k, v in accounts.items() if isinstance(v, dict)}


def _toml_str(value: str) -> str:
    # JSON string escapes (\" \\ \n \uXXXX) are valid TOML basic-string escapes
    return json.dumps(str(value), ensure_ascii=True)


def _write_accounts(path: Path, accounts: dict[str, dict]) -> None:
    lines = [
        "# Steward reviewer accounts: argon2 password hashes only.",
        "# Add one with: python -m backend reviewer add NAME",
        "",
    ]
    for name in sorted(accounts):
        lines.append(f"[reviewers.{_toml_str(name)}]")
        for key in ("password_hash", "display_name", "email", "added_at"):
            if accounts[name].get(key) is not None:
                lines.append(f"{key} = {_toml_str(accounts[name][key])}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    os.replace(tmp, path)  # atomic: a crash never leaves half a file


def add_reviewer(
    name: str,
    password: str,
    *,
    display_name: str = "",
    email: str = "",
    replace: bool = False,
    path: Path | None = None,
) -> Reviewer:
    """Create (or with ``replace``, reset) a local reviewer account."""
    if not NAME_RE.match(name or ""):
        raise StewardError(
            "Reviewer names use letters, digits and . _ @ - (up to 64 characters), "
            "starting with a letter or digit."
        )
    if len(password or "") < MIN_PASSWORD:
        raise StewardError(f"Choose a password of at least {MIN_PASSWORD} characters.")
    path = path or reviewers_path()
    accounts = load_accounts(path)
    if name in accounts and not replace:
        raise StewardError(
            f"Reviewer '{name}' already exists (use --replace to reset the password)."
        )
    accounts[name] = {
        "password_hash": _hasher.hash(password),
        "display_name": display_name,
        "email": email,
        "added_at": utcnow().isoformat(timespec="seconds"),
    }
    _write_accounts(path, accounts)
    return Reviewer(name=name, auth_method="local", display_name=display_name, email=email)


def list_reviewers(path: Path | None = None) -> list[Reviewer]:
    return [
        Reviewer(
            name=n,
            auth_method="local",
            display_name=str(a.get("display_name", "")),
            email=str(a.get("email", "")),
        )
        for n, a in sorted(load_accounts(path).items())
    ]


def authenticate(name: str, password: str, *, path: Path | None = None) -> Reviewer:
    """Check a local reviewer's password; :class:`SignInError` when it fails.

    Unknown names and wrong passwords give the same message, and an unknown name still
    costs one argon2 verification, so the answer does not reveal which names exist.
    """
    account = load_accounts(path).get(name or "")
    stored = str(account.get("password_hash", "")) if account else ""
    try:
        if not stored:
            _hasher.verify(_dummy_hash(), password or "")
            raise SignInError(SIGN_IN_FAILED)
        _hasher.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise SignInError(SIGN_IN_FAILED) from None
    assert account is not None
    return Reviewer(
        name=name,
        auth_method="local",
        display_name=str(account.get("display_name", "")),
        email=str(account.get("email", "")),
    )


class SignInLocked(SignInError):
    """Too many failed sign-ins for one account name: wait before trying again."""


def sign_in(
    store: Store,
    name: str,
    password: str,
    *,
    now: datetime | None = None,
    max_failures: int = MAX_FAILURES,
    window: timedelta = LOCK_WINDOW,
    path: Path | None = None,
) -> Reviewer:
    """:func:`authenticate`, rate-limited per account name and recorded in the database.

    After ``max_failures`` failed attempts within ``window`` the name is locked (the
    password is not even checked) until the oldest of those failures leaves the window.
    A successful sign-in does not clear earlier failures: they age out.
    """
    from sqlalchemy import select

    from .repository import SignInAttempt

    name = (name or "").strip()[:64]
    now = now or utcnow()
    with store.session() as s:
        failures = list(
            s.scalars(
                select(SignInAttempt.at)
                .where(
                    SignInAttempt.name == name,
                    SignInAttempt.ok.is_(False),
                    SignInAttempt.at > now - window,
                )
                .order_by(SignInAttempt.at.desc())
                .limit(max_failures)
            )
        )
    if len(failures) >= max_failures:
        wait = failures[-1] + window - now
        minutes = max(1, int(wait.total_seconds() // 60) + (wait.total_seconds() % 60 > 0))
        raise SignInLocked(
            f"Too many failed sign-ins for '{name}': try again in {minutes} minute"
            f"{'s' if minutes > 1 else ''}."
        )
    try:
        reviewer = authenticate(name, password, path=path)
    except SignInError:
        with store.session() as s:
            s.add(SignInAttempt(name=name, ok=False, at=now))
        raise
    with store.session() as s:
        s.add(SignInAttempt(name=name, ok=True, at=now))
    return reviewer


def oidc_allowed_emails(settings: Settings | None = None, path: Path | None = None) -> set[str]:
    settings = settings or get_settings()
    conf = settings.extra.get("reviewers", {}) if isinstance(settings.extra, dict) else {}
    allowed = conf.get("allowed_emails", []) if isinstance(conf, dict) else []
    emails = {str(e).strip().lower() for e in allowed if str(e).strip()}
    emails |= {r.email.lower() for r in list_reviewers(path) if r.email}
    return emails


def authorize_oidc(
    email: str | None, name: str = "", *, settings: Settings | None = None
) -> Reviewer:
    """A reviewer from an OIDC identity (``st.user``), if that e-mail may sign."""
    if not email:
        raise SignInError("Your identity provider did not share an e-mail address.")
    if email.strip().lower() not in oidc_allowed_emails(settings):
        raise SignInError(
            f"{email} is signed in but is not a reviewer. Ask an administrator to add it to "
            "[steward.reviewers] allowed_emails in .streamlit/secrets.toml."
        )
    return Reviewer(name=email.strip().lower(), auth_method="oidc", display_name=name, email=email)


_dummy: list[str] = []


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(_hasher.hash("steward-timing-equaliser"))
    return _dummy[0]
