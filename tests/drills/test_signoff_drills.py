"""Sign-off integrity drills (issue 15, items 1-5), run for real.

Concurrent signer processes, and tampering straight in SQLite with the ``sqlite3``
module: dropped triggers, ``INSERT OR REPLACE``, a cut chain tail, a forged head, a
deleted card. Exit codes come from the real ``python -m backend`` process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from backend.cards import CardRepository, add_reviewer, authenticate, card_status, sign_card
from backend.cards.anchor import key_file
from backend.cards.repository import ChainBroken
from backend.cards.signoff import verify_card
from backend.errors import StewardError
from tests.test_cards import complete, seed_records

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "drill-passphrase-1"


@pytest.fixture(autouse=True)
def _no_key_in_env(monkeypatch):
    monkeypatch.delenv("STEWARD_SIGNOFF_KEY", raising=False)


@pytest.fixture
def env(steward_home, tmp_path):
    return dict(
        os.environ,
        STEWARD_HOME=str(steward_home),
        STEWARD_SECRETS=str(tmp_path / "no-secrets.toml"),
        STEWARD_REVIEWER_PASSWORD=PASSWORD,
    )


def cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def card(store, steward_home):
    """A complete data card; alice and bob are reviewers."""
    add_reviewer("alice", PASSWORD)
    add_reviewer("bob", PASSWORD)
    _, audit, *_ = seed_records(store)
    from backend.cards import build_card

    return CardRepository(store).create(complete(build_card(store, "data", audit=audit))).card_id


def db(steward_home) -> sqlite3.Connection:
    return sqlite3.connect(steward_home / "steward.db")


def approve_then_reject(store, card_id):
    sign_card(
        store, card_id, reviewer=authenticate("alice", PASSWORD), decision="approve", comment="ok"
    )
    sign_card(
        store, card_id, reviewer=authenticate("bob", PASSWORD), decision="reject", comment="no"
    )


# -- 1. concurrent signers -------------------------------------------------------------------

SIGNER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from backend.cards import authenticate, sign_card
    from backend.store import get_store
    go, card_id, name, n = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    store = get_store()
    reviewer = authenticate(name, "{password}")
    sign_card(store, card_id, reviewer=reviewer, decision="reject", comment="warm-up " + name)
    Path(str(go) + "." + name).touch()  # ready: imports done, connection open
    while not go.exists():
        time.sleep(0.001)
    for i in range(n):
        sign_card(store, card_id, reviewer=reviewer, decision="reject", comment=f"{{name}} {{i}}")
    """
).format(password=PASSWORD)


def test_concurrent_signer_processes_keep_one_chain(store, card, env, steward_home, tmp_path):
    script = tmp_path / "signer.py"
    script.write_text(SIGNER)
    go = tmp_path / "go"
    names, per_process = ("alice", "bob", "alice", "bob"), 6
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(go), str(card), name, str(per_process)],
            cwd=ROOT,
            env=dict(env, PYTHONPATH=str(ROOT)),
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names[:2]
    ] + [
        subprocess.Popen(
            [sys.executable, str(script), str(go) + "2", str(card), name, str(per_process)],
            cwd=ROOT,
            env=dict(env, PYTHONPATH=str(ROOT)),
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names[2:]
    ]
    # release all four at the same instant once every process is ready
    ready = [Path(f"{go}.alice"), Path(f"{go}.bob"), Path(f"{go}2.alice"), Path(f"{go}2.bob")]
    deadline = time.monotonic() + 150
    while not all(p.exists() for p in ready):
        assert all(p.poll() is None for p in procs), [p.stderr.read() for p in procs]
        assert time.monotonic() < deadline, "signers never got ready"
        time.sleep(0.05)
    go.touch()
    Path(str(go) + "2").touch()
    for p in procs:
        assert p.wait(timeout=180) == 0, p.stderr.read()

    signoffs = CardRepository(store).signoffs(card)
    assert len(signoffs) == 4 * (per_process + 1)
    assert [s.prev_hash for s in signoffs[1:]] == [s.record_hash for s in signoffs[:-1]]
    report = verify_card(store, card)
    assert report.ok, report.problems
    result = cli(env, "card", "verify", "--id", str(card))
    assert result.returncode == 0 and result.stdout.startswith("OK:"), result.stdout


# -- 2. cutting the chain's tail ---------------------------------------------------------------


def test_deleting_the_last_signoff_is_detected(store, card, env, steward_home):
    approve_then_reject(store, card)
    con = db(steward_home)
    con.execute("DROP TRIGGER card_signoffs_no_delete")
    con.execute("DELETE FROM card_signoffs WHERE id=(SELECT max(id) FROM card_signoffs)")
    con.commit()
    con.close()
    result = cli(env, "card", "verify", "--id", str(card), "--require-approved")
    assert result.returncode == 1, result.stdout
    assert result.stdout.startswith("FAILED") and "1 sign-off was removed" in result.stdout
    listed = cli(env, "card", "list", "--json")
    assert json.loads(listed.stdout)[0]["status"] == "invalid"
    assert "Approved by" not in cli(env, "card", "render", "--id", str(card)).stdout
    # and nobody can paper over the cut by signing again
    with pytest.raises(ChainBroken, match="removed"):
        sign_card(
            store, card, reviewer=authenticate("alice", PASSWORD), decision="approve", comment="x"
        )


def test_rewriting_the_head_without_the_key_is_detected(store, card, env, steward_home):
    approve_then_reject(store, card)
    con = db(steward_home)
    first = con.execute("SELECT id, record_hash FROM card_signoffs ORDER BY id").fetchone()
    con.execute("DROP TRIGGER card_signoffs_no_delete")
    con.execute("DELETE FROM card_signoffs WHERE id=(SELECT max(id) FROM card_signoffs)")
    con.execute(
        "UPDATE card_signoff_heads SET count=1, head_hash=?, last_id=? WHERE card_id=?",
        (first[1], first[0], card),
    )
    con.commit()
    con.close()
    result = cli(env, "card", "verify", "--id", str(card))
    assert result.returncode == 1 and "HMAC does not match" in result.stdout


def test_deleting_the_head_or_every_signoff_is_detected(store, card, env, steward_home):
    approve_then_reject(store, card)
    con = db(steward_home)
    con.execute("DROP TRIGGER card_signoffs_no_delete")
    con.execute("DELETE FROM card_signoffs")
    con.commit()
    result = cli(env, "card", "verify", "--id", str(card))
    assert result.returncode == 1 and "2 sign-offs were removed" in result.stdout
    con.execute("DROP TRIGGER card_signoff_heads_no_delete")
    con.execute("DELETE FROM card_signoff_heads")
    con.commit()
    con.close()
    # with the head gone too, the card looks unsigned: verify still fails, nothing is approved
    result = cli(env, "card", "verify", "--id", str(card))
    assert result.returncode == 1 and "no sign-off" in result.stdout


def test_a_signoff_inserted_outside_steward_is_detected(store, card, env, steward_home):
    approve_then_reject(store, card)
    con = db(steward_home)
    # copy alice's approval as a new last row, chained correctly to bob's rejection
    rows = con.execute("SELECT * FROM card_signoffs ORDER BY id").fetchall()
    cols = [d[1] for d in con.execute("PRAGMA table_info(card_signoffs)")]
    fake = dict(zip(cols, rows[0], strict=True))
    fake.update(id=None, prev_hash=dict(zip(cols, rows[1], strict=True))["record_hash"])
    con.execute(
        f"INSERT INTO card_signoffs ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
        [fake[c] for c in cols],
    )
    con.commit()
    con.close()
    result = cli(env, "card", "verify", "--id", str(card), "--require-approved")
    assert result.returncode == 1 and "added outside Steward" in result.stdout


def test_another_key_fails_verification(store, card, env, steward_home):
    approve_then_reject(store, card)
    result = cli(dict(env, STEWARD_SIGNOFF_KEY="a-different-key-0123456789"), "card", "verify",
                 "--id", str(card))  # fmt: skip
    assert result.returncode == 1 and "anchored with another key" in result.stdout


def test_limits_of_the_anchor_are_real(store, card, env, steward_home):
    """What the anchor does NOT protect against (docs/cards.md says so): someone who can
    read the key (here the generated key file beside the database) can forge a head, and
    a saved copy of an older head row can be replayed with the tail cut to match."""
    sign_card(
        store, card, reviewer=authenticate("alice", PASSWORD), decision="approve", comment="ok"
    )
    con = db(steward_home)
    saved_head = con.execute("SELECT * FROM card_signoff_heads").fetchone()
    con.close()
    sign_card(store, card, reviewer=authenticate("bob", PASSWORD), decision="reject", comment="no")
    assert key_file().exists()
    con = db(steward_home)
    con.execute("DROP TRIGGER card_signoffs_no_delete")
    con.execute("DELETE FROM card_signoffs WHERE id=(SELECT max(id) FROM card_signoffs)")
    cols = [d[1] for d in con.execute("PRAGMA table_info(card_signoff_heads)")]
    con.execute(
        f"UPDATE card_signoff_heads SET {', '.join(f'{c}=?' for c in cols)}", list(saved_head)
    )
    con.commit()
    con.close()
    result = cli(env, "card", "verify", "--id", str(card), "--require-approved")
    assert result.returncode == 0  # the replayed head is genuine: a rollback goes unseen


# -- 3. INSERT OR REPLACE ------------------------------------------------------------------------


def _replace_decision(con, decision: str) -> None:
    cols = [d[1] for d in con.execute("PRAGMA table_info(card_signoffs)")]
    values = ", ".join("?" if c == "decision" else c for c in cols)
    con.execute(
        f"INSERT OR REPLACE INTO card_signoffs ({','.join(cols)}) SELECT {values} "
        "FROM card_signoffs WHERE id=(SELECT max(id) FROM card_signoffs)",
        (decision,),
    )


def test_insert_or_replace_is_refused(store, card, steward_home):
    approve_then_reject(store, card)
    con = db(steward_home)
    with pytest.raises(sqlite3.IntegrityError, match="already exists"):
        _replace_decision(con, "approve")
    with pytest.raises(sqlite3.IntegrityError, match="already exists"):
        con.execute(
            "INSERT OR REPLACE INTO card_versions SELECT * FROM card_versions WHERE card_id=?",
            (card,),
        )
    with pytest.raises(sqlite3.IntegrityError, match="cannot be replaced"):
        con.execute("INSERT OR REPLACE INTO cards SELECT * FROM cards")
    con.close()
    assert card_status(store, card).state == "rejected"


def test_a_replaced_row_never_shows_as_approved(store, card, env, steward_home):
    approve_then_reject(store, card)
    con = db(steward_home)
    con.execute("DROP TRIGGER card_signoffs_no_replace")
    _replace_decision(con, "approve")  # bob's rejection now reads "approve"
    con.commit()
    con.close()
    assert card_status(store, card).state == "invalid"
    result = cli(env, "card", "verify", "--id", str(card), "--require-approved")
    assert result.returncode == 1 and "was altered in the database" in result.stdout
    assert json.loads(cli(env, "card", "list", "--json").stdout)[0]["status"] == "invalid"
    for fmt in ("md", "html", "json"):
        out = cli(env, "card", "render", "--id", str(card), "--format", fmt).stdout
        assert "Approved by" not in out and "failed verification" in out


# -- 4. the cards table ------------------------------------------------------------------------


def test_deleting_a_card_is_refused_and_detected(store, card, env, steward_home):
    approve_then_reject(store, card)
    con = db(steward_home)
    with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
        con.execute("DELETE FROM cards WHERE id=?", (card,))
    with pytest.raises(sqlite3.IntegrityError, match="keep their id"):
        con.execute("UPDATE cards SET kind='model' WHERE id=?", (card,))
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DROP TRIGGER cards_no_delete")
    con.execute("DELETE FROM cards WHERE id=?", (card,))
    con.commit()
    con.close()
    result = cli(env, "card", "verify", "--id", str(card))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert f"card {card} was deleted from the database" in result.stdout
    # a card that never existed is still a usage error
    result = cli(env, "card", "verify", "--id", "999")
    assert result.returncode == 2 and "No card with id 999" in result.stderr


# -- 5. verify's words match its exit code ---------------------------------------------------


def test_verify_of_a_rejected_card_says_failed_when_approval_is_required(store, card, env):
    approve_then_reject(store, card)
    plain = cli(env, "card", "verify", "--id", str(card))
    assert plain.returncode == 0 and plain.stdout.startswith("OK:") and "(reject)" in plain.stdout
    strict = cli(env, "card", "verify", "--id", str(card), "--require-approved")
    assert strict.returncode == 1
    assert strict.stdout.startswith("FAILED") and "OK" not in strict.stdout
    assert "rejection" in strict.stdout
    report = json.loads(
        cli(env, "card", "verify", "--id", str(card), "--require-approved", "--json").stdout
    )
    assert report["ok"] is False and report["intact"] is True


# -- dropped triggers: every table still guarded by its hashes ---------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE card_versions SET content=json_set(content,'$.title','Hacked')",
        "UPDATE card_signoffs SET comment='fine' WHERE id=(SELECT max(id) FROM card_signoffs)",
        "UPDATE card_signoffs SET decision='approve' WHERE id=(SELECT max(id) FROM card_signoffs)",
        "UPDATE card_signoff_heads SET count=count+1",
        "DELETE FROM card_signoffs WHERE id=(SELECT min(id) FROM card_signoffs)",
        "DELETE FROM card_versions",
    ],
)
def test_with_every_trigger_dropped_each_edit_is_still_caught(store, card, steward_home, sql):
    approve_then_reject(store, card)
    con = db(steward_home)
    con.execute("PRAGMA foreign_keys=OFF")
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        con.execute(f"DROP TRIGGER {name}")
    con.execute(sql)
    con.commit()
    con.close()
    report = verify_card(store, card)
    assert not report.ok and report.problems
    if "versions were deleted" not in report.problems[0]:  # else there is no status to show
        assert card_status(store, card).state in ("invalid", "stale")


def test_signing_needs_the_chain_intact_even_with_a_fresh_key_file(store, card, steward_home):
    approve_then_reject(store, card)
    key_file().unlink()  # a new key is generated: old heads no longer verify
    with pytest.raises(StewardError, match="another key"):
        sign_card(
            store, card, reviewer=authenticate("alice", PASSWORD), decision="reject", comment="x"
        )


def test_chains_signed_before_anchoring_can_be_anchored_once(store, card, env, steward_home):
    approve_then_reject(store, card)
    con = db(steward_home)  # a database from before heads existed: no head row
    con.execute("DROP TRIGGER card_signoff_heads_no_delete")
    con.execute("DELETE FROM card_signoff_heads")
    con.commit()
    con.close()
    result = cli(env, "card", "verify", "--id", str(card))
    assert result.returncode == 1 and "card anchor --id" in result.stdout
    anchored = cli(env, "card", "anchor", "--id", str(card))
    assert anchored.returncode == 0 and "2 sign-off(s)" in anchored.stdout
    assert cli(env, "card", "verify", "--id", str(card)).returncode == 0
    again = cli(env, "card", "anchor", "--id", str(card))
    assert again.returncode == 2 and "already anchored" in again.stderr


def test_a_rewrite_with_recomputed_hashes_still_fails_on_the_head(store, card, env, steward_home):
    """The attacker rewrites bob's rejection as an approval and recomputes its record hash
    consistently (SHA-256 needs no key): the row and the links hold, the HMAC'd head does not."""
    from backend.cards.repository import row_record_hash

    approve_then_reject(store, card)
    last = CardRepository(store).signoffs(card)[-1]
    last.decision = "approve"
    forged = row_record_hash(last)
    con = db(steward_home)
    con.execute("DROP TRIGGER card_signoffs_no_update")
    con.execute(
        "UPDATE card_signoffs SET decision='approve', record_hash=? WHERE id=?", (forged, last.id)
    )
    con.commit()
    con.close()
    report = verify_card(store, card)
    assert report.problems == [
        f"card {card}'s last sign-off (#{last.id}) does not match its anchored hash: it was "
        "rewritten"
    ]
    result = cli(env, "card", "verify", "--id", str(card), "--require-approved")
    assert result.returncode == 1
    assert "Approved by" not in cli(env, "card", "render", "--id", str(card)).stdout


def test_first_use_of_the_key_file_from_many_threads_gives_one_key(tmp_path):
    """Found by a concurrent-signer drill: a process could read the generated key file
    while another was still writing it ("key too short"). Threads switching every
    microsecond hit that window in about 5 % of rounds before the fix."""
    import dataclasses
    import threading

    from backend.cards.anchor import signoff_key
    from backend.config import get_settings

    base = get_settings()
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    bad = []
    try:
        for r in range(200):
            settings = dataclasses.replace(base, home=tmp_path / f"home-{r}")
            barrier = threading.Barrier(8)
            got: list[str] = []

            def first_use(settings=settings, barrier=barrier, got=got):
                barrier.wait()
                try:
                    got.append(signoff_key(settings).key_id)
                except StewardError as exc:
                    got.append(str(exc))

            threads = [threading.Thread(target=first_use) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if len(set(got)) != 1:
                bad.append((r, sorted(set(got))))
    finally:
        sys.setswitchinterval(old)
    assert not bad, bad[:3]
