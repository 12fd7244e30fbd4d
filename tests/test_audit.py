"""Dataset audit backend: checks, streaming, formats, bad input, storage, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from backend.audit import (
    AuditConfig,
    AuditSource,
    audit_dataset,
    check_upload_size,
    compare_reports,
    export_anonymised,
    parse_reference,
    run_audit,
    submit_audit,
)
from backend.audit.association import npmi
from backend.audit.duplicates import (
    DuplicatesCheck,
    brute_force_pairs,
    candidate_probability,
    exact_jaccard,
    lsh_params,
    min_signature_matches,
    oph_signatures,
    shingle_sets,
    shingles,
)
from backend.audit.label_skew import chi_square, wilson_interval
from backend.audit.protocol import ReportContext
from backend.audit.representation import RepresentationCheck
from backend.audit.source import canonical_batch, normalise_text
from backend.audit.text_stats import TextStatsCheck
from backend.datasets import ensure_demo_workspace
from backend.demo_data import generate_demo_dataset
from backend.errors import DatasetError
from backend.jobs import JobManager

SENSITIVE = ["gender", "age_group", "ethnicity", "religion"]


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return generate_demo_dataset(4000, seed=7)


@pytest.fixture
def demo_csv(tmp_path, demo):
    path = tmp_path / "demo.csv"
    demo.to_csv(path, index=False)
    return path


def _config(**kw) -> AuditConfig:
    base = {
        "text_col": "text",
        "label_col": "label",
        "sensitive": SENSITIVE,
        "split_col": "split",
        "checks": (
            "representation",
            "label_skew",
            "pii",
            "duplicates",
            "association",
            "text_stats",
        ),
    }
    base.update(kw)
    return AuditConfig(**base)


def test_demo_audit_finds_planted_problems(demo_csv, demo):
    report = run_audit(AuditSource(path=demo_csv), _config())
    assert report["rows"] == len(demo)
    flagged = {(f["column"], f["group"]) for f in report["representation_summary"]["flagged"]}
    assert {("gender", "non-binary"), ("age_group", "65+"), ("religion", "buddhist")} <= flagged
    assert ("gender", "female") not in flagged
    # Shares are exact counts over rows.
    counts = demo["gender"].value_counts()
    assert report["representation"]["gender"]["female"]["count"] == counts["female"]
    assert report["representation"]["gender"]["female"]["share"] == pytest.approx(
        counts["female"] / len(demo)
    )
    # Annotation bias planted against ethnicity=black.
    eth = report["label_skew"]["columns"]["ethnicity"]
    assert eth["flagged"] and eth["highest_group"] == "black" and eth["p_value"] < 0.001
    expected = demo.groupby("ethnicity")["label"].mean()
    assert report["label_rate"]["ethnicity"]["black"] == pytest.approx(expected["black"])
    assert not report["label_skew"]["columns"]["gender"]["flagged"]
    # PII in ~4 % of rows.
    pii = report["pii"]
    assert 0.025 < pii["share_rows_with_pii"] < 0.06
    assert pii["counts_by_type"]["EMAIL"] > 0 and pii["counts_by_type"]["CREDIT_CARD"] > 0
    assert "@" not in json.dumps(pii["examples"])  # examples are redacted
    # Exact duplicates: rows that repeat an earlier normalised text.
    norm = demo["text"].map(normalise_text)
    dup = report["duplicates"]
    assert dup["exact_rows"] == int(norm.duplicated().sum())
    assert dup["near_rows"] > 0 and dup["top_clusters"][0]["size"] >= 2
    assert dup["clusters"] == dup["near_cluster_count"] > 0
    assert dup["leakage"] and dup["leakage"][0]["from"] == "test"
    # Findings in plain words.
    text = " ".join(f["text"] for f in report["findings"])
    assert "3 groups under-represented" in text
    assert "contain personal data" in text and "exact duplicates" in text
    assert "Leakage" in text


def test_chunked_streaming_merges_to_same_result(demo_csv):
    whole = run_audit(AuditSource(path=demo_csv), _config(chunk_rows=50_000))
    parts = run_audit(AuditSource(path=demo_csv), _config(chunk_rows=300))
    for key in ("representation", "label_rate", "pii", "text_stats"):
        assert parts[key] == whole[key], key
    for key in ("exact_rows", "near_rows", "cluster_count", "leakage"):
        assert parts["duplicates"][key] == whole["duplicates"][key], key


def test_same_report_from_csv_jsonl_parquet_and_frame(tmp_path, demo):
    small = demo.head(600)
    small.to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    small.to_parquet(tmp_path / "d.parquet", row_group_size=200)
    small.to_csv(tmp_path / "d.csv", index=False)
    cfg = _config(chunk_rows=250)
    reports = [
        run_audit(AuditSource(path=tmp_path / name), cfg)
        for name in ("d.csv", "d.jsonl", "d.parquet")
    ] + [run_audit(AuditSource(frame=small), cfg)]
    for r in reports[1:]:
        assert r["rows"] == 600
        assert r["representation"] == reports[0]["representation"]
        assert r["label_rate"] == reports[0]["label_rate"]
        assert r["pii"]["counts_by_type"] == reports[0]["pii"]["counts_by_type"]
        assert r["duplicates"]["exact_rows"] == reports[0]["duplicates"]["exact_rows"]


def test_malformed_rows_are_counted_not_dropped_silently(tmp_path):
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "text,group\n"
        + "".join(f"comment number {i} is fine,g{i % 2}\n" for i in range(50))
        + "this row,has,too many fields\n"
        + "another good comment here,g1\n"
        + "short,row,extra,fields,here\n"
    )
    report = run_audit(
        AuditSource(path=csv),
        AuditConfig(text_col="text", sensitive=["group"], checks=("representation",)),
    )
    assert report["rows"] == 51
    assert report["malformed_rows"] == 2
    assert report["malformed_lines"] == [52, 54]
    assert "2 malformed row(s) skipped (first at line 52)" in report["warnings"][0]
    assert report["findings"][0]["text"].startswith("2 malformed rows could not be parsed")

    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"text": "a fine comment"}\n{not json}\n[1, 2]\n{"text": "another one"}\n')
    report = run_audit(
        AuditSource(path=jsonl), AuditConfig(text_col="text", checks=("text_stats",))
    )
    assert (
        report["rows"] == 2
        and report["malformed_rows"] == 2
        and report["malformed_lines"] == [2, 3]
    )


def test_bad_columns_get_clear_errors(demo_csv):
    with pytest.raises(DatasetError, match="does not hold text"):
        run_audit(AuditSource(path=demo_csv), _config(text_col="id"))
    with pytest.raises(DatasetError, match="looks like a category column"):
        run_audit(AuditSource(path=demo_csv), _config(text_col="religion", sensitive=["gender"]))
    with pytest.raises(DatasetError, match=r"column\(s\) not found: nope\. Available: id, text"):
        run_audit(AuditSource(path=demo_csv), _config(sensitive=["nope"]))
    with pytest.raises(DatasetError, match="File not found"):
        AuditSource(path=demo_csv.parent / "missing.csv")
    with pytest.raises(DatasetError, match="cannot also be"):
        AuditConfig(text_col="text", sensitive=["text"])


def test_upload_limit_names_the_limit():
    check_upload_size(5_000_000, 10)
    with pytest.raises(DatasetError, match="over the 10 MB upload limit"):
        check_upload_size(12_500_000, 10)


def test_high_cardinality_sensitive_column_is_summarised(tmp_path):
    rng = np.random.default_rng(0)
    n = 6000
    frame = pd.DataFrame(
        {
            "text": [f"comment {i} about topic {i % 97}" for i in range(n)],
            "country": [f"c{int(x)}" for x in rng.zipf(1.3, n) % 3000],
        }
    )
    report = run_audit(
        AuditSource(frame=frame),
        AuditConfig(text_col="text", sensitive=["country"], checks=("representation",)),
    )
    groups = report["representation"]["country"]
    assert len(groups) == 20 and "other" in groups
    assert sum(g["count"] for g in groups.values()) == n
    assert report["representation_summary"]["meta"]["country"]["summarised"]
    assert any("distinct values" in w and "'other'" in w for w in report["warnings"])
    assert report["representation_summary"]["flagged"] == []  # no flags on id-like columns


def test_reference_shares_parse_and_flag():
    ref = parse_reference(
        "column,group,share\ngender,female,50\ngender,male,45\ngender,non-binary,5\n"
    )
    assert ref["gender"]["non-binary"] == pytest.approx(0.05)
    assert parse_reference('{"gender": {"a": 1, "b": 3}}')["gender"]["b"] == 0.75
    assert parse_reference('[{"column": "g", "group": "x", "share": 0.2}]')["g"]["x"] == 1.0
    with pytest.raises(DatasetError, match="header must be 'column,group,share'"):
        parse_reference("col,grp,val\na,b,1\n")
    with pytest.raises(DatasetError, match="is not a number"):
        parse_reference("column,group,share\ng,a,lots\n")

    check = RepresentationCheck(["g"])
    frame = pd.DataFrame({"t": ["x"] * 100, "g": ["a"] * 90 + ["b"] * 10}, dtype=object)
    check.update(canonical_batch(frame, text_col="t", sensitive=["g"]))
    config = AuditConfig(
        text_col="t", sensitive=["g"], reference={"g": {"a": 0.5, "b": 0.3, "c": 0.2}},
        min_count=5,
    )  # fmt: skip
    res = check.result(ReportContext(config=config)).by_column
    assert res["g"]["b"]["ratio"] == pytest.approx(0.1 / 0.3)
    assert res["g"]["b"]["flagged"]
    assert res["g"]["c"]["reason"] == "absent from the data"
    assert not res["g"]["a"]["flagged"]


def test_partial_results_merge(demo):
    def chunk(frame, start):
        return canonical_batch(frame.astype(object), start_row=start, text_col="text",
                               label_col="label", sensitive=SENSITIVE)  # fmt: skip

    context = ReportContext(config=_config())
    a, b, whole = (RepresentationCheck(SENSITIVE) for _ in range(3))
    s1, s2, s_whole = TextStatsCheck(), TextStatsCheck(), TextStatsCheck()
    a.update(chunk(demo.iloc[:1700], 0))
    b.update(chunk(demo.iloc[1700:], 1700))
    whole.update(chunk(demo, 0))
    s1.update(chunk(demo.iloc[:1700], 0))
    s2.update(chunk(demo.iloc[1700:], 1700))
    s_whole.update(chunk(demo, 0))
    a.merge(b)
    s1.merge(s2)
    assert a.result(context) == whole.result(context)
    assert s1.result(context) == s_whole.result(context)


def test_character_shingles_and_exact_jaccard():
    import pyarrow as pa

    texts = pa.array(["hello world", "abc", "", "hello world!"], pa.large_string())
    values, counts = shingles(texts)
    assert counts.tolist() == [7, 1, 0, 8]  # 5-byte windows; a short text is one shingle
    first = [int(v).to_bytes(5, "little").decode() for v in values[:7]]
    assert first == ["hello", "ello ", "llo w", "lo wo", "o wor", " worl", "world"]
    vals, starts, sizes = shingle_sets(texts)
    sim = exact_jaccard(np.array([0, 0, 1]), np.array([3, 0, 1]), vals, starts, sizes)
    assert sim.tolist() == [pytest.approx(7 / 8), 1.0, 1.0]


def test_bands_and_rows_follow_the_threshold():
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95):
        bands, rows = lsh_params(threshold, 64)
        assert bands * rows <= 64
        assert candidate_probability(threshold, bands, rows) >= 0.95
        # One more row per band would fall below the target at this threshold.
        assert candidate_probability(threshold, 64 // (rows + 1), rows + 1) < 0.95


def test_signature_prefilter_keeps_pairs_at_the_threshold():
    """Candidates are verified exactly only when their signatures agree on enough bins:
    short texts one edited word apart (exact Jaccard at or above 0.8) always pass; pairs of
    unrelated texts do not."""
    import pyarrow as pa

    rng = np.random.default_rng(7)
    vocab = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in "nrst"]
    base, edited = [], []
    for _ in range(1500):
        words = list(rng.choice(vocab, int(rng.integers(5, 15))))
        base.append(" ".join(words))
        words.insert(int(rng.integers(len(words))), str(rng.choice(vocab)))
        edited.append(" ".join(words))
    texts = pa.array(base + edited, pa.large_string())
    values, starts, sizes = shingle_sets(texts)
    n = len(base)
    pairs_a = np.r_[np.arange(n), np.arange(n)]
    pairs_b = np.r_[np.arange(n) + n, (np.arange(n) + 1) % n]  # edited copy; unrelated
    sim = exact_jaccard(pairs_a, pairs_b, values, starts, sizes)
    check = DuplicatesCheck(threshold=0.8)
    used = check.bands * check.rows_per_band
    sig = oph_signatures(*shingles(texts), used).astype(np.uint8)
    agree = (sig[pairs_a] == sig[pairs_b]).sum(axis=1)
    need = min_signature_matches(0.8, used)
    near = sim >= 0.8
    assert near[:n].sum() > 500 and not near[n:].any()
    assert (agree[near] >= need).all()
    assert (agree[n:] >= need).mean() < 0.01


def test_near_duplicates_found_and_unrelated_texts_kept_apart():
    base = "the committee met on tuesday to discuss the new budget for the city library"
    texts = [
        base,
        base + " again",  # near: Jaccard 13/14
        "completely different sentence about cooking pasta with tomato sauce tonight",
        base.upper(),  # exact after normalisation
        "yet another unrelated remark on football results from the weekend games",
    ]
    frame = pd.DataFrame({"text": texts}, dtype=object)
    check = DuplicatesCheck(threshold=0.8)
    check.update(canonical_batch(frame, text_col="text"))
    res = check.result()
    assert res.exact_rows == 1
    assert res.near_rows == 2  # the two distinct texts of the cluster
    assert res.clusters == 1
    (cluster,) = res.top_clusters
    assert cluster["size"] == 3 and cluster["distinct_texts"] == 2 and cluster["rows"] == [1, 2, 4]


def test_leakage_against_second_file(tmp_path, demo):
    train = demo[demo["split"] == "train"].head(800)
    test = pd.concat([demo[demo["split"] == "test"].head(150), train.head(20)])
    train.to_csv(tmp_path / "train.csv", index=False)
    test[["text"]].to_csv(tmp_path / "test.csv", index=False)
    report = run_audit(
        AuditSource(path=tmp_path / "train.csv"),
        AuditConfig(text_col="text", checks=("duplicates",)),
        second=AuditSource(path=tmp_path / "test.csv"),
    )
    (leak,) = report["duplicates"]["leakage"]
    assert leak["from"] == "test.csv" and leak["to"] == "train.csv"
    assert leak["rows"] == 170
    assert leak["exact_rows"] >= 20
    assert report["second_file"]["rows"] == 170


def test_label_statistics():
    from scipy.stats import chi2_contingency

    table = [[30, 70], [50, 50], [20, 80]]
    expected = chi2_contingency(table, correction=False)
    stat, p, dof = chi_square(table)
    assert stat == pytest.approx(expected.statistic) and p == pytest.approx(expected.pvalue)
    assert dof == expected.dof == 2
    low, high = wilson_interval(10, 100)
    assert low == pytest.approx(0.0552, abs=1e-3) and high == pytest.approx(0.1744, abs=1e-3)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert npmi(10, 10, 10, 100) == pytest.approx(1.0)
    assert npmi(1, 10, 10, 100) == pytest.approx(0.0)
    assert npmi(0, 10, 10, 100) is None
    # Continuous labels in [0, 1] are binarised at 0.5, with a warning.
    frame = pd.DataFrame(
        {
            "text": [f"some comment text {i}" for i in range(300)],
            "score": np.linspace(0, 1, 300),
            "g": ["a", "b", "c"] * 100,
        }
    )
    report = run_audit(
        AuditSource(frame=frame),
        AuditConfig(text_col="text", label_col="score", sensitive=["g"], checks=("label_skew",)),
    )
    assert report["label_skew"]["mode"] == "binarised"
    assert report["label_skew"]["positive_label"] == "1"
    assert report["label_skew"]["overall_rate"] == pytest.approx(0.5)
    assert any("≥ 0.5" in w for w in report["warnings"])


def test_toxicity_uses_shared_scorer_and_names_backend(demo):
    report = run_audit(
        AuditSource(frame=demo.head(1000)),
        AuditConfig(
            text_col="text", sensitive=["gender"], checks=("toxicity",), toxicity_max_rows=400
        ),
    )
    tox = report["toxicity"]
    assert tox["backend"] and tox["backend_id"]
    assert tox["scored_rows"] == 400 and tox["sampled"]
    assert 0 <= tox["mean"] <= 1 and sum(tox["histogram"]["counts"]) == 400
    assert set(tox["by_group"]["gender"]) >= {"female", "male"}
    # The planted toxic templates contain insults: the mean is clearly above zero.
    assert tox["share_above_threshold"] > 0.05
    assert tox["backend"] in " ".join(f["text"] for f in report["findings"])


def test_audit_dataset_stores_artifact_and_job_can_be_cancelled(store, settings):
    dataset = ensure_demo_workspace(store, settings)
    artifact = audit_dataset(store, dataset.id, _config(checks=("pii", "duplicates")))
    assert artifact.kind == "audit" and artifact.dataset_id == dataset.id
    assert artifact.content["rows"] == dataset.n_rows and artifact.verify_hash()

    manager = JobManager(store)
    job_id = submit_audit(manager, dataset, _config(checks=("representation", "pii")))
    manager.wait(job_id, timeout=60)
    job = store.get_job(job_id)
    assert job.status == "succeeded", job.error
    assert store.get_artifact(job.result["artifact_id"]).dataset_id == dataset.id

    # Cancel: a tiny chunk size gives the job many progress points to stop at.
    job_id = submit_audit(manager, dataset, _config(chunk_rows=100, checks=("association",)))
    manager.cancel(job_id)
    manager.wait(job_id, timeout=60)
    job = store.get_job(job_id)
    assert job.status in ("cancelled", "succeeded")
    if job.status == "cancelled":
        assert len(store.list_artifacts(kind="audit")) == 2


def test_failed_audit_job_reports_readable_error(store, settings):
    dataset = ensure_demo_workspace(store, settings)
    manager = JobManager(store)
    job_id = submit_audit(manager, dataset, _config(text_col="label"))
    manager.wait(job_id, timeout=60)
    job = store.get_job(job_id)
    assert job.status == "failed" and "does not hold text" in job.error
    assert store.list_artifacts(kind="audit") == []


def test_compare_reports_gives_deltas(demo):
    cfg = _config(checks=("representation", "pii", "duplicates"))
    before = run_audit(AuditSource(frame=demo), cfg)
    after = run_audit(AuditSource(frame=demo.drop_duplicates("text")), cfg)
    rows = {r["metric"]: r for r in compare_reports(before, after)}
    assert rows["Rows"]["delta"] == after["rows"] - before["rows"] < 0
    assert (
        rows["Exact duplicates (share)"]["after"] == 0
        or rows["Exact duplicates (share)"]["delta"] < 0
    )
    assert "Share gender = female" in rows


def test_anonymised_export(tmp_path, demo_csv, demo):
    out = tmp_path / "anon.csv"
    info = export_anonymised(AuditSource(path=demo_csv), out, text_cols=["text"], chunk_rows=700)
    exported = pd.read_csv(out)
    assert info["rows"] == len(exported) == len(demo)
    assert list(exported.columns) == list(demo.columns)
    assert not exported["text"].str.contains(r"[\w.]+@example\.com", regex=True).any()
    assert exported["text"].str.contains("<EMAIL>").sum() > 0
    assert (exported["gender"] == demo["gender"]).all()
    assert info["redacted_rows"] > 0 and not (tmp_path / "anon.csv.part").exists()


def test_cli_json_report_has_required_keys(tmp_path, demo_csv, capsys):
    from backend.cli import main

    ref = tmp_path / "ref.json"
    ref.write_text(json.dumps({"gender": {"female": 0.5, "male": 0.45, "non-binary": 0.05}}))
    code = main([
        "audit", str(demo_csv), "--text-col", "text", "--label-col", "label",
        "--sensitive", "gender,ethnicity", "--reference", str(ref), "--json",
        "--checks", "representation,label_skew,pii,toxicity,duplicates",
        "--toxicity-max-rows", "300",
    ])  # fmt: skip
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    for key in (
        "rows",
        "representation",
        "label_rate",
        "pii",
        "toxicity",
        "duplicates",
        "warnings",
    ):
        assert key in report
    assert report["representation"]["gender"]["female"]["count"] > 0
    assert math.isclose(report["representation"]["gender"]["non-binary"]["reference_share"], 0.05)
    assert {"counts_by_type", "rows_with_pii"} <= set(report["pii"])
    assert {"backend", "mean", "share_above_threshold", "by_group"} <= set(report["toxicity"])
    assert {"exact_rows", "near_rows", "clusters"} <= set(report["duplicates"])
    assert isinstance(report["warnings"], list)
    from backend.store import get_store

    # Audit #1, and the data version it audited (its content hash is pinned in the report)
    assert report["artifact_id"] == get_store().record_by_number("audit", 1).id
    assert report["dataset_version"]["version"] == 1 and report["dataset_version"]["n_rows"] > 0

    code = main(["audit", str(demo_csv), "--text-col", "label"])
    assert code == 2
    assert "does not hold text" in capsys.readouterr().err


def test_progress_is_monotonic_and_spread_over_the_file(demo_csv):
    seen = []
    run_audit(
        AuditSource(path=demo_csv),
        AuditConfig(text_col="text", checks=("text_stats",), chunk_rows=500),
        progress=lambda fraction, message: seen.append((fraction, message)),
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(0.1 < f < 0.5 for f in fractions)  # not jumping to the end at once
    assert any("Audited 2,000 rows" in m for _, m in seen)


def test_unreadable_files_get_readable_errors(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"text,g\ncaf\xe9 is a long enough text,a\nanother row of text,b\n")
    with pytest.raises(DatasetError, match="is not valid UTF-8 .*Re-save it as UTF-8"):
        run_audit(AuditSource(path=latin), AuditConfig(text_col="text", checks=("text_stats",)))
    header_only = tmp_path / "header.csv"
    header_only.write_text("text\n")
    with pytest.raises(DatasetError, match="has no data rows"):
        run_audit(AuditSource(path=header_only), AuditConfig(text_col="text", checks=("pii",)))
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(DatasetError, match="could not be read as Parquet"):
        run_audit(AuditSource(path=broken), AuditConfig(text_col="text", checks=("pii",)))


def test_text_statistics_count_empty_whitespace_missing_and_non_text():
    values = ["a real comment here", "", "   ", None, 42, "another real comment", "\t\n"]
    frame = pd.DataFrame({"text": values * 40}, dtype=object)
    stats = run_audit(
        AuditSource(frame=frame), AuditConfig(text_col="text", checks=("text_stats",))
    )["text_stats"]
    assert stats["empty"] == 40 and stats["whitespace_only"] == 80
    assert stats["missing"] == 40 and stats["non_text"] == 40
    assert stats["rows_with_text"] == 80 and stats["chars"]["min"] == 19
    assert stats["words"]["p50"] == 3


def test_near_duplicates_match_brute_force_on_the_demo(demo):
    """Every pair at or above the threshold by brute force (all pairs' exact Jaccard) is
    in one cluster of the audit, and every cluster edge is such a pair."""
    frame = demo.drop_duplicates("text").head(1500)
    report = run_audit(
        AuditSource(frame=frame), AuditConfig(text_col="text", checks=("duplicates",))
    )
    dup = report["duplicates"]
    norm = [normalise_text(t) for t in frame["text"]]
    truth = brute_force_pairs(norm, 0.8)
    assert len(truth) > 10
    # Verified pairs are exact (precision 1); LSH must find at least 95 % of them.
    assert len(truth) >= dup["near_pairs"] >= 0.95 * len(truth)
