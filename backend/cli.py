"""Command-line interface with a subcommand registry.

Each capability lives in its own module exposing ``register(subparsers)``, which adds
one subcommand whose handler is ``func(args) -> int``. Modules are listed in
:data:`SUBCOMMAND_MODULES`. Every subcommand accepts ``--json``. A
:class:`~backend.errors.StewardError` prints one line on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

from backend.errors import StewardError

#: One module per subcommand group; each defines ``register(subparsers)``.
SUBCOMMAND_MODULES = [
    "backend.cli_workspace",
    "backend.audit.cli",
    "backend.training.cli",
    "backend.fairness.cli",
    "backend.guardrails.cli",
    "backend.cli_models",
    "backend.cards.cli",
    "backend.alerts.cli",
]


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line on stderr, exit 2
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m backend",
        description="Steward: audit data, fine-tune, check fairness, run guardrails and "
        "write model cards, headless.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise  # a real missing dependency inside the module: do not hide it
            continue  # this capability is not part of this build
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from backend.config import apply_offline_env

    apply_offline_env()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except StewardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
