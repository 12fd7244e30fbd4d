"""Typed card documents: model cards, data cards, their fields and compliance checklist.

A card is a :class:`CardDocument`. Its sections are pydantic models whose attributes are
all :class:`CardField` (a Markdown text value plus optional provenance), so the editor,
the renderers and the diff can walk every card the same way while each section keeps a
fixed, typed set of fields. A field filled automatically from a store record carries a
:class:`RecordRef` (record kind, id and the record's content hash at fill time); a field a
person changed afterwards keeps the reference and is flagged ``edited``.

The content hash of a card (:func:`card_hash`) is the SHA-256 of the canonical JSON of the
whole document, so any edit (a field, a checklist status, an evidence link) changes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.errors import ConfigError
from backend.store import content_hash

CardKind = Literal["model", "data"]
RecordKind = Literal[
    "audit",
    "evaluation",
    "run",
    "dataset",
    "file",
    "reweighting",
    "card",
    "redteam",
    "probes",
    "mitigation",
    "privacy",
    "dataset_version",
]

CHECKLIST_STATUSES = ("complete", "in_progress", "attention", "not_started", "not_applicable")
ChecklistStatus = Literal["complete", "in_progress", "attention", "not_started", "not_applicable"]
STATUS_LABELS = {
    "complete": "Complete",
    "in_progress": "In progress",
    "attention": "Needs attention",
    "not_started": "Not started",
    "not_applicable": "Not applicable",
}


class RecordRef(BaseModel):
    """A pointer to a record a card cites: a store artifact, a dataset or a file.

    ``content_hash`` is the record's hash when the card cited it; a sign-off records the
    hash again at signing time and ``verify`` compares both with the record today.
    """

    model_config = ConfigDict(extra="forbid")

    kind: RecordKind
    id: int | None = None  # artifact or dataset id; None for files
    path: str | None = None  # file path (kind="file")
    content_hash: str | None = None
    label: str = ""
    field: str | None = None  # key inside the record the value came from, e.g. "summary.co2_g"

    @property
    def key(self) -> str:
        """Identity of the record (without the field), e.g. ``audit:3`` or ``file:/x.pdf``."""
        return f"{self.kind}:{self.path}" if self.kind == "file" else f"{self.kind}:{self.id}"


class CardField(BaseModel):
    """One editable value. ``source`` is set when the value was auto-filled from a record."""

    model_config = ConfigDict(extra="forbid")

    value: str = ""
    source: RecordRef | None = None
    edited: bool = False  # a person changed the auto-filled value

    @property
    def auto_filled(self) -> bool:
        return self.source is not None


def _field(label: str, *, required: bool = False, help: str = "", long: bool = False) -> Any:
    """Declare a section attribute: a :class:`CardField` with a label and flags for the UI."""
    return Field(
        default_factory=CardField,
        title=label,
        description=help,
        json_schema_extra={"required_for_export": required, "long": long},
    )


class Section(BaseModel):
    """Base class of every card section; subclasses declare ``CardField`` attributes."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def field_specs(cls) -> list[FieldSpec]:
        specs = []
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra or {}
            specs.append(
                FieldSpec(
                    key=name,
                    label=info.title or name,
                    help=info.description or "",
                    required=bool(extra.get("required_for_export")),
                    long=bool(extra.get("long")),
                )
            )
        return specs


class FieldSpec(BaseModel):
    key: str
    label: str
    help: str = ""
    required: bool = False
    long: bool = False


# -- model card ---------------------------------------------------------------------------


class ModelDetails(Section):
    name: CardField = _field("Model name", required=True)
    summary: CardField = _field("Summary", required=True, long=True)
    developers: CardField = _field("Developed by", required=True)
    version: CardField = _field("Version")
    model_type: CardField = _field("Model type", help="e.g. text classifier (BERT encoder)")
    base_model: CardField = _field("Base model", help="Hugging Face id or local path")
    language: CardField = _field("Language(s)", help="ISO 639 codes, comma separated (en, fr)")
    pipeline_tag: CardField = _field("Task (pipeline tag)", help="e.g. text-classification")
    library_name: CardField = _field("Library", help="e.g. transformers")
    tags: CardField = _field("Tags", help="comma separated")
    contact: CardField = _field("Contact")


class IntendedUse(Section):
    primary_uses: CardField = _field("Primary intended uses", required=True, long=True)
    primary_users: CardField = _field("Primary intended users", long=True)
    out_of_scope: CardField = _field("Out-of-scope uses", required=True, long=True)


class FactorsAndTrainingData(Section):
    training_data: CardField = _field("Training data", required=True, long=True)
    data_audit: CardField = _field("Training data audit", long=True)
    relevant_factors: CardField = _field("Relevant factors (groups)", long=True)
    preprocessing: CardField = _field("Preprocessing", long=True)
    evaluation_data: CardField = _field("Evaluation data", long=True)


class QuantitativeAnalyses(Section):
    metrics: CardField = _field("Performance measures", required=True, long=True)
    results: CardField = _field("Results", long=True)
    fairness: CardField = _field("Fairness by group", long=True)
    disparities: CardField = _field("Disparities", long=True)
    training_loss: CardField = _field("Final training loss")


class EthicalConsiderations(Section):
    sensitive_data: CardField = _field("Sensitive data", long=True)
    risks_and_harms: CardField = _field("Risks and harms", required=True, long=True)
    mitigations: CardField = _field("Mitigations", long=True)
    privacy: CardField = _field("Privacy (differential privacy)", long=True)


class CaveatsAndRecommendations(Section):
    caveats: CardField = _field("Caveats", long=True)
    recommendations: CardField = _field("Recommendations", long=True)


class TechnicalSpecifications(Section):
    training_procedure: CardField = _field("Training procedure", long=True)
    hyperparameters: CardField = _field("Hyperparameters", long=True)
    hardware: CardField = _field("Hardware", long=True)
    software: CardField = _field("Software", long=True)
    duration: CardField = _field("Training duration")
    checkpoint: CardField = _field("Checkpoint location")


class EnvironmentalImpact(Section):
    co2_eq_emissions_g: CardField = _field(
        "CO₂-eq emissions (grams)", help="a number in grams; exported as co2_eq_emissions"
    )
    emissions_source: CardField = _field(
        "Emissions source", help="how the figure was obtained (measured or estimated, by what)"
    )
    energy_kwh: CardField = _field("Energy (kWh)")
    energy_source: CardField = _field("Energy figure from", help="meter or estimator")
    grid_intensity: CardField = _field("Grid carbon intensity (g CO₂/kWh)")
    training_type: CardField = _field("Training type", help="fine-tuning or pre-training")
    geographical_location: CardField = _field("Geographical location")
    hardware_used: CardField = _field("Hardware used")
    hours_used: CardField = _field("Hours used")


class Licensing(Section):
    license: CardField = _field(
        "License", required=True, help="a Hugging Face license id (apache-2.0, mit, other, ...)"
    )
    license_name: CardField = _field("License name", help="only when the license is 'other'")
    license_link: CardField = _field("License link", help="only when the license is 'other'")
    terms: CardField = _field("Terms of use", long=True)


class ModelCardSections(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_details: ModelDetails = Field(default_factory=ModelDetails, title="Model details")
    intended_use: IntendedUse = Field(
        default_factory=IntendedUse, title="Intended and out-of-scope uses"
    )
    factors_and_training_data: FactorsAndTrainingData = Field(
        default_factory=FactorsAndTrainingData, title="Factors and training data"
    )
    quantitative_analyses: QuantitativeAnalyses = Field(
        default_factory=QuantitativeAnalyses, title="Quantitative analyses"
    )
    ethical_considerations: EthicalConsiderations = Field(
        default_factory=EthicalConsiderations, title="Ethical considerations"
    )
    caveats_and_recommendations: CaveatsAndRecommendations = Field(
        default_factory=CaveatsAndRecommendations, title="Caveats and recommendations"
    )
    technical_specifications: TechnicalSpecifications = Field(
        default_factory=TechnicalSpecifications, title="Technical specifications"
    )
    environmental_impact: EnvironmentalImpact = Field(
        default_factory=EnvironmentalImpact, title="Environmental impact"
    )
    licensing: Licensing = Field(default_factory=Licensing, title="Licensing")


# -- data card ----------------------------------------------------------------------------


class DataDetails(Section):
    name: CardField = _field("Dataset name", required=True)
    summary: CardField = _field("Summary", required=True, long=True)
    curators: CardField = _field("Curated by", required=True)
    version: CardField = _field("Version")
    language: CardField = _field("Language(s)", help="ISO 639 codes, comma separated")
    size: CardField = _field("Number of rows")
    columns: CardField = _field("Columns and roles", long=True)
    task: CardField = _field("Task category", help="e.g. text-classification")
    tags: CardField = _field("Tags", help="comma separated")
    contact: CardField = _field("Contact")


class ConstructionAndSources(Section):
    sources: CardField = _field("Sources", required=True, long=True)
    collection_process: CardField = _field("Collection process", required=True, long=True)
    synthetic: CardField = _field("Synthetic data")
    time_period: CardField = _field("Time period")
    preprocessing: CardField = _field("Cleaning and preprocessing", long=True)
    duplicates: CardField = _field("Duplicates", long=True)


class Annotations(Section):
    labels: CardField = _field("Labels", long=True)
    annotation_process: CardField = _field("Annotation process", long=True)
    annotators: CardField = _field("Annotators")
    label_rate: CardField = _field("Positive label rate")
    annotations_creators: CardField = _field(
        "Annotation creators",
        help="found, crowdsourced, expert-generated, machine-generated, no-annotation or other",
    )


class PersonalAndSensitiveInformation(Section):
    pii_found: CardField = _field("PII found", long=True)
    pii_handling: CardField = _field("PII handling (removal)", required=True, long=True)
    sensitive_attributes: CardField = _field("Sensitive attributes", long=True)


class DemographicCoverage(Section):
    representation: CardField = _field("Representation by group", long=True)
    underrepresented: CardField = _field("Under-represented groups", long=True)


class KnownBiases(Section):
    biases: CardField = _field("Known biases", required=True, long=True)
    toxicity: CardField = _field("Toxicity", long=True)
    audit_findings: CardField = _field("Audit findings", long=True)


class PotentialHarmsAndMitigations(Section):
    harms: CardField = _field("Potential harms", required=True, long=True)
    mitigations: CardField = _field("Mitigations", long=True)


class DataLicensing(Section):
    license: CardField = _field(
        "License", required=True, help="a Hugging Face license id (cc-by-4.0, mit, other, ...)"
    )
    license_name: CardField = _field("License name", help="only when the license is 'other'")
    license_link: CardField = _field("License link", help="only when the license is 'other'")
    terms: CardField = _field("Terms of use", long=True)


class Citation(Section):
    bibtex: CardField = _field("BibTeX", long=True)
    text: CardField = _field("How to cite", long=True)


class DataCardSections(BaseModel):
    model_config = ConfigDict(extra="forbid")

    details: DataDetails = Field(default_factory=DataDetails, title="Dataset details")
    construction_and_sources: ConstructionAndSources = Field(
        default_factory=ConstructionAndSources, title="Construction and sources"
    )
    annotations: Annotations = Field(default_factory=Annotations, title="Annotations")
    personal_and_sensitive_information: PersonalAndSensitiveInformation = Field(
        default_factory=PersonalAndSensitiveInformation,
        title="Personal and sensitive information",
    )
    demographic_coverage: DemographicCoverage = Field(
        default_factory=DemographicCoverage, title="Demographic coverage"
    )
    known_biases: KnownBiases = Field(default_factory=KnownBiases, title="Known biases")
    potential_harms_and_mitigations: PotentialHarmsAndMitigations = Field(
        default_factory=PotentialHarmsAndMitigations, title="Potential harms and mitigations"
    )
    licensing: DataLicensing = Field(default_factory=DataLicensing, title="Licensing")
    citation: Citation = Field(default_factory=Citation, title="Citation")


# -- compliance checklist -----------------------------------------------------------------

#: The ten checklist items, in order: (key, label, what evidence answers it).
CHECKLIST_ITEMS: tuple[tuple[str, str, str], ...] = (
    (
        "data_collection_lawful",
        "Data collection lawful",
        "Sources, licences and the legal basis for collecting the data.",
    ),
    ("consent", "Consent", "People in the data agreed to this use (or the data is synthetic)."),
    (
        "pii_removed",
        "PII removed",
        "The audit's PII scan, and what was removed or masked before training.",
    ),
    (
        "bias_assessment",
        "Bias assessment",
        "Group representation (audit) and fairness metrics by group (evaluation).",
    ),
    (
        "safety_mechanisms",
        "Safety mechanisms",
        "Guardrails, filters or policies that sit in front of the model.",
    ),
    ("documentation", "Documentation", "A data card for the training data; usage documentation."),
    ("model_card", "Model card", "This card, complete, for the released model."),
    ("ethical_review", "Ethical review", "A reviewer or board looked at risks and signed off."),
    ("compliance_audit", "Compliance audit", "The dataset audit report and its findings."),
    ("monitoring", "Monitoring", "Telemetry, alerts and who watches them after release."),
)


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    label: str
    status: ChecklistStatus = "not_started"
    notes: str = ""
    evidence: list[RecordRef] = Field(default_factory=list)
    auto: bool = False  # status was suggested by auto-fill (still editable)


def default_checklist() -> list[ChecklistItem]:
    return [ChecklistItem(key=k, label=label) for k, label, _ in CHECKLIST_ITEMS]


# -- the document -------------------------------------------------------------------------

#: Longest card title (the page's input allows the same).
MAX_TITLE_CHARS = 300


def check_title(title: str) -> None:
    """Refuse a title longer than :data:`MAX_TITLE_CHARS` with one clear line."""
    if len(title) > MAX_TITLE_CHARS:
        raise ConfigError(
            f"The card title is {len(title):,} characters; at most {MAX_TITLE_CHARS} are allowed."
        )


class CardDocument(BaseModel):
    """A whole card: kind, title, typed sections, checklist and the records it was built from."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    kind: CardKind
    # checked where a title is set (new, save), not on load: a card stored before the limit
    # existed must still open
    title: str
    model: ModelCardSections | None = None
    data: DataCardSections | None = None
    checklist: list[ChecklistItem] = Field(default_factory=default_checklist)
    sources: list[RecordRef] = Field(default_factory=list)

    @classmethod
    def new(cls, kind: CardKind, title: str = "") -> CardDocument:
        check_title(title)
        if kind == "model":
            return cls(kind="model", title=title or "Untitled model", model=ModelCardSections())
        if kind == "data":
            return cls(kind="data", title=title or "Untitled dataset", data=DataCardSections())
        raise ValueError(f"unknown card kind {kind!r}")

    @property
    def sections(self) -> ModelCardSections | DataCardSections:
        sections = self.model if self.kind == "model" else self.data
        if sections is None:  # a document built by hand without its sections
            raise ValueError(f"this {self.kind} card has no sections")
        return sections

    def iter_sections(self) -> Iterator[tuple[str, str, Section]]:
        """(key, title, section) for every section in display order."""
        sections = self.sections
        for key, info in type(sections).model_fields.items():
            yield key, info.title or key, getattr(sections, key)

    def iter_fields(self) -> Iterator[tuple[str, str, FieldSpec, CardField]]:
        """(section key, section title, field spec, field) for every field."""
        for skey, stitle, section in self.iter_sections():
            for spec in type(section).field_specs():
                yield skey, stitle, spec, getattr(section, spec.key)

    def get_field(self, section: str, key: str) -> CardField:
        sec = getattr(self.sections, section, None)
        if sec is None or key not in type(sec).model_fields:
            raise KeyError(f"{self.kind} card has no field {section}.{key}")
        return getattr(sec, key)

    def set_value(self, section: str, key: str, value: str) -> bool:
        """Set a field from the editor; returns True when it changed.

        Changing an auto-filled value keeps its source (so the reader sees where the
        original came from) and marks it edited.
        """
        fld = self.get_field(section, key)
        value = value if isinstance(value, str) else str(value)
        if value == fld.value:
            return False
        fld.value = value
        if fld.source is not None:
            fld.edited = True
        return True

    def missing_required(self) -> list[str]:
        """'Section › Field' for every required field that is empty."""
        return [
            f"{stitle} › {spec.label}"
            for _, stitle, spec, fld in self.iter_fields()
            if spec.required and not fld.value.strip()
        ]

    def checklist_item(self, key: str) -> ChecklistItem:
        for item in self.checklist:
            if item.key == key:
                return item
        raise KeyError(f"no checklist item {key!r}")

    def cited_records(self) -> list[RecordRef]:
        """Every distinct record the card cites (sources, field provenance, evidence)."""
        seen: dict[str, RecordRef] = {}
        refs: list[RecordRef] = list(self.sources)
        refs += [fld.source for *_, fld in self.iter_fields() if fld.source is not None]
        for item in self.checklist:
            refs += item.evidence
        for ref in refs:
            seen.setdefault(ref.key, ref.model_copy(update={"field": None}))
        return list(seen.values())

    def to_json(self) -> dict:
        return self.model_dump(mode="json")


def card_hash(doc: CardDocument | dict) -> str:
    """SHA-256 of the card's canonical JSON."""
    return content_hash(doc.to_json() if isinstance(doc, CardDocument) else doc)
