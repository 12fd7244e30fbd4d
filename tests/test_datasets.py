"""Demo generator, loaders (incl. malformed input) and column-role inference."""

import io

import pandas as pd
import pytest

from backend.column_roles import ColumnRoles, infer_roles, validate_roles
from backend.datasets import ensure_demo_workspace, load_hf_dataset, load_table, register_dataset
from backend.demo_data import generate_demo_dataset
from backend.errors import DatasetError


def test_demo_is_deterministic_and_has_planted_problems():
    a, b = generate_demo_dataset(), generate_demo_dataset()
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 4000
    assert set(a.columns) >= {"text", "label", "gender", "age_group", "ethnicity", "religion"}
    assert a["gender"].value_counts(normalize=True)["non-binary"] < 0.05  # under-represented
    rates = a.groupby("ethnicity")["label"].mean()
    assert rates["black"] - rates.drop("black").max() > 0.05  # planted label skew
    assert a["text"].duplicated().mean() > 0.02  # exact duplicates
    assert a["text"].str.contains("@example.com").any()  # some PII
    assert not generate_demo_dataset(seed=8).equals(a)


def test_demo_workspace_written_once_and_registered(store, settings):
    ds = ensure_demo_workspace(store, settings)
    again = ensure_demo_workspace(store, settings)
    assert ds.id == again.id and ds.synthetic and ds.n_rows == 4000
    assert (settings.demo_dir / "comments.csv").is_file()
    assert ds.roles["text"] == "text" and "gender" in ds.roles["sensitive"]


def test_load_csv_jsonl_parquet(tmp_path):
    frame = pd.DataFrame({"text": ["hello there friend", "second comment here"], "label": [0, 1]})
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.to_json(tmp_path / "a.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "a.parquet")
    for name in ("a.csv", "a.jsonl", "a.parquet"):
        table = load_table(tmp_path / name)
        assert list(table.frame["text"]) == list(frame["text"])
        assert list(table.frame["label"]) == [0, 1]


def test_load_from_upload_buffer_and_semicolons():
    buf = io.BytesIO("text;label\nbonjour à tous;0\nça va ?;1\n".encode())
    buf.name = "upload.csv"
    table = load_table(buf)
    assert table.frame.shape == (2, 2) and table.frame["text"][0] == "bonjour à tous"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "e.csv", "is empty"),
        (b"   \n\n", "e.csv", "is empty"),
        (b"text,label\n", "h.csv", "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "img.csv", "binary"),
        ("text\ncaf\xe9\n".encode("latin-1"), "latin.csv", "not valid UTF-8"),
        (b"text,label\nok,1\ntoo,many,fields\n", "ragged.csv", r"line 3 has 3 field\(s\)"),
        (b'{"text": "a"}\n{"text": \n', "bad.jsonl", "line 2 is not valid JSON"),
        (b"[1, 2]", "arr.json", "list of objects"),
        (b"not parquet", "x.parquet", "not a Parquet file"),
        (b"a,a\n1,2\n", "dup.csv", "duplicate column"),
        (b"text\nx\n", "x.xlsx", "Unsupported file type"),
    ],
)
def test_bad_files_give_clear_errors(content, name, message):
    with pytest.raises(DatasetError, match=message):
        load_table(content, name=name)


def test_ragged_rows_counted_when_not_strict():
    table = load_table(b"text,label\nok,1\nbad,1,2\nfine,0\n", name="r.csv", strict=False)
    assert len(table.frame) == 2 and table.malformed_lines == [3]
    assert "1 malformed line(s)" in table.warnings[0]


def test_missing_file_and_size_limit(tmp_path):
    with pytest.raises(DatasetError, match="File not found"):
        load_table(tmp_path / "nope.csv")
    big = tmp_path / "big.csv"
    big.write_text("text\n" + "x" * 2000 + "\n")
    with pytest.raises(DatasetError, match="2,006 bytes, over the 1,000-byte limit"):
        load_table(big, max_bytes=1000)


def test_infer_roles_and_override_validation():
    frame = generate_demo_dataset(n_rows=300)
    roles = infer_roles(frame)
    assert roles == ColumnRoles("text", "label", ["gender", "age_group", "ethnicity", "religion"])
    with pytest.raises(DatasetError, match="not in the data"):
        validate_roles(frame, ColumnRoles(text="comment"))
    with pytest.raises(DatasetError, match="does not hold text"):
        validate_roles(frame, ColumnRoles(text="id"))


def test_register_refuses_bad_roles_and_stores_nothing(store):
    frame = pd.DataFrame({"n": [1, 2, 3], "text": ["a b c d", "e f g h", "i j k l"]})
    with pytest.raises(DatasetError):
        register_dataset(
            store,
            frame=frame,
            name="x",
            source="path",
            location="/x",
            fmt="csv",
            roles=ColumnRoles(text="n"),
        )
    assert store.list_datasets() == []
    ds = register_dataset(
        store,
        frame=frame,
        name="x",
        source="path",
        location="/x",
        fmt="csv",
        roles=ColumnRoles(text="text"),
    )
    assert store.get_dataset(ds.id).n_rows == 3


def test_hf_dataset_offline_gives_clear_message():
    with pytest.raises(DatasetError, match="not a valid Hugging Face dataset id"):
        load_hf_dataset("../../etc/passwd")
    with pytest.raises(DatasetError, match="Could not load Hugging Face dataset"):
        load_hf_dataset("steward-test/definitely-not-cached")


def test_streamed_chunks_and_the_whole_table_are_the_same_rows(tmp_path):
    from backend.tabular import Malformed, iter_frames, read_frame, table_file

    lines = ["text;label;group"] + [
        f"row {i} with some words;{i % 2};{'AB'[i % 2]}" for i in range(95)
    ]
    lines[40] = "a ragged row;1;A;extra"
    path = tmp_path / "semi.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    file = table_file(path)
    streamed, whole = Malformed(), Malformed()
    chunks = list(iter_frames(file, columns=["text", "group"], chunk_rows=20, malformed=streamed))
    assert [len(c) for c, _ in chunks] == [20, 20, 20, 20, 14]
    assert [f for _, f in chunks][-1] == 1.0 and all(0 < f < 1 for _, f in chunks[:-1])
    frame = read_frame(file, columns=["text", "group"], strict=False, malformed=whole)
    pd.testing.assert_frame_equal(pd.concat([c for c, _ in chunks], ignore_index=True), frame)
    assert streamed.lines == whole.lines == [41] and list(frame.columns) == ["text", "group"]


def test_bad_bytes_and_long_json_lines_are_named(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"text,label\nfine row,1\nanother,0\ncaf\xe9,1\n")
    with pytest.raises(
        DatasetError, match=r"not valid UTF-8 \(first bad byte at line 4, byte 35\)"
    ):
        load_table(latin)
    long = tmp_path / "long.jsonl"
    long.write_text(
        '{"text": "short", "label": 1}\n'
        + '{"text": "'
        + "x" * 1_100_000
        + '", "label": 0}\n'
        + '{"text": "also short", "label": 0}\n',
        encoding="utf-8",
    )
    table = load_table(long, strict=False)
    assert list(table.frame["label"]) == [1, 0] and table.malformed_lines == [2]
    assert "JSON lines over 1 MB, skipped unread" in table.warnings[1]
    with pytest.raises(DatasetError, match="line 2 is longer than 1 MB"):
        load_table(long)
