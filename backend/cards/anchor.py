"""The key that anchors each card's sign-off chain head outside the database.

A hash chain shows a sign-off that was changed or removed from the middle, but not one
cut from the end: the shortened chain is still a valid chain. So every append also
stores the chain's head (sign-off count and last record hash) with an HMAC-SHA256 made
with a key the database does not hold. Whoever can only write to the database cannot
make a valid HMAC for a shortened or rewritten chain.

The key comes from, in order:

1. ``STEWARD_SIGNOFF_KEY`` in the environment;
2. ``signoff_key`` in the ``[steward]`` table of ``.streamlit/secrets.toml``;
3. a random key Steward creates once in ``$STEWARD_HOME/signoff.key`` (mode 0600).

The third keeps a fresh install working offline, but the key then sits beside the
database: someone who can read the workspace's files can forge a head. Set one of the
first two on a shared or production deployment (see docs/cards.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from backend.config import Settings, get_settings
from backend.errors import ConfigError

KEY_ENV = "STEWARD_SIGNOFF_KEY"
MIN_KEY_CHARS = 16


@dataclass(frozen=True)
class SignoffKey:
    secret: bytes
    source: str  # "environment" | "secrets" | "file <path>"

    @property
    def key_id(self) -> str:
        """A short fingerprint that names the key without revealing it."""
        return hashlib.sha256(b"steward-signoff-key-id:" + self.secret).hexdigest()[:12]


def key_file(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).home / "signoff.key"


def signoff_key(settings: Settings | None = None) -> SignoffKey:
    """The anchoring key (see the module docstring for where it comes from)."""
    settings = settings or get_settings()
    env = os.environ.get(KEY_ENV)
    if env is not None:
        return SignoffKey(_checked(env, KEY_ENV), "environment")
    conf = settings.extra if isinstance(settings.extra, dict) else {}
    value = conf.get("signoff_key")
    if value is not None:
        return SignoffKey(_checked(str(value), "[steward] signoff_key"), "secrets")
    path = key_file(settings)
    if not path.exists():
        _create_key_file(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The sign-off key file {path} cannot be read: {exc}") from None
    return SignoffKey(_checked(text, str(path)), f"file {path}")


def _create_key_file(path: Path) -> None:
    """Write a new random key, complete, before it appears under ``path``.

    Two processes may both find no key on first use: each writes its own temporary file,
    then hard-links it to ``path``. The link is atomic and fails when ``path`` exists, so
    exactly one key wins and no reader ever sees a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: use its key
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _checked(value: str, where: str) -> bytes:
    value = value.strip()
    if len(value) < MIN_KEY_CHARS:
        raise ConfigError(
            f"The sign-off key from {where} is too short: use at least {MIN_KEY_CHARS} "
            "random characters (for example `python -c 'import secrets;print(secrets.token_hex(32))'`)."
        )
    return value.encode("utf-8")


def head_mac(key: SignoffKey, card_id: int, count: int, head_hash: str) -> str:
    """HMAC-SHA256 over one card's chain head: its id, number of sign-offs and last hash."""
    message = f"steward-signoff-head:v1:{int(card_id)}:{int(count)}:{head_hash}".encode()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def mac_matches(key: SignoffKey, card_id: int, count: int, head_hash: str, mac: str) -> bool:
    return hmac.compare_digest(head_mac(key, card_id, count, head_hash), mac or "")
