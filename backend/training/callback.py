"""``StewardCallback``: make any Hugging Face ``Trainer`` run appear live in Steward.

Add it to an existing script::

    from backend.training import StewardCallback

    trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=test,
                      callbacks=[StewardCallback(run_name="my fine-tune")])
    trainer.train()

The run shows up on the Fine-tune monitor page with its loss, learning rate, eval
metrics, throughput, power, energy, CO2 and forecast. Started outside the dashboard
(no ``STEWARD_JOB_ID``), it creates a job with ``runner="external"``; pressing Cancel
on the page asks the Trainer to stop at the next step. Set ``STEWARD_HOME`` (or
``STEWARD_DATABASE_URL``) to the dashboard's workspace.

Launched with ``torchrun`` or ``accelerate launch`` (one node or several), every rank
adds the callback and the launch is one run: rank 0 reports loss and evaluation, every
rank its own power and energy (tagged with node and rank), and Cancel stops every rank
at the same step. Every node must reach the same database (``STEWARD_DATABASE_URL``).
"""

from __future__ import annotations

import math
import signal
import threading
from typing import Any

from transformers import TrainerCallback

from backend.errors import ConfigError
from backend.store import Store, get_store
from backend.training.reporter import RunReporter

#: The launcher started several processes but the Trainer trains alone in each.
TRAINER_WORLD_MISMATCH = (
    "The launcher started {launched} processes but this Trainer trains as {world} "
    "(each process would train the whole data set alone): on a machine without GPUs, "
    "pass use_cpu=True to TrainingArguments (or set ACCELERATE_USE_CPU=true) so the "
    "processes train together over gloo."
)

#: Trainer log keys copied under Steward's metric names.
_RENAMES = {"grad_norm": "grad_norm", "learning_rate": "learning_rate", "loss": "loss"}


class StewardCallback(TrainerCallback):
    """Reports a ``transformers.Trainer`` run to the Steward store.

    Parameters
    ----------
    run_name
        Name shown in the runs table (default: the Trainer's ``run_name``/output dir).
    store
        Store to write to (default: the configured workspace).
    telemetry
        Sample GPU/CPU/RAM and estimate energy and CO2 (1 Hz).
    interval_s
        Telemetry sampling interval.
    job_id
        Report to an existing job (default: ``STEWARD_JOB_ID`` or a new external job).
    """

    def __init__(
        self,
        run_name: str | None = None,
        *,
        store: Store | None = None,
        telemetry: bool = True,
        interval_s: float = 1.0,
        job_id: int | None = None,
        country_iso_code: str | None = None,
    ) -> None:
        self.run_name = run_name
        self.store = store
        self.telemetry = telemetry
        self.interval_s = interval_s
        self.job_id = job_id
        self.country_iso_code = country_iso_code
        self.reporter: RunReporter | None = None
        self._eval: dict[str, float] = {}
        self._eval_history: list[dict] = []
        self._model_name = ""
        self._examples_per_step = 0

    # -- Trainer hooks ---------------------------------------------------------------
    def on_train_begin(self, args, state, control, model=None, **kwargs):
        from backend.training.distributed import primary_first, rank_info

        info = rank_info()
        world = max(1, int(getattr(args, "world_size", 1) or 1))
        if info.world_size != world:
            # Seen on CPU: without use_cpu, accelerate finds no GPU and sets up no data
            # parallelism, so each process trains the whole data set on its own.
            raise ConfigError(TRAINER_WORLD_MISMATCH.format(launched=info.world_size, world=world))
        store = self.store or primary_first(info, get_store)
        name = self.run_name or getattr(args, "run_name", None) or str(args.output_dir)
        self._model_name = (
            getattr(getattr(model, "config", None), "_name_or_path", "") or type(model).__name__
        )
        self._examples_per_step = (
            args.per_device_train_batch_size * args.gradient_accumulation_steps * world
        )
        self.reporter = RunReporter(
            store,
            job_id=self.job_id,
            run_name=name,
            params={"runner": "transformers.Trainer", **_hyperparameters(args)},
            telemetry=self.telemetry,
            interval_s=self.interval_s,
            country_iso_code=self.country_iso_code,
        )
        self.job_id = self.reporter.job_id
        if self.reporter.rank.distributed:
            _stop_together_on_sigterm()
        self.reporter.start(total_steps=state.max_steps, examples_per_step=self._examples_per_step)

    def on_step_end(self, args, state, control, **kwargs):
        if self.reporter is None:
            return
        try:
            self.reporter.log_step(
                state.global_step, {}, examples=self._examples_per_step, epoch=state.epoch
            )
        except Exception as exc:  # JobCancelled: stop the Trainer gracefully
            from backend.errors import JobCancelled

            if not isinstance(exc, JobCancelled):
                raise
            control.should_training_stop = True
            self.reporter.cancelled = True

    def on_log(self, args, state, control, logs=None, **kwargs):
        if self.reporter is None or not logs:
            return
        values: dict[str, float] = {}
        for key, value in logs.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            if key.startswith("eval_"):
                values[key] = float(value)
            elif key in _RENAMES:
                values[_RENAMES[key]] = float(value)
        self.reporter.log(state.global_step, values)

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if self.reporter is None or not metrics:
            return
        clean = {
            k.removeprefix("eval_"): float(v)
            for k, v in metrics.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        }
        self._eval = clean
        self._eval_history.append({"epoch": state.epoch, "step": state.global_step, **clean})
        self.reporter.log(state.global_step, {f"eval_{k}": v for k, v in clean.items()})
        self.reporter.flush()

    def on_train_end(self, args, state, control, model=None, **kwargs):
        if self.reporter is None or self.reporter.finished:
            return
        rep = self.reporter
        if not rep.rank.primary:  # this rank's final telemetry; rank 0 writes the summary
            rep.finish({}, status="cancelled" if rep.cancelled else "succeeded")
            return
        losses = [h["loss"] for h in state.log_history if "loss" in h]
        train_loss = next(
            (h["train_loss"] for h in reversed(state.log_history) if "train_loss" in h),
            losses[-1] if losses else None,
        )
        telemetry = rep.telemetry_summary()
        summary: dict[str, Any] = {
            "run_name": self.run_name or getattr(args, "run_name", None) or str(args.output_dir),
            "runner": "transformers.Trainer (StewardCallback)",
            "steps": state.global_step,
            "train_loss": train_loss,
            "eval": self._eval,
            "eval_history": self._eval_history,
            **telemetry,
            "epsilon": None,
            "delta": None,
            "checkpoint": str(args.output_dir),
            "predictions_path": None,
            "model": self._model_name,
            "hyperparameters": _hyperparameters(args),
            "duration_s": rep.elapsed_s,
            "examples_per_s": rep.examples_seen / max(1e-9, rep.elapsed_s),
            "dataset_id": None,
            "text_column": None,
            "label_column": None,
            "sensitive_columns": [],
            "lora": None,
            "dp": None,
            "reweighting": None,
        }
        status = "cancelled" if getattr(rep, "cancelled", False) else "succeeded"
        rep.finish(summary, status=status)


def _stop_together_on_sigterm() -> None:
    """A launcher's SIGTERM stops this rank at the next step, with the others (see
    :mod:`backend.training.distributed`), instead of killing it mid-collective. Left alone
    when the script installed its own handler."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return
    from backend.training.distributed import on_sigterm_stop_together

    signal.signal(signal.SIGTERM, lambda signum, frame: on_sigterm_stop_together())


def _hyperparameters(args) -> dict[str, Any]:
    keys = (
        "learning_rate",
        "num_train_epochs",
        "max_steps",
        "per_device_train_batch_size",
        "gradient_accumulation_steps",
        "weight_decay",
        "warmup_ratio",
        "seed",
        "fp16",
        "bf16",
        "gradient_checkpointing",
    )
    out = {}
    for k in keys:
        v = getattr(args, k, None)
        if isinstance(v, int | float | bool | str) or v is None:
            out[k] = v
    return out
