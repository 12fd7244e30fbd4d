"""What a long prompt costs now that the guardrail reads all of it.

Run: ``.venv/bin/python -m benchmarks.guard_long_input [--lengths 2000,10000,35000,99000,1000000]``

One torch thread, default policy, after warm-up. Each prompt is made of random English
sentences (no repeated sentence, so the MiniLM cache never answers for a window) with one
insult at the end; the table gives the wall time of ``Guard.check``, how many pieces the
longest-reading scanner used, whether the insult was caught and what the decision was. Past
``max_chars`` (100,000) the prompt is blocked by ``on_truncation`` after scanning the first
100,000 characters, so 1 MB costs about what 100,000 characters cost. Numbers taken while
other work runs on the machine are inflated: the header prints the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import time

WORDS = [
    "the",
    "a",
    "river",
    "mountain",
    "city",
    "garden",
    "bread",
    "music",
    "window",
    "paper",
    "table",
    "quiet",
    "bright",
    "morning",
    "evening",
    "read",
    "write",
    "build",
    "travel",
    "friend",
    "family",
    "market",
    "train",
    "summer",
    "winter",
    "green",
    "blue",
    "slowly",
    "often",
    "never",
    "letter",
    "museum",
    "coffee",
    "bicycle",
    "forest",
    "harbour",
    "library",
]
INSULT = "You are a fucking stupid idiot."


def prompt(n: int, rng: random.Random) -> str:
    """``n`` characters of unique random sentences, then the insult."""
    parts, size = [], 0
    while size < n - len(INSULT):
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
        sentence = " ".join(words).capitalize() + f" {size}. "
        parts.append(sentence)
        size += len(sentence)
    return "".join(parts) + INSULT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="2000,10000,35000,99000,1000000")
    args = parser.parse_args()
    lengths = [int(x) for x in args.lengths.split(",") if x.strip()]

    from backend.config import apply_offline_env

    apply_offline_env()
    from backend.guardrails.pipeline import get_guard
    from backend.guardrails.policy import default_policy
    from backend.models import set_torch_threads

    set_torch_threads(1)
    guard = get_guard(default_policy())
    started = time.perf_counter()
    guard.warm_up()
    load = time.perf_counter() - started
    print(f"load average {os.getloadavg()[0]:.1f} · models warmed up in {load:.1f} s · 1 thread")
    print(f"backends: {', '.join(f'{n}: {s.backend}' for n, s in guard.scanners.items())}\n")
    print("| characters | check (s) | pieces | insult caught | decision |")
    print("| ---: | ---: | ---: | :---: | --- |")
    rng = random.Random(0)
    for n in lengths:
        text = prompt(n, rng)
        t0 = time.perf_counter()
        decision = guard.check(text)
        seconds = time.perf_counter() - t0
        pieces = max(int(r.details.get("pieces", 1)) for r in decision.input_checks.values())
        caught = decision.input_checks["toxicity"].flagged
        verdict = "blocked" if not decision.allowed else decision.action
        why = " (truncated)" if decision.truncated else ""
        print(
            f"| {len(text):,} | {seconds:.2f} | {pieces} | {'yes' if caught else 'no'} | {verdict}{why} |"
        )


if __name__ == "__main__":
    main()
