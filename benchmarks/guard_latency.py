"""Guardrail latency and quality benchmark.

Run: ``.venv/bin/python -m benchmarks.guard_latency [--n 1000] [--lengths loguniform|uniform]``

Measures, with ONE torch thread and after warm-up:

* issue #12's latency figures first (``--targets-only`` prints just these): the default input
  rail's p95 for prompts under 200 characters (target 15 ms) and over 20-2,000 characters
  (target 60 ms), wall and thread CPU time, the harm classifier's added p95 (target 1 ms)
  and the model load time. Run it pinned to one core, e.g.
  ``taskset -c 1 .venv/bin/python -m benchmarks.guard_latency --targets-only --n 300``;

* model load time (fresh process: imports, MiniLM, toxicity scorer, exemplar embeddings);
* p50 / p95 / p99 latency per scanner and for the default input rail, one prompt at a time
  and in batches of 32, over ``--n`` unique prompts of 20 to 2,000 characters (the MiniLM
  cache is cleared before every pass, so no prompt is served from it);
* the default input rail again with every other MiniLM runtime (torch fp32, the default
  before ONNX Runtime and bf16 were measured; ONNX Runtime fp32; torch bf16 where the CPU has
  AMX), and the input rail of ``configs/guardrails-fast.yaml`` (ONNX Runtime int8, 3
  windows), each with its red-team catch rate, false-positive rate and the number of
  red-team decisions that differ from torch fp32;
* the toxicity scorer's ROC AUC on ``../shared/data/wiki_toxicity_test.csv`` and PII
  precision / recall on ``../shared/data/pii_synthetic_spans.json`` (when present).

Prompts are built from the shipped red-team prompts and (when present) Wikipedia comments,
cut or repeated to a length drawn log-uniformly (default: most chat prompts are short) or
uniformly between 20 and 2,000 characters. Results are printed as Markdown tables and saved
to ``benchmarks/results/guard_latency.json``. Numbers taken while other work runs on the
machine are inflated: the header prints the load average so readers can judge.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STEWARD_SHARED_DATA", ROOT.parent / "shared" / "data"))
PII_MAP = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "US_SSN": "US_SSN",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP_ADDRESS",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "PERSON": "PERSON",
}


def _pct(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    return {
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "p99": float(np.percentile(arr, 99)),
        "mean": float(arr.mean()),
    }


def build_prompts(n: int, lengths: str, seed: int = 0) -> list[str]:
    from backend.guardrails.redteam import load_prompts

    rng = random.Random(seed)
    pool = [p.text for p in load_prompts()]
    wiki = SHARED / "wiki_toxicity_test.csv"
    if wiki.is_file():
        import pandas as pd

        pool += [c.strip() for c in pd.read_csv(wiki)["comment"].astype(str) if len(c.strip()) > 20]
    prompts = []
    for i in range(n):
        if lengths == "uniform":
            target = rng.randint(20, 2000)
        else:
            target = int(round(np.exp(rng.uniform(np.log(20), np.log(2000)))))
        parts = [f"[{i}]"]  # unique: no prompt can hit the embedding cache
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(rng.choice(pool))
        prompts.append(" ".join(parts)[:target])
    return prompts


def _clear_cache(guard) -> None:
    """Forget every per-text cache (embeddings, normalisation, window cuts) between passes."""
    from backend.guardrails import base, normalize

    for name in ("injection", "harm", "topics"):
        enc = getattr(guard.scanners.get(name), "_encoder", None)
        if enc is not None:
            enc._cache.clear()
    normalize.normalize.cache_clear()
    base._text_windows.cache_clear()


#: Thread CPU time of the last one-at-a-time pass. With one torch thread all the work runs
#: in the calling thread, so CPU time approximates latency on an idle core when the machine
#: is shared (wall time then also counts time spent waiting for a core).
_LAST_CPU: list[float] = []


def time_one_at_a_time(fn, prompts: list[str]) -> list[float]:
    out = []
    _LAST_CPU.clear()
    for text in prompts:
        c = time.thread_time()
        t = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - t) * 1000)
        _LAST_CPU.append((time.thread_time() - c) * 1000)
    return out


def time_batched(fn, prompts: list[str], batch: int = 32) -> tuple[list[float], float]:
    per_prompt = []
    t0 = time.perf_counter()
    for i in range(0, len(prompts), batch):
        chunk = prompts[i : i + batch]
        t = time.perf_counter()
        fn(chunk)
        per_prompt += [(time.perf_counter() - t) * 1000 / len(chunk)] * len(chunk)
    return per_prompt, len(prompts) / (time.perf_counter() - t0)


def bench_latency(guard, prompts: list[str]) -> list[dict]:
    rows = []
    for name in guard.policy.input:
        scanner = guard.scanners[name]
        _clear_cache(guard)
        one = time_one_at_a_time(scanner.scan, prompts)
        cpu = _pct(_LAST_CPU)
        _clear_cache(guard)
        batched, rate = time_batched(scanner.scan_batch, prompts)
        rows.append(
            {
                "what": name,
                "backend": scanner.backend,
                "one": _pct(one),
                "cpu": cpu,
                "batched": _pct(batched),
                "per_s": rate,
            }
        )
    _clear_cache(guard)
    one = time_one_at_a_time(lambda t: guard.scan([t], "input"), prompts)
    cpu_raw = list(_LAST_CPU)
    _clear_cache(guard)
    batched, rate = time_batched(lambda b: guard.scan(b, "input"), prompts)
    rows.append(
        {
            "what": "default input rail",
            "backend": "+".join(guard.policy.input),
            "one": _pct(one),
            "cpu": _pct(cpu_raw),
            "batched": _pct(batched),
            "per_s": rate,
            "one_raw": one,
            "cpu_raw": cpu_raw,
        }
    )
    return rows


def by_length(prompts: list[str], latencies: list[float]) -> list[dict]:
    buckets = [(20, 200), (200, 500), (500, 1000), (1000, 2001)]
    rows = []
    for lo, hi in buckets:
        sel = [lat for p, lat in zip(prompts, latencies, strict=True) if lo <= len(p) < hi]
        if sel:
            rows.append({"chars": f"{lo}-{hi - 1}", "n": len(sel), **_pct(sel)})
    return rows


def _encoder_label(guard) -> str:
    for name in ("injection", "harm", "topics"):
        enc = getattr(guard.scanners.get(name), "_encoder", None)
        if enc is not None:
            return "MiniLM " + enc.runtime
    return "MiniLM (none)"


#: Issue #12's latency figures: (row, target p95 in ms).
#: The issue's rows. The 20-2,000 row draws lengths uniformly (median about 1,000 characters):
#: the harder reading of the target. The log-uniform row (median about 200) is how the older
#: quiet-machine figure (54.7 ms p95) and the rest of this benchmark draw lengths; the two
#: differ by the length mix, not by the code (docs/guardrails.md, "Latency regression traced").
TARGETS = (
    ("prompts under 200 characters", 15.0),
    ("prompts of 20-2,000 characters, uniform lengths", 60.0),
    ("prompts of 20-2,000 characters, log-uniform lengths", 60.0),
)
CLASSIFIER_TARGET_MS = 1.0


def classifier_added(guard, prompts: list[str]) -> tuple[list[float], list[float]]:
    """Milliseconds (wall, thread CPU) the harm classifier adds once the embeddings exist.

    The injection scanner embeds every window first; the harm scanner then finds them in
    the shared encoder's cache, so its own cost is normalising, windowing and the head.
    """
    harm = guard.scanners["harm"]
    wall, cpu = [], []
    for text in prompts:
        guard.scan([text], "input")
        c = time.thread_time()
        t = time.perf_counter()
        harm.scan(text)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    return wall, cpu


def target_rows(guard, prompts: list[str], short: list[str], loguniform: list[str]) -> list[dict]:
    """The issue's rows: rail p95 per length mix (wall and CPU), classifier added, targets.

    ``prompts`` are the uniform-length prompts (also used for the classifier's added time).
    """
    rows = []
    for (what, target), texts in zip(TARGETS, (short, prompts, loguniform), strict=True):
        _clear_cache(guard)
        wall = time_one_at_a_time(lambda t: guard.scan([t], "input"), texts)
        cpu = list(_LAST_CPU)
        p95 = float(np.percentile(wall, 95))
        rows.append(
            {
                "what": f"default input rail, {what}",
                "n": len(texts),
                "p50": float(np.percentile(wall, 50)),
                "p95": p95,
                "cpu_p95": float(np.percentile(cpu, 95)),
                "target": target,
            }
        )
    _clear_cache(guard)
    added, added_cpu = classifier_added(guard, prompts) if "harm" in guard.scanners else ([], [])
    if added:
        rows.append(
            {
                "what": "harm classifier added (embeddings shared with the injection scanner)",
                "n": len(added),
                "p50": float(np.percentile(added, 50)),
                "p95": float(np.percentile(added, 95)),
                "cpu_p95": float(np.percentile(added_cpu, 95)),
                "target": CLASSIFIER_TARGET_MS,
            }
        )
    return rows


def print_target_table(
    rows: list[dict], load_s: float, loadavg: tuple[float, float], backend: str = ""
) -> None:
    print("## Issue #12 latency figures (one core, after warm-up; measured)\n")
    if backend:
        print(f"Embeddings: {backend}.\n")
    print(
        f"Load average before/after: {loadavg[0]:.2f} / {loadavg[1]:.2f}. Wall time counts time "
        "spent waiting for a core on a shared machine; thread CPU time does not.\n"
    )
    print("| figure | n | p50 ms | p95 ms (wall) | p95 ms (CPU) | target p95 | met (wall / CPU) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        cpu = r["cpu_p95"]
        met_wall = "yes" if r["p95"] <= r["target"] else "no"
        met_cpu = "–" if cpu is None else ("yes" if cpu <= r["target"] else "no")
        print(
            f"| {r['what']} | {r['n']} | {r['p50']:.2f} | {r['p95']:.2f} | "
            f"{'–' if cpu is None else f'{cpu:.2f}'} | <= {r['target']:g} ms | "
            f"{met_wall} / {met_cpu} |"
        )
    print(f"| model load (fresh process, until warmed up) | 1 | {load_s:.2f} s | | | reported | |")
    print()


def redteam_row(what: str, guard) -> dict:
    """Catch rate and false-positive rate of a guard's input rail on the shipped red-team file."""
    from backend.guardrails.redteam import load_prompts

    prompts = load_prompts()
    decisions = guard.check_batch([p.text for p in prompts], generate=False)
    blocked = [not d.allowed for d in decisions]
    attacks = [b for b, p in zip(blocked, prompts, strict=True) if p.label == 1]
    benign = [b for b, p in zip(blocked, prompts, strict=True) if p.label == 0]
    return {
        "what": what,
        "backend": _encoder_label(guard),
        "caught": sum(attacks),
        "attacks": len(attacks),
        "false_positives": sum(benign),
        "benign": len(benign),
        "blocked": blocked,
    }


def toxicity_auc(scorer) -> dict | None:
    path = SHARED / "wiki_toxicity_test.csv"
    if not path.is_file():
        return None
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    df = pd.read_csv(path)
    y = df["toxic"].astype(str).str.lower().isin(["true", "1"]).astype(int).to_numpy()
    t = time.perf_counter()
    scores = scorer.score(df["comment"].astype(str).tolist())
    secs = time.perf_counter() - t
    return {
        "auc": float(roc_auc_score(y, scores)),
        "n": len(df),
        "toxic": int(y.sum()),
        "seconds": secs,
        "backend": scorer.backend_name,
    }


def pii_precision_recall(scanner) -> dict | None:
    path = SHARED / "pii_synthetic_spans.json"
    if not path.is_file():
        return None
    records = json.loads(path.read_text(encoding="utf-8"))
    stats: dict[str, dict[str, int]] = {}

    def bump(entity, key):
        stats.setdefault(entity, {"tp": 0, "fp": 0, "fn": 0})[key] += 1

    for rec in records:
        text = rec["full_text"]
        gold = [
            (PII_MAP[s["entity_type"]], s["start_position"], s["end_position"])
            for s in rec["spans"]
            if s["entity_type"] in PII_MAP
        ]
        pred = [(s.label, s.start, s.end) for s in scanner.scan(text).spans]
        matched_gold = set()
        for ent, start, end in pred:
            hit = next(
                (
                    i
                    for i, (g_ent, gs, ge) in enumerate(gold)
                    if g_ent == ent and start < ge and gs < end and i not in matched_gold
                ),
                None,
            )
            if hit is None:
                bump(ent, "fp")
            else:
                matched_gold.add(hit)
                bump(ent, "tp")
        for i, (ent, _, _) in enumerate(gold):
            if i not in matched_gold:
                bump(ent, "fn")
    rows = []
    for ent in sorted(stats):
        s = stats[ent]
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else None
        r = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else None
        rows.append({"entity": ent, **s, "precision": p, "recall": r})
    tp = sum(s["tp"] for s in stats.values())
    fp = sum(s["fp"] for s in stats.values())
    fn = sum(s["fn"] for s in stats.values())
    rows.append(
        {
            "entity": "all (micro)",
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": tp / max(1, tp + fp),
            "recall": tp / max(1, tp + fn),
        }
    )
    return {"rows": rows, "n_texts": len(records)}


def _fmt(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--lengths", choices=["loguniform", "uniform"], default="loguniform")
    parser.add_argument(
        "--skip-quantized",
        action="store_true",
        help="skip the other MiniLM runtimes and the fast policy (default rail only)",
    )
    parser.add_argument(
        "--precision",
        choices=["auto", "int8", "fp32"],
        default="auto",
        help="MiniLM precision of the measured rail (default: the shipped policy's automatic "
        "choice, int8 on CPUs without AMX); fp32 gives the exact 'before' figures",
    )
    parser.add_argument(
        "--targets-only",
        action="store_true",
        help="print only the issue #12 latency table (rail p95 by length, classifier, load)",
    )
    args = parser.parse_args(argv)

    from backend.config import apply_offline_env

    apply_offline_env()
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    from backend.models import set_torch_threads

    set_torch_threads(1)  # torch and ONNX Runtime sessions: one intra-op thread
    from backend.guardrails.pipeline import Guard
    from backend.guardrails.policy import default_policy

    t_import = time.perf_counter() - t0
    t = time.perf_counter()
    policy = default_policy()
    if args.precision != "auto":
        policy = policy.model_copy(
            update={
                "embeddings": policy.embeddings.model_copy(
                    update={"quantize": args.precision == "int8"}
                )
            }
        )
    guard = Guard(policy)  # builds the scanners: loads MiniLM and the toxicity scorer
    t_build = time.perf_counter() - t
    warm = guard.warm_up()
    load_total = time.perf_counter() - t0

    prompts = build_prompts(args.n, args.lengths)
    uniform = prompts if args.lengths == "uniform" else build_prompts(args.n, "uniform", seed=1)
    short = [p for p in build_prompts(args.n * 4, "loguniform", seed=2) if len(p) < 200][: args.n]
    load_mid = os.getloadavg()
    loguniform = (
        prompts if args.lengths == "loguniform" else build_prompts(args.n, "loguniform", seed=3)
    )
    targets = target_rows(guard, uniform, short, loguniform)
    targets_loadavg = (load_mid[0], os.getloadavg()[0])
    if args.targets_only:
        print_target_table(targets, load_total, targets_loadavg, _encoder_label(guard))
        return 0
    rows = bench_latency(guard, prompts)
    rail_raw = rows[-1].pop("one_raw")
    rail_cpu = rows[-1].pop("cpu_raw")
    length_rows = by_length(prompts, rail_raw)
    length_cpu = by_length(prompts, rail_cpu)

    quant_rows = []
    redteam_rows = [redteam_row("default input rail", guard)]
    reference = redteam_rows[0]
    if not args.skip_quantized:
        from backend.guardrails.policy import load_policy, parse_policy

        variants = [
            (
                "input rail, MiniLM torch fp32 (default before)",
                parse_policy("embeddings: {runtime: torch}"),
            ),
            (
                "input rail, MiniLM ONNX Runtime fp32",
                parse_policy("embeddings: {runtime: onnxruntime}"),
            ),
            ("input rail, MiniLM torch bf16", parse_policy("embeddings: {runtime: torch-bf16}")),
            # The latency-first policy shipped in configs/: MiniLM int8, at most 3 windows.
            (
                "input rail, guardrails-fast.yaml",
                load_policy(ROOT / "configs" / "guardrails-fast.yaml"),
            ),
        ]
        default_label = _encoder_label(guard)
        for what, policy in variants:
            t = time.perf_counter()
            other = Guard(policy)
            other.warm_up()
            q_load = time.perf_counter() - t
            label = _encoder_label(other)
            if (
                label == default_label
                and policy.embeddings.max_windows == guard.policy.embeddings.max_windows
            ):
                continue  # the default already is this runtime
            _clear_cache(other)
            one = time_one_at_a_time(lambda x, g=other: g.scan([x], "input"), prompts)
            q_cpu = _pct(_LAST_CPU)
            _clear_cache(other)
            batched, rate = time_batched(lambda b, g=other: g.scan(b, "input"), prompts)
            if what.endswith("fast.yaml"):
                label += f", {policy.embeddings.max_windows} windows max"
            quant_rows.append(
                {
                    "what": what,
                    "backend": label,
                    "one": _pct(one),
                    "cpu": q_cpu,
                    "batched": _pct(batched),
                    "per_s": rate,
                    "load_s": q_load,
                }
            )
            row = redteam_row(what, other)
            if "torch fp32" in label and "default before" in what:
                reference = row
            redteam_rows.append(row)
    for row in redteam_rows:
        if reference is not redteam_rows[0] or "torch fp32" in reference["backend"]:
            changed = zip(row["blocked"], reference["blocked"], strict=True)
            row["changed_vs_torch_fp32"] = sum(a != b for a, b in changed)
    for row in redteam_rows:
        row.pop("blocked")

    tox = toxicity_auc(guard.scanners["toxicity"].scorer)
    pii = pii_precision_recall(guard.scanners["pii"])
    load1 = os.getloadavg()

    lens = [len(p) for p in prompts]
    print(f"# Guardrail benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n")
    print(
        f"Machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, torch threads 1. "
        f"Load average before/after: {load0[0]:.2f} / {load1[0]:.2f} "
        f"({'shared with other work: numbers are inflated' if max(load0[0], load1[0]) > 1.2 else 'mostly idle'}).\n"
    )
    print(
        f"Prompts: {len(prompts)} unique, {args.lengths} lengths {min(lens)}-{max(lens)} chars (median {int(np.median(lens))}).\n"
    )
    print_target_table(targets, load_total, targets_loadavg, _encoder_label(guard))
    print("## Model load (fresh process, measured)\n")
    print("| step | seconds |\n| --- | ---: |")
    print(f"| imports (torch + guardrails) | {t_import:.2f} |")
    print(f"| build the default policy's scanners (loads MiniLM) | {t_build:.2f} |")
    for name, secs in warm.items():
        print(f"| {name}: first call (lazy loads, exemplar embeddings) | {secs:.2f} |")
    print(f"| total until ready | {load_total:.2f} |")
    for r in quant_rows:
        print(f"| {r['what']}: build + warm-up in the same process | {r['load_s']:.2f} |")
    print()
    print("## Latency per prompt, ms (measured after warm-up)\n")
    print(
        "| scanner | one at a time wall p50 | p95 | p99 | CPU p50 | CPU p95 | CPU p99 | "
        "batched (32) wall p50 | p95 | p99 | prompts/s batched | backend |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows + quant_rows:
        o, c, b = r["one"], r["cpu"], r["batched"]
        print(
            f"| {r['what']} | {o['p50']:.1f} | {o['p95']:.1f} | {o['p99']:.1f} | {c['p50']:.1f} | "
            f"{c['p95']:.1f} | {c['p99']:.1f} | {b['p50']:.1f} | {b['p95']:.1f} | {b['p99']:.1f} | "
            f"{r['per_s']:.0f} | {r.get('backend', 'MiniLM int8 dynamic quantisation')} |"
        )
    print("\n## Red-team suite (shipped file, input rail decisions; measured)\n")
    print(
        "| rail | MiniLM runtime | caught | catch rate | false positives | FPR | decisions changed vs torch fp32 |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in redteam_rows:
        changed = r.get("changed_vs_torch_fp32")
        print(
            f"| {r['what']} | {r['backend']} | {r['caught']}/{r['attacks']} | "
            f"{r['caught'] / r['attacks']:.0%} | {r['false_positives']}/{r['benign']} | "
            f"{r['false_positives'] / r['benign']:.0%} | {'–' if changed is None else changed} |"
        )
    print("\n## Default input rail, one at a time, by prompt length (ms: wall, and thread CPU)\n")
    print("| chars | n | wall p50 | wall p95 | wall p99 | CPU p50 | CPU p95 | CPU p99 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r, c in zip(length_rows, length_cpu, strict=True):
        print(
            f"| {r['chars']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
            f"{c['p50']:.1f} | {c['p95']:.1f} | {c['p99']:.1f} |"
        )
    if tox:
        print("\n## Toxicity scorer quality (measured)\n")
        print(
            f"ROC AUC **{tox['auc']:.3f}** on wiki_toxicity_test.csv ({tox['n']} comments, {tox['toxic']} toxic), "
            f"backend: {tox['backend']}; scored in {tox['seconds']:.2f} s."
        )
    else:
        print("\n(shared data absent: toxicity ROC AUC not measured)")
    if pii:
        print(
            f"\n## PII detection on pii_synthetic_spans.json ({pii['n_texts']} texts; span overlap, same type)\n"
        )
        print(
            "| entity | TP | FP | FN | precision | recall |\n| --- | ---: | ---: | ---: | ---: | ---: |"
        )
        for r in pii["rows"]:
            print(
                f"| {r['entity']} | {r['tp']} | {r['fp']} | {r['fn']} | {_fmt(r['precision'], 3)} | {_fmt(r['recall'], 3)} |"
            )
        print(
            "\nGold types we do not detect (ORGANIZATION, GPE, DATE_TIME, ...) are left out of recall."
        )

    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "guard_latency.json").write_text(
        json.dumps(
            {
                "load": {
                    "imports_s": t_import,
                    "build_s": t_build,
                    "warm_up_s": warm,
                    "total_s": load_total,
                },
                "targets": targets,
                "latency": rows + quant_rows,
                "redteam": redteam_rows,
                "by_length": length_rows,
                "by_length_cpu": length_cpu,
                "toxicity": tox,
                "pii": pii,
                "loadavg": [load0, load1],
                "prompts": {"n": len(prompts), "lengths": args.lengths},
            },
            indent=2,
            default=str,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
