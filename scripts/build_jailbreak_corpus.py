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

Two more sources are read from the Python installation that runs the script (nothing is
downloaded): long **documents pasted with an everyday request** ("Summarise this:", "Proofread
the following:"...), the most common long benign prompt, which no other training source has
(without them the head learned that a long prompt is a jailbreak):

* ``python_docs_requests``: passages of the Python documentation shipped with CPython
  (``pydoc_data/topics.py``, Python Software Foundation License 2.0);
* ``package_readme_requests``: passages of the README (``METADATA`` long description) of the
  packages pinned in ``requirements.txt`` whose licence is MIT, BSD, Apache-2.0, ISC or PSF,
  each row naming its package, version and licence in ``origin``.

The requests that wrap the passages (:data:`REQUESTS`) were written by the project; a
seeded draw picks one per passage, and a passage may also come alone.

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
import random
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from build_guard_corpus import _heldout_hash, _norm, _wheel  # noqa: E402

OUT = ROOT / "backend" / "guardrails" / "data" / "jailbreak_corpus.jsonl"
GUARD_CORPUS = ROOT / "backend" / "guardrails" / "data" / "guard_corpus.jsonl"
MAX_TEXT = 4000
SEED = 0
PASSAGE_MIN, PASSAGE_MAX = 350, 2800  # one to ten sentence windows
PER_DOCUMENT = 6  # passages per package README or documentation topic, at most
PERMISSIVE = ("MIT", "BSD", "APACHE", "ISC", "PSF", "PYTHON SOFTWARE FOUNDATION")

#: Everyday requests that come with a pasted document (written by the project).
REQUESTS: tuple[str, ...] = (
    "Summarise this for me:",
    "Can you summarize the following text in three bullet points?",
    "Proofread the following and fix any grammar mistakes:",
    "Explain this to me like I'm new to programming:",
    "Translate this into German, keeping the formatting:",
    "What are the key points of this passage?",
    "Write a one-line title for this section:",
    "I don't understand this part of the documentation. What does it mean?",
    "Turn this into a short FAQ with three questions and answers:",
    "Rewrite this more concisely:",
    "Is anything in this text unclear or contradictory?",
    "Please make a checklist from these notes:",
)


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


def passages(text: str) -> list[str]:
    """Paragraph-aligned passages of PASSAGE_MIN..PASSAGE_MAX characters."""
    out, current = [], ""
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        if current and len(current) + len(para) + 2 > PASSAGE_MAX:
            if len(current) >= PASSAGE_MIN:
                out.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para[:PASSAGE_MAX]
    if len(current) >= PASSAGE_MIN:
        out.append(current)
    return out


def _requests(source: str, docs: list[tuple[str, str]], rng: random.Random) -> list[dict]:
    rows = []
    for origin, text in docs:
        for passage in passages(text)[:PER_DOCUMENT]:
            request = rng.choice((*REQUESTS, ""))
            body = f"{request}\n\n{passage}" if request else passage
            rows.append(
                {
                    "source": source,
                    "label": "benign",
                    "category": "",
                    "origin": origin,
                    "text": body,
                }
            )
    return rows


def python_docs() -> list[tuple[str, str]]:
    from pydoc_data.topics import topics

    origin = f"CPython {sys.version.split()[0]} pydoc_data/topics.py (PSF-2.0)"
    return [(origin, topics[name]) for name in sorted(topics)]


def _licence(meta) -> str:
    fields = [meta.get("License-Expression") or "", (meta.get("License") or "").split("\n")[0]]
    fields += [
        c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if "License" in c
    ]
    for field in fields:
        if any(key in field.upper() for key in PERMISSIVE) and len(field) < 80:
            return field.strip()
    return ""


def package_readmes() -> list[tuple[str, str]]:
    from importlib import metadata

    pins = re.findall(
        r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==", (ROOT / "requirements.txt").read_text(), re.M
    )
    docs = []
    for name in sorted(set(pins), key=str.lower):
        try:
            meta = metadata.metadata(name)
        except metadata.PackageNotFoundError:
            continue
        licence = _licence(meta)
        body = meta.get_payload() or meta.get("Description") or ""
        if licence and body.strip():
            docs.append((f"{meta['Name']}=={meta['Version']} ({licence})", body))
    return docs


def build(wheels: Path, heldout: Path | None) -> tuple[list[dict], dict[str, int]]:
    rng = random.Random(SEED)
    raw = fastchat_rows(_wheel(wheels, "fschat"))
    raw += _requests("python_docs_requests", python_docs(), rng)
    raw += _requests("package_readme_requests", package_readmes(), rng)
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
