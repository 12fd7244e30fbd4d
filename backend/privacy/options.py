"""The privacy-audit options of a fine-tune (part of ``TrainConfig.privacy``).

A leaf module: the training config imports it, it imports nothing from the backend.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class MembershipOptions(_Strict):
    """Membership inference after a classification run (on by default)."""

    enabled: bool = True
    #: Training rows (members) and held-out rows (non-members) attacked, each.
    rows_per_side: int = Field(300, ge=20, le=5000)
    #: Bootstrap resamples for the AUC's 95 % confidence interval.
    bootstrap: int = Field(1000, ge=100, le=10_000)


class CanaryOptions(_Strict):
    """Secret-Sharer canaries planted in a causal-LM run's training text (off by default)."""

    enabled: bool = False
    #: The canary's text; each ``{}`` is one random digit (e.g. a six-digit PIN).
    format: str = Field("my PIN is {} {} {} {} {} {}", min_length=3, max_length=200)
    #: How many times each canary is inserted; one group of canaries per count.
    repetitions: list[int] = Field(default_factory=lambda: [1, 4, 16])
    #: Canaries per repetition count (k).
    per_repetition: int = Field(2, ge=1, le=20)
    #: Random candidates a canary is ranked against when the space is larger.
    candidates: int = Field(2000, ge=100, le=100_000)

    @field_validator("format")
    @classmethod
    def _has_slots(cls, v: str) -> str:
        slots = v.count("{}")
        if slots < 1:
            raise ValueError("the canary format needs at least one {} (a random digit)")
        if slots > 30:
            raise ValueError("the canary format has more than 30 {} slots")
        if v.replace("{}", "").count("{") or v.replace("{}", "").count("}"):
            raise ValueError("the canary format may only use {} for a random digit")
        return v

    @field_validator("repetitions")
    @classmethod
    def _repetitions(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("give at least one repetition count")
        if len(v) > 8 or any(r < 1 or r > 1000 for r in v):
            raise ValueError("repetition counts are 1 to 1000, at most 8 of them")
        return sorted(set(v))


class PrivacyOptions(_Strict):
    membership: MembershipOptions = Field(default_factory=MembershipOptions)
    canaries: CanaryOptions = Field(default_factory=CanaryOptions)
