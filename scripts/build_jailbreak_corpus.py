r"""Rebuild ``backend/guardrails/data/jailbreak_corpus.jsonl``: long benign prompts for the jailbreak head.

The jailbreak head (``python -m backend.guardrails.jailbreak_train``) trains on this file
together with the jailbreak and benign rows of ``guard_corpus.jsonl``. The source is a file
inside a wheel on PyPI, read with ``zipfile`` (nothing is installed):

    pip download --no-deps fschat==0.2.36 -d /tmp/wheels
    python scripts/build_jailbreak_corpus.py --wheels /tmp/wheels

What is read (licence and row count in ``backend/guardrails/data/NOTICE.md``):

* FastChat (Apache-2.0) ``fastchat/conversation.py``: the system messages of its
  conversation templates (assistant personas, role instructions), long benign prompts that
  set a role: the hard negatives of a jailbreak detector.

Not used, on purpose: the PyRIT wheel. It ships an AdvBench copy, one of the public
benchmarks this project keeps back (held-out rule: never downloaded, read or trained on),
so the wheel is not downloaded at all, whichever of its folders would be read. Rows whose
normalised text is on the project's held-out hash list are dropped.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from build_guard_corpus import _heldout_hash, _norm, _wheel  # noqa: E402

OUT = ROOT / "backend" / "guardrails" / "data" / "jailbreak_corpus.jsonl"
GUARD_CORPUS = ROOT / "backend" / "guardrails" / "data" / "guard_corpus.jsonl"
MAX_TEXT = 4000


def fastchat_rows(z: zipfile.ZipFile) -> list[dict]:
    tree = ast.parse(z.read("fastchat/conversation.py").decode("utf-8"))
    rows = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.keyword) or node.arg != "system_message":
            continue
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            continue
        if isinstance(value, str) and len(value.strip()) > 60:
            rows.append(
                {
                    "source": "fastchat_system_prompts",
                    "label": "benign",
                    "category": "",
                    "text": value.strip(),
                }
            )
    return rows


def build(wheels: Path, heldout: Path | None) -> tuple[list[dict], dict[str, int]]:
    raw = fastchat_rows(_wheel(wheels, "fschat"))
    held = set(heldout.read_text().split()) if heldout and heldout.is_file() else set()
    with GUARD_CORPUS.open(encoding="utf-8") as fh:
        seen = {_norm(json.loads(line)["text"])[:2000] for line in fh if line.strip()}
    dropped: collections.Counter = collections.Counter()
    rows = []
    for r in raw:
        r["text"] = r["text"][:MAX_TEXT]
        key = _norm(r["text"])[:2000]
        if len(key) < 20:
            dropped["empty or too short"] += 1
        elif key in seen:
            dropped["duplicate (here or in guard_corpus.jsonl)"] += 1
        elif _heldout_hash(r["text"]) in held:
            dropped["held-out match"] += 1
        else:
            seen.add(key)
            rows.append(r)
    return rows, dict(dropped)


def main(argv: list[str] | None = None) -> int:
    from build_guard_corpus import DEFAULT_HELDOUT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, required=True, help="folder with the wheels")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT, help="held-out hash list")
    args = parser.parse_args(argv)
    rows, dropped = build(args.wheels, args.heldout)
    args.out.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    counts = collections.Counter(f"{r['source']} ({r['label']})" for r in rows)
    print(json.dumps({"rows": counts, "total": len(rows), "dropped": dropped}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
