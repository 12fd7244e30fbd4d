"""Card persistence: cards, immutable versions and append-only sign-offs.

Three tables of our own (subclassing :class:`backend.store.Base`):

``cards``            one row per card (kind, title).
``card_versions``    every save is a new row with the full document and its SHA-256.
``card_signoffs``    reviewer decisions. Each row also stores ``record_hash`` (hash of the
                     row's own fields) and ``prev_hash`` (the previous sign-off's
                     ``record_hash`` for the same card), a small hash chain so a changed or
                     removed sign-off is noticed by ``verify``.

Versions and sign-offs have no update or delete code path here. On SQLite, triggers
make the database itself refuse ``UPDATE``/``DELETE`` on both tables, so even a
mistaken script cannot rewrite history without first dropping the triggers (which
``verify`` would then still catch through the hashes).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from backend.errors import StewardError
from backend.store import Base, Store, content_hash, utcnow

from .schema import CardDocument, card_hash


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


_APPEND_ONLY_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()}
        BEFORE {op} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
    for table in ("card_versions", "card_signoffs")
    for op in ("UPDATE", "DELETE")
]

_ready: weakref.WeakSet = weakref.WeakSet()  # engines already set up


def ensure_schema(store: Store) -> None:
    """Create the card tables (idempotent) and, on SQLite, the append-only triggers."""
    if store.engine in _ready:
        return
    Base.metadata.create_all(
        store.engine,
        tables=[CardRow.__table__, CardVersionRow.__table__, SignOffRow.__table__],
    )
    if store.engine.dialect.name == "sqlite":
        with store.engine.begin() as conn:
            for ddl in _APPEND_ONLY_TRIGGERS:
                conn.execute(text(ddl))
    _ready.add(store.engine)


def signoff_record_hash(fields: dict) -> str:
    """Hash of a sign-off's own content (everything but its id and this hash)."""
    return content_hash(
        {
            k: fields[k]
            for k in (
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
        }
    )


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
        ensure_schema(store)

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

    def append_signoff(self, **fields) -> SignOffRow:
        """Append one sign-off; chains it to the card's previous sign-off."""
        with self.store.session() as s:
            prev = s.scalars(
                select(SignOffRow)
                .where(SignOffRow.card_id == fields["card_id"])
                .order_by(SignOffRow.id.desc())
                .limit(1)
            ).first()
            fields["prev_hash"] = prev.record_hash if prev else ""
            fields["signed_at"] = fields.get("signed_at") or utcnow().replace(microsecond=0)
            hashed = dict(fields, signed_at=fields["signed_at"].isoformat())
            row = SignOffRow(**fields, record_hash=signoff_record_hash(hashed))
            s.add(row)
            s.flush()
            return row
