"""The "start a fine-tune" form and the hardware notice of the Fine-tune monitor."""

from __future__ import annotations

import streamlit as st

from backend.errors import StewardError
from backend.telemetry.nvml import probe_nvml
from backend.telemetry.sampler import no_gpu_message

EMBEDDED = "Embedded all-MiniLM-L6-v2 (offline)"
OTHER = "Hugging Face id or local folder"
RW_MODES = {
    "none": "No reweighting",
    "inverse_frequency": "Reweight the loss by inverse group frequency",
    "balanced_sampling": "Balanced sampling (draw groups equally often)",
    "artifact": "Weights saved from the Fairness page",
}


@st.cache_resource(show_spinner=False)
def _nvml_status():
    return probe_nvml()


def hardware_notice() -> None:
    status = _nvml_status()
    if status.available:
        names = ", ".join(f"#{d.index} {d.name}" for d in status.devices)
        st.caption(f":material/memory: NVIDIA GPU measured through NVML: {names}.")
    else:
        st.info(no_gpu_message(status.reason), icon=":material/developer_board_off:")


def _parse_targets(text: str) -> list[str] | None:
    items = [t.strip() for t in text.replace(";", ",").split(",") if t.strip()]
    return items or None


def run_form(store, manager, settings) -> int | None:
    """Draw the form; on submit validate everything, then start the worker.

    Returns the new job id, or None (nothing submitted, or a validation error shown).
    """
    datasets = store.list_datasets()
    if not datasets:
        st.warning("No dataset in the workspace yet.")
        if st.button("Create the demo workspace", key="ft_demo"):
            from backend.datasets import ensure_demo_workspace

            ensure_demo_workspace(store, settings)
            st.rerun()
        return None
    by_id = {d.id: d for d in datasets}
    ds_id = st.selectbox(
        "Dataset",
        list(by_id),
        format_func=lambda i: f"#{i} {by_id[i].name} ({by_id[i].n_rows:,} rows)",
        key="ft_dataset",
    )
    ds = by_id[ds_id]
    columns = [str(c) for c in ds.columns]
    roles = ds.roles or {}
    artifacts = store.list_artifacts("reweighting")

    for key, value in FORM_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.button(
        "Fill in the demo story's settings",
        icon=":material/auto_fix_high:",
        key="ft_use_demo",
        on_click=_fill_demo_settings,
        args=(ds_id, columns, roles),
        help="LoRA at learning rate 0.003 with balanced sampling of the label on a few hundred "
        "rows: the short run of the guided demo, which learns (see docs/training.md).",
    )
    if st.session_state.pop("ft_demo_filled", None) is not None:
        st.caption(
            ":material/check: Filled in the demo story's settings below (LoRA, learning rate, "
            "balanced label sampling, rows). Check them and press **Check and start**."
        )
    # Enter in a number field must not launch a run: only the button submits.
    with st.form("ft_form", enter_to_submit=False):
        c1, c2 = st.columns([2, 3])
        model_choice = c1.radio("Model", [EMBEDDED, OTHER], key="ft_model_choice")
        model_text = c2.text_input(
            "Hugging Face id or local folder",
            placeholder="e.g. distilbert-base-uncased or /models/my-bert",
            help="Used when 'Hugging Face id or local folder' is chosen. Offline, the id must "
            "already be in the local Hugging Face cache.",
            key="ft_model_text",
        )
        task = c1.radio(
            "Task",
            ["classification", "causal_lm"],
            format_func=lambda t: (
                "Sequence classification" if t == "classification" else "Causal LM"
            ),
            horizontal=True,
            key="ft_task",
        )
        c3, c4, c5 = st.columns(3)
        text_col = c3.selectbox(
            "Text column", columns, index=_index(columns, roles.get("text")), key="ft_text"
        )
        label_col = c4.selectbox(
            "Label column",
            columns,
            index=_index(columns, roles.get("label")),
            key="ft_label",
            help="Ignored for causal LM.",
        )
        sensitive = c5.multiselect(
            "Sensitive columns (kept in predictions)",
            columns,
            default=[c for c in roles.get("sensitive", []) if c in columns],
            key="ft_sensitive",
        )

        st.markdown("**Training**")
        t1, t2, t3, t4 = st.columns(4)
        epochs = t1.number_input("Epochs", 1, 100, key="ft_epochs")
        lr = t2.number_input(
            "Learning rate",
            1e-6,
            1e-1,
            format="%.6f",
            step=1e-5,
            key="ft_lr",
            help="Full fine-tuning: 2e-5 to 1e-4. LoRA trains small adapters and needs a much "
            "higher rate, usually 1e-3 to 3e-3: at 5e-5 a short LoRA run learns almost nothing.",
        )
        batch = t3.number_input("Batch size", 1, 512, key="ft_batch")
        max_len = t4.number_input("Max length (tokens)", 8, 2048, key="ft_maxlen")
        t5, t6, t7, t8 = st.columns(4)
        seed = t5.number_input("Seed", 0, 2**31 - 1, key="ft_seed")
        max_train = t6.number_input("Training rows (0 = all)", 0, 10_000_000, key="ft_max_train")
        max_eval = t7.number_input("Eval rows (0 = all)", 0, 10_000_000, key="ft_max_eval")
        run_name = t8.text_input("Run name", placeholder="optional", key="ft_name")

        o1, o2, o3 = st.columns(3)
        with o1:
            st.markdown("**LoRA** (peft)")
            lora_on = st.checkbox("Use LoRA", key="ft_lora")
            lora_r = st.number_input("Rank r", 1, 256, key="ft_lora_r")
            lora_alpha = st.number_input("Alpha", 1, 512, key="ft_lora_alpha")
            lora_targets = st.text_input(
                "Target modules",
                placeholder="default for the architecture",
                help="Comma-separated layer names, e.g. query, value (BERT), c_attn (GPT-2), "
                "q_proj, v_proj (Llama).",
                key="ft_lora_targets",
            )
        with o2:
            st.markdown("**Differential privacy** (Opacus DP-SGD)")
            dp_on = st.checkbox("Train with DP-SGD", key="ft_dp")
            noise = st.number_input("Noise multiplier", 0.1, 20.0, key="ft_dp_noise")
            clip = st.number_input("Max grad norm", 0.01, 100.0, key="ft_dp_clip")
            delta = st.number_input(
                "δ (0 = 1 / (10 × rows))", 0.0, 0.1, format="%.2e", key="ft_dp_delta"
            )
        with o3:
            st.markdown("**Group reweighting**")
            rw_mode = st.selectbox(
                "Mode", list(RW_MODES), format_func=RW_MODES.get, key="ft_rw_mode"
            )
            if st.session_state.get("ft_rw_col") not in columns:
                st.session_state["ft_rw_col"] = columns[
                    _index(columns, (roles.get("sensitive") or [None])[0])
                ]
            rw_col = st.selectbox(
                "Column to balance",
                columns,
                key="ft_rw_col",
                help="A sensitive column balances groups; the label column balances classes "
                "(the demo story balances toxic and non-toxic comments).",
            )
            rw_by_label = st.checkbox(
                "Balance group × label cells",
                help="Kamiran & Calders reweighing: counters label bias, not only rarity.",
                key="ft_rw_label",
            )
            rw_art = st.selectbox(
                "Weights artifact",
                [a.id for a in artifacts] or [None],
                format_func=lambda i: (
                    "none saved yet"
                    if i is None
                    else f"#{i} {next(a.name for a in artifacts if a.id == i)}"
                ),
                key="ft_rw_art",
            )

        g1, g2, g3 = st.columns(3)
        fp16 = g1.checkbox("Mixed precision (GPU only)", key="ft_fp16")
        gc = g1.checkbox("Gradient checkpointing (GPU only)", key="ft_gc")
        grid = g2.number_input(
            "Grid carbon intensity g/kWh (0 = country average)",
            0.0,
            2000.0,
            key="ft_grid",
            help=f"Default: codecarbon's yearly average for {settings.country_iso_code}.",
        )
        grid_source = g3.text_input(
            "Source of that intensity",
            placeholder="e.g. electricityMaps, 2025-11",
            key="ft_grid_src",
        )
        procs = g1.number_input(
            "Processes (DDP ranks on this machine)",
            1,
            64,
            key="ft_procs",
            help="More than 1 launches the run with PyTorch's torchrun: one process per GPU, "
            "or a few on CPU (gloo). It is still one run: rank 0 reports loss and evaluation, "
            "energy is summed over the processes. DP-SGD trains in one process only. "
            "For several machines see docs/training.md.",
        )
        submitted = st.form_submit_button(
            "Check and start", type="primary", icon=":material/play_arrow:"
        )

    if not submitted:
        return None
    raw = {
        "run_name": run_name,
        "task": task,
        "model": "default" if model_choice == EMBEDDED else model_text.strip(),
        "dataset_id": ds_id,
        "text_column": text_col,
        "label_column": label_col if task == "classification" else None,
        "sensitive_columns": sensitive,
        "epochs": int(epochs),
        "learning_rate": float(lr),
        "batch_size": int(batch),
        "max_length": int(max_len),
        "seed": int(seed),
        "max_train_samples": int(max_train) or None,
        "max_eval_samples": int(max_eval) or None,
        "fp16": fp16,
        "gradient_checkpointing": gc,
        "processes": int(procs),
        "lora": {
            "enabled": lora_on,
            "r": int(lora_r),
            "alpha": float(lora_alpha),
            "target_modules": _parse_targets(lora_targets),
        },
        "dp": {
            "enabled": dp_on,
            "noise_multiplier": float(noise),
            "max_grad_norm": float(clip),
            "delta": float(delta) or None,
        },
        "reweighting": {
            "mode": rw_mode,
            "column": rw_col if rw_mode != "none" else None,
            "by_label": rw_by_label,
            "artifact_id": rw_art if rw_mode == "artifact" else None,
        },
        "telemetry": {
            "grid_intensity_g_per_kwh": float(grid) or None,
            "grid_intensity_source": grid_source or None,
        },
    }
    if model_choice == OTHER and not model_text.strip():
        st.error("Enter a Hugging Face model id or a local folder, or choose the embedded model.")
        return None
    return start_run(store, manager, settings, raw)


def start_run(store, manager, settings, raw: dict) -> int | None:
    """Validate ``raw`` (config dict) and start it; show any problem as st.error."""
    from backend.training.config import parse_config
    from backend.training.launch import submit_training
    from backend.training.preflight import preflight

    try:
        config = parse_config(raw)
        with st.spinner("Checking the model, the data and the options…"):
            plan = preflight(config, store)
    except StewardError as exc:
        st.error(f"Cannot start this run: {exc}", icon=":material/error:")
        return None
    job_id = submit_training(manager, config, settings)
    d = plan.describe()
    notes = " ".join(plan.warnings)
    st.session_state["ft_started_notes"] = (
        f"Started {store.display_name(store.get_job(job_id))}: {d['model']} on "
        f"{d['train_rows']:,} training and "
        f"{d['eval_rows']:,} eval rows (split: {d['split']}). {notes}"
    )
    return job_id


#: The form's starting values (full fine-tune at a full fine-tuning rate); kept in
#: session state so "Fill in the demo story's settings" can change them.
FORM_DEFAULTS: dict[str, object] = {
    "ft_epochs": 1,
    "ft_lr": 5e-5,
    "ft_batch": 16,
    "ft_maxlen": 64,
    "ft_seed": 42,
    "ft_max_train": 0,
    "ft_max_eval": 0,
    "ft_lora_r": 8,
    "ft_lora_alpha": 16,
    "ft_dp_noise": 1.0,
    "ft_dp_clip": 1.0,
    "ft_dp_delta": 0.0,
    "ft_grid": 0.0,
    "ft_procs": 1,
}


def _fill_demo_settings(ds_id: int, columns: list[str], roles: dict) -> None:
    """Set the form's widgets to the demo story's fine-tune (configs/demo.yaml)."""
    from backend.demo_story import demo_train_config

    cfg = demo_train_config()
    ss = st.session_state
    ss["ft_model_choice"] = EMBEDDED
    ss["ft_task"] = cfg.task
    ss["ft_epochs"] = cfg.epochs
    ss["ft_lr"] = cfg.learning_rate
    ss["ft_batch"] = cfg.batch_size
    ss["ft_maxlen"] = cfg.max_length
    ss["ft_seed"] = cfg.seed
    ss["ft_max_train"] = cfg.max_train_samples or 0
    ss["ft_max_eval"] = cfg.max_eval_samples or 0
    ss["ft_name"] = cfg.run_name
    ss["ft_lora"] = cfg.lora.enabled
    ss["ft_lora_r"] = cfg.lora.r
    ss["ft_lora_alpha"] = int(cfg.lora.alpha)
    ss["ft_lora_targets"] = ", ".join(cfg.lora.target_modules or [])
    ss["ft_dp"] = cfg.dp.enabled
    ss["ft_rw_mode"] = cfg.reweighting.mode
    # The demo balances the label column; on another dataset, that dataset's label.
    label = roles.get("label") if roles.get("label") in columns else None
    if cfg.reweighting.column in columns:
        ss["ft_rw_col"] = cfg.reweighting.column
    elif label:
        ss["ft_rw_col"] = label
    ss["ft_rw_label"] = cfg.reweighting.by_label
    ss["ft_demo_filled"] = ds_id


def _index(options: list[str], value) -> int:
    return options.index(value) if value in options else 0
