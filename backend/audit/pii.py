"""PII check: counts per type, rows with PII, redacted examples.

Uses the shared :class:`backend.detectors.pii.PiiDetector`. Examples are stored
*redacted* (``<EMAIL>``...): the report never copies the personal data it found.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from backend.audit.protocol import AuditCheck, CardField, Finding, Headline, ReportContext, Section
from backend.audit.source import Chunk, value_counts
from backend.detectors.pii import ENTITY_TYPES, PiiDetector, redact_with
from backend.observations import Observation, finite_number

if TYPE_CHECKING:  # pragma: no cover
    from backend.audit.protocol import CardSuggestion

#: Characters of context kept around the first match in an example.
_CONTEXT = 90

DETECTOR_DESCRIPTION = (
    "Steward offline PII rules: patterns with checksums (issuer prefix and Luhn for cards, "
    "mod-97 for IBANs, address parsing for IPs), phones by phonenumbers plus context "
    "(phone formatting or a cue word); person names only next to cues such as 'my name is'"
)


class PiiSection(Section):
    """Rows with PII, counts per type, redacted examples, share per group."""

    detector: str = DETECTOR_DESCRIPTION
    entities_checked: list[str] = []
    counts_by_type: dict[str, Any] = {}
    rows_by_type: dict[str, Any] = {}
    rows_with_pii: int = 0
    share_rows_with_pii: float = 0.0
    examples: dict[str, Any] = {}
    by_group: dict[str, Any] = {}


class PiiCheck(AuditCheck):
    """Streaming PII counts; :meth:`result` returns the report section."""

    name = "pii"
    label = "PII"
    section_model = PiiSection
    transient = ("_detector",)

    @classmethod
    def from_config(cls, config, plan) -> PiiCheck:
        return cls(examples_per_type=config.examples_per_type)

    def __init__(
        self, *, entities: tuple[str, ...] = ENTITY_TYPES, examples_per_type: int = 5
    ) -> None:
        self.entities = tuple(entities)
        self.examples_per_type = examples_per_type
        self.rows = 0
        self.rows_with_pii = 0
        self.matches_by_type: Counter = Counter()
        self.rows_by_type: Counter = Counter()
        self.examples: dict[str, list[dict]] = {}
        self.group_rows: dict[str, Counter] = {}
        self.group_pii: dict[str, Counter] = {}

    @property
    def detector(self) -> PiiDetector:
        """The detector (built on first use; not part of the pickled state)."""
        if getattr(self, "_detector", None) is None:
            self._detector = PiiDetector(self.entities)
        return self._detector

    def update(self, batch) -> None:
        chunk = Chunk.of(batch)
        results = self.detector.find_rows(chunk.arrow_text)
        self.rows += len(chunk)
        hit_rows = list(results)
        for i, matches in results.items():
            types = {m.entity for m in matches}
            self.matches_by_type.update(m.entity for m in matches)
            self.rows_by_type.update(types)
            for entity in types:
                bucket = self.examples.setdefault(entity, [])
                if len(bucket) < self.examples_per_type:
                    text = chunk.arrow_text[i].as_py() or ""
                    bucket.append(
                        {
                            "row": chunk.start_row + i + 1,
                            "text": _snippet(text, matches, entity),
                            "types": sorted(types),
                        }
                    )
        self.rows_with_pii += len(hit_rows)
        for col in chunk.sensitive:
            groups = chunk.groups(col)
            self.group_rows.setdefault(col, Counter()).update(value_counts(groups))
            self.group_pii.setdefault(col, Counter()).update(groups[hit_rows].tolist())

    def merge(self, other: PiiCheck) -> None:
        self.rows += other.rows
        self.rows_with_pii += other.rows_with_pii
        self.matches_by_type.update(other.matches_by_type)
        self.rows_by_type.update(other.rows_by_type)
        for entity, items in other.examples.items():
            # The first rows of the file, whatever order the parts arrive in.
            merged = sorted([*self.examples.get(entity, []), *items], key=lambda e: e["row"])
            self.examples[entity] = merged[: self.examples_per_type]
        for col, counter in other.group_rows.items():
            self.group_rows.setdefault(col, Counter()).update(counter)
            self.group_pii.setdefault(col, Counter()).update(other.group_pii.get(col, {}))

    def result(self, context: ReportContext | None = None) -> PiiSection:
        return PiiSection.model_validate(self.counts())

    def counts(self) -> dict:
        by_group = {}
        for col, rows in self.group_rows.items():
            pii = self.group_pii.get(col, Counter())
            top = sorted(rows, key=lambda g: (-rows[g], g))[:20]
            by_group[col] = {g: {"rows": rows[g], "share": pii[g] / rows[g]} for g in top}
        return {
            "detector": DETECTOR_DESCRIPTION,
            "entities_checked": list(self.detector.entities),
            "counts_by_type": {e: int(self.matches_by_type[e]) for e in self.detector.entities},
            "rows_by_type": {e: int(self.rows_by_type[e]) for e in self.detector.entities},
            "rows_with_pii": int(self.rows_with_pii),
            "share_rows_with_pii": self.rows_with_pii / self.rows if self.rows else 0.0,
            "examples": self.examples,
            "by_group": by_group,
        }

    # -- reading the section ------------------------------------------------------------------
    @classmethod
    def findings(cls, section: Section, context: ReportContext) -> list[Finding]:
        from backend.audit.findings import pii_summary  # noqa: PLC0415

        assert isinstance(section, PiiSection)
        if section.rows_with_pii:
            return [
                Finding(check=cls.name, severity="warning", text=pii_summary(section.model_dump()))
            ]
        return [
            Finding(
                check=cls.name,
                severity="ok",
                text="No personal data found by the offline PII rules.",
            )
        ]

    @classmethod
    def observations(cls, section: Section, context: ReportContext) -> list[Observation]:
        assert isinstance(section, PiiSection)
        # PII rows alert only for datasets registered as holding no personal data.
        value = finite_number(section.rows_with_pii)
        if not context.expect_no_pii or value is None:
            return []
        return [Observation("dataset_pii_rows", value)]

    @classmethod
    def card_fields(cls, section: Section, context: ReportContext, card_kind) -> list[CardField]:
        from backend.cards.formatting import fmt_num, table  # noqa: PLC0415

        assert isinstance(section, PiiSection)
        rows = section.rows_with_pii
        share = f" ({rows / context.rows:.1%} of rows)" if context.rows else ""
        text = f"The audit's PII scan found PII in {fmt_num(rows)} rows{share}."
        if section.detector and "detector" in section.model_fields_set:
            text += f" Detector: {section.detector}."
        kinds = [(k, v) for k, v in (section.rows_by_type or section.counts_by_type).items() if v]
        if section.counts_by_type:
            # Rows per type, with their total next to the rows with any PII (a row can hold
            # several kinds), so the card's numbers add up like the audit page's.
            text += (
                f" {fmt_num(sum(int(v) for _, v in kinds))} findings of {len(kinds)} types "
                "(each type counted once per row that holds it):\n\n"
                + table([[k, v] for k, v in kinds], ["PII type", "rows holding it"])
            )
        if card_kind == "model":
            return [CardField("ethical_considerations", "sensitive_data", text)]
        return [CardField("personal_and_sensitive_information", "pii_found", text)]

    @classmethod
    def card_checklist(cls, section: Section, context: ReportContext) -> list[CardSuggestion]:
        from backend.audit.protocol import CardSuggestion  # noqa: PLC0415

        assert isinstance(section, PiiSection)
        if not section.rows_with_pii:
            return [CardSuggestion("pii_removed", "complete", "The audit found no PII.")]
        text = (
            f"The audit found PII in {section.rows_with_pii:,} rows; record how it was removed "
            "or masked before training."
        )
        return [CardSuggestion("pii_removed", "attention", text)]

    @classmethod
    def comparison(cls, section: Section) -> dict[str, float | None]:
        assert isinstance(section, PiiSection)
        return {"Rows with PII (share)": section.share_rows_with_pii}

    @classmethod
    def headline(cls, section: Section | None) -> list[Headline]:
        from backend.audit.findings import pct  # noqa: PLC0415

        if not isinstance(section, PiiSection):
            return [Headline("Rows with PII", "–")]
        return [
            Headline(
                "Rows with PII", f"{section.rows_with_pii:,}", pct(section.share_rows_with_pii)
            )
        ]


def _snippet(text: str, matches, entity: str) -> str:
    """Redacted text around the first match of ``entity`` (placeholders for every match)."""
    first = next(m for m in matches if m.entity == entity)
    start = max(0, first.start - _CONTEXT)
    end = min(len(text), first.end + _CONTEXT)
    # Keep whole matches inside the window so no partial PII leaks at the edges.
    for m in matches:
        if m.start < start < m.end:
            start = m.start
        if m.start < end < m.end:
            end = m.end
    inside = [m for m in matches if m.start >= start and m.end <= end]
    shifted = [type(m)(m.entity, m.start - start, m.end - start, m.text) for m in inside]
    body = redact_with(text[start:end], shifted)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
