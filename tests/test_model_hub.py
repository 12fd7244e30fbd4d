"""``models pull`` / ``models list`` for real, against a loopback server (issue 12 #6).

The server (tests/hub_server.py) serves a tiny Detoxify-format checkpoint at Detoxify's
release path and tiny Hugging Face repos through the Hub's API routes; the real clients
(urllib, huggingface_hub) download from it into a temporary TORCH_HOME and HF_HOME. Then the
toxicity scanner loads the pulled files offline and scores with them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from backend.errors import StewardError
from backend.model_hub import parse_pull_name
from tests.detoxify_fixture import build_tiny_detoxify
from tests.hub_server import HubServer

ROOT = Path(__file__).resolve().parent.parent
CKPT_PATH = "/v0.1-alpha/toxic_original-c1212f89.ckpt"


def _folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}


def _torch_bytes(obj) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _tiny_classifier(root: Path, architectures: list[str] | None = None) -> dict[str, bytes]:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    root.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "ignore", "previous", "hello"]
    BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)}).save_pretrained(root)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        id2label={0: "BENIGN", 1: "INJECTION"},
        label2id={"BENIGN": 0, "INJECTION": 1},
    )
    BertForSequenceClassification(config).save_pretrained(root, safe_serialization=True)
    files = _folder(root)
    if architectures is not None:
        cfg = json.loads(files["config.json"])
        cfg["architectures"] = architectures
        files["config.json"] = json.dumps(cfg).encode()
    return files


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The loopback server with a Detoxify release, its base model and some guard repos."""
    root = tmp_path_factory.mktemp("hub")
    tiny = build_tiny_detoxify(root / "detoxify")
    base = _folder(tiny["base"])
    # Base-model weights Detoxify does not need: `pull` must not download them.
    base["model.safetensors"] = b"\0" * 4096
    guard = _tiny_classifier(root / "guard")
    guard["pytorch_model.bin"] = b"a pickle we never download"
    pickled = {k: v for k, v in guard.items() if not k.endswith(".safetensors")}
    custom = dict(guard)
    cfg = json.loads(custom["config.json"])
    cfg["auto_map"] = {"AutoModelForSequenceClassification": "modeling.MyModel"}
    custom["config.json"] = json.dumps(cfg).encode()
    evil = dict(tiny["ckpt"], extra=argparse.Namespace(note="not just weights"))
    server = HubServer(
        files={
            CKPT_PATH: tiny["checkpoint"].read_bytes(),
            "/v0.3-alpha/toxic_debiased-c7548aa0.ckpt": _torch_bytes(evil),
        },
        repos={
            "bert-base-uncased": base,
            "acme/tiny-guard": guard,
            "acme/tiny-lm": _tiny_classifier(root / "lm", ["BertForMaskedLM"]),
            "acme/pickle-only": pickled,
            "acme/custom-code": custom,
            "acme/gated-guard": guard,
        },
        gated={"acme/gated-guard"},
    )
    with server as url:
        yield {"url": url, "server": server, "tiny": tiny}


def _env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    }
    env.update(
        STEWARD_OFFLINE="0",
        STEWARD_DETOXIFY_URL=url,
        HF_ENDPOINT=url,
        TORCH_HOME=str(tmp_path / "torch"),
        HF_HOME=str(tmp_path / "hf"),
        HF_HUB_DISABLE_TELEMETRY="1",
        STEWARD_DOWNLOAD_TIMEOUT="5",
    )
    env.update(extra)
    return env


def _backend(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=600,
    )


def test_pull_names_are_checked():
    assert parse_pull_name("detoxify-unbiased") == ("detoxify", "unbiased")
    assert parse_pull_name("meta-llama/Prompt-Guard-86M") == (
        "classifier",
        "meta-llama/Prompt-Guard-86M",
    )
    for bad in ("detoxify-small", "../etc/passwd", "a/b/c", "", "x" * 300):
        with pytest.raises(StewardError, match="unknown model"):
            parse_pull_name(bad)


@pytest.mark.slow
def test_pull_detoxify_then_the_toxicity_scanner_scores_with_it_offline(hub, tmp_path):
    import torch

    env = _env(tmp_path, hub["url"])
    proc = _backend(env, "models", "pull", "detoxify-original", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    ckpt = tmp_path / "torch" / "hub" / "checkpoints" / "toxic_original-c1212f89.ckpt"
    assert result["files"][0]["path"] == str(ckpt) and ckpt.is_file()
    assert ckpt.read_bytes() == hub["tiny"]["checkpoint"].read_bytes()
    assert result["backend"] == "Detoxify (original)"
    assert any("weights_only=True" in c for c in result["checks"])
    assert any("no release hash" in c for c in result["checks"])  # a mirror, said so
    # Only the base model's config and tokenizer came down, never its weights.
    fetched = [path for method, path in hub["server"].requests if method == "GET"]
    assert any(p.endswith("/config.json") for p in fetched)
    assert not any(p.endswith("model.safetensors") and "bert-base" in p for p in fetched)

    # The guardrail, now offline, loads the pulled files and scores with them.
    offline = _env(tmp_path, hub["url"], STEWARD_OFFLINE="1", HF_HUB_OFFLINE="1")
    text = "you are a stupid idiot"
    proc = _backend(offline, "guard", "--text", text, "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    tox = json.loads(proc.stdout)["checks"]["toxicity"]
    assert tox["backend"] == "Detoxify (original)"
    model, tokenizer = hub["tiny"]["model"], hub["tiny"]["tokenizer"]
    with torch.inference_mode():
        expected = torch.sigmoid(model(**tokenizer([text], return_tensors="pt")).logits)[0, 0]
    assert tox["score"] == pytest.approx(float(expected), abs=1e-4)

    proc = _backend(offline, "models", "list", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    listing = json.loads(proc.stdout)
    original = next(r for r in listing["detoxify"] if r["variant"] == "original")
    assert original["present"] and original["base_model_dir"]
    (toxicity,) = [r for r in listing["scanners"] if r["scanner"] == "toxicity"]
    assert toxicity["backend"] == "Detoxify (original)" and not toxicity["fallback"]


@pytest.mark.slow
def test_pull_a_guard_classifier_then_list_it(hub, tmp_path):
    env = _env(tmp_path, hub["url"])
    proc = _backend(env, "models", "pull", "acme/tiny-guard")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "acme/tiny-guard: ready" in proc.stdout
    assert "positive_labels: [INJECTION]" in proc.stdout
    fetched = [path for method, path in hub["server"].requests if method == "GET"]
    assert any(
        p.endswith(
            "acme/tiny-guard/resolve/" + HubServer.commit("acme/tiny-guard") + "/model.safetensors"
        )
        for p in fetched
    )
    assert not any(p.endswith("pytorch_model.bin") for p in fetched)  # never a pickle

    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "input: [injection, classifier]\n"
        "scanners: {classifier: {model: acme/tiny-guard, positive_labels: [INJECTION]}}\n",
        encoding="utf-8",
    )
    offline = _env(tmp_path, hub["url"], STEWARD_OFFLINE="1", HF_HUB_OFFLINE="1")
    proc = _backend(offline, "models", "list", "--policy", str(policy), "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    listing = json.loads(proc.stdout)
    (cached,) = [m for m in listing["hf_models"] if m["repo_id"] == "acme/tiny-guard"]
    assert cached["text_classification"] and cached["labels"] == ["BENIGN", "INJECTION"]
    (clf,) = [r for r in listing["scanners"] if r["scanner"] == "classifier"]
    assert clf["in_rails"] and not clf["fallback"]
    assert clf["backend"] == "acme/tiny-guard (Hugging Face classifier)"


def _one_line_error(proc: subprocess.CompletedProcess, starts: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()  # progress lines may come before the error
    errors = [line for line in lines if line.startswith("error:")]
    assert errors == lines[-1:] and errors[0].startswith(f"error: {starts}"), lines
    assert "Traceback" not in proc.stderr


def test_pull_refuses_offline_in_one_line(hub, tmp_path):
    _one_line_error(
        _backend(
            _env(tmp_path, hub["url"], STEWARD_OFFLINE="1"), "models", "pull", "detoxify-original"
        ),
        "offline: STEWARD_OFFLINE is on",
    )
    _one_line_error(
        _backend(
            _env(tmp_path, hub["url"], HF_HUB_OFFLINE="1"), "models", "pull", "acme/tiny-guard"
        ),
        "offline: HF_HUB_OFFLINE is set",
    )
    with socket.socket() as sock:  # a port nobody listens on: connection refused at once
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    _one_line_error(
        _backend(_env(tmp_path, closed), "models", "pull", "detoxify-original"),
        f"offline: cannot reach 127.0.0.1:{closed.rsplit(':', 1)[1]}",
    )
    assert not (
        tmp_path / "torch" / "hub" / "checkpoints" / "toxic_original-c1212f89.ckpt"
    ).exists()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("acme/tiny-lm", "acme/tiny-lm is a BertForMaskedLM, not a text-classification model"),
        ("acme/pickle-only", "acme/pickle-only has no *.safetensors weights"),
        ("acme/custom-code", "acme/custom-code needs its own Python code"),
        ("acme/gated-guard", "acme/gated-guard is gated"),
        ("acme/missing", "no model 'acme/missing'"),
        ("detoxify-unbiased", "the downloaded file was not installed"),
    ],
)
def test_pull_refuses_what_it_must_not_install(hub, tmp_path, name, message):
    _one_line_error(_backend(_env(tmp_path, hub["url"]), "models", "pull", name), message)
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    assert not checkpoints.exists() or not any(checkpoints.iterdir())


def test_list_says_which_backend_each_scanner_uses_and_why(monkeypatch, tmp_path):
    from backend.detectors.toxicity import clear_cache
    from backend.model_hub import inventory

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty-torch"))
    monkeypatch.delenv("STEWARD_DETOXIFY_CHECKPOINT", raising=False)
    clear_cache()
    try:
        data = inventory()
    finally:
        clear_cache()
    assert data["offline"] is True
    assert [r["present"] for r in data["detoxify"]] == [False, False, False]
    rows = {r["scanner"]: r for r in data["scanners"]}
    tox = rows["toxicity"]
    assert tox["fallback"] and "alt-profanity-check" in tox["backend"]
    assert "toxic_original-c1212f89.ckpt" in tox["why"]
    assert "models pull detoxify-original" in tox["why"]
    assert rows["classifier"]["backend"] == "not configured"
    assert {"injection", "harm", "pii"} <= set(rows)
    assert "all-MiniLM-L6-v2" in rows["embeddings (injection, harm, topics)"]["backend"]


def test_a_host_that_never_answers_is_given_up_on(monkeypatch):
    # A hanging DNS lookup or connect (socket timeouts do not cover name resolution) must not
    # hold `models pull` for minutes: the attempt is bounded from outside.
    import threading

    from backend import model_hub

    release = threading.Event()

    def hang(*args, **kwargs):
        release.wait(30)
        raise OSError("released")

    monkeypatch.setattr(model_hub.socket, "create_connection", hang)
    try:
        why = model_hub._reach("https://models.example.org/x", 0.2)
    finally:
        release.set()
    assert why == "cannot reach models.example.org:443 (no answer within 0.2 s)"
    assert (
        model_hub._reach("ftp://example.org/x", 0.2) == "ftp://example.org/x is not an http(s) URL"
    )
