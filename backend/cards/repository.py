"""Card persistence: cards, immutable versions and append-only sign-offs.

Three tables of our own (subclassing :class:`backend.store.Base`):

``cards``            one row per card (kind, title).
``card_versions``    every save is a new row with the full document and its SHA-256.
``card_signoffs``    reviewer decisions. Each row also stores ``record_hash`` (hash of the
                     row's own fields) and ``prev_hash`` (the previous sign-off's
                     ``record_hash`` for the same card), a small hash chain so a changed or
                     removed sign-off is noticed by ``verify``.
``card_signoff_heads`` one row per signed card: the chain's length and last hash with an
                     HMAC made with a key kept outside the database
                     (:mod:`backend.cards.anchor`), so cutting the chain's tail is noticed.
``reviewer_sign_ins`` sign-in attempts, for the per-account rate limit.

Versions and sign-offs have no update or delete code path here. Triggers (created by
the migration ``backend/migrations/versions/0002_append_only_guards.py``, on SQLite and
PostgreSQL) make the database itself refuse ``UPDATE``/``DELETE`` on both tables (and
``TRUNCATE`` on PostgreSQL), an ``INSERT`` that reuses an existing id on SQLite
(``INSERT OR REPLACE`` would otherwise delete the old row without firing the delete
trigger), and deleting a card. Even a mistaken script cannot rewrite history without
first dropping the triggers, which ``verify`` then still catches through the hashes and
the anchored head.

Appending a sign-off takes the database's write lock *before* reading the chain head
(``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on the card row elsewhere), so
two reviewers signing at the same instant are chained one after the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from backend.errors import StewardError
from backend.store import Base, Store, content_hash, utcnow, write_transaction

from .anchor import SignoffKey, head_mac, mac_matches, signoff_key
from .schema import CardDocument, card_hash, check_title


class CardRow(Base):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # model | data
    title: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CardVersionRow(Base):
    __tablename__ = "card_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("card_id", "version", name="uq_card_version"),)


class SignOffRow(Base):
    __tablename__ = "card_signoffs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("card_versions.id"))
    version: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(200))
    auth_method: Mapped[str] = mapped_column(String(20))  # local | oidc
    decision: Mapped[str] = mapped_column(String(10))  # approve | reject
    comment: Mapped[str] = mapped_column(Text, default="")
    card_hash: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # [{kind,id,path,label,hash}]
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    record_hash: Mapped[str] = mapped_column(String(64))
    # approval with exceptions: [{key, issue, justification}]; hashed into the chain
    exceptions: Mapped[list | None] = mapped_column(JSON, nullable=True, default=list)


class SignOffHead(Base):
    """The anchored head of one card's sign-off chain (see :mod:`backend.cards.anchor`)."""

    __tablename__ = "card_signoff_heads"
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(12))
    mac: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SignInAttempt(Base):
    """One reviewer sign-in attempt (the rate limit counts recent failures per account)."""

    __tablename__ = "reviewer_sign_ins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


_HASHED = (
    "card_id",
    "version_id",
    "version",
    "reviewer",
    "auth_method",
    "decision",
    "comment",
    "card_hash",
    "evidence",
    "signed_at",
    "prev_hash",
)


def signoff_record_hash(fields: dict) -> str:
    """Hash of a sign-off's own content (everything but its id and this hash).

    Exceptions join the hash only when there are some, so sign-offs recorded before
    approval with exceptions existed keep their hashes.
    """
    hashed = {k: fields[k] for k in _HASHED}
    if fields.get("exceptions"):
        hashed["exceptions"] = fields["exceptions"]
    return content_hash(hashed)


def row_record_hash(row: SignOffRow) -> str:
    """:func:`signoff_record_hash` recomputed from a stored row."""
    fields = {k: getattr(row, k) for k in _HASHED}
    fields["signed_at"] = row.signed_at.isoformat()
    fields["exceptions"] = row.exceptions or []
    return signoff_record_hash(fields)


class ChainBroken(StewardError):
    """The stored chain does not end at its anchored head: nothing may be appended."""


def head_problems(
    card_id: int, signoffs: list[SignOffRow], head: SignOffHead | None, key: SignoffKey
) -> list[str]:
    """What is wrong between a card's sign-off rows and their anchored head ([] when fine)."""
    if head is None:
        if signoffs:
            return [
                f"card {card_id}'s sign-offs have no anchored head: they were written outside "
                "Steward, the head was deleted, or they predate anchoring (then check them and "
                f"run `python -m backend card anchor --id {card_id}`)"
            ]
        return []
    if head.key_id != key.key_id:
        return [
            f"card {card_id}'s sign-off head was anchored with another key ({head.key_id}, "
            f"now {key.key_id}): the sign-off key changed, or the head was forged"
        ]
    if not mac_matches(key, card_id, head.count, head.head_hash, head.mac):
        return [f"card {card_id}'s anchored sign-off head was altered (its HMAC does not match)"]
    if len(signoffs) < head.count:
        missing = head.count - len(signoffs)
        return [
            f"{missing} sign-off{'s were' if missing > 1 else ' was'} removed: the anchored head "
            f"records {head.count}, the database holds {len(signoffs)} (the last was #{head.last_id})"
        ]
    if len(signoffs) > head.count:
        extra = [s.id for s in signoffs[head.count :]]
        return [f"sign-off(s) {extra} were added outside Steward after the anchored head"]
    last = signoffs[-1]
    if last.id != head.last_id:
        return [
            f"card {card_id}'s last sign-off (#{last.id}) is not the anchored one "
            f"(#{head.last_id}): it was replaced"
        ]
    if last.record_hash != head.head_hash:
        return [
            f"card {card_id}'s last sign-off (#{last.id}) does not match its anchored hash: "
            "it was rewritten"
        ]
    return []


@contextmanager
def chain_transaction(store: Store, card_id: int) -> Iterator[Connection]:
    """A transaction that holds the write lock for ``card_id``'s sign-off chain.

    The lock is taken before anything is read, so no other writer can append between
    reading the chain head and inserting after it. SQLite: ``BEGIN IMMEDIATE`` (the
    database's single write lock, taken up front; other writers wait ``busy_timeout``).
    Other databases: an ordinary transaction that first locks the card's row with
    ``SELECT ... FOR UPDATE``, so appends to one card queue while other cards proceed.
    """
    with write_transaction(store.engine) as conn:
        if conn.dialect.name != "sqlite":
            conn.execute(select(CardRow.id).where(CardRow.id == card_id).with_for_update())
        yield conn


@dataclass(frozen=True)
class SavedVersion:
    card_id: int
    version: int
    version_id: int
    content_hash: str
    created: bool  # False when the content equalled the latest version (nothing saved)


class CardRepository:
    """Read and append card records. There is deliberately no update or delete method."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- cards and versions -------------------------------------------------------------
    def create(self, doc: CardDocument, *, author: str = "", note: str = "") -> SavedVersion:
        """Create a card and its version 1."""
        with self.store.session() as s:
            row = CardRow(kind=doc.kind, title=doc.title, created_by=author)
            s.add(row)
            s.flush()
            card_id = row.id
        # an index entry in the shared artifacts table, so workspace summaries count cards;
        # the card itself (versions, sign-offs) lives in the tables above
        self.store.save_artifact(
            kind="card", name=doc.title[:200], content={"card_id": card_id, "kind": doc.kind}
        )
        return self.save_version(card_id, doc, author=author, note=note or "created")

    def save_version(
        self,
        card_id: int,
        doc: CardDocument,
        *,
        author: str = "",
        note: str = "",
        expected_version: int | None = None,
    ) -> SavedVersion:
        """Append a new version (no-op when the content equals the latest version).

        ``expected_version`` is the version the editor started from: when someone saved a
        newer one in the meantime the save is refused instead of silently undoing their
        changes.
        """
        try:
            return self._save_version(card_id, doc, author, note, expected_version)
        except IntegrityError:  # two saves raced for the same version number
            raise StewardError(
                f"Card {card_id} was saved by someone else at the same moment; reload and retry."
            ) from None

    def _save_version(
        self,
        card_id: int,
        doc: CardDocument,
        author: str,
        note: str,
        expected_version: int | None,
    ) -> SavedVersion:
        check_title(doc.title)
        content = doc.to_json()
        digest = card_hash(content)
        with self.store.session() as s:
            card = s.get(CardRow, card_id)
            if card is None:
                raise StewardError(f"No card with id {card_id}.")
            if card.kind != doc.kind:
                raise StewardError(f"Card {card_id} is a {card.kind} card, not a {doc.kind} card.")
            latest = s.scalars(
                select(CardVersionRow)
                .where(CardVersionRow.card_id == card_id)
                .order_by(CardVersionRow.version.desc())
                .limit(1)
            ).first()
            if (
                expected_version is not None
                and latest is not None
                and latest.version != expected_version
            ):
                raise StewardError(
                    f"Card {card_id} changed since you opened version {expected_version} "
                    f"(it is now at version {latest.version}); reload to see the changes."
                )
            if latest is not None and latest.content_hash == digest:
                return SavedVersion(card_id, latest.version, latest.id, digest, False)
            number = (latest.version + 1) if latest else 1
            row = CardVersionRow(
                card_id=card_id,
                version=number,
                content=content,
                content_hash=digest,
                author=author,
                note=note,
            )
            s.add(row)
            # the title lives in the document; keep the list view in step (cards rows are
            # not part of any hash, so this is the one update we allow)
            card.title = doc.title
            s.flush()
            return SavedVersion(card_id, number, row.id, digest, True)

    def get_card(self, card_id: int) -> CardRow:
        with self.store.session() as s:
            card = s.get(CardRow, int(card_id))
        if card is None:
            raise StewardError(f"No card with id {card_id}.")
        return card

    def list_cards(self) -> list[CardRow]:
        with self.store.session() as s:
            return list(s.scalars(select(CardRow).order_by(CardRow.id.desc())))

    def count(self) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count(CardRow.id))) or 0)

    def versions(self, card_id: int) -> list[CardVersionRow]:
        with self.store.session() as s:
            return list(
                s.scalars(
                    select(CardVersionRow)
                    .where(CardVersionRow.card_id == card_id)
                    .order_by(CardVersionRow.version)
                )
            )

    def latest_version(self, card_id: int) -> CardVersionRow:
        versions = self.versions(card_id)
        if not versions:
            self.get_card(card_id)  # "No card with id N" when the card does not exist
            raise StewardError(f"Card {card_id} has no saved version.")
        return versions[-1]

    def get_version(self, card_id: int, version: int) -> CardVersionRow:
        for row in self.versions(card_id):
            if row.version == version:
                return row
        self.get_card(card_id)
        raise StewardError(f"Card {card_id} has no version {version}.")

    def load(self, card_id: int, version: int | None = None) -> CardDocument:
        """The document of a version (default: latest), validated against the schema."""
        row = (
            self.latest_version(card_id) if version is None else self.get_version(card_id, version)
        )
        try:
            return CardDocument.model_validate(row.content)
        except ValueError as exc:
            raise StewardError(
                f"Card {card_id} version {row.version} in the database does not match the card "
                f"schema (edited outside Steward?): {str(exc).splitlines()[0]}"
            ) from None

    # -- sign-offs ----------------------------------------------------------------------
    def signoffs(self, card_id: int) -> list[SignOffRow]:
        with self.store.session() as s:
            return list(
                s.scalars(
                    select(SignOffRow).where(SignOffRow.card_id == card_id).order_by(SignOffRow.id)
                )
            )

    def head(self, card_id: int) -> SignOffHead | None:
        with self.store.session() as s:
            return s.get(SignOffHead, card_id)

    def chain_problems(self, card_id: int, key: SignoffKey | None = None) -> list[str]:
        """Every way the stored sign-off chain of a card fails (rows, links, anchored head)."""
        signoffs = self.signoffs(card_id)
        problems = []
        prev = ""
        for so in signoffs:
            if row_record_hash(so) != so.record_hash:
                problems.append(f"sign-off #{so.id} was altered in the database")
            if so.prev_hash != prev:
                problems.append(
                    f"sign-off #{so.id} does not follow the previous one (one was removed)"
                )
            prev = so.record_hash
        return problems + head_problems(card_id, signoffs, self.head(card_id), key or signoff_key())

    def anchor_existing(self, card_id: int) -> SignOffHead:
        """Anchor a chain signed before heads existed (an administrator's decision).

        Refused when the card already has a head (that would hide a cut tail) or when the
        chain's own hashes and links do not hold. It trusts the chain as it is now.
        """
        key = signoff_key()
        heads_t = SignOffHead.__table__
        with chain_transaction(self.store, card_id) as conn:
            if conn.execute(select(heads_t.c.card_id).where(heads_t.c.card_id == card_id)).first():
                raise StewardError(
                    f"Card {card_id}'s sign-offs are already anchored; nothing to do (a head is "
                    "never replaced)."
                )
            chain = self.signoffs(card_id)
            if not chain:
                raise StewardError(f"Card {card_id} has no sign-off to anchor.")
            prev = ""
            for so in chain:
                if row_record_hash(so) != so.record_hash or so.prev_hash != prev:
                    raise ChainBroken(
                        f"Sign-off #{so.id} fails its hash or link: card {card_id}'s chain "
                        "cannot be anchored as it is."
                    )
                prev = so.record_hash
            head = {
                "card_id": card_id,
                "count": len(chain),
                "head_hash": chain[-1].record_hash,
                "last_id": chain[-1].id,
                "key_id": key.key_id,
                "mac": head_mac(key, card_id, len(chain), chain[-1].record_hash),
                "updated_at": utcnow(),
            }
            conn.execute(insert(heads_t).values(**head))
        return SignOffHead(**head)

    def append_signoff(self, **fields) -> SignOffRow:
        """Append one sign-off, chained to the card's previous one, and re-anchor the head.

        Refuses (:class:`ChainBroken`) when the stored chain does not end at its anchored
        head: appending would otherwise hide a removed sign-off behind a new, valid head.
        """
        key = signoff_key()
        card_id = int(fields["card_id"])
        signoffs_t, heads_t = SignOffRow.__table__, SignOffHead.__table__
        with chain_transaction(self.store, card_id) as conn:
            rows = conn.execute(
                select(signoffs_t).where(signoffs_t.c.card_id == card_id).order_by(signoffs_t.c.id)
            ).all()
            head_row = conn.execute(select(heads_t).where(heads_t.c.card_id == card_id)).first()
            chain = [SignOffRow(**r._mapping) for r in rows]
            head = SignOffHead(**head_row._mapping) if head_row is not None else None
            problems = head_problems(card_id, chain, head, key)
            if problems:
                raise ChainBroken(
                    f"Card {card_id}'s sign-off history does not match its anchored head, so no "
                    f"sign-off can be added: {problems[0]}. Run `python -m backend card verify "
                    f"--id {card_id}` and investigate."
                )
            fields["prev_hash"] = chain[-1].record_hash if chain else ""
            fields["signed_at"] = fields.get("signed_at") or utcnow().replace(microsecond=0)
            fields["exceptions"] = list(fields.get("exceptions") or [])
            hashed = dict(fields, signed_at=fields["signed_at"].isoformat())
            record_hash = signoff_record_hash(hashed)
            new_id = conn.execute(
                insert(signoffs_t).values(**fields, record_hash=record_hash)
            ).inserted_primary_key[0]
            count = len(chain) + 1
            anchor = {
                "count": count,
                "head_hash": record_hash,
                "last_id": new_id,
                "key_id": key.key_id,
                "mac": head_mac(key, card_id, count, record_hash),
                "updated_at": utcnow(),
            }
            if head is None:
                conn.execute(insert(heads_t).values(card_id=card_id, **anchor))
            else:
                conn.execute(heads_t.update().where(heads_t.c.card_id == card_id).values(**anchor))
        return SignOffRow(id=new_id, **fields, record_hash=record_hash)
