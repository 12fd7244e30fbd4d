"""Feasibility of a two-stage MiniLM cascade for the guardrail input rail (measured).

Run: ``.venv/bin/python -m benchmarks.guard_static_cascade [--n 300]``

Question: can static sentence vectors distilled from all-MiniLM-L6-v2 (model2vec-style)
decide most prompts, so the full MiniLM only runs on uncertain sentence windows and the
default input rail meets p95 <= 15 ms on one core?

Stage 1 (measured here, not shipped in the scanners): every vocabulary token is embedded
once by MiniLM (``[CLS] token [SEP]``, mean-pooled, about 20 s on one core, cached as .npy in
``$STEWARD_HOME/cache``); the shared direction is removed and a text's vector is the
Zipf/SIF-weighted mean of its tokens' rows minus the expected sentence vector. Each scanner
scores a window by ``r = s + 0.5 (s - s_safe)`` with the static cosines to its risky and
safe exemplars (attack / benign for injection, blocked / allowed topics for topics).

The cut below which stage 1 may decide alone is the smallest ``r`` among the shipped red-team
prompts whose decision depends on MiniLM similarity (injection: MiniLM flags and the rules
alone do not; topics: MiniLM flags), i.e. the loosest cut that keeps every red-team
decision. The benchmark then reports, on ``--n`` benchmark prompts (same generator as
``benchmarks.guard_latency``), the share of windows and prompts stage 1 must escalate, and
the measured latency of that cascade per prompt: rules + PII + toxicity scanners, stage-1
vectors, and MiniLM on the escalated windows, all run for real, one torch thread.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

STATIC_VERSION = "static-cls-v1"


def static_table(encoder, cache_dir) -> tuple[np.ndarray, float, bool]:
    """Rows of ``[CLS] t [SEP]`` mean-pooled MiniLM outputs; (table, build seconds, cached)."""
    import hashlib

    import torch

    key = hashlib.sha256(f"{STATIC_VERSION}|{encoder.model_path}".encode()).hexdigest()[:16]
    path = cache_dir / f"minilm-static-{key}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False), 0.0, True
    tok = encoder.tokenizer
    vocab = len(tok)
    table = np.zeros((vocab, encoder.dim), dtype=np.float32)
    t0 = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, vocab, 512):
            ids = torch.arange(start, min(vocab, start + 512))
            x = torch.stack(
                [
                    torch.full_like(ids, tok.cls_token_id),
                    ids,
                    torch.full_like(ids, tok.sep_token_id),
                ],
                1,
            )
            out = encoder.model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state
            table[start : start + len(ids)] = out.mean(1).numpy()
    secs = time.perf_counter() - t0
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, table, allow_pickle=False)
    return table, secs, False


class Static:
    """Stage-1 encoder: SIF-weighted mean of distilled token rows (no transformer per text)."""

    def __init__(self, table: np.ndarray, tokenizer) -> None:
        vocab = table.shape[0]
        # BERT's uncased vocabulary lists whole words roughly by frequency after id 1996.
        rank = np.maximum(np.arange(vocab) - 1994, 1).astype(np.float64)
        p = (1.0 / rank) / np.sum(1.0 / rank)
        weights = (1e-4 / (1e-4 + p)).astype(np.float32)
        table = table - table.mean(0)
        _, _, vt = np.linalg.svd(table[2000:], full_matrices=False)
        table = table - (table @ vt[:1].T) @ vt[:1]
        self.table = (table * weights[:, None]).astype(np.float32)
        self.center = (p[:, None].astype(np.float32) * self.table).sum(0)
        self.tokenizer = tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        ids = self.tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
        for i, row in enumerate(ids):
            if row:
                v = self.table[row].mean(0) - self.center
                out[i] = v / max(1e-9, float(np.linalg.norm(v)))
        return out


def _pct(values) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    return {q: float(np.percentile(arr, int(q[1:]))) for q in ("p50", "p95", "p99")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args(argv)

    from backend.config import apply_offline_env, get_settings

    apply_offline_env()
    from backend.models import set_torch_threads

    set_torch_threads(1)  # torch and ONNX Runtime: one intra-op thread
    from backend.guardrails.base import sentence_windows
    from backend.guardrails.normalize import normalize
    from backend.guardrails.pipeline import Guard
    from backend.guardrails.policy import default_policy, parse_policy
    from backend.guardrails.redteam import load_prompts
    from benchmarks.guard_latency import build_prompts

    load0 = os.getloadavg()[0]
    guard = Guard(default_policy())
    guard.warm_up()
    inj, top = guard.scanners["injection"], guard.scanners["topics"]
    enc = inj.encoder
    # The token table comes from torch fp32 MiniLM, whatever runtime the scanners use.
    from backend.models import get_encoder

    table_encoder = get_encoder(runtime="torch")
    table, build_s, cached = static_table(table_encoder, get_settings().home / "cache")
    static = Static(table, table_encoder.tokenizer)
    ref = {
        "injection": (
            static.encode(list(inj.attack_exemplars)),
            static.encode(list(inj.benign_exemplars)),
        ),
        "topics": (
            static.encode([s for t in top.blocked for s in t.sentences()]),
            static.encode([s for t in top.allowed for s in t.sentences()]),
        ),
    }

    def windows(text: str) -> list[str]:
        base = normalize(text).base.text
        spans = sentence_windows(base, inj.window_chars, inj.max_windows)
        return [base[s:e] for s, e in spans if base[s:e].strip()]

    def stage1(wins: list[str]) -> dict[str, np.ndarray]:
        vecs = static.encode(wins)
        out = {}
        for name, (risky, safe) in ref.items():
            a, b = (vecs @ risky.T).max(1), (vecs @ safe.T).max(1)
            out[name] = a + 0.5 * (a - b)
        return out

    # Calibrate: the loosest cut that keeps every red-team decision that MiniLM makes.
    prompts = [p.text for p in load_prompts()]
    res_inj, res_top = inj.scan_batch(prompts), top.scan_batch(prompts)
    needs = {
        "injection": [r.flagged and r.details["rule_score"] < r.threshold for r in res_inj],
        "topics": [r.flagged for r in res_top],
    }
    needed_r = {
        name: sorted(
            float(stage1(windows(t))[name].max()) for t, n in zip(prompts, need, strict=True) if n
        )
        for name, need in needs.items()
    }
    benign_rt = [p.text for p in load_prompts() if p.label == 0]

    # Benchmark prompts: stage-1 work once, then MiniLM on the escalated windows per cut.
    rails = Guard(parse_policy("input: [pii, toxicity]"))
    rules = type(inj)(use_embeddings=False)
    bench = build_prompts(args.n, "loguniform", seed=11)
    plain, first, scores, wins_of = [], [], [], []
    for text in bench:
        c0 = time.thread_time()
        rules.scan(text)
        rails.scan([text], "input")
        c1 = time.thread_time()
        wins = windows(text)
        scores.append(stage1(wins))
        c2 = time.thread_time()
        plain.append((c1 - c0) * 1000)
        first.append((c2 - c1) * 1000)
        wins_of.append(wins)
    rows = []
    for misses in (0, 1, 3):
        cuts = {name: r[min(misses, len(r) - 1)] for name, r in needed_r.items()}
        enc._cache.clear()
        lat, n_win, n_esc, p_esc = [], 0, 0, 0
        for wins, r, base in zip(
            wins_of, scores, (a + b for a, b in zip(plain, first, strict=True)), strict=True
        ):
            esc = [w for i, w in enumerate(wins) if any(r[n][i] >= cuts[n] for n in cuts)]
            c = time.thread_time()
            if esc:
                enc.encode(esc)
            lat.append(base + (time.thread_time() - c) * 1000)
            n_win += len(wins)
            n_esc += len(esc)
            p_esc += bool(esc)
        rt_esc = np.mean(
            [any(stage1(windows(t))[n].max() >= cuts[n] for n in cuts) for t in benign_rt]
        )
        rows.append((misses, cuts, n_esc / max(1, n_win), p_esc / len(bench), rt_esc, _pct(lat)))
    load1 = os.getloadavg()[0]

    print(
        f"# Static MiniLM cascade feasibility ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n"
    )
    print(
        f"One torch thread; load average {load0:.2f} -> {load1:.2f} "
        f"({'shared machine: wall and CPU times inflated' if max(load0, load1) > 1.2 else 'idle'}).\n"
    )
    how = "loaded from the .npy cache" if cached else f"built in {build_s:.1f} s and cached"
    print(f"Static table: {table.shape[0]} x {table.shape[1]} float32, {how}.\n")
    n_need = {name: len(r) for name, r in needed_r.items()}
    print(
        f"Red-team prompts whose decision depends on MiniLM similarity: {n_need}. Cut = the "
        "r of the k-th of them from the bottom (k = red-team decisions given up per scanner).\n"
    )
    print(
        "| red-team decisions lost per scanner | cut injection | cut topics | windows escalated | "
        "prompts escalated | benign red-team escalated | cascade rail CPU p50 | p95 | p99 |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for misses, cuts, w, p, rt, q in rows:
        print(
            f"| {misses} | {cuts['injection']:.3f} | {cuts['topics']:.3f} | {w:.0%} | {p:.0%} | "
            f"{rt:.0%} | {q['p50']:.1f} | {q['p95']:.1f} | {q['p99']:.1f} |"
        )
    print("\n| thread CPU ms per prompt | p50 | p95 | p99 |\n| --- | ---: | ---: | ---: |")
    for label, values in (
        ("rules + PII + toxicity (no embeddings)", plain),
        ("stage 1 (static vectors, both scanners)", first),
    ):
        q = _pct(values)
        print(f"| {label} | {q['p50']:.1f} | {q['p95']:.1f} | {q['p99']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
