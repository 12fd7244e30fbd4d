"""Dataset audit at corpus scale: rows/s and peak RSS per size, near-duplicate quality.

    .venv/bin/python -m benchmarks.audit_scale                        # 1M rows + quality
    nice .venv/bin/python -m benchmarks.audit_scale --rows 1000000,5000000,10000000
    .venv/bin/python -m benchmarks.audit_scale --quality-only         # 20k-row brute force

Rows come from a fast generator of *unique* short comments (random words from a
20,000-word synthetic vocabulary, 6–24 words each, vectorised with Arrow), not the
templated demo comments, with planted problems: 1 % exact duplicates (re-cased or
re-spaced copies of an earlier row), 1 % near duplicates (one word inserted, deleted or
substituted), 0.5 % rows with an e-mail address, a label and two sensitive columns, and a
train/test split. Files are cached as CSV under the temp dir.

Each size is audited in a *fresh subprocess* (the non-neural checks: representation, label
skew, PII, duplicates, text statistics), so the peak RSS printed is the audit's own.

Near-duplicate quality: a 20,000-row sample of short comments with 2,000 planted edits (a
word inserted, deleted or substituted; punctuation; case; whitespace). Brute force computes
the exact Jaccard of the audit's own shingle sets for every pair of distinct texts; the
audit's verified pairs are compared with the pairs at or above the threshold: recall and
precision. Numbers are wall-clock on a shared machine: the load average is printed with
them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHECKS = ("representation", "label_skew", "pii", "duplicates", "text_stats")
_SYLLABLES = [
    a + b
    for a in [
        "b",
        "c",
        "d",
        "f",
        "g",
        "h",
        "j",
        "k",
        "l",
        "m",
        "n",
        "p",
        "r",
        "s",
        "t",
        "v",
        "w",
        "z",
    ]
    for b in ("a", "e", "i", "o", "u")
]


def vocabulary(size: int = 20_000, seed: int = 0) -> np.ndarray:
    """Distinct pseudo-words of 1–4 syllables (object array)."""
    rng = np.random.default_rng(seed)
    words: dict[str, None] = {}
    while len(words) < size:
        n = rng.integers(1, 5)
        words["".join(rng.choice(_SYLLABLES, n))] = None
    return np.array(list(words), dtype=object)


def _join(ids_per_row: list[np.ndarray] | tuple[np.ndarray, np.ndarray], vocab) -> list[str]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    ids, lengths = ids_per_row
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    words = pa.array(vocab, pa.large_string()).take(pa.array(ids))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), words)
    return pc.binary_join(lists, pa.scalar(" ", pa.large_string()))


def _edit(words: list[int], rng, vocab_size: int) -> tuple[list[int], str]:
    kind = ("insert", "delete", "substitute")[int(rng.integers(3))]
    out = list(words)
    i = int(rng.integers(len(out)))
    if kind == "insert":
        out.insert(i, int(rng.integers(vocab_size)))
    elif kind == "delete" and len(out) > 2:
        del out[i]
    else:
        kind = "substitute"
        out[i] = int(rng.integers(vocab_size))
    return out, kind


def generate_chunk(n: int, start: int, seed: int, vocab: np.ndarray, *, min_words=6, max_words=24):
    """``n`` rows as an Arrow table: unique texts with planted duplicates and PII."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    rng = np.random.default_rng([seed, start])
    lengths = rng.integers(min_words, max_words + 1, n)
    # Zipf-like word frequencies: a few common words, a long tail.
    ids = np.minimum((rng.pareto(1.1, int(lengths.sum())) * 50).astype(np.int64), len(vocab) - 1)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    # Planted near duplicates: one word inserted, deleted or substituted in an earlier row.
    near = rng.choice(np.arange(n // 2, n), size=n // 100, replace=False)
    new_len = lengths.copy()
    edited = {}
    for r in near.tolist():
        src = int(rng.integers(0, r))
        words, _ = _edit(ids[offsets[src] : offsets[src + 1]].tolist(), rng, len(vocab))
        edited[r] = np.asarray(words, dtype=np.int64)
        new_len[r] = len(words)
    # Unedited rows are copied as whole slices between the edited ones.
    parts, prev = [], 0
    for r in sorted(edited):
        parts += [ids[offsets[prev] : offsets[r]], edited[r]]
        prev = r + 1
    parts.append(ids[offsets[prev] :])
    texts = _join((np.concatenate(parts), new_len), vocab)
    # Exact duplicates: an earlier row again, re-cased or with doubled spaces.
    exact = rng.choice(np.arange(n // 2, n), size=n // 100, replace=False)
    exact = exact[~np.isin(exact, near)]
    src = (rng.random(len(exact)) * exact).astype(np.int64)
    copies = texts.take(pa.array(src))
    upper = rng.random(len(exact)) < 0.5
    copies = pc.if_else(
        pa.array(upper),
        pc.utf8_upper(copies),
        pc.replace_substring(copies, " ", "  ", max_replacements=1),
    )
    text_np = np.asarray(texts.to_numpy(zero_copy_only=False), dtype=object)
    text_np[exact] = np.asarray(copies.to_numpy(zero_copy_only=False), dtype=object)
    pii = rng.random(n) < 0.005
    text_np[pii] = [f"{t} mail me at user{i}@example.com" for t, i in zip(text_np[pii], np.flatnonzero(pii), strict=True)]  # fmt: skip
    return pa.table(
        {
            "id": pa.array(np.arange(start, start + n)),
            "text": pa.array(text_np, pa.large_string()),
            "label": pa.array(rng.integers(0, 2, n)),
            "gender": pa.array(
                rng.choice(["female", "male", "non-binary"], n, p=[0.5, 0.47, 0.03])
            ),
            "region": pa.array(rng.choice(["north", "south", "east", "west"], n)),
            "split": pa.array(np.where(rng.random(n) < 0.85, "train", "test")),
        }
    )


def dataset(rows: int, seed: int = 0) -> Path:
    """The cached CSV of ``rows`` generated rows."""
    import pyarrow.csv as pcsv  # noqa: PLC0415

    path = Path(tempfile.gettempdir()) / f"steward-audit-scale-{rows}-{seed}.csv"
    if path.exists():
        return path
    started = time.perf_counter()
    vocab = vocabulary(seed=seed)
    tmp = path.with_suffix(".tmp")
    chunk = 500_000
    writer = None
    for start in range(0, rows, chunk):
        table = generate_chunk(min(chunk, rows - start), start, seed, vocab)
        if writer is None:
            writer = pcsv.CSVWriter(str(tmp), table.schema)
        writer.write_table(table)
    writer.close()
    tmp.replace(path)
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s -> {path}",
          file=sys.stderr)  # fmt: skip
    return path


def _worker(path: str) -> None:
    """Audit one file and print wall time, rows and peak RSS as JSON (in a subprocess)."""
    from backend.audit import AuditConfig, AuditSource, run_audit  # noqa: PLC0415

    config = AuditConfig(
        text_col="text", label_col="label", sensitive=["gender", "region"], split_col="split",
        checks=CHECKS,
    )  # fmt: skip
    started = time.perf_counter()
    report = run_audit(AuditSource(path=Path(path)), config)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    dup = report["duplicates"]
    print(json.dumps({
        "rows": report["rows"], "elapsed_s": elapsed, "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024, "timings": report["timings"],
        "cpu_timings": report["cpu_timings"],
        "exact_rows": dup["exact_rows"], "near_rows": dup["near_rows"],
        "near_clusters": dup["near_cluster_count"], "pii_rows": report["pii"]["rows_with_pii"],
    }))  # fmt: skip


def scale(rows: int) -> dict:
    path = dataset(rows)
    load_before = os.getloadavg()[0]
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.audit_scale", "--worker", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = (load_before, os.getloadavg()[0])
    return result


# -- near-duplicate quality ------------------------------------------------------------------
def _punctuate(text: str, rng) -> str:
    words = text.split()
    i = int(rng.integers(len(words)))
    words[i] += "," if rng.random() < 0.5 else "."
    return " ".join(words)


def quality_sample(n: int = 20_000, planted: int = 2_000, seed: int = 1):
    """Short comments (5–14 words) with planted edits of every kind, and their kinds."""
    rng = np.random.default_rng(seed)
    vocab = vocabulary(seed=seed)
    base = n - planted
    lengths = rng.integers(5, 15, base)
    ids = np.minimum((rng.pareto(1.1, int(lengths.sum())) * 50).astype(np.int64), len(vocab) - 1)
    texts = _join((ids, lengths), vocab).to_pylist()
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    kinds = []
    for _ in range(planted):
        src = int(rng.integers(base))
        kind = ("insert", "delete", "substitute", "punctuation", "case", "whitespace")[
            int(rng.integers(6))
        ]
        if kind in ("insert", "delete", "substitute"):
            words, kind = _edit(ids[offsets[src] : offsets[src + 1]].tolist(), rng, len(vocab))
            text = " ".join(vocab[words])
        elif kind == "punctuation":
            text = _punctuate(texts[src], rng)
        elif kind == "case":
            text = texts[src].capitalize() if rng.random() < 0.5 else texts[src].upper()
        else:
            text = texts[src].replace(" ", "  ", 1) + " "
        texts.append(text)
        kinds.append((src, len(texts) - 1, kind))
    return texts, kinds


def quality(threshold: float = 0.8) -> dict:
    import pandas as pd  # noqa: PLC0415

    from backend.audit.duplicates import (  # noqa: PLC0415
        DuplicatesCheck,
        brute_force_pairs,
        text_hashes,
    )
    from backend.audit.source import canonical_batch, normalise_text  # noqa: PLC0415

    texts, kinds = quality_sample()
    norm = [normalise_text(t) for t in texts]
    distinct = list(dict.fromkeys(norm))
    started = time.perf_counter()
    truth = brute_force_pairs(distinct, threshold)
    brute_s = time.perf_counter() - started
    started = time.perf_counter()
    check = DuplicatesCheck(threshold=threshold)
    for lo in range(0, len(texts), 5000):
        frame = pd.DataFrame({"text": texts[lo : lo + 5000]}, dtype=object)
        check.update(canonical_batch(frame, text_col="text", start_row=lo))
    found_h = check.verified_pairs()
    audit_s = time.perf_counter() - started
    index = {int(h): i for i, h in enumerate(text_hashes(np.array(distinct, dtype=object)))}
    found = {tuple(sorted((index[int(a)], index[int(b)]))) for a, b in found_h}
    hit = len(found & truth)
    # Planted pairs by kind: share at or above the threshold, and share the audit found.
    pos = {t: i for i, t in enumerate(distinct)}
    by_kind: dict[str, list[int]] = {}
    for src, dst, kind in kinds:
        a, b = pos[norm[src]], pos[norm[dst]]
        if a == b:
            kind_row = by_kind.setdefault(kind, [0, 0, 0, 0])
            kind_row[0] += 1
            kind_row[3] += 1  # identical after normalisation: an exact duplicate
            continue
        pair = (min(a, b), max(a, b))
        kind_row = by_kind.setdefault(kind, [0, 0, 0, 0])
        kind_row[0] += 1
        kind_row[1] += pair in truth
        kind_row[2] += pair in found
    return {
        "rows": len(texts), "distinct": len(distinct), "threshold": threshold,
        "bands": check.bands, "rows_per_band": check.rows_per_band,
        "truth_pairs": len(truth), "found_pairs": len(found), "true_found": hit,
        "recall": hit / len(truth) if truth else 1.0,
        "precision": hit / len(found) if found else 1.0,
        "brute_force_s": brute_s, "audit_s": audit_s, "by_kind": by_kind,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="1000000", help="comma-separated sizes")
    parser.add_argument("--quality-only", action="store_true")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker)
        return
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
    if not args.quality_only:
        print("\n| rows | wall s | rows/s | CPU s | rows per CPU-s | peak RSS MB | duplicates CPU s | exact rows | near rows | load (before → after) |")  # fmt: skip
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for rows in [int(r) for r in args.rows.split(",")]:
            r = scale(rows)
            print(
                f"| {r['rows']:,} | {r['elapsed_s']:.1f} | {r['rows'] / r['elapsed_s']:,.0f} | "
                f"{r['cpu_s']:.1f} | {r['rows'] / r['cpu_s']:,.0f} | {r['peak_rss_mb']:,.0f} | "
                f"{r['cpu_timings'].get('duplicates', 0):.1f} | "
                f"{r['exact_rows']:,} | {r['near_rows']:,} | {r['load'][0]:.1f} → {r['load'][1]:.1f} |",
                flush=True,
            )  # fmt: skip
    if not args.no_quality:
        q = quality()
        print(
            f"\nNear duplicates vs brute force: {q['rows']:,} short comments ({q['distinct']:,} "
            f"distinct), character 5-gram shingles, threshold {q['threshold']}, LSH "
            f"{q['bands']} bands × {q['rows_per_band']} rows"
        )
        print("\n| pairs ≥ threshold (brute force) | audit pairs | both | recall | precision | brute force s | audit s |")  # fmt: skip
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        print(
            f"| {q['truth_pairs']:,} | {q['found_pairs']:,} | {q['true_found']:,} | "
            f"{q['recall']:.4f} | {q['precision']:.4f} | {q['brute_force_s']:.1f} | {q['audit_s']:.1f} |"
        )  # fmt: skip
        print("\n| planted edit | pairs | identical after normalising | ≥ threshold | found by the audit |")  # fmt: skip
        print("| --- | ---: | ---: | ---: | ---: |")
        for kind, (n, above, found, same) in sorted(q["by_kind"].items()):
            print(f"| {kind} | {n} | {same} | {above} | {found} |")


if __name__ == "__main__":
    main()
