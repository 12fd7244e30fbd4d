"""Duplicates: exact (normalised-text hash) and near (MinHash LSH), clusters and leakage.

Exact duplicates
    Texts are case-folded and whitespace-collapsed, then hashed (64-bit). A row whose hash
    was seen before repeats an earlier row (``exact_rows``).

Near duplicates
    Each *distinct* text gets a MinHash signature over its word bigrams (single words for
    one-word texts). Signatures use exactly datasketch's default ``affine32`` scheme: the
    permutations are taken from a :class:`datasketch.MinHash` (seed 1) and applied with
    numpy to a whole chunk at once, which is ~20× faster than one ``MinHash`` per row; a
    test checks the signatures equal datasketch's. Banding uses datasketch's own optimal
    ``(bands, rows)`` for the threshold; bucket candidates are verified by their estimated
    Jaccard similarity before being linked. Connected components are the clusters.
    ``near_rows`` counts rows in a cluster with at least two distinct texts, excluding
    exact repeats.

Leakage
    With a split column or a second file, rows of one split whose text (exactly or nearly)
    also occurs in another split are reported per pair of splits.

Memory: a sorted array of hashes, one int32 per row, one signature (4 bytes × permutations)
per distinct text, and the distinct texts themselves as compact Arrow strings.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import pandas as pd

from backend.audit.source import Chunk
from backend.detectors.pii import PiiDetector

_EXAMPLE_CLUSTERS = 20
_EXAMPLE_TEXTS = 3
_MAX_PARTITIONS = 12
#: LSH buckets up to this size are checked pair by pair.
_ALL_PAIRS_MAX = 32
_U32 = np.uint32
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # np.unique on large uint64 arrays goes through a hash table here (numpy 2.4) and is
    # several times slower than an in-place sort plus a neighbour comparison.
    values = np.sort(values)
    if len(values) < 2:
        return values
    return values[np.r_[True, values[1:] != values[:-1]]]


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3 finalizer, identical to datasketch's pre-mix for the affine32 scheme.
    h = h ^ (h >> _U32(16))
    h = h * _U32(0x85EBCA6B)
    h = h ^ (h >> _U32(13))
    h = h * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


def datasketch_permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 permutation parameters datasketch uses for ``num_perm``/``seed``."""
    from datasketch import MinHash  # noqa: PLC0415

    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda v: v)
    if getattr(m, "scheme", "legacy") != "affine32":  # pragma: no cover - pinned version
        raise RuntimeError("datasketch's default MinHash scheme is not affine32 any more.")
    a, b = m.permutations
    return np.asarray(a, dtype=_U32), np.asarray(b, dtype=_U32)


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band chosen by datasketch for this threshold."""
    from datasketch.lsh import _optimal_param  # noqa: PLC0415

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


def _as_token_array(tokens):
    """Accept an Arrow list array or Python lists of tokens."""
    import pyarrow as pa  # noqa: PLC0415

    if isinstance(tokens, pa.ListArray | pa.LargeListArray | pa.ChunkedArray):
        return tokens
    return pa.array([t or None for t in tokens], type=pa.list_(pa.large_string()))


def shingle_hashes(tokens) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes of word bigrams per text, and the number of shingles of each text.

    ``tokens`` is an Arrow list array (or Python lists) of words per text. Texts with one
    word use that word; texts without words get no shingles. All vectorised: tokens are
    dictionary-encoded and only the distinct ones are hashed.
    """
    import pyarrow.compute as pc  # noqa: PLC0415

    arr = _as_token_array(tokens)
    lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False)
    lengths = lengths.astype(np.int64)
    flat = pc.list_flatten(arr)
    if len(flat) == 0:
        return np.zeros(0, dtype=_U32), np.zeros(len(lengths), dtype=np.int64)
    encoded = pc.dictionary_encode(flat)
    words = encoded.dictionary.to_numpy(zero_copy_only=False)
    th = pd.util.hash_array(np.asarray(words, dtype=object))[encoded.indices.to_numpy()]
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # Bigram i = (token i, token i+1) when both belong to the same text.
    nxt = np.empty_like(th)
    nxt[:-1] = th[1:]
    nxt[-1] = 0
    is_last = np.zeros(len(th), dtype=bool)
    is_last[ends[lengths > 0] - 1] = True
    single = np.zeros(len(th), dtype=bool)
    single[starts[lengths == 1]] = True
    keep = ~is_last | single
    with np.errstate(over="ignore"):
        big = th * _GOLDEN + nxt
    big = np.where(single, th, big)[keep]
    sh = ((big ^ (big >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(_U32)
    counts = np.where(lengths == 1, 1, np.maximum(lengths - 1, 0))
    return sh, counts


def minhash_signatures(
    tokens, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MinHash signatures of each text's shingle set.

    Returns ``(signatures (n, num_perm) uint32, valid mask, set_hashes, set_sizes)``:
    ``set_hashes`` holds each text's *distinct* shingle hashes, sorted, back to back
    (``set_sizes`` per text), for exact Jaccard verification later.
    """
    sh, counts = shingle_hashes(tokens)
    n = len(counts)
    num_perm = len(a)
    sig = np.full((n, num_perm), np.iinfo(_U32).max, dtype=_U32)
    valid = counts > 0
    if not valid.any():
        return sig, valid, np.zeros(0, _U32), np.zeros(n, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    hv = _fmix32(sh)
    starts = offsets[valid]
    for k in range(num_perm):
        phv = hv * a[k] + b[k]  # uint32 arithmetic wraps: that is the mod 2^32
        sig[valid, k] = np.minimum.reduceat(phv, starts)
    # Distinct shingles per text: unique (row, hash) keys are already sorted by row.
    row = np.repeat(np.arange(n, dtype=np.uint64), counts)
    keys = _sorted_unique((row << np.uint64(32)) | sh.astype(np.uint64))
    set_hashes = (keys & np.uint64(0xFFFFFFFF)).astype(_U32)
    set_sizes = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=n)
    return sig, valid, set_hashes, set_sizes


def exact_jaccard(
    s: np.ndarray, d: np.ndarray, set_hashes: np.ndarray, set_start: np.ndarray,
    set_size: np.ndarray, *, batch: int = 20_000,
) -> np.ndarray:  # fmt: skip
    """Exact Jaccard similarity of the shingle sets of text pairs ``(s[i], d[i])``.

    Vectorised: the two sets of each pair are concatenated with the pair id in the high
    bits, sorted, and equal neighbours counted (sets have no inner duplicates).
    """
    out = np.empty(len(s))
    for lo in range(0, len(s), batch):
        ps, pd_ = s[lo : lo + batch], d[lo : lo + batch]
        n_pairs = len(ps)
        keys = []
        for side in (ps, pd_):
            lens = set_size[side]
            total = int(lens.sum())
            within = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
            idx = np.repeat(set_start[side], lens) + within
            pair = np.repeat(np.arange(n_pairs, dtype=np.uint64), lens)
            keys.append((pair << np.uint64(32)) | set_hashes[idx].astype(np.uint64))
        allk = np.sort(np.concatenate(keys))
        same = allk[1:] == allk[:-1]
        inter = np.bincount((allk[1:][same] >> np.uint64(32)).astype(np.int64), minlength=n_pairs)
        union = set_size[ps] + set_size[pd_] - inter
        out[lo : lo + batch] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return out


class DuplicatesCheck:
    """Streaming exact and near duplicate detection."""

    name = "duplicates"

    def __init__(self, *, threshold: float = 0.8, num_perm: int = 64) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.a, self.b = datasketch_permutations(num_perm)
        self.bands, self.rows_per_band = lsh_params(threshold, num_perm)
        self._seen_hash = np.zeros(0, dtype=np.uint64)  # sorted
        self._seen_uid = np.zeros(0, dtype=np.int64)
        self._n_uids = 0
        self._row_uid: list[np.ndarray] = []
        self._row_part: list[np.ndarray] = []
        self._band_keys: list[np.ndarray] = []  # (distinct texts, bands) uint64
        self._valid: list[np.ndarray] = []
        self._set_hashes: list[np.ndarray] = []
        self._set_sizes: list[np.ndarray] = []
        self._texts: list = []  # pyarrow arrays of each uid's first text
        self.partitions: list[str] = []
        self.rows = 0

    def _partition_codes(self, chunk: Chunk) -> np.ndarray:
        if chunk.partition is None:
            return np.zeros(len(chunk), dtype=np.int16)
        codes = np.empty(len(chunk), dtype=np.int16)
        for value in pd.unique(chunk.partition):
            name = str(value)
            if name not in self.partitions:
                if len(self.partitions) >= _MAX_PARTITIONS:
                    name = "other splits"
                    if name not in self.partitions:
                        self.partitions.append(name)
                else:
                    self.partitions.append(name)
            codes[chunk.partition == value] = self.partitions.index(name)
        return codes

    def update(self, chunk: Chunk) -> None:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        n = len(chunk)
        self.rows += n
        norm = chunk.normalised_arrow
        present = pc.greater(pc.utf8_length(norm), 0).to_numpy(zero_copy_only=False)
        row_uid = np.full(n, -1, dtype=np.int64)
        idx = np.flatnonzero(present)
        if idx.size:
            values = norm.take(pa.array(idx)).to_numpy(zero_copy_only=False)
            hashes = pd.util.hash_array(np.asarray(values, dtype=object))
            uniq, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
            pos = np.searchsorted(self._seen_hash, uniq)
            pos_c = np.minimum(pos, max(len(self._seen_hash) - 1, 0))
            found = (pos < len(self._seen_hash)) & (
                self._seen_hash[pos_c] == uniq if len(self._seen_hash) else False
            )
            uid_of_uniq = np.empty(len(uniq), dtype=np.int64)
            uid_of_uniq[found] = self._seen_uid[pos_c[found]]
            new = np.flatnonzero(~found)
            # New distinct texts get ids in row order, so "first occurrence" is well defined.
            new = new[np.argsort(first[new], kind="stable")]
            uid_of_uniq[new] = np.arange(self._n_uids, self._n_uids + len(new))
            self._n_uids += len(new)
            row_uid[idx] = uid_of_uniq[inverse]
            if len(new):
                merged_h = np.concatenate([self._seen_hash, uniq[new]])
                merged_u = np.concatenate([self._seen_uid, uid_of_uniq[new]])
                order = np.argsort(merged_h, kind="stable")
                self._seen_hash, self._seen_uid = merged_h[order], merged_u[order]
                new_rows = idx[first[new]]
                take = pa.array(new_rows)
                sig, valid, set_hashes, set_sizes = minhash_signatures(
                    chunk.token_array.take(take), self.a, self.b
                )
                # Only the LSH band keys are kept (8 bytes per band instead of 4 per
                # permutation): verification uses the exact shingle sets, not signatures.
                self._band_keys.append(self._bands_of(sig))
                self._valid.append(valid)
                self._set_hashes.append(set_hashes)
                self._set_sizes.append(set_sizes)
                self._texts.append(chunk.arrow_text.take(take))
        self._row_uid.append(row_uid)
        self._row_part.append(self._partition_codes(chunk))

    # ----------------------------------------------------------------------------------
    def _bands_of(self, sig: np.ndarray) -> np.ndarray:
        """One 64-bit key per LSH band: a hash of the band's ``rows_per_band`` values."""
        r = self.rows_per_band
        weights = (np.uint64(0x100000001B3) ** np.arange(r, dtype=np.uint64)).astype(np.uint64)
        keys = np.empty((len(sig), self.bands), dtype=np.uint64)
        for band in range(self.bands):
            block = sig[:, band * r : (band + 1) * r].astype(np.uint64)
            with np.errstate(over="ignore"):
                keys[:, band] = (block * weights).sum(axis=1, dtype=np.uint64) + np.uint64(band)
        return keys

    def _near_pairs(
        self, band_keys: np.ndarray, valid: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """LSH candidate pairs (datasketch banding) verified by exact Jaccard."""
        ids = np.flatnonzero(valid)
        if len(ids) < 2:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        pair_keys = np.zeros(0, dtype=np.uint64)
        for band in range(self.bands):
            src, dst = [], []
            keys = band_keys[ids, band]
            order = np.argsort(keys, kind="stable")
            sk = keys[order]
            starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
            sizes = np.diff(np.r_[starts, len(sk)])
            if not (sizes > 1).any():
                continue
            members = ids[order]
            # Small buckets: every pair, like MinHashLSH.query would return. Buckets larger
            # than _ALL_PAIRS_MAX (templated text) get star + chain edges instead, so a
            # bucket of k texts costs ~2k checks rather than k(k - 1)/2.
            for size in np.unique(sizes[(sizes > 1) & (sizes <= _ALL_PAIRS_MAX)]).tolist():
                block = members[starts[sizes == size][:, None] + np.arange(size)]
                left, right = np.triu_indices(size, 1)
                src.append(block[:, left].ravel())
                dst.append(block[:, right].ravel())
            big = sizes > _ALL_PAIRS_MAX
            if big.any():
                in_big = np.repeat(big, sizes)
                not_head = np.ones(len(sk), dtype=bool)
                not_head[starts] = False
                head = np.repeat(members[starts], sizes)
                keep = not_head & in_big
                src.append(head[keep])
                dst.append(members[keep])
                nxt = np.r_[members[1:], -1]
                last = np.zeros(len(sk), dtype=bool)
                last[np.r_[starts[1:], len(sk)] - 1] = True
                chain = in_big & ~last
                src.append(members[chain])
                dst.append(nxt[chain])
            if src:
                # Merge each band's pairs into the running set: bands repeat most pairs,
                # so memory stays at the distinct pairs plus one band.
                s = np.concatenate(src)
                d = np.concatenate(dst)
                lo, hi = np.minimum(s, d), np.maximum(s, d)
                band_pairs = lo.astype(np.uint64) << np.uint64(32) | hi.astype(np.uint64)
                pair_keys = _sorted_unique(np.concatenate([pair_keys, band_pairs]))
        if not len(pair_keys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        s = (pair_keys >> np.uint64(32)).astype(np.int64)
        d = (pair_keys & np.uint64(0xFFFFFFFF)).astype(np.int64)
        # Exact Jaccard of the shingle sets: the 64-permutation estimate (±0.05) would let
        # through many pairs around 0.7.
        sizes = np.concatenate(self._set_sizes)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        sim = exact_jaccard(s, d, np.concatenate(self._set_hashes), starts, sizes)
        keep = sim >= self.threshold
        return s[keep], d[keep]

    def result(self, *, redactor: PiiDetector | None = None) -> dict:
        import pyarrow as pa  # noqa: PLC0415
        from scipy.sparse import coo_matrix  # noqa: PLC0415
        from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

        redactor = redactor or PiiDetector()
        n_uids = self._n_uids
        row_uid = np.concatenate(self._row_uid) if self._row_uid else np.zeros(0, np.int64)
        row_part = np.concatenate(self._row_part) if self._row_part else np.zeros(0, np.int16)
        present = row_uid >= 0
        uid_count = np.bincount(row_uid[present], minlength=n_uids)
        exact_rows = int(present.sum() - n_uids)
        band_keys = (
            np.concatenate(self._band_keys)
            if self._band_keys
            else np.zeros((0, self.bands), np.uint64)
        )
        self._band_keys = [band_keys]
        valid = np.concatenate(self._valid) if self._valid else np.zeros(0, bool)
        texts = pa.chunked_array(self._texts, pa.large_string()) if self._texts else None
        src, dst = self._near_pairs(band_keys, valid)
        if n_uids:
            graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n_uids, n_uids))
            _, comp = connected_components(graph, directed=False)
        else:
            comp = np.zeros(0, np.int64)
        comp_uids = np.bincount(comp, minlength=comp.max() + 1 if len(comp) else 0)
        comp_rows = np.bincount(comp, weights=uid_count, minlength=len(comp_uids)).astype(np.int64)
        near_comp = comp_uids >= 2
        near_rows = int(comp_uids[near_comp].sum())
        dup_comp = np.flatnonzero(comp_rows >= 2)
        size_hist = Counter(comp_rows[dup_comp].tolist())
        top = dup_comp[np.argsort(-comp_rows[dup_comp], kind="stable")][:_EXAMPLE_CLUSTERS]
        clusters = []
        for c in top.tolist():
            uids = np.flatnonzero(comp == c)
            rows = np.flatnonzero(np.isin(row_uid, uids))[:10] + 1
            sample = uids[np.argsort(-uid_count[uids], kind="stable")][:_EXAMPLE_TEXTS]
            examples = (
                [redactor.redact(t)[:240] for t in texts.take(sample).to_pylist()] if texts else []
            )
            n_distinct = int(len(uids))
            clusters.append(
                {
                    "size": int(comp_rows[c]),
                    "distinct_texts": n_distinct,
                    "exact_repeats": int(comp_rows[c] - n_distinct),
                    "kind": "exact" if n_distinct == 1 else "near",
                    "rows": rows.tolist(),
                    "examples": examples,
                }
            )
        present_rows = int(present.sum())
        return {
            "method": (
                f"exact: 64-bit hash of case-folded, whitespace-collapsed text; near: MinHash "
                f"({self.num_perm} permutations, datasketch affine32 scheme) over word bigrams, "
                f"LSH {self.bands} bands × {self.rows_per_band} rows; candidates kept when the "
                f"exact Jaccard of their shingle sets ≥ {self.threshold:g}"
            ),
            "threshold": self.threshold,
            "num_perm": self.num_perm,
            "bands": self.bands,
            "rows_per_band": self.rows_per_band,
            "rows_checked": present_rows,
            "distinct_texts": int(n_uids),
            "exact_rows": exact_rows,
            "exact_share": exact_rows / present_rows if present_rows else 0.0,
            "near_rows": near_rows,
            "near_share": near_rows / present_rows if present_rows else 0.0,
            "near_pairs": int(len(src)),
            "cluster_count": int(len(dup_comp)),
            "near_cluster_count": int(near_comp.sum()),
            "cluster_size_histogram": {str(k): int(v) for k, v in sorted(size_hist.items())},
            # Number of near-duplicate clusters (>= 2 distinct texts); the largest
            # clusters of any kind, with examples, are in top_clusters.
            "clusters": int(near_comp.sum()),
            "top_clusters": clusters,
            "leakage": self._leakage(row_uid, row_part, comp, near_comp, texts, redactor),
            "partitions": list(self.partitions),
        }

    def _leakage(self, row_uid, row_part, comp, near_comp, texts, redactor) -> list[dict]:
        if len(self.partitions) < 2 or not self._n_uids:
            return []
        present = row_uid >= 0
        uids_in = []
        comps_in = []
        for p in range(len(self.partitions)):
            mask = np.zeros(self._n_uids, dtype=bool)
            mask[row_uid[present & (row_part == p)]] = True
            uids_in.append(mask)
            cmask = np.zeros(len(near_comp), dtype=bool)
            cmask[comp[mask]] = True
            comps_in.append(cmask & near_comp)
        sizes = [int((present & (row_part == p)).sum()) for p in range(len(self.partitions))]
        out = []
        for p, q in combinations(range(len(self.partitions)), 2):
            # Report the smaller split (usually test) against the larger (usually train).
            big, small = (p, q) if sizes[p] >= sizes[q] else (q, p)
            rows_small = present & (row_part == small)
            u = row_uid[rows_small]
            exact = uids_in[big][u]
            near = ~exact & comps_in[big][comp[u]]
            leaked = np.unique(u[exact | near])
            examples = (
                [redactor.redact(t)[:200] for t in texts.take(leaked[:3]).to_pylist()]
                if texts is not None and len(leaked)
                else []
            )
            out.append(
                {
                    "from": self.partitions[small],
                    "to": self.partitions[big],
                    "rows": sizes[small],
                    "exact_rows": int(exact.sum()),
                    "near_rows": int(near.sum()),
                    "share": float((exact.sum() + near.sum()) / sizes[small])
                    if sizes[small]
                    else 0.0,
                    "examples": examples,
                }
            )
        return out
