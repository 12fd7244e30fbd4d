#!/bin/bash
# Build a populated pre-Alembic workspace (run at commit db6273d): $1 = STEWARD_HOME, $2 = optional DB URL
set -e
cd "$(dirname "$0")/../.."
export STEWARD_HOME=$1 STEWARD_SECRETS=$1/none.toml STEWARD_SIGNOFF_KEY=legacy-fixture-key-0123456789
[ -n "$2" ] && export STEWARD_DATABASE_URL=$2
PY=.venv/bin/python
$PY -m backend demo
$PY -m backend audit $STEWARD_HOME/demo/comments.csv --text-col text --label-col label --sensitive gender,ethnicity --json > /dev/null
$PY - <<'PY'
from backend.store import get_store
s = get_store()
job = s.create_job(kind="train", name="legacy-run", params={"lr": 0.0001})
for step in range(1, 6):
    s.add_metrics(job.id, step, {"loss": 1.0 / step, "energy_kwh": 0.001 * step})
s.update_job(job.id, status="succeeded", progress=1.0, result={"final_loss": 0.2})
s.save_artifact(kind="run", name="legacy-run", content={"loss": 0.2, "steps": 5}, job_id=job.id)
PY
STEWARD_REVIEWER_PASSWORD='legacy passphrase 1' $PY -m backend reviewer add alice
$PY -m backend card create --kind data --from-audit 1 --json > /dev/null
STEWARD_REVIEWER_PASSWORD='legacy passphrase 1' $PY -m backend card sign --id 1 --reviewer alice --decision reject --comment "legacy fixture" --json > /dev/null || true
$PY -m backend alerts ack 1 --note "seen in the legacy fixture" > /dev/null || true
$PY -m backend card verify --id 1 --json | head -20 || true
