"""A fine-tune run's summary, typed.

The runner writes the summary as JSON (the ``run`` artifact's content and the job's
result, see :mod:`backend.training.runner`); readers such as the card auto-fill parse it
once through :class:`RunSummary` and read attributes. Keys are those the runner writes;
summaries stored flat or under ``"summary"``, and the older CO₂ key names
(``co2_kg``, ``emissions_g``...), still load (see :mod:`backend.stored_reports`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.observations import finite_number
from backend.stored_reports import StoredReport

__all__ = ["CO2_GRAM_KEYS", "CO2_KILOGRAM_KEYS", "RunSummary"]

Number = int | float | None
#: Keys that hold CO₂-eq in grams, then in kilograms, in the order they are preferred.
CO2_GRAM_KEYS = ("co2_g", "co2_eq_g", "emissions_g")
CO2_KILOGRAM_KEYS = ("co2_kg", "emissions_kg", "co2_eq_kg", "emissions")


class RunSummary(StoredReport):
    """What a finished fine-tune run measured and how it was set up."""

    what = "run summary"

    run_name: str | None = None
    job_id: int | None = None
    #: The ``run`` artifact saved for the run (in the job's result).
    artifact_id: int | None = None
    status: str | None = None
    task: str | None = None
    model: str | None = None
    base_model: str | None = None
    model_type: str | None = None
    parameters: Number = None
    trainable_parameters: Number = None
    dataset_id: int | str | None = None
    dataset_name: str | None = None
    dataset_version: dict[str, Any] | None = None
    train_rows: Number = None
    eval_rows: Number = None
    split: str | None = None
    steps: Number = None
    train_loss: Number = None
    #: ``{metric: value}`` on the held-out split.
    eval: dict[str, Any] | None = None
    hyperparameters: dict[str, Any] | None = None
    hardware: dict[str, Any] | None = None
    lora: dict[str, Any] | bool | str | None = None
    dp: dict[str, Any] | bool | str | None = None
    reweighting: dict[str, Any] | bool | str | None = None
    duration_s: Number = None
    checkpoint: str | None = None
    epsilon: Number = None
    delta: Number = None
    energy_kwh: Number = None
    energy_source: str | None = None
    energy_source_label: str | None = None
    energy_measured: bool | None = None
    grid_intensity_g_per_kwh: Number = None
    grid_intensity_source: str | None = None
    geographical_location: str | None = None
    country_iso_code: str | None = None
    region: str | None = None
    country: str | None = None
    co2_g: Number = None
    co2_eq_g: Number = None
    emissions_g: Number = None
    co2_kg: Number = None
    emissions_kg: Number = None
    co2_eq_kg: Number = None
    emissions: Number = None

    @classmethod
    def from_content(cls, content: Any) -> tuple[RunSummary, str]:
        """``(summary, key prefix)`` of a ``run`` artifact's content: the summary is stored
        flat or under ``"summary"`` (prefix ``"summary."``). Malformed keys are left out."""
        content = content if isinstance(content, Mapping) else {}
        nested = content.get("summary")
        if isinstance(nested, Mapping):
            return cls.load_readable(nested)[0], "summary."
        return cls.load_readable(content)[0], ""

    @property
    def co2_grams(self) -> tuple[float | None, str | None]:
        """CO₂-eq in grams and the key it came from (kilograms are converted)."""
        for key in CO2_GRAM_KEYS:
            grams = finite_number(getattr(self, key))
            if grams is not None:
                return grams, key
        for key in CO2_KILOGRAM_KEYS:
            kg = finite_number(getattr(self, key))
            if kg is not None:
                return kg * 1000.0, key
        return None, None

    @property
    def dataset_number(self) -> int | None:
        """The dataset id as a number (older summaries stored it as text)."""
        ds = self.dataset_id
        if isinstance(ds, int) or (isinstance(ds, str) and ds.isdigit()):
            return int(ds)
        return None

    @property
    def hardware_used(self) -> Any:
        """The GPU(s) the run used, else ``CPU (model, N cores)``; ``None`` when unknown."""
        hw = self.hardware
        if not isinstance(hw, Mapping):
            return None
        used = hw.get("gpu")
        if not used and hw.get("cpu"):
            cores = f", {hw['cpu_count']} cores" if hw.get("cpu_count") else ""
            cpu = hw["cpu"]
            used = (
                f"CPU ({', '.join(map(str, cpu)) if isinstance(cpu, list | tuple) else cpu}{cores})"
            )
        if isinstance(used, Mapping):
            used = used.get("name") or used
        return used
