"""Exact mean of the ``k`` largest cosine similarities to a stored memory, fast on one core.

The harm head's neighbour contrast compares every sentence window with thousands of stored
training embeddings (7,786 x 384). As one float32 product that is 12 MB of memory read per
call plus a partial sort of every row: about 2 ms per prompt on one core, twice the harm
classifier's whole budget. This module returns the **same** top-``k`` means, faster:

1. **Candidates in int8.** The memory is kept as int8 rows with one scale per row (what the
   shipped head stores on disk, so nothing is lost for it), a query as int8 with one scale
   per row. One ONNX Runtime graph (``MatMulInteger`` with VNNI where the CPU has it, then
   ``TopK``) returns the :data:`CANDIDATES` rows with the largest approximate similarity.
2. **Exact re-ranking.** The candidates' float32 similarities are computed exactly and the
   ``k`` best averaged.
3. **A proof, per query row, that nothing was missed.** The approximation error of every
   row is bounded: ``|x.m - approx| <= |x - x_q| |m| + |x_q| |m - m_q|`` (Cauchy-Schwarz, with
   the query's actual quantisation residual). A row outside the candidates has an
   approximate similarity at most the last candidate's, so when that plus the bound is not
   above the ``k``-th exact candidate similarity, no row outside can enter the top ``k``.
   Otherwise (rare: 3 of 3,978 benchmark query rows, 0 of 15,940 corpus windows) that
   query row is recomputed
   with the full float32 product.

The result equals the float32 product's up to float summation order (measured |delta|
<= 3e-7). Without ONNX Runtime (not installed, or not importable because the process's
command line is too long, see :func:`backend.models.onnxruntime_import_risk`) the float32
product runs instead, with the same result.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

#: Rows kept from the int8 pass for exact re-ranking. Over the 1,989 windows of 300
#: benchmark prompts (x2 memories): 16 left 12 query rows to the full product, 24 left 3,
#: 32 none but its TopK costs ~0.05 ms more per prompt.
CANDIDATES = 24
#: Added to the error bound for float32 rounding in both passes (relative ~1e-7).
ROUNDING = 1e-5
#: Query rows per ONNX Runtime call (bounds the re-ranking gather to ~12 MB).
CHUNK = 256


def _float_topk_mean(x: np.ndarray, memory_t: np.ndarray, k: int) -> np.ndarray:
    from backend.guardrails.base import one_blas_thread

    with one_blas_thread():  # one prompt's rows against thousands: a second thread only waits
        sims = x @ memory_t
    k = min(k, sims.shape[1])
    return np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:].mean(axis=1)


def quantize_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row: ``rows ~= q * scale`` (the harm head's on-disk memory format)."""
    scale = np.abs(rows).max(axis=1, keepdims=True) / 127.0
    q = np.round(rows / np.maximum(scale, 1e-12)).astype(np.int8)
    return q, scale.astype(np.float32)


class TopKMean:
    """Per memory, the mean of the ``k`` largest dot products of query rows with its rows.

    Parameters
    ----------
    memories
        One or more ``(m_b, d)`` float arrays (unit-length embeddings for cosine similarity),
        searched in one pass.
    k
        How many of the largest similarities are averaged.
    int8
        Use the int8 candidate search when ONNX Runtime can be used (default). ``False``
        always runs the float32 product (the reference the tests compare with).
    """

    def __init__(self, memories: Sequence[np.ndarray], k: int, *, int8: bool = True) -> None:
        self.memories = [np.ascontiguousarray(m, dtype=np.float32) for m in memories]
        self.k = int(k)
        # the candidates must outnumber k, and the memory the candidates
        small = min(len(m) for m in self.memories) <= CANDIDATES or self.k >= CANDIDATES - 1
        self._int8 = int8 and not small
        self._float_t: list[np.ndarray] | None = None
        self._session = None
        self._lock = threading.Lock()
        #: Why the float32 product runs instead of the int8 search (None when it does not).
        self.fallback_reason: str | None = (
            None if self._int8 or not int8 else "memory too small (or k too large) to bother"
        )
        #: Query rows the int8 search could not prove complete (recomputed in float32).
        self.recomputed_rows = 0

    def _memory_t(self, b: int) -> np.ndarray:
        if self._float_t is None:  # contiguous (d, m) copies, made once when first needed
            self._float_t = [np.ascontiguousarray(m.T) for m in self.memories]
        return self._float_t[b]

    # -- the int8 graph -----------------------------------------------------------------
    def _build(self):
        from backend.models import onnxruntime_import_risk

        risk = onnxruntime_import_risk()
        if risk is not None:
            raise RuntimeError(risk)
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper

        memory = np.vstack(self.memories)
        q, scale = quantize_rows(memory)
        # |m| and |m - m_q| over the memory rows: the two factors of the error bound
        self._norm_max = float(np.linalg.norm(memory, axis=1).max())
        residual = memory - q.astype(np.float32) * scale
        self._residual_max = float(np.linalg.norm(residual, axis=1).max())
        sizes = [len(m) for m in self.memories]
        inits = [
            numpy_helper.from_array(np.ascontiguousarray(q.T), "memory_q"),  # (d, m) int8
            numpy_helper.from_array(scale.reshape(1, -1), "memory_scale"),
            numpy_helper.from_array(np.array(128, np.uint8), "zero_point"),
            numpy_helper.from_array(np.array(1.0, np.float32), "one"),
            numpy_helper.from_array(np.array([CANDIDATES], np.int64), "top"),
            numpy_helper.from_array(np.array(sizes, np.int64), "sizes"),
        ]
        # x_q . memory_q * memory_scale: each query row's own scale does not change its
        # ranking, so it is applied to the returned values only
        nodes = [
            helper.make_node(
                "MatMulIntegerToFloat",
                ["x_q", "memory_q", "one", "memory_scale", "zero_point"],
                ["approx"],
                domain="com.microsoft",
            ),
            helper.make_node(
                "Split", ["approx", "sizes"], [f"approx_{b}" for b in range(len(sizes))], axis=1
            ),
        ]
        outputs = []
        for b in range(len(sizes)):
            nodes.append(
                helper.make_node(
                    "TopK", [f"approx_{b}", "top"], [f"values_{b}", f"indices_{b}"], axis=1
                )
            )
            outputs += [
                helper.make_tensor_value_info(f"values_{b}", TensorProto.FLOAT, None),
                helper.make_tensor_value_info(f"indices_{b}", TensorProto.INT64, None),
            ]
        d = memory.shape[1]
        graph = helper.make_graph(
            nodes,
            "topk_mean_int8",
            [
                helper.make_tensor_value_info("x_q", TensorProto.UINT8, [None, d]),
            ],
            outputs,
            inits,
        )
        # IR 8 / opset 17: what ONNX Runtime 1.30 reads (onnx 1.23 would write IR 14)
        opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
        model = helper.make_model(graph, opset_imports=opsets, ir_version=8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # a scanner's products run on one thread
        options.inter_op_num_threads = 1
        return ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    def _ready(self) -> bool:
        if self._int8 and self._session is None:
            with self._lock:
                if self._session is None and self._int8:
                    try:
                        self._session = self._build()
                    except Exception as exc:  # noqa: BLE001 - any failure: the exact float32 product
                        self._int8 = False
                        self.fallback_reason = f"{type(exc).__name__}: {exc}"
        return self._int8

    # -- scoring --------------------------------------------------------------------------
    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``(n, memories)``: per row of ``x`` ``(n, d)``, the mean of its ``k`` largest
        similarities with each memory."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        if len(x) and self._ready():
            return np.vstack([self._int8_search(x[i : i + CHUNK]) for i in range(0, len(x), CHUNK)])
        return np.stack(
            [_float_topk_mean(x, self._memory_t(b), self.k) for b in range(len(self.memories))],
            axis=1,
        ).reshape(len(x), len(self.memories))

    def _int8_search(self, x: np.ndarray) -> np.ndarray:
        x_scale = np.maximum(np.abs(x).max(axis=1, keepdims=True) / 127.0, 1e-12)
        x_i = np.round(x / x_scale)
        approx_x = x_i * x_scale
        found = self._session.run(None, {"x_q": (x_i + 128).astype(np.uint8)})
        bound = (
            np.linalg.norm(x - approx_x, axis=1) * self._norm_max
            + np.linalg.norm(approx_x, axis=1) * self._residual_max
            + ROUNDING
        )
        out = np.empty((len(x), len(self.memories)), dtype=np.float32)
        for b, memory in enumerate(self.memories):
            values, indices = found[2 * b] * x_scale, found[2 * b + 1]  # largest first
            k = min(self.k, len(memory))
            # Re-rank only the candidates that can still be in the top k: a row whose
            # approximate similarity is 2 bounds below the k-th approximate one is below
            # the k-th exact one (measured: 7 columns at the median, 13 at p95).
            keep = (values >= values[:, k - 1 : k] - 2 * bound[:, None]).sum(axis=1)
            c = int(min(max(int(keep.max()), k), CANDIDATES - 1))
            exact = np.einsum("nd,nkd->nk", x, memory[indices[:, :c]])
            exact.sort(axis=1)
            best = exact[:, -k:]
            out[:, b] = best.mean(axis=1)
            # Every row outside the first c candidates has an approximate similarity of at
            # most values[:, c], so an exact one of at most values[:, c] + bound.
            unsure = values[:, c] + bound > best[:, 0]
            if unsure.any():
                self.recomputed_rows += int(unsure.sum())
                out[unsure, b] = _float_topk_mean(x[unsure], self._memory_t(b), k)
        return out
