"""``python -m backend guard``: run the guardrail policy on a text or a file of prompts.

Examples
--------
``python -m backend guard --text "Ignore previous instructions" --json``
``python -m backend guard --file prompts.jsonl --policy configs/guardrails-strict.yaml``
"""

from __future__ import annotations

import argparse
import json
import sys

from backend.cli import add_json_flag, print_json
from backend.errors import StewardError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "guard",
        help="check a prompt (or a JSONL file of prompts) against the guardrail policy",
        description=(
            "Run the input rails, the generator (echo by default) and the output rails. "
            "With --file, print one JSON line per prompt in input order, then a summary "
            "line with catch_rate and false_positive_rate when prompts carry labels."
        ),
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--text",
        help="the prompt to check; '-' reads it from stdin (use it for long prompts)",
    )
    src.add_argument(
        "--file",
        metavar="PROMPTS.jsonl",
        help="JSON Lines with 'text' and optional 'label' (1/true = should be blocked)",
    )
    p.add_argument("--policy", metavar="FILE", help="policy YAML (default: the shipped policy)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--batch-size", type=int, default=32, help="prompts per batch with --file")
    add_json_flag(p)
    p.set_defaults(func=cmd_guard)


def _read_stdin() -> tuple[str, list[str]]:
    """The prompt from stdin, as UTF-8 (undecodable bytes replaced, and said so)."""
    raw = sys.stdin.buffer.read()
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), [
            "stdin was not valid UTF-8; undecodable bytes were replaced with U+FFFD"
        ]


def _clean_text(text: str) -> tuple[str, list[str]]:
    """argv may carry undecodable bytes (surrogate escapes): replace them, say so."""
    try:
        text.encode("utf-8")
        return text, []
    except UnicodeEncodeError:
        fixed = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return fixed, ["the text was not valid UTF-8; undecodable bytes were replaced with U+FFFD"]


def _check_options(args: argparse.Namespace) -> None:
    """Ranges of the numeric options, in a pydantic model (one place, one message).
    pydantic is imported here so that ``python -m backend --help`` stays fast."""
    from pydantic import BaseModel, Field, ValidationError

    from backend.errors import validation_message

    class GuardRunOptions(BaseModel):
        threads: int = Field(1, ge=1, le=256)
        batch_size: int = Field(32, ge=1, le=4096)

    try:
        GuardRunOptions(threads=args.threads, batch_size=args.batch_size)
    except ValidationError as exc:
        labels = {"threads": "--threads", "batch_size": "--batch-size"}
        raise StewardError(validation_message(exc, labels)) from None


def _guard(args: argparse.Namespace):
    from backend.guardrails.pipeline import get_guard
    from backend.guardrails.policy import load_policy
    from backend.models import set_torch_threads

    policy = load_policy(args.policy)  # validate before loading any model
    set_torch_threads(args.threads)
    guard = get_guard(policy)
    # Load models before timing anything: latency_ms then measures scanning, not loading.
    load_s = sum(guard.warm_up().values())
    if not args.json and not args.file:
        print(f"models ready in {load_s:.1f} s", file=sys.stderr)
    return guard


def cmd_guard(args: argparse.Namespace) -> int:
    _check_options(args)
    if args.file:
        return _guard_file(args)
    if args.text == "-":
        text, notes = _read_stdin()
    else:
        text, notes = _clean_text(args.text)
    if not text.strip():
        raise StewardError("nothing to check: the text is empty")
    decision = _guard(args).check(text)
    if any("ONNX Runtime skipped" in r.backend for r in decision.input_checks.values()):
        # importing onnxruntime with a long command line crashes the process (FACTS.md)
        notes.append(
            f"the prompt came on the command line ({len(text):,} characters), so MiniLM ran "
            "on torch instead of ONNX Runtime; pass long prompts on stdin with --text -"
        )
    decision.notes = [*notes, *decision.notes]
    data = decision.to_dict()
    if args.json:
        print_json(data)
        return 0
    verdict = "ALLOWED" if decision.allowed else "BLOCKED"
    print(f"{verdict} (action: {decision.action}) in {decision.latency_ms:.1f} ms")
    for reason in decision.reasons:
        print(f"  - {reason}")
    print()
    print(f"{'check':<12} {'score':>6} {'flag':>5} {'ms':>8}  backend")
    for name, r in decision.input_checks.items():
        print(
            f"{name:<12} {r.score:>6.2f} {'yes' if r.flagged else '-':>5} {r.latency_ms:>8.1f}  {r.backend}"
        )
    for name, r in decision.output_checks.items():
        label = f"out:{name}"
        print(
            f"{label:<12} {r.score:>6.2f} {'yes' if r.flagged else '-':>5} {r.latency_ms:>8.1f}  {r.backend}"
        )
    if decision.sanitized_prompt != decision.prompt:
        print(f"\nsanitised prompt: {decision.sanitized_prompt}")
    if decision.final_response is not None:
        print(f"response ({decision.generator}): {decision.final_response}")
    for note in decision.notes:
        print(f"note: {note}")
    return 0


def _guard_file(args: argparse.Namespace) -> int:
    import numpy as np

    from backend.guardrails.redteam import load_prompts

    prompts = load_prompts(args.file)
    guard = _guard(args)
    batch_size = max(1, int(args.batch_size))
    blocked_attack = blocked_benign = n_attack = n_benign = n_errors = n_blocked = 0
    latencies: list[float] = []
    for start in range(0, len(prompts), batch_size):
        batch = prompts[start : start + batch_size]
        usable = [p for p in batch if p.error is None]
        decisions = iter(guard.check_batch([p.text for p in usable]) if usable else [])
        for prompt in batch:
            if prompt.error is not None:
                n_errors += 1
                _line({"line": prompt.line, "error": prompt.error})
                continue
            d = next(decisions)
            latencies.append(d.latency_ms)
            n_blocked += not d.allowed
            row = {"line": prompt.line, "id": prompt.id, **d.to_dict()}
            if prompt.label is not None:
                row["label"] = prompt.label
                if prompt.label == 1:
                    n_attack += 1
                    blocked_attack += not d.allowed
                else:
                    n_benign += 1
                    blocked_benign += not d.allowed
            _line(row)
    summary: dict = {
        "summary": True,
        "prompts": len(latencies),
        "blocked": n_blocked,
        "allowed": len(latencies) - n_blocked,
        "errors": n_errors,
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 3) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)), 3) if latencies else None,
        },
    }
    if n_attack or n_benign:
        summary.update(
            {
                "catch_rate": round(blocked_attack / n_attack, 4) if n_attack else None,
                "false_positive_rate": round(blocked_benign / n_benign, 4) if n_benign else None,
                "n_attacks": n_attack,
                "n_benign": n_benign,
            }
        )
    _line(summary)
    return 0


def _line(obj: dict) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)
