"""Representation: rows per group for each sensitive column and for pairs of them.

Counts are merged chunk by chunk. A column with thousands of distinct values is
summarised as its top groups plus ``other``; a column with more distinct values than
:data:`MAX_TRACKED` keeps the most frequent ones exactly and folds the long tail into
``other`` while streaming (the result then says it is approximate).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import combinations
from typing import TYPE_CHECKING, Any

from backend.audit.protocol import AuditCheck, CardField, Finding, Headline, ReportContext, Section
from backend.audit.source import MISSING, Chunk, pair_counts, value_counts
from backend.observations import Observation, finite_number

if TYPE_CHECKING:  # pragma: no cover
    from backend.audit.protocol import CardSuggestion

OTHER = "other"
#: Distinct values tracked exactly per column before the long tail is folded into other.
MAX_TRACKED = 50_000
_KEEP_AFTER_PRUNE = 10_000
#: Pairs of sensitive columns whose intersections are counted.
MAX_PAIRS = 6
SEP = " | "


class RepresentationSection(Section):
    """Rows, shares and reference shares per group, flags and intersections."""

    by_column: dict[str, Any] = {}
    meta: dict[str, dict[str, Any]] = {}
    flagged: list[dict[str, Any]] = []
    intersections: dict[str, dict[str, Any]] = {}
    min_ratio: float = 0.5
    min_count: int = 30


def shown_groups(context: ReportContext) -> dict[str, list[str]] | None:
    """Groups the representation tab shows per column (other checks pool the rest)."""
    section = context.sections.get("representation")
    if not isinstance(section, RepresentationSection):
        return None
    return {col: [g for g in groups if g != OTHER] for col, groups in section.by_column.items()}


class RepresentationCheck(AuditCheck):
    """Counts per group and per pair of groups; see :meth:`result`."""

    name = "representation"
    label = "Representation"
    section_model = RepresentationSection
    describes_bias = True

    @classmethod
    def skipped_because(cls, config) -> str | None:
        if not config.sensitive:
            return "No sensitive column chosen: representation and label skew are skipped."
        return None

    @classmethod
    def from_config(cls, config, plan) -> RepresentationCheck:
        return cls(config.sensitive)

    def __init__(self, columns: list[str]) -> None:
        self.columns = list(columns)
        self.pairs = list(combinations(self.columns, 2))[:MAX_PAIRS]
        self.rows = 0
        self.counts: dict[str, Counter] = {c: Counter() for c in self.columns}
        self.folded: dict[str, int] = {c: 0 for c in self.columns}
        self.pair_counts: dict[tuple[str, str], Counter] = {p: Counter() for p in self.pairs}

    def update(self, batch) -> None:
        chunk = Chunk.of(batch)
        self.rows += len(chunk)
        for col in self.columns:
            counter = self.counts[col]
            counter.update(value_counts(chunk.groups(col)))
            if len(counter) > MAX_TRACKED:
                self._prune(col)
        for a, b in self.pairs:
            self.pair_counts[(a, b)].update(pair_counts(chunk.groups(a), chunk.groups(b)))

    def _prune(self, col: str) -> None:
        counter = self.counts[col]
        keep = dict(counter.most_common(_KEEP_AFTER_PRUNE))
        self.folded[col] += sum(counter.values()) - sum(keep.values())
        self.counts[col] = Counter(keep)

    def merge(self, other: RepresentationCheck) -> None:
        """Add another partial result (same columns) into this one."""
        self.rows += other.rows
        for col in self.columns:
            self.counts[col].update(other.counts[col])
            self.folded[col] += other.folded[col]
        for pair in self.pairs:
            self.pair_counts[pair].update(other.pair_counts[pair])

    # ----------------------------------------------------------------------------------
    def result(self, context: ReportContext) -> RepresentationSection:
        config = context.config
        return RepresentationSection.model_validate(
            self.shares(
                reference=config.reference,
                min_ratio=config.min_ratio,
                min_count=config.min_count,
                max_groups=config.max_groups,
            )
        )

    def shares(
        self,
        *,
        reference: dict[str, dict[str, float]] | None = None,
        min_ratio: float = 0.5,
        min_count: int = 30,
        max_groups: int = 20,
    ) -> dict:
        """Shares, reference shares, ratios and flags.

        Returns a dict with ``by_column`` (column -> group -> count, share,
        reference_share, ratio, flagged, reason), ``meta`` per column, ``flagged`` (list)
        and ``intersections``.
        """
        reference = reference or {}
        by_column, meta, flagged = {}, {}, []
        for col in self.columns:
            counter = self.counts[col]
            total = sum(counter.values()) + self.folded[col]
            present = {g: n for g, n in counter.items() if g != MISSING}
            distinct = len(present)
            ref = reference.get(col)
            ref_source = "file" if ref else "uniform"
            if not ref:
                # Uniform over observed groups; meaningless for id-like columns, so no flags.
                ref = {g: 1 / distinct for g in present} if 0 < distinct <= 200 else {}
            top = sorted(present.items(), key=lambda kv: (-kv[1], kv[0]))
            summarised = distinct > max_groups or self.folded[col] > 0
            shown = top[: max_groups - 1] if summarised else top
            groups = {}
            for g, n in shown:
                share = n / total if total else 0.0
                ref_share = ref.get(g)
                ratio = share / ref_share if ref_share else None
                reason = None
                if n < min_count:
                    reason = f"fewer than {min_count} rows"
                elif ratio is not None and ratio < min_ratio:
                    reason = f"share is {ratio:.2f}× its reference (below {min_ratio:g}×)"
                groups[g] = {
                    "count": int(n),
                    "share": share,
                    "reference_share": ref_share,
                    "ratio": ratio,
                    "flagged": reason is not None and not summarised,
                    "reason": reason,
                }
                if reason is not None and not summarised:
                    flagged.append(
                        {"column": col, "group": g, "count": int(n), "share": share,
                         "reference_share": ref_share, "ratio": ratio, "reason": reason}
                    )  # fmt: skip
            # Reference groups that never appear are the most under-represented of all.
            for g, ref_share in (reference.get(col) or {}).items():
                if g not in present and ref_share > 0:
                    groups[g] = {
                        "count": 0, "share": 0.0, "reference_share": ref_share, "ratio": 0.0,
                        "flagged": True, "reason": "absent from the data",
                    }  # fmt: skip
                    flagged.append(
                        {"column": col, "group": g, "count": 0, "share": 0.0,
                         "reference_share": ref_share, "ratio": 0.0,
                         "reason": "absent from the data"}
                    )  # fmt: skip
            rest = total - sum(n for _, n in shown) - counter.get(MISSING, 0)
            if summarised and rest > 0:
                groups[OTHER] = {
                    "count": int(rest), "share": rest / total, "reference_share": None,
                    "ratio": None, "flagged": False,
                    "reason": f"{distinct - len(shown):,}+ smaller groups combined",
                }  # fmt: skip
            if counter.get(MISSING):
                n = counter[MISSING]
                groups[MISSING] = {
                    "count": int(n), "share": n / total, "reference_share": None,
                    "ratio": None, "flagged": False, "reason": None,
                }  # fmt: skip
            by_column[col] = groups
            meta[col] = {
                "distinct_groups": distinct,
                "summarised": summarised,
                "approximate": self.folded[col] > 0,
                "reference": ref_source,
                "missing": int(counter.get(MISSING, 0)),
            }
        return {
            "by_column": by_column,
            "meta": meta,
            "flagged": flagged,
            "intersections": self._intersections(min_count=min_count, max_groups=max_groups),
            "min_ratio": min_ratio,
            "min_count": min_count,
        }

    def _intersections(self, *, min_count: int, max_groups: int) -> dict:
        out = {}
        for (a, b), counter in self.pair_counts.items():
            total = sum(counter.values())
            if not total:
                continue
            marg_a, marg_b = Counter(), Counter()
            for (ga, gb), n in counter.items():
                marg_a[ga] += n
                marg_b[gb] += n
            cells = sorted(
                ((k, n) for k, n in counter.items() if MISSING not in k),
                key=lambda kv: (-kv[1], kv[0]),
            )
            # Small intersections matter most: show the largest and the smallest cells.
            limit = max_groups * 2
            shown = cells if len(cells) <= limit else cells[:max_groups] + cells[-max_groups:]
            groups = {}
            for (ga, gb), n in shown:
                share = n / total
                expected = (marg_a[ga] / total) * (marg_b[gb] / total)
                groups[f"{ga}{SEP}{gb}"] = {
                    "count": int(n),
                    "share": share,
                    # Ratio to what independent columns would give: < 1 means this
                    # combination is rarer than its two groups alone predict.
                    "expected_share": expected,
                    "ratio": share / expected if expected else None,
                    "flagged": n < min_count,
                }
            out[f"{a} × {b}"] = {
                "columns": [a, b],
                "groups": groups,
                "cells": len(cells),
                "small_cells": sum(1 for _, n in cells if n < min_count),
                "shown": "all" if len(cells) <= limit else "largest and smallest",
            }
        return out

    # -- reading the section ------------------------------------------------------------------
    @classmethod
    def to_report(cls, section: Section) -> dict[str, Any]:
        data = section.model_dump(mode="json")
        return {"representation": data.pop("by_column"), "representation_summary": data}

    @classmethod
    def card_fields(cls, section: Section, context: ReportContext, card_kind) -> list[CardField]:
        from backend.cards.formatting import bullets, fmt_num, fmt_pct, table  # noqa: PLC0415

        assert isinstance(section, RepresentationSection)
        if not section.by_column:
            return []
        if card_kind == "model":
            factors = ", ".join(str(c) for c in section.by_column)
            text = f"Sensitive attributes audited: {factors}."
            return [CardField("factors_and_training_data", "relevant_factors", text)]
        rows, rare = [], []
        for column, groups in section.by_column.items():
            for group, stats in groups.items():
                count, share = stats.get("count"), stats.get("share")
                rows.append(
                    [column, group, "–" if count is None else fmt_num(count), fmt_pct(share)]
                )
                if stats.get("flagged") is True:  # the audit's own judgement
                    reason = f"; {stats['reason']})" if stats.get("reason") else ")"
                    rare.append(f"{column} = {group} ({fmt_pct(share)} of rows{reason}")
                elif stats.get("flagged") is None and share is not None and share < 0.05:
                    # A report without flags (written by hand or by an old version).
                    rare.append(f"{column} = {group} ({fmt_pct(share)} of rows, under 5 %)")
        fields = [
            CardField(
                "demographic_coverage",
                "representation",
                table(rows, ["attribute", "group", "rows", "share"]),
            )
        ]
        if rare:
            fields.append(CardField("demographic_coverage", "underrepresented", bullets(rare)))
        return fields

    @classmethod
    def card_checklist(cls, section: Section, context: ReportContext) -> list[CardSuggestion]:
        from backend.audit.protocol import CardSuggestion  # noqa: PLC0415

        assert isinstance(section, RepresentationSection)
        if not section.by_column:
            return []
        text = "Group representation was audited; fairness metrics by group are still needed."
        return [CardSuggestion("bias_assessment", "in_progress", text)]

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> RepresentationSection | None:
        by_column = report.get("representation")
        summary = report.get("representation_summary")
        if not isinstance(by_column, Mapping):
            return None
        summary = dict(summary) if isinstance(summary, Mapping) else {}
        return RepresentationSection.load({**summary, "by_column": dict(by_column)})

    @classmethod
    def warnings(cls, section: Section, context: ReportContext) -> list[str]:
        assert isinstance(section, RepresentationSection)
        out = []
        for col, meta in section.meta.items():
            if meta.get("summarised"):
                out.append(
                    f"Sensitive column '{col}' has {meta['distinct_groups']:,} distinct values: "
                    f"shown as the top {context.config.max_groups - 1} groups plus 'other'"
                    + (" (counts of the long tail are approximate)." if meta.get("approximate")
                       else ".")
                )  # fmt: skip
        for col in context.config.reference:
            if col not in context.config.sensitive:
                out.append(f"Reference shares for '{col}' ignored: not a sensitive column.")
        return out

    @classmethod
    def findings(cls, section: Section, context: ReportContext) -> list[Finding]:
        from backend.audit.findings import alert_threshold, pct, plural  # noqa: PLC0415

        assert isinstance(section, RepresentationSection)
        out: list[Finding] = []

        def add(severity: str, text: str) -> None:
            out.append(Finding(check=cls.name, severity=severity, text=text))

        flagged = section.flagged
        # The same floor as the smallest-group alert (configs/alerts.yaml), said per group.
        floor = alert_threshold("dataset_min_group_share")

        def under_floor(share) -> str:
            return (
                f", under the {pct(floor).replace('.0 %', ' %')} alert floor"
                if floor is not None and share is not None and share < floor
                else ""
            )

        if flagged:
            parts = [
                f"{f['group']} ({f['column']}: {pct(f['share'])}"
                + (f" vs {pct(f['reference_share'])} reference" if f.get("reference_share") else "")
                + under_floor(f.get("share"))
                + ")"
                for f in flagged[:6]
            ]
            more = f" and {len(flagged) - 6} more" if len(flagged) > 6 else ""
            # One threshold source: the alert's (configs/alerts.yaml) decides warning or note.
            limit = alert_threshold("dataset_underrepresented_groups")
            alerting = limit is not None and len(flagged) > limit
            add(
                "warning" if alerting else "info",
                f"{plural(len(flagged), 'group')} under-represented: {', '.join(parts)}{more}."
                + ("" if alerting else " Below the alert threshold in the alert settings."),
            )
        named = {(f["column"], f["group"]) for f in flagged}
        tiny = [
            f"{g} ({col}: {pct(v['share'])})"
            for col, groups in section.by_column.items()
            for g, v in groups.items()
            if isinstance(v, dict)
            and (col, g) not in named
            and v.get("share") is not None
            and floor is not None
            and v["share"] < floor
        ]
        if tiny:
            add(
                "warning",
                f"Under the {pct(floor).replace('.0 %', ' %')} share that raises an alert: "
                f"{', '.join(tiny)}.",
            )
        if not flagged and not tiny and section.by_column:
            add(
                "ok",
                f"No group is under-represented (all at least {section.min_ratio:g}× their "
                f"reference share and {section.min_count} rows).",
            )
        small = [
            (name, g, v["count"])
            for name, inter in section.intersections.items()
            for g, v in inter["groups"].items()
            if v["flagged"]
        ]
        total_small = sum(i["small_cells"] for i in section.intersections.values())
        if total_small:
            name, g, c = min(small, key=lambda t: t[2]) if small else ("", "", 0)
            example = (
                f" (smallest shown: {g.replace(SEP, ' & ')}, {plural(c, 'row')})" if small else ""
            )
            add(
                "info",
                f"{plural(total_small, 'combination')} of two sensitive attributes "
                f"{'has' if total_small == 1 else 'have'} fewer than {section.min_count} "
                f"rows{example}.",
            )
        return out

    @classmethod
    def observations(cls, section: Section, context: ReportContext) -> list[Observation]:
        assert isinstance(section, RepresentationSection)
        out: list[Observation] = []
        smallest: tuple[float, str, str] | None = None
        for col, groups in section.by_column.items():
            for group, stats in groups.items():
                share = finite_number(stats.get("share")) if isinstance(stats, Mapping) else None
                if share is not None and (smallest is None or share < smallest[0]):
                    smallest = (share, str(col), str(group))
        flagged = section.flagged
        # The audit's own list: the alert counts exactly the groups its findings name.
        names = ", ".join(f"{f.get('group')} ({f.get('column')})" for f in flagged[:6])
        more = f" and {len(flagged) - 6} more" if len(flagged) > 6 else ""
        out.append(
            Observation(
                "dataset_underrepresented_groups",
                float(len(flagged)),
                context={
                    "what": "Groups under-represented" + (f" ({names}{more})" if names else "")
                },
            )
        )
        if smallest is not None:
            share, col, group = smallest
            out.append(
                Observation(
                    "dataset_min_group_share",
                    share,
                    context={"part": f"{col}={group}", "what": f"Share of {col} = {group}"},
                )
            )
        return out

    @classmethod
    def comparison(cls, section: Section) -> dict[str, float | None]:
        assert isinstance(section, RepresentationSection)
        out: dict[str, float | None] = {"Under-represented groups": len(section.flagged)}
        for col, groups in section.by_column.items():
            for group, v in groups.items():
                out[f"Share {col} = {group}"] = v.get("share")
        return out

    @classmethod
    def headline(cls, section: Section | None) -> list[Headline]:
        flagged = len(section.flagged) if isinstance(section, RepresentationSection) else None
        return [
            Headline(
                "Groups flagged",
                "–" if flagged is None else str(flagged),
                help="Groups below the minimum ratio to their reference share or the minimum "
                "count.",
            )
        ]
