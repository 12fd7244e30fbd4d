"""Steward's fine-tune loop: sequence classification or causal LM, LoRA, DP-SGD, reweighting.

An own loop rather than ``transformers.Trainer`` because Opacus replaces the data loader
(Poisson sampling, variable and sometimes empty batches) and the optimizer, which the
Trainer does not accommodate. Everything is reported through :class:`RunReporter`, the
same object behind :class:`~backend.training.callback.StewardCallback`, so runs from
this loop and from users' Trainer scripts look the same in the dashboard.

Launched on several processes (``config.processes`` > 1 from the dashboard, or
``torchrun``/``accelerate launch`` by hand), the loop is plain PyTorch DDP: each rank
trains on its shard of the data, rank 0 evaluates and saves, and the run is reported as
one (see :mod:`backend.training.distributed`).
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from backend.dataset_versions import pin_quietly
from backend.errors import JobCancelled
from backend.privacy.audit import plant_canaries
from backend.store import Store
from backend.telemetry import resolve_grid_intensity
from backend.training.config import TrainConfig
from backend.training.distributed import RankInfo, ensure_process_group, rank_info
from backend.training.models import FAN_IN_FAN_OUT, load_model, load_tokenizer
from backend.training.preflight import Plan, preflight
from backend.training.reporter import RunReporter
from backend.training.sanity import check_run, majority_baseline

log = logging.getLogger(__name__)


def run_training(
    config: TrainConfig,
    store: Store,
    *,
    job_id: int | None = None,
    plan: Plan | None = None,
    reporter: RunReporter | None = None,
) -> dict[str, Any]:
    """Run one fine-tune and return its summary (also saved as a ``run`` artifact).

    Raises :class:`~backend.errors.StewardError` for bad input and
    :class:`~backend.errors.JobCancelled` when the run is cancelled (the job is then
    already marked ``cancelled``).
    """
    from backend.config import get_settings

    settings = get_settings()
    t_start = time.monotonic()
    rank = reporter.rank if reporter is not None else rank_info()
    ensure_process_group(rank)
    plan = plan or preflight(config, store)
    tel = config.telemetry
    grid = resolve_grid_intensity(
        tel.grid_intensity_g_per_kwh,
        tel.grid_intensity_source,
        tel.country_iso_code or settings.country_iso_code,
    )
    reporter = reporter or RunReporter(
        store,
        job_id=job_id,
        run_name=config.display_name(),
        params=config.model_dump(),
        telemetry=tel.enabled,
        interval_s=tel.interval_s,
        country_iso_code=tel.country_iso_code,
        grid=grid,
        rank=rank,
    )
    try:
        summary = _train(config, plan, reporter, settings, t_start)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            _stop_quietly(reporter)
            raise
        # Several ranks: a collective can fail because a peer stopped on a cancel.
        cancelled = (
            isinstance(exc, JobCancelled) if not rank.distributed else (reporter.user_cancelled())
        )
        _stop_quietly(reporter)
        if cancelled:
            reporter.finish(_partial_summary(config, plan, reporter), status="cancelled")
        else:
            error = f"{type(exc).__name__}: {exc}" if not _is_user_error(exc) else str(exc)
            if (
                rank.distributed
                and rank.primary
                and (reporter.missing_peers or isinstance(exc, JobCancelled))
            ):
                # Stopped by the launcher or by a dead peer: name the rank that died.
                error = reporter.describe_stopped_peers(reporter.missing_peers)
            elif isinstance(exc, JobCancelled):
                error = "stopped by its launcher (another rank ended)"
            reporter.finish(
                _partial_summary(config, plan, reporter),
                status="failed"
                if rank.primary or not isinstance(exc, JobCancelled)
                else "cancelled",
                error=error,
            )
        raise
    reporter.finish(summary)
    _leave_process_group(rank)
    return summary


def _leave_process_group(rank: RankInfo) -> None:
    if rank.distributed:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def _is_user_error(exc: BaseException) -> bool:
    from backend.errors import StewardError

    return isinstance(exc, StewardError)


def _stop_quietly(reporter: RunReporter) -> None:
    try:
        if reporter.rank.distributed and reporter.rank.primary:
            # The other ranks' energy is summed in (they are ending too: a short wait).
            reporter.telemetry_summary(peer_wait_s=5.0)
        elif reporter.sampler is not None and not reporter.rank.distributed:
            reporter.sampler.stop()
        reporter.flush()
    except Exception:  # noqa: BLE001 - already failing; keep the first error
        log.debug("reporter cleanup failed", exc_info=True)


def _partial_summary(config: TrainConfig, plan: Plan, reporter: RunReporter) -> dict:
    summary = {
        "run_name": config.display_name(),
        "steps": reporter.step,
        "train_loss": reporter.last_metrics.get("loss"),
        "epsilon": reporter.last_metrics.get("epsilon"),
        "energy_kwh": reporter.last_metrics.get("energy_kwh_cumulative"),
        "dataset_id": plan.data.dataset_id,
        "model": plan.model.display,
    }
    if reporter.rank.distributed and reporter.rank.primary and reporter.final_telemetry:
        tel = reporter.final_telemetry
        summary.update(
            {k: tel.get(k) for k in ("energy_kwh", "co2_g", "world_size", "nodes", "ranks")}
        )
        for key in (
            "energy_source",
            "energy_source_label",
            "grid_intensity_g_per_kwh",
            "grid_intensity_source",
        ):
            summary[key] = tel.get(key)
    return summary


# --------------------------------------------------------------------------------------
def _train(config: TrainConfig, plan: Plan, reporter: RunReporter, settings, t_start) -> dict:
    import torch

    data = plan.data
    run_dir = reporter.run_dir
    if config.torch_threads:
        torch.set_num_threads(config.torch_threads)
    torch.manual_seed(config.seed)
    np.random.seed(config.seed % (2**32))
    rank = reporter.rank
    if torch.cuda.is_available():
        device = torch.device("cuda", rank.local_rank if rank.distributed else 0)
    else:
        device = torch.device("cpu")
    use_cuda = device.type == "cuda"
    notes = list(plan.warnings)
    # The rows this run trains on, pinned by their content hash (rank 0 speaks for the run).
    dataset_version = (
        pin_quietly(reporter.store, data.dataset_id, reason="training", notes=notes)
        if rank.primary
        else None
    )

    reporter.message("Loading model")
    tokenizer = load_tokenizer(plan.model, config.task)
    model = load_model(plan.model, config.task, data.label_values, tokenizer)
    if config.gradient_checkpointing and use_cuda and not config.dp.enabled:
        model.gradient_checkpointing_enable()
    elif config.gradient_checkpointing and config.dp.enabled:
        notes.append("Gradient checkpointing is not used with DP (Opacus needs activations).")
    if config.lora.enabled:
        model = _apply_lora(model, config, plan)
    model.to(device)
    n_params = sum(p.numel() for p in model.parameters())
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)

    reporter.message("Tokenizing")
    canaries = plant_canaries(data, config, reweighted=plan.weights is not None, notes=notes)
    train_ds = _encode(tokenizer, data, data.train, config, plan, with_weights=True)
    eval_ds = _encode(tokenizer, data, data.eval, config, plan, with_weights=False)
    loader = _train_loader(train_ds, config, plan, rank)
    if rank.distributed:
        from torch.nn.parallel import DistributedDataParallel

        # Same seed on every rank: identical initial weights (the new head included).
        model = DistributedDataParallel(model, device_ids=[device.index] if use_cuda else None)

    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        trainable, lr=config.learning_rate, weight_decay=config.weight_decay
    )
    engine = None
    delta = None
    if config.dp.enabled:
        from opacus import PrivacyEngine

        delta = config.dp.delta or 1.0 / (10 * len(train_ds))
        engine = PrivacyEngine(accountant="rdp")
        model.train()
        model, optimizer, loader = engine.make_private(
            module=model,
            optimizer=optimizer,
            data_loader=loader,
            noise_multiplier=config.dp.noise_multiplier,
            max_grad_norm=config.dp.max_grad_norm,
            poisson_sampling=True,
        )
    sample_rate = 1.0 / max(1, len(loader))

    steps_per_epoch = len(loader)
    total_steps = steps_per_epoch * config.epochs
    if config.max_steps:
        total_steps = min(total_steps, config.max_steps)
    warmup = int(total_steps * config.warmup_ratio)

    def lr_at(step: int) -> float:  # linear warm-up then linear decay, as in transformers
        if step < warmup:
            return config.learning_rate * (step + 1) / max(1, warmup)
        return config.learning_rate * max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    fwd_extra = _forward_extras(model, config)
    amp = use_cuda and config.fp16 and not config.dp.enabled
    if config.fp16 and config.dp.enabled:
        notes.append("Mixed precision is not used with DP.")
    scaler = torch.amp.GradScaler("cuda") if amp else None

    reporter.start(
        total_steps=total_steps,
        examples_per_step=config.batch_size * rank.world_size,
        eval_examples=len(eval_ds),
        eval_passes=min(config.epochs, math.ceil(total_steps / max(1, steps_per_epoch))),
    )
    step = 0
    losses: list[float] = []
    eval_history: list[dict] = []
    empty_batches = 0
    eval_metrics: dict[str, float] = {}
    stop = False
    for epoch in range(config.epochs):
        model.train()
        if hasattr(loader.sampler, "set_epoch"):
            loader.sampler.set_epoch(epoch)  # DistributedSampler: a new shuffle per epoch
        for batch in loader:
            if step >= total_steps:
                stop = True
                break
            bsz = int(batch[0].shape[0])
            lr = lr_at(step)
            for group in optimizer.param_groups:
                group["lr"] = lr
            if bsz == 0:
                # Poisson sampling drew no example. The step still counts for privacy
                # (the mechanism ran on an empty set), so the accountant records it.
                empty_batches += 1
                if engine is not None:
                    engine.accountant.step(
                        noise_multiplier=config.dp.noise_multiplier, sample_rate=sample_rate
                    )
                step += 1
                reporter.log_step(step, {"learning_rate": lr}, epoch=step / steps_per_epoch)
                continue
            inputs, weights, n_tokens = _batch_inputs(batch, config, device, fwd_extra)
            with torch.autocast("cuda", dtype=torch.float16, enabled=amp):
                loss_vec, _ = _per_example_loss(model, inputs, config)
            loss = (loss_vec * weights).mean() if weights is not None else loss_vec.mean()
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
            else:
                loss.backward()
            metrics: dict[str, float | None] = {"loss": float(loss.detach()), "learning_rate": lr}
            if engine is None:
                metrics["grad_norm"] = float(torch.nn.utils.clip_grad_norm_(trainable, 1.0))
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if engine is not None:
                metrics["epsilon"] = float(engine.get_epsilon(delta))
            losses.append(metrics["loss"])
            # Every rank trains the same number of examples per step (equal shards).
            examples, tokens = bsz * rank.world_size, n_tokens * rank.world_size
            if step % config.log_every_steps == 0 or step == total_steps:
                reporter.log_step(
                    step, metrics, examples=examples, tokens=tokens, epoch=step / steps_per_epoch
                )
            else:
                reporter.log_step(step, {}, examples=examples, tokens=tokens)
        if rank.primary:
            reporter.message(f"Evaluating after epoch {epoch + 1}")
            reporter.evaluation_started()
            eval_model = model.module if rank.distributed else model
            eval_metrics, predictions = _evaluate(
                eval_model, eval_ds, config, device, fwd_extra, data
            )
            reporter.evaluation_finished()
            reporter.log(step, {f"eval_{k}": v for k, v in eval_metrics.items()})
            eval_history.append({"epoch": epoch + 1, "step": step, **eval_metrics})
            reporter.flush()
        if rank.distributed and not (stop or step >= total_steps):
            reporter.coord.barrier()  # the other ranks wait while rank 0 evaluates
        if stop or step >= total_steps:
            break

    if not rank.primary:
        reporter.finish({}, status="succeeded")  # this rank's final telemetry only
        return {"rank": rank.rank, "steps": step}

    reporter.message("Saving checkpoint and predictions")
    base = model._module if engine is not None else model
    if rank.distributed:
        base = base.module
    checkpoint = None
    if config.save_checkpoint:
        checkpoint = str(run_dir / "checkpoint")
        base.save_pretrained(checkpoint, safe_serialization=True)
        tokenizer.save_pretrained(checkpoint)
    predictions_path = None
    if predictions is not None:
        predictions_path = str(run_dir / "predictions.csv")
        tmp = Path(predictions_path).with_suffix(".tmp")
        predictions.to_csv(tmp, index=False)
        tmp.replace(predictions_path)

    epsilon = float(engine.get_epsilon(delta)) if engine is not None else None
    privacy = _privacy_audit(
        base, tokenizer, data, config, plan, reporter, (epsilon, delta), notes, canaries
    )
    telemetry = reporter.telemetry_summary()
    train_loss = (
        float(np.mean(losses[-max(1, min(len(losses), steps_per_epoch)) :])) if losses else None
    )
    baseline = (
        majority_baseline(data.eval[data.label_column]) if config.task == "classification" else None
    )
    summary = {
        "run_name": config.display_name(),
        "job_id": reporter.job_id,
        "status": "succeeded",
        "task": config.task,
        "steps": step,
        "epochs": config.epochs,
        "train_loss": train_loss,
        "final_loss": losses[-1] if losses else None,
        "eval": eval_metrics,
        "eval_history": eval_history,
        "majority_baseline": baseline.to_dict() if baseline is not None else None,
        **telemetry,
        "epsilon": epsilon,
        "delta": delta,
        "dp": config.dp.model_dump() | {"accountant": "rdp", "empty_batches": empty_batches}
        if config.dp.enabled
        else None,
        "lora": config.lora.model_dump() | {"target_modules": plan.lora_targets}
        if config.lora.enabled
        else None,
        "reweighting": plan.weights.summary() if plan.weights else None,
        "checkpoint": checkpoint,
        "checkpoint_format": "safetensors" + (" (LoRA adapter)" if config.lora.enabled else ""),
        "predictions_path": predictions_path,
        "text_column": data.text_column,
        "label_column": data.label_column,
        "sensitive_columns": data.sensitive_columns,
        "label_values": [str(v) for v in data.label_values],
        "model": plan.model.display,
        "model_source": plan.model.source,
        "model_type": plan.model.model_type,
        "parameters": n_params,
        "trainable_parameters": n_trainable,
        "hyperparameters": {
            "epochs": config.epochs,
            "max_steps": config.max_steps,
            "learning_rate": config.learning_rate,
            "weight_decay": config.weight_decay,
            "warmup_ratio": config.warmup_ratio,
            "batch_size": config.batch_size,
            "max_length": config.max_length,
            "seed": config.seed,
            "optimizer": "AdamW",
            "schedule": "linear warm-up and decay",
            "fp16": bool(amp),
            "gradient_checkpointing": bool(
                config.gradient_checkpointing and use_cuda and not config.dp.enabled
            ),
        },
        "dataset_id": data.dataset_id,
        "dataset_name": data.dataset_name,
        "dataset_version": dataset_version,
        "train_rows": len(data.train),
        "eval_rows": len(data.eval),
        "split": data.split_source,
        "examples_per_s": reporter.examples_seen / max(1e-9, reporter.elapsed_s),
        "duration_s": time.monotonic() - t_start,
        "train_duration_s": reporter.elapsed_s,
        "device": device.type,
        "processes": rank.world_size,
        "notes": notes,
        "config": config.model_dump(),
    }
    summary["privacy"] = privacy
    summary["label_names"] = _label_names(reporter.store, data.dataset_id)
    summary["sanity"] = [w.to_dict() for w in check_run(summary)]
    return summary


def _privacy_audit(model, tokenizer, data, config, plan, reporter, dp, notes, canaries):
    """Membership inference on a trained classifier, canary exposure of a causal LM (see
    backend/privacy); a failure is a note on the run, never a failed run."""
    from backend.privacy.audit import audit_classifier, audit_language_model

    epsilon, delta = dp
    common = {
        "store": reporter.store,
        "job_id": reporter.job_id,
        "epsilon": epsilon,
        "delta": delta,
    }
    try:
        if canaries:
            reporter.message("Privacy audit: canary exposure")
            return audit_language_model(
                model, tokenizer, canaries, config, dataset_id=data.dataset_id, **common
            )
        if config.task != "classification" or not config.privacy.membership.enabled:
            return None
        reporter.message("Privacy audit: membership inference")
        return audit_classifier(
            model,
            tokenizer,
            data,
            config,
            reference_model=lambda: load_model(
                plan.model, config.task, data.label_values, tokenizer
            ),
            **common,
        )
    except Exception as exc:  # noqa: BLE001 - the model is trained; report, do not fail
        log.warning("privacy audit failed", exc_info=True)
        notes.append(f"The privacy audit could not run: {type(exc).__name__}: {exc}")
        return {"skipped": f"{type(exc).__name__}: {exc}"}


def _label_names(store: Store, dataset_id: int | None) -> dict[str, str]:
    """What each label value means, as registered with the dataset (empty when unknown)."""
    from backend.column_roles import ColumnRoles

    dataset = store.get_dataset(dataset_id) if dataset_id is not None else None
    return ColumnRoles.from_dict(dataset.roles).label_names if dataset is not None else {}


# --------------------------------------------------------------------------------------
def _apply_lora(model, config: TrainConfig, plan: Plan):
    from peft import LoraConfig, get_peft_model

    lcfg = LoraConfig(
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=plan.lora_targets,
        fan_in_fan_out=plan.model.model_type in FAN_IN_FAN_OUT,
        task_type="SEQ_CLS" if config.task == "classification" else "CAUSAL_LM",
    )
    return get_peft_model(model, lcfg)


def _encode(tokenizer, data, frame, config: TrainConfig, plan: Plan, *, with_weights: bool):
    """Pad every row to max_length once; batches are trimmed to their longest row later."""
    import torch
    from torch.utils.data import TensorDataset

    enc = tokenizer(
        frame[data.text_column].tolist(),
        truncation=True,
        max_length=config.max_length,
        padding="max_length",
        return_tensors="pt",
    )
    ids, mask = enc["input_ids"], enc["attention_mask"]
    if config.task == "classification":
        index = {v: i for i, v in enumerate(data.label_values)}
        labels = torch.tensor([index[v] for v in frame[data.label_column]], dtype=torch.long)
    else:
        labels = ids.masked_fill(mask == 0, -100)
    if with_weights and plan.weights is not None and not plan.weights.use_sampler:
        w = torch.tensor(plan.weights.weights, dtype=torch.float32)
    else:
        w = torch.ones(len(frame), dtype=torch.float32)
    return TensorDataset(ids, mask, labels, w)


def _train_loader(dataset, config: TrainConfig, plan: Plan, rank: RankInfo | None = None):
    """Shuffled batches; with several ranks, each draws its own equal share."""
    import torch
    from torch.utils.data import DataLoader, RandomSampler, WeightedRandomSampler
    from torch.utils.data.distributed import DistributedSampler

    world = rank.world_size if rank is not None else 1
    gen = torch.Generator().manual_seed(config.seed + (rank.rank if rank is not None else 0))
    if plan.weights is not None and plan.weights.use_sampler:
        sampler = WeightedRandomSampler(
            torch.tensor(plan.weights.weights, dtype=torch.double),
            num_samples=math.ceil(len(dataset) / world),
            replacement=True,
            generator=gen,
        )
    elif world > 1:
        sampler = DistributedSampler(
            dataset, num_replicas=world, rank=rank.rank, shuffle=True, seed=config.seed
        )
    else:
        sampler = RandomSampler(dataset, generator=gen)
    return DataLoader(dataset, batch_size=config.batch_size, sampler=sampler)


def _forward_extras(model, config: TrainConfig) -> dict[str, bool]:
    """Which of position_ids / token_type_ids to pass explicitly.

    Under Opacus, per-example gradients of learned position (and token type) embeddings
    need the index tensors expanded to the batch; the models' internal broadcast
    buffers give gradients of the wrong shape.
    """
    if not config.dp.enabled:
        return {"position_ids": False, "token_type_ids": False}
    base = model
    for attr in ("_module",):
        base = getattr(base, attr, base)
    if hasattr(base, "get_base_model"):
        base = base.get_base_model()
    params = inspect.signature(base.forward).parameters
    type_vocab = getattr(base.config, "type_vocab_size", 0) or 0
    return {
        "position_ids": "position_ids" in params,
        "token_type_ids": "token_type_ids" in params and type_vocab > 0,
    }


def _batch_inputs(batch, config: TrainConfig, device, extras: dict[str, bool]):
    import torch

    ids, mask, labels, w = batch
    length = int(mask.sum(dim=1).max()) if mask.numel() else 1
    length = max(1, length)
    ids, mask = ids[:, :length].to(device), mask[:, :length].to(device)
    labels = labels[:, :length] if labels.dim() == 2 else labels
    inputs: dict[str, Any] = {"input_ids": ids, "attention_mask": mask, "labels": labels.to(device)}
    bsz = ids.shape[0]
    if extras.get("position_ids"):
        inputs["position_ids"] = torch.arange(length, device=device).unsqueeze(0).expand(bsz, -1)
    if extras.get("token_type_ids"):
        inputs["token_type_ids"] = torch.zeros_like(ids)
    weights = w.to(device) if not torch.all(w == 1) else None
    return inputs, weights, int(mask.sum())


def _per_example_loss(model, inputs: dict, config: TrainConfig):
    """Unreduced loss per example (so group weights can be applied), and the logits."""
    import torch.nn.functional as F  # noqa: N812

    labels = inputs.pop("labels")
    out = model(**inputs)
    logits = out.logits.float()
    if config.task == "classification":
        return F.cross_entropy(logits, labels, reduction="none"), logits
    shift_logits = logits[:, :-1, :]
    shift_labels = labels[:, 1:]
    tok = F.cross_entropy(
        shift_logits.reshape(-1, shift_logits.shape[-1]),
        shift_labels.reshape(-1),
        ignore_index=-100,
        reduction="none",
    ).view(shift_labels.shape)
    valid = (shift_labels != -100).float()
    return (tok * valid).sum(dim=1) / valid.sum(dim=1).clamp(min=1), logits


def _evaluate(model, dataset, config: TrainConfig, device, extras, data):
    """Accuracy/F1 (classification) or loss/perplexity (causal LM) on the held-out rows."""
    import pandas as pd
    import torch
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    was_training = model.training
    model.eval()
    losses, probs, labels_all = [], [], []
    with torch.no_grad():
        for start in range(0, len(dataset), config.eval_batch_size):
            batch = dataset[start : start + config.eval_batch_size]
            inputs, _, _ = _batch_inputs(batch, config, device, extras)
            labels = inputs["labels"]
            loss_vec, logits = _per_example_loss(model, dict(inputs), config)
            losses.append(loss_vec.cpu())
            if config.task == "classification":
                probs.append(torch.softmax(logits, dim=-1).cpu())
                labels_all.append(labels.cpu())
    if was_training:
        model.train()
    mean_loss = float(torch.cat(losses).mean()) if losses else math.nan
    if config.task != "classification":
        return {"loss": mean_loss, "perplexity": float(math.exp(min(mean_loss, 50)))}, None
    p = torch.cat(probs).numpy()
    y = torch.cat(labels_all).numpy()
    pred = p.argmax(axis=1)
    binary = p.shape[1] == 2
    metrics = {
        "loss": mean_loss,
        "accuracy": float(accuracy_score(y, pred)),
        "f1": float(f1_score(y, pred, average="binary" if binary else "macro", zero_division=0)),
    }
    if binary and len(np.unique(y)) == 2:
        # Threshold-free: shows learning even while argmax still predicts one class.
        metrics["roc_auc"] = float(roc_auc_score(y, p[:, 1]))
    values = np.array(data.label_values, dtype=object)
    frame = pd.DataFrame(
        {
            "text": data.eval[data.text_column].to_numpy(),
            "y_true": values[y],
            "y_pred": values[pred],
            # Binary: probability of the positive (second, e.g. 1 = toxic) class.
            "y_score": p[:, 1] if binary else p.max(axis=1),
        }
    )
    for col in data.sensitive_columns:
        frame[col] = data.eval[col].to_numpy()
    return metrics, frame
