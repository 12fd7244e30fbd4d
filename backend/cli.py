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

from backend.errors import ConfigError, StewardError, os_error_message

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
    "backend.privacy.cli",
    "backend.cli_datasets",
]


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line on stderr, exit 2
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(2)


def one_line(message: str) -> str:
    """An error message on one line (a YAML or library message may span several)."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


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

    try:
        apply_offline_env()  # reads the settings: a bad setting is one line, exit 2
    except StewardError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    import backend.alerts  # noqa: F401, PLC0415 - the alert service listens to the store

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        from backend.config import get_settings

        if get_settings().secrets_error:
            raise ConfigError(get_settings().secrets_error)
        return int(args.func(args) or 0)
    except StewardError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except OSError as exc:  # unreadable input, unwritable output, full disk...
        print(f"error: {os_error_message(exc)}", file=sys.stderr)
        return 2
    except UnicodeEncodeError as exc:
        if "surrogates" not in str(exc):
            raise
        print(
            "error: a file name or argument is not valid UTF-8; rename the file and try again.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
