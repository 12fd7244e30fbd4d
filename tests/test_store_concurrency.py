"""Several writers on one workspace: processes on PostgreSQL, reviewers signing at once.

Run on SQLite and on the session's PostgreSQL (see tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.cards import CardRepository, add_reviewer, authenticate, create_card, sign_card
from backend.cards.signoff import verify_card
from backend.observations import Observation
from backend.store import Alert, AlertEvent, Artifact, Job, Metric

ROOT = Path(__file__).resolve().parent.parent
WRITERS, ROUNDS = 8, 15

# One writer process: waits for the start file, then in each round saves a record, runs a
# job through its statuses with metrics, raises an alert every writer raises too (shared
# dedupe key) and one of its own.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from backend.store import get_store
    go, me, rounds = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    store = get_store()  # all writers open (and so upgrade) the empty schema at once
    Path(f"{go}.{me}").touch()
    deadline = time.monotonic() + 300  # the test session died: do not wait forever
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("no start signal")
        time.sleep(0.005)
    for i in range(rounds):
        store.save_artifact(kind="audit", name=f"w{me}-{i}", content={"writer": me, "round": i})
        job = store.create_job(kind="train", name=f"w{me}-{i}")
        store.update_job(job.id, status="running")
        store.add_metrics(job.id, 1, {"loss": 1.0, "energy_kwh": 0.1})
        store.update_job(job.id, status="succeeded", progress=1.0)
        store.add_alert(kind="training", message="shared", dedupe_key=f"shared|{i}")
        store.add_alert(kind="training", message="own", dedupe_key=f"own|{me}|{i}")
    """
)


@pytest.mark.databases("postgres")
def test_eight_writer_processes_lose_no_record(tmp_path, steward_home):
    script, go = tmp_path / "writer.py", tmp_path / "go"
    script.write_text(WRITER)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(go), str(me), str(ROUNDS)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in range(WRITERS)
    ]
    try:
        while not all(Path(f"{go}.{me}").exists() for me in range(WRITERS)):
            assert all(p.poll() is None for p in procs), [p.communicate()[1] for p in procs]
            threading.Event().wait(0.02)
        go.touch()
        errors = [p.communicate(timeout=240)[1] for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0] * WRITERS, errors

    from backend.store import get_store

    store = get_store()
    with store.session() as s:
        names = set(s.scalars(select(Artifact.name)))
        assert names == {f"w{me}-{i}" for me in range(WRITERS) for i in range(ROUNDS)}
        statuses = list(s.scalars(select(Job.status)))
        assert statuses == ["succeeded"] * (WRITERS * ROUNDS)
        assert s.scalar(select(func.count(Metric.id))) == 2 * WRITERS * ROUNDS
        keys = list(s.scalars(select(Alert.dedupe_key)))
        shared = sorted(k for k in keys if k.startswith("shared|"))
        assert shared == sorted(f"shared|{i}" for i in range(ROUNDS))  # each raised once
        assert len(keys) - len(shared) == WRITERS * ROUNDS
        raised = s.scalar(select(func.count(AlertEvent.id)).where(AlertEvent.action == "raised"))
        assert raised == len(keys)  # one "raised" event per alert, none for the losers


@pytest.mark.databases
def test_reviewers_signing_at_once_are_chained_one_after_the_other(store, steward_home):
    """The chain-head lock: BEGIN IMMEDIATE on SQLite, SELECT ... FOR UPDATE on PostgreSQL."""
    add_reviewer("alice", "correct horse battery")
    reviewer = authenticate("alice", "correct horse battery")
    card_id = create_card(store, "data", title="signed by many").card_id
    signers, per_signer = 4, 3
    start, failures = threading.Barrier(signers), []

    def sign(n: int) -> None:
        try:
            start.wait()
            for i in range(per_signer):
                sign_card(store, card_id, reviewer=reviewer, decision="reject", comment=f"{n}/{i}")
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            failures.append(repr(exc))

    threads = [threading.Thread(target=sign, args=(n,)) for n in range(signers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    repo = CardRepository(store)
    chain = repo.signoffs(card_id)
    assert len(chain) == signers * per_signer
    assert [so.prev_hash for so in chain[1:]] == [so.record_hash for so in chain[:-1]]
    assert repo.chain_problems(card_id) == []
    assert repo.head(card_id).count == signers * per_signer
    assert verify_card(store, card_id).status == "rejected"


class _HeldNotifier:
    """Counts sends; the first one waits until the test lets it go (a slow mail server)."""

    name = "held"

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.release = threading.Event()

    def send(self, alert) -> None:
        self.release.wait(60)
        self.sent.append(alert.id)


@pytest.mark.databases
def test_two_dashboards_never_notify_the_same_alert_twice(store):
    """Dashboard A raised an alert and is still sending it when dashboard B, at the end of
    one of its jobs, sends whatever is pending: B must leave A's alert alone."""
    from backend.alerts import AlertService, default_config, deliveries
    from backend.store import Store

    a_out, b_out = _HeldNotifier(), _HeldNotifier()
    b_out.release.set()
    config = default_config()
    a = AlertService(store, notifiers=[a_out], config=config, notify="background", backoff_s=())
    b = AlertService(Store(store.url), notifiers=[b_out], config=config, backoff_s=())
    (raised,) = a.check([Observation("toxicity", 0.9)], record="t").alerts
    assert b.dispatch_pending() == [] and b_out.sent == []
    a_out.release.set()
    for _ in range(600):
        if deliveries(store, raised.id):
            break
        threading.Event().wait(0.05)
    assert a_out.sent == [raised.id] and [d.ok for d in deliveries(store, raised.id)] == [True]
    # an alert raised by a worker that did not notify it: exactly one dashboard sends it
    orphan = store.add_alert(kind="audit", message="PII in 12 rows", severity="high")
    assert store.claim_alert_notification(orphan.id)
    assert not Store(store.url).claim_alert_notification(orphan.id)
    assert b.dispatch_pending() == [] and b_out.sent == []
