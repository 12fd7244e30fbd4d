"""Models when online, and which model each scanner uses: ``python -m backend models``.

``pull`` downloads into the caches the scanners already read, and nowhere else:

* a **Detoxify** checkpoint (``detoxify-original``, ``detoxify-unbiased``,
  ``detoxify-multilingual``) into ``$TORCH_HOME/hub/checkpoints/`` (where ``Detoxify()`` caches
  it), plus its base model's config and tokenizer (``bert-base-uncased``, ``roberta-base`` or
  ``xlm-roberta-base``) into the Hugging Face cache. The checkpoint holds every weight, so the
  base model's own weights (440 MB to 1.1 GB) are not downloaded;
* a Hugging Face **text-classification guard model** (Prompt Guard and the like) into the
  Hugging Face cache: configs, tokenizer and ``*.safetensors`` weights only; never pickled
  weights, and never a model that needs its own code (``trust_remote_code`` stays off).

Every download is checked before it lands: a Detoxify checkpoint must load with
``torch.load(weights_only=True)`` and have Detoxify's layout (and, from the official release
URL, match the hash in its file name); a guard model must load as a sequence classifier.
Then the model is loaded from the cache the way the scanner will load it.

``pull`` refuses in one line when the machine is offline: ``STEWARD_OFFLINE`` on (the
default), ``HF_HUB_OFFLINE`` set, or the host not answering within
``STEWARD_DOWNLOAD_TIMEOUT`` seconds (default 10): no minutes of retries.

Hosts come from the environment, so a mirror (or a test's loopback server) can stand in:
``STEWARD_DETOXIFY_URL`` (default: Detoxify's GitHub releases) and ``HF_ENDPOINT``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from backend.errors import StewardError
from backend.models import hf_offline

DEFAULT_DETOXIFY_URL = "https://github.com/unitaryai/detoxify/releases/download"
DEFAULT_HF_ENDPOINT = "https://huggingface.co"
#: Release tag of each Detoxify checkpoint (the file names are in ``DETOXIFY_FILES``).
DETOXIFY_RELEASES = {
    "original": "v0.1-alpha",
    "unbiased": "v0.3-alpha",
    "multilingual": "v0.4-alpha",
}
#: Base model each released checkpoint names in its config.
DETOXIFY_BASE_MODELS = {
    "original": "bert-base-uncased",
    "unbiased": "roberta-base",
    "multilingual": "xlm-roberta-base",
}
#: What Detoxify needs of its base model: config and tokenizer (the checkpoint has the weights).
BASE_MODEL_FILES = [
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "sentencepiece.bpe.model",
]
#: What a guard classifier needs: configs, tokenizer files, safetensors weights. No pickles.
CLASSIFIER_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "tokenizer*"]
PULL_NAMES = tuple(f"detoxify-{v}" for v in DETOXIFY_RELEASES)
_HF_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}(/[A-Za-z0-9][\w.-]{0,95})?$")
_FILE_HASH = re.compile(r"-([a-f0-9]{6,})\.")


def detoxify_url() -> str:
    return (os.environ.get("STEWARD_DETOXIFY_URL") or DEFAULT_DETOXIFY_URL).rstrip("/")


def hf_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_HF_ENDPOINT).rstrip("/")


def download_timeout() -> float:
    raw = os.environ.get("STEWARD_DOWNLOAD_TIMEOUT", "10")
    try:
        value = float(raw)
    except ValueError:
        raise StewardError(
            f"STEWARD_DOWNLOAD_TIMEOUT must be a number of seconds (got {raw!r})"
        ) from None
    if not 0 < value <= 600:
        raise StewardError(f"STEWARD_DOWNLOAD_TIMEOUT must be between 0 and 600 (got {raw!r})")
    return value


# --------------------------------------------------------------------------------------
# Online or not
# --------------------------------------------------------------------------------------


def _reach(url: str, timeout: float) -> str | None:
    """``None`` when a TCP connection to the URL's host opens within ``timeout``, else why not."""
    parsed = urlparse(url)
    host = parsed.hostname
    if parsed.scheme not in ("http", "https") or not host:
        return f"{url} is not an http(s) URL"
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    outcome: list[str | None] = []

    def connect() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(None)
        except OSError as exc:
            outcome.append(exc.strerror or type(exc).__name__)

    # Name resolution ignores socket timeouts: bound the whole attempt from outside.
    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout + 0.5)
    if not outcome:
        return f"cannot reach {host}:{port} (no answer within {timeout:g} s)"
    if outcome[0] is not None:
        return f"cannot reach {host}:{port} ({outcome[0]})"
    return None


def refuse_if_offline(urls: list[str]) -> None:
    """Raise :class:`StewardError` (one line) unless downloads are allowed and hosts answer."""
    from backend.config import get_settings

    if get_settings().offline:
        raise StewardError(
            "offline: STEWARD_OFFLINE is on (the default), so Steward downloads nothing; "
            "run with STEWARD_OFFLINE=0 on a machine that can reach the model hosts"
        )
    if hf_offline():
        raise StewardError("offline: HF_HUB_OFFLINE is set; unset it to download models")
    timeout = download_timeout()
    for url in dict.fromkeys(urls):
        why = _reach(url, timeout)
        if why:
            raise StewardError(
                f"offline: {why}; nothing was downloaded (set STEWARD_DETOXIFY_URL or "
                "HF_ENDPOINT to a mirror this machine can reach)"
            )


# --------------------------------------------------------------------------------------
# Pull
# --------------------------------------------------------------------------------------


@dataclass
class PullResult:
    """What ``models pull`` fetched and checked."""

    name: str
    kind: str  # "detoxify" | "classifier"
    files: list[dict] = field(default_factory=list)  # {"path", "bytes", "sha256"?, "downloaded"}
    backend: str = ""
    checks: list[str] = field(default_factory=list)
    use: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def parse_pull_name(name: str) -> tuple[str, str]:
    """``("detoxify", variant)`` or ``("classifier", hf_id)``; a clear error otherwise."""
    name = (name or "").strip()
    if name in PULL_NAMES:
        return "detoxify", name.split("-", 1)[1]
    if name.startswith("detoxify-") or not _HF_ID.fullmatch(name) or ".." in name:
        raise StewardError(
            f"unknown model '{name[:80]}': use {', '.join(PULL_NAMES)} or a Hugging Face id "
            "such as meta-llama/Prompt-Guard-86M"
        )
    return "classifier", name


def pull(name: str, *, force: bool = False, progress: Progress = _quiet) -> PullResult:
    """Download ``name`` (see :func:`parse_pull_name`) into the scanners' caches and check it."""
    kind, target = parse_pull_name(name)
    if kind == "detoxify":
        return pull_detoxify(target, force=force, progress=progress)
    return pull_classifier(target, progress=progress)


def _download(url: str, dest: Path, *, progress: Progress) -> tuple[int, str]:
    """Stream ``url`` to ``dest`` (a temporary name); returns (bytes, sha256 hex)."""
    timeout = download_timeout()
    digest = hashlib.sha256()
    size = 0
    request = urllib.request.Request(url, headers={"User-Agent": "steward-model-hub"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, dest.open("wb") as fh:
            total = int(response.headers.get("Content-Length") or 0)
            next_report, started = 0.1, time.monotonic()
            while chunk := response.read(1 << 20):
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if total > 20_000_000 and size / total >= next_report:
                    progress(
                        f"  {size / 1e6:,.0f} of {total / 1e6:,.0f} MB "
                        f"({size / total:.0%}, {time.monotonic() - started:.0f} s)"
                    )
                    next_report += 0.1
    except urllib.error.HTTPError as exc:
        dest.unlink(missing_ok=True)
        raise StewardError(f"download failed: {url} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        dest.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise StewardError(f"download failed: {url}: {reason}") from None
    return size, digest.hexdigest()


def pull_detoxify(variant: str, *, force: bool = False, progress: Progress = _quiet) -> PullResult:
    """Detoxify checkpoint into ``$TORCH_HOME/hub/checkpoints``, base config + tokenizer into HF."""
    from backend.detectors.toxicity import (
        DETOXIFY_FILES,
        DetoxifyUnavailable,
        _read_checkpoint,
        load_detoxify,
        torch_hub_checkpoint_dir,
    )

    file_name = DETOXIFY_FILES[variant]
    url = f"{detoxify_url()}/{DETOXIFY_RELEASES[variant]}/{file_name}"
    refuse_if_offline([url, hf_endpoint()])
    result = PullResult(name=f"detoxify-{variant}", kind="detoxify")
    target_dir = torch_hub_checkpoint_dir()
    target = target_dir / file_name
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StewardError(f"cannot create {target_dir}: {exc.strerror or exc}") from None
    if target.is_file() and not force:
        progress(f"checkpoint already in {target} (pass --force to download it again)")
        result.files.append(
            {"path": str(target), "bytes": target.stat().st_size, "downloaded": False}
        )
    else:
        progress(f"downloading {url}")
        part = target_dir / f".{file_name}.{os.getpid()}.part"
        size, sha256 = _download(url, part, progress=progress)
        try:
            expected = _FILE_HASH.search(file_name)
            if detoxify_url() == DEFAULT_DETOXIFY_URL and expected:
                if not sha256.startswith(expected.group(1)):
                    raise StewardError(
                        f"{url} does not match its release hash ({expected.group(1)}…, got "
                        f"{sha256[:12]}…); nothing was installed"
                    )
                result.checks.append(f"sha256 {sha256[:12]}… matches the release hash")
            else:
                result.checks.append(
                    f"sha256 {sha256[:12]}… (mirror {detoxify_url()}: no release hash to compare)"
                )
            try:
                _read_checkpoint(part)  # weights_only=True and Detoxify's layout, or refused
            except DetoxifyUnavailable as exc:
                raise StewardError(f"the downloaded file was not installed: {exc}") from None
            result.checks.append("loads with torch.load(weights_only=True), Detoxify layout")
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        result.files.append(
            {"path": str(target), "bytes": size, "sha256": sha256, "downloaded": True}
        )
    ckpt = _read_checkpoint(target)
    try:
        base = str(ckpt["config"]["arch"]["args"]["model_type"])
    except (KeyError, TypeError):
        base = DETOXIFY_BASE_MODELS[variant]
    progress(f"base model {base}: config and tokenizer into the Hugging Face cache")
    base_dir = _snapshot(base, BASE_MODEL_FILES)
    result.files.append(
        {"path": str(base_dir), "bytes": _folder_bytes(base_dir), "downloaded": True}
    )
    try:
        scorer = load_detoxify(variant)
    except DetoxifyUnavailable as exc:
        raise StewardError(f"downloaded, but Detoxify does not load: {exc}") from None
    probe = float(scorer.score(["You are a stupid idiot."])[0])
    result.backend = scorer.backend_name
    result.checks.append(
        f"loaded from the caches as the toxicity scanner loads it: {scorer.backend_name} "
        f"(probe 'You are a stupid idiot.' scores {probe:.2f})"
    )
    result.use = (
        f"the toxicity scanner uses it now (policy scanners.toxicity.variant: {variant}); "
        "restart a running dashboard to pick it up"
    )
    return result


def _snapshot(repo_id: str, patterns: list[str]) -> Path:
    """``snapshot_download`` with one-line errors (gated, missing, network)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id=repo_id, allow_patterns=patterns))
    except Exception as exc:  # noqa: BLE001 - mapped to one line below
        raise _hub_error(repo_id, exc) from None


def _hub_error(repo_id: str, exc: Exception) -> StewardError:
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )

    if isinstance(exc, GatedRepoError):
        return StewardError(
            f"{repo_id} is gated: accept its licence at {hf_endpoint()}/{repo_id} and set HF_TOKEN"
        )
    if isinstance(exc, RepositoryNotFoundError):
        return StewardError(
            f"no model '{repo_id}' on {hf_endpoint()} (if it is private, set HF_TOKEN)"
        )
    if isinstance(exc, LocalEntryNotFoundError):
        return StewardError(f"download of {repo_id} failed: {hf_endpoint()} did not answer")
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return StewardError(f"download of {repo_id} failed: {first}")


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pull_classifier(repo_id: str, *, progress: Progress = _quiet) -> PullResult:
    """A Hugging Face sequence-classification model (safetensors only) into the HF cache."""
    refuse_if_offline([hf_endpoint()])
    from huggingface_hub import HfApi, hf_hub_download

    try:
        files = HfApi().list_repo_files(repo_id)
        config_path = hf_hub_download(repo_id, "config.json") if "config.json" in files else None
    except Exception as exc:  # noqa: BLE001 - mapped to one line
        raise _hub_error(repo_id, exc) from None
    if config_path is None:
        raise StewardError(f"{repo_id} has no config.json: not a transformers model")
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    archs = [str(a) for a in config.get("architectures") or []]
    if config.get("auto_map"):
        raise StewardError(
            f"{repo_id} needs its own Python code (auto_map); Steward never enables "
            "trust_remote_code, so it cannot be used"
        )
    if not any(a.endswith("ForSequenceClassification") for a in archs):
        what = ", ".join(archs) or str(config.get("model_type") or "unknown architecture")
        raise StewardError(
            f"{repo_id} is a {what}, not a text-classification model: the classifier scanner "
            "needs a *ForSequenceClassification model (Prompt Guard is one; generative guards "
            "such as Llama Guard 3 are not)"
        )
    if not any(f.endswith(".safetensors") for f in files):
        raise StewardError(
            f"{repo_id} has no *.safetensors weights (only pickled files); Steward does not "
            "load pickled weights"
        )
    progress(f"downloading {repo_id} (configs, tokenizer, safetensors weights)")
    path = _snapshot(repo_id, CLASSIFIER_FILES)
    result = PullResult(name=repo_id, kind="classifier")
    result.files.append({"path": str(path), "bytes": _folder_bytes(path), "downloaded": True})
    from backend.guardrails.scanners.classifier import ClassifierScanner

    scanner = ClassifierScanner(repo_id)
    if scanner.backend.startswith("unavailable"):  # loads it as the scanner will
        raise StewardError(f"downloaded, but it does not load: {scanner.unavailable_reason}")
    id2label = config.get("id2label") or {}
    labels = [str(id2label[k]) for k in sorted(id2label, key=int)] or ["LABEL_0", "LABEL_1"]
    result.backend = scanner.backend
    result.checks.append(
        f"loads as a sequence classifier from the cache (labels: {', '.join(labels)})"
    )
    unsafe = labels[1:] if len(labels) > 1 else labels
    result.use = (
        "add to your policy: input: [..., classifier] and scanners: {classifier: "
        f"{{model: {repo_id}, positive_labels: [{', '.join(unsafe)}], threshold: 0.5}}}}"
    )
    return result


# --------------------------------------------------------------------------------------
# List
# --------------------------------------------------------------------------------------


def detoxify_files() -> list[dict]:
    """Each Detoxify variant: is its checkpoint cached, and its base model's config + tokenizer?"""
    from backend.detectors.toxicity import (
        DETOXIFY_FILES,
        DetoxifyUnavailable,
        _resolve_base_model_dir,
        torch_hub_checkpoint_dir,
    )

    rows = []
    for variant, file_name in DETOXIFY_FILES.items():
        path = torch_hub_checkpoint_dir() / file_name
        base = DETOXIFY_BASE_MODELS[variant]
        try:
            base_dir: str | None = str(_resolve_base_model_dir(base, None))
        except DetoxifyUnavailable:
            base_dir = None
        rows.append(
            {
                "variant": variant,
                "checkpoint": str(path),
                "present": path.is_file(),
                "bytes": path.stat().st_size if path.is_file() else 0,
                "base_model": base,
                "base_model_dir": base_dir,
            }
        )
    return rows


def hf_cache_models() -> list[dict]:
    """Models in the Hugging Face cache with their architecture and labels (from config.json)."""
    from huggingface_hub import scan_cache_dir

    try:
        info = scan_cache_dir()
    except Exception:  # noqa: BLE001 - no cache folder yet: nothing cached
        return []
    rows = []
    for repo in sorted(info.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model" or not repo.revisions:
            continue
        revision = max(repo.revisions, key=lambda r: r.last_modified)
        config_file = Path(revision.snapshot_path) / "config.json"
        archs: list[str] = []
        labels: list[str] = []
        if config_file.is_file():
            try:
                config = json.loads(config_file.read_text(encoding="utf-8"))
                archs = [str(a) for a in config.get("architectures") or []]
                id2label = config.get("id2label") or {}
                labels = [str(id2label[k]) for k in sorted(id2label, key=lambda k: int(k))]
            except (OSError, ValueError, TypeError):
                pass
        files = {f.file_name for f in revision.files}
        rows.append(
            {
                "repo_id": repo.repo_id,
                "path": str(revision.snapshot_path),
                "bytes": int(repo.size_on_disk),
                "architectures": archs,
                "text_classification": any(a.endswith("ForSequenceClassification") for a in archs)
                and any(f.endswith(".safetensors") for f in files),
                "labels": labels,
            }
        )
    return rows


def scanner_backends(policy=None) -> list[dict]:
    """Which model each model-backed scanner of ``policy`` uses, and why (loads them for real)."""
    from backend.guardrails.policy import default_policy

    policy = policy or default_policy()
    rails = set(policy.input) | set(policy.output)
    rows = []

    tox = policy.scanners.get("toxicity")
    if tox is not None:
        from backend.detectors.toxicity import load_toxicity_scorer

        scorer = load_toxicity_scorer(
            tox.variant, checkpoint=tox.checkpoint, base_model_dir=tox.base_model_dir
        )
        why = None
        if scorer.is_fallback:
            why = (
                f"fallback: alt-profanity-check because {_lower_first(scorer.fallback_reason)}; "
                f"get Detoxify with: STEWARD_OFFLINE=0 python -m backend models pull "
                f"detoxify-{tox.variant}"
            )
        rows.append(
            {
                "scanner": "toxicity",
                "in_rails": "toxicity" in rails,
                "backend": scorer.backend_name,
                "fallback": bool(scorer.is_fallback),
                "why": why or f"Detoxify checkpoint found ({getattr(scorer, 'source', '')})",
            }
        )

    clf = policy.scanners.get("classifier")
    candidates = [m["repo_id"] for m in hf_cache_models() if m["text_classification"]]
    if clf is None:
        rows.append(
            {
                "scanner": "classifier",
                "in_rails": False,
                "backend": "not configured",
                "fallback": False,
                "why": (
                    "the policy names no guard model (scanners.classifier.model); cached "
                    f"text classifiers: {', '.join(candidates) or 'none'}; get one with: "
                    "STEWARD_OFFLINE=0 python -m backend models pull <hugging face id>"
                ),
            }
        )
    else:
        from backend.guardrails.scanners.classifier import ClassifierScanner

        scanner = ClassifierScanner(clf.model, positive_labels=clf.positive_labels)
        unavailable = scanner.backend.startswith("unavailable")  # loads it, or says why not
        rows.append(
            {
                "scanner": "classifier",
                "in_rails": "classifier" in rails,
                "backend": scanner.backend,
                "fallback": unavailable,
                "why": (
                    f"not run: {scanner.unavailable_reason}; get it with: STEWARD_OFFLINE=0 "
                    f"python -m backend models pull {clf.model}"
                    if unavailable
                    else f"{clf.model} found locally"
                ),
            }
        )

    # Every other scanner of the policy, as the pipeline builds it (future ones included).
    from backend.guardrails.pipeline import get_guard

    guard = get_guard(policy)
    for name, scanner in guard.scanners.items():
        if name in ("toxicity", "classifier"):
            continue
        rows.append(
            {
                "scanner": name,
                "in_rails": True,
                "backend": scanner.backend,
                "fallback": False,
                "why": "no model to download" if name == "pii" else "bundled with Steward",
            }
        )

    users = [n for n in ("injection", "harm", "topics") if n in policy.scanners]
    if users:
        from backend.models import get_encoder

        emb = policy.embeddings
        encoder = get_encoder(max_tokens=emb.max_tokens, quantize=emb.quantize, runtime=emb.runtime)
        rows.append(
            {
                "scanner": f"embeddings ({', '.join(users)})",
                "in_rails": any(n in rails for n in users),
                "backend": encoder.label,
                "fallback": encoder.fallback_reason is not None,
                "why": encoder.fallback_reason
                or f"embeddings.runtime {emb.runtime}: {encoder.runtime}",
            }
        )
    return rows


def _lower_first(text: str | None) -> str:
    return (text or "no reason given").removeprefix("Detoxify not used: ")


def inventory(policy=None) -> dict:
    """Everything ``models list`` shows, as plain data."""
    from backend.config import get_settings
    from backend.detectors.toxicity import torch_hub_checkpoint_dir

    try:
        from huggingface_hub import constants

        hf_cache = str(constants.HF_HUB_CACHE)
    except ImportError:  # pragma: no cover - huggingface_hub ships with transformers
        hf_cache = ""
    return {
        "offline": get_settings().offline,
        "torch_hub_checkpoints": str(torch_hub_checkpoint_dir()),
        "hf_cache": hf_cache,
        "detoxify": detoxify_files(),
        "hf_models": hf_cache_models(),
        "scanners": scanner_backends(policy),
    }


__all__ = [
    "DEFAULT_DETOXIFY_URL",
    "PULL_NAMES",
    "PullResult",
    "inventory",
    "parse_pull_name",
    "pull",
    "pull_classifier",
    "pull_detoxify",
    "refuse_if_offline",
]
