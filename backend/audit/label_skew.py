"""Label skew: P(label | group) with Wilson intervals, chi-square and parity difference.

This measures historical bias *in the labels themselves*: if one group's comments are
labelled toxic far more often, a model fine-tuned on them will learn that. The test is a
chi-square test of independence between group and label (``scipy.stats``), and the
demographic-parity difference of the labels is the largest minus the smallest positive
rate among groups with enough rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from backend.audit.protocol import AuditCheck, CardField, Finding, ReportContext, Section
from backend.audit.representation import OTHER, shown_groups
from backend.audit.source import MISSING, Chunk, pair_counts, value_counts

#: Labels read as "the positive class" when the user does not say, in order.
_POSITIVE_GUESSES = ("1", "true", "yes", "toxic", "positive", "pos", "y", "abusive", "hate")


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % by default)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def chi_square(matrix: list[list[int]]) -> tuple[float, float, int]:
    """Pearson chi-square test of independence on a contingency table.

    Same statistic as ``scipy.stats.chi2_contingency(matrix, correction=False)``; the
    p-value comes from ``scipy.special.chdtrc`` (importing ``scipy.stats`` costs ~2 s).
    """
    from scipy.special import chdtrc  # noqa: PLC0415

    observed = np.asarray(matrix, dtype=float)
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True)
    expected /= observed.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
    stat = float(terms.sum())
    dof = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    return stat, float(chdtrc(dof, stat)), int(dof)


def choose_positive_label(labels: Counter, explicit: str | None = None) -> str | None:
    """The label whose rate is compared: explicit, a conventional name, or the rarer one."""
    values = [v for v in labels if v is not None]
    if not values:
        return None
    if explicit is not None:
        return str(explicit)
    lower = {str(v).lower(): v for v in values}
    for guess in _POSITIVE_GUESSES:
        if guess in lower:
            return lower[guess]
    return min(values, key=lambda v: (labels[v], str(v)))


class LabelSkewSection(Section):
    """Positive-label rate per group with CIs, chi-square and parity difference per column."""

    positive_label: str | None = None
    label_counts: dict[str, int] = {}
    overall_rate: float | None = None
    missing_labels: int = 0
    columns: dict[str, dict[str, Any]] = {}
    gap_threshold: float = 0.1
    min_count: int = 30
    mode: str = "categorical"
    #: ``{column: {group: rate}}``; stored at the report's top level as ``label_rate``.
    label_rate: dict[str, Any] = {}


class LabelSkewCheck(AuditCheck):
    """Contingency counts (group × label) per sensitive column."""

    name = "label_skew"
    label = "Label skew"
    section_model = LabelSkewSection
    describes_bias = True

    @classmethod
    def skipped_because(cls, config) -> str | None:
        from backend.audit.representation import RepresentationCheck  # noqa: PLC0415

        if reason := RepresentationCheck.skipped_because(config):
            return reason
        if not config.label_col:
            return "No label column chosen: label skew is skipped."
        return None

    @classmethod
    def from_config(cls, config, plan) -> LabelSkewCheck:
        check = cls(config.sensitive)
        check.mode = plan.label_mode
        return check

    def __init__(self, columns: list[str]) -> None:
        self.mode = "categorical"
        self.columns = list(columns)
        self.labels: Counter = Counter()
        self.tables: dict[str, Counter] = {c: Counter() for c in self.columns}
        self.missing_labels = 0

    def update(self, batch) -> None:
        chunk = Chunk.of(batch)
        labels = chunk.labels
        if labels is None:
            return
        has = np.array([lab is not None for lab in labels.tolist()], dtype=bool)
        self.missing_labels += int((~has).sum())
        present = labels[has]
        self.labels.update(value_counts(present))
        for col in self.columns:
            self.tables[col].update(pair_counts(chunk.groups(col)[has], present))

    def merge(self, other: LabelSkewCheck) -> None:
        self.labels.update(other.labels)
        self.missing_labels += other.missing_labels
        for col in self.columns:
            self.tables[col].update(other.tables[col])

    def result(self, context: ReportContext) -> LabelSkewSection:
        config = context.config
        data = self.rates(
            positive_label=config.positive_label,
            min_count=config.min_count,
            max_groups=config.max_groups,
            gap_threshold=config.label_gap_threshold,
            shown_groups=shown_groups(context),
        )
        return LabelSkewSection.model_validate({**data, "mode": self.mode})

    def rates(
        self,
        *,
        positive_label: str | None = None,
        min_count: int = 30,
        max_groups: int = 20,
        gap_threshold: float = 0.1,
        shown_groups: dict[str, list[str]] | None = None,
    ) -> dict:
        """Per column: rate per group with CI, chi-square, parity difference, flag.

        ``shown_groups`` (column -> groups) comes from the representation summary so both
        tabs list the same groups; other groups are pooled into ``other``.
        """
        positive = choose_positive_label(self.labels, positive_label)
        label_values = sorted(self.labels, key=lambda v: (-self.labels[v], str(v)))
        columns = {}
        label_rate = {}
        for col in self.columns:
            table = self.tables[col]
            per_group: dict[str, Counter] = {}
            for (g, lab), n in table.items():
                per_group.setdefault(g, Counter())[lab] += n
            keep = (shown_groups or {}).get(col)
            if keep is None:
                ordered = sorted(per_group, key=lambda g: (-sum(per_group[g].values()), g))
                keep = ordered[: max_groups - 1] if len(ordered) > max_groups else ordered
            pooled: dict[str, Counter] = {}
            for g, counts in per_group.items():
                key = g if (g in keep or g == MISSING) else OTHER
                pooled.setdefault(key, Counter()).update(counts)
            groups = {}
            for g, counts in sorted(pooled.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
                n = sum(counts.values())
                pos = counts.get(positive, 0) if positive is not None else 0
                low, high = wilson_interval(pos, n)
                groups[g] = {
                    "n": int(n),
                    "positives": int(pos),
                    "rate": pos / n if n else None,
                    "ci_low": low,
                    "ci_high": high,
                    "label_counts": {str(k): int(v) for k, v in counts.items()},
                }
            tested = [g for g in groups if g != MISSING and groups[g]["n"] > 0]
            chi2 = p_value = dof = None
            if len(tested) >= 2 and len(label_values) >= 2:
                matrix = [[pooled[g].get(lab, 0) for lab in label_values] for g in tested]
                # Drop all-zero label columns (a label absent from every tested group).
                keep_cols = [j for j in range(len(label_values)) if any(r[j] for r in matrix)]
                matrix = [[r[j] for j in keep_cols] for r in matrix]
                if len(keep_cols) >= 2:
                    chi2, p_value, dof = chi_square(matrix)
            eligible = {
                g: v["rate"] for g, v in groups.items()
                if g not in (MISSING, OTHER) and v["n"] >= min_count and v["rate"] is not None
            }  # fmt: skip
            dp_diff = dp_ratio = hi_group = lo_group = None
            if len(eligible) >= 2:
                hi_group = max(eligible, key=eligible.get)
                lo_group = min(eligible, key=eligible.get)
                dp_diff = eligible[hi_group] - eligible[lo_group]
                dp_ratio = eligible[lo_group] / eligible[hi_group] if eligible[hi_group] else None
            flagged = bool(
                dp_diff is not None
                and dp_diff >= gap_threshold
                and p_value is not None
                and p_value < 0.01
            )
            columns[col] = {
                "groups": groups,
                "chi2": chi2,
                "p_value": p_value,
                "dof": dof,
                "dp_difference": dp_diff,
                "dp_ratio": dp_ratio,
                "highest_group": hi_group,
                "lowest_group": lo_group,
                "flagged": flagged,
            }
            label_rate[col] = {g: v["rate"] for g, v in groups.items()}
        total = sum(self.labels.values())
        return {
            "positive_label": positive,
            "label_counts": {str(k): int(v) for k, v in self.labels.items()},
            "overall_rate": (self.labels.get(positive, 0) / total) if total and positive else None,
            "missing_labels": int(self.missing_labels),
            "columns": columns,
            "label_rate": label_rate,
            "gap_threshold": gap_threshold,
            "min_count": min_count,
        }

    # -- reading the section ------------------------------------------------------------------
    @classmethod
    def to_report(cls, section: Section) -> dict[str, Any]:
        data = section.model_dump(mode="json")
        return {"label_rate": data.pop("label_rate"), "label_skew": data}

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> LabelSkewSection | None:
        skew = report.get("label_skew")
        rate = report.get("label_rate")
        if not isinstance(skew, Mapping):
            if rate is None:
                return None
            skew = {}  # label rates alone (a report written by hand or by an old version)
        return LabelSkewSection.load(
            {**skew, "label_rate": dict(rate) if isinstance(rate, Mapping) else rate}
        )

    @classmethod
    def warnings(cls, section: Section, context: ReportContext) -> list[str]:
        assert isinstance(section, LabelSkewSection)
        if section.mode == "binarised":
            return [
                f"Label column '{context.config.label_col}' holds scores in [0, 1]; labels "
                "≥ 0.5 are counted as positive ('1')."
            ]
        return []

    @classmethod
    def findings(cls, section: Section, context: ReportContext) -> list[Finding]:
        from backend.audit.findings import pct  # noqa: PLC0415
        from backend.column_roles import label_name  # noqa: PLC0415

        assert isinstance(section, LabelSkewSection)

        def label_rate(value) -> str:
            text = label_name(dict(context.label_names), value)
            return text[:1].upper() + text[1:] + " rate"

        out: list[Finding] = []
        positive = section.positive_label
        for col, res in section.columns.items():
            if res.get("dp_difference") is None:
                continue
            hi, lo = res["highest_group"], res["lowest_group"]
            groups = res["groups"]
            p = res.get("p_value")
            ptxt = (
                "p < 0.001"
                if p is not None and p < 0.001
                else f"p = {p:.3f}"
                if p is not None
                else ""
            )
            if res.get("flagged"):
                severity, text = (
                    "warning",
                    f"{label_rate(positive)} differs by {col}: {pct(groups[hi]['rate'])} for "
                    f"{hi} vs {pct(groups[lo]['rate'])} for {lo} (difference "
                    f"{res['dp_difference']:.2f}, chi-square {ptxt}).",
                )
            elif res["dp_difference"] >= section.gap_threshold:
                severity, text = (
                    "info",
                    f"{label_rate(positive)} varies by up to {res['dp_difference']:.2f} across "
                    f"{col} groups ({hi} {pct(groups[hi]['rate'])}, {lo} "
                    f"{pct(groups[lo]['rate'])}), but not significantly ({ptxt}).",
                )
            else:
                severity, text = (
                    "ok",
                    f"{label_rate(positive)} is similar across {col} groups (largest "
                    f"difference {res['dp_difference']:.2f}{', ' + ptxt if ptxt else ''}).",
                )
            out.append(Finding(check=cls.name, severity=severity, text=text))
        return out

    @classmethod
    def card_fields(cls, section: Section, context: ReportContext, card_kind) -> list[CardField]:
        from backend.cards.formatting import fmt_pct, nested_table  # noqa: PLC0415

        assert isinstance(section, LabelSkewSection)
        if card_kind != "data" or not section.label_rate:
            return []
        if not isinstance(section.label_rate, Mapping):  # one overall rate (old reports)
            return [CardField("annotations", "label_rate", fmt_pct(section.label_rate))]
        rates = {
            col: {g: fmt_pct(v) for g, v in groups.items()}
            for col, groups in section.label_rate.items()
        }
        table = nested_table(rates, ["attribute", "group", "positive label rate"])
        return [CardField("annotations", "label_rate", table)]

    @classmethod
    def comparison(cls, section: Section) -> dict[str, float | None]:
        assert isinstance(section, LabelSkewSection)
        return {
            f"Label-rate gap by {col}": res.get("dp_difference")
            for col, res in section.columns.items()
        }
