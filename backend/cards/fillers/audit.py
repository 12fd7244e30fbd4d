"""Card fields from a dataset audit report.

The audit's checks are listed in :mod:`backend.audit.registry`. A check may write its own
card text through the hook ``card_fields(section, context, card_kind)``, a classmethod
returning ``(card section, field key, Markdown text)`` triples for a ``"model"`` or
``"data"`` card; the filler writes them, cited to the check's key of the report, over its
own text for the same fields. For checks without the hook the filler's own readers below
say what the report holds (representation, PII, toxicity, duplicates, label rates).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from backend.numbers import finite_number
from backend.store import Artifact

from ..formatting import bullets, dig, fmt_num, fmt_pct, group_stats_table, nested_table, table
from ..schema import CardDocument
from .base import FillContext, add_source, record_refs, set_value, suggest


class AuditFiller:
    """An audit fills the data card's coverage, PII, biases, duplicates and labels (the
    model card's data audit and sensitive data), and suggests the PII, bias and
    compliance checklist items."""

    kind: ClassVar[str] = "audit"
    evidence: ClassVar[bool] = False

    def fill(self, doc: CardDocument, record: Artifact, ctx: FillContext) -> None:
        _fill(doc, record, ctx)


def _check_card_fields(
    report: Mapping[str, Any], card_kind: str
) -> Iterator[tuple[str, str, str, str]]:
    """``(check, card section, field key, text)`` from the checks that write card text."""
    from backend.audit.registry import check_classes, report_context  # noqa: PLC0415

    writers = [cls for cls in check_classes() if callable(getattr(cls, "card_fields", None))]
    if not writers:
        return
    context = report_context(report)
    for cls in writers:
        section = context.sections.get(cls.name)
        if section is not None:
            for card_section, key, text in cls.card_fields(section, context, card_kind):
                yield cls.name, card_section, key, text


def _representation(rep: Any) -> tuple[str, list[str]]:
    """Markdown table of group counts/shares, and groups under 5 % of rows."""
    if not isinstance(rep, Mapping):
        return "", []
    rows, rare = [], []
    for column, groups in rep.items():
        if not isinstance(groups, Mapping):
            continue
        for group, stats in groups.items():
            count = dig(stats, "count") if isinstance(stats, Mapping) else stats
            share = dig(stats, "share") if isinstance(stats, Mapping) else None
            rows.append(
                [column, group, fmt_num(count) if count is not None else "–", fmt_pct(share)]
            )
            flagged = stats.get("flagged") if isinstance(stats, Mapping) else None
            if flagged is True:  # the audit's own judgement (share vs its reference)
                reason = stats.get("reason")
                rare.append(
                    f"{column} = {group} ({fmt_pct(share)} of rows"
                    + (f"; {reason})" if reason else ")")
                )
            elif flagged is None and finite_number(share) is not None and float(share) < 0.05:
                rare.append(f"{column} = {group} ({fmt_pct(share)} of rows, under 5 %)")
    return table(rows, ["attribute", "group", "rows", "share"]), rare


def _fill(doc: CardDocument, art: Artifact, ctx: FillContext) -> None:
    c = art.content if isinstance(art.content, dict) else {}
    ref = record_refs(art, ctx.store)
    add_source(doc, ref())
    rep_table, rare = _representation(c.get("representation"))
    pii = c.get("pii") if isinstance(c.get("pii"), Mapping) else {}
    pii_rows = finite_number(pii.get("rows_with_pii"))
    pii_counts = pii.get("counts_by_type")
    pii_text = ""
    if pii_rows is not None:
        rows_total = finite_number(c.get("rows"))
        share = f" ({pii_rows / rows_total:.1%} of rows)" if rows_total else ""
        pii_text = f"The audit's PII scan found PII in {fmt_num(pii_rows)} rows{share}."
        if pii.get("detector"):
            pii_text += f" Detector: {pii['detector']}."
        if isinstance(pii_counts, Mapping) and pii_counts:
            # Rows per type, with their total said next to the rows with any PII (a row can
            # hold several kinds), so the card's numbers add up like the audit page's.
            by_type = (
                pii.get("rows_by_type")
                if isinstance(pii.get("rows_by_type"), Mapping)
                else pii_counts
            )
            kinds = [(k, v) for k, v in by_type.items() if finite_number(v)]
            total = sum(int(v) for _, v in kinds)
            pii_text += (
                f" {fmt_num(total)} findings of {len(kinds)} types (each type counted once "
                "per row that holds it):\n\n"
                + table([[k, v] for k, v in kinds], ["PII type", "rows holding it"])
            )
    tox = c.get("toxicity") if isinstance(c.get("toxicity"), Mapping) else {}
    tox_text = ""
    if tox:
        lines = []
        if tox.get("backend"):
            lines.append(f"Scored by: {tox['backend']}")
        if tox.get("fallback_reason"):
            lines.append(str(tox["fallback_reason"]))
        if finite_number(tox.get("mean")) is not None:
            lines.append(f"Mean toxicity score: {fmt_num(tox['mean'])}")
        if finite_number(tox.get("share_above_threshold")) is not None:
            lines.append(f"Rows above the threshold: {fmt_pct(tox['share_above_threshold'])}")
        tox_text = "\n".join(f"- {x}" for x in lines)
        by_group = group_stats_table(
            tox.get("by_group"),
            [
                ("n", "rows"),
                ("mean", "mean score"),
                ("share_above_threshold", "share above threshold"),
            ],
        )
        if by_group:
            tox_text += "\n\n" + by_group
    dup = c.get("duplicates") if isinstance(c.get("duplicates"), Mapping) else {}
    dup_text = ""
    if dup:
        parts = []
        if dup.get("exact_rows") is not None:
            parts.append(f"{fmt_num(dup['exact_rows'])} exact duplicate rows")
        if dup.get("near_rows") is not None:
            parts.append(f"{fmt_num(dup['near_rows'])} near-duplicate rows")
        clusters = dup.get("clusters")
        if isinstance(clusters, list):
            parts.append(f"{len(clusters)} near-duplicate clusters")
        elif clusters is not None:
            parts.append(f"{fmt_num(clusters)} near-duplicate clusters")
        dup_text = "The audit found " + ", ".join(parts) + "." if parts else ""
    raw_findings = c.get("findings") if isinstance(c.get("findings"), list) else []
    findings = bullets(raw_findings, skip_ok=True)
    warnings = bullets(c.get("warnings") or [])
    # known biases: the audit's bias-type findings when they are tagged by check;
    # plain-sentence findings cannot be told apart, so the audit's warnings stand in
    # Audit checks whose findings describe a bias in the data (not a tool limitation):
    # the audit's registry says which.
    from backend.audit.registry import bias_checks  # noqa: PLC0415

    bias = bias_checks()
    bias_findings = [
        f
        for f in raw_findings
        if isinstance(f, Mapping)
        and f.get("check") in bias
        and f.get("severity") not in ("ok", "info")
    ]
    biases = bullets(bias_findings) if bias_findings else warnings
    if bias_findings and warnings:
        findings += "\n\nLimits of this audit:\n" + warnings

    if doc.kind == "model":
        set_value(doc, "factors_and_training_data", "data_audit", findings, ref("findings"))
        if isinstance(c.get("representation"), Mapping):
            factors = ", ".join(str(k) for k in c["representation"])
            set_value(
                doc,
                "factors_and_training_data",
                "relevant_factors",
                f"Sensitive attributes audited: {factors}." if factors else None,
                ref("representation"),
            )
        set_value(doc, "ethical_considerations", "sensitive_data", pii_text, ref("pii"))
    else:
        set_value(doc, "demographic_coverage", "representation", rep_table, ref("representation"))
        set_value(
            doc,
            "demographic_coverage",
            "underrepresented",
            bullets(rare) if rare else None,
            ref("representation"),
        )
        set_value(doc, "personal_and_sensitive_information", "pii_found", pii_text, ref("pii"))
        set_value(doc, "known_biases", "toxicity", tox_text, ref("toxicity"))
        set_value(doc, "known_biases", "audit_findings", findings, ref("findings"))
        set_value(
            doc,
            "known_biases",
            "biases",
            biases,
            ref("findings" if bias_findings else "warnings"),
        )
        set_value(doc, "construction_and_sources", "duplicates", dup_text, ref("duplicates"))
        if finite_number(c.get("label_rate")) is not None:
            set_value(doc, "annotations", "label_rate", fmt_pct(c["label_rate"]), ref("label_rate"))
        elif isinstance(c.get("label_rate"), Mapping):  # per attribute and group
            set_value(
                doc,
                "annotations",
                "label_rate",
                nested_table(
                    {
                        col: {g: fmt_pct(v) for g, v in groups.items()}
                        for col, groups in c["label_rate"].items()
                        if isinstance(groups, Mapping)
                    },
                    ["attribute", "group", "positive label rate"],
                ),
                ref("label_rate"),
            )
        if finite_number(c.get("rows")) is not None:
            set_value(doc, "details", "size", fmt_num(c["rows"]), ref("rows"))

    for check, card_section, key, text in _check_card_fields(c, doc.kind):
        set_value(doc, card_section, key, text, ref(check))

    if pii_rows is not None:
        if pii_rows == 0:
            suggest(doc, "pii_removed", "complete", "The audit found no PII.", [ref("pii")])
        else:
            suggest(
                doc,
                "pii_removed",
                "attention",
                f"The audit found PII in {fmt_num(pii_rows)} rows; record how it was removed "
                "or masked before training.",
                [ref("pii")],
            )
    if c.get("representation"):
        suggest(
            doc,
            "bias_assessment",
            "in_progress",
            "Group representation was audited; fairness metrics by group are still needed.",
            [ref("representation")],
        )
    suggest(
        doc,
        "compliance_audit",
        "in_progress" if (c.get("warnings") or c.get("findings")) else "complete",
        "The dataset audit ran"
        + ("; its findings still need a decision." if c.get("findings") else " with no findings."),
        [ref()],
    )
