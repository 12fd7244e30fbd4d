"""A stored fairness evaluation, typed.

:func:`backend.fairness.evaluation.evaluate` writes the report as JSON (the ``evaluation``
artifact's content, the CLI's ``--json``); pages, tables, the mitigation form and the card
auto-fill read it back through :class:`EvaluationReport` and use attributes. The keys are
those of ``steward-fairness-evaluation-v1`` (:data:`SCHEMA`): reports saved by earlier
versions of that schema (without observations, finding details or a data version) load
unchanged, see :mod:`backend.stored_reports`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from backend.errors import StewardError
from backend.observations import Observation, finite_number
from backend.stored_reports import Part, StoredReport

__all__ = [
    "SCHEMA",
    "BiasAucSummary",
    "Disparity",
    "EvaluationReport",
    "FindingDetail",
    "Intersection",
    "MetricCell",
    "RocCurve",
    "SubgroupAuc",
]

SCHEMA = "steward-fairness-evaluation-v1"

#: A number as stored: integers stay integers (counts), floats stay floats.
Number = int | float | None


class MetricCell(Part):
    """One metric of one group: the value with its interval, rows and support."""

    value: Number = None
    ci_low: Number = None
    ci_high: Number = None
    n: int | None = None
    support: int | None = None
    ci_method: str | None = None

    @property
    def has_ci(self) -> bool:
        return finite_number(self.ci_low) is not None and finite_number(self.ci_high) is not None


#: ``{metric: cell}`` of one group; ``count`` holds the group's rows.
GroupCells = dict[str, MetricCell]


class Disparity(Part):
    """Max-minus-min difference and min/max ratio of one metric across groups."""

    difference: Number = None
    ratio: Number = None
    ci_low: Number = None
    ci_high: Number = None
    high_group: str | None = None
    low_group: str | None = None
    #: The sensitive column (only in :attr:`EvaluationReport.disparities`, the worst per metric).
    column: str | None = None


class Intersection(Part):
    """The groups of two sensitive columns combined (``"a | b"``)."""

    columns: list[str] = Field(default_factory=list)
    by_group: dict[str, GroupCells] = Field(default_factory=dict)
    disparities: dict[str, Disparity] = Field(default_factory=dict)
    n_groups_small: int = 0


class SubgroupAuc(Part):
    """Subgroup, BPSN and BNSP AUCs of one identity subgroup (Borkan et al.)."""

    in_summary: bool = True
    subgroup_auc: Number = None
    bpsn_auc: Number = None
    bnsp_auc: Number = None
    n: int | None = None
    n_positive: int | None = None
    n_negative: int | None = None
    #: ``{kind: [low, high]}`` approximate intervals.
    ci: dict[str, list[float] | None] = Field(default_factory=dict)
    ci_method: str | None = None
    #: The sensitive column the subgroup comes from, or ``"text"`` for identity terms.
    source: str | None = None


class BiasAucSummary(Part):
    overall_auc: Number = None
    generalized_means: dict[str, Number] = Field(default_factory=dict)
    power: Number = None
    formula: str | None = None


class RocCurve(Part):
    fpr: list[float] = Field(default_factory=list)
    tpr: list[float] = Field(default_factory=list)
    auc: Number = None


class FindingDetail(Part):
    """The numbers behind one finding sentence (the mitigation form aims at the largest)."""

    column: str | None = None
    metric: str | None = None
    high_group: str | None = None
    low_group: str | None = None
    difference: Number = None
    ci_low: Number = None
    ci_high: Number = None
    n_high: int | None = None
    n_low: int | None = None
    above_threshold: bool = False


class StoredObservation(Part):
    metric: str
    value: float
    record: str = ""
    context: dict[str, Any] = Field(default_factory=dict)


class EvaluationSource(Part):
    """What was evaluated: a run's predictions, a table, the demo baseline."""

    kind: str | None = None
    title: str | None = None
    description: str | None = None
    job_id: int | None = None
    path: str | None = None

    @property
    def label(self) -> str:
        """The source's title (or its kind): what an evaluation is named after."""
        return str(self.title or self.kind)


class EvaluationColumns(Part):
    y_true: str | None = None
    y_pred: str | None = None
    y_score: str | None = None
    text: str | None = None
    sensitive: list[str] = Field(default_factory=list)


class EvaluationSettings(Part):
    n_boot: int = 1000
    seed: int = 0
    ci: float = 0.95
    min_group_size: int = 30
    disparity_threshold: float | None = None
    bootstrap: str | None = None


class EvaluationReport(StoredReport):
    """One fairness evaluation as stored (see the module docstring)."""

    what = "evaluation"

    schema_id: str | None = Field(None, alias="schema")
    source: EvaluationSource = Field(default_factory=EvaluationSource)
    n_rows: int = 0
    n_rows_input: int | None = None
    columns: EvaluationColumns = Field(default_factory=EvaluationColumns)
    label_mode: str = "binary"
    positive_label: str | None = None
    settings: EvaluationSettings = Field(default_factory=EvaluationSettings)
    #: ``{metric: value}`` over all rows (``count`` too).
    overall: dict[str, Number] = Field(default_factory=dict)
    overall_ci: dict[str, MetricCell] = Field(default_factory=dict)
    #: ``{column: {group: {metric: cell}}}``.
    by_group: dict[str, dict[str, GroupCells]] = Field(default_factory=dict)
    #: Per metric, the column with the largest difference.
    disparities: dict[str, Disparity] = Field(default_factory=dict)
    disparities_by_column: dict[str, dict[str, Disparity]] = Field(default_factory=dict)
    intersections: dict[str, Intersection] = Field(default_factory=dict)
    bias_auc: dict[str, SubgroupAuc] = Field(default_factory=dict)
    bias_auc_summary: BiasAucSummary | None = None
    final_bias_score: Number = None
    roc: dict[str, RocCurve | None] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list)
    finding_details: list[FindingDetail] = Field(default_factory=list)
    #: ``None`` for reports stored before observations existed (they carry ``alerts``).
    observations: list[StoredObservation] | None = None
    #: The alert sentences of reports stored before observations (read-only, legacy).
    alerts: list[dict[str, Any]] | None = None
    dataset_version: dict[str, Any] | None = None

    @classmethod
    def load_current(cls, data: Any, *, name: str | None = None) -> EvaluationReport:
        """:meth:`load`, refusing a report of another schema (a foreign ``evaluation``
        artifact, or one written by a Steward that no longer exists)."""
        schema = data.get("schema") if isinstance(data, dict) else None
        if schema != SCHEMA:
            raise StewardError(
                f"{name or 'This evaluation'} was not written by this version of the "
                f"Fairness page (schema {schema or 'unknown'!r}); evaluate its source again."
            )
        return cls.load(data, name=name)

    @property
    def binary(self) -> bool:
        return self.label_mode == "binary"

    @property
    def measured_metrics(self) -> list[str]:
        """Metrics with an overall value, in the report's order."""
        return [m for m, v in self.overall.items() if v is not None]

    def observation_list(self) -> list[Observation]:
        """The observations the report carries (none for reports older than them)."""
        return [
            Observation(o.metric, o.value, o.record, o.context)
            for o in self.observations or ()
            if finite_number(o.value) is not None
        ]

    def gaps_above_threshold(self) -> list[str]:
        """One sentence per gap above the report's threshold (the alert threshold it used)."""
        if self.observations is None:  # stored before observations: its own sentences
            return [str(a["message"]) for a in self.alerts or () if "message" in a]
        threshold = self.settings.disparity_threshold
        if threshold is None:
            return []
        return [
            f"{ob.what} is {ob.value:.2f} ({ob.context.get('detail')}), above the "
            f"{threshold:.2f} threshold."
            for ob in self.observation_list()
            if ob.value > threshold
        ]


class ProbeOverall(Part):
    mean_nontoxic: Number = None
    mean_toxic: Number = None
    flagged_nontoxic: Number = None
    missed_toxic: Number = None


class ProbeReport(StoredReport):
    """An identity-term probe run (a ``probes`` job's result and artifact)."""

    what = "probe result"

    scorer: str | None = None
    templates: str | None = None
    n_probes: int | None = None
    threshold: float | None = None
    #: One row per identity term: term, category, gaps with their intervals.
    terms: list[dict[str, Any]] = Field(default_factory=list)
    overall: ProbeOverall = Field(default_factory=ProbeOverall)
    findings: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    examples: list[dict[str, Any]] = Field(default_factory=list)


class MitigationVariant(Part):
    """One model measured on the held-out half: its accuracy, gaps and groups."""

    accuracy: Number = None
    demographic_parity: Number = None
    equalized_odds: Number = None
    fnr: Number = None
    disparity: Number = None
    by_group: dict[str, GroupCells] = Field(default_factory=dict)


class ParetoPoint(Part):
    method: str | None = None
    param: Number = None
    label: str | None = None
    accuracy: Number = None
    disparity: Number = None
    pareto: bool | None = None


class MitigationReport(StoredReport):
    """A mitigation run (a ``mitigation`` job's result and artifact)."""

    what = "mitigation result"

    column: str = ""
    constraint: str = ""
    constraint_label: str | None = None
    features: str | None = None
    eps: Number = None
    n_fit: int | None = None
    n_holdout: int | None = None
    #: ``{name: variant}``; ``"Evaluated model"`` is the model before mitigation.
    variants: dict[str, MitigationVariant] = Field(default_factory=dict)
    pareto: list[ParetoPoint] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    verdicts: list[str] | None = None
    model_saveable: bool | None = None
    model_key: str | None = None
    model_name: str | None = None
    evaluation_id: int | None = None


def evaluation_observations(report: dict | EvaluationReport) -> list[Observation]:
    """The observations a report carries (none for reports older than them)."""
    return EvaluationReport.load(report).observation_list()


def gaps_above_threshold(report: dict | EvaluationReport) -> list[str]:
    """One sentence per gap above the report's threshold (the alert threshold it used)."""
    return EvaluationReport.load(report).gaps_above_threshold()


def save_evaluation(store, report: dict, *, name: str | None = None, job_id=None, dataset_id=None):
    """Store the report as an ``evaluation`` artifact with its observations.

    Returns ``(artifact, new alerts)``: the store hands the observations to the alert
    service, which raises gaps above ``bias_disparity`` once per evaluated source.
    """
    name = name or f"Fairness: {report['source'].get('title') or report['source'].get('kind')}"
    if "dataset_version" not in report:  # the data version the evaluated model saw
        from backend.dataset_versions import pin_for_record  # noqa: PLC0415

        report["dataset_version"] = pin_for_record(store, job_id=job_id, dataset_id=dataset_id)
    artifact = store.save_artifact(
        kind="evaluation",
        content=report,
        name=name[:200],
        job_id=job_id,
        dataset_id=dataset_id,
        observations=evaluation_observations(report),
    )
    return artifact, store.alerts_for("evaluation", [artifact.id])
