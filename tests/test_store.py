"""Store: schema, WAL, repositories, content hashes, database URLs."""

import sqlite3

import pytest

from backend.errors import StewardError
from backend.store import SCHEMA_VERSION, Store, content_hash, get_store, normalize_url, safe_url


def test_sqlite_in_wal_mode_under_steward_home(store, steward_home):
    db = steward_home / "steward.db"
    assert db.is_file()
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert store.schema_version == SCHEMA_VERSION


def test_database_url_override(tmp_path, monkeypatch):
    from backend.config import get_settings

    url = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("STEWARD_DATABASE_URL", url)
    get_settings.cache_clear()
    assert get_store().url == url
    assert (tmp_path / "other.db").is_file()


def test_newer_schema_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    Store(url)
    con = sqlite3.connect(tmp_path / "x.db")
    con.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StewardError, match="newer Steward"):
        Store(url)


def test_postgres_urls_use_psycopg_and_messages_hide_the_password():
    assert normalize_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    assert "s3cret" not in safe_url("postgresql+psycopg://u:s3cret@h/db")


def test_an_unreachable_database_is_one_clear_error(tmp_path):
    url = f"postgresql://steward:s3cret@/steward?host={tmp_path}&connect_timeout=2"
    with pytest.raises(StewardError, match="Cannot open the database") as exc:
        Store(url)
    assert "s3cret" not in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.databases
def test_jobs_metrics_artifacts_alerts_roundtrip(store):
    job = store.create_job(kind="train", name="run a", params={"lr": 1e-4})
    store.update_job(job.id, status="running", progress=0.5, message="half")
    store.add_metrics(job.id, 1, {"loss": 0.9, "lr": 1e-4, "skipped": None})
    store.add_metrics(job.id, 2, {"loss": 0.7})
    assert [m.value for m in store.metrics(job.id, ["loss"])] == [0.9, 0.7]
    assert store.metric_names(job.id) == ["loss", "lr"]
    got = store.get_job(job.id)
    assert (got.status, got.progress, got.params) == ("running", 0.5, {"lr": 1e-4})

    art = store.save_artifact(kind="audit", content={"rows": 3, "b": [1, 2]}, name="a")
    assert art.content_hash == content_hash({"b": [1, 2], "rows": 3})
    assert store.get_artifact(art.id).verify_hash()

    alert = store.add_alert(kind="fairness", message="gap", value=0.2, threshold=0.15)
    assert [a.id for a in store.list_alerts()] == [alert.id]
    store.acknowledge_alert(alert.id)
    assert store.list_alerts() == []

    s = store.summary()
    assert (s.runs, s.audits, s.open_alerts, s.active_jobs) == (1, 1, 0, 1)


def test_content_hash_is_order_independent():
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})


@pytest.mark.databases
def test_long_display_names_are_kept_shortened_on_every_database(store):
    """A 250-character file name: PostgreSQL refuses it in a VARCHAR(200) that SQLite
    would store whole; both keep its first 199 characters and an ellipsis."""
    long = "a-very-long-upload-name-" * 11
    ds = store.add_dataset(name=long, source="path", location="/x.csv", format="csv")
    art = store.save_artifact(kind="audit", content={}, name=f"Audit of {long}", dataset_id=ds.id)
    job = store.create_job(kind="train", name=long)
    store.update_job(job.id, name="renamed " + long)
    names = [
        store.get_dataset(ds.id).name,
        store.get_artifact(art.id).name,
        store.get_job(job.id).name,
    ]
    assert [len(n) for n in names] == [200, 200, 200]
    assert all(n.endswith("…") for n in names)
    assert names[1].startswith("Audit of a-very-long") and names[2].startswith("renamed")
