"""Privacy audit of fine-tuned models: membership inference and canary exposure.

A reviewer's question, measured: does this model leak its training data? The runner
calls :func:`membership_audit` after a classification run; results are ``privacy``
records read by the run page, the model card and ``python -m backend privacy``.
"""

from backend.privacy.audit import (
    PRIVACY_KIND,
    membership_audit,
    privacy_audit_for_run,
    privacy_row,
    save_privacy_audit,
    strongest_attack,
)
from backend.privacy.membership import AttackResult, evaluate_attack, verdict
from backend.privacy.options import CanaryOptions, MembershipOptions, PrivacyOptions

__all__ = [
    "PRIVACY_KIND",
    "AttackResult",
    "CanaryOptions",
    "MembershipOptions",
    "PrivacyOptions",
    "evaluate_attack",
    "membership_audit",
    "privacy_audit_for_run",
    "privacy_row",
    "save_privacy_audit",
    "strongest_attack",
    "verdict",
]
