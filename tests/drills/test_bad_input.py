"""Bad input and broken surroundings end in one clean line and exit 2 (issue 15, 9-10).

Every case runs the real CLI in a subprocess. Before the fixes each ended in a Python
traceback (exit 1), or half-failed: registered a dataset it could not audit, used
default alert thresholds in place of a broken file, or started a default fine-tune.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from backend.store import get_store
from tests.drills.support import cli, in_process, read_only_mount, without_root_overrides

BAD_NAME = os.fsdecode(b"bad\xff.csv")  # not valid UTF-8


def _csv(path: Path, rows: int = 60) -> Path:
    lines = ["text,label,group,pred"]
    lines += [
        f"comment number {i} about the weather,{i % 2},{'AB'[i % 2]},{i % 3 % 2}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- item 9: clean errors ---------------------------------------------------------------------
def test_audit_of_an_unreadable_file(tmp_path, steward_home):
    prefix = without_root_overrides()
    if prefix is None:
        pytest.skip("cannot drop root's permission override here (no setpriv)")
    data = _csv(tmp_path / "secret.csv")
    data.chmod(0)
    out = cli("audit", data, "--text-col", "text", home=steward_home, prefix=prefix)
    out.assert_clean_error("Permission denied", "secret.csv")


@pytest.mark.parametrize("command", ["audit", "fairness"])
def test_non_utf8_file_name(tmp_path, capsys, command):
    data = _csv(tmp_path / BAD_NAME)
    args = {
        "audit": ["audit", data, "--text-col", "text", "--checks", "text_stats"],
        "fairness": ["fairness", "--data", data, "--y-true", "label", "--y-pred", "pred",
                     "--sensitive", "group"],
    }[command]  # fmt: skip
    out = in_process(capsys, *args)
    out.assert_clean_error("not valid UTF-8", "bad\\xff.csv")


def test_audit_export_to_a_folder_fails_before_the_audit(tmp_path, capsys):
    data = _csv(tmp_path / "data.csv")
    folder = tmp_path / "out"
    folder.mkdir()
    out = in_process(
        capsys, "audit", data, "--text-col", "text", "--checks", "text_stats",
        "--export", f"{folder}/",
    )  # fmt: skip
    out.assert_clean_error("is a folder")
    assert get_store().list_datasets() == []  # refused before anything was recorded


def test_card_render_to_bad_outputs(tmp_path, steward_home, capsys):
    assert in_process(capsys, "demo").returncode == 0
    dataset_id = get_store().list_datasets()[0].id
    made = in_process(capsys, "card", "create", "--kind", "data", "--dataset", str(dataset_id))
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "folder"
    folder.mkdir()
    cases = {
        str(folder): "is a folder",
        f"{folder}/": "is a folder",
        str(tmp_path / "missing" / "card.md"): "does not exist",
        "/dev/full": "No space left on device: /dev/full",
    }
    for target, message in cases.items():
        out = in_process(capsys, "card", "render", "--id", "1", "-o", target)
        out.assert_clean_error(message)
    prefix = without_root_overrides()
    if prefix is not None:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        out = cli("card", "render", "--id", "1", "-o", locked / "card.md", home=steward_home,
                  prefix=prefix)  # fmt: skip
        out.assert_clean_error("Cannot write in the folder", "locked")
        assert not (locked / "card.md").exists()


def test_fairness_probes_with_a_run_that_is_not_a_number(capsys):
    out = in_process(capsys, "fairness", "--probes", "run:abc")
    out.assert_clean_error("'run:abc' is not a run")


def test_train_config_unreadable_gzip_and_yaml_syntax(tmp_path, steward_home, capsys):
    packed = tmp_path / "config.yaml"
    packed.write_bytes(gzip.compress(b"model: default\n"))
    in_process(capsys, "train", "--config", packed).assert_clean_error("config.yaml is a gzip file")
    broken = tmp_path / "broken.yaml"
    broken.write_text("model: default\nlora: [1\nepochs: 2\n", encoding="utf-8")
    line = in_process(capsys, "train", "--config", broken).assert_clean_error(
        "broken.yaml, line 3", "invalid YAML"
    )
    assert "<unicode string>" not in line
    prefix = without_root_overrides()
    if prefix is not None:
        hidden = tmp_path / "hidden.yaml"
        hidden.write_text("model: default\n", encoding="utf-8")
        hidden.chmod(0)
        out = cli("train", "--config", hidden, home=steward_home, prefix=prefix)
        out.assert_clean_error("Permission denied", "hidden.yaml")


def test_read_only_workspace(tmp_path, capsys, monkeypatch):
    """A read-only STEWARD_HOME: a real read-only bind mount (root writes through chmod),
    and a file where the folder should be."""
    data = _csv(tmp_path / "data.csv")
    home = tmp_path / "home"
    monkeypatch.setenv("STEWARD_HOME", str(home))
    assert in_process(capsys, "card", "list").returncode == 0  # creates the workspace
    as_file = tmp_path / "home-file"
    as_file.write_text("not a folder\n")
    monkeypatch.setenv("STEWARD_HOME", str(as_file))
    for args in (["card", "list"], ["audit", data, "--text-col", "text"]):
        in_process(capsys, *args).assert_clean_error("is a file, not a folder")
    prefix = read_only_mount(home)
    if prefix is None:
        pytest.skip("read-only bind mount not available (needs unshare as root)")
    for args in (["card", "list"], ["audit", data, "--text-col", "text"]):
        out = cli(*args, home=home, prefix=prefix)
        out.assert_clean_error("is read-only")


# -- item 10: no half-failures -----------------------------------------------------------------
def test_failed_audit_registers_no_dataset(tmp_path, capsys):
    data = _csv(tmp_path / "data.csv")
    out = in_process(capsys, "audit", data, "--text-col", "label")  # numbers, not text
    out.assert_clean_error("does not hold text")
    assert get_store().list_datasets() == []
    ok = in_process(capsys, "audit", data, "--text-col", "text", "--checks", "text_stats")
    assert ok.returncode == 0, ok.stderr
    assert [d.name for d in get_store().list_datasets()] == ["data.csv"]


def test_broken_alert_thresholds_fail_the_audit(tmp_path, capsys, monkeypatch):
    data = _csv(tmp_path / "data.csv")
    thresholds = tmp_path / "alerts.yaml"
    thresholds.write_text("thresholds: [\n", encoding="utf-8")
    monkeypatch.setenv("STEWARD_ALERTS_CONFIG", str(thresholds))
    out = in_process(capsys, "audit", data, "--text-col", "text")
    out.assert_clean_error("Alert thresholds in", "alerts.yaml")
    assert get_store().list_datasets() == []


def test_broken_secrets_file_is_reported(tmp_path, capsys, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[steward\nhome = '/tmp'\n", encoding="utf-8")
    monkeypatch.setenv("STEWARD_SECRETS", str(secrets))
    out = in_process(capsys, "jobs")
    out.assert_clean_error("secrets file", "not valid TOML")


def test_reviewers_file_that_is_a_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STEWARD_REVIEWERS_FILE", str(tmp_path))
    out = in_process(capsys, "reviewer", "list")
    out.assert_clean_error("is a folder, not a file")


@pytest.mark.parametrize("content", ["", "# only a comment\n", "{}\n"])
def test_empty_config_starts_no_fine_tune(tmp_path, capsys, content):
    config = tmp_path / "empty.yaml"
    config.write_text(content, encoding="utf-8")
    out = in_process(capsys, "train", "--config", config)
    out.assert_clean_error("sets no options")
    assert get_store().list_jobs() == []


def test_broken_secrets_file_is_shown_in_the_dashboard(tmp_path, monkeypatch, app_test, store):
    """The sidebar (on every page) names the broken secrets file instead of hiding it."""
    from streamlit.testing.v1 import AppTest

    from backend.config import get_settings

    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[steward\n", encoding="utf-8")
    monkeypatch.setenv("STEWARD_SECRETS", str(secrets))
    get_settings.cache_clear()

    def page():
        from components.sidebar import render_sidebar

        render_sidebar()

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception
    errors = [e.value for e in at.sidebar.error]
    assert any("secrets.toml is not valid TOML" in e for e in errors), errors
