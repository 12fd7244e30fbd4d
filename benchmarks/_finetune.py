"""The embedded default fine-tune, as the overhead benchmarks train it (shared by them)."""

from __future__ import annotations

from collections.abc import Iterator


def default_finetune(store, train_rows: int, rank=None):
    """Config, model and an endless batch iterator of the embedded MiniLM classifier on
    ``train_rows`` demo rows (each rank's shard when ``rank`` is several processes)."""
    import torch

    from backend.training.config import parse_config
    from backend.training.models import load_model, load_tokenizer
    from backend.training.preflight import preflight
    from backend.training.runner import _encode, _train_loader

    config = parse_config({"max_train_samples": train_rows, "max_eval_samples": 16})
    plan = preflight(config, store)
    tok = load_tokenizer(plan.model, config.task)
    torch.manual_seed(config.seed)  # the same initial weights on every rank
    model = load_model(plan.model, config.task, plan.data.label_values, tok)
    ds = _encode(tok, plan.data, plan.data.train, config, plan, with_weights=True)
    return config, model, endless(_train_loader(ds, config, plan, rank))


def endless(loader) -> Iterator:
    """Batches of ``loader``, epoch after epoch."""
    while True:
        yield from loader


def interleaved_modes(rounds: int) -> Iterator[tuple[int, str]]:
    """``(round, mode)``: without then with Steward, then the other way round, so that
    drifts in machine load hit both modes alike."""
    for r in range(rounds):
        yield from ((r, mode) for mode in (("off", "on") if r % 2 == 0 else ("on", "off")))


def cpu_times(thread_ids: set[int]) -> tuple[float, float]:
    """CPU seconds of this process, and of the given (telemetry) threads."""
    import psutil

    proc = psutil.Process()
    times = proc.cpu_times()
    tel = sum(t.user_time + t.system_time for t in proc.threads() if t.id in thread_ids)
    return times.user + times.system, tel


class ReportingBlock:
    """One measured block of training steps, with Steward's reporting (``mode="on"``: a
    started :class:`RunReporter` with telemetry) or without (``"off"``)::

        with ReportingBlock(store, mode, run_name="…", total_steps=n, rank=info) as blk:
            train(blk.reporter)            # None when off
        blk.process_cpu_s, blk.telemetry_cpu_s

    The CPU times cover the block only; the reporter's teardown (codecarbon's stop, rank
    0's sums) comes after and is not measured.
    """

    def __init__(self, store, mode: str, *, run_name: str, total_steps: int, rank=None):
        self.store, self.mode, self.run_name = store, mode, run_name
        self.total_steps, self.rank = total_steps, rank
        self.reporter = None
        self.threads: set[int] = set()
        self.process_cpu_s = self.telemetry_cpu_s = 0.0

    def __enter__(self) -> ReportingBlock:
        import threading

        from backend.training.reporter import RunReporter

        if self.mode == "on":
            before = {t.native_id for t in threading.enumerate()}
            self.reporter = RunReporter(self.store, run_name=self.run_name, rank=self.rank)
            self.reporter.start(total_steps=self.total_steps, examples_per_step=16)
            # the sampler thread plus codecarbon's scheduler threads
            self.threads = {t.native_id for t in threading.enumerate()} - before
        self._cpu0 = cpu_times(self.threads)
        return self

    def __exit__(self, *exc) -> None:
        cpu1, tel1 = cpu_times(self.threads)
        self.process_cpu_s, self.telemetry_cpu_s = cpu1 - self._cpu0[0], tel1 - self._cpu0[1]
        if self.reporter is None or exc[0] is not None:
            return
        if self.rank is None or self.rank.primary:
            self.reporter.telemetry_summary()
            self.reporter.finish({"benchmark": True})
        else:
            self.reporter.finish({}, status="succeeded")
