"""PII scanner: the shared detectors of :mod:`backend.detectors.pii`, plus redaction.

The score grows with the number of PII items found: ``1 - 0.5 ** n`` (one item 0.5, two
0.75, three 0.875), so a threshold of 0.5 flags any PII and 0.75 only texts with several.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from backend.guardrails.base import ScanResult, Span, Timer, bounded, flag

#: Regexes with prefilters are linear and fast: PII is searched much further than models look.
PII_MAX_CHARS = 2_000_000


def redact_matches(text: str, matches: Iterable) -> str:
    """Replace each match with ``<ENTITY>`` (overlaps resolved left to right)."""
    out: list[str] = []
    pos = 0
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        if m.start < pos:
            continue
        out.append(text[pos : m.start])
        out.append(f"<{m.entity}>")
        pos = m.end
    out.append(text[pos:])
    return "".join(out)


class PiiScanner:
    """Finds emails, phones, SSNs, cards (Luhn), IBANs, IPs, API keys, addresses, names.

    Parameters
    ----------
    threshold
        Flag when ``1 - 0.5 ** n_items`` is at least this.
    entities
        Entity types to look for (default: all of ``backend.detectors.pii.ENTITY_TYPES``).
    """

    name = "pii"

    def __init__(
        self,
        threshold: float = 0.5,
        *,
        entities: Sequence[str] | None = None,
        max_chars: int = PII_MAX_CHARS,
    ) -> None:
        from backend.detectors.pii import ENTITY_TYPES, PiiDetector

        unknown = sorted(set(entities or ()) - set(ENTITY_TYPES))
        if unknown:
            from backend.errors import ConfigError

            raise ConfigError(
                f"unknown PII entity type(s) {', '.join(unknown)}; known: {', '.join(ENTITY_TYPES)}"
            )
        self.threshold = float(threshold)
        self.entities = tuple(entities) if entities else tuple(ENTITY_TYPES)
        self.detector = PiiDetector(self.entities)
        self.max_chars = max_chars

    @property
    def backend(self) -> str:
        return "rules + checksums (backend.detectors.pii)"

    def warm_up(self) -> None:
        self.scan("Contact jane@example.com")

    def scan(self, text: str) -> ScanResult:
        return self.scan_batch([text])[0]

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        results = []
        for text in texts:
            with Timer() as timer:
                body, notes = bounded(text or "", self.max_chars)
                matches = self.detector.find(body)
                n = len(matches)
                score = 1.0 - 0.5**n if n else 0.0
                redacted = redact_matches(body, matches) if matches else body
                if notes:  # never pass an unscanned tail on: it may hold PII
                    notes = [*notes, "the redacted text stops at the truncation point"]
                result = ScanResult(
                    scanner=self.name,
                    score=score,
                    flagged=flag(score, self.threshold),
                    threshold=self.threshold,
                    spans=[Span(m.entity, m.start, m.end) for m in matches],
                    backend=self.backend,
                    details={"counts": dict(Counter(m.entity for m in matches))} if matches else {},
                    notes=notes,
                    redacted=redacted,
                )
            result.latency_ms = timer.ms
            results.append(result)
        return results
