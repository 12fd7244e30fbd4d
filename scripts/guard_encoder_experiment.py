"""Does tuning MiniLM's top layers beat the frozen encoder for the harm head? (measurement)

Same protocol as ``backend.guardrails.train.cross_source``: leave one source group out,
train on the others' 80 % split, thresholds on their 20 % validation split (validation
benign rows, the project's look-alikes left out, FPR budget ``--max-fpr``), score the
held-out group; near-duplicates of training rows (cosine >= 0.95 on the frozen embedding)
are not counted. Only the folds the headline needs are run (the three external harmful
groups and the four everyday benign groups), plus one fit on every trainable row for the
look-alike test sets (never trained on, evaluation only).

The bottom ``6 - K`` transformer layers stay frozen (their output is computed once and
kept in memory), the top ``K`` layers are fine-tuned per fold with a source-weighted
harmful/benign loss and a category loss on mean-pooled, normalised embeddings. Reported for
every fold and variant:

* ``frozen``: the shipped recipe (logistic + neighbours) over the frozen embedding;
* ``tuned-logit``: the fine-tuned linear head itself;
* ``tuned-recipe``: the shipped recipe over the tuned embedding.

Run (niced), as measured for docs/guardrails.md::

    nice -n 10 .venv/bin/python -m scripts.guard_encoder_experiment --threads 2 --k-top 1 --max-steps 150
    nice -n 10 .venv/bin/python -m scripts.guard_encoder_experiment --threads 2 --k-top 2 --max-steps 300

(the second stops at one epoch: 167-244 steps per fit). Two grouped folds instead of seven
single-group ones keep the CPU cost sane; the frozen baseline is measured on the same folds.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np

from backend.config import apply_offline_env

apply_offline_env()

from backend.guardrails.harm_head import source_weights, threshold_at_fpr  # noqa: E402
from backend.guardrails.train import (  # noqa: E402
    EVERYDAY_GROUPS,
    HARD_NEGATIVES,
    NEAR_DUPLICATE,
    SOURCE_GROUPS,
    TEST_ONLY_SOURCES,
    auc,
    first_window,
    fit_with_thresholds,
    load_corpus,
    stratified_split,
    trainable,
)

EXTERNAL_HARM = ("Do-Not-Answer", "HarmBench", "past/future-tense rephrasings")
FOLDS = EXTERNAL_HARM + EVERYDAY_GROUPS
#: Cheaper grouped protocol (two folds): each fold leaves several groups out at once.
GROUPED = (
    "Do-Not-Answer+ChatterBot corpus+project everyday (ours)",
    "HarmBench+past/future-tense rephrasings+BYU chit-chat conversations+MT-Bench questions",
)


def cpu_seconds() -> float:
    return time.process_time()


def bottom_states(windows: list[str], k_top: int, threads: int, cache: Path):
    """Per-row hidden states entering the top ``k_top`` layers, and frozen embeddings."""
    import torch
    from transformers import AutoModel

    from backend.models import minilm_path

    path = minilm_path()
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            flat, offsets, frozen = z["flat"], z["offsets"], z["frozen"]
        states = [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
        if len(states) == len(windows):
            return states, frozen
    torch.set_num_threads(threads)
    model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    enc = tok.encode_batch([w or " " for w in windows])
    order = np.argsort([len(e.ids) for e in enc])
    n_layers = model.config.num_hidden_layers
    states: list = [None] * len(windows)
    frozen = np.zeros((len(windows), model.config.hidden_size), np.float32)
    for s in range(0, len(order), 64):
        batch = order[s : s + 64]
        width = max(len(enc[i].ids) for i in batch)
        ids = np.zeros((len(batch), width), np.int64)
        mask = np.zeros((len(batch), width), np.int64)
        for r, i in enumerate(batch):
            ids[r, : len(enc[i].ids)] = enc[i].ids
            mask[r, : len(enc[i].ids)] = 1
        with torch.inference_mode():
            out = model(
                input_ids=torch.from_numpy(ids),
                attention_mask=torch.from_numpy(mask),
                output_hidden_states=True,
            )
        hid = out.hidden_states[n_layers - k_top].numpy()
        last = out.last_hidden_state.numpy()
        for r, i in enumerate(batch):
            n = int(mask[r].sum())
            states[i] = hid[r, :n].astype(np.float16)
            v = last[r, :n].mean(0)
            frozen[i] = v / np.linalg.norm(v)
        if s % 2048 == 0:
            print(f"  bottom states {s}/{len(order)}", flush=True)
    offsets = np.concatenate([[0], np.cumsum([len(x) for x in states])])
    np.savez(cache, flat=np.concatenate(states), offsets=offsets, frozen=frozen)
    return states, frozen


def padded(states: list, idx):
    """Hidden states of rows ``idx`` padded to one width, their mask and the additive mask."""
    import torch

    width = max(len(states[i]) for i in idx)
    h = torch.zeros(len(idx), width, states[idx[0]].shape[1])
    mask = torch.zeros(len(idx), width)
    for r, i in enumerate(idx):
        h[r, : len(states[i])] = torch.from_numpy(states[i].astype(np.float32))
        mask[r, : len(states[i])] = 1
    return h, mask, (1.0 - mask)[:, None, None, :] * -1e9


def run_layer(layer, h, additive):
    out = layer(h, additive)
    return out[0] if isinstance(out, tuple) else out


def advance_one_layer(states: list) -> list:
    """Run the frozen layer 5 of 6 over cached inputs of layer 5 (so only layer 6 is tuned)."""
    import torch

    one = Top(2, 1, 0)
    layer = one.layers[0].eval()
    lengths = np.array([len(s) for s in states])
    order = np.argsort(lengths, kind="stable")
    out: list = [None] * len(states)
    with torch.inference_mode():
        for s in range(0, len(order), 64):
            b = order[s : s + 64]
            h, _mask, additive = padded(states, b)
            h = run_layer(layer, h, additive)
            for r, i in enumerate(b):
                out[i] = h[r, : len(states[i])].numpy().astype(np.float16)
    return out


class Top:
    """The top ``k`` layers of MiniLM plus a harmful and a category head."""

    def __init__(self, k_top: int, n_cats: int, seed: int):
        import torch
        from transformers import AutoModel

        from backend.models import minilm_path

        torch.manual_seed(seed)
        model = AutoModel.from_pretrained(
            str(minilm_path()), local_files_only=True, attn_implementation="eager"
        )
        n = model.config.num_hidden_layers
        self.layers = torch.nn.ModuleList(copy.deepcopy(model.encoder.layer[n - k_top :]))
        self.harm = torch.nn.Linear(model.config.hidden_size, 1)
        self.cat = torch.nn.Linear(model.config.hidden_size, n_cats)
        self.scale = 10.0

    def parameters(self):
        return [*self.layers.parameters(), *self.harm.parameters(), *self.cat.parameters()]

    def train(self, on: bool):
        self.layers.train(on)

    def embed(self, states: list, idx):
        import torch

        h, mask, additive = padded(states, idx)
        for layer in self.layers:
            h = run_layer(layer, h, additive)
        pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=1)


def batches(idx: np.ndarray, lengths: np.ndarray, size: int, rng) -> list[np.ndarray]:
    """Shuffled batches of similar length (chunks of 50 batches sorted by length)."""
    idx = rng.permutation(idx)
    out = []
    chunk = size * 50
    for s in range(0, len(idx), chunk):
        part = idx[s : s + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        out += [part[j : j + size] for j in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def tune(states, rows, train_idx, args, cats: list[str]):
    """Fine-tune the top layers on ``train_idx``; returns the model."""
    import torch

    labels = np.array([rows[i].label for i in train_idx])
    sources = np.array([rows[i].source for i in train_idx])
    keep = np.isin(labels, ["harmful", "benign"])
    idx = train_idx[keep]
    labels, sources = labels[keep], sources[keep]
    w = source_weights(labels, sources)
    weight = dict(zip(idx.tolist(), w.tolist(), strict=True))
    cat_index = {c: j for j, c in enumerate(cats)}
    catw = {}
    harm = labels == "harmful"
    catl = np.array([rows[i].category for i in idx[harm]])
    ok = np.isin(catl, cats)
    if ok.any():
        cw = source_weights(catl[ok], sources[harm][ok])
        catw = dict(zip(idx[harm][ok].tolist(), cw.tolist(), strict=True))
    top = Top(args.k_top, len(cats), args.seed)
    opt = torch.optim.AdamW(
        [
            {"params": list(top.layers.parameters()), "lr": args.lr},
            {"params": [*top.harm.parameters(), *top.cat.parameters()], "lr": args.head_lr},
        ],
        weight_decay=0.01,
    )
    rng = np.random.default_rng(args.seed)
    lengths = np.array([len(s) for s in states])
    plan = [b for _ in range(args.epochs) for b in batches(idx, lengths, args.batch, rng)]
    plan = plan[: args.max_steps] if args.max_steps else plan
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda step: (
            min(1.0, (step + 1) / max(1, len(plan) // 10)) * max(0.0, 1 - step / len(plan))
        ),
    )
    top.train(True)
    total = 0.0
    for step, b in enumerate(plan):
        e = top.embed(states, b)
        y = torch.tensor([rows[i].label == "harmful" for i in b], dtype=torch.float32)
        wt = torch.tensor([weight[i] for i in b], dtype=torch.float32)
        logit = top.harm(e * top.scale).squeeze(1)
        loss = (
            torch.nn.functional.binary_cross_entropy_with_logits(logit, y, reduction="none") * wt
        ).sum() / wt.sum()
        cb = [r for r, i in enumerate(b) if i in catw]
        if cb:
            ct = torch.tensor([cat_index[rows[b[r]].category] for r in cb])
            cwt = torch.tensor([catw[b[r]] for r in cb], dtype=torch.float32)
            closs = torch.nn.functional.cross_entropy(
                top.cat(e[cb] * top.scale), ct, reduction="none"
            )
            loss = loss + args.cat_weight * (closs * cwt).sum() / cwt.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
        opt.step()
        sched.step()
        total += float(loss.detach())
        if (step + 1) % 50 == 0:
            print(f"    step {step + 1}/{len(plan)} loss {total / 50:.4f}", flush=True)
            total = 0.0
    top.train(False)
    return top


def tuned_outputs(top, states, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import torch

    lengths = np.array([len(states[i]) for i in idx])
    order = idx[np.argsort(lengths, kind="stable")]
    emb, logit = {}, {}
    with torch.inference_mode():
        for s in range(0, len(order), 64):
            b = order[s : s + 64]
            e = top.embed(states, b)
            z = top.harm(e * top.scale).squeeze(1)
            for r, i in enumerate(b):
                emb[int(i)] = e[r].numpy()
                logit[int(i)] = float(z[r])
    return np.stack([emb[int(i)] for i in idx]), np.array([logit[int(i)] for i in idx])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k-top", type=int, default=1, help="layers tuned (1 or 2)")
    ap.add_argument("--max-steps", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--cat-weight", type=float, default=0.5)
    ap.add_argument("--max-fpr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--folds", default=";".join(GROUPED))
    ap.add_argument("--no-final", action="store_true")
    ap.add_argument("--out", default="encoder_experiment.json")
    args = ap.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    t0, c0 = time.perf_counter(), cpu_seconds()
    rows = load_corpus()
    windows = [first_window(r.text) for r in rows]
    from backend.config import get_settings

    cache = get_settings().home / "cache" / "encoder-experiment-bottom-k2.npz"
    cache.parent.mkdir(parents=True, exist_ok=True)
    states, frozen = bottom_states(windows, 2, args.threads, cache)
    if args.k_top == 1:
        states = advance_one_layer(states)
    print(f"bottom states: {time.perf_counter() - t0:.0f} s wall, {cpu_seconds() - c0:.0f} CPU s")
    from backend.guardrails.taxonomy import CATEGORIES

    cats = list(CATEGORIES)
    check = Top(args.k_top, len(cats), args.seed)
    probe = np.arange(0, len(rows), max(1, len(rows) // 64))
    with torch.inference_mode():
        same = (check.embed(states, probe).numpy() * frozen[probe]).sum(1).min()
    print(f"untuned top layers reproduce the frozen embedding: min cosine {same:.5f}")
    n = len(rows)
    source_group = {s: g for g, srcs in SOURCE_GROUPS.items() for s in srcs}
    group = np.array([source_group.get(r.source, "") for r in rows], dtype=object)
    labels = np.array([r.label for r in rows])
    pool = trainable(rows)
    variants = ("frozen", "tuned-logit", "tuned-recipe")
    score = {v: np.full(n, np.nan) for v in variants}
    flag = {v: np.zeros(n, bool) for v in variants}
    counted = np.zeros(n, bool)
    fold_info = {}
    for name in args.folds.split(";"):
        fc0, ft0 = cpu_seconds(), time.perf_counter()
        out_groups = name.split("+")
        held = np.array(
            [i for i in range(n) if group[i] in out_groups and labels[i] in ("harmful", "benign")]
        )
        train_pool = np.array([i for i in pool if group[i] not in out_groups])
        train_idx, val_idx = stratified_split(rows, train_pool, seed=args.seed)
        counted[held] = (frozen[held] @ frozen[train_pool].T).max(1) < NEAR_DUPLICATE
        base = fit_with_thresholds(frozen, rows, train_pool, seed=args.seed, max_fpr=args.max_fpr)
        score["frozen"][held] = base.predict(frozen[held]).harmful
        flag["frozen"][held] = score["frozen"][held] >= base.threshold
        print(f"fold {name}: tuning on {len(train_idx)} rows", flush=True)
        top = tune(states, rows, train_idx, args, cats)
        need = np.union1d(train_pool, held)
        emb, logit = tuned_outputs(top, states, need)
        xt = np.zeros_like(frozen)
        xt[need] = emb
        lg = np.full(n, np.nan)
        lg[need] = logit
        benign_val = np.array(
            [i for i in val_idx if labels[i] == "benign" and rows[i].source not in HARD_NEGATIVES]
        )
        p = 1 / (1 + np.exp(-lg))
        t_logit = threshold_at_fpr(p[benign_val], args.max_fpr)
        score["tuned-logit"][held] = p[held]
        flag["tuned-logit"][held] = p[held] >= t_logit
        tuned = fit_with_thresholds(xt, rows, train_pool, seed=args.seed, max_fpr=args.max_fpr)
        score["tuned-recipe"][held] = tuned.predict(xt[held]).harmful
        flag["tuned-recipe"][held] = score["tuned-recipe"][held] >= tuned.threshold
        fold_info[name] = {
            "cpu_s": round(cpu_seconds() - fc0, 1),
            "wall_s": round(time.perf_counter() - ft0, 1),
            "thresholds": [base.threshold, t_logit, tuned.threshold],
        }
        print(f"  {fold_info[name]}", flush=True)
        for v in variants:
            m = counted & np.isin(group, out_groups)
            print(f"    {v}: flagged {flag[v][m].mean():.3f} of {m.sum()}", flush=True)

    result: dict = {"args": vars(args), "folds": fold_info}
    everyday = counted & (labels == "benign") & np.isin(group, EVERYDAY_GROUPS)
    ext = counted & (labels == "harmful") & np.isin(group, EXTERNAL_HARM)
    for v in variants:
        r = {
            "recall": float(flag[v][ext].mean()) if ext.any() else None,
            "everyday_fpr": float(flag[v][everyday].mean()) if everyday.any() else None,
            "auc": auc(score[v][ext], score[v][everyday]) if everyday.any() else None,
        }
        if everyday.any() and ext.any():
            t05 = np.quantile(score[v][everyday], 0.95)
            r["recall_at_everyday_fpr_0.05_oracle"] = float((score[v][ext] > t05).mean())
        for g in EXTERNAL_HARM:
            m = counted & (group == g) & (labels == "harmful")
            if m.any() and everyday.any():
                r[g] = {
                    "recall": float(flag[v][m].mean()),
                    "auc": auc(score[v][m], score[v][everyday]),
                }
        for g in EVERYDAY_GROUPS:
            m = counted & (group == g) & (labels == "benign")
            if m.any():
                r[g] = {"fpr": float(flag[v][m].mean())}
        result[v] = r
    if not args.no_final:
        fc0 = cpu_seconds()
        train_idx, val_idx = stratified_split(rows, pool, seed=args.seed)
        print("final fit for the look-alike test sets", flush=True)
        top = tune(states, rows, train_idx, args, cats)
        test = np.array([i for i in range(n) if rows[i].source in TEST_ONLY_SOURCES])
        need = np.union1d(pool, test)
        emb, logit = tuned_outputs(top, states, need)
        xt = np.zeros_like(frozen)
        xt[need] = emb
        p = np.full(n, np.nan)
        p[need] = 1 / (1 + np.exp(-logit))
        benign_val = np.array(
            [i for i in val_idx if labels[i] == "benign" and rows[i].source not in HARD_NEGATIVES]
        )
        base = fit_with_thresholds(frozen, rows, pool, seed=args.seed, max_fpr=args.max_fpr)
        tuned = fit_with_thresholds(xt, rows, pool, seed=args.seed, max_fpr=args.max_fpr)
        outs = {
            "frozen": (base.predict(frozen).harmful, base.threshold),
            "tuned-logit": (p, threshold_at_fpr(p[benign_val], args.max_fpr)),
            "tuned-recipe": (tuned.predict(xt).harmful, tuned.threshold),
        }
        for src in TEST_ONLY_SOURCES:
            m = np.array([rows[i].source == src for i in range(n)])
            y = m & (labels == "harmful")
            b = m & (labels == "benign")
            for v, (s, t) in outs.items():
                result[v][src] = {
                    "recall": float((s[y] >= t).mean()),
                    "fpr": float((s[b] >= t).mean()),
                    "auc": auc(s[y], s[b]),
                }
        result["final_cpu_s"] = round(cpu_seconds() - fc0, 1)
    result["total_cpu_s"] = round(cpu_seconds() - c0, 1)
    result["total_wall_s"] = round(time.perf_counter() - t0, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
