"""Hugging Face card metadata, built with ``huggingface_hub`` and validated offline.

``ModelCard.validate()`` posts the card to the Hub, which we never do (offline first).
Instead :func:`validate_metadata` checks the rules the Hub enforces that matter for
our fields (license ids, language codes, the ``co2_eq_emissions`` block, enumerated
dataset fields) and then round-trips the YAML through ``ModelCard``/``DatasetCard`` to
prove ``huggingface_hub`` parses it back to the same metadata.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

from .links import defuse_links
from .schema import CardDocument

#: License identifiers accepted by the Hugging Face Hub
#: (https://huggingface.co/docs/hub/repositories-licenses), kept locally for offline checks.
HF_LICENSES = frozenset(
    [
        "apache-2.0",
        "mit",
        "openrail",
        "bigscience-openrail-m",
        "creativeml-openrail-m",
        "bigscience-bloom-rail-1.0",
        "bigcode-openrail-m",
        "afl-3.0",
        "artistic-2.0",
        "bsl-1.0",
        "bsd",
        "bsd-2-clause",
        "bsd-3-clause",
        "bsd-3-clause-clear",
        "c-uda",
        "cc",
        "cc0-1.0",
        "cc-by-2.0",
        "cc-by-2.5",
        "cc-by-3.0",
        "cc-by-4.0",
        "cc-by-sa-3.0",
        "cc-by-sa-4.0",
        "cc-by-nc-2.0",
        "cc-by-nc-3.0",
        "cc-by-nc-4.0",
        "cc-by-nd-4.0",
        "cc-by-nc-nd-3.0",
        "cc-by-nc-nd-4.0",
        "cc-by-nc-sa-2.0",
        "cc-by-nc-sa-3.0",
        "cc-by-nc-sa-4.0",
        "cdla-sharing-1.0",
        "cdla-permissive-1.0",
        "cdla-permissive-2.0",
        "wtfpl",
        "ecl-2.0",
        "epl-1.0",
        "epl-2.0",
        "etalab-2.0",
        "eupl-1.1",
        "eupl-1.2",
        "agpl-3.0",
        "gfdl",
        "gpl",
        "gpl-2.0",
        "gpl-3.0",
        "lgpl",
        "lgpl-2.1",
        "lgpl-3.0",
        "isc",
        "h-research",
        "intel-research",
        "lppl-1.3c",
        "ms-pl",
        "apple-ascl",
        "apple-amlr",
        "mpl-2.0",
        "odc-by",
        "odbl",
        "openrail++",
        "osl-3.0",
        "postgresql",
        "ofl-1.1",
        "ncsa",
        "unlicense",
        "zlib",
        "pddl",
        "lgpl-lr",
        "deepfloyd-if-license",
        "fair-noncommercial-research-license",
        "llama2",
        "llama3",
        "llama3.1",
        "llama3.2",
        "llama3.3",
        "llama4",
        "gemma",
        "unknown",
        "other",
    ]
)
TRAINING_TYPES = ("fine-tuning", "pre-training")
ANNOTATION_CREATORS = (
    "found",
    "crowdsourced",
    "expert-generated",
    "machine-generated",
    "no-annotation",
    "other",
)
LANGUAGE_RE = re.compile(r"^([a-z]{2,3}(-[A-Za-z0-9]{2,8})*|code|multilingual)$")
TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/+-]{0,99}$")
HUB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,95})?$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$")


@dataclass
class HubMetadata:
    """Metadata for the YAML header plus what was wrong with the card's values."""

    data: dict
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def size_category(n: int) -> str:
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
        (100_000_000, "10M<n<100M"),
        (1_000_000_000, "100M<n<1B"),
    ]
    for bound, label in bounds:
        if n < bound:
            return label
    return "n>1B"


def _text(value: str) -> str:
    """Free text going into the YAML header: HTML is escaped and script/data links are
    defused like everywhere else."""
    return defuse_links(html.escape(value, quote=False))


def _split(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\n]", value or "") if p.strip()]


def _number(text: str) -> float | None:
    try:
        value = float(str(text).replace(",", "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _license(doc: CardDocument, section: str, meta: dict, errors: list[str]) -> None:
    lic = doc.get_field(section, "license").value.strip().lower()
    if not lic:
        return
    if lic not in HF_LICENSES:
        errors.append(
            f"License '{lic}' is not a Hugging Face license id; use one of apache-2.0, mit, "
            "cc-by-4.0, ... or 'other' with a license name and link."
        )
        return
    meta["license"] = lic
    if lic == "other":
        name = doc.get_field(section, "license_name").value.strip()
        link = doc.get_field(section, "license_link").value.strip()
        if not name or not link:
            errors.append("License 'other' needs both a license name and a license link.")
        elif not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", name):
            errors.append(
                "License name must be a short lowercase id (letters, digits, '-', '.'), "
                "e.g. my-company-license-1.0."
            )
        elif not URL_RE.match(link) and not link.startswith(("LICENSE", "./")):
            errors.append("License link must be an http(s) URL or a file in the repository.")
        else:
            meta["license_name"] = name
            meta["license_link"] = link


def _languages(value: str, meta: dict, errors: list[str]) -> None:
    langs = _split(value)
    bad = [x for x in langs if not LANGUAGE_RE.match(x)]
    if bad:
        errors.append(
            f"Language codes must be ISO 639 codes like en or fra; not: {', '.join(bad)}."
        )
    elif langs:
        meta["language"] = langs


def _tags(value: str, meta: dict, errors: list[str], extra: list[str]) -> None:
    tags = _split(value)
    bad = [t for t in tags if not TAG_RE.match(t)]
    if bad:
        errors.append(f"Tags may use letters, digits and - _ . : / + only; not: {', '.join(bad)}.")
        tags = []
    meta["tags"] = list(dict.fromkeys(extra + tags))


def model_metadata(doc: CardDocument) -> HubMetadata:
    """``ModelCardData`` keyword arguments for a model card, with problems listed."""
    errors: list[str] = []
    notes: list[str] = []
    meta: dict = {}
    f = doc.get_field
    name = f("model_details", "name").value.strip()
    if name:
        meta["model_name"] = _text(name)
    _license(doc, "licensing", meta, errors)
    _languages(f("model_details", "language").value, meta, errors)
    _tags(f("model_details", "tags").value, meta, errors, ["steward"])
    for key in ("library_name", "pipeline_tag"):
        value = f("model_details", key).value.strip()
        if value and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
            errors.append(f"{key.replace('_', ' ').capitalize()} '{value}' must be a lowercase id.")
        elif value:
            meta[key] = value
    base = f("model_details", "base_model").value.strip()
    if base and HUB_ID_RE.match(base) and not base.startswith("."):
        meta["base_model"] = base
    elif base:
        notes.append(
            "The base model is not a Hugging Face id (a local path or a description), so it "
            "is left out of the metadata; it stays in the card text."
        )

    co2: dict = {}
    grams_text = f("environmental_impact", "co2_eq_emissions_g").value.strip()
    if grams_text:
        grams = _number(grams_text)
        if grams is None or grams < 0:
            errors.append(
                f"CO₂-eq emissions must be a non-negative number of grams, not '{grams_text}'."
            )
        else:
            co2["emissions"] = round(grams, 6)
    for key, fld in (
        ("source", "emissions_source"),
        ("training_type", "training_type"),
        ("geographical_location", "geographical_location"),
        ("hardware_used", "hardware_used"),
    ):
        value = f("environmental_impact", fld).value.strip()
        if value:
            co2[key] = _text(value)
    if co2.get("training_type") and co2["training_type"] not in TRAINING_TYPES:
        errors.append(f"Training type must be one of {', '.join(TRAINING_TYPES)}.")
    if co2 and "emissions" not in co2:
        errors.append("Environmental impact has details but no CO₂-eq emissions figure in grams.")
    elif co2:
        if "source" not in co2:
            errors.append("Say where the CO₂-eq figure comes from (emissions source).")
        meta["co2_eq_emissions"] = co2
    return HubMetadata(meta, errors, notes)


def data_metadata(doc: CardDocument) -> HubMetadata:
    """``DatasetCardData`` keyword arguments for a data card, with problems listed."""
    errors: list[str] = []
    meta: dict = {}
    f = doc.get_field
    name = f("details", "name").value.strip()
    if name:
        meta["pretty_name"] = _text(name)
    _license(doc, "licensing", meta, errors)
    _languages(f("details", "language").value, meta, errors)
    _tags(f("details", "tags").value, meta, errors, ["steward"])
    if f("construction_and_sources", "synthetic").value.lower().startswith("yes"):
        meta["tags"] = list(dict.fromkeys([*meta["tags"], "synthetic"]))
    size = _number(f("details", "size").value) if f("details", "size").value else None
    if size is not None and size >= 0:
        meta["size_categories"] = [size_category(int(size))]
    task = f("details", "task").value.strip()
    if task:
        if re.fullmatch(r"[a-z0-9][a-z0-9-]*", task):
            meta["task_categories"] = [task]
        else:
            errors.append(
                f"Task category '{task}' must be a lowercase id like text-classification."
            )
    creators = _split(f("annotations", "annotations_creators").value)
    bad = [c for c in creators if c not in ANNOTATION_CREATORS]
    if bad:
        errors.append(
            f"Annotation creators must be among {', '.join(ANNOTATION_CREATORS)}; not: {', '.join(bad)}."
        )
    elif creators:
        meta["annotations_creators"] = creators
    return HubMetadata(meta, errors, [])


def hub_metadata(doc: CardDocument) -> HubMetadata:
    return model_metadata(doc) if doc.kind == "model" else data_metadata(doc)


def build_hub_card(doc: CardDocument, body: str):
    """A ``huggingface_hub.ModelCard`` or ``DatasetCard`` with validated metadata.

    Raises ``ValueError`` listing every problem when the metadata is invalid or does not
    survive a parse round-trip.
    """
    from huggingface_hub import DatasetCard, DatasetCardData, ModelCard, ModelCardData

    meta = hub_metadata(doc)
    if meta.errors:
        raise ValueError("; ".join(meta.errors))
    card_cls, data_cls = (
        (ModelCard, ModelCardData) if doc.kind == "model" else (DatasetCard, DatasetCardData)
    )
    data = data_cls(**meta.data)
    card = card_cls(f"---\n{data.to_yaml()}\n---\n\n{body}")
    reparsed = card_cls(str(card)).data.to_dict()
    if reparsed != data.to_dict():
        raise ValueError("the card metadata does not survive a YAML round-trip")
    return card
