"""Text statistics: lengths, empty and whitespace-only rows, non-text values, script mix.

Lengths are kept as exact histograms (one bin per character up to 5,000, then one bin
for longer texts), so quantiles are exact whatever the number of chunks.

No offline *language* identifier is installed with Steward (fastText/langdetect models
are not available here), so the report gives the *script* mix instead (Latin, Cyrillic,
Arabic, Han...), detected with Unicode script classes; it says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backend.audit.protocol import AuditCheck, Finding, ReportContext, Section
from backend.audit.source import Chunk

MAX_TRACKED_LENGTH = 5_000
#: Unicode scripts counted (RE2 script classes); a row can contain several.
SCRIPTS = {
    "Latin": r"\p{Latin}",
    "Cyrillic": r"\p{Cyrillic}",
    "Greek": r"\p{Greek}",
    "Arabic": r"\p{Arabic}",
    "Hebrew": r"\p{Hebrew}",
    "Devanagari": r"\p{Devanagari}",
    "Han (Chinese characters)": r"\p{Han}",
    "Japanese kana": r"\p{Hiragana}|\p{Katakana}",
    "Hangul": r"\p{Hangul}",
    "Thai": r"\p{Thai}",
}
LANGUAGE_NOTE = (
    "Language detection is not available offline (no language-identification model is "
    "installed); the script (writing-system) mix is shown instead."
)


def _quantile_from_hist(hist: np.ndarray, q: float) -> int | None:
    total = hist.sum()
    if total == 0:
        return None
    cum = np.cumsum(hist)
    # Index of the k-th smallest value, k = ceil(q * n) (at least the first value).
    target = max(1, int(np.ceil(q * total)))
    return int(np.searchsorted(cum, target, side="left"))


class TextStatsSection(Section):
    """Lengths, empty and non-text values, script mix."""

    rows: int = 0
    rows_with_text: int = 0
    missing: int = 0
    empty: int = 0
    whitespace_only: int = 0
    non_text: int = 0
    chars: dict[str, float | int | None] = {}
    words: dict[str, float | int | None] = {}
    length_histogram: list[dict[str, Any]] = []
    very_short_rows: int = 0
    scripts: dict[str, int] = {}
    script_shares: dict[str, float] = {}
    no_letters: int = 0
    language_detection: str = LANGUAGE_NOTE


class TextStatsCheck(AuditCheck):
    """Streaming text statistics."""

    name = "text_stats"
    label = "Text statistics"
    section_model = TextStatsSection

    @classmethod
    def from_config(cls, config, plan) -> TextStatsCheck:
        return cls()

    def __init__(self) -> None:
        self.rows = 0
        self.missing = 0
        self.empty = 0
        self.whitespace_only = 0
        self.non_text = 0
        self.char_hist = np.zeros(MAX_TRACKED_LENGTH + 2, dtype=np.int64)
        self.word_hist = np.zeros(MAX_TRACKED_LENGTH + 2, dtype=np.int64)
        self.max_chars = 0
        self.total_chars = 0
        self.total_words = 0
        self.scripts = dict.fromkeys(SCRIPTS, 0)
        self.no_letters = 0

    def update(self, batch) -> None:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        chunk = Chunk.of(batch)
        n = len(chunk)
        self.rows += n
        non_text = chunk.non_text_mask
        self.non_text += int(non_text.sum())
        arr = chunk.arrow_text
        is_null = arr.is_null().to_numpy(zero_copy_only=False)
        self.missing += int((is_null & ~non_text).sum())
        lengths_all = pc.fill_null(pc.utf8_length(arr), -1).to_numpy(zero_copy_only=False)
        words_all = pc.fill_null(pc.list_value_length(chunk.split_lower), 0).to_numpy(
            zero_copy_only=False
        )
        # Splitting "" gives [""]: a row has words only if its trimmed text is not empty.
        trimmed = pc.fill_null(pc.utf8_length(pc.utf8_trim_whitespace(arr)), 0)
        has_words = trimmed.to_numpy(zero_copy_only=False) > 0
        self.empty += int((lengths_all == 0).sum())
        self.whitespace_only += int(((lengths_all > 0) & ~has_words).sum())
        if not has_words.any():
            return
        lengths = lengths_all[has_words].astype(np.int64)
        words = words_all[has_words].astype(np.int64)
        self.max_chars = max(self.max_chars, int(lengths.max()))
        self.total_chars += int(lengths.sum())
        self.total_words += int(words.sum())
        self.char_hist += np.bincount(
            np.minimum(lengths, MAX_TRACKED_LENGTH + 1), minlength=len(self.char_hist)
        )
        self.word_hist += np.bincount(
            np.minimum(words, MAX_TRACKED_LENGTH + 1), minlength=len(self.word_hist)
        )
        present = arr.filter(pa.array(has_words))
        # Most rows are plain ASCII: only rows with other characters need script classes.
        non_ascii = pc.match_substring_regex(present, r"[^\x00-\x7F]").to_numpy(
            zero_copy_only=False
        )
        ascii_letters = pc.match_substring_regex(present, r"[A-Za-z]").to_numpy(
            zero_copy_only=False
        )
        latin = ascii_letters.copy()
        any_letter = ascii_letters.copy()
        if non_ascii.any():
            idx = np.flatnonzero(non_ascii)
            rest = present.take(pa.array(idx))
            for name, pattern in SCRIPTS.items():
                mask = pc.match_substring_regex(rest, pattern).to_numpy(zero_copy_only=False)
                if name == "Latin":
                    latin[idx] |= mask
                else:
                    self.scripts[name] += int(mask.sum())
                any_letter[idx] |= mask
        self.scripts["Latin"] += int(latin.sum())
        self.no_letters += int((~any_letter).sum())

    def merge(self, other: TextStatsCheck) -> None:
        for attr in ("rows", "missing", "empty", "whitespace_only", "non_text", "total_chars",
                     "total_words", "no_letters"):  # fmt: skip
            setattr(self, attr, getattr(self, attr) + getattr(other, attr))
        self.char_hist += other.char_hist
        self.word_hist += other.word_hist
        self.max_chars = max(self.max_chars, other.max_chars)
        for k, v in other.scripts.items():
            self.scripts[k] += v

    def result(self, context: ReportContext | None = None) -> TextStatsSection:
        return TextStatsSection.model_validate(self.stats())

    def stats(self) -> dict:
        counted = int(self.char_hist.sum())
        # Histogram on log-spaced bins for the chart (exact counts per bin).
        edges = [0, 10, 20, 40, 60, 80, 100, 150, 200, 300, 500, 1000, 2000, MAX_TRACKED_LENGTH + 1]
        cum = np.concatenate([[0], np.cumsum(self.char_hist)])
        bins = [
            {"from": lo, "to": hi if hi <= MAX_TRACKED_LENGTH else None,
             "count": int(cum[min(hi, len(cum) - 1)] - cum[lo])}
            for lo, hi in zip(edges[:-1], edges[1:], strict=True)
        ]  # fmt: skip
        bins.append({"from": MAX_TRACKED_LENGTH + 1, "to": None, "count": int(self.char_hist[-1])})
        bins = [b for b in bins if b["count"] or b["from"] < 500]
        return {
            "rows": self.rows,
            "rows_with_text": counted,
            "missing": self.missing,
            "empty": self.empty,
            "whitespace_only": self.whitespace_only,
            "non_text": self.non_text,
            "chars": {
                "mean": self.total_chars / counted if counted else None,
                "min": _quantile_from_hist(self.char_hist, 0.0),
                "p10": _quantile_from_hist(self.char_hist, 0.1),
                "p50": _quantile_from_hist(self.char_hist, 0.5),
                "p90": _quantile_from_hist(self.char_hist, 0.9),
                "p99": _quantile_from_hist(self.char_hist, 0.99),
                "max": self.max_chars if counted else None,
            },
            "words": {
                "mean": self.total_words / counted if counted else None,
                "p50": _quantile_from_hist(self.word_hist, 0.5),
                "p90": _quantile_from_hist(self.word_hist, 0.9),
            },
            "length_histogram": bins,
            "very_short_rows": int(self.char_hist[:5].sum()),
            "scripts": {k: v for k, v in self.scripts.items() if v},
            "script_shares": {k: v / counted for k, v in self.scripts.items() if v and counted},
            "no_letters": self.no_letters,
            "language_detection": LANGUAGE_NOTE,
        }

    # -- reading the section ------------------------------------------------------------------
    @classmethod
    def warnings(cls, section: Section, context: ReportContext) -> list[str]:
        return [LANGUAGE_NOTE]

    @classmethod
    def findings(cls, section: Section, context: ReportContext) -> list[Finding]:
        from backend.audit.findings import plural  # noqa: PLC0415

        assert isinstance(section, TextStatsSection)
        out = []
        bad = section.empty + section.whitespace_only + section.missing
        if bad:
            out.append(
                Finding(
                    check=cls.name,
                    severity="warning",
                    text=f"{plural(bad, 'row')} have no text (empty, whitespace-only or missing).",
                )
            )
        if section.non_text:
            n = section.non_text
            out.append(
                Finding(
                    check=cls.name,
                    severity="warning",
                    text=f"{plural(n, 'value')} in the text column "
                    f"{'is' if n == 1 else 'are'} not text (numbers or other types).",
                )
            )
        if section.chars.get("p50") is not None:
            out.append(
                Finding(
                    check=cls.name,
                    severity="info",
                    text=f"Median text length {section.chars['p50']} characters "
                    f"(90 % under {section.chars['p90']}); {context.rows:,} rows audited.",
                )
            )
        return out

    @classmethod
    def comparison(cls, section: Section) -> dict[str, float | None]:
        assert isinstance(section, TextStatsSection)
        return {"Empty or missing texts": section.empty + section.whitespace_only + section.missing}
