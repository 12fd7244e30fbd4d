"""Field-by-field differences between two card versions (for a side-by-side view)."""

from __future__ import annotations

from dataclasses import dataclass

from .schema import STATUS_LABELS, CardDocument


@dataclass(frozen=True)
class FieldChange:
    section: str  # section title, "Card" or "Compliance checklist"
    field: str  # field label
    old: str
    new: str

    @property
    def kind(self) -> str:
        if not self.old:
            return "added"
        if not self.new:
            return "removed"
        return "changed"


def _fields(doc: CardDocument) -> dict[tuple[str, str], tuple[str, str, str]]:
    out: dict[tuple[str, str], tuple[str, str, str]] = {
        ("card", "title"): ("Card", "Title", doc.title)
    }
    for skey, stitle, spec, fld in doc.iter_fields():
        source = ""
        if fld.source is not None:
            source = f"\n[auto-filled from {fld.source.label or fld.source.key}]"
            if fld.edited:
                source += " [edited]"
        out[(skey, spec.key)] = (stitle, spec.label, fld.value + (source if fld.value else ""))
    for item in doc.checklist:
        evidence = ", ".join(e.label or e.key for e in item.evidence)
        text = STATUS_LABELS.get(item.status, item.status)
        if item.notes:
            text += f" — {item.notes}"
        if evidence:
            text += f"\nEvidence: {evidence}"
        out[("checklist", item.key)] = ("Compliance checklist", item.label, text)
    return out


def diff_cards(old: CardDocument, new: CardDocument) -> list[FieldChange]:
    """Every field whose value, provenance, status or evidence differs, in card order."""
    a, b = _fields(old), _fields(new)
    changes = []
    for key in list(a) + [k for k in b if k not in a]:
        sa, la, va = a.get(key, ("", "", ""))
        sb, lb, vb = b.get(key, ("", "", ""))
        if va != vb:
            changes.append(FieldChange(sb or sa, lb or la, va, vb))
    return changes


def side_by_side(old: CardDocument, new: CardDocument, *, only_changes: bool = True) -> list[dict]:
    """Rows ``{section, field, left, right, changed}`` for a two-column table."""
    a, b = _fields(old), _fields(new)
    rows = []
    for key in list(a) + [k for k in b if k not in a]:
        sa, la, va = a.get(key, ("", "", ""))
        sb, lb, vb = b.get(key, ("", "", ""))
        if only_changes and va == vb:
            continue
        rows.append(
            {"section": sb or sa, "field": lb or la, "left": va, "right": vb, "changed": va != vb}
        )
    return rows
