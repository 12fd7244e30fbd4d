"""Model card fields from a fairness evaluation (:class:`~backend.fairness.report.EvaluationReport`)."""

from __future__ import annotations

from typing import ClassVar

from backend.fairness.report import Disparity, EvaluationReport, MetricCell
from backend.numbers import finite_number
from backend.store import Artifact

from ..formatting import bullets, fmt_num, table
from ..schema import CardDocument
from .base import FillContext, add_source, record_refs, set_value, suggest

_AUC_COLUMNS = (
    ("subgroup_auc", "subgroup AUC"),
    ("bpsn_auc", "BPSN AUC"),
    ("bnsp_auc", "BNSP AUC"),
)


class EvaluationFiller:
    """An evaluation fills the model card's fairness results, disparities and caveats, and
    completes the bias-assessment checklist item."""

    kind: ClassVar[str] = "evaluation"
    evidence: ClassVar[bool] = False

    def fill(self, doc: CardDocument, record: Artifact, ctx: FillContext) -> None:
        report, _ = EvaluationReport.load_readable(record.content)
        ref = record_refs(record, ctx.store)
        add_source(doc, ref())
        if doc.kind == "model":
            _results(doc, report, ref)
            set_value(
                doc,
                "quantitative_analyses",
                "disparities",
                _disparities(report),
                ref("disparities"),
            )
            notes = bullets([*report.findings, *report.warnings])
            set_value(doc, "caveats_and_recommendations", "caveats", notes, ref("findings"))
        suggest(
            doc,
            "bias_assessment",
            "complete",
            "Fairness metrics by group were computed (evaluation record).",
            [ref()],
        )


def _results(doc: CardDocument, report: EvaluationReport, ref) -> None:
    overall_table = ""
    if report.overall:
        if not doc.get_field("quantitative_analyses", "metrics").value:
            set_value(
                doc,
                "quantitative_analyses",
                "metrics",
                ", ".join(map(str, report.overall)),
                ref("overall"),
            )
        overall_table = table(
            [[k, v] for k, v in report.overall.items()], ["metric", "overall (fairness evaluation)"]
        )
        # keep the run's own held-out results when the card has them
        if not doc.get_field("quantitative_analyses", "results").value:
            set_value(doc, "quantitative_analyses", "results", overall_table, ref("overall"))
            overall_table = ""
    set_value(
        doc,
        "quantitative_analyses",
        "fairness",
        "\n\n".join(x for x in (overall_table, group_table(report)) if x),
        ref("by_group"),
    )


def _disparities(report: EvaluationReport) -> str:
    parts = []
    if report.disparities:
        parts.append(disparity_table(report.disparities))
    if report.final_bias_score is not None:
        parts.append(f"Final bias score: {fmt_num(report.final_bias_score)}")
    summary = report.bias_auc_summary
    if summary is not None and finite_number(summary.overall_auc) is not None:
        parts.append(f"Overall ROC AUC: {fmt_num(summary.overall_auc)}")
    if report.bias_auc:
        rows = [
            [name, _stat(auc.n)] + [_stat(getattr(auc, key)) for key, _ in _AUC_COLUMNS]
            for name, auc in report.bias_auc.items()
        ]
        header = ["subgroup", "rows", *(label for _, label in _AUC_COLUMNS)]
        parts.append("Bias AUCs (Borkan et al.):\n\n" + table(rows, header))
    return "\n\n".join(p for p in parts if p)


def _stat(value) -> str:
    return "–" if value is None else fmt_num(value)


def group_table(report: EvaluationReport) -> str:
    """Metric values with their 95 % intervals per sensitive column and group."""
    metrics: list[str] = []
    for groups in report.by_group.values():
        for cells in groups.values():
            metrics += [m for m in cells if m not in metrics and m not in ("count", "n")]
    rows = []
    for column, groups in report.by_group.items():
        for group, cells in groups.items():
            count = cells.get("count")
            n = (count.value if count is not None else None) or next(
                (cell.n for cell in cells.values() if cell.n), "–"
            )
            rows.append([column, group, n] + [_with_ci(cells.get(m)) for m in metrics])
    return table(rows, ["attribute", "group", "n"] + [f"{m} [95% CI]" for m in metrics])


def _with_ci(cell: MetricCell | None) -> str:
    """``0.412 [0.380, 0.450]``, or the plain value without an interval."""
    value = finite_number(cell.value) if cell is not None else None
    if value is None:
        return "–"
    lo, hi = finite_number(cell.ci_low), finite_number(cell.ci_high)
    return f"{value:.3f}" + (f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else "")


def disparity_table(disparities: dict[str, Disparity]) -> str:
    """The largest gap per metric: its column, difference with interval, ratio and groups."""
    rows = []
    for metric, d in disparities.items():
        diff = fmt_num(d.difference) if d.difference is not None else "–"
        lo, hi = finite_number(d.ci_low), finite_number(d.ci_high)
        if lo is not None and hi is not None:
            diff += f" [{lo:.3f}, {hi:.3f}]"
        groups = " vs ".join(str(g) for g in (d.high_group, d.low_group) if g)
        ratio = fmt_num(d.ratio) if d.ratio is not None else "–"
        rows.append([metric, d.column or "", diff, ratio, groups])
    return table(rows, ["metric", "attribute", "difference (max−min)", "ratio (min/max)", "groups"])
