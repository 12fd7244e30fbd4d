"""One card filler per record kind, behind one protocol (:class:`~.base.RecordFiller`).

Adding a kind of record a card can cite means adding one filler class (in a module of
this package) and one line in :data:`FILLERS`; :func:`backend.cards.autofill.build_card`,
the CLI's ``--evidence`` and the Cards page's evidence picker iterate over it.
"""

from __future__ import annotations

from .alerts import fill_monitoring_from_alerts
from .audit import AuditFiller
from .base import FillContext, RecordFiller
from .dataset import DatasetFiller, fill_dataset_version, fill_from_dataset
from .evaluation import EvaluationFiller
from .evidence import MitigationFiller, PrivacyFiller, ProbesFiller, RedTeamFiller
from .run import RunFiller

#: Every filler by the record kind it reads, in the order a card is filled.
FILLERS: dict[str, RecordFiller] = {
    filler.kind: filler
    for filler in (
        DatasetFiller(),
        AuditFiller(),
        RunFiller(),
        EvaluationFiller(),
        RedTeamFiller(),
        ProbesFiller(),
        MitigationFiller(),
        PrivacyFiller(),
    )
}

#: The kinds of saved result a card may cite as evidence, with their fillers.
EVIDENCE_FILLERS: dict[str, RecordFiller] = {k: f for k, f in FILLERS.items() if f.evidence}

__all__ = [
    "EVIDENCE_FILLERS",
    "FILLERS",
    "FillContext",
    "RecordFiller",
    "fill_dataset_version",
    "fill_from_dataset",
    "fill_monitoring_from_alerts",
]
