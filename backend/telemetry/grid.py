"""Grid carbon intensity (g CO2e per kWh) with its source named.

Either a number the user sets (and names the source of), or the country's average from
the energy-mix table shipped with codecarbon (offline, yearly data), or a world average.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Used only when neither a user value nor codecarbon's table has the country.
WORLD_AVERAGE_G_PER_KWH = 475.0
WORLD_AVERAGE_SOURCE = "world average 475 g/kWh (IEA 2019), fallback"


@dataclass(frozen=True)
class GridIntensity:
    g_per_kwh: float
    source: str


@lru_cache(maxsize=1)
def _energy_mix() -> dict:
    spec = importlib.util.find_spec("codecarbon")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = (
        Path(list(spec.submodule_search_locations)[0])
        / "data"
        / "private_infra"
        / "global_energy_mix.json"
    )
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def resolve_grid_intensity(
    value: float | None = None, source: str | None = None, country_iso_code: str | None = None
) -> GridIntensity:
    """The carbon intensity to use for CO2 figures.

    Parameters
    ----------
    value
        Grams CO2e per kWh set by the user (wins when given).
    source
        Where ``value`` comes from (shown next to every CO2 figure).
    country_iso_code
        ISO 3166 alpha-3 code used to look up codecarbon's energy-mix table.
    """
    if value is not None:
        if value < 0:
            from backend.errors import ConfigError

            raise ConfigError("Grid carbon intensity must be ≥ 0 g/kWh.")
        return GridIntensity(float(value), source or "set by the user")
    code = (country_iso_code or "").upper()
    row = _energy_mix().get(code)
    if row and row.get("carbon_intensity") is not None:
        return GridIntensity(
            float(row["carbon_intensity"]),
            f"codecarbon energy mix {row.get('year', '')} for {row.get('country_name', code)} "
            f"({code}), yearly average".replace("  ", " "),
        )
    return GridIntensity(WORLD_AVERAGE_G_PER_KWH, WORLD_AVERAGE_SOURCE)
