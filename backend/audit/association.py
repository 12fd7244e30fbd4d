"""Identity-term association: which words and labels co-occur with a group more than chance.

Normalised pointwise mutual information, as in Hugging Face's data-measurements tool:

    nPMI(w, g) = log(p(w, g) / (p(w) p(g))) / -log p(w, g)

with probabilities over rows (a word counts once per row). nPMI is 0 for independence,
+1 when the word only ever appears with the group, -1 when never. It is computed for the
groups of each sensitive column and for identity terms found in the text itself
("woman", "muslim", "gay"...). Counts use at most ``max_rows`` rows (the first ones) so
memory stays bounded; the report says how many rows were used.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from backend.audit.protocol import AuditCheck, Finding, ReportContext, Section
from backend.audit.representation import shown_groups
from backend.audit.source import MISSING, Chunk

#: Identity terms looked for in the text (lower-case tokens).
IDENTITY_TERMS: dict[str, str] = {
    **dict.fromkeys(
        ["woman", "women", "man", "men", "female", "male", "girl", "boy", "non-binary",
         "nonbinary", "trans", "transgender", "lesbian", "gay", "bisexual", "queer"],
        "gender & sexuality",
    ),
    **dict.fromkeys(
        ["black", "white", "asian", "hispanic", "latino", "latina", "african", "arab",
         "indian", "chinese", "mexican", "immigrant", "immigrants"],
        "race & origin",
    ),
    **dict.fromkeys(
        ["muslim", "muslims", "christian", "christians", "jewish", "jew", "jews", "hindu",
         "buddhist", "atheist", "catholic", "sikh"],
        "religion",
    ),
    **dict.fromkeys(
        ["old", "older", "elderly", "retiree", "young", "teenager", "student", "disabled",
         "deaf", "blind"],
        "age & ability",
    ),
}  # fmt: skip

#: Words too common to say anything (plus identity terms themselves when scoring words).
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "im",
        "ive",
        "dont",
        "its",
        "thats",
        "also",
        "get",
        "got",
        "like",
        "one",
        "really",
        "much",
        "even",
        "still",
        "well",
    ]
)


def npmi(joint: int, a: int, b: int, n: int) -> float | None:
    """nPMI from counts: rows with both, rows with each, total rows."""
    if joint <= 0 or a <= 0 or b <= 0 or n <= 0:
        return None
    p_ab, p_a, p_b = joint / n, a / n, b / n
    if p_ab >= 1.0:
        return 1.0
    return math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)


class AssociationSection(Section):
    """nPMI of words and labels with groups and identity terms."""

    rows_used: int = 0
    rows: int = 0
    sampled: bool = False
    min_count: int = 5
    by_column: dict[str, dict[str, Any]] = {}
    identity_terms: dict[str, dict[str, Any]] = {}
    identity_heatmap: dict[str, Any] = {}


class AssociationCheck(AuditCheck):
    """Row-level co-occurrence counts between words, labels, groups and identity terms.

    Counts cover the first ``max_rows`` rows of the file (by row number), so partial
    states merge to the same counts whatever order they arrive in.
    """

    name = "association"
    label = "Associations (nPMI)"
    section_model = AssociationSection
    describes_bias = True

    @classmethod
    def from_config(cls, config, plan) -> AssociationCheck:
        return cls(
            config.sensitive,
            max_rows=config.association_max_rows,
            min_count=config.association_min_count,
        )

    def __init__(self, columns: list[str], *, max_rows: int = 200_000, min_count: int = 5) -> None:
        self.columns = list(columns)
        self.max_rows = max_rows
        self.min_count = min_count
        self.rows = 0
        self.rows_seen = 0
        self.word_rows: Counter = Counter()
        self.group_rows: dict[str, Counter] = {c: Counter() for c in self.columns}
        self.group_word: dict[str, Counter] = {c: Counter() for c in self.columns}
        self.label_rows: Counter = Counter()
        self.group_label: dict[str, Counter] = {c: Counter() for c in self.columns}
        self.term_rows: Counter = Counter()
        self.term_word: Counter = Counter()
        self.term_label: Counter = Counter()

    def update(self, batch) -> None:
        chunk = Chunk.of(batch)
        self.rows_seen += len(chunk)
        # The first max_rows rows of the file: a row-number cut, not an arrival-order one.
        use = [int(i) for i in (chunk.rows < self.max_rows).nonzero()[0]]
        if not use:
            return
        self.rows += len(use)
        all_labels = chunk.labels.tolist() if chunk.labels is not None else None
        labels = [all_labels[i] for i in use] if all_labels is not None else [None] * len(use)
        groups = {c: [chunk.groups(c)[i] for i in use] for c in self.columns}
        token_lists = chunk.token_lists
        for i, tokens in enumerate(token_lists[j] for j in use):
            toks = set(tokens)
            words = {w for w in toks if len(w) > 2 and w not in STOPWORDS and not w.isdigit()}
            terms = toks & IDENTITY_TERMS.keys()
            self.word_rows.update(words)
            label = labels[i]
            if label is not None:
                self.label_rows[label] += 1
            for c in self.columns:
                g = groups[c][i]
                if g == MISSING:
                    continue
                self.group_rows[c][g] += 1
                self.group_word[c].update((g, w) for w in words)
                if label is not None:
                    self.group_label[c][(g, label)] += 1
            for t in terms:
                self.term_rows[t] += 1
                self.term_word.update((t, w) for w in words if w != t)
                if label is not None:
                    self.term_label[(t, label)] += 1

    def merge(self, other: AssociationCheck) -> None:
        self.rows += other.rows
        self.rows_seen += other.rows_seen
        for name in ("word_rows", "label_rows", "term_rows", "term_word", "term_label"):
            getattr(self, name).update(getattr(other, name))
        for name in ("group_rows", "group_word", "group_label"):
            mine = getattr(self, name)
            for col, counter in getattr(other, name).items():
                mine.setdefault(col, Counter()).update(counter)

    def result(self, context: ReportContext | None = None) -> AssociationSection:
        shown = shown_groups(context) if context is not None else None
        return AssociationSection.model_validate(self.scores(shown_groups=shown))

    def scores(self, *, top_k: int = 10, shown_groups: dict[str, list[str]] | None = None) -> dict:
        n = self.rows
        m = self.min_count
        by_column = {}
        for c in self.columns:
            keep = (shown_groups or {}).get(c)
            counts = self.group_rows[c]
            groups = sorted(counts, key=lambda g, counts=counts: (-counts[g], g))
            if keep is not None:
                groups = [g for g in groups if g in keep]
            groups = groups[:20]
            words_by_group = {g: [] for g in groups}
            for (g, w), joint in self.group_word[c].items():
                if g in words_by_group and joint >= m and self.word_rows[w] >= m:
                    score = npmi(joint, self.word_rows[w], self.group_rows[c][g], n)
                    if score is not None:
                        words_by_group[g].append({"word": w, "npmi": score, "count": joint})
            for g in groups:
                words_by_group[g].sort(key=lambda d: (-d["npmi"], d["word"]))
                words_by_group[g] = words_by_group[g][:top_k]
            label_npmi = {
                g: {
                    str(lab): npmi(self.group_label[c][(g, lab)], self.group_rows[c][g], cnt, n)
                    for lab, cnt in self.label_rows.items()
                }
                for g in groups
            }
            by_column[c] = {
                "groups": {
                    g: {"rows": self.group_rows[c][g], "top_words": words_by_group[g]}
                    for g in groups
                },
                "label_npmi": label_npmi,
                "heatmap": _heatmap(
                    words_by_group,
                    lambda g, w, c=c: npmi(
                        self.group_word[c].get((g, w), 0),
                        self.word_rows[w],
                        self.group_rows[c][g],
                        n,
                    ),
                ),  # fmt: skip
            }
        terms = {}
        for t, rows in sorted(self.term_rows.items(), key=lambda kv: (-kv[1], kv[0])):
            if rows < m:
                continue
            words = [
                {"word": w, "npmi": s, "count": joint}
                for (tt, w), joint in self.term_word.items()
                if tt == t and joint >= m and self.word_rows[w] >= m
                and (s := npmi(joint, self.word_rows[w], rows, n)) is not None
            ]  # fmt: skip
            words.sort(key=lambda d: (-d["npmi"], d["word"]))
            terms[t] = {
                "category": IDENTITY_TERMS[t],
                "rows": rows,
                "top_words": words[:top_k],
                "label_npmi": {
                    str(lab): npmi(self.term_label[(t, lab)], rows, cnt, n)
                    for lab, cnt in self.label_rows.items()
                },
            }
        term_words = {t: v["top_words"] for t, v in terms.items()}
        return {
            "rows_used": n,
            "rows": self.rows_seen,
            "sampled": self.rows_seen > n,
            "min_count": m,
            "by_column": by_column,
            "identity_terms": terms,
            "identity_heatmap": _heatmap(
                term_words,
                lambda t, w: npmi(
                    self.term_word.get((t, w), 0), self.word_rows[w], self.term_rows[t], n
                ),
            ),
        }

    # -- reading the section ------------------------------------------------------------------
    @classmethod
    def warnings(cls, section: Section, context: ReportContext) -> list[str]:
        assert isinstance(section, AssociationSection)
        if not section.sampled:
            return []
        return [
            f"Word/group associations (nPMI) use the first {section.rows_used:,} rows of "
            f"{section.rows:,}."
        ]

    @classmethod
    def findings(cls, section: Section, context: ReportContext) -> list[Finding]:
        from backend.column_roles import label_name  # noqa: PLC0415

        assert isinstance(section, AssociationSection)
        skew = context.sections.get("label_skew")
        positive = getattr(skew, "positive_label", None)
        if positive is None:
            return []
        best = None
        min_rows = context.config.min_count
        for col, res in section.by_column.items():
            for g, labels in res.get("label_npmi", {}).items():
                if res["groups"].get(g, {}).get("rows", 0) < min_rows:
                    continue  # nPMI of tiny groups is noise
                v = labels.get(str(positive))
                if v is not None and (best is None or v > best[2]):
                    best = (col, g, v)
        if not best or best[2] < 0.05:
            return []
        name = label_name(dict(context.label_names), positive)
        return [
            Finding(
                check=cls.name,
                severity="info",
                text=f"{name[:1].upper()}{name[1:]} co-occurs with {best[0]} = {best[1]} more "
                f"than chance (nPMI {best[2]:.2f}).",
            )
        ]


def _heatmap(words_by_key: dict[str, list[dict]], score, *, top_k: int = 4) -> dict:
    """Rows = groups or terms, columns = union of each row's top words, values = nPMI.

    ``score(key, word)`` gives the nPMI of any cell (``None`` when they never co-occur).
    """
    keys = [k for k, words in words_by_key.items() if words]
    columns: list[str] = []
    for k in keys:
        for d in words_by_key[k][:top_k]:
            if d["word"] not in columns:
                columns.append(d["word"])
    values = [[score(k, w) for w in columns] for k in keys]
    return {"rows": keys, "columns": columns, "values": values}
