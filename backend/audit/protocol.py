"""The one protocol every audit check follows.

A check is one class in one file (``backend/audit/<name>.py``), listed once in
:mod:`backend.audit.registry`. The runner, the page, the findings, the alert
observations and the card auto-fill iterate over the registry; none of them names a check.

Life of a check
---------------
1. :meth:`AuditCheck.from_config` builds it from the :class:`~backend.audit.config.AuditConfig`
   and the run's :class:`AuditPlan` (label mode, row estimate, scorer), or returns ``None``
   when the check cannot run with these columns (with a note saying why, see
   :meth:`AuditCheck.skipped_because`).
2. :meth:`AuditCheck.update` is called with each Arrow :class:`pyarrow.RecordBatch` in the
   canonical layout of :mod:`backend.audit.source` (``__row``, ``__text``, ``__label``,
   ``__part``, ``__g:<column>``...). It only adds to a partial state.
3. :meth:`AuditCheck.merge` adds another partial state of the same check (another block of
   rows, e.g. from a Ray worker). Merging in any order gives the same result: states are
   counts, histograms and per-row facts keyed by the global row number, never by arrival.
4. :meth:`AuditCheck.result` turns the merged state into a typed pydantic section.
5. :meth:`AuditCheck.findings`, :meth:`AuditCheck.observations`,
   :meth:`AuditCheck.warnings` and :meth:`AuditCheck.card_fields` read a section (also one
   loaded back from a stored report) and say, in plain words, in numbers for the alert
   thresholds or in a card's lines, what it means.

Partial states are plain Python and numpy objects: they pickle (Ray ships them between
processes) and hold no open files, models or compiled detectors (those are rebuilt on
demand, see :attr:`AuditCheck.transient`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from backend.audit.config import AuditConfig
    from backend.observations import Observation

Severity = Literal["warning", "info", "ok"]


class Finding(BaseModel):
    """One plain-language line a reviewer reads first."""

    check: str
    severity: Severity
    text: str


class Section(BaseModel):
    """Base of every check's typed report section.

    Extra keys are kept (``extra="allow"``) so a stored report written by a newer Steward
    still loads; missing keys of older reports take the field defaults.
    """

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Section:
        """A section from stored JSON: validated, or, for a report written by hand or by
        an older version with other types, the values as they are (fields that are
        missing take their defaults)."""
        try:
            return cls.model_validate(dict(data))
        except ValueError:
            defaults = {
                name: field.get_default(call_default_factory=True)
                for name, field in cls.model_fields.items()
            }
            return cls.model_construct(**{**defaults, **dict(data)})


CardKind = Literal["model", "data"]


class CardField(NamedTuple):
    """One line of a card a check fills: the card section, the field key and its Markdown."""

    section: str
    key: str
    text: str


class CardSuggestion(NamedTuple):
    """A checklist item of a card a check's section speaks to: its key, the suggested
    status (``complete``, ``in_progress``, ``attention``) and why."""

    item: str
    status: str
    text: str


@dataclass(frozen=True)
class Headline:
    """One headline number of the report (a metric tile on the page)."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None


@dataclass
class AuditPlan:
    """What the runner learnt before streaming, shared by every check of one run.

    ``label_mode`` is decided once from the first rows (so every block of a distributed run
    binarises labels alike); ``estimated_rows`` lets sampling checks spread their sample;
    ``scorer`` is the toxicity model (loaded once per process); ``tick(activity)`` is called
    between slow steps so that a cancelled job stops quickly; ``note(message)`` tells the user what a
    slow set-up step is doing (loading a model).
    """

    label_mode: str = "categorical"
    estimated_rows: int | None = None
    scorer: Any = None
    tick: Callable[[str], None] | None = None
    note: Callable[[str], None] | None = None


@dataclass
class ReportContext:
    """What a check's result, findings and observations may read besides its own section."""

    config: AuditConfig
    rows: int = 0
    label_names: Mapping[str, str] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    expect_no_pii: bool = False


class AuditCheck:
    """Base class of the audit checks (see the module docstring for the protocol)."""

    #: Identifier used in configs, reports and the CLI (``--checks``).
    name: ClassVar[str]
    #: Plain-language name for the page (check pills, tab titles).
    label: ClassVar[str]
    #: Pydantic model of the section :meth:`result` returns.
    section_model: ClassVar[type[Section]]
    #: Its findings describe a bias of the data itself (cards list them as known biases).
    describes_bias: ClassVar[bool] = False
    #: Attributes rebuilt on demand, never pickled (detectors, models, callbacks).
    transient: ClassVar[tuple[str, ...]] = ()
    #: Its ``update`` may run on a thread of its own, at the same time as the other
    #: checks' updates of the same batch: it only reads the batch, keeps no state shared
    #: with other checks and calls no callback, and most of its work releases the GIL
    #: (numpy, Arrow). The local engine then works on two cores.
    concurrent: ClassVar[bool] = False

    # -- building -----------------------------------------------------------------------
    @classmethod
    def skipped_because(cls, config: AuditConfig) -> str | None:
        """Why this enabled check cannot run with these columns (``None``: it can)."""
        return None

    @classmethod
    def from_config(cls, config: AuditConfig, plan: AuditPlan) -> AuditCheck:
        raise TypeError(f"{cls.__name__} must define from_config")

    # -- streaming ----------------------------------------------------------------------
    def update(self, batch: pa.RecordBatch) -> None:
        raise TypeError(f"{type(self).__name__} must define update")

    def merge(self, other: AuditCheck) -> None:
        raise TypeError(f"{type(self).__name__} must define merge")

    def result(self, context: ReportContext) -> Section:
        raise TypeError(f"{type(self).__name__} must define result")

    @property
    def helper_cpu_s(self) -> float:
        """CPU seconds spent for this check on threads other than the caller's (a pool
        that builds the result): the runner adds them to the check's measured CPU time."""
        return 0.0

    def close(self) -> None:
        """Release what the state holds outside memory (spill files); idempotent."""

    # -- reading a section ------------------------------------------------------------------
    @classmethod
    def to_report(cls, section: Section) -> dict[str, Any]:
        """The report keys this section is stored under (stable since schema version 1)."""
        return {cls.name: section.model_dump(mode="json")}

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> Section | None:
        """The section back from a stored report, or ``None`` when the check did not run."""
        data = report.get(cls.name)
        if not isinstance(data, Mapping):
            return None
        return cls.section_model.load(data)

    @classmethod
    def findings(cls, section: Section, context: ReportContext) -> list[Finding]:
        return []

    @classmethod
    def observations(cls, section: Section, context: ReportContext) -> list[Observation]:
        """Numbers that the alert thresholds compare (``configs/alerts.yaml`` metric names)."""
        return []

    @classmethod
    def warnings(cls, section: Section, context: ReportContext) -> list[str]:
        """Limits of this run of the check (sampling, fallback models...), for the notes."""
        return []

    @classmethod
    def card_fields(
        cls, section: Section, context: ReportContext, card_kind: CardKind
    ) -> list[CardField]:
        """The lines of a model or data card this check fills from its section (the card
        filler writes them, cited to the check's key of the report)."""
        return []

    @classmethod
    def card_checklist(cls, section: Section, context: ReportContext) -> list[CardSuggestion]:
        """Checklist items this section suggests a status for (a person's choice wins)."""
        return []

    @classmethod
    def comparison(cls, section: Section) -> dict[str, float | None]:
        """Headline numbers compared between two reports (label -> value)."""
        return {}

    @classmethod
    def headline(cls, section: Section | None) -> list[Headline]:
        """Headline tiles for the page (empty: the check has none)."""
        return []

    # -- pickling (Ray ships partial states) ----------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in self.transient:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
