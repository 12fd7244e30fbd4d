"""Offline PII detection shared by the dataset audit and the guardrails.

One :class:`PiiDetector` finds emails, phone numbers (``phonenumbers`` plus context), US
social security numbers, credit-card numbers (issuer prefix, length and Luhn), IBANs
(mod-97 checked), IPv4/IPv6 addresses, API keys and secrets, street addresses and, with
low recall, person names.

How it stays fast
-----------------
Most rows of a real dataset contain no PII at all. Every entity type has a cheap
*prefilter* (``@`` for emails, digits *and* a phone cue or phone-like grouping for phones, a
keyword for secrets...) and the full patterns only run on the texts that pass it. :meth:`PiiDetector.find_batch`
evaluates the prefilters for a whole batch at once with pyarrow's vectorised RE2 engine
(millions of rows per second), so the Python ``re`` patterns only see the few candidates.

Precision notes (measured in ``tests/test_pii.py`` on Presidio's synthetic spans)
--------------------------------------------------------------------------------
* Checksums (Luhn, IBAN mod-97, IP parsing) make CREDIT_CARD, IBAN and IP_ADDRESS precise.
* PHONE and CREDIT_CARD also need context: a number must be written like a phone (or a
  card), or have a cue word nearby; a bare digit run such as a record reference is neither.
  The rules are in :mod:`backend.detectors.pii_numbers`.
* STREET_ADDRESS recognises house-number + street-type forms (``12 Oak Avenue``,
  ``Hammarvägen 15``, ``Rua do Arenque 1634``, ``Apt. 5``, ``PSC 0413, Box 8144``); cities,
  postcodes and countries around them are not part of the match.
* PERSON has no statistical model offline: it only fires next to a cue (``my name is``,
  ``Mr.``/``Dr.``, ``Dear``, a signature dash ``— Maria Garcia``). Precision is fair,
  recall is low; it is not a named-entity recogniser.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from backend.detectors.pii_numbers import (
    CARD_PREFILTER,
    PHONE_PREFILTER,
    card_valid,
    luhn_valid,
    phone_valid,
)

__all__ = ["ENTITY_TYPES", "PiiDetector", "PiiMatch", "luhn_valid", "iban_valid"]

#: Entity types in priority order: when two matches overlap, the earlier type wins
#: (a Luhn-valid card number is not also reported as a phone number).
ENTITY_TYPES: tuple[str, ...] = (
    "EMAIL",
    "API_KEY",
    "IBAN",
    "CREDIT_CARD",
    "US_SSN",
    "IP_ADDRESS",
    "STREET_ADDRESS",
    "PHONE",
    "PERSON",
)


@dataclass(frozen=True)
class PiiMatch:
    """One detected span: ``text[start:end]`` is the PII of type ``entity``."""

    entity: str
    start: int
    end: int
    text: str


# --------------------------------------------------------------------------------------
# Validators
# --------------------------------------------------------------------------------------
#: IBAN lengths per country (SWIFT IBAN registry); a length mismatch is not an IBAN.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_valid(value: str) -> bool:
    """ISO 13616 check: known country, its length, and mod-97 of the rearranged number."""
    compact = re.sub(r"[\s-]", "", value).upper()
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


def _ssn_valid(value: str) -> bool:
    area, group, serial = value.split("-")
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _ip_valid(value: str) -> bool:
    if ":" in value and value.count(":") < 2:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    if ":" in value:
        # "::A" parses as IPv6 but is prose; want at least three hex groups.
        return sum(1 for g in value.split(":") if g) >= 3
    return True


def _entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _generic_secret_valid(value: str, text: str, start: int) -> bool:
    # The cue word is in the text just before the value; short values are allowed for
    # passwords, everything else must look random (high entropy, letters and digits).
    cue = text[max(0, start - 30) : start].lower()
    if any(w in cue for w in ("password", "passwd", "pwd")):
        return len(value) >= 8
    return (
        len(value) >= 16
        and _entropy(value) >= 3.0
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
    )


# --------------------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------------------
# Unicode letter classes (Python's re has no \p{Lu}); good enough for Latin scripts.
_UP = "A-ZÀ-ÖØ-ÞĀ-ŽŠŽČŘĆŁŚŹŻ"
_LO = "a-zß-öø-ÿā-žšžčřćłśźż"
_STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Place|Pl|"
    "Square|Sq|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Crescent|Cres|Close|Row|"
    "Alley|Trail|Walk|Gardens|Grove|Mews|Plaza|Loop|Pike|Expressway"
)
_STREET_SUFFIXES = (
    "straße|strasse|str\\.|weg|gasse|platz|allee|damm|vej|vænget|gade|gatan|vägen|"
    "väg|gata|katu|tie|kuja|polku|tee|laan|straat|plein|utca|veien|vegen|gränd"
)
_STREET_PREFIXES = (
    "Rue|Rua|Via|Viale|Calle|Carrer|Avenida|Avenue|Boulevard|Chemin|Piazza|Corso|Largo|"
    "Praça|Plaza|Paseo|Camino|Strada|Calea|Ulica|Travessa|Estrada"
)


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    group: int = 0
    validate: Callable[[str, str, int], bool] | None = None


@dataclass(frozen=True)
class _Entity:
    name: str
    #: RE2- and Python-compatible regexes that must *all* match a text for the patterns to
    #: run; lenient (a superset of what the validators accept). The first one gates a
    #: whole batch in one pass, so it should be cheap and selective.
    prefilter: tuple[str, ...]
    patterns: tuple[_Pattern, ...]


def _p(pattern: str, group: int = 0, validate=None, flags: int = 0) -> _Pattern:
    return _Pattern(re.compile(pattern, flags), group, validate)


def _wrap(check: Callable[[str], bool]) -> Callable[[str, str, int], bool]:
    return lambda value, _text, _start: check(value)


_ENTITIES: dict[str, _Entity] = {
    "EMAIL": _Entity(
        "EMAIL",
        ("@",),
        (
            _p(
                # \w: internationalised local parts and domains (müller@example.com).
                r"(?<![\w.%+-])[\w.%+-]{1,64}@[\w-]{1,63}"
                r"(?:\.[\w-]{1,63})*\.[^\W\d_]{2,24}\b"
            ),
        ),
    ),
    "API_KEY": _Entity(
        "API_KEY",
        (
            r"sk-|sk_|pk_|rk_|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|AIza|eyJ|PRIVATE KEY"
            r"|(?i:api[_-]?key|apikey|secret|token|passw(?:or)?d|pwd|access[_-]?key)",
        ),
        (
            _p(r"\bsk-(?:proj-|ant-|live-)?[A-Za-z0-9_-]{20,}"),  # OpenAI / Anthropic style
            _p(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe
            _p(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
            _p(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}"),  # GitHub
            _p(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),  # Slack
            _p(r"\bAIza[0-9A-Za-z_-]{35}"),  # Google API key
            _p(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
            _p(
                r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]{0,4000}?"
                r"-----END (?:[A-Z]+ )?PRIVATE KEY-----"
            ),
            _p(
                r"(?i)\b(?:api[_-]?key|apikey|secret(?:[_-]?key)?|client[_-]?secret|"
                r"access[_-]?(?:key|token)|auth[_-]?token|token|password|passwd|pwd)"
                r"[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9_\-./+=!@#$%^&*]{8,200})",
                group=1,
                validate=_generic_secret_valid,
            ),
        ),
    ),
    "IBAN": _Entity(
        "IBAN",
        (r"[A-Za-z]{2}\d{2} ?[A-Za-z0-9]{4}",),
        (
            _p(
                r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?\b",
                validate=_wrap(iban_valid),
            ),
        ),
    ),
    "CREDIT_CARD": _Entity(
        "CREDIT_CARD",
        CARD_PREFILTER,
        # Not glued to letters: "U62928788557186" is a licence number.
        (_p(r"(?<![\w+-])(?:\d[ -]?){11,18}\d(?![\d-])", validate=card_valid),),
    ),
    "US_SSN": _Entity(
        "US_SSN",
        (r"\d{3}-\d{2}-\d{4}",),
        (_p(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])", validate=_wrap(_ssn_valid)),),
    ),
    "IP_ADDRESS": _Entity(
        "IP_ADDRESS",
        (r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:",),
        (
            _p(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)", validate=_wrap(_ip_valid)),
            _p(
                r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::?[0-9A-Fa-f]{1,4}){1,7})(?![\w:])"
                r"|(?<![\w:])::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}(?![\w:])",
                validate=_wrap(_ip_valid),
            ),
        ),
    ),
    "PHONE": _Entity(
        "PHONE",
        PHONE_PREFILTER,
        (
            _p(
                r"(?<![\w+\-./])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,4}\)[ .\-]?)?"
                r"\d+(?:[ .\-]\d+|[ .\-]?\(\d{1,4}\)[ .\-]?\d+){0,6}"
                r"(?:\s?(?:x|ext\.?|#)\s?\d{1,5})?(?!\w|-\d|\.\d)",
                validate=phone_valid,
            ),
        ),
    ),
    "STREET_ADDRESS": _Entity(
        "STREET_ADDRESS",
        (
            r"\d\s+[A-Z]|\d,?\s+(?i:rue|avenue|boulevard|chemin|place|allée|impasse|quai|route)"
            r"|(?i:" + _STREET_SUFFIXES + r")\s+\d|(?:" + _STREET_PREFIXES + r")\s"
            r"|PSC|Box\s*\d|Apt|Suite|Apartment",
        ),
        (
            # 12 Oak Avenue, Apt 4 / 1668 Glyn St
            _p(
                rf"\b\d{{1,6}}[A-Za-z]?\s+(?:[{_UP}][\w'.-]*\s+){{0,4}}(?:{_STREET_TYPES})\b\.?"
                r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Flat|#)\.?\s*#?\w+)?"
            ),
            # Hammarvägen 15, Brucker Bundesstrasse 31
            _p(rf"\b[{_UP}][\w'-]*(?:{_STREET_SUFFIXES})\s+\d{{1,5}}[a-zA-Z]?\b"),
            # Rua do Arenque 1634, Via Franscini 71
            _p(rf"\b(?:{_STREET_PREFIXES})\s+(?:[\w'’.-]+\s+){{0,4}}?\d{{1,5}}\b"),
            # 12 rue de la Paix
            _p(
                r"\b\d{1,5}(?:bis|ter)?,?\s+(?:rue|avenue|boulevard|bd|chemin|place|allée|impasse"
                rf"|quai|route)\s+(?:(?:de|du|des|la|le|l'|d')\s*|[{_UP}][\w'’-]*\s?){{1,5}}",
                flags=re.IGNORECASE,
            ),
            # PSC 0413, Box 8144 / P.O. Box 12
            _p(r"\b(?:PSC|Unit|CMR)\s+\d{3,5},?\s+Box\s+\d{1,5}\b|\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b"),
            # Apt. 595 / Suite 501
            _p(r"\b(?:Apt\.?|Apartment|Suite|Ste\.)\s*#?\d{1,5}[A-Za-z]?\b"),
        ),
    ),
    "PERSON": _Entity(
        "PERSON",
        (
            r"(?:(?i:my name is|name:|i am|i'm|i’m|call me|dear|signed,?|regards,|sincerely,)"
            r"|—|--|(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?)\s+[A-ZÀ-ÖØ-ÞĀ-Ž]"
            r"|(?i:name|customer|patient|contact|attn|author|by|from|to|address|user)\s*:\s*"
            r"[A-ZÀ-ÖØ-ÞĀ-Ž]|[a-zß-öø-ÿ] (?:lives|lived|was born|works|worked|told|wrote)\b",
        ),
        (
            _p(
                r"(?:\b[Mm]y name is|\b[Nn]ame:|\b[Cc]all me|\bDear|\b[Ss]igned,?|\b[Rr]egards,"
                r"|\b[Ss]incerely,|\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?)\s+"
                rf"([{_UP}][{_LO}'’-]+(?:\s+[{_UP}]\.?(?![{_LO}]))?(?:\s+[{_UP}][{_LO}'’-]+){{0,2}})",
                group=1,
                validate=lambda v, _t, _s: _name_ok(v),
            ),
            # A signature: "— Maria Garcia" at the end of a line or of the text.
            _p(
                r"(?:—|--)[ \t]*"
                rf"([{_UP}][{_LO}'’-]+(?:[ \t]+[{_UP}]\.?)?(?:[ \t]+[{_UP}][{_LO}'’-]+){{0,2}})"
                r"[ \t.]*$",
                group=1,
                validate=lambda v, _t, _s: _name_ok(v),
                flags=re.MULTILINE,
            ),
            # "Billing address: Sara Schwarz", "Patient: Åsa Laine": a field label, two words.
            _p(
                r"\b(?:[Ff]ull name|[Cc]ustomer|[Pp]atient|[Cc]ontact|[Aa]ttn|[Aa]uthor|[Bb]y|"
                r"[Ff]rom|[Tt]o|[Ss]hipping address|[Bb]illing address|[Uu]ser)\s*:[ \t]*"
                rf"([{_UP}][{_LO}'’-]+(?:[ \t]+[{_UP}]\.?(?![{_LO}]))?[ \t]+[{_UP}][{_LO}'’-]+)",
                group=1,
                validate=lambda v, _t, _s: _name_ok(v),
            ),
            # "Tomomi Nishiyama lives at ...": two capitalised words before a personal verb.
            _p(
                rf"(?<![{_UP}{_LO}])([{_UP}][{_LO}'’-]+(?:[ ][{_UP}]\.?)?[ ][{_UP}][{_LO}'’-]+)"
                r"(?= (?:lives|lived|was born|works|worked|told|wrote)\b)",
                group=1,
                validate=lambda v, _t, _s: _name_ok(v),
            ),
        ),
    ),
}

#: Capitalised words that follow a cue but are not names ("Dear Sir", "I'm Not Sure").
_NOT_NAMES = frozenset(
    [
        "Sir",
        "Sirs",
        "Madam",
        "All",
        "Team",
        "Customer",
        "Customers",
        "Friend",
        "Friends",
        "Colleagues",
        "Everyone",
        "Hiring",
        "Manager",
        "Support",
        "Not",
        "So",
        "The",
        "A",
        "An",
        "This",
        "That",
        "That's",
        "It",
        "It's",
        "Just",
        "Very",
        "Really",
        "Here",
        "There",
        "Also",
        "Still",
        "Going",
        "Happy",
        "Glad",
        "Sorry",
        "Sure",
        "Member",
        "Members",
        "User",
        "Users",
        "Valued",
        "Is",
        "Was",
        "Are",
        "Were",
        "Has",
        "Had",
        "Have",
        "And",
        "Or",
        "But",
        "In",
        "On",
        "At",
        "Of",
        "For",
        "With",
        "You",
        "He",
        "She",
        "They",
        "We",
        "If",
        "Then",
        "When",
        "What",
        "Who",
        "Why",
        "How",
        "Thanks",
        "Thank",
        "Hi",
        "Hello",
        "Please",
        "Yes",
        "No",
        "My",
        "Your",
        "Our",
        "Their",
        "His",
        "Her",
        "Its",
        "Rev",
        "Re",
        "Fw",
        "Admin",
        "Administrator",
        "Talk",
        "Wikipedia",
        "Editor",
        "Editors",
        "Mod",
        "Moderator",
        "Anonymous",
        "Unknown",
    ]
)


def _name_ok(value: str) -> bool:
    return not any(w.rstrip(".") in _NOT_NAMES for w in value.split())


_PREFILTERS = {p: re.compile(p) for ent in _ENTITIES.values() for p in ent.prefilter}
_PRIORITY = {name: i for i, name in enumerate(ENTITY_TYPES)}


class PiiDetector:
    """Find and redact PII in text, offline, with pattern rules and checksums.

    Parameters
    ----------
    entities : iterable of str, optional
        Entity types to look for (subset of :data:`ENTITY_TYPES`); all by default.

    Examples
    --------
    >>> PiiDetector().redact("Mail jane@example.com or call +1 415 555 0100")
    'Mail <EMAIL> or call <PHONE>'
    """

    def __init__(self, entities: Iterable[str] | None = None) -> None:
        chosen = tuple(ENTITY_TYPES if entities is None else entities)
        unknown = sorted(set(chosen) - set(ENTITY_TYPES))
        if unknown:
            raise ValueError(
                f"Unknown PII entity type(s): {', '.join(unknown)}. "
                f"Known: {', '.join(ENTITY_TYPES)}."
            )
        # Keep priority order whatever order the caller gave.
        self.entities: tuple[str, ...] = tuple(e for e in ENTITY_TYPES if e in chosen)
        # Entities sharing a prefilter are evaluated once per text.
        self._prefilter_groups: dict[tuple[str, ...], list[str]] = {}
        for name in self.entities:
            self._prefilter_groups.setdefault(_ENTITIES[name].prefilter, []).append(name)
        # One RE2 pass over the whole batch first: any text that passes some entity's
        # prefilter passes that prefilter's first (cheap, selective) pattern, so this
        # alternation of first patterns lets the per-entity passes see only the few rows
        # that may hold PII.
        self._gate = "|".join(f"(?:{prefilter[0]})" for prefilter in self._prefilter_groups)

    # -- single text --------------------------------------------------------------------
    def find(self, text: str) -> list[PiiMatch]:
        """Non-overlapping PII matches in ``text``, sorted by start offset."""
        if not isinstance(text, str) or not text:
            return []
        active = self._active(text)
        return self._find_entities(text, active) if active else []

    def redact(self, text: str) -> str:
        """``text`` with each match replaced by its placeholder (``<EMAIL>``, ``<PHONE>``...)."""
        return redact_with(text, self.find(text))

    # -- batches ------------------------------------------------------------------------
    def find_batch(
        self, texts: Sequence[object] | pa.Array | pa.ChunkedArray
    ) -> list[list[PiiMatch]]:
        """:meth:`find` for many texts; non-strings (and nulls) give ``[]``.

        ``texts`` is a sequence or a pyarrow string array (an Arrow batch's column is used
        as it is). The prefilters run vectorised over the whole batch (pyarrow's RE2), so
        the cost is dominated by the few rows that may contain PII.
        """
        arr = _as_arrow_strings(texts)
        results: list[list[PiiMatch]] = [[] for _ in range(len(arr))]
        for i, matches in self.find_rows(arr).items():
            results[i] = matches
        return results

    def find_rows(
        self, texts: Sequence[object] | pa.Array | pa.ChunkedArray
    ) -> dict[int, list[PiiMatch]]:
        """:meth:`find_batch` for large batches where few rows hold PII: only the rows
        with matches, ``{position: matches}`` in row order."""
        arr = _as_arrow_strings(texts)
        if len(arr) == 0:
            return {}
        candidates = self._candidate_entities(arr)
        if not candidates:
            return {}
        rows = sorted(candidates)
        values = arr.take(pa.array(rows, type=pa.int64())).to_pylist()
        found = {}
        for i, text in zip(rows, values, strict=True):
            matches = self._find_entities(text, candidates[i])
            if matches:
                found[i] = matches
        return found

    def _candidate_entities(self, arr: pa.Array) -> dict[int, list[str]]:
        if not self._prefilter_groups:
            return {}
        gated = pc.indices_nonzero(pc.fill_null(pc.match_substring_regex(arr, self._gate), False))
        if len(gated) == 0:
            return {}
        row_of = gated.to_numpy()
        subset = arr.take(gated)
        masks: dict[str, pa.Array] = {}
        per_row: dict[int, list[str]] = {}
        for prefilter, names in self._prefilter_groups.items():
            mask = None
            for pattern in prefilter:
                if pattern not in masks:
                    masks[pattern] = pc.fill_null(pc.match_substring_regex(subset, pattern), False)
                mask = masks[pattern] if mask is None else pc.and_(mask, masks[pattern])
            for i in row_of[pc.indices_nonzero(mask).to_numpy()].tolist():
                per_row.setdefault(i, []).extend(names)
        # Restore priority order inside each row.
        return {i: sorted(names, key=_PRIORITY.__getitem__) for i, names in per_row.items()}

    def _active(self, text: str) -> list[str]:
        return [
            name
            for prefilter, names in self._prefilter_groups.items()
            if all(_PREFILTERS[p].search(text) for p in prefilter)
            for name in names
        ]

    @staticmethod
    def _find_entities(text: str, names: Sequence[str]) -> list[PiiMatch]:
        # Collect candidates of every type, then keep non-overlapping ones, preferring
        # higher-priority types and then longer spans.
        found: list[tuple[int, int, int, str]] = []  # (priority, -length, start, entity)
        spans: list[tuple[int, int]] = []
        for name in names:
            for pat in _ENTITIES[name].patterns:
                for m in pat.regex.finditer(text):
                    start, end = m.span(pat.group)
                    if start < 0 or end <= start:
                        continue
                    value = text[start:end]
                    stripped = value.rstrip(" .-")
                    end -= len(value) - len(stripped)
                    value = stripped
                    if pat.validate is not None and not pat.validate(value, text, start):
                        continue
                    found.append((_PRIORITY[name], start - end, start, name))
                    spans.append((start, end))
        if not found:
            return []
        order = sorted(range(len(found)), key=lambda k: (found[k][0], found[k][1], found[k][2]))
        taken: list[tuple[int, int, str]] = []
        for k in order:
            start, end = spans[k]
            if any(start < e and s < end for s, e, _ in taken):
                continue
            taken.append((start, end, found[k][3]))
        taken.sort()
        return [PiiMatch(entity, s, e, text[s:e]) for s, e, entity in taken]


def _as_arrow_strings(texts: Sequence[object] | pa.Array | pa.ChunkedArray) -> pa.Array:
    """One large_string array; anything that is not a string becomes null."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(texts, pa.Array):
        if pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type):
            return texts
        if pa.types.is_string_view(texts.type):
            return texts.cast(pa.large_string())
        return pa.nulls(len(texts), pa.large_string())
    return pa.array([t if isinstance(t, str) else None for t in texts], type=pa.large_string())


def redact_with(text: str, matches: Sequence[PiiMatch]) -> str:
    """Replace ``matches`` (non-overlapping, sorted) in ``text`` by ``<ENTITY>`` placeholders."""
    if not matches:
        return text
    parts, pos = [], 0
    for m in matches:
        parts.append(text[pos : m.start])
        parts.append(f"<{m.entity}>")
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts)
