"""Duplicates: exact (normalised-text hash) and near (MinHash LSH), clusters and leakage.

Exact duplicates
    Texts are case-folded and whitespace-collapsed, then hashed (64-bit). A row whose
    hash belongs to an earlier row repeats it (``exact_rows``).

Near duplicates
    Shingles are **character 5-grams** of the normalised text (5-byte windows of its UTF-8
    bytes, so exactly character 5-grams for ASCII text); a text shorter than 5 bytes is one
    shingle. Character shingles work on short comments, where one inserted word changes
    most word bigrams. Each distinct text gets a MinHash signature by one-permutation
    hashing (one 64-bit hash per shingle, ``num_perm`` bins, empty bins filled by
    rotation), vectorised over a whole batch. The LSH ``bands × rows`` are chosen from
    the threshold (:func:`lsh_params`): the most rows per band whose S-curve
    ``1 - (1 - t^r)^b`` still makes a pair at the threshold a candidate with probability
    ≥ :data:`CANDIDATE_PROBABILITY`. LSH candidates grow faster than the rows (unrelated
    short texts of common words share a bucket by chance), so a signature index (the low
    byte of each bin, per distinct text) pre-filters them: a pair is verified only when
    its signatures agree on :func:`min_signature_matches` bins. Candidates are kept only
    when the exact Jaccard of their shingle sets reaches the threshold; connected
    components are the clusters.
    ``near_rows`` counts the distinct texts in clusters with at least two distinct texts.

Leakage
    With a split column or a second file, rows of one split whose text (exactly or nearly)
    also occurs in another split are reported per pair of splits.

Memory
    The state is per-row facts keyed by the global row number (hash, row, split) and, per
    distinct text of a batch, its LSH band keys, its signature bytes and the text. Past
    :data:`SPILL_BYTES` in memory it is written to hash-partitioned files in a temporary
    folder (``TMPDIR``), and :meth:`DuplicatesCheck.result` reads one partition at a
    time (candidate pairs too: they are joined with the signature index on disk), so the
    peak memory does not grow with the number of rows. Plain numpy files
    rather than an out-of-core engine such as DuckDB: the work (LSH bucketing, exact
    Jaccard of candidates, connected components) is array code already, partitions by
    hash need no join planner, and no extra dependency is installed.

Partial states merge in any order to the same report: everything is keyed by hashes and
global row numbers, and ties are broken by them, never by arrival order.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import weakref
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from backend.audit.protocol import AuditCheck, CardField, Finding, Headline, ReportContext, Section
from backend.audit.source import Chunk
from backend.detectors.pii import PiiDetector

_EXAMPLE_CLUSTERS = 20
_EXAMPLE_TEXTS = 3
_MAX_PARTITIONS = 12
#: Partition names tracked per state; more distinct splits than this share one code.
_MAX_PARTITION_CODES = 1000
#: LSH buckets up to this size are checked pair by pair; larger ones (templated text)
#: get star + chain edges (~2k checks instead of k(k - 1)/2).
_ALL_PAIRS_MAX = 32
#: Shingle length in bytes (characters for ASCII text).
SHINGLE_BYTES = 5
#: Probability, from the S-curve, that a pair exactly at the threshold becomes a candidate.
CANDIDATE_PROBABILITY = 0.95
#: State kept in memory before it is written to partition files.
SPILL_BYTES = 96 << 20
#: Texts shingled at once (each shingle costs ~60 bytes of temporaries).
_SIGNATURE_SLICE = 8192
#: Bytes of text (about one shingle each) of the candidate pairs verified at once: bounds
#: the shingle sets in memory (~100 bytes of temporaries per shingle).
_VERIFY_BYTES = 1 << 20
#: Candidate pairs whose signatures are compared at once (bounds the temporaries).
_COMPARE_PAIRS = 100_000
#: Chance that the signature pre-filter drops a pair exactly at the threshold (see
#: :func:`min_signature_matches`): far below the LSH's own miss rate (1 - 0.95).
PREFILTER_MISS = 1e-4
#: Hash partitions of a spilled state.
PARTITIONS = 64
_U32 = np.uint32
_U64 = np.uint64
_MAX32 = np.iinfo(np.uint32).max

ROW_DTYPE = np.dtype([("h", "<u8"), ("row", "<i8"), ("part", "<u2")])
TEXT_DTYPE = np.dtype([("h", "<u8"), ("row", "<i8"), ("len", "<u4")])
BAND_DTYPE = np.dtype([("key", "<u8"), ("h", "<u8")])
PAIR_DTYPE = np.dtype([("lo", "<u8"), ("hi", "<u8")])
#: A candidate pair on its way to verification, with the byte length of its ``lo`` text.
VPAIR_DTYPE = np.dtype([("lo", "<u8"), ("hi", "<u8"), ("len", "<u4")])


def sig_dtype(num_perm: int) -> np.dtype:
    """A signature-index entry: text hash and the low byte of each MinHash bin."""
    return np.dtype([("h", "<u8"), ("sig", "u1", (num_perm,))])


def pair_sig_dtype(num_perm: int) -> np.dtype:
    """A candidate pair with the signature of its ``lo`` text (half-way through the join)."""
    return np.dtype([("lo", "<u8"), ("hi", "<u8"), ("sig", "u1", (num_perm,))])


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # np.unique on large uint64 arrays goes through a hash table here (numpy 2.4) and is
    # several times slower than a sort plus a neighbour comparison.
    values = np.sort(values)
    if len(values) < 2:
        return values
    return values[np.r_[True, values[1:] != values[:-1]]]


def _unique_rows(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(a, b)`` pairs of two uint64 hash arrays, grouped by ``a``.

    Two 64-bit sorts instead of a lexsort (several times faster): drop repeated pairs by
    a mix of both (equal pairs mix equally; distinct pairs collide with probability
    2**-64), then order by ``a`` (ties by ``b``, so the result does not depend on the
    order the pairs arrived in).
    """
    mixed = a ^ fmix64(b)
    order = np.argsort(mixed)
    m = mixed[order]
    first = order[np.r_[True, m[1:] != m[:-1]]] if len(m) else order
    a, b = a[first], b[first]
    order = np.argsort(b, kind="stable")
    order = order[np.argsort(a[order], kind="stable")]
    return a[order], b[order]


def _sort_facts(facts: np.ndarray) -> np.ndarray:
    """Row facts ordered by text hash, then row (64-bit sorts, not a structured sort)."""
    rows = facts["row"]
    if len(rows) > 1 and not (rows[1:] >= rows[:-1]).all():
        facts = facts[np.argsort(rows, kind="stable")]
    return facts[np.argsort(facts["h"], kind="stable")]


# -- hashing, shingles, signatures ----------------------------------------------------------
def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (a bijection that mixes every bit)."""
    h = np.array(h, dtype=_U64)  # a copy
    shifted = np.empty_like(h)  # one scratch array instead of a temporary per step
    with np.errstate(over="ignore"):
        for mult in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):
            np.right_shift(h, _U64(33), out=shifted)
            h ^= shifted
            h *= _U64(mult)
        np.right_shift(h, _U64(33), out=shifted)
        h ^= shifted
    return h


def _string_buffers(texts) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes and int64 offsets of an Arrow (large) string array."""
    import pyarrow as pa  # noqa: PLC0415

    arr = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    n = len(arr)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=n + 1, offset=arr.offset * 8)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    return data, offsets


def shingles(texts) -> tuple[np.ndarray, np.ndarray]:
    """Character 5-gram shingles of each text, as exact 40-bit integers.

    ``texts`` is an Arrow string array of *normalised* texts (``""``/null: no shingles).
    Returns ``(values, counts)``: the shingles of every text back to back (with repeats)
    and how many each text has. A window is the 5 UTF-8 bytes packed into one integer, so
    two shingles are equal exactly when their bytes are; a text of 1–4 bytes is one
    shingle (tagged with its length so it cannot equal a 5-byte window).
    """
    import pyarrow.compute as pc  # noqa: PLC0415

    texts = pc.fill_null(texts, "")
    data, offsets = _string_buffers(texts)
    starts, ends = offsets[:-1], offsets[1:]
    lengths = ends - starts
    k = SHINGLE_BYTES
    windows = np.maximum(lengths - (k - 1), 0)
    short = (lengths > 0) & (lengths < k)
    counts = np.where(short, 1, windows).astype(np.int64)
    if not counts.any():
        return np.zeros(0, _U64), counts
    base = int(offsets[0])
    # Window values over the used part of the buffer (a 40-bit packing, no collisions).
    used = data[base : int(offsets[-1])]
    m = len(used)
    packed = np.zeros(max(m - (k - 1), 0), dtype=_U64)
    for j in range(k):
        packed |= used[j : j + len(packed)].astype(_U64) << _U64(8 * j)
    if not short.any():
        # A window is valid when it ends inside its text: drop the last k - 1 starts of
        # each text (texts are back to back in the buffer).
        valid = np.ones(m, dtype=bool)
        rel_ends = ends - base
        for j in range(1, k):
            valid[rel_ends[lengths > 0] - j] = False
        return packed[valid[: len(packed)]], counts
    # With texts shorter than k: gather each window by its start (slower, rare).
    win_text = np.repeat(np.arange(len(lengths)), windows)
    win_start = np.repeat(starts - base, windows) + (
        np.arange(int(windows.sum())) - np.repeat(np.cumsum(windows) - windows, windows)
    )
    values = packed[win_start]
    # Short texts: their bytes (< 5) plus the length in the top byte.
    idx = np.flatnonzero(short)
    vals = np.zeros(len(idx), dtype=_U64)
    for j in range(k - 1):
        has = lengths[idx] > j
        pos = np.where(has, starts[idx] - base + j, 0)
        vals |= np.where(has, used[pos] if m else 0, 0).astype(_U64) << _U64(8 * j)
    vals |= lengths[idx].astype(_U64) << _U64(56)
    order_text = np.concatenate([win_text, idx])
    values = np.concatenate([values, vals])
    return values[np.argsort(order_text, kind="stable")], counts


def oph_signatures(values: np.ndarray, counts: np.ndarray, num_perm: int) -> np.ndarray:
    """One-permutation MinHash of each text's shingles: ``(texts, num_perm)`` uint32.

    Each shingle is hashed once (64 bits): the high bits pick one of ``num_perm`` bins,
    the low 32 bits are its value, and each bin keeps its minimum. Empty bins borrow the
    value of a probed non-empty bin ("optimal densification", Shrivastava 2017), so two
    texts agree on a bin with probability equal to their Jaccard similarity. Texts without shingles keep all-max rows.
    """
    n = len(counts)
    sig = np.full((n, num_perm), _MAX32, dtype=_U32)
    if not len(values):
        return sig
    hv = fmix64(values)
    low = hv.astype(_U32)  # the low 32 bits
    # Flat index row * num_perm + bin, worked in place (bin: the high 32 bits scaled).
    index = hv >> _U64(32)
    del hv
    index *= _U64(num_perm)
    index >>= _U64(32)
    index = index.view(np.int64)
    index += np.repeat(np.arange(0, n * num_perm, num_perm, dtype=np.int64), counts)
    np.minimum.at(sig.reshape(-1), index, low)
    valid = counts > 0
    have = (sig != _MAX32) | ~valid[:, None]
    if have.all():
        return sig
    # Optimal densification (Shrivastava 2017): an empty bin j takes the value of bin
    # probe(j, attempt) for the first attempt that lands on a non-empty bin. The probes
    # depend on j and the attempt only, so equal sets get equal signatures, and bins of a
    # sparse text borrow from different bins (rotation would copy one bin along a band).
    # Worked on the flat indices of the empty bins only; each attempt fills most of those
    # still empty, so the work is a small multiple of the number of empty bins.
    flat_sig, flat_have = sig.reshape(-1), have.reshape(-1)
    filled = sig.copy()
    flat_filled = filled.reshape(-1)
    empty = np.flatnonzero(~flat_have)
    row_of, col = np.divmod(empty, num_perm)
    base = row_of * num_perm
    for probes in _probe_table(num_perm):
        src = base + probes[col]
        take = flat_have[src]
        flat_filled[empty[take]] = flat_sig[src[take]]
        keep = ~take
        empty, base, col = empty[keep], base[keep], col[keep]
        if not len(empty):
            return filled
    done = np.ones(sig.shape, dtype=bool)
    done.reshape(-1)[empty] = False
    # Very sparse texts: the next non-empty bin to the right.
    step = _U32(0x9E3779B1)
    for _ in range(2):
        for j in range(num_perm - 1, -1, -1):
            nxt = (j + 1) % num_perm
            take = ~done[:, j] & done[:, nxt]
            if take.any():
                with np.errstate(over="ignore"):
                    filled[take, j] = filled[take, nxt] + step
                done[take, j] = True
    return filled


@cache
def _probe_table(num_perm: int, attempts: int = 12) -> np.ndarray:
    """``(attempts, num_perm)`` bins probed by each empty bin, fixed by a seeded hash."""
    j = np.arange(num_perm, dtype=_U64)[None, :]
    a = np.arange(attempts, dtype=_U64)[:, None]
    h = fmix64((j << _U64(32)) | (a + _U64(1)))
    table = ((h >> _U64(32)) * _U64(num_perm) >> _U64(32)).astype(np.int64)
    table.flags.writeable = False  # cached: shared by every call
    return table


def lsh_params(
    threshold: float, num_perm: int, probability: float = CANDIDATE_PROBABILITY
) -> tuple[int, int]:
    """``(bands, rows)`` for this threshold: the most rows per band (fewest false
    candidates) whose S-curve ``1 - (1 - t^r)^b`` with ``b = num_perm // r`` bands is at
    least ``probability`` at ``t = threshold``."""
    best = (num_perm, 1)
    for r in range(1, num_perm + 1):
        b = num_perm // r
        if 1 - (1 - threshold**r) ** b >= probability:
            best = (b, r)
    return best


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """The S-curve: probability that a pair of this Jaccard similarity is a candidate."""
    return 1 - (1 - similarity**rows) ** bands


def min_signature_matches(threshold: float, num_perm: int, miss: float = PREFILTER_MISS) -> int:
    """Fewest equal signature bytes a candidate pair needs to be verified exactly.

    Two texts at Jaccard ``t`` agree on a MinHash bin with probability ``t`` (a little more
    on its low byte: ``t + (1 - t) / 256``). Densified bins of a short text copy other
    bins, so the ``num_perm`` bins are counted as ``num_perm / 2`` independent draws (the
    variance of a text with half of its bins empty): the cut is the ``miss`` quantile of
    ``Binomial(num_perm / 2, t)``, scaled back to ``num_perm`` bins. At 0.8 and 64 bins
    (60 used): 30 of 60 bytes, an estimated Jaccard of 0.5. On the scale benchmark's 1M
    rows this drops 93 % of the LSH candidates (unrelated short texts of common words)
    and none of the pairs the exact verification keeps.
    """
    from scipy.special import bdtr  # noqa: PLC0415 - scipy.stats costs ~0.8 s to import

    draws = max(num_perm // 2, 1)
    # The miss quantile: the fewest matches k with P(X <= k) >= miss.
    cdf = bdtr(np.arange(draws + 1), draws, threshold)
    k = int(np.argmax(cdf >= miss))
    return max(int(np.floor(k * num_perm / draws)), 1)


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One well-mixed 64-bit key per LSH band (the band number is mixed in)."""
    weights = (np.uint64(0x100000001B3) ** np.arange(rows, dtype=_U64)).astype(_U64)
    keys = np.empty((len(sig), bands), dtype=_U64)
    for band in range(bands):
        block = sig[:, band * rows : (band + 1) * rows].astype(_U64)
        with np.errstate(over="ignore"):
            keys[:, band] = (block * weights).sum(axis=1, dtype=_U64) + _U64(band) * _U64(
                0x9E3779B97F4A7C15
            )
    return fmix64(keys)


def shingle_sets(texts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct shingles per text, sorted, back to back: ``(ids, starts, sizes)``.

    Shingles are numbered densely (``ids``, uint64 below 2**32; equal ids are equal
    shingles), so pairs of sets can be compared with one 64-bit sort.
    """
    values, counts = shingles(texts)
    n = len(counts)
    _, ids = np.unique(values, return_inverse=True)
    row = np.repeat(np.arange(n, dtype=_U64), counts)
    keys = _sorted_unique((row << _U64(32)) | ids.astype(_U64))
    sizes = np.bincount((keys >> _U64(32)).astype(np.int64), minlength=n).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return keys & _U64(0xFFFFFFFF), starts, sizes


def exact_jaccard(
    s: np.ndarray, d: np.ndarray, values: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
    *, batch: int = 50_000,
) -> np.ndarray:  # fmt: skip
    """Exact Jaccard similarity of the shingle sets of text pairs ``(s[i], d[i])``.

    ``values`` are shingle ids below 2**32 (:func:`shingle_sets`). Vectorised: both sets of
    each pair are concatenated with the pair number in the high bits, sorted, and equal
    neighbours counted (sets have no inner duplicates).
    """
    out = np.empty(len(s))
    for lo in range(0, len(s), batch):
        ps, pd_ = s[lo : lo + batch], d[lo : lo + batch]
        n_pairs = len(ps)
        keys = []
        for side in (ps, pd_):
            lens = sizes[side]
            total = int(lens.sum())
            within = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
            idx = np.repeat(starts[side], lens) + within
            pair = np.repeat(np.arange(n_pairs, dtype=_U64), lens)
            keys.append((pair << _U64(32)) | values[idx].astype(_U64))
        allk = np.sort(np.concatenate(keys))
        same = allk[1:] == allk[:-1]
        inter = np.bincount((allk[1:][same] >> _U64(32)).astype(np.int64), minlength=n_pairs)
        union = sizes[ps] + sizes[pd_] - inter
        out[lo : lo + batch] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return out


def brute_force_pairs(
    texts: list[str], threshold: float, *, block: int = 2000
) -> set[tuple[int, int]]:
    """Every pair ``(i, j)``, ``i < j``, whose shingle sets have exact Jaccard ≥ threshold.

    All pairs are compared (sparse products of the text × shingle matrix, in blocks): the
    ground truth the LSH is measured against in tests and ``benchmarks.audit_scale``.
    """
    import pyarrow as pa  # noqa: PLC0415
    from scipy.sparse import csr_matrix  # noqa: PLC0415

    values, _, sizes = shingle_sets(pa.array(texts, pa.large_string()))
    _, ids = np.unique(values, return_inverse=True)
    rows = np.repeat(np.arange(len(texts)), sizes)
    matrix = csr_matrix(
        (np.ones(len(ids), dtype=np.int32), (rows, ids)), shape=(len(texts), int(ids.max()) + 1)
    )
    out: set[tuple[int, int]] = set()
    for lo in range(0, len(texts), block):
        inter = (matrix[lo : lo + block] @ matrix.T).tocoo()
        i, j, common = inter.row + lo, inter.col, inter.data
        upper = i < j
        i, j, common = i[upper], j[upper], common[upper]
        sim = common / (sizes[i] + sizes[j] - common)
        keep = sim >= threshold
        out.update(zip(i[keep].tolist(), j[keep].tolist(), strict=True))
    return out


def text_hashes(texts) -> np.ndarray:
    """64-bit hashes of texts (an Arrow string array, or a sequence of ``str``).

    Vectorised over the Arrow buffers, so it releases the GIL (the duplicate check runs on
    a thread of its own): each text is read as 8-byte little-endian words, word ``j``
    (the last one zero-padded) is mixed with its position by MurmurHash3's finaliser,
    the mixed words are summed (mod 2**64), and the sum is mixed with the byte length.
    Two different texts get the same hash with probability about 2**-64.
    """
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    if not isinstance(texts, pa.Array | pa.ChunkedArray):
        texts = pa.array(np.asarray(texts, dtype=object), pa.large_string())
    data, offsets = _string_buffers(pc.fill_null(texts, ""))
    n = len(offsets) - 1
    starts, lengths = offsets[:-1], np.diff(offsets)
    words = (lengths + 7) // 8
    total = int(words.sum())
    ends = np.cumsum(words)
    # Byte position of every word, and its number within its text.
    within = np.arange(total, dtype=np.int64) - np.repeat(ends - words, words)
    pos = np.repeat(starts, words) + 8 * within
    # Unaligned 8-byte loads: a uint64 view of the (padded) buffer at every byte offset.
    padded = np.zeros(len(data) + 8, dtype=np.uint8)
    padded[: len(data)] = data
    loads = np.ndarray((len(data) + 1,), dtype="<u8", buffer=padded, strides=(1,))
    value = loads[pos]
    # Bytes past the end of the text are zeroed.
    left = np.repeat(lengths, words) - 8 * within
    short = left < 8
    with np.errstate(over="ignore"):
        value[short] &= (_U64(1) << (left[short].astype(_U64) * _U64(8))) - _U64(1)
        mixed = fmix64(value ^ (within.astype(_U64) * _U64(0x9E3779B97F4A7C15) + _U64(1)))
        csum = np.concatenate([np.zeros(1, _U64), np.cumsum(mixed, dtype=_U64)])
        sums = csum[ends] - csum[ends - words]
        return fmix64(sums ^ fmix64(lengths.astype(_U64) + _U64(0xC2B2AE3D27D4EB4F)))[:n]


# -- the check --------------------------------------------------------------------------------
class DuplicatesSection(Section):
    """Exact and near duplicates, the largest clusters, and leakage between splits."""

    method: str = ""
    threshold: float = 0.8
    num_perm: int = 64
    bands: int = 0
    rows_per_band: int = 0
    shingles: str = ""
    candidate_probability: float | None = None
    rows_checked: int = 0
    distinct_texts: int = 0
    exact_rows: int = 0
    exact_share: float = 0.0
    near_rows: int = 0
    near_share: float = 0.0
    near_pairs: int = 0
    cluster_count: int = 0
    near_cluster_count: int = 0
    cluster_size_histogram: dict[str, int] = {}
    #: Number of near-duplicate clusters (>= 2 distinct texts).
    clusters: Any = 0
    top_clusters: list[dict[str, Any]] = []
    leakage: list[dict[str, Any]] = []
    partitions: list[str] = []


class _Spill:
    """Hash-partitioned append-only files in a temporary folder (removed on close)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="steward-dups-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.dir), True)

    def path(self, kind: str, part: int) -> Path:
        return self.dir / f"{kind}-{part:02d}.bin"

    def append(self, kind: str, part: int, data: bytes | np.ndarray) -> None:
        with self.path(kind, part).open("ab") as fh:
            fh.write(data if isinstance(data, bytes) else data.tobytes())

    def append_partitioned(self, kind: str, records: np.ndarray, part: np.ndarray) -> None:
        """Append each record to the file of its partition."""
        order = np.argsort(part, kind="stable")
        records, part = records[order], part[order]
        bounds = np.searchsorted(part, np.arange(PARTITIONS + 1))
        for p in range(PARTITIONS):
            if bounds[p + 1] > bounds[p]:
                self.append(kind, p, records[bounds[p] : bounds[p + 1]])

    def read(self, kind: str, part: int, dtype) -> np.ndarray:
        path = self.path(kind, part)
        return np.fromfile(path, dtype=dtype) if path.exists() else np.zeros(0, dtype)

    def remove(self, kind: str, part: int) -> None:
        self.path(kind, part).unlink(missing_ok=True)

    def read_bytes(self, kind: str, part: int) -> bytes:
        path = self.path(kind, part)
        return path.read_bytes() if path.exists() else b""

    def close(self) -> None:
        self._cleanup()


def _partition_of(h: np.ndarray) -> np.ndarray:
    # uint8, so that a stable argsort by partition is numpy's radix sort.
    return ((h >> _U64(58)) % _U64(PARTITIONS)).astype(np.uint8)


#: Hash partitions worked on at once when the report is built (numpy sorts and Arrow
#: takes release the GIL: a 2-core machine works on two partitions).
_RESULT_THREADS = 2


def _ahead(fn, items, cpu: list[float], threads: int = _RESULT_THREADS):
    """``fn(item)`` for each item, in order, computed up to ``threads`` items ahead on a
    thread pool; the caller keeps whatever must happen in order (writes, progress). The
    pool's CPU seconds are added to ``cpu[0]``."""

    def timed(item):
        started = time.thread_time()
        out = fn(item)
        return out, time.thread_time() - started

    def done(future):
        out, seconds = future.result()
        cpu[0] += seconds
        return out

    with ThreadPoolExecutor(threads, thread_name_prefix="audit-dups") as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(timed, item))
            if len(pending) >= threads:
                yield done(pending.popleft())
        while pending:
            yield done(pending.popleft())


def _strings_from(lengths: np.ndarray, data: bytes):
    """An Arrow large-string array from the byte length of each string and their bytes."""
    import pyarrow as pa  # noqa: PLC0415

    offsets = np.concatenate([[0], np.cumsum(lengths.astype(np.int64))]).astype(np.int64)
    return pa.LargeStringArray.from_buffers(
        len(lengths), pa.py_buffer(offsets.tobytes()), pa.py_buffer(data)
    )


def _byte_slices(lo_h, hi_h, lo_texts, hi_texts):
    """Consecutive slices of pairs holding about :data:`_VERIFY_BYTES` bytes of text each."""
    import pyarrow.compute as pc  # noqa: PLC0415

    sizes = pc.add(pc.binary_length(lo_texts), pc.binary_length(hi_texts))
    total = np.cumsum(sizes.to_numpy(zero_copy_only=False).astype(np.int64))
    cuts = np.searchsorted(total, np.arange(_VERIFY_BYTES, int(total[-1]), _VERIFY_BYTES))
    bounds = np.unique(np.r_[0, cuts, len(total)])
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        yield lo_h[a:b], hi_h[a:b], lo_texts.slice(a, b - a), hi_texts.slice(a, b - a)


class DuplicatesCheck(AuditCheck):
    """Streaming exact and near duplicate detection with bounded memory."""

    name = "duplicates"
    label = "Duplicates"
    section_model = DuplicatesSection
    #: Rows of a second file (e.g. the test split) are fed here too, for leakage.
    reads_second_file = True
    transient = ("tick",)
    #: Hashing, shingling and MinHash are numpy and Arrow work: a thread of its own.
    concurrent = True

    @classmethod
    def from_config(cls, config, plan) -> DuplicatesCheck:
        check = cls(threshold=config.near_dup_threshold, num_perm=config.num_perm)
        check.tick = plan.tick
        return check

    def __init__(
        self, *, threshold: float = 0.8, num_perm: int = 64, spill_bytes: int | None = None
    ) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands, self.rows_per_band = lsh_params(threshold, num_perm)
        self.spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self.rows = 0
        # partition name -> (code, first row it appears on)
        self.partition_codes: dict[str, int] = {}
        self.partition_first: dict[str, int] = {}
        self._rows: list[np.ndarray] = []  # ROW_DTYPE
        self._texts: list[tuple[np.ndarray, Any]] = []  # (TEXT_DTYPE, Arrow strings)
        self._bands: list[np.ndarray] = []  # BAND_DTYPE
        self._sigs: list[np.ndarray] = []  # sig_dtype(num_perm): the signature index
        self._buffered = 0
        self._spill: _Spill | None = None
        self._pool_cpu = [0.0]  # CPU seconds of the threads that build the result

    # -- streaming -------------------------------------------------------------------------
    def _partition_code(self, name: str, first_row: int) -> int:
        if name not in self.partition_codes:
            if len(self.partition_codes) >= _MAX_PARTITION_CODES:
                name = "other splits"
            self.partition_codes.setdefault(name, len(self.partition_codes))
        self.partition_first[name] = min(self.partition_first.get(name, first_row), first_row)
        return self.partition_codes[name]

    def update(self, batch) -> None:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.compute as pc  # noqa: PLC0415

        chunk = Chunk.of(batch)
        n = len(chunk)
        self.rows += n
        norm = chunk.normalised_arrow
        present = pc.greater(pc.utf8_length(norm), 0).to_numpy(zero_copy_only=False)
        idx = np.flatnonzero(present)
        if not idx.size:
            return
        rows = chunk.rows[idx]
        parts = np.zeros(len(idx), dtype=np.uint16)
        if chunk.partition is not None:
            part_values = chunk.partition[idx]
            for value in pd.unique(part_values):
                mask = part_values == value
                first = int(rows[mask].min())
                parts[mask] = self._partition_code(str(value), first)
        taken = norm.take(pa.array(idx))
        hashes = text_hashes(taken)
        facts = np.empty(len(idx), dtype=ROW_DTYPE)
        facts["h"], facts["row"], facts["part"] = hashes, rows, parts
        self._rows.append(facts)
        # One entry per distinct text of this batch (its first row here).
        _, first = np.unique(hashes, return_index=True)
        texts = taken.take(pa.array(first))
        keys, valid, compact = self._band_keys(texts)
        entries = np.empty(len(first), dtype=TEXT_DTYPE)
        entries["h"], entries["row"] = hashes[first], rows[first]
        entries["len"] = pc.binary_length(texts).to_numpy(zero_copy_only=False)
        self._texts.append((entries, texts))
        band = np.empty(int(valid.sum()) * self.bands, dtype=BAND_DTYPE)
        band["key"] = keys[valid].reshape(-1)
        band["h"] = np.repeat(hashes[first][valid], self.bands)
        self._bands.append(band)
        sigs = np.empty(int(valid.sum()), dtype=sig_dtype(self.bands * self.rows_per_band))
        sigs["h"], sigs["sig"] = hashes[first][valid], compact[valid]
        self._sigs.append(sigs)
        self._buffered += (
            facts.nbytes + entries.nbytes + band.nbytes + sigs.nbytes + int(entries["len"].sum())
        )
        if self._buffered > self.spill_bytes:
            self._flush()

    def _band_keys(self, texts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """LSH band keys of each text, whether it has shingles, and the low byte of each
        signature bin (the signature index), in slices of :data:`_SIGNATURE_SLICE` texts
        (bounds the per-shingle temporaries)."""
        keys, valid, compact = [], [], []
        used = self.bands * self.rows_per_band
        for lo in range(0, len(texts), _SIGNATURE_SLICE):
            values, counts = shingles(texts.slice(lo, _SIGNATURE_SLICE))
            sig = oph_signatures(values, counts, used)
            keys.append(band_keys(sig, self.bands, self.rows_per_band))
            valid.append(counts > 0)
            compact.append(sig.astype(np.uint8))  # the low byte (uint32 -> uint8 wraps)
        if not keys:
            return np.zeros((0, self.bands), _U64), np.zeros(0, bool), np.zeros((0, used), np.uint8)
        return np.concatenate(keys), np.concatenate(valid), np.concatenate(compact)

    def merge(self, other: DuplicatesCheck) -> None:
        if (other.threshold, other.num_perm) != (self.threshold, self.num_perm):
            raise ValueError("Cannot merge duplicate states with different settings.")
        other._unspill_for_merge()
        remap = np.zeros(max(len(other.partition_codes), 1), dtype=np.uint16)
        for name, code in other.partition_codes.items():
            remap[code] = self._partition_code(name, other.partition_first[name])
        self.rows += other.rows
        for facts in other._rows:
            facts = facts.copy()
            facts["part"] = remap[facts["part"]]
            self._rows.append(facts)
        self._texts.extend(other._texts)
        self._bands.extend(other._bands)
        self._sigs.extend(other._sigs)
        self._buffered += other._buffered
        if self._buffered > self.spill_bytes:
            self._flush()

    def _unspill_for_merge(self) -> None:
        if self._spill is not None:
            raise ValueError(
                "A duplicate state that spilled to disk cannot be merged into another one: "
                "merge the smaller partial states into it instead."
            )

    def __getstate__(self) -> dict[str, Any]:
        self._unspill_for_merge()
        return super().__getstate__()

    def _flush(self) -> None:
        """Write the buffered state to its hash partitions and empty the buffers.

        One buffered batch at a time, each released once written (files receive the same
        records in the same order as a write of everything at once), so a flush needs
        little memory beyond the buffer itself.
        """
        import pyarrow as pa  # noqa: PLC0415

        if self._spill is None:
            self._spill = _Spill()
        spill = self._spill
        for kind, pieces, key in (
            ("rows", self._rows, "h"), ("bands", self._bands, "key"), ("sigs", self._sigs, "h"),
        ):  # fmt: skip
            while pieces:
                piece = pieces.pop(0)
                spill.append_partitioned(kind, piece, _partition_of(piece[key]))
        while self._texts:
            entries, texts = self._texts.pop(0)
            # Texts ordered by partition (an Arrow take), so each partition's bytes are one
            # contiguous slice of the buffer.
            part = _partition_of(entries["h"])
            order = np.argsort(part, kind="stable")
            entries, part = entries[order], part[order]
            data, offsets = _string_buffers(texts.take(pa.array(order)))
            bounds = np.searchsorted(part, np.arange(PARTITIONS + 1))
            for p in range(PARTITIONS):
                lo, hi = int(bounds[p]), int(bounds[p + 1])
                if hi > lo:
                    spill.append("texts", p, entries[lo:hi])
                    spill.append("text-bytes", p, data[offsets[lo] : offsets[hi]].tobytes())
        self._buffered = 0

    def _progress(self, activity: str) -> None:
        # Between partitions of a big state: the job can show progress and be cancelled.
        tick = getattr(self, "tick", None)
        if tick is not None:
            tick(activity)

    @property
    def helper_cpu_s(self) -> float:
        return self._pool_cpu[0]

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None

    # -- reading the state back, one hash partition at a time ------------------------------
    def _n_parts(self) -> int:
        return PARTITIONS if self._spill is not None else 1

    def _part_rows(self, p: int) -> np.ndarray:
        if self._spill is not None:
            return self._spill.read("rows", p, ROW_DTYPE)
        return np.concatenate(self._rows) if self._rows else np.zeros(0, ROW_DTYPE)

    def _part_bands(self, p: int) -> np.ndarray:
        if self._spill is not None:
            return self._spill.read("bands", p, BAND_DTYPE)
        return np.concatenate(self._bands) if self._bands else np.zeros(0, BAND_DTYPE)

    def _part_sigs(self, p: int) -> tuple[np.ndarray, np.ndarray]:
        """The signature index of partition ``p``: ``(hashes sorted, bytes per hash)``."""
        dtype = sig_dtype(self.bands * self.rows_per_band)
        if self._spill is not None:
            sigs = self._spill.read("sigs", p, dtype)
        else:
            sigs = np.concatenate(self._sigs) if self._sigs else np.zeros(0, dtype)
        hs = sigs["h"]
        order = np.argsort(hs)
        hs = hs[order]
        first = order[np.r_[True, hs[1:] != hs[:-1]]] if len(hs) else order
        # A text seen in several batches has one entry per batch, all equal.
        return sigs["h"][first], sigs["sig"][first]

    def _part_texts(self, p: int):
        """``(entries, Arrow texts)`` of partition ``p``: one per distinct text per batch."""
        import pyarrow as pa  # noqa: PLC0415

        if self._spill is None:
            if not self._texts:
                return np.zeros(0, TEXT_DTYPE), pa.array([], pa.large_string())
            return (
                np.concatenate([e for e, _ in self._texts]),
                pa.concat_arrays([t.cast(pa.large_string()) for _, t in self._texts]),
            )
        entries = self._spill.read("texts", p, TEXT_DTYPE)
        return entries, _strings_from(entries["len"], self._spill.read_bytes("text-bytes", p))

    def _texts_of(self, wanted: np.ndarray) -> dict[int, str]:
        """The text of each wanted hash (from its first row)."""
        import pyarrow as pa  # noqa: PLC0415

        wanted = np.unique(wanted.astype(_U64))
        out: dict[int, str] = {}
        if not len(wanted):
            return out
        parts = range(self._n_parts()) if self._spill is None else np.unique(_partition_of(wanted))
        for p in parts:
            entries, texts = self._part_texts(int(p))
            sel = np.flatnonzero(np.isin(entries["h"], wanted))
            if not len(sel):
                continue
            # The entry of each hash with the smallest row: its first occurrence.
            order = sel[np.lexsort((entries["row"][sel], entries["h"][sel]))]
            hs = entries["h"][order]
            first = order[np.r_[True, hs[1:] != hs[:-1]]]
            for h, t in zip(
                entries["h"][first].tolist(), texts.take(pa.array(first)).to_pylist(), strict=True
            ):
                out[int(h)] = t
        return out

    # -- the result ----------------------------------------------------------------------------
    def _bucket_pairs(self, p: int) -> np.ndarray:
        """Distinct text-hash pairs sharing an LSH bucket of band partition ``p``, as
        ``(n, 2)`` uint64 ``(lo, hi)``."""
        band = self._part_bands(p)
        if len(band) < 2:
            return np.zeros((0, 2), _U64)
        # Most buckets hold one text: sort by key once and keep only the entries of keys
        # that occur twice or more, then order those by (key, h), one entry per text.
        order = np.argsort(band["key"])
        keys = band["key"][order]
        shared = np.r_[keys[1:] == keys[:-1], False] | np.r_[False, keys[1:] == keys[:-1]]
        keys, hs = _unique_rows(keys[shared], band["h"][order[shared]])
        del band, order, shared
        if len(keys) < 2:
            return np.zeros((0, 2), _U64)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        src, dst = [], []
        for size in np.unique(sizes[(sizes > 1) & (sizes <= _ALL_PAIRS_MAX)]).tolist():
            block = hs[starts[sizes == size][:, None] + np.arange(size)]
            left, right = np.triu_indices(size, 1)
            src.append(block[:, left].ravel())
            dst.append(block[:, right].ravel())
        big = sizes > _ALL_PAIRS_MAX
        if big.any():
            # Star (to the smallest hash) + chain (sorted neighbours): deterministic.
            in_big = np.repeat(big, sizes)
            not_head = np.ones(len(keys), dtype=bool)
            not_head[starts] = False
            head = np.repeat(hs[starts], sizes)
            keep = not_head & in_big
            src.append(head[keep])
            dst.append(hs[keep])
            last = np.zeros(len(keys), dtype=bool)
            last[np.r_[starts[1:], len(keys)] - 1] = True
            chain = in_big & ~last
            src.append(hs[:-1][chain[:-1]])
            dst.append(hs[1:][chain[:-1]])
        if not src:
            return np.zeros((0, 2), _U64)
        s, d = np.concatenate(src), np.concatenate(dst)
        return np.stack(_unique_rows(np.minimum(s, d), np.maximum(s, d)), axis=1)

    def _signature_filter(self, pairs: np.ndarray, lo_sigs, hi_sigs) -> np.ndarray:
        """The pairs whose signatures agree on at least :func:`min_signature_matches`
        bytes, compared :data:`_COMPARE_PAIRS` at a time. ``lo_sigs`` and ``hi_sigs`` are
        ``(signatures, row of each pair)``; a ``None`` row means one signature per pair."""
        need = min_signature_matches(self.threshold, self.bands * self.rows_per_band)

        def side(sigs, rows, sl):
            return sigs[sl] if rows is None else sigs[rows[sl]]

        keep = np.zeros(len(pairs), dtype=bool)
        for lo in range(0, len(pairs), _COMPARE_PAIRS):
            sl = slice(lo, lo + _COMPARE_PAIRS)
            agree = side(*lo_sigs, sl) == side(*hi_sigs, sl)
            keep[sl] = np.count_nonzero(agree, axis=1) >= need
        return pairs[keep]

    def _candidate_pairs(self) -> np.ndarray:
        """Candidate pairs that pass the signature pre-filter, as ``(n, 2)`` uint64.

        LSH candidates grow faster than the rows (unrelated short texts share a bucket by
        chance), so they are not verified directly: each candidate's two signatures (the
        low byte of every MinHash bin, 60 bytes per distinct text) are compared first, and
        only pairs that agree on enough bins are verified exactly. In a spilled state this
        is a join on disk in two passes over the hash partitions (candidates grouped by
        their ``lo`` text get its signature, then, grouped by their ``hi`` text, are
        compared with its signature), so only one partition's candidates and signatures
        are in memory at a time.
        """
        self.candidate_count_ = 0
        if self._spill is None:
            pairs = self._bucket_pairs(0)
            self.candidate_count_ = len(pairs)
            hs, sigs = self._part_sigs(0)
            lo_at, hi_at = np.searchsorted(hs, pairs[:, 0]), np.searchsorted(hs, pairs[:, 1])
            return self._signature_filter(pairs, (sigs, lo_at), (sigs, hi_at))
        spill = self._spill
        for pairs in _ahead(self._bucket_pairs, range(PARTITIONS), self._pool_cpu):
            self._progress("Looking for near duplicates")
            if len(pairs):
                records = np.empty(len(pairs), dtype=PAIR_DTYPE)
                records["lo"], records["hi"] = pairs[:, 0], pairs[:, 1]
                spill.append_partitioned("cand", records, _partition_of(pairs[:, 0]))
        paired = pair_sig_dtype(self.bands * self.rows_per_band)

        def by_lo(p: int) -> np.ndarray | None:
            # Pass 1, by the lo text: distinct pairs (a pair can share several bands), and
            # the lo text's signature.
            records = self._take("cand", p, PAIR_DTYPE)
            if not len(records):
                return None
            hs, sigs = self._part_sigs(p)
            lo_h, hi_h = _unique_rows(records["lo"], records["hi"])
            out = np.empty(len(lo_h), dtype=paired)
            out["lo"], out["hi"] = lo_h, hi_h
            out["sig"] = sigs[np.searchsorted(hs, lo_h)]
            return out

        def by_hi(p: int) -> np.ndarray | None:
            # Pass 2, by the hi text: compare with its signature.
            records = self._take("cand-sig", p, paired)
            if not len(records):
                return None
            hs, sigs = self._part_sigs(p)
            at = np.searchsorted(hs, records["hi"])
            pairs = np.stack([records["lo"], records["hi"]], axis=1)
            return self._signature_filter(pairs, (records["sig"], None), (sigs, at))

        for out in _ahead(by_lo, range(PARTITIONS), self._pool_cpu):
            self._progress("Comparing near-duplicate signatures")
            if out is not None:
                self.candidate_count_ += len(out)
                spill.append_partitioned("cand-sig", out, _partition_of(out["hi"]))
        kept = []
        for out in _ahead(by_hi, range(PARTITIONS), self._pool_cpu):
            self._progress("Comparing near-duplicate signatures")
            if out is not None:
                kept.append(out)
        if not kept:
            return np.zeros((0, 2), _U64)
        both = np.concatenate(kept)
        return np.stack(_unique_rows(both[:, 0], both[:, 1]), axis=1)

    def _take(self, kind: str, p: int, dtype) -> np.ndarray:
        """The spilled records of ``kind`` in partition ``p``; the file is removed."""
        assert self._spill is not None
        records = self._spill.read(kind, p, dtype)
        self._spill.remove(kind, p)
        return records

    def _take_bytes(self, kind: str, p: int) -> bytes:
        """The spilled bytes of ``kind`` in partition ``p``; the file is removed."""
        assert self._spill is not None
        data = self._spill.read_bytes(kind, p)
        self._spill.remove(kind, p)
        return data

    def _verified(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(nodes, s, d)``: hashes of linked texts (sorted) and the verified pairs among
        them as positions in ``nodes`` (exact Jaccard of the shingle sets ≥ threshold).

        Each pre-filtered candidate gets its two texts by a join on disk (:meth:`_verify_jobs`)
        and pairs are verified in slices of about :data:`_VERIFY_BYTES` bytes of text, so
        neither the texts nor their shingle sets in memory grow with the corpus.
        """
        pairs = self._candidate_pairs()
        self.prefiltered_count_ = len(pairs)
        kept = []
        for verified in _ahead(lambda job: job(), self._verify_jobs(pairs), self._pool_cpu):
            self._progress("Verifying near-duplicate candidates")
            kept.append(verified)
        if not kept or not sum(len(k) for k in kept):
            return np.zeros(0, _U64), np.zeros(0, np.int64), np.zeros(0, np.int64)
        verified = np.concatenate(kept)
        nodes = np.unique(verified)
        return nodes, np.searchsorted(nodes, verified[:, 0]), np.searchsorted(nodes, verified[:, 1])

    def _verify_slice(self, lo_h, hi_h, lo_texts, hi_texts) -> np.ndarray:
        """The pairs ``(lo_h[i], hi_h[i])`` whose texts' exact Jaccard reaches the threshold,
        as ``(n, 2)`` uint64 (each distinct text is shingled once)."""
        import pyarrow as pa  # noqa: PLC0415

        hashes = np.concatenate([lo_h, hi_h])
        nodes, first = np.unique(hashes, return_index=True)
        texts = pa.concat_arrays([lo_texts, hi_texts]).take(pa.array(first))
        values, starts, sizes = shingle_sets(texts)
        s, d = np.searchsorted(nodes, lo_h), np.searchsorted(nodes, hi_h)
        keep = exact_jaccard(s, d, values, starts, sizes) >= self.threshold
        return np.stack([lo_h[keep], hi_h[keep]], axis=1)

    def _verify_jobs(self, pairs: np.ndarray):
        """Jobs that each verify some of the candidate ``pairs`` and return those kept
        (``(n, 2)`` uint64), verifying slices of about :data:`_VERIFY_BYTES` bytes of text.

        A pair needs both its texts. In a spilled state they come from a join on disk in two
        passes over the hash partitions: pairs grouped by their ``lo`` text get its text and
        are written out by their ``hi`` text (done here), then each job reads one partition
        of those and its texts supply the other text. Only a partition's texts and pairs
        are in memory at a time (two when two jobs run at once).
        """
        import pyarrow as pa  # noqa: PLC0415

        if not len(pairs):
            return

        def verify(lo_h, hi_h, lo_t, hi_t) -> np.ndarray:
            slices = _byte_slices(lo_h, hi_h, lo_t, hi_t)
            return np.concatenate([self._verify_slice(*sl) for sl in slices])

        if self._spill is None:
            hs, texts = self._first_texts(0)
            lo_t = texts.take(pa.array(np.searchsorted(hs, pairs[:, 0])))
            hi_t = texts.take(pa.array(np.searchsorted(hs, pairs[:, 1])))
            yield partial(verify, pairs[:, 0], pairs[:, 1], lo_t, hi_t)
            return
        lo_part = _partition_of(pairs[:, 0])
        order = np.argsort(lo_part, kind="stable")
        pairs, lo_part = pairs[order], lo_part[order]
        bounds = np.searchsorted(lo_part, np.arange(PARTITIONS + 1))

        def with_lo_texts(p: int):
            chunk = pairs[int(bounds[p]) : int(bounds[p + 1])]
            if not len(chunk):
                return None
            hs, texts = self._first_texts(p)
            return chunk, texts.take(pa.array(np.searchsorted(hs, chunk[:, 0])))

        for done in _ahead(with_lo_texts, range(PARTITIONS), self._pool_cpu):
            self._progress("Verifying near-duplicate candidates")
            if done is not None:
                chunk, lo_t = done
                self._append_texts("vpairs", chunk[:, 0], chunk[:, 1], lo_t)

        def by_hi(q: int) -> np.ndarray:
            records = self._take("vpairs", q, VPAIR_DTYPE)
            if not len(records):
                return np.zeros((0, 2), _U64)
            lo_t = _strings_from(records["len"], self._take_bytes("vpairs-bytes", q))
            hs, texts = self._first_texts(q)
            hi_t = texts.take(pa.array(np.searchsorted(hs, records["hi"])))
            del hs, texts
            return verify(records["lo"], records["hi"], lo_t, hi_t)

        for q in range(PARTITIONS):
            yield partial(by_hi, q)

    def _append_texts(self, kind: str, lo_h, hi_h, lo_texts) -> None:
        """Spill pairs with their ``lo`` text, each to the partition of its ``hi`` text."""
        import pyarrow as pa  # noqa: PLC0415

        assert self._spill is not None
        part = _partition_of(hi_h)
        order = np.argsort(part, kind="stable")
        part = part[order]
        records = np.empty(len(order), dtype=VPAIR_DTYPE)
        records["lo"], records["hi"] = lo_h[order], hi_h[order]
        lo_texts = lo_texts.take(pa.array(order))
        data, offsets = _string_buffers(lo_texts)
        records["len"] = np.diff(offsets)
        bounds = np.searchsorted(part, np.arange(PARTITIONS + 1))
        for q in range(PARTITIONS):
            lo, hi = int(bounds[q]), int(bounds[q + 1])
            if hi > lo:
                self._spill.append(kind, q, records[lo:hi])
                self._spill.append(kind + "-bytes", q, data[offsets[lo] : offsets[hi]].tobytes())

    def _first_texts(self, p: int):
        """``(hashes sorted, Arrow texts)`` of partition ``p``: one text per distinct hash."""
        import pyarrow as pa  # noqa: PLC0415

        entries, texts = self._part_texts(p)
        hs = entries["h"]
        order = np.argsort(hs)
        first = order[np.r_[True, hs[order][1:] != hs[order][:-1]]] if len(hs) else order
        return hs[first], texts.take(pa.array(first))

    def verified_pairs(self) -> list[tuple[int, int]]:
        """Pairs of distinct-text hashes the audit links (for benchmarks and tests)."""
        nodes, s, d = self._verified()
        return list(zip(nodes[s].tolist(), nodes[d].tolist(), strict=True))

    def _near_components(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Verified near pairs as components: ``(hashes sorted, component per hash, pairs)``.

        Only hashes in a component of two or more distinct texts are returned.
        """
        from scipy.sparse import coo_matrix  # noqa: PLC0415
        from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

        nodes, s, d = self._verified()
        if not len(s):
            return np.zeros(0, _U64), np.zeros(0, np.int64), 0
        graph = coo_matrix((np.ones(len(s)), (s, d)), shape=(len(nodes), len(nodes)))
        _, comp = connected_components(graph, directed=False)
        in_pair = np.zeros(len(nodes), dtype=bool)
        in_pair[s] = in_pair[d] = True
        _, compact = np.unique(comp[in_pair], return_inverse=True)
        return nodes[in_pair], compact.astype(np.int64), int(len(s))

    def _final_partitions(self) -> tuple[list[str], np.ndarray]:
        """Report names of the splits (by first row; the 13th on is 'other splits') and the
        map from state codes to report positions."""
        names = sorted(self.partition_codes, key=lambda n: (self.partition_first[n], n))
        shown = names[:_MAX_PARTITIONS]
        final = list(shown)
        if len(names) > _MAX_PARTITIONS:
            final.append("other splits")
        remap = np.zeros(max(len(self.partition_codes), 1), dtype=np.int64)
        for name, code in self.partition_codes.items():
            remap[code] = final.index(name) if name in shown else len(final) - 1
        if not names:
            final = []
        return final, remap

    def result(self, context: ReportContext | None = None) -> DuplicatesSection:
        if self._spill is not None:
            self._flush()
        redactor = PiiDetector()
        near_h, near_comp, near_pairs = self._near_components()
        n_comp = int(near_comp.max()) + 1 if len(near_comp) else 0
        partitions, remap = self._final_partitions()
        n_parts = max(len(partitions), 1)

        present = distinct = 0
        size_hist: Counter = Counter()
        exact_top: list[tuple[int, int, int, list[int]]] = []  # (-rows, first row, hash, rows)
        comp_rows = np.zeros(n_comp, dtype=np.int64)
        comp_mask = np.zeros(n_comp, dtype=np.int64)
        near_first = np.zeros(len(near_h), dtype=np.int64)  # first row of each near text
        near_count = np.zeros(len(near_h), dtype=np.int64)
        near_mask = np.zeros(len(near_h), dtype=np.int64)
        near_part_rows = np.zeros((len(near_h), n_parts), dtype=np.int64)
        comp_row_lists: list[np.ndarray] = []  # (comp, row) of the first rows of near texts
        part_rows = np.zeros(n_parts, dtype=np.int64)
        exact_leak = np.zeros((n_parts, n_parts), dtype=np.int64)  # [small, big]
        leak_examples: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (first row, hash)
        for p in range(self._n_parts()):
            self._progress("Counting duplicates")
            facts = self._part_rows(p)
            if not len(facts):
                continue
            facts = _sort_facts(facts)
            hs, rows = facts["h"], facts["row"]
            parts = remap[facts["part"].astype(np.int64)]
            present += len(facts)
            part_rows += np.bincount(parts, minlength=n_parts)
            starts = np.flatnonzero(np.r_[True, hs[1:] != hs[:-1]])
            counts = np.diff(np.r_[starts, len(hs)])
            distinct += len(starts)
            uh, first_rows = hs[starts], rows[starts]
            group = np.repeat(np.arange(len(starts)), counts)
            masks = np.zeros(len(starts), dtype=np.int64)
            np.bitwise_or.at(masks, group, np.left_shift(1, parts))
            per_part = np.zeros((len(starts), n_parts), dtype=np.int64)
            np.add.at(per_part, (group, parts), 1)
            pos = np.searchsorted(near_h, uh)
            is_near = np.zeros(len(uh), dtype=bool)
            if len(near_h):
                is_near = (pos < len(near_h)) & (near_h[np.minimum(pos, len(near_h) - 1)] == uh)
            # Exact-only clusters: a text repeated, in no near cluster.
            dup = np.flatnonzero((counts >= 2) & ~is_near)
            size_hist.update(counts[dup].tolist())
            best = dup[np.lexsort((first_rows[dup], -counts[dup]))][:_EXAMPLE_CLUSTERS]
            for i in best.tolist():
                own = rows[starts[i] : starts[i] + min(10, int(counts[i]))].tolist()
                exact_top.append((-int(counts[i]), int(first_rows[i]), int(uh[i]), own))
            exact_top.sort()
            del exact_top[_EXAMPLE_CLUSTERS:]
            # Exact leakage: rows of split `small` whose text also occurs in split `big`.
            for small in range(n_parts if n_parts > 1 else 0):
                for big in range(n_parts):
                    if small == big:
                        continue
                    hit = (per_part[:, small] > 0) & ((masks >> big) & 1).astype(bool)
                    if hit.any():
                        exact_leak[small, big] += int(per_part[hit, small].sum())
                        ex = leak_examples.setdefault((small, big), [])
                        order = np.flatnonzero(hit)[np.argsort(first_rows[hit], kind="stable")]
                        ex.extend(
                            zip(first_rows[order[:3]].tolist(), uh[order[:3]].tolist(), strict=True)
                        )
                        ex.sort()
                        del ex[3:]
            if is_near.any():
                ids = np.flatnonzero(is_near)
                at = pos[ids]
                comps = near_comp[at]
                near_first[at] = first_rows[ids]
                near_count[at] = counts[ids]
                near_mask[at] = masks[ids]
                near_part_rows[at] = per_part[ids]
                np.add.at(comp_rows, comps, counts[ids])
                np.bitwise_or.at(comp_mask, comps, masks[ids])
                # The first 10 rows of each near text (rows are sorted within a text).
                take = np.minimum(counts[ids], 10)
                within = np.arange(int(take.sum())) - np.repeat(np.cumsum(take) - take, take)
                idx = np.repeat(starts[ids], take) + within
                comp_row_lists.append(np.stack([np.repeat(comps, take), rows[idx]], axis=1))
        comp_distinct = np.bincount(near_comp, minlength=n_comp) if n_comp else np.zeros(0, int)
        near_rows = int(comp_distinct.sum())
        size_hist.update(comp_rows.tolist())
        comp_first_rows: dict[int, list[int]] = {}
        if comp_row_lists:
            pairs = np.concatenate(comp_row_lists)
            pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
            for c, r in pairs.tolist():
                lst = comp_first_rows.setdefault(c, [])
                if len(lst) < 10:
                    lst.append(r)
        # The largest clusters of any kind (ties: the earliest first row).
        chosen_all = [(n, r, "exact", h) for n, r, h, _ in exact_top]
        chosen_all += [
            (-int(comp_rows[c]), comp_first_rows[c][0], "near", c) for c in range(n_comp)
        ]
        chosen = sorted(chosen_all)[:_EXAMPLE_CLUSTERS]
        exact_rows_of = {h: own for _, _, h, own in exact_top}
        example_hashes: dict[tuple[str, int], list[int]] = {}
        for _, _, kind, key in chosen:
            if kind == "exact":
                example_hashes[(kind, key)] = [key]
            else:
                members = np.flatnonzero(near_comp == key)
                members = members[np.lexsort((near_first[members], -near_count[members]))]
                example_hashes[(kind, key)] = [int(near_h[i]) for i in members[:_EXAMPLE_TEXTS]]
        near_leak = np.zeros((n_parts, n_parts), dtype=np.int64)
        for small in range(n_parts if n_parts > 1 else 0):
            for big in range(n_parts):
                if small == big or not len(near_h):
                    continue
                hit = (
                    (near_part_rows[:, small] > 0)
                    & ~((near_mask >> big) & 1).astype(bool)
                    & ((comp_mask[near_comp] >> big) & 1).astype(bool)
                )
                if hit.any():
                    near_leak[small, big] = int(near_part_rows[hit, small].sum())
                    ex = leak_examples.setdefault((small, big), [])
                    ex.extend(zip(near_first[hit].tolist(), near_h[hit].tolist(), strict=True))
                    ex.sort()
                    del ex[3:]
        wanted = [h for hs_ in example_hashes.values() for h in hs_]
        wanted += [h for ex in leak_examples.values() for _, h in ex]
        texts = self._texts_of(np.array(wanted, dtype=_U64))
        clusters = []
        for neg_rows, _, kind, key in chosen:
            if kind == "exact":
                rows_list, distinct_texts = exact_rows_of[key], 1
            else:
                rows_list, distinct_texts = comp_first_rows[key], int(comp_distinct[key])
            clusters.append(
                {
                    "size": -neg_rows,
                    "distinct_texts": distinct_texts,
                    "exact_repeats": -neg_rows - distinct_texts,
                    "kind": kind,
                    "rows": [r + 1 for r in rows_list[:10]],
                    "examples": [
                        redactor.redact(texts.get(h, ""))[:240] for h in example_hashes[(kind, key)]
                    ],
                }
            )
        leakage = []
        if len(partitions) >= 2:
            sizes = part_rows.tolist()
            for p, q in combinations(range(len(partitions)), 2):
                # Report the smaller split (usually test) against the larger (usually train).
                big, small = (p, q) if sizes[p] >= sizes[q] else (q, p)
                exact, near = int(exact_leak[small, big]), int(near_leak[small, big])
                leakage.append(
                    {
                        "from": partitions[small],
                        "to": partitions[big],
                        "rows": int(sizes[small]),
                        "exact_rows": exact,
                        "near_rows": near,
                        "share": (exact + near) / sizes[small] if sizes[small] else 0.0,
                        "examples": [
                            redactor.redact(texts.get(h, ""))[:200]
                            for _, h in leak_examples.get((small, big), [])
                        ],
                    }
                )
        probability = candidate_probability(self.threshold, self.bands, self.rows_per_band)
        return DuplicatesSection(
            method=(
                f"exact: 64-bit hash of case-folded, whitespace-collapsed text; near: "
                f"character {SHINGLE_BYTES}-grams (UTF-8 byte windows), one-permutation "
                f"MinHash ({self.bands * self.rows_per_band} bins), LSH {self.bands} bands × "
                f"{self.rows_per_band} rows (candidate probability {probability:.3f} at "
                f"Jaccard {self.threshold:g}); candidates kept when the exact Jaccard of "
                f"their shingle sets ≥ {self.threshold:g}"
            ),
            threshold=self.threshold,
            num_perm=self.num_perm,
            bands=self.bands,
            rows_per_band=self.rows_per_band,
            shingles=f"character {SHINGLE_BYTES}-grams",
            candidate_probability=probability,
            rows_checked=int(present),
            distinct_texts=int(distinct),
            exact_rows=int(present - distinct),
            exact_share=(present - distinct) / present if present else 0.0,
            near_rows=near_rows,
            near_share=near_rows / present if present else 0.0,
            near_pairs=near_pairs,
            cluster_count=int(sum(size_hist.values())),
            near_cluster_count=n_comp,
            cluster_size_histogram={str(k): int(v) for k, v in sorted(size_hist.items())},
            clusters=n_comp,
            top_clusters=clusters,
            leakage=leakage,
            partitions=partitions,
        )

    # -- reading the section ------------------------------------------------------------------
    @classmethod
    def findings(cls, section: Section, context: ReportContext) -> list[Finding]:
        from backend.audit.findings import pct, plural  # noqa: PLC0415

        assert isinstance(section, DuplicatesSection)
        out = []
        exact, near = section.exact_rows, section.near_rows
        if exact or near:
            out.append(
                Finding(
                    check=cls.name,
                    severity="warning" if section.exact_share + section.near_share >= 0.01
                    else "info",
                    text=f"{pct(section.exact_share)} exact duplicates "
                    f"({plural(exact, 'row')} repeat an earlier row); {plural(near, 'row')} in "
                    f"{plural(section.near_cluster_count, 'near-duplicate cluster')}.",
                )
            )  # fmt: skip
        else:
            out.append(Finding(check=cls.name, severity="ok", text="No exact or near duplicates."))
        for leak in section.leakage:
            n = leak["exact_rows"] + leak["near_rows"]
            if n:
                text = (
                    f"Leakage: {plural(n, 'row')} of '{leak['from']}' ({pct(leak['share'])}) "
                    f"also appear in '{leak['to']}' ({leak['exact_rows']:,} exact, "
                    f"{leak['near_rows']:,} near)."
                )
                out.append(Finding(check=cls.name, severity="warning", text=text))
            else:
                text = f"No leakage between '{leak['from']}' and '{leak['to']}'."
                out.append(Finding(check=cls.name, severity="ok", text=text))
        return out

    @classmethod
    def card_fields(cls, section: Section, context: ReportContext, card_kind) -> list[CardField]:
        from backend.cards.formatting import fmt_num  # noqa: PLC0415

        assert isinstance(section, DuplicatesSection)
        if card_kind != "data":
            return []
        text = (
            f"The audit found {fmt_num(section.exact_rows)} exact duplicate rows, "
            f"{fmt_num(section.near_rows)} near-duplicate rows, "
            f"{fmt_num(section.near_cluster_count)} near-duplicate clusters."
        )
        return [CardField("construction_and_sources", "duplicates", text)]

    @classmethod
    def comparison(cls, section: Section) -> dict[str, float | None]:
        assert isinstance(section, DuplicatesSection)
        return {
            "Exact duplicates (share)": section.exact_share,
            "Near duplicates (share)": section.near_share,
        }

    @classmethod
    def headline(cls, section: Section | None) -> list[Headline]:
        from backend.audit.findings import pct  # noqa: PLC0415

        if not isinstance(section, DuplicatesSection):
            return [Headline("Exact duplicates", "–")]
        return [
            Headline("Exact duplicates", pct(section.exact_share), f"{section.exact_rows:,} rows")
        ]
