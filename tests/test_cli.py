"""The CLI: help, demo, jobs, and one-line errors with exit status 2."""

import json
import os
import subprocess
import sys

from backend.cli import main


def run_cli(*args, env_home):
    env = dict(os.environ, STEWARD_HOME=str(env_home))
    return subprocess.run(
        [sys.executable, "-m", "backend", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_help_lists_subcommands(steward_home):
    out = run_cli("--help", env_home=steward_home)
    assert out.returncode == 0
    assert "demo" in out.stdout and "jobs" in out.stdout


def test_demo_then_jobs_json(steward_home, capsys):
    assert main(["demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"] == 4000 and os.path.isfile(data["path"])
    assert main(["jobs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_unknown_command_is_one_line_exit_2(steward_home):
    out = run_cli("frobnicate", env_home=steward_home)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and "invalid choice" in out.stderr
