"""Card fields from saved results a card cites as evidence: guardrail red-team results,
identity-term probes, mitigations and privacy audits."""

from __future__ import annotations

from typing import ClassVar

from backend.fairness.report import MitigationReport, ProbeReport
from backend.guardrails.redteam_report import RedTeamResult
from backend.numbers import finite_number
from backend.store import Artifact

from ..formatting import bullets, fmt_num, fmt_pct, table
from ..schema import CardDocument
from .base import FillContext, append_value, cite, set_value, suggest


def _mitigations_field(doc: CardDocument) -> tuple[str, str]:
    if doc.kind == "model":
        return "ethical_considerations", "mitigations"
    return "potential_harms_and_mitigations", "mitigations"


def _score(value) -> str:
    number = finite_number(value)
    return "–" if number is None else f"{number:.3f}"


class RedTeamFiller:
    """A saved red-team result: the guardrail in front of the model and how well it caught
    the suite's attacks (the "Safety mechanisms" checklist item)."""

    kind: ClassVar[str] = "redteam"
    evidence: ClassVar[bool] = True

    def fill(self, doc: CardDocument, record: Artifact, ctx: FillContext) -> None:
        result, _ = RedTeamResult.load_readable(record.content)
        base = cite(doc, record, ctx)
        policy = result.policy
        catch, fpr = finite_number(policy.catch_rate), finite_number(policy.false_positive_rate)
        suite = result.suite or "the red-team suite"
        parts = []
        if catch is not None:
            parts.append(f"caught {fmt_pct(catch)} of {fmt_num(policy.n_attacks)} attack prompts")
        if fpr is not None:
            parts.append(f"flagged {fmt_pct(fpr)} of {fmt_num(policy.n_benign)} benign prompts")
        measured = f"Guardrail red-team on {suite} (measured): " + ", ".join(parts) + "."
        rows = [
            [
                r.scanner,
                fmt_pct(r.catch_rate),
                fmt_pct(r.false_positive_rate),
                _score(r.roc_auc),
            ]
            for r in result.scanners
        ]
        detail = table(rows, ["scanner", "catch rate", "false-positive rate", "ROC AUC"])
        text = "\n\n".join(x for x in (measured if parts else "", detail) if x)
        section, key = _mitigations_field(doc)
        append_value(doc, section, key, text, base.model_copy(update={"field": "policy"}))
        complete = catch is not None
        suggest(
            doc,
            "safety_mechanisms",
            "complete" if complete else "in_progress",
            (f"A guardrail sits in front of the model; {measured[0].lower()}{measured[1:]}")
            if complete
            else "A red-team result is cited; it holds no catch rate.",
            [base],
        )


class ProbesFiller:
    """Identity-term probe results: how the scorer treats sentences that differ only in
    the identity term they name (bias assessment)."""

    kind: ClassVar[str] = "probes"
    evidence: ClassVar[bool] = True

    def fill(self, doc: CardDocument, record: Artifact, ctx: FillContext) -> None:
        result, _ = ProbeReport.load_readable(record.content)
        base = cite(doc, record, ctx)
        overall = result.overall
        lines = [f"Identity-term probes ({fmt_num(result.n_probes)} sentences, measured)"]
        if result.scorer:
            lines[0] += f", scored by {result.scorer}"
        lines[0] += ":"
        if finite_number(overall.flagged_nontoxic) is not None:
            lines.append(f"- non-toxic probes flagged: {fmt_pct(overall.flagged_nontoxic)}")
        if finite_number(overall.missed_toxic) is not None:
            lines.append(f"- toxic probes missed: {fmt_pct(overall.missed_toxic)}")
        findings = bullets(result.findings)
        text = "\n".join(lines) + (f"\n\n{findings}" if findings else "")
        if doc.kind == "model":
            append_value(doc, "quantitative_analyses", "disparities", text, base)
        else:
            append_value(doc, "known_biases", "biases", text, base)
        suggest(
            doc,
            "bias_assessment",
            "in_progress",
            "Identity-term probes were scored; fairness metrics by group complete the assessment.",
            [base],
        )


class MitigationFiller:
    """A mitigation result: each method's gaps and accuracy on the held-out half, said
    plainly when a method made a gap worse."""

    kind: ClassVar[str] = "mitigation"
    evidence: ClassVar[bool] = True

    def fill(self, doc: CardDocument, record: Artifact, ctx: FillContext) -> None:
        from backend.fairness.mitigation import mitigation_verdicts  # noqa: PLC0415

        result, _ = MitigationReport.load_readable(record.content)
        base = cite(doc, record, ctx)
        rows = [
            [name, _score(v.accuracy), _score(v.demographic_parity), _score(v.equalized_odds)]
            for name, v in result.variants.items()
        ]
        head = (
            f"Mitigation for {result.constraint_label or result.constraint} on "
            f"'{result.column}' (measured on {fmt_num(result.n_holdout)} held-out rows):"
        )
        verdicts = bullets(mitigation_verdicts(result))
        text = "\n\n".join(
            x
            for x in (
                head,
                table(rows, ["method", "accuracy", "demographic parity gap", "equalized odds gap"]),
                verdicts,
            )
            if x
        )
        append_value(doc, *_mitigations_field(doc), text, base)
        suggest(
            doc,
            "bias_assessment",
            "in_progress",
            "A mitigation was measured against the flagged disparity; record which model ships.",
            [base],
        )


class PrivacyFiller:
    """A run's privacy audit (membership attack with its CI, canary exposure) is the
    model card's privacy evidence; it replaces the run's ε-only sentence."""

    kind: ClassVar[str] = "privacy"
    evidence: ClassVar[bool] = True

    def fill(self, doc: CardDocument, record: Artifact, ctx: FillContext) -> None:
        from backend.privacy.report import card_text  # noqa: PLC0415

        base = cite(doc, record, ctx)
        if doc.kind == "model":
            c = record.content if isinstance(record.content, dict) else {}
            if not doc.get_field("ethical_considerations", "privacy").edited:
                set_value(
                    doc, "ethical_considerations", "privacy", card_text(c, label=base.label), base
                )
