"""Model and data cards: typed schema, auto-fill from the store, exports, versions,
compliance checklist and reviewer sign-off.

No Streamlit here; the page (``pages/cards.py``) and the CLI (``python -m backend card``)
both call these functions.
"""

from .autofill import build_card
from .diff import FieldChange, diff_cards, side_by_side
from .metadata import hub_metadata
from .records import current_hash, file_ref, resolve_run
from .render import FORMATS, CardExportError, Export, ExportContext, export_card
from .repository import CardRepository, SavedVersion
from .reviewers import Reviewer, SignInError, add_reviewer, authenticate, authorize_oidc
from .schema import (
    CHECKLIST_ITEMS,
    CHECKLIST_STATUSES,
    STATUS_LABELS,
    CardDocument,
    CardField,
    ChecklistItem,
    RecordRef,
    card_hash,
)
from .service import attach_evidence, create_card, export_saved_card, store_evidence_file
from .signoff import CardStatus, VerifyReport, card_status, evidence_drift, sign_card, verify_card

__all__ = [
    "CHECKLIST_ITEMS",
    "CHECKLIST_STATUSES",
    "FORMATS",
    "STATUS_LABELS",
    "CardDocument",
    "CardExportError",
    "CardField",
    "CardRepository",
    "CardStatus",
    "ChecklistItem",
    "Export",
    "ExportContext",
    "FieldChange",
    "RecordRef",
    "Reviewer",
    "SavedVersion",
    "SignInError",
    "VerifyReport",
    "add_reviewer",
    "attach_evidence",
    "authenticate",
    "authorize_oidc",
    "build_card",
    "card_hash",
    "card_status",
    "create_card",
    "current_hash",
    "diff_cards",
    "evidence_drift",
    "export_card",
    "export_saved_card",
    "file_ref",
    "hub_metadata",
    "resolve_run",
    "side_by_side",
    "sign_card",
    "store_evidence_file",
    "verify_card",
]
