"""``python -m backend models``: ``pull`` a model when online, ``list`` what each scanner uses.

Examples
--------
``STEWARD_OFFLINE=0 python -m backend models pull detoxify-original``
``STEWARD_OFFLINE=0 HF_TOKEN=... python -m backend models pull meta-llama/Prompt-Guard-86M``
``python -m backend models list --json``
"""

from __future__ import annotations

import argparse
import sys

from backend.cli import add_json_flag, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models",
        help="download Detoxify or a guard classifier when online; list what each scanner uses",
        description="Models live in the caches the scanners read: Detoxify checkpoints in "
        "$TORCH_HOME/hub/checkpoints, base models and guard classifiers in the Hugging Face "
        "cache. Downloads need STEWARD_OFFLINE=0 and a reachable host.",
    )
    verbs = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    pull = verbs.add_parser(
        "pull",
        help="download a model into the scanners' caches and check that it loads",
        description="NAME: detoxify-original, detoxify-unbiased, detoxify-multilingual (the "
        "checkpoint plus its base model's config and tokenizer), or a Hugging Face id of a "
        "text-classification guard model (safetensors weights only). Hosts: "
        "STEWARD_DETOXIFY_URL and HF_ENDPOINT; timeout: STEWARD_DOWNLOAD_TIMEOUT (s).",
    )
    pull.add_argument(
        "name",
        metavar="NAME",
        help="detoxify-original|detoxify-unbiased|detoxify-multilingual|HF_ID",
    )
    pull.add_argument("--force", action="store_true", help="download a cached checkpoint again")
    add_json_flag(pull)
    pull.set_defaults(func=cmd_pull)
    listing = verbs.add_parser(
        "list",
        help="what is on disk and which backend each scanner will use, and why",
    )
    listing.add_argument("--policy", metavar="FILE", help="policy YAML (default: the shipped one)")
    add_json_flag(listing)
    listing.set_defaults(func=cmd_list)


def cmd_pull(args: argparse.Namespace) -> int:
    from backend.model_hub import pull

    def progress(line: str) -> None:
        if not args.json:
            print(line, file=sys.stderr, flush=True)

    result = pull(args.name, force=args.force, progress=progress)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"{result.name}: ready ({result.backend})")
    for f in result.files:
        state = "downloaded" if f.get("downloaded") else "already there"
        print(f"  {f['path']}  {_size(f['bytes'])}  {state}")
    for check in result.checks:
        print(f"  checked: {check}")
    print(f"  use: {result.use}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from backend.guardrails.policy import load_policy
    from backend.model_hub import inventory

    policy = load_policy(args.policy)
    if not args.json:
        print("checking what each scanner loads...", file=sys.stderr, flush=True)
    data = inventory(policy)
    if args.json:
        print_json(data)
        return 0
    mode = (
        "offline (STEWARD_OFFLINE on): `models pull` needs STEWARD_OFFLINE=0"
        if data["offline"]
        else "online: `models pull NAME` downloads"
    )
    print(f"Models on this machine, {mode}\n")
    print(f"Detoxify checkpoints in {data['torch_hub_checkpoints']}")
    for row in data["detoxify"]:
        ckpt = f"present, {_size(row['bytes'])}" if row["present"] else "missing"
        base = "in the cache" if row["base_model_dir"] else "missing"
        print(f"  {row['variant']:<13} checkpoint {ckpt:<18} base {row['base_model']}: {base}")
    print(f"\nHugging Face cache in {data['hf_cache']}")
    if not data["hf_models"]:
        print("  (empty)")
    for row in data["hf_models"]:
        kind = (
            f"text classifier, labels {', '.join(row['labels'])}"
            if row["text_classification"]
            else ", ".join(row["architectures"]) or "config and tokenizer only"
        )
        print(f"  {row['repo_id']:<40} {_size(row['bytes']):>9}  {kind}")
    print("\nScanners (policy: " + (args.policy or "default") + ")")
    for row in data["scanners"]:
        rail = "" if row["in_rails"] else " [not in the policy's rails]"
        print(f"  {row['scanner']:<31} {row['backend']}{rail}")
        print(f"  {'':<31} why: {row['why']}")
    return 0


def _size(n: int) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.1f} GB"
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    return f"{n / 1e3:.0f} kB"
