"""Model card fields from a fine-tune run's summary (:class:`~backend.training.summary.RunSummary`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from backend.numbers import finite_number
from backend.store import Artifact, Dataset
from backend.training.sanity import baseline_comparison, check_run
from backend.training.summary import RunSummary

from ..formatting import fmt_num, kv_lines, short, table
from ..records import artifact_ref, public_location
from ..schema import CardDocument, RecordRef
from .base import FillContext, add_source, set_value, suggest

_PIPELINES = {"classification": "text-classification", "causal_lm": "text-generation"}


class RunFiller:
    """A run fills the model's details, training data, results, technical specifications,
    privacy and environmental impact, and starts the monitoring checklist item."""

    kind: ClassVar[str] = "run"
    evidence: ClassVar[bool] = False

    def fill(self, doc: CardDocument, record: Artifact, ctx: FillContext) -> None:
        s, pre = RunSummary.from_content(record.content)
        run_ref = artifact_ref(record, store=ctx.store)

        def ref(key: str | None = None) -> RecordRef:
            return run_ref.model_copy(update={"field": (pre + key) if key else None})

        add_source(doc, ref())
        if doc.kind == "model":
            _model_details(doc, s, ref, run_ref.label, ctx.dataset)
            _results(doc, s, ref)
            _technical(doc, s, ref)
            _privacy(doc, s, ref)
            _environment(doc, s, ref)
        suggest(
            doc,
            "monitoring",
            "in_progress",
            "Training telemetry (loss, energy, CO₂) was recorded for this run; "
            "monitoring after release is not declared yet.",
            [ref()],
        )


def _model_details(doc, s: RunSummary, ref, version: str, dataset: Dataset | None) -> None:
    model = s.model or s.base_model
    set_value(doc, "model_details", "base_model", model, ref("model"))
    set_value(doc, "model_details", "pipeline_tag", _PIPELINES.get(str(s.task)), ref("task"))
    kind_bits = [str(x) for x in (s.model_type, s.task) if x]
    if finite_number(s.parameters) is not None:
        kind_bits.append(f"{fmt_num(s.parameters)} parameters")
        if finite_number(s.trainable_parameters) is not None:
            kind_bits.append(f"{fmt_num(s.trainable_parameters)} trained")
    set_value(doc, "model_details", "model_type", ", ".join(kind_bits) or None, ref("model_type"))
    if model:
        # "all-MiniLM-L6-v2 (embedded, ...)" or "org/name" -> a short base name
        base = str(model).split(" (")[0].rstrip("/").split("/")[-1]
        ds_name = f" on {dataset.name}" if dataset is not None else ""
        set_value(doc, "model_details", "name", f"{base} fine-tuned{ds_name}", ref("model"))
    set_value(doc, "model_details", "version", version, ref())
    set_value(doc, "model_details", "library_name", "transformers" if model else None, ref("model"))
    train_rows, eval_rows = finite_number(s.train_rows), finite_number(s.eval_rows)
    if train_rows is None:
        return
    # the rows this run used, not the rows in the dataset's file
    ds_name = s.dataset_name or (dataset.name if dataset is not None else "")
    used = f"{fmt_num(train_rows)} rows used for training"
    if eval_rows is not None:
        used += f" and {fmt_num(eval_rows)} held out for evaluation"
    if s.split:
        used += f" (split: {s.split})"
    of_file = (
        f", out of {fmt_num(dataset.n_rows)} rows in the dataset"
        if dataset is not None and dataset.n_rows
        else ""
    )
    synthetic = " Synthetic data." if dataset is not None and dataset.synthetic else ""
    set_value(
        doc,
        "factors_and_training_data",
        "training_data",
        f"{ds_name}: {used}{of_file}.{synthetic}".lstrip(": "),
        ref("train_rows"),
    )


def _results(doc, s: RunSummary, ref) -> None:
    """Quantitative analyses from the run's own evaluation, and its sanity caveats."""
    stored = s.to_dict()  # the sanity checks read the summary as the runner wrote it
    if s.eval:
        set_value(doc, "quantitative_analyses", "metrics", ", ".join(map(str, s.eval)), ref("eval"))
        results = table([[k, v] for k, v in s.eval.items()], ["metric", "value (held-out split)"])
        versus = baseline_comparison(stored)
        set_value(
            doc,
            "quantitative_analyses",
            "results",
            results + (f"\n\n{versus}" if versus else ""),
            ref("eval"),
        )
    # A model that does not beat guessing is said so where a reviewer reads caveats.
    warnings = check_run(stored)
    if warnings:
        text = "\n".join(f"- **{w.title}**: {w.message}" for w in warnings)
        set_value(doc, "caveats_and_recommendations", "caveats", text, ref("eval"))
    if finite_number(s.train_loss) is not None:
        set_value(
            doc, "quantitative_analyses", "training_loss", fmt_num(s.train_loss), ref("train_loss")
        )


def _technical(doc, s: RunSummary, ref) -> None:
    spec = "technical_specifications"
    set_value(doc, spec, "hyperparameters", kv_lines(s.hyperparameters), ref("hyperparameters"))
    set_value(doc, spec, "hardware", kv_lines(s.hardware), ref("hardware"))
    procedure = []
    if s.steps is not None:
        procedure.append(f"- steps: {fmt_num(s.steps)}")
    if s.status:
        procedure.append(f"- status: {s.status}")
    for opt in ("lora", "dp", "reweighting"):
        value = getattr(s, opt)
        if value in (None, False, {}, ""):
            continue
        shown = (
            ", ".join(f"{k}={short(v)}" for k, v in value.items())
            if isinstance(value, Mapping)
            else short(value)
        )
        procedure.append(f"- {opt}: {shown}")
    set_value(doc, spec, "training_procedure", "\n".join(procedure), ref())
    duration = finite_number(s.duration_s)
    if duration is not None:
        set_value(
            doc,
            spec,
            "duration",
            f"{duration:.0f} s ({duration / 3600:.2f} h, measured wall-clock)",
            ref("duration_s"),
        )
        set_value(
            doc, "environmental_impact", "hours_used", f"{duration / 3600:.3f}", ref("duration_s")
        )
    set_value(doc, spec, "checkpoint", public_location(s.checkpoint), ref("checkpoint"))


def _privacy(doc, s: RunSummary, ref) -> None:
    eps = finite_number(s.epsilon)
    if eps is None:
        return
    set_value(
        doc,
        "ethical_considerations",
        "privacy",
        f"Trained with differential privacy (DP-SGD): ε = {eps:.3g}"
        + (f", δ = {fmt_num(s.delta)}" if s.delta is not None else "")
        + " (accountant estimate at the end of training).",
        ref("epsilon"),
    )


def _environment(doc, s: RunSummary, ref) -> None:
    """Grams in the card (converted from kg when needed), said measured or estimated."""
    env = "environmental_impact"
    grams, key = s.co2_grams
    if grams is not None:
        set_value(doc, env, "co2_eq_emissions_g", f"{grams:.4g}", ref(key))
    label = s.energy_source_label or s.energy_source
    says_how = str(label).lower().startswith(("measured", "estimated"))
    if label and s.energy_measured is not None and not says_how:
        label = ("Measured: " if s.energy_measured else "Estimated: ") + str(label)
    grid_src = s.grid_intensity_source
    source_text = "; ".join(str(x) for x in (label, grid_src and f"grid: {grid_src}") if x)
    set_value(doc, env, "emissions_source", source_text or None, ref("energy_source_label"))
    energy = finite_number(s.energy_kwh)
    if energy is not None:
        set_value(doc, env, "energy_kwh", f"{energy:.4g}", ref("energy_kwh"))
    set_value(doc, env, "energy_source", s.energy_source, ref("energy_source"))
    gi = finite_number(s.grid_intensity_g_per_kwh)
    if gi is not None:
        set_value(
            doc,
            env,
            "grid_intensity",
            f"{gi:.4g}" + (f" ({grid_src})" if grid_src else ""),
            ref("grid_intensity_g_per_kwh"),
        )
    if grams is not None or s.energy_kwh is not None:
        set_value(doc, env, "training_type", "fine-tuning", ref())
    for key in ("geographical_location", "country_iso_code", "region", "country"):
        if getattr(s, key):
            set_value(doc, env, "geographical_location", getattr(s, key), ref(key))
            break
    set_value(doc, env, "hardware_used", s.hardware_used, ref("hardware"))
