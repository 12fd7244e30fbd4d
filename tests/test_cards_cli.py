"""``python -m backend card ...`` and ``python -m backend reviewer ...``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from backend.cli import main
from backend.store import get_store
from tests.test_cards import seed_records

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "s3cret-enough"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def records(store):
    return seed_records(store)


def _fill_required(card_id: int) -> None:
    from backend.cards import CardRepository
    from tests.test_cards import complete

    repo = CardRepository(get_store())
    repo.save_version(card_id, complete(repo.load(card_id), checklist=False), note="filled in")


def test_full_cli_flow(capsys, monkeypatch, records, settings):
    ds, audit, job, run_art, ev = records
    monkeypatch.setenv("STEWARD_REVIEWER_PASSWORD", PASSWORD)
    code, out, _ = run(capsys, "reviewer", "add", "alice", "--json")
    assert code == 0 and json.loads(out)["name"] == "alice"

    code, out, _ = run(
        capsys,
        "card",
        "create",
        "--kind",
        "model",
        "--from-run",
        "1",  # Run #1 and Evaluation #1, the numbers every page shows
        "--from-evaluation",
        "1",
        "--json",
    )
    assert code == 0
    card_id = json.loads(out)["id"]

    code, out, err = run(capsys, "card", "render", "--id", str(card_id), "--format", "md")
    assert code == 0 and out.startswith("---\n") and "co2_eq_emissions:" in out
    assert "missing required fields" in err  # listed before export
    code, _, err = run(capsys, "card", "render", "--id", str(card_id), "--strict")
    assert code == 2 and "Missing required fields" in err

    # approval of an incomplete card is refused; fill it in, then sign
    code, _, err = run(
        capsys, "card", "sign", "--id", str(card_id), "--reviewer", "alice",
        "--decision", "approve", "--comment", "ok",
    )  # fmt: skip
    assert code == 2 and err.startswith("error: Approval refused")
    assert "Required field empty: Licensing › License [field:licensing.license]" in err
    _fill_required(card_id)
    # the checklist is still "Not started": the gate lists it, approval needs exceptions
    code, out, _ = run(capsys, "card", "gate", "--id", str(card_id), "--json")
    issues = json.loads(out)
    assert code == 1 and {i["kind"] for i in issues} == {"not_started"}
    code, _, err = run(
        capsys, "card", "sign", "--id", str(card_id), "--reviewer", "alice",
        "--decision", "approve", "--comment", "ok", "--exception", f"{issues[0]['key']}=short",
    )  # fmt: skip
    assert code == 2 and "write a justification" in err and issues[1]["key"] in err
    excepted = [f"{i['key']}=Reviewed separately by the board for {i['key']}" for i in issues]
    code, out, _ = run(
        capsys, "card", "sign", "--id", str(card_id), "--reviewer", "alice",
        "--decision", "approve", "--comment", "Reviewed <b>all</b>", "--json",
        *[a for e in excepted for a in ("--exception", e)],
    )  # fmt: skip
    signed = json.loads(out)
    assert code == 0 and signed["version"] == 2
    assert [e["key"] for e in signed["exceptions"]] == [i["key"] for i in issues]

    code, out, _ = run(capsys, "card", "verify", "--id", str(card_id), "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = run(capsys, "card", "list")
    assert "approved" in out

    code, out, _ = run(capsys, "card", "render", "--id", str(card_id), "--format", "html")
    assert code == 0 and "Reviewed &lt;b&gt;all&lt;/b&gt;" in out and "<b>all" not in out
    assert "Approved with exceptions in sign-off #1" in out
    assert f"Reviewed separately by the board for {issues[0]['key']}" in out
    code, out, _ = run(capsys, "card", "render", "--id", str(card_id), "--format", "md")
    assert f"Approved with {len(issues)} exceptions by alice" in out
    assert f"Reviewed separately by the board for {issues[-1]['key']}" in out
    code, out, _ = run(capsys, "card", "render", "--id", str(card_id), "--format", "json")
    so = json.loads(out)["signoffs"][0]
    assert so["reviewer"] == "alice" and len(so["exceptions"]) == len(issues)

    code, out, _ = run(capsys, "card", "diff", "--id", str(card_id), "--from", "1", "--to", "2")
    assert code == 0 and "Licensing › License (added)" in out

    # tamper with a cited record directly in SQLite
    con = sqlite3.connect(settings.home / "steward.db")
    con.execute(
        "UPDATE artifacts SET content=json_set(content,'$.eval.accuracy',0.99) WHERE id=?",
        (run_art.id,),
    )
    con.commit()
    con.close()
    code, out, _ = run(capsys, "card", "verify", "--id", str(card_id))
    assert code == 1 and "FAILED" in out and "Run #1 · fine-tune" in out and "changed" in out


def test_sign_with_wrong_password_or_unknown_reviewer(capsys, monkeypatch, store):
    monkeypatch.setenv("STEWARD_REVIEWER_PASSWORD", PASSWORD)
    assert run(capsys, "reviewer", "add", "alice")[0] == 0
    code, out, _ = run(capsys, "card", "create", "--kind", "data")
    card_id = out.strip()
    monkeypatch.setenv("STEWARD_REVIEWER_PASSWORD", "wrong-password")
    for name in ("alice", "mallory"):
        code, _, err = run(
            capsys, "card", "sign", "--id", card_id, "--reviewer", name,
            "--decision", "reject", "--comment", "x",
        )  # fmt: skip
        assert code == 2 and "unknown reviewer or wrong password" in err
    code, out, _ = run(capsys, "card", "verify", "--id", card_id)
    assert code == 1 and "has no sign-off" in out


def test_bad_ids_give_one_line_errors(capsys, records):
    code, _, err = run(capsys, "card", "create", "--kind", "model", "--from-run", "999")
    assert code == 2 and err.startswith("error: There is no Run #999")
    code, _, err = run(capsys, "card", "create", "--kind", "model", "--evidence", "redteam")
    assert code == 2 and err.startswith("error: --evidence takes KIND:N")
    code, _, err = run(capsys, "card", "create", "--kind", "model", "--evidence", "redteam:3")
    assert code == 2 and err.startswith("error: There is no Red-team result #3")
    code, _, err = run(capsys, "card", "render", "--id", "42")
    assert code == 2 and "No card with id 42" in err


def test_reviewer_add_without_password_source_fails_cleanly(capsys, monkeypatch):
    monkeypatch.delenv("STEWARD_REVIEWER_PASSWORD", raising=False)
    with open(os.devnull) as devnull:
        monkeypatch.setattr(sys, "stdin", devnull)  # not a terminal: cannot prompt
        code, _, err = run(capsys, "reviewer", "add", "bob")
    assert code == 2 and "STEWARD_REVIEWER_PASSWORD" in err


def test_real_process_exit_codes(steward_home, tmp_path):
    """The real entry point: verify's exit status is usable in a shell script."""
    env = dict(os.environ, STEWARD_HOME=str(steward_home))
    env["STEWARD_SECRETS"] = str(tmp_path / "none.toml")

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "backend", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    made = cli("card", "create", "--kind", "data", "--json")
    assert made.returncode == 0, made.stderr
    card_id = str(json.loads(made.stdout)["id"])
    verify = cli("card", "verify", "--id", card_id)
    assert verify.returncode == 1 and "no sign-off" in verify.stdout
