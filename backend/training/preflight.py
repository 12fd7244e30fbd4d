"""Checks run before a fine-tune starts, so bad input fails in seconds, not mid-run.

:func:`preflight` reads the data and the model's configuration (no weights), builds the
architecture on PyTorch's ``meta`` device (no memory, no time) and checks LoRA target
modules and Opacus compatibility on it. The page calls it before submitting a run; the
worker calls it again before loading weights.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from backend.errors import ConfigError
from backend.training.config import TrainConfig
from backend.training.data import PreparedData, prepare_data
from backend.training.distributed import rank_info
from backend.training.models import (
    FAN_IN_FAN_OUT,
    ResolvedModel,
    build_skeleton,
    check_lora_targets,
    lora_targets,
    resolve_model,
)
from backend.training.reweighting import SampleWeights, sample_weights_for


@dataclass
class Plan:
    """What a run will do, known before any weight is loaded."""

    config: TrainConfig
    data: PreparedData
    model: ResolvedModel
    lora_targets: list[str] = field(default_factory=list)
    weights: SampleWeights | None = None
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        c = self.config
        return {
            "model": self.model.display,
            "model_type": self.model.model_type,
            "task": c.task,
            "dataset": self.data.dataset_name,
            "train_rows": len(self.data.train),
            "eval_rows": len(self.data.eval),
            "split": self.data.split_source,
            "labels": [str(v) for v in self.data.label_values],
            "lora_targets": self.lora_targets,
            "reweighting": self.weights.summary() if self.weights else None,
            "warnings": self.warnings,
        }


#: Under this, a LoRA run is warned that it will barely move (measured on the demo data:
#: 5e-5 for 19 steps gives ROC AUC 0.41, 3e-3 gives 0.90).
LORA_MIN_USEFUL_LR = 5e-4


#: DP-SGD across ranks needs Opacus' distributed path (DPDDP: per-rank Poisson sampling,
#: noise added once for the summed clipped gradients, one accountant); Steward's DDP loop
#: does not implement it, so an epsilon it printed would not be the run's.
DP_ONE_PROCESS = (
    "Differential privacy (DP-SGD) trains in one process only, not {processes}: Steward "
    "does not add DP-SGD's noise and privacy accounting across processes, so epsilon would "
    "be wrong. Set processes to 1 (launch one process), or turn DP off."
)


def preflight(config: TrainConfig, store) -> Plan:
    """Validate ``config`` against its data and model; raise ConfigError/DatasetError."""
    warnings: list[str] = []
    if config.dp.enabled and config.reweighting.mode == "balanced_sampling":
        raise ConfigError(
            "Balanced sampling cannot be combined with differential privacy: DP-SGD draws "
            "batches by Poisson sampling for its privacy guarantee. Use reweighting mode "
            "'inverse_frequency' instead."
        )
    # The form's processes, or the ranks of a launch typed by hand (torchrun -m worker).
    processes = max(config.processes, rank_info().world_size)
    if config.dp.enabled and processes > 1:
        raise ConfigError(DP_ONE_PROCESS.format(processes=processes))
    data = prepare_data(config, store)
    if len(data.train) < processes * config.batch_size:
        raise ConfigError(
            f"{len(data.train)} training rows cannot give each of {processes} "
            f"processes a batch of {config.batch_size}: use fewer processes or a smaller batch."
        )
    model = resolve_model(config.model)
    if (
        config.task == "classification"
        and model.architectures
        and not any(
            a.endswith(("Model", "ForSequenceClassification", "ForMaskedLM", "ForPreTraining"))
            for a in model.architectures
        )
    ):
        warnings.append(
            f"'{model.display}' was trained as {', '.join(model.architectures)}; a new "
            "classification head is trained from scratch."
        )
    skeleton = build_skeleton(model, config.task, data.label_values)
    targets: list[str] = []
    if config.lora.enabled:
        targets = lora_targets(model, config.lora.target_modules)
        check_lora_targets(skeleton, targets)
    if config.dp.enabled:
        _check_dp(skeleton, model, config, targets)
    weights = None
    rw = config.reweighting
    if rw.active:
        content = None
        if rw.mode == "artifact":
            if rw.artifact_id is None:
                raise ConfigError("Reweighting mode 'artifact' needs reweighting.artifact_id.")
            art = store.get_artifact(rw.artifact_id)
            if art is None or art.kind != "reweighting":
                raise ConfigError(
                    f"Artifact #{rw.artifact_id} is not a reweighting artifact "
                    "(save group weights from the Fairness page first)."
                )
            content = art.content
        weights = sample_weights_for(
            data.train,
            column=rw.column,
            mode=rw.mode,
            label_col=data.label_column,
            by_label=rw.by_label,
            artifact_content=content,
            artifact_id=rw.artifact_id,
        )
        if weights.missing_groups:
            warnings.append(
                "Groups without a weight in the artifact get weight 1: "
                + ", ".join(weights.missing_groups[:10])
            )
    if config.fp16 or config.gradient_checkpointing:
        import torch

        if not torch.cuda.is_available():
            warnings.append(
                "Mixed precision and gradient checkpointing are GPU-only; this run is on CPU "
                "and ignores them."
            )
    if config.lora.enabled and config.learning_rate < LORA_MIN_USEFUL_LR:
        warnings.append(
            f"Learning rate {config.learning_rate:g} is low for LoRA: the small adapters "
            "usually need 1e-3 to 3e-3 (the demo run uses 3e-3); at full fine-tuning rates "
            "a short LoRA run learns almost nothing."
        )
    if config.processes > 1:
        import torch

        gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if gpus and config.processes > gpus:
            warnings.append(f"{config.processes} processes but {gpus} GPU(s): ranks share GPUs.")
        elif not gpus and config.processes > (os.cpu_count() or 1):
            warnings.append(
                f"{config.processes} processes on {os.cpu_count()} CPU cores: the ranks "
                "compete for cores and the run is slower than with fewer processes."
            )
    warnings.extend(data.notes)
    return Plan(config, data, model, targets, weights, warnings)


def _check_dp(skeleton, model: ResolvedModel, config: TrainConfig, targets: list[str]) -> None:
    """Opacus must be able to compute per-example gradients of every trainable layer."""
    from opacus.validators import ModuleValidator

    module = skeleton
    if config.lora.enabled:
        from peft import LoraConfig, get_peft_model

        module = get_peft_model(
            skeleton,
            LoraConfig(
                r=config.lora.r,
                lora_alpha=config.lora.alpha,
                target_modules=targets,
                fan_in_fan_out=model.model_type in FAN_IN_FAN_OUT,
                task_type="SEQ_CLS" if config.task == "classification" else "CAUSAL_LM",
            ),
        )
    errors = ModuleValidator.validate(module, strict=False)
    layers = [type(e).__name__ + ": " + str(e).split(".")[0] for e in errors]
    # Opacus also refuses trainable layers that keep buffers (e.g. quantised embeddings);
    # its own check calls repr() on tensors, impossible on the meta device, so mirror it.
    for name, sub in module.named_modules():
        trainable = any(p.requires_grad for p in sub.parameters(recurse=False))
        if trainable and any(True for _ in sub.buffers()):
            layers.append(f"{name} ({type(sub).__name__}, trainable with buffers)")
    if layers:
        more = f" and {len(layers) - 3} more" if len(layers) > 3 else ""
        detail = ", ".join(layers[:3]) + more
        raise ConfigError(
            "Differential privacy (Opacus) does not support some trainable layers of this "
            f"model: {detail}. Use LoRA (only adapters are trained) or another model."
        )
