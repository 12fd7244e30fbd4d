"""Fill card fields from store records (runs, evaluations, audits, datasets).

Every value written here carries a :class:`RecordRef` to the record and key it came
from. Records are read defensively: a missing or oddly shaped key means the field is
simply not filled, never an error. Numbers keep their units and say whether they were
measured or estimated when the record says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backend.errors import StewardError
from backend.numbers import finite_number, format_number
from backend.privacy.audit import privacy_audit_for_run
from backend.store import Artifact, Dataset, Store
from backend.training.sanity import baseline_comparison, check_run

from .records import (
    artifact_ref,
    dataset_ref,
    dataset_version_ref,
    latest_audit_for_dataset,
    public_location,
)
from .schema import CardDocument, ChecklistItem, RecordRef

# -- small, defensive readers and formatters ----------------------------------------------


def dig(obj: Any, path: str) -> Any:
    """``obj["a"]["b"]`` for ``"a.b"``, or None when any step is missing."""
    for part in path.split("."):
        if not isinstance(obj, Mapping) or part not in obj:
            return None
        obj = obj[part]
    return obj


def fmt_num(value: Any, digits: int = 4) -> str:
    f = finite_number(value)
    if f is None:
        return str(value)
    if f == int(f) and abs(f) < 1e15:
        return f"{int(f):,}"
    return f"{f:.{digits}g}"


def fmt_pct(value: Any) -> str:
    return format_number(value, ".1%")


def _finding_text(item: Any) -> str:
    """A finding as a sentence: plain strings, or ``{text, severity, check}`` dicts."""
    if isinstance(item, Mapping):
        text = str(item.get("text") or item.get("message") or "").strip()
        severity = str(item.get("severity") or "").strip()
        if text and severity and severity not in ("ok", "info"):
            return f"{text} ({severity})"
        return text
    return str(item).strip()


def bullets(items: Any, *, skip_ok: bool = False) -> str:
    """A Markdown bullet list; ``skip_ok`` drops findings whose severity is ``ok``."""
    if isinstance(items, str):
        return items
    if not isinstance(items, list | tuple):
        return ""
    lines = []
    for item in items:
        if skip_ok and isinstance(item, Mapping) and item.get("severity") == "ok":
            continue
        text = _finding_text(item)
        if text:
            lines.append(f"- {text}")
    return "\n".join(lines)


def kv_lines(mapping: Any) -> str:
    """A bullet list ``- key: value`` for a flat or nested mapping."""
    if not isinstance(mapping, Mapping):
        return ""
    lines = []
    for key, value in mapping.items():
        if value is None or value == {} or value == []:
            continue
        if isinstance(value, Mapping):
            inner = ", ".join(f"{k}={_short(v)}" for k, v in value.items() if v is not None)
            lines.append(f"- {key}: {inner}")
        else:
            lines.append(f"- {key}: {_short(value)}")
    return "\n".join(lines)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return fmt_num(value)
    if isinstance(value, list | tuple):
        return ", ".join(_short(v) for v in value)
    return str(value)


def table(rows: list[list[Any]], header: list[str]) -> str:
    """A Markdown table (values are escaped later by the renderers)."""
    if not rows:
        return ""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        out.append("| " + " | ".join(_short(c).replace("|", "/") for c in row) + " |")
    return "\n".join(out)


def nested_table(data: Any, header: list[str]) -> str:
    """Flatten ``{a: {b: value}}`` or ``{a: {b: {metric: v}}}`` into a table."""
    if not isinstance(data, Mapping):
        return ""
    rows: list[list[Any]] = []
    for a, inner in data.items():
        if isinstance(inner, Mapping):
            for b, value in inner.items():
                if isinstance(value, Mapping):
                    rows.append([a, b, ", ".join(f"{k}={_short(v)}" for k, v in value.items())])
                else:
                    rows.append([a, b, _short(value)])
        else:
            rows.append([a, "", _short(inner)])
    return table(rows, header)


def group_stats_table(
    data: Any, columns: list[tuple[str, str]], *, first: str = "attribute"
) -> str:
    """Table of chosen stats per ``{attribute: {group: {stat: value}}}``.

    An empty attribute key (``{"": {...}}``) gives a table without the attribute column;
    groups holding plain values fall back to :func:`nested_table`.
    """
    if not isinstance(data, Mapping):
        return ""
    rows = []
    for attribute, groups in data.items():
        if not isinstance(groups, Mapping):
            continue
        for group, stats in groups.items():
            if not isinstance(stats, Mapping):
                return nested_table(data, [first, "group", "value"])
            cells = []
            for key, _ in columns:
                v = stats.get(key)
                cells.append(
                    "–" if v is None else fmt_num(v) if finite_number(v) is not None else v
                )
            rows.append(([attribute] if attribute else []) + [group] + cells)
    lead = [first, "group"] if any(data) else [first]
    return table(rows, lead + [label for _, label in columns])


def _with_ci(stats: Any) -> str:
    """``0.412 [0.38, 0.45]`` from ``{value, ci_low, ci_high}``, or the plain value."""
    if not isinstance(stats, Mapping):
        return _short(stats)
    value = finite_number(stats.get("value"))
    if value is None:
        return "–"
    lo, hi = finite_number(stats.get("ci_low")), finite_number(stats.get("ci_high"))
    return f"{value:.3f}" + (f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else "")


def by_group_table(by_group: Any) -> str:
    """Table of metric values (with CIs when present) per attribute and group."""
    if not isinstance(by_group, Mapping):
        return ""
    metrics: list[str] = []
    rows: list[tuple[Any, Any, Mapping]] = []
    for column, groups in by_group.items():
        if not isinstance(groups, Mapping):
            continue
        for group, stats in groups.items():
            if not isinstance(stats, Mapping):
                rows.append((column, group, {"value": stats}))
                continue
            rows.append((column, group, stats))
            metrics += [m for m in stats if m not in metrics and m not in ("count", "n")]
    if not rows:
        return ""
    nested = any(isinstance(v, Mapping) for _, _, st in rows for v in st.values())
    if not nested:  # {column: {group: value}} or {metric: {group: value}}
        return nested_table(by_group, ["metric / attribute", "group", "value"])
    header = ["attribute", "group", "n"] + [f"{m} [95% CI]" for m in metrics]
    out = []
    for column, group, st in rows:
        n = dig(st, "count.value") or next(
            (v.get("n") for v in st.values() if isinstance(v, Mapping) and v.get("n")), "–"
        )
        out.append([column, group, n] + [_with_ci(st.get(m)) for m in metrics])
    return table(out, header)


def disparity_table(disp: Mapping) -> str:
    rows = []
    for metric, d in disp.items():
        if not isinstance(d, Mapping):
            rows.append([metric, "", d, "–", ""])
            continue
        diff = fmt_num(d.get("difference")) if d.get("difference") is not None else "–"
        lo, hi = finite_number(d.get("ci_low")), finite_number(d.get("ci_high"))
        if lo is not None and hi is not None:
            diff += f" [{lo:.3f}, {hi:.3f}]"
        groups = " vs ".join(str(g) for g in (d.get("high_group"), d.get("low_group")) if g)
        ratio = fmt_num(d["ratio"]) if d.get("ratio") is not None else "–"
        rows.append([metric, d.get("column", ""), diff, ratio, groups])
    return table(rows, ["metric", "attribute", "difference (max−min)", "ratio (min/max)", "groups"])


def _set(doc: CardDocument, section: str, key: str, value: Any, ref: RecordRef) -> bool:
    """Write an auto-filled value with its provenance; skip empty values."""
    if value is None:
        return False
    text = value if isinstance(value, str) else _short(value)
    if not text.strip():
        return False
    fld = doc.get_field(section, key)
    fld.value = text
    fld.source = ref
    fld.edited = False
    return True


def _add_source(doc: CardDocument, ref: RecordRef) -> None:
    if ref.key not in {r.key for r in doc.sources}:
        doc.sources.append(ref.model_copy(update={"field": None}))


def _suggest(
    doc: CardDocument, key: str, status: str, notes: str, evidence: list[RecordRef]
) -> None:
    """Suggest a checklist status and attach evidence, unless a person already set it."""
    item: ChecklistItem = doc.checklist_item(key)
    known = {e.key for e in item.evidence}
    for ref in evidence:
        if ref.key not in known:
            item.evidence.append(ref.model_copy(update={"field": None}))
            known.add(ref.key)
    if item.status == "not_started" or item.auto:
        item.status = status  # type: ignore[assignment]
        item.notes = notes
        item.auto = True


# -- run summaries ------------------------------------------------------------------------


def run_summary(art: Artifact) -> tuple[dict, str]:
    """(summary dict, key prefix): run artifacts hold the summary flat or under 'summary'."""
    content = art.content if isinstance(art.content, dict) else {}
    if isinstance(content.get("summary"), dict):
        return content["summary"], "summary."
    return content, ""


def co2_grams(summary: Mapping) -> tuple[float | None, str | None]:
    """CO₂-eq in grams and the key it came from (``co2_kg``/``emissions_kg`` are converted)."""
    for key in ("co2_g", "co2_eq_g", "emissions_g"):
        g = finite_number(summary.get(key))
        if g is not None:
            return g, key
    for key in ("co2_kg", "emissions_kg", "co2_eq_kg", "emissions"):
        kg = finite_number(summary.get(key))
        if kg is not None:
            return kg * 1000.0, key
    return None, None


def fill_from_run(
    doc: CardDocument, art: Artifact, *, store: Store, dataset: Dataset | None = None
) -> CardDocument:
    s, pre = run_summary(art)
    run_ref = artifact_ref(art, store=store)

    def ref(key: str | None = None) -> RecordRef:
        return run_ref.model_copy(update={"field": (pre + key) if key else None})

    _add_source(doc, ref())
    model = s.get("model") or s.get("base_model")
    if doc.kind == "model":
        _set(doc, "model_details", "base_model", model, ref("model"))
        task = s.get("task")
        pipeline = {"classification": "text-classification", "causal_lm": "text-generation"}
        _set(doc, "model_details", "pipeline_tag", pipeline.get(str(task)), ref("task"))
        kind_bits = [str(x) for x in (s.get("model_type"), task) if x]
        if finite_number(s.get("parameters")) is not None:
            kind_bits.append(f"{fmt_num(s['parameters'])} parameters")
            if finite_number(s.get("trainable_parameters")) is not None:
                kind_bits.append(f"{fmt_num(s['trainable_parameters'])} trained")
        _set(doc, "model_details", "model_type", ", ".join(kind_bits) or None, ref("model_type"))
        if model:
            # "all-MiniLM-L6-v2 (embedded, ...)" or "org/name" -> a short base name
            base = str(model).split(" (")[0].rstrip("/").split("/")[-1]
            ds_name = f" on {dataset.name}" if dataset is not None else ""
            _set(doc, "model_details", "name", f"{base} fine-tuned{ds_name}", ref("model"))
        _set(
            doc,
            "model_details",
            "version",
            run_ref.label,
            ref(),
        )
        _set(doc, "model_details", "library_name", "transformers" if model else None, ref("model"))
        train_rows, eval_rows = (
            finite_number(s.get("train_rows")),
            finite_number(s.get("eval_rows")),
        )
        if train_rows is not None:
            # the rows this run used, not the rows in the dataset's file
            ds_name = s.get("dataset_name") or (dataset.name if dataset is not None else "")
            used = f"{fmt_num(train_rows)} rows used for training"
            if eval_rows is not None:
                used += f" and {fmt_num(eval_rows)} held out for evaluation"
            if s.get("split"):
                used += f" (split: {s['split']})"
            of_file = (
                f", out of {fmt_num(dataset.n_rows)} rows in the dataset"
                if dataset is not None and dataset.n_rows
                else ""
            )
            synthetic = " Synthetic data." if dataset is not None and dataset.synthetic else ""
            _set(
                doc,
                "factors_and_training_data",
                "training_data",
                f"{ds_name}: {used}{of_file}.{synthetic}".lstrip(": "),
                ref("train_rows"),
            )

        # quantitative analyses from the run's own evaluation
        evals = s.get("eval")
        if isinstance(evals, Mapping) and evals:
            _set(
                doc,
                "quantitative_analyses",
                "metrics",
                ", ".join(str(k) for k in evals),
                ref("eval"),
            )
            results = table(
                [[k, v] for k, v in evals.items()], ["metric", "value (held-out split)"]
            )
            versus = baseline_comparison(s)
            _set(
                doc,
                "quantitative_analyses",
                "results",
                results + (f"\n\n{versus}" if versus else ""),
                ref("eval"),
            )
        # A model that does not beat guessing is said so where a reviewer reads caveats.
        warnings = check_run(s)
        if warnings:
            text = "\n".join(f"- **{w.title}**: {w.message}" for w in warnings)
            _set(doc, "caveats_and_recommendations", "caveats", text, ref("eval"))
        if finite_number(s.get("train_loss")) is not None:
            _set(
                doc,
                "quantitative_analyses",
                "training_loss",
                fmt_num(s["train_loss"]),
                ref("train_loss"),
            )

        # technical specifications
        hp = s.get("hyperparameters")
        _set(
            doc, "technical_specifications", "hyperparameters", kv_lines(hp), ref("hyperparameters")
        )
        hw = s.get("hardware")
        _set(doc, "technical_specifications", "hardware", kv_lines(hw), ref("hardware"))
        procedure = []
        if s.get("steps") is not None:
            procedure.append(f"- steps: {fmt_num(s['steps'])}")
        if s.get("status"):
            procedure.append(f"- status: {s['status']}")
        for opt in ("lora", "dp", "reweighting"):
            value = s.get(opt)
            if value in (None, False, {}, ""):
                continue
            shown = (
                ", ".join(f"{k}={_short(v)}" for k, v in value.items())
                if isinstance(value, Mapping)
                else _short(value)
            )
            procedure.append(f"- {opt}: {shown}")
        _set(doc, "technical_specifications", "training_procedure", "\n".join(procedure), ref())
        duration = finite_number(s.get("duration_s"))
        if duration is not None:
            _set(
                doc,
                "technical_specifications",
                "duration",
                f"{duration:.0f} s ({duration / 3600:.2f} h, measured wall-clock)",
                ref("duration_s"),
            )
            _set(
                doc,
                "environmental_impact",
                "hours_used",
                f"{duration / 3600:.3f}",
                ref("duration_s"),
            )
        _set(
            doc,
            "technical_specifications",
            "checkpoint",
            public_location(s.get("checkpoint")),
            ref("checkpoint"),
        )

        eps = finite_number(s.get("epsilon"))
        if eps is not None:
            delta = s.get("delta")
            _set(
                doc,
                "ethical_considerations",
                "privacy",
                f"Trained with differential privacy (DP-SGD): ε = {eps:.3g}"
                + (f", δ = {fmt_num(delta)}" if delta is not None else "")
                + " (accountant estimate at the end of training).",
                ref("epsilon"),
            )

        # environmental impact: grams in the card, converted from kg when needed
        grams, key = co2_grams(s)
        if grams is not None:
            _set(doc, "environmental_impact", "co2_eq_emissions_g", f"{grams:.4g}", ref(key))
        label = s.get("energy_source_label") or s.get("energy_source")
        says_how = str(label).lower().startswith(("measured", "estimated"))
        if label and s.get("energy_measured") is not None and not says_how:
            label = ("Measured: " if s["energy_measured"] else "Estimated: ") + str(label)
        grid_src = s.get("grid_intensity_source")
        source_text = "; ".join(str(x) for x in (label, grid_src and f"grid: {grid_src}") if x)
        _set(
            doc,
            "environmental_impact",
            "emissions_source",
            source_text or None,
            ref("energy_source_label"),
        )
        if finite_number(s.get("energy_kwh")) is not None:
            _set(
                doc,
                "environmental_impact",
                "energy_kwh",
                f"{float(s['energy_kwh']):.4g}",
                ref("energy_kwh"),
            )
        _set(
            doc,
            "environmental_impact",
            "energy_source",
            s.get("energy_source"),
            ref("energy_source"),
        )
        gi = finite_number(s.get("grid_intensity_g_per_kwh"))
        if gi is not None:
            _set(
                doc,
                "environmental_impact",
                "grid_intensity",
                f"{gi:.4g}" + (f" ({grid_src})" if grid_src else ""),
                ref("grid_intensity_g_per_kwh"),
            )
        if grams is not None or s.get("energy_kwh") is not None:
            _set(doc, "environmental_impact", "training_type", "fine-tuning", ref())
        for key in ("geographical_location", "country_iso_code", "region", "country"):
            if s.get(key):
                _set(doc, "environmental_impact", "geographical_location", s[key], ref(key))
                break
        if isinstance(hw, Mapping):
            used = hw.get("gpu")
            if not used and hw.get("cpu"):
                cores = f", {hw['cpu_count']} cores" if hw.get("cpu_count") else ""
                used = f"CPU ({_short(hw['cpu'])}{cores})"
            if isinstance(used, Mapping):
                used = used.get("name") or _short(used)
            _set(doc, "environmental_impact", "hardware_used", used, ref("hardware"))

    _suggest(
        doc,
        "monitoring",
        "in_progress",
        "Training telemetry (loss, energy, CO₂) was recorded for this run; "
        "monitoring after release is not declared yet.",
        [ref()],
    )
    return doc


# -- fairness evaluations -----------------------------------------------------------------


def fill_from_evaluation(doc: CardDocument, art: Artifact, *, store: Store) -> CardDocument:
    c = art.content if isinstance(art.content, dict) else {}
    base = artifact_ref(art, store=store)

    def ref(key: str | None = None) -> RecordRef:
        return base.model_copy(update={"field": key})

    _add_source(doc, ref())
    if doc.kind == "model":
        overall = c.get("overall")
        overall_table = ""
        if isinstance(overall, Mapping) and overall:
            if not doc.get_field("quantitative_analyses", "metrics").value:
                _set(
                    doc,
                    "quantitative_analyses",
                    "metrics",
                    ", ".join(map(str, overall)),
                    ref("overall"),
                )
            overall_table = table(
                [[k, v] for k, v in overall.items()], ["metric", "overall (fairness evaluation)"]
            )
            # keep the run's own held-out results when the card has them
            if not doc.get_field("quantitative_analyses", "results").value:
                _set(doc, "quantitative_analyses", "results", overall_table, ref("overall"))
                overall_table = ""
        _set(
            doc,
            "quantitative_analyses",
            "fairness",
            "\n\n".join(x for x in (overall_table, by_group_table(c.get("by_group"))) if x),
            ref("by_group"),
        )
        parts = []
        disp = c.get("disparities")
        if isinstance(disp, Mapping) and disp:
            parts.append(disparity_table(disp))
        if c.get("final_bias_score") is not None:
            parts.append(f"Final bias score: {fmt_num(c['final_bias_score'])}")
        overall_auc = dig(c, "bias_auc_summary.overall_auc")
        if finite_number(overall_auc) is not None:
            parts.append(f"Overall ROC AUC: {fmt_num(overall_auc)}")
        if isinstance(c.get("bias_auc"), Mapping) and c["bias_auc"]:
            parts.append(
                "Bias AUCs (Borkan et al.):\n\n"
                + group_stats_table(
                    {"": c["bias_auc"]},
                    [
                        ("n", "rows"),
                        ("subgroup_auc", "subgroup AUC"),
                        ("bpsn_auc", "BPSN AUC"),
                        ("bnsp_auc", "BNSP AUC"),
                    ],
                    first="subgroup",
                )
            )
        _set(
            doc,
            "quantitative_analyses",
            "disparities",
            "\n\n".join(p for p in parts if p),
            ref("disparities"),
        )
        notes = bullets(list(c.get("findings") or []) + list(c.get("warnings") or []))
        _set(doc, "caveats_and_recommendations", "caveats", notes, ref("findings"))
    _suggest(
        doc,
        "bias_assessment",
        "complete",
        "Fairness metrics by group were computed (evaluation record).",
        [ref()],
    )
    return doc


# -- dataset audits and datasets ----------------------------------------------------------


def _representation(rep: Any) -> tuple[str, list[str]]:
    """Markdown table of group counts/shares, and groups under 5 % of rows."""
    if not isinstance(rep, Mapping):
        return "", []
    rows, rare = [], []
    for column, groups in rep.items():
        if not isinstance(groups, Mapping):
            continue
        for group, stats in groups.items():
            count = dig(stats, "count") if isinstance(stats, Mapping) else stats
            share = dig(stats, "share") if isinstance(stats, Mapping) else None
            rows.append(
                [column, group, fmt_num(count) if count is not None else "–", fmt_pct(share)]
            )
            flagged = stats.get("flagged") if isinstance(stats, Mapping) else None
            if flagged is True:  # the audit's own judgement (share vs its reference)
                reason = stats.get("reason")
                rare.append(
                    f"{column} = {group} ({fmt_pct(share)} of rows"
                    + (f"; {reason})" if reason else ")")
                )
            elif flagged is None and finite_number(share) is not None and float(share) < 0.05:
                rare.append(f"{column} = {group} ({fmt_pct(share)} of rows, under 5 %)")
    return table(rows, ["attribute", "group", "rows", "share"]), rare


def fill_from_audit(doc: CardDocument, art: Artifact, *, store: Store) -> CardDocument:
    c = art.content if isinstance(art.content, dict) else {}
    base = artifact_ref(art, store=store)

    def ref(key: str | None = None) -> RecordRef:
        return base.model_copy(update={"field": key})

    _add_source(doc, ref())
    rep_table, rare = _representation(c.get("representation"))
    pii = c.get("pii") if isinstance(c.get("pii"), Mapping) else {}
    pii_rows = finite_number(pii.get("rows_with_pii"))
    pii_counts = pii.get("counts_by_type")
    pii_text = ""
    if pii_rows is not None:
        rows_total = finite_number(c.get("rows"))
        share = f" ({pii_rows / rows_total:.1%} of rows)" if rows_total else ""
        pii_text = f"The audit's PII scan found PII in {fmt_num(pii_rows)} rows{share}."
        if pii.get("detector"):
            pii_text += f" Detector: {pii['detector']}."
        if isinstance(pii_counts, Mapping) and pii_counts:
            # Rows per type, with their total said next to the rows with any PII (a row can
            # hold several kinds), so the card's numbers add up like the audit page's.
            by_type = (
                pii.get("rows_by_type")
                if isinstance(pii.get("rows_by_type"), Mapping)
                else pii_counts
            )
            kinds = [(k, v) for k, v in by_type.items() if finite_number(v)]
            total = sum(int(v) for _, v in kinds)
            pii_text += (
                f" {fmt_num(total)} findings of {len(kinds)} types (each type counted once "
                "per row that holds it):\n\n"
                + table([[k, v] for k, v in kinds], ["PII type", "rows holding it"])
            )
    tox = c.get("toxicity") if isinstance(c.get("toxicity"), Mapping) else {}
    tox_text = ""
    if tox:
        lines = []
        if tox.get("backend"):
            lines.append(f"Scored by: {tox['backend']}")
        if tox.get("fallback_reason"):
            lines.append(str(tox["fallback_reason"]))
        if finite_number(tox.get("mean")) is not None:
            lines.append(f"Mean toxicity score: {fmt_num(tox['mean'])}")
        if finite_number(tox.get("share_above_threshold")) is not None:
            lines.append(f"Rows above the threshold: {fmt_pct(tox['share_above_threshold'])}")
        tox_text = "\n".join(f"- {x}" for x in lines)
        by_group = group_stats_table(
            tox.get("by_group"),
            [
                ("n", "rows"),
                ("mean", "mean score"),
                ("share_above_threshold", "share above threshold"),
            ],
        )
        if by_group:
            tox_text += "\n\n" + by_group
    dup = c.get("duplicates") if isinstance(c.get("duplicates"), Mapping) else {}
    dup_text = ""
    if dup:
        parts = []
        if dup.get("exact_rows") is not None:
            parts.append(f"{fmt_num(dup['exact_rows'])} exact duplicate rows")
        if dup.get("near_rows") is not None:
            parts.append(f"{fmt_num(dup['near_rows'])} near-duplicate rows")
        clusters = dup.get("clusters")
        if isinstance(clusters, list):
            parts.append(f"{len(clusters)} near-duplicate clusters")
        elif clusters is not None:
            parts.append(f"{fmt_num(clusters)} near-duplicate clusters")
        dup_text = "The audit found " + ", ".join(parts) + "." if parts else ""
    raw_findings = c.get("findings") if isinstance(c.get("findings"), list) else []
    findings = bullets(raw_findings, skip_ok=True)
    warnings = bullets(c.get("warnings") or [])
    # known biases: the audit's bias-type findings when they are tagged by check;
    # plain-sentence findings cannot be told apart, so the audit's warnings stand in
    # Audit checks whose findings describe a bias in the data (not a tool limitation):
    # the audit's registry says which.
    from backend.audit.registry import bias_checks  # noqa: PLC0415

    bias = bias_checks()
    bias_findings = [
        f
        for f in raw_findings
        if isinstance(f, Mapping)
        and f.get("check") in bias
        and f.get("severity") not in ("ok", "info")
    ]
    biases = bullets(bias_findings) if bias_findings else warnings
    if bias_findings and warnings:
        findings += "\n\nLimits of this audit:\n" + warnings

    if doc.kind == "model":
        _set(doc, "factors_and_training_data", "data_audit", findings, ref("findings"))
        if isinstance(c.get("representation"), Mapping):
            factors = ", ".join(str(k) for k in c["representation"])
            _set(
                doc,
                "factors_and_training_data",
                "relevant_factors",
                f"Sensitive attributes audited: {factors}." if factors else None,
                ref("representation"),
            )
        _set(doc, "ethical_considerations", "sensitive_data", pii_text, ref("pii"))
    else:
        _set(doc, "demographic_coverage", "representation", rep_table, ref("representation"))
        _set(
            doc,
            "demographic_coverage",
            "underrepresented",
            bullets(rare) if rare else None,
            ref("representation"),
        )
        _set(doc, "personal_and_sensitive_information", "pii_found", pii_text, ref("pii"))
        _set(doc, "known_biases", "toxicity", tox_text, ref("toxicity"))
        _set(doc, "known_biases", "audit_findings", findings, ref("findings"))
        _set(
            doc,
            "known_biases",
            "biases",
            biases,
            ref("findings" if bias_findings else "warnings"),
        )
        _set(doc, "construction_and_sources", "duplicates", dup_text, ref("duplicates"))
        if finite_number(c.get("label_rate")) is not None:
            _set(doc, "annotations", "label_rate", fmt_pct(c["label_rate"]), ref("label_rate"))
        elif isinstance(c.get("label_rate"), Mapping):  # per attribute and group
            _set(
                doc,
                "annotations",
                "label_rate",
                nested_table(
                    {
                        col: {g: fmt_pct(v) for g, v in groups.items()}
                        for col, groups in c["label_rate"].items()
                        if isinstance(groups, Mapping)
                    },
                    ["attribute", "group", "positive label rate"],
                ),
                ref("label_rate"),
            )
        if finite_number(c.get("rows")) is not None:
            _set(doc, "details", "size", fmt_num(c["rows"]), ref("rows"))

    if pii_rows is not None:
        if pii_rows == 0:
            _suggest(doc, "pii_removed", "complete", "The audit found no PII.", [ref("pii")])
        else:
            _suggest(
                doc,
                "pii_removed",
                "attention",
                f"The audit found PII in {fmt_num(pii_rows)} rows; record how it was removed "
                "or masked before training.",
                [ref("pii")],
            )
    if c.get("representation"):
        _suggest(
            doc,
            "bias_assessment",
            "in_progress",
            "Group representation was audited; fairness metrics by group are still needed.",
            [ref("representation")],
        )
    _suggest(
        doc,
        "compliance_audit",
        "in_progress" if (c.get("warnings") or c.get("findings")) else "complete",
        "The dataset audit ran"
        + ("; its findings still need a decision." if c.get("findings") else " with no findings."),
        [ref()],
    )
    return doc


def fill_from_dataset(doc: CardDocument, ds: Dataset) -> CardDocument:
    def ref(key: str | None = None) -> RecordRef:
        return dataset_ref(ds, field=key)

    _add_source(doc, ref())
    roles = ds.roles if isinstance(ds.roles, Mapping) else {}
    sensitive = roles.get("sensitive") or []
    synthetic_note = (
        "Yes: the rows were generated by a program; no real person wrote or is named in them."
        if ds.synthetic
        else "No"
    )
    where = public_location(ds.location) or ""
    source = f"{ds.source}: {where}" + (f" ({ds.format})" if ds.format else "")
    if doc.kind == "data":
        _set(doc, "details", "name", ds.name, ref("name"))
        _set(doc, "details", "summary", ds.description or None, ref("description"))
        _set(doc, "details", "size", fmt_num(ds.n_rows), ref("n_rows"))
        cols = ", ".join(str(c) for c in ds.columns or [])
        roles_text = kv_lines({k: v for k, v in roles.items() if v})
        _set(
            doc,
            "details",
            "columns",
            (f"Columns: {cols}\n\n" if cols else "") + roles_text,
            ref("roles"),
        )
        _set(doc, "construction_and_sources", "sources", source, ref("location"))
        _set(doc, "construction_and_sources", "synthetic", synthetic_note, ref("synthetic"))
        if roles.get("label"):
            meanings = roles.get("label_names") or {}
            text = f"Label column: {roles['label']}"
            if isinstance(meanings, Mapping) and meanings:
                text += "\n\n" + "\n".join(f"- {k}: {v}" for k, v in meanings.items())
            _set(doc, "annotations", "labels", text, ref("roles"))
        if sensitive:
            _set(
                doc,
                "personal_and_sensitive_information",
                "sensitive_attributes",
                ", ".join(map(str, sensitive)),
                ref("roles"),
            )
        _set(
            doc,
            "details",
            "task",
            "text-classification" if roles.get("label") else None,
            ref("roles"),
        )
    else:
        text = f"{ds.name} — {fmt_num(ds.n_rows)} rows from {source}."
        if ds.synthetic:
            text += " Synthetic data."
        _set(doc, "factors_and_training_data", "training_data", text, ref())
    if ds.synthetic:
        _suggest(
            doc,
            "consent",
            "not_applicable",
            "Synthetic data: no person's data was collected (confirm before release).",
            [ref("synthetic")],
        )
        _suggest(
            doc,
            "data_collection_lawful",
            "in_progress",
            "Synthetic data generated locally; confirm the generator's inputs are licensed.",
            [ref("source")],
        )
    return doc


def fill_dataset_version(
    doc: CardDocument, store: Store, ds: Dataset, run: Artifact | None
) -> CardDocument:
    """Pin the data the card speaks of: the version a run trained on, else the dataset's
    version now. Sign-offs record its rows' hash and ``card verify`` re-hashes the file."""
    from backend.dataset_versions import diff_summary, pin_quietly  # noqa: PLC0415

    pinned = run_summary(run)[0].get("dataset_version") if run is not None else None
    notes: list[str] = []
    pinned = pinned or pin_quietly(store, ds.id, reason="card", notes=notes)
    art = store.get_artifact(int(pinned["version_id"])) if pinned else None
    if art is None:
        return doc
    ref = dataset_version_ref(art)
    _add_source(doc, ref)
    c = art.content
    text = (
        f"v{c['version']}: {fmt_num(c['n_rows'])} rows, content hash {c['content_hash']} "
        f"({c.get('method', 'order-independent row hash')}); {diff_summary(c.get('diff'))}."
    )
    if doc.kind == "data":
        _set(doc, "details", "version", text, ref)
    else:
        _append(doc, "factors_and_training_data", "training_data", f"Dataset {text}", ref)
    return doc


# -- guardrail red-team results, identity-term probes and mitigations ---------------------


def fill_from_redteam(doc: CardDocument, art: Artifact, *, store: Store) -> CardDocument:
    """A saved red-team result: the guardrail in front of the model and how well it caught
    the suite's attacks (the "Safety mechanisms" checklist item)."""
    c = art.content if isinstance(art.content, dict) else {}
    base = artifact_ref(art, store=store)
    _add_source(doc, base)
    policy = c.get("policy") if isinstance(c.get("policy"), Mapping) else {}
    catch, fpr = (
        finite_number(policy.get("catch_rate")),
        finite_number(policy.get("false_positive_rate")),
    )
    suite = c.get("suite") or "the red-team suite"
    parts = []
    if catch is not None:
        parts.append(
            f"caught {fmt_pct(catch)} of {fmt_num(policy.get('n_attacks'))} attack prompts"
        )
    if fpr is not None:
        parts.append(f"flagged {fmt_pct(fpr)} of {fmt_num(policy.get('n_benign'))} benign prompts")
    measured = f"Guardrail red-team on {suite} (measured): " + ", ".join(parts) + "."
    rows = [
        [
            r.get("scanner", ""),
            fmt_pct(r.get("catch_rate")),
            fmt_pct(r.get("false_positive_rate")),
            "–" if finite_number(r.get("roc_auc")) is None else f"{float(r['roc_auc']):.3f}",
        ]
        for r in c.get("scanners") or []
        if isinstance(r, Mapping)
    ]
    detail = table(rows, ["scanner", "catch rate", "false-positive rate", "ROC AUC"])
    text = "\n\n".join(x for x in (measured if parts else "", detail) if x)
    section, key = (
        ("ethical_considerations", "mitigations")
        if doc.kind == "model"
        else ("potential_harms_and_mitigations", "mitigations")
    )
    _append(doc, section, key, text, base.model_copy(update={"field": "policy"}))
    complete = catch is not None
    _suggest(
        doc,
        "safety_mechanisms",
        "complete" if complete else "in_progress",
        (f"A guardrail sits in front of the model; {measured[0].lower()}{measured[1:]}")
        if complete
        else "A red-team result is cited; it holds no catch rate.",
        [base],
    )
    return doc


def fill_from_probes(doc: CardDocument, art: Artifact, *, store: Store) -> CardDocument:
    """Identity-term probe results: how the scorer treats sentences that differ only in
    the identity term they name (bias assessment)."""
    c = art.content if isinstance(art.content, dict) else {}
    base = artifact_ref(art, store=store)
    _add_source(doc, base)
    overall = c.get("overall") if isinstance(c.get("overall"), Mapping) else {}
    lines = [f"Identity-term probes ({fmt_num(c.get('n_probes'))} sentences, measured)"]
    if c.get("scorer"):
        lines[0] += f", scored by {c['scorer']}"
    lines[0] += ":"
    if finite_number(overall.get("flagged_nontoxic")) is not None:
        lines.append(f"- non-toxic probes flagged: {fmt_pct(overall['flagged_nontoxic'])}")
    if finite_number(overall.get("missed_toxic")) is not None:
        lines.append(f"- toxic probes missed: {fmt_pct(overall['missed_toxic'])}")
    findings = bullets(c.get("findings") or [])
    text = "\n".join(lines) + (f"\n\n{findings}" if findings else "")
    if doc.kind == "model":
        _append(doc, "quantitative_analyses", "disparities", text, base)
    else:
        _append(doc, "known_biases", "biases", text, base)
    _suggest(
        doc,
        "bias_assessment",
        "in_progress",
        "Identity-term probes were scored; fairness metrics by group complete the assessment.",
        [base],
    )
    return doc


def fill_from_mitigation(doc: CardDocument, art: Artifact, *, store: Store) -> CardDocument:
    """A mitigation result: each method's gaps and accuracy on the held-out half, said
    plainly when a method made a gap worse."""
    from backend.fairness.mitigation import mitigation_verdicts  # noqa: PLC0415

    c = art.content if isinstance(art.content, dict) else {}
    base = artifact_ref(art, store=store)
    _add_source(doc, base)
    variants = c.get("variants") if isinstance(c.get("variants"), Mapping) else {}
    rows = [
        [
            name,
            "–" if finite_number(v.get("accuracy")) is None else f"{float(v['accuracy']):.3f}",
            "–"
            if finite_number(v.get("demographic_parity")) is None
            else f"{v['demographic_parity']:.3f}",
            "–" if finite_number(v.get("equalized_odds")) is None else f"{v['equalized_odds']:.3f}",
        ]
        for name, v in variants.items()
        if isinstance(v, Mapping)
    ]
    head = (
        f"Mitigation for {c.get('constraint_label') or c.get('constraint', '')} on "
        f"'{c.get('column', '')}' (measured on {fmt_num(c.get('n_holdout'))} held-out rows):"
    )
    verdicts = bullets(mitigation_verdicts(c))
    text = "\n\n".join(
        x
        for x in (
            head,
            table(rows, ["method", "accuracy", "demographic parity gap", "equalized odds gap"]),
            verdicts,
        )
        if x
    )
    section = "ethical_considerations" if doc.kind == "model" else "potential_harms_and_mitigations"
    _append(doc, section, "mitigations", text, base)
    _suggest(
        doc,
        "bias_assessment",
        "in_progress",
        "A mitigation was measured against the flagged disparity; record which model ships.",
        [base],
    )
    return doc


def fill_from_privacy(doc: CardDocument, art: Artifact, *, store: Store) -> CardDocument:
    """A run's privacy audit (membership attack with its CI, canary exposure) is the
    model card's privacy evidence; it replaces the run's ε-only sentence."""
    from backend.privacy.report import card_text  # noqa: PLC0415

    base = artifact_ref(art, store=store)
    _add_source(doc, base)
    if doc.kind == "model":
        c = art.content if isinstance(art.content, dict) else {}
        fld = doc.get_field("ethical_considerations", "privacy")
        if not fld.edited:
            _set(doc, "ethical_considerations", "privacy", card_text(c, label=base.label), base)
    return doc


#: What a card does with each kind of cited evidence record.
EVIDENCE_FILLERS = {
    "redteam": fill_from_redteam,
    "probes": fill_from_probes,
    "mitigation": fill_from_mitigation,
    "privacy": fill_from_privacy,
}


def _append(doc: CardDocument, section: str, key: str, text: str, ref: RecordRef) -> None:
    """Add ``text`` below what the field already holds (a person's value is kept)."""
    fld = doc.get_field(section, key)
    if not text.strip():
        return
    if fld.value.strip() and (fld.edited or fld.source is None or fld.source.key != ref.key):
        if text not in fld.value:
            fld.value = fld.value.rstrip() + "\n\n" + text
        return
    _set(doc, section, key, text, ref)


# -- entry point ----------------------------------------------------------------------------


# -- alerts -------------------------------------------------------------------------------


def fill_monitoring_from_alerts(
    doc: CardDocument,
    store: Store,
    *,
    run: Artifact | None = None,
    audit: Artifact | None = None,
    evaluation: Artifact | None = None,
) -> CardDocument:
    """The monitoring checklist item lists the alerts the cited records raised.

    An audit's alerts may hang on an earlier audit of the same data (the same condition
    is raised once), so every audit of the dataset counts. Open alerts keep the item
    "in progress" with a note saying so; a person's own status is never overwritten.
    """
    wanted: list[tuple[str, list[int]]] = []
    if run is not None and run.job_id is not None:
        wanted.append(("run", [run.job_id]))
    if audit is not None:
        ids = [audit.id]
        if audit.dataset_id is not None:
            ids = [a.id for a in store.list_artifacts("audit") if a.dataset_id == audit.dataset_id]
        wanted.append(("audit", ids))
    if evaluation is not None:
        wanted.append(("evaluation", [evaluation.id]))
    alerts = [a for kind, ids in wanted for a in store.alerts_for(kind, ids)]
    if not alerts:
        return doc
    open_ = [a for a in alerts if a.status == "open"]
    lines = []
    for a in alerts[:12]:
        last = store.alert_events(a.id)[-1]
        who = f" by {last.actor}" if a.status != "open" and last.actor else ""
        note = f": {last.note}" if a.status != "open" and last.note else ""
        lines.append(f"- #{a.id} [{a.severity}, {a.status}{who}] {a.message}{note}")
    if len(alerts) > 12:
        lines.append(f"- … and {len(alerts) - 12} more (Alerts & incidents page)")
    head = f"{len(alerts)} alert(s) raised by the cited records, {len(open_)} still open" + (
        ": resolve or acknowledge them before sign-off." if open_ else "."
    )
    item: ChecklistItem = doc.checklist_item("monitoring")
    if item.status == "not_started" or item.auto:
        item.status = "in_progress"  # type: ignore[assignment]
        item.notes = "\n".join(x for x in (item.notes, head, *lines) if x)
        item.auto = True
    return doc


def build_card(
    store: Store,
    kind: str,
    *,
    run: Artifact | None = None,
    audit: Artifact | None = None,
    evaluation: Artifact | None = None,
    dataset: Dataset | None = None,
    evidence: Sequence[Artifact] = (),
    title: str = "",
) -> CardDocument:
    """A new card of ``kind`` auto-filled from the given records.

    ``evidence`` holds saved red-team, probe and mitigation results; each fills its
    fields and checklist item (see :data:`EVIDENCE_FILLERS`).

    The dataset defaults to the run's ``dataset_id`` or the audit's dataset; a model card
    built from a run also picks up the newest audit of the run's dataset when no audit is
    given (recorded as a source like any other).
    """
    doc = CardDocument.new(kind, title)  # type: ignore[arg-type]
    if dataset is None and run is not None:
        s, _ = run_summary(run)
        ds_id = s.get("dataset_id")
        if isinstance(ds_id, int) or (isinstance(ds_id, str) and ds_id.isdigit()):
            dataset = store.get_dataset(int(ds_id))
    if dataset is None and audit is not None and audit.dataset_id:
        dataset = store.get_dataset(audit.dataset_id)
    if audit is None and dataset is not None and kind == "model" and run is not None:
        audit = latest_audit_for_dataset(store, dataset.id)
    if kind == "model" and run is not None and run.job_id is not None:
        other = [a for a in evidence if a.kind == "privacy" and a.job_id != run.job_id]
        if other:
            raise StewardError(
                f"{store.display_name(other[0])} is about another run than "
                f"{store.display_name(run)}: a card cites its own run's privacy audit."
            )
        privacy = privacy_audit_for_run(store, run.job_id)  # the run's own privacy audit
        if privacy is not None and privacy.id not in {a.id for a in evidence}:
            evidence = [*evidence, privacy]

    if dataset is not None:
        fill_from_dataset(doc, dataset)
    if audit is not None:
        fill_from_audit(doc, audit, store=store)
    if run is not None:
        fill_from_run(doc, run, store=store, dataset=dataset)
    if dataset is not None:  # after the run: the model card's training data names it
        fill_dataset_version(doc, store, dataset, run)
    if evaluation is not None:
        fill_from_evaluation(doc, evaluation, store=store)
    for art in evidence:
        filler = EVIDENCE_FILLERS.get(art.kind)
        if filler is None:
            raise StewardError(f"A {art.kind} record cannot be cited as card evidence.")
        filler(doc, art, store=store)
    fill_monitoring_from_alerts(doc, store, run=run, audit=audit, evaluation=evaluation)

    if not title:
        if kind == "model":
            name = doc.get_field("model_details", "name").value
            doc.title = name or (f"Model card for {store.display_name(run)}" if run else doc.title)
        elif dataset is not None:
            doc.title = f"Data card: {dataset.name}"
    return doc
