"""Pinned dataset versions: order-independent content hashes, versions with diffs, verify."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import backend.dataset_versions as dv
from backend.column_roles import ColumnRoles
from backend.datasets import register_dataset
from tests.test_training_models import demo_frame


@pytest.fixture
def frame() -> pd.DataFrame:
    return demo_frame(300)


def _register(store, frame, path, name="comments"):
    return register_dataset(
        store,
        frame=frame,
        name=name,
        source="path",
        location=str(path),
        fmt="csv",
        roles=ColumnRoles(text="text", label="label"),
    )


def test_hash_ignores_row_order_and_line_endings_but_not_content(tmp_path, frame, monkeypatch):
    frame = frame.copy()
    frame.loc[3, "text"] = 'two lines,\nand a "quoted" word'  # a newline inside a quoted field
    a, b, c, d = (tmp_path / f"{x}.csv" for x in "abcd")
    frame.to_csv(a, index=False)
    frame.sample(frac=1.0, random_state=1).to_csv(b, index=False)
    c.write_bytes(a.read_bytes().replace(b"\n", b"\r\n"))
    frame.assign(label=frame["label"].where(frame.index != 7, 1 - frame["label"])).to_csv(
        d, index=False
    )
    ha, hb, hc, hd = (dv.fingerprint_file(p, "csv") for p in (a, b, c, d))
    assert ha.n_rows == len(frame) and ha.columns == list(frame.columns)
    assert ha.content_hash == hb.content_hash == hc.content_hash != hd.content_hash
    assert dv.row_diff(ha.row_hashes, hd.row_hashes) == (1, 1)
    # records cut by the read buffer (inside quotes, inside CRLF) hash the same
    monkeypatch.setattr(dv, "CHUNK_BYTES", 97)
    assert dv.fingerprint_file(c, "csv").content_hash == ha.content_hash
    assert dv.fingerprint_file(a, "csv").n_rows == len(frame)
    # the same rows as JSONL and Parquet: hashed too (their own formats)
    j = tmp_path / "rows.jsonl"
    j.write_text("\n".join(json.dumps(r) for r in frame.to_dict("records")) + "\n\n")
    assert dv.fingerprint_file(j, "jsonl").n_rows == len(frame)
    pq, shuffled = tmp_path / "rows.parquet", tmp_path / "shuffled.parquet"
    frame.to_parquet(pq, index=False)
    frame.sample(frac=1.0, random_state=2).to_parquet(shuffled, index=False)
    hp = dv.fingerprint_file(pq, "parquet")
    assert hp.n_rows == len(frame) and hp.columns == list(frame.columns)
    assert dv.fingerprint_file(shuffled, "parquet").content_hash == hp.content_hash
    frame.iloc[1:].to_parquet(shuffled, index=False)
    assert dv.fingerprint_file(shuffled, "parquet").content_hash != hp.content_hash


def test_reregistering_a_changed_file_makes_a_new_version_with_a_diff(store, tmp_path, frame):
    path = tmp_path / "comments.csv"
    frame.to_csv(path, index=False)
    ds = _register(store, frame, path)
    first = dv.latest_version(store, ds.id)
    assert first.content["version"] == 1 and first.content["reason"] == "registered"
    assert first.content["diff"] is None and first.content["n_rows"] == len(frame)
    # the same file again: same dataset, same version
    assert _register(store, frame, path).id == ds.id
    assert len(dv.versions(store, ds.id)) == 1
    # 20 rows dropped, 5 added, a column added
    changed = pd.concat([frame.iloc[20:], demo_frame(5).assign(id=range(9001, 9006))])
    changed = changed.assign(source="forum")
    changed.to_csv(path, index=False)
    again = _register(store, changed, path)
    assert again.id == ds.id and store.get_dataset(ds.id).n_rows == len(changed)
    assert [a.content["version"] for a in dv.versions(store, ds.id)] == [1, 2]
    diff = dv.latest_version(store, ds.id).content["diff"]
    assert diff["columns_added"] == ["source"] and diff["rows_removed"] == len(frame)
    assert dv.diff_summary(diff).startswith(f"+{len(changed)} rows, −{len(frame)} rows")
    # without the column change the row diff is exact
    changed.drop(columns="source").to_csv(path, index=False)
    _register(store, changed.drop(columns="source"), path)
    diff = dv.latest_version(store, ds.id).content["diff"]
    assert (diff["rows_added"], diff["rows_removed"]) == (len(changed), len(changed))
    assert diff["columns_removed"] == ["source"]
    frame.iloc[20:].to_csv(path, index=False)
    _register(store, frame.iloc[20:], path)
    diff = dv.latest_version(store, ds.id).content["diff"]
    assert (diff["rows_added"], diff["rows_removed"]) == (0, 5)
    assert dv.diff_summary(diff) == "+0 rows, −5 rows"


def test_data_card_pins_the_version_and_verify_fails_when_the_file_changes(
    store, tmp_path, frame, capsys
):
    from backend.cards import add_reviewer, authenticate, create_card, sign_card, verify_card
    from backend.cards.repository import CardRepository
    from backend.cli import main

    path = tmp_path / "comments.csv"
    frame.to_csv(path, index=False)
    ds = _register(store, frame, path)
    version = dv.latest_version(store, ds.id)
    saved = create_card(store, "data", dataset_id=ds.id)
    doc = CardRepository(store).load(saved.card_id)
    shown = doc.get_field("details", "version")
    assert shown.value.startswith(f"v1: {len(frame):,} rows, content hash ")
    assert version.content["content_hash"] in shown.value and "first version" in shown.value
    assert (shown.source.kind, shown.source.id) == ("dataset_version", version.id)

    add_reviewer("alice", "correct horse battery")
    alice = authenticate("alice", "correct horse battery")
    sign_card(store, saved.card_id, reviewer=alice, decision="reject", comment="Not yet.")
    assert verify_card(store, saved.card_id).ok
    # the same rows in another order still match; one edited row does not
    frame.sample(frac=1.0, random_state=3).to_csv(path, index=False)
    assert verify_card(store, saved.card_id).ok
    frame.assign(label=1 - frame["label"]).to_csv(path, index=False)
    report = verify_card(store, saved.card_id)
    assert not report.ok
    assert any("Dataset #1 v1" in p and "changed since sign-off" in p for p in report.problems)
    assert main(["card", "verify", "--id", str(saved.card_id)]) != 0
    capsys.readouterr()

    # the CLI twin: versions, and whether the file still matches
    assert main(["datasets", "versions", str(ds.id)]) == 0
    out = capsys.readouterr().out
    assert "the file changed since v1" in out and version.content["content_hash"] in out
    _register(store, frame.assign(label=1 - frame["label"]), path)
    assert main(["datasets", "versions", str(ds.id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["current_file"] == "the file matches v2"
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["versions"][1]["changes"] == f"+{len(frame)} rows, −{len(frame)} rows"
    for bad in (["datasets", "versions", "x"], ["datasets", "versions", "99"]):
        assert main(bad) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ")
