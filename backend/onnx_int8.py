"""Calibrated int8 for an exported transformer encoder (ONNX), with per-token activations.

Used by :mod:`backend.models` when it exports MiniLM for ONNX Runtime with ``quantize``; it
works on any ONNX graph whose weight matrices are ``MatMul`` nodes with a constant second
input (what ``torch.onnx.export`` produces for ``nn.Linear``). Measured on the windows of
the latency benchmark's prompts (docs/guardrails.md, "int8 MiniLM"), cosine with fp32:

* ``quantize_dynamic`` (one scale per *tensor* for activations): 0.957 at worst, because a
  few channels and the [CLS]/[SEP] rows carry values 10x the rest, and short windows
  ("Thanks.") lose most of their resolution to them;
* this recipe: 0.99 at worst, about 2.2x faster than fp32 on one core (dynamic: 2.5x).

The recipe, in order:

1. **Calibrate**: the largest absolute value of every input channel of every weight matrix,
   over real texts (a fixed sample of the guard corpus; never the benchmark or red-team
   prompts).
2. **Smooth** (SmoothQuant, alpha 0.7): divide each input channel by
   ``s = max|x|^alpha / max|w|^(1-alpha)`` (an inserted ``Mul``) and multiply the weight's
   row by ``s``. Exact in fp32; it moves the outlier channels' range into the weights.
3. **Per-token int8**: each matrix product quantises its input row by row (one scale per
   token, symmetric, u8 x s8) and its weights per output column; the int32 product and
   both scales run as one ``MatMulIntegerToFloat`` kernel (4 % faster than
   ``MatMulInteger`` + ``Cast`` + two ``Mul``, same accuracy).
4. **Sensitive products stay finer**: the error each product adds on its own is measured on
   the calibration texts (a copy of the graph where every product can switch between fp32
   and int8, run once per product); the worst one, and any within half of it, use
   ``MatMulNBits`` (8-bit weights in blocks of 32 with int8 activations per block of 32).
   On MiniLM that is layer 0's feed-forward output.

Nothing here imports torch or the rest of the backend; ``onnx`` and ``onnxruntime`` are
imported lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Changes whenever the graph this module writes changes (part of the ONNX cache key).
#: 2: the per-token product as one MatMulIntegerToFloat node, scales by reciprocal.
RECIPE_VERSION = 2
#: SmoothQuant's migration strength: 0.5 and 0.85 were worse on the benchmark windows.
SMOOTH_ALPHA = 0.7
#: Block size of the products kept finer (MatMulNBits); 32 measured best (0.997 worst cosine).
BLOCK = 32
#: A product is "sensitive" when its own error is at least this share of the worst one's.
SENSITIVE_SHARE = 0.5

Tokenize = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]


@dataclass
class Int8Report:
    """What the quantiser did: for the export's metadata and the docs."""

    products: int = 0
    blockwise: list[str] = field(default_factory=list)
    errors: dict[str, float] = field(default_factory=dict)
    calibration_texts: int = 0


def _weight_matmuls(model) -> list:
    inits = {i.name for i in model.graph.initializer}
    return [n for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in inits]


def _session(model, *, optimize: bool = True):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    level = ort.GraphOptimizationLevel
    options.graph_optimization_level = level.ORT_ENABLE_ALL if optimize else level.ORT_DISABLE_ALL
    return ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def _batches(tokenize: Tokenize, texts: Sequence[str], size: int = 32):
    """Batches of similar length (little padding), each with its mask."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), size):
        ids, mask = tokenize([texts[i] for i in order[start : start + size]])
        yield ids, mask


def _pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    w = mask[..., None].astype(np.float32)
    pooled = (hidden * w).sum(1) / np.maximum(w.sum(1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def channel_maxima(model, tokenize: Tokenize, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Per input channel, the largest |x| each weight product sees on ``texts`` (real tokens)."""
    import onnx
    from onnx import helper

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    acts = sorted({n.input[0] for n in _weight_matmuls(probe)})
    for name in acts:
        probe.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = _session(probe, optimize=False)
    maxima: dict[str, np.ndarray] = {}
    for ids, mask in _batches(tokenize, texts):
        outs = session.run(acts, {"input_ids": ids, "attention_mask": mask})
        real = mask.astype(bool)
        for name, value in zip(acts, outs, strict=True):
            m = np.abs(value[real]).max(0)
            maxima[name] = np.maximum(maxima[name], m) if name in maxima else m
    return maxima


def smooth(model, maxima: dict[str, np.ndarray], alpha: float = SMOOTH_ALPHA) -> None:
    """SmoothQuant in place: scale input channels down, weight rows up (exact in fp32)."""
    from onnx import helper, numpy_helper

    inits = {i.name: i for i in model.graph.initializer}
    consumers: dict[str, list] = {}
    for node in _weight_matmuls(model):
        consumers.setdefault(node.input[0], []).append(node)
    muls = {}
    for act, nodes in consumers.items():
        weights = [numpy_helper.to_array(inits[n.input[1]]).astype(np.float32) for n in nodes]
        w_max = np.max([np.abs(w).max(1) for w in weights], axis=0)
        s = np.maximum(maxima[act], 1e-5) ** alpha / np.maximum(w_max, 1e-5) ** (1 - alpha)
        s = np.clip(s, 1e-2, 1e2).astype(np.float32)
        inv = numpy_helper.from_array((1 / s).astype(np.float32), f"{act}_smooth_inv")
        model.graph.initializer.append(inv)
        muls[act] = helper.make_node(
            "Mul", [act, inv.name], [f"{act}_smooth"], name=f"{act}_smooth_mul"
        )
        for node, w in zip(nodes, weights, strict=True):
            scaled = numpy_helper.from_array((w * s[:, None]).astype(np.float32), node.input[1])
            inits[node.input[1]].CopyFrom(scaled)
            node.input[0] = f"{act}_smooth"
    _insert_after_producers(model, muls)


def _insert_after_producers(model, new: dict[str, object]) -> None:
    """Put each new node (keyed by the tensor it reads) right after that tensor's producer."""
    graph_inputs = {i.name for i in model.graph.input}
    ordered = [new[name] for name in new if name in graph_inputs]
    for node in model.graph.node:
        ordered.append(node)
        ordered += [new[o] for o in node.output if o in new]
    del model.graph.node[:]
    model.graph.node.extend(ordered)


def _quantize_weight(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 per output column (symmetric) and the column scales."""
    scale = np.maximum(np.abs(w).max(0), 1e-12) / 127
    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale.astype(np.float32)


def _per_token_nodes(node, act: str, wq: str, ws: str, out: str, shared: set[str]) -> list:
    """Nodes computing ``out = act @ W`` with per-token int8 activations (quantised once)."""
    from onnx import helper

    q, p = f"{act}_q8", node.name
    nodes = []
    if act not in shared:
        shared.add(act)
        nodes += [
            helper.make_node("Abs", [act], [f"{q}_abs"]),
            helper.make_node("ReduceMax", [f"{q}_abs"], [f"{q}_amax"], axes=[-1], keepdims=1),
            helper.make_node("Mul", [f"{q}_amax", "q8_inv127"], [f"{q}_s0"]),
            helper.make_node("Max", [f"{q}_s0", "q8_eps"], [f"{q}_s"]),
            # one reciprocal per token, then a product: cheaper than dividing every value
            helper.make_node("Reciprocal", [f"{q}_s"], [f"{q}_inv"]),
            helper.make_node("Mul", [act, f"{q}_inv"], [f"{q}_x"]),
            helper.make_node("QuantizeLinear", [f"{q}_x", "q8_one", "q8_zp"], [q]),
        ]
    # int32 product, to float, times the token's scale and the weight column's scale: one
    # kernel (MatMulIntegerToFloat) instead of four nodes (MatMulInteger, Cast, Mul, Mul)
    return nodes + [
        helper.make_node(
            "MatMulIntegerToFloat",
            [q, wq, f"{q}_s", ws, "q8_zp"],
            [out],
            name=f"{p}_int8",
            domain="com.microsoft",
        )
    ]


def _constants(model) -> None:
    from onnx import numpy_helper

    for name, value in (
        ("q8_inv127", np.array(1 / 127, np.float32)),
        ("q8_eps", np.array(1e-8, np.float32)),
        ("q8_one", np.array(1.0, np.float32)),
        ("q8_zp", np.array(128, np.uint8)),
    ):
        model.graph.initializer.append(numpy_helper.from_array(value, name))


def _blockwise_node(node, w: np.ndarray, model) -> object:
    """``MatMulNBits`` (8-bit, blocks of :data:`BLOCK`, int8 compute) for one product."""
    from onnx import helper, numpy_helper

    k, n = w.shape
    blocks = -(-k // BLOCK)
    padded = np.zeros((n, blocks * BLOCK), np.float32)
    padded[:, :k] = w.T
    padded = padded.reshape(n, blocks, BLOCK)
    scale = np.abs(padded).max(2) / 127
    scale[scale == 0] = 1.0
    q = (np.clip(np.round(padded / scale[..., None]), -127, 127) + 128).astype(np.uint8)
    b, s = f"{node.name}_nb", f"{node.name}_nbs"
    model.graph.initializer.extend(
        [numpy_helper.from_array(q, b), numpy_helper.from_array(scale.reshape(-1), s)]
    )
    return helper.make_node(
        "MatMulNBits",
        [node.input[0], b, s],
        list(node.output),
        name=f"{node.name}_nbits",
        domain="com.microsoft",
        K=k,
        N=n,
        bits=8,
        block_size=BLOCK,
        accuracy_level=4,  # int8 activations per block: fast and accurate
    )


def _rewrite(model, mode: Callable[[object], str]) -> None:
    """Replace every weight product by its int8 form: ``mode(node)`` is ``"token"``,
    ``"block"``, ``"gate"`` (both fp32 and per-token, switched by a bool input named after
    the node, for the sensitivity scan) or ``"keep"``."""
    from onnx import TensorProto, helper, numpy_helper

    inits = {i.name: i for i in model.graph.initializer}
    _constants(model)
    shared: set[str] = set()
    drop: set[str] = set()
    nodes = []
    for node in model.graph.node:
        how = mode(node) if node.op_type == "MatMul" and node.input[1] in inits else "keep"
        if how == "keep":
            nodes.append(node)
            continue
        w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        if how == "block":
            nodes.append(_blockwise_node(node, w, model))
            drop.add(node.input[1])
            continue
        wq, ws = _quantize_weight(w)
        model.graph.initializer.extend(
            [
                numpy_helper.from_array(wq, f"{node.name}_wq"),
                numpy_helper.from_array(ws, f"{node.name}_ws"),
            ]
        )
        out = node.output[0]
        if how == "gate":
            fp32 = helper.make_node("MatMul", list(node.input), [f"{out}_fp32"], name=node.name)
            nodes.append(fp32)
            nodes += _per_token_nodes(
                node, node.input[0], f"{node.name}_wq", f"{node.name}_ws", f"{out}_int8", shared
            )
            gate = f"gate:{node.name}"
            model.graph.input.append(helper.make_tensor_value_info(gate, TensorProto.BOOL, []))
            nodes.append(helper.make_node("Where", [gate, f"{out}_int8", f"{out}_fp32"], [out]))
        else:
            drop.add(node.input[1])
            nodes += _per_token_nodes(
                node, node.input[0], f"{node.name}_wq", f"{node.name}_ws", out, shared
            )
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    keep = [i for i in model.graph.initializer if i.name not in drop]
    del model.graph.initializer[:]
    model.graph.initializer.extend(keep)
    if any(n.domain == "com.microsoft" for n in nodes) and not any(
        o.domain == "com.microsoft" for o in model.opset_import
    ):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))


def product_errors(model, tokenize: Tokenize, texts: Sequence[str]) -> dict[str, float]:
    """Per weight product, ``1 - mean cosine`` of the pooled output when only it is int8."""
    import onnx

    gated = onnx.ModelProto()
    gated.CopyFrom(model)
    names = [n.name for n in _weight_matmuls(gated)]
    _rewrite(gated, lambda node: "gate")
    session = _session(gated)
    batches = list(_batches(tokenize, texts))
    off = {f"gate:{n}": np.array(False) for n in names}

    def pooled(gates: dict) -> np.ndarray:
        rows = []
        for ids, mask in batches:
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, **gates})[0]
            rows.append(_pooled(hidden, mask))
        return np.vstack(rows)

    reference = pooled(off)
    errors = {}
    for name in names:
        got = pooled({**off, f"gate:{name}": np.array(True)})
        errors[name] = float(1 - (got * reference).sum(1).mean())
    return errors


def quantize_int8(
    src: Path, dst: Path, tokenize: Tokenize, calibration: Sequence[str], *, scan: int = 24
) -> Int8Report:
    """Write the calibrated int8 model of ``src`` (fp32 ONNX) to ``dst``.

    ``calibration`` sets the smoothing; the sensitivity scan reads ``scan`` of its texts,
    spread over its shorter half (short windows are where int8 errs most, and the scan
    runs the model once per weight product, so it must stay small).
    """
    import onnx

    model = onnx.load(str(src))
    smooth(model, channel_maxima(model, tokenize, calibration))
    shorter = sorted(calibration, key=len)[: max(1, len(calibration) // 2)]
    step = max(1, len(shorter) // scan)
    errors = product_errors(model, tokenize, shorter[::step][:scan])
    worst = max(errors.values(), default=0.0)
    blockwise = sorted(n for n, e in errors.items() if worst > 0 and e >= SENSITIVE_SHARE * worst)
    _rewrite(model, lambda node: "block" if node.name in blockwise else "token")
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return Int8Report(
        products=len(errors),
        blockwise=blockwise,
        errors=errors,
        calibration_texts=len(calibration),
    )
