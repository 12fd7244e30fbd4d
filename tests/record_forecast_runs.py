"""Record finished fine-tune runs of a workspace for the forecast test.

    STEWARD_HOME=/path/to/workspace python -m tests.record_forecast_runs OUT.json

For every succeeded ``train`` job with telemetry, writes what the reporter knew while
the run went (steps, step time without evaluation passes, energy, start-up time, the
run's shape) and what the run finally reported (the job's duration and energy), so
``tests/test_training_forecast.py`` can replay the forecast at any point of the run.
"""

from __future__ import annotations

import json
import sys

from sqlalchemy import select

from backend.store import Metric, get_store


def record(store) -> list[dict]:
    runs = []
    for job in store.list_jobs(kind="train", statuses=["succeeded"], limit=1000):
        res = job.result or {}
        timeline = res.get("timeline") or {}
        if res.get("energy_kwh") is None or "evaluation_kwh" not in timeline:
            continue
        with store.session() as s:
            rows = s.execute(
                select(Metric.step, Metric.name, Metric.value)
                .where(
                    Metric.run_id == job.id,
                    Metric.name.in_(("step_elapsed_s", "step_energy_kwh")),
                )
                .order_by(Metric.id)
            ).all()
        by_step: dict[int, dict[str, float]] = {}
        for step, name, value in rows:
            # The forecast used the first reading of each step (see RunReporter).
            by_step.setdefault(int(step), {}).setdefault(name, float(value))
        samples = [
            [step, v["step_elapsed_s"], v["step_energy_kwh"]]
            for step, v in sorted(by_step.items())
            if "step_elapsed_s" in v and "step_energy_kwh" in v and step > 0
        ]
        config = res.get("config") or {}
        runs.append(
            {
                "name": job.name,
                "total_steps": int(res.get("total_steps") or res["steps"]),
                "epochs": int(res.get("epochs") or 1),
                "examples_per_step": int(config.get("batch_size") or 16),
                "eval_examples": int(res.get("eval_rows") or 0),
                "before_s": float(timeline["before_training_s"]),
                "evaluation_s": [float(x) for x in timeline.get("evaluation_s", [])],
                "evaluation_kwh": [float(x) for x in timeline.get("evaluation_kwh", [])],
                "lora": bool(res.get("lora")),
                "train_rows": int(res.get("train_rows") or 0),
                "samples": samples,
                "final": {"duration_s": job.duration_s, "energy_kwh": res["energy_kwh"]},
            }
        )
    return runs


if __name__ == "__main__":
    out = record(get_store())
    with open(sys.argv[1], "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1)
    print(f"recorded {len(out)} runs to {sys.argv[1]}")
