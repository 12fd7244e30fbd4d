"""Undo the cheap tricks used to hide instructions from filters, keeping offsets.

Attackers hide "ignore previous instructions" behind zero-width characters, bidi
overrides, Cyrillic look-alike letters, full-width or mathematical alphabets, invisible
Unicode *tag* characters, letter spacing (``i g n o r e``), leetspeak (``1gn0r3``) or an
encoding (base64, rot13). :func:`normalize` returns *views* of the text with each trick
undone; every view keeps, for each of its characters, the offset of the original character
it came from, so a pattern matched in a view is highlighted at the right place in the
original text.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

#: Invisible format characters: zero-width, joiners, soft hyphen, word joiner, BOM...
ZERO_WIDTH = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u2060\u2061\u2062"
    "\u2063\u2064\u2065\u3164\ufeff\uffa0"
)
#: Bidirectional controls (Trojan Source style reordering).
BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: Letters that look Latin but are not (Cyrillic, Greek, Armenian...), folded to Latin.
#: NFKC already folds full-width and mathematical alphabets; it does not fold these.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ɡ": "g", "һ": "h", "ԛ": "q", "ԝ": "w", "ү": "y", "ӏ": "l", "ո": "n", "ս": "u",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D", "Ү": "Y", "Ӏ": "I",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H",
    "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin look-alikes and dotless forms
    "ı": "i", "ȷ": "j", "ℓ": "l", "ꞇ": "t", "ɑ": "a", "ɩ": "i", "ʏ": "y",
}  # fmt: skip

#: Leetspeak digits/symbols to letters, applied only inside words that also contain letters.
LEET: dict[str, str] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "+": "t",
}  # fmt: skip

_LEET_WORD = re.compile(r"[A-Za-z0-9@$!|+]*[A-Za-z][A-Za-z0-9@$!|+]*")
_SPACED = re.compile(r"(?<![A-Za-z])(?:[A-Za-z][ .\-_*]){3,}[A-Za-z](?![A-Za-z])")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")
_ROT13_CUE = re.compile(r"(?i)\brot[- ]?13\b")
_TAG_START, _TAG_END = 0xE0000, 0xE007F
#: Every hidden, folded or look-alike character is outside ASCII: ASCII runs pass as they are.
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LEET_CHARS = frozenset(LEET)
_HOMOGLYPH_CHARS = frozenset(HOMOGLYPHS)


@dataclass
class View:
    """A rewritten copy of the text: ``offsets[i]`` is the original index of ``text[i]``."""

    kind: str
    text: str
    offsets: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` in this view back to the original text."""
        if not self.offsets:
            return 0, 0
        start = min(max(start, 0), len(self.offsets) - 1)
        last = min(max(end - 1, start), len(self.offsets) - 1)
        return self.offsets[start], self.offsets[last] + 1


@dataclass
class Normalized:
    """Result of :func:`normalize`: the cleaned text, extra decoded views, and what was found."""

    original: str
    base: View
    views: list[View] = field(default_factory=list)
    #: Evidence of hiding tricks: (label, start, end) in the original text.
    tricks: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def all_views(self) -> list[View]:
        return [self.base, *self.views]


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return "".join(HOMOGLYPHS.get(c, c) for c in folded)


def _suspicious_hidden_run(text: str, start: int, end: int) -> bool:
    """Is this run of invisible characters a hiding trick rather than ordinary typography?

    Zero-width joiners build emoji sequences and zero-width non-joiners are part of Persian
    or Hindi spelling: those are fine. Bidi controls, tag characters, and invisible
    characters *inside* a Latin word or number ("Ig\u200bnore") are not.
    """
    run = text[start:end]
    if any(c in BIDI or _TAG_START <= ord(c) <= _TAG_END for c in run):
        return True
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return before.isascii() and before.isalnum() and after.isascii() and after.isalnum()


def _base_view(text: str, tricks: list[tuple[str, int, int]]) -> tuple[View, View | None]:
    """NFKC + homoglyph folding + invisible-character removal; tag characters decoded apart."""
    out: list[str] = []
    offsets: list[int] = []
    tag_chars: list[str] = []
    tag_offsets: list[int] = []
    hidden_run_start = None

    def end_hidden_run(at: int) -> None:
        nonlocal hidden_run_start
        if _suspicious_hidden_run(text, hidden_run_start, at):
            tricks.append(("hidden characters", hidden_run_start, at))
        hidden_run_start = None

    def ascii_run(start: int, end: int) -> None:
        # A run of ASCII characters: kept as they are (nothing to fold, nothing hidden), in
        # one piece instead of character by character.
        if start < end:
            if hidden_run_start is not None:
                end_hidden_run(start)
            out.append(text[start:end])
            offsets.extend(range(start, end))

    pos = 0  # text[:pos] is done
    for m in _NON_ASCII.finditer(text):
        i, ch = m.start(), m.group(0)
        ascii_run(pos, i)
        pos = i + 1
        code = ord(ch)
        if ch in ZERO_WIDTH or ch in BIDI or _TAG_START <= code <= _TAG_END:
            if _TAG_START <= code <= _TAG_END and 0xE0020 <= code <= 0xE007E:
                tag_chars.append(chr(code - 0xE0000))  # "ASCII smuggling" via tag characters
                tag_offsets.append(i)
            if hidden_run_start is None:
                hidden_run_start = i
            continue
        if hidden_run_start is not None:
            end_hidden_run(i)
        folded = _fold_char(ch) if code > 127 else ch
        if folded != ch and ch not in HOMOGLYPHS and folded.isascii() and folded.isalnum():
            tricks.append(("styled letters", i, i + 1))  # full-width, mathematical bold...
        out.append(folded)
        offsets.extend([i] * len(folded))
    ascii_run(pos, len(text))
    if hidden_run_start is not None:
        end_hidden_run(len(text))
    for start, end in mixed_script_words(text):
        tricks.append(("look-alike letters", start, end))
    base = View("normalized", "".join(out), offsets)
    tags = View("unicode tags", "".join(tag_chars), tag_offsets) if len(tag_chars) >= 4 else None
    return base, tags


def _leet_view(base: View) -> View | None:
    if _LEET_CHARS.isdisjoint(base.text):
        return None
    chars = list(base.text)
    changed = False
    for m in _LEET_WORD.finditer(base.text):
        word = m.group(0)
        if not any(c in LEET for c in word) or word.isdigit():
            continue
        for j, c in enumerate(word, start=m.start()):
            if c in LEET:
                chars[j] = LEET[c]
                changed = True
    if not changed:
        return None
    return View("leetspeak", "".join(chars), list(base.offsets))


def _despaced_view(base: View) -> View | None:
    """``i g n o r e  a l l`` -> ``ignore all`` (letters joined, word gaps kept as one space)."""
    if not _SPACED.search(base.text):
        return None
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _SPACED.finditer(base.text):
        out.extend(base.text[pos : m.start()])
        offsets.extend(base.offsets[pos : m.start()])
        for j in range(m.start(), m.end()):
            if base.text[j].isalpha():
                out.append(base.text[j])
                offsets.append(base.offsets[j])
        pos = m.end()
    out.extend(base.text[pos:])
    offsets.extend(base.offsets[pos:])
    return View("letter spacing", "".join(out), offsets)


def _printable_ratio(s: str) -> float:
    return sum(c.isprintable() or c in "\n\t" for c in s) / max(1, len(s))


def _decoded_views(base: View, tricks: list[tuple[str, int, int]], limit: int = 8) -> list[View]:
    views: list[View] = []
    for m in _BASE64.finditer(base.text):
        if len(views) >= limit:
            break
        token = m.group(0)
        if token.isalpha() and (token.islower() or token.isupper()):
            continue  # a long plain word, not base64
        try:
            raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, ValueError):
            continue
        if (
            len(decoded) < 8
            or _printable_ratio(decoded) < 0.95
            or not re.search(r"[A-Za-z]{3}", decoded)
        ):
            continue
        start, end = base.original_span(m.start(), m.end())
        tricks.append(("encoded payload (base64)", start, end))
        # Every decoded character points at the whole token: highlight the token.
        views.append(
            View("base64", decoded, [start] * (len(decoded) - 1) + [end - 1] if decoded else [])
        )
    if _ROT13_CUE.search(base.text):
        views.append(View("rot13", codecs.decode(base.text, "rot13"), list(base.offsets)))
    return views


@lru_cache(maxsize=256)
def normalize(text: str) -> Normalized:
    """All views of ``text`` a scanner should look at, with offsets into ``text``.

    Cached: the injection and topic scanners normalise the same prompt. Treat the result
    as read-only.
    """
    tricks: list[tuple[str, int, int]] = []
    base, tags = _base_view(text, tricks)
    views: list[View] = []
    if tags is not None:
        views.append(tags)
    for make in (_leet_view, _despaced_view):
        view = make(base)
        if view is not None:
            views.append(view)
    views.extend(_decoded_views(base, tricks))
    return Normalized(original=text, base=base, views=views, tricks=_merge(tricks))


def _merge(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Merge adjacent spans with the same label (one highlight per hidden run)."""
    merged: list[tuple[str, int, int]] = []
    for label, start, end in sorted(spans, key=lambda s: (s[0], s[1])):
        if merged and merged[-1][0] == label and start <= merged[-1][2] + 1:
            merged[-1] = (label, merged[-1][1], max(end, merged[-1][2]))
        else:
            merged.append((label, start, end))
    return sorted(merged, key=lambda s: s[1])


def mixed_script_words(text: str) -> list[tuple[int, int]]:
    """Words mixing Latin letters with Cyrillic/Greek look-alikes (a classic filter evasion).

    A word written entirely in Cyrillic or Greek is ordinary text and is not reported.
    """
    if _HOMOGLYPH_CHARS.isdisjoint(text):
        return []
    spans = []
    for m in re.finditer(r"\w{2,}", text):
        word = m.group(0)
        has_latin = any("a" <= c.lower() <= "z" for c in word)
        has_lookalike = any(c in HOMOGLYPHS for c in word)
        if has_latin and has_lookalike:
            spans.append((m.start(), m.end()))
    return spans
