"""Run the real CLI in a subprocess, optionally under a memory limit, for the drills."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def assert_clean_error(self, *fragments: str) -> str:
        """Exit 2, exactly one line on stderr, no traceback; returns that line."""
        assert "Traceback" not in self.stderr, self.stderr[-3000:]
        assert self.returncode == 2, (self.returncode, self.stderr[-3000:])
        errors = [x for x in self.error_lines if x.startswith("error:") or ": error:" in x]
        assert len(errors) == 1, self.stderr[-3000:]
        line = errors[0]
        assert line == self.error_lines[-1], self.stderr[-3000:]
        for fragment in fragments:
            assert fragment in line, (fragment, line)
        return line


def cli(
    *args: str | os.PathLike,
    home: Path,
    memory_mb: int | None = None,
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
    timeout: float = 240,
    stdin: str | None = None,
) -> Outcome:
    """``python -m backend ARGS`` with STEWARD_HOME=home, under RLIMIT_AS when asked."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    full_env.update(
        {
            "STEWARD_HOME": str(home),
            "STEWARD_SECRETS": str(home.parent / "no-secrets.toml"),
            "PYTHONPATH": str(ROOT),
        }
    )
    full_env.update(env or {})

    def limit() -> None:
        if memory_mb is not None:
            size = memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    argv = [*(prefix or []), sys.executable, "-m", "backend", *map(os.fsencode, args)]
    done = subprocess.run(
        argv,
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        input=(stdin or "").encode(),
        timeout=timeout,
        preexec_fn=limit if memory_mb is not None else None,
    )
    return Outcome(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def _works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def without_root_overrides() -> list[str] | None:
    """A command prefix under which file permissions apply, even to root.

    Root ignores ``chmod`` (CAP_DAC_OVERRIDE); ``setpriv`` drops that capability from the
    child. ``[]`` when not root (permissions already apply); None when it cannot be done.
    """
    if os.geteuid() != 0:
        return []
    prefix = [
        "setpriv",
        "--bounding-set=-dac_override,-dac_read_search",
        "--inh-caps=-dac_override,-dac_read_search",
        "--",
    ]
    return prefix if _works([*prefix, "true"]) else None


def read_only_mount(folder: Path) -> list[str] | None:
    """A command prefix that runs the command with ``folder`` bind-mounted read-only in
    a private mount namespace (a real EROFS, which root cannot write through either)."""
    prefix = ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder)]
    return prefix if _works([*prefix, "true"]) else None


def in_process(capsys, *args: str | os.PathLike) -> Outcome:
    """``backend.cli.main(ARGS)`` in this process (same code path, no start-up cost).

    The caller's environment (the test's STEWARD_HOME) applies; settings are re-read.
    """
    from backend.cli import main
    from backend.config import get_settings
    from backend.store import reset_stores

    get_settings.cache_clear()
    reset_stores()
    capsys.readouterr()
    try:
        code = main([os.fspath(a) for a in args])
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    get_settings.cache_clear()
    return Outcome(code, captured.out, captured.err)
