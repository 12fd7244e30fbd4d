"""PII check: counts per type, rows with PII, redacted examples.

Uses the shared :class:`backend.detectors.pii.PiiDetector`. Examples are stored
*redacted* (``<EMAIL>``...): the report never copies the personal data it found.
"""

from __future__ import annotations

from collections import Counter

from backend.audit.source import Chunk
from backend.detectors.pii import ENTITY_TYPES, PiiDetector, redact_with

#: Characters of context kept around the first match in an example.
_CONTEXT = 90

DETECTOR_DESCRIPTION = (
    "Steward offline PII rules: patterns with checksums (issuer prefix and Luhn for cards, "
    "mod-97 for IBANs, address parsing for IPs), phones by phonenumbers plus context "
    "(phone formatting or a cue word); person names only next to cues such as 'my name is'"
)


class PiiCheck:
    """Streaming PII counts; :meth:`result` returns the report section."""

    name = "pii"

    def __init__(
        self, *, entities: tuple[str, ...] = ENTITY_TYPES, examples_per_type: int = 5
    ) -> None:
        self.detector = PiiDetector(entities)
        self.examples_per_type = examples_per_type
        self.rows = 0
        self.rows_with_pii = 0
        self.matches_by_type: Counter = Counter()
        self.rows_by_type: Counter = Counter()
        self.examples: dict[str, list[dict]] = {}
        self.group_rows: dict[str, Counter] = {}
        self.group_pii: dict[str, Counter] = {}

    def update(self, chunk: Chunk) -> None:
        results = self.detector.find_batch(chunk.texts)
        self.rows += len(chunk)
        hit_rows = []
        for i, matches in enumerate(results):
            if not matches:
                continue
            hit_rows.append(i)
            types = {m.entity for m in matches}
            self.matches_by_type.update(m.entity for m in matches)
            self.rows_by_type.update(types)
            for entity in types:
                bucket = self.examples.setdefault(entity, [])
                if len(bucket) < self.examples_per_type:
                    text = chunk.texts[i] or ""
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
            self.group_rows.setdefault(col, Counter()).update(groups.tolist())
            self.group_pii.setdefault(col, Counter()).update(groups[hit_rows].tolist())

    def merge(self, other: PiiCheck) -> None:
        self.rows += other.rows
        self.rows_with_pii += other.rows_with_pii
        self.matches_by_type.update(other.matches_by_type)
        self.rows_by_type.update(other.rows_by_type)
        for entity, items in other.examples.items():
            bucket = self.examples.setdefault(entity, [])
            bucket.extend(items[: self.examples_per_type - len(bucket)])
        for col, counter in other.group_rows.items():
            self.group_rows.setdefault(col, Counter()).update(counter)
            self.group_pii.setdefault(col, Counter()).update(other.group_pii.get(col, {}))

    def result(self) -> dict:
        by_group = {}
        for col, rows in self.group_rows.items():
            pii = self.group_pii.get(col, Counter())
            top = [g for g, _ in rows.most_common(20)]
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
