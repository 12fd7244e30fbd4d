"""Identity terms: finding them in text, and filling probe templates with them.

The project's own small term list and templates live in ``backend/fairness/data``. A user
can bring a template file in one of two shapes:

* templates with an ``{identity}`` placeholder: columns ``template`` and a label column
  (``label`` or ``toxicity``: ``toxic``/``nontoxic`` or 1/0);
* sentences already filled in: a text column (``phrase``, ``text`` or ``sentence``), a label
  column, and optionally the ``term`` (or ``identity``) each sentence uses; without it the
  term is found in the sentence with the identity-term list (longest match wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from backend.errors import StewardError

DATA_DIR = Path(__file__).resolve().parent / "data"
TERMS_FILE = DATA_DIR / "identity_terms.csv"
TEMPLATES_FILE = DATA_DIR / "identity_templates.csv"

_TOXIC_WORDS = {"toxic", "1", "true", "yes", "hateful", "offensive", "positive"}
_NONTOXIC_WORDS = {"nontoxic", "non-toxic", "non_toxic", "0", "false", "no", "benign", "negative"}


@dataclass(frozen=True)
class IdentityTerm:
    term: str
    category: str
    probe: bool


@lru_cache(maxsize=1)
def identity_terms() -> tuple[IdentityTerm, ...]:
    """The project's identity-term list."""
    frame = pd.read_csv(TERMS_FILE)
    return tuple(
        IdentityTerm(str(r.term), str(r.category), bool(int(r.probe)))
        for r in frame.itertuples(index=False)
    )


def term_categories() -> dict[str, str]:
    return {t.term: t.category for t in identity_terms()}


def _term_pattern(terms: list[str]) -> re.Pattern:
    # Longest first so "african american" wins over "african"; word boundaries that also
    # treat hyphens as part of the word ("non-binary" is one term, "man" is not in "woman").
    ordered = sorted(set(terms), key=len, reverse=True)
    alternation = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in ordered)
    return re.compile(rf"(?<![\w-])({alternation})(?![\w-])", re.IGNORECASE)


def find_terms(texts, terms: list[str] | None = None) -> dict[str, np.ndarray]:
    """Boolean masks of rows mentioning each identity term (only terms that occur).

    Parameters
    ----------
    texts : iterable of str
    terms : terms to look for; default: the project's list.
    """
    terms = terms or [t.term for t in identity_terms()]
    pattern = _term_pattern(terms)
    texts = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
    masks: dict[str, np.ndarray] = {}
    for i, text in enumerate(texts):
        for match in pattern.finditer(text):
            key = re.sub(r"\s+", " ", match.group(1).lower())
            if key not in masks:
                masks[key] = np.zeros(len(texts), dtype=bool)
            masks[key][i] = True
    return dict(sorted(masks.items(), key=lambda kv: -int(kv[1].sum())))


def first_term(text: str, pattern: re.Pattern) -> str | None:
    match = pattern.search(text)
    return re.sub(r"\s+", " ", match.group(1).lower()) if match else None


def _label_to_int(values: pd.Series, column: str) -> pd.Series:
    lowered = values.astype(str).str.strip().str.lower()
    out = pd.Series(np.nan, index=values.index)
    out[lowered.isin(_TOXIC_WORDS)] = 1
    out[lowered.isin(_NONTOXIC_WORDS)] = 0
    bad = out.isna()
    if bad.any():
        examples = ", ".join(sorted(set(values[bad].astype(str)))[:5])
        raise StewardError(
            f"Template column '{column}' must say toxic/nontoxic (or 1/0); found: {examples}."
        )
    return out.astype(int)


def fill_templates(
    templates: pd.DataFrame, terms: list[str], *, template_col: str = "template"
) -> pd.DataFrame:
    """Every template filled with every term: columns ``text, term, expected, template``."""
    rows = []
    for tpl, expected in zip(templates[template_col], templates["expected"], strict=True):
        tpl = str(tpl)
        if "{identity}" not in tpl and "{Identity}" not in tpl:
            continue
        for term in terms:
            text = tpl.replace("{identity}", term).replace(
                "{Identity}", term[:1].upper() + term[1:]
            )
            rows.append({"text": text, "term": term, "expected": int(expected), "template": tpl})
    if not rows:
        raise StewardError("No template contains an {identity} placeholder.")
    return pd.DataFrame(rows)


@dataclass
class ProbeSet:
    """Sentences to score: ``frame`` has columns text, term, expected (1 toxic), template."""

    frame: pd.DataFrame
    source: str
    warnings: list[str]


def builtin_probe_set(terms: list[str] | None = None) -> ProbeSet:
    """The project's own templates filled with its probe terms."""
    templates = pd.read_csv(TEMPLATES_FILE)
    templates["expected"] = _label_to_int(templates["label"], "label")
    terms = terms or [t.term for t in identity_terms() if t.probe]
    frame = fill_templates(templates, terms)
    return ProbeSet(
        frame=frame,
        source=(
            f"Steward's own templates ({len(templates)} sentences x {len(terms)} identity "
            f"terms = {len(frame)} probes)"
        ),
        warnings=[],
    )


def probe_set_from_frame(
    frame: pd.DataFrame,
    *,
    name: str = "uploaded file",
    max_per_term_label: int | None = 200,
    seed: int = 0,
    terms: list[str] | None = None,
) -> ProbeSet:
    """A probe set from a user's table in either supported shape (see module docstring).

    Large files are sampled (seeded) to at most ``max_per_term_label`` sentences per term
    and label, so scoring stays fast; the sample size is reported.
    """
    cols = {c.lower(): c for c in frame.columns}
    label_col = next(
        (cols[c] for c in ("label", "toxicity", "expected", "toxic") if c in cols), None
    )
    if label_col is None:
        raise StewardError(
            f"The template file {name} needs a label column ('label' or 'toxicity' with "
            f"toxic/nontoxic); it has: {', '.join(map(str, frame.columns))}."
        )
    warnings: list[str] = []
    work = frame.copy()
    work["expected"] = _label_to_int(work[label_col], label_col)
    text_col = next((cols[c] for c in ("phrase", "text", "sentence") if c in cols), None)
    template_col = cols.get("template")
    if text_col is None and template_col is not None:
        terms = terms or [t.term for t in identity_terms() if t.probe]
        probes = fill_templates(work, terms, template_col=template_col)
    elif text_col is not None:
        term_col = next((cols[c] for c in ("term", "identity", "identity_term") if c in cols), None)
        texts = work[text_col].astype(str)
        if term_col is not None:
            found = work[term_col].astype(str).str.lower()
        else:
            pattern = _term_pattern(terms or [t.term for t in identity_terms()])
            found = texts.map(lambda t: first_term(t, pattern))
            missing = int(found.isna().sum())
            if missing:
                warnings.append(
                    f"{missing:,} of {len(work):,} sentences mention no known identity term "
                    f"and were skipped."
                )
        probes = pd.DataFrame(
            {
                "text": texts,
                "term": found,
                "expected": work["expected"],
                "template": work[template_col].astype(str) if template_col else "",
            }
        ).dropna(subset=["term"])
    else:
        raise StewardError(
            f"The template file {name} needs a 'template' column with {{identity}} or a "
            f"sentence column ('phrase', 'text' or 'sentence')."
        )
    if probes.empty:
        raise StewardError(f"No usable probe sentences in {name}.")
    total = len(probes)
    if (
        max_per_term_label
        and probes.groupby(["term", "expected"]).size().max() > max_per_term_label
    ):
        # Shuffle (seeded), then keep the first rows of each term and label.
        probes = (
            probes.sample(frac=1.0, random_state=seed)
            .groupby(["term", "expected"], sort=False)
            .head(max_per_term_label)
            .sort_index()
        )
        warnings.append(
            f"Sampled {len(probes):,} of {total:,} sentences (at most {max_per_term_label} per "
            f"term and label, seed {seed})."
        )
    return ProbeSet(
        frame=probes.reset_index(drop=True),
        source=f"{name} ({len(probes):,} probes, {probes['term'].nunique()} terms)",
        warnings=warnings,
    )
