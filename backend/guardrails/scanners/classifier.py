"""Any Hugging Face text-classification model as a scanner (Prompt Guard, Llama Guard-style...).

Loaded from a local directory or the Hugging Face cache only (``local_files_only=True``;
``trust_remote_code`` is never enabled). The score is the probability mass on the labels
you call unsafe (``positive_labels``), e.g. ``[INJECTION, JAILBREAK]`` for Prompt Guard.
When the model is not available the scanner still exists but reports itself unavailable
(score 0, not flagged, with the reason), so a policy naming it keeps working offline.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from backend.guardrails.base import DEFAULT_MAX_CHARS, ScanResult, Span, Timer, bounded, flag

_MODELS: dict[str, tuple] = {}
_MODELS_LOCK = threading.Lock()


def _load(model: str):
    with _MODELS_LOCK:
        if model not in _MODELS:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            tok = AutoTokenizer.from_pretrained(model, local_files_only=True)
            clf = AutoModelForSequenceClassification.from_pretrained(
                model, local_files_only=True
            ).eval()
            _MODELS[model] = (tok, clf, threading.Lock())
        return _MODELS[model]


class ClassifierScanner:
    """A local sequence-classification model, scored on its unsafe labels.

    Parameters
    ----------
    model
        Local path or cached Hugging Face id.
    positive_labels
        Label names (case-insensitive) whose probabilities add up to the score. Default:
        every label except the first (``LABEL_0`` / ``BENIGN`` / ``SAFE`` conventions).
    name
        Scanner name in results (several classifiers can run side by side).
    """

    def __init__(
        self,
        model: str,
        *,
        threshold: float = 0.5,
        positive_labels: Sequence[str] | None = None,
        name: str = "classifier",
        max_chars: int = DEFAULT_MAX_CHARS,
        max_tokens: int = 512,
        batch_size: int = 16,
    ) -> None:
        self.model = model
        self.threshold = float(threshold)
        self.positive_labels = [p.lower() for p in positive_labels] if positive_labels else None
        self.name = name
        self.max_chars = max_chars
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.unavailable_reason: str | None = None
        self._loaded = None

    def _ensure(self):
        if self._loaded is None and self.unavailable_reason is None:
            try:
                self._loaded = _load(self.model)
            except (OSError, ValueError, KeyError) as exc:
                self.unavailable_reason = (
                    f"model '{self.model}' is not available offline "
                    f"({type(exc).__name__}: {str(exc).splitlines()[0][:160]})"
                )
        return self._loaded

    @property
    def backend(self) -> str:
        if self._ensure() is None:
            return f"unavailable: {self.model}"
        return f"{self.model} (Hugging Face classifier)"

    def _positive_indices(self, clf) -> list[int]:
        id2label = {int(k): str(v) for k, v in clf.config.id2label.items()}
        if self.positive_labels is None:
            return [i for i in sorted(id2label) if i != 0]
        idx = [i for i, lab in id2label.items() if lab.lower() in self.positive_labels]
        if not idx:
            from backend.errors import ConfigError

            raise ConfigError(
                f"none of the positive labels {self.positive_labels} is a label of "
                f"{self.model} (labels: {', '.join(id2label.values())})"
            )
        return idx

    def warm_up(self) -> None:
        self.scan("warm-up")

    def scan(self, text: str) -> ScanResult:
        return self.scan_batch([text])[0]

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        with Timer() as timer:
            loaded = self._ensure()
            if loaded is None:
                results = [
                    ScanResult(
                        self.name,
                        0.0,
                        False,
                        self.threshold,
                        backend=self.backend,
                        notes=[f"not run: {self.unavailable_reason}"],
                        details={"unavailable": True},
                    )
                    for _ in texts
                ]
            else:
                results = self._score(loaded, texts)
        share = timer.ms / max(1, len(texts))
        for r in results:
            r.latency_ms = share
        return results

    def _score(self, loaded, texts: Sequence[str]) -> list[ScanResult]:
        import torch

        tok, clf, lock = loaded
        positive = self._positive_indices(clf)
        bodies, notes = zip(*(bounded(t or "", self.max_chars) for t in texts), strict=True)
        probs = np.zeros((len(texts), clf.config.num_labels), dtype=np.float32)
        with lock, torch.inference_mode():
            for start in range(0, len(bodies), self.batch_size):
                batch = [b or " " for b in bodies[start : start + self.batch_size]]
                enc = tok(
                    batch,
                    return_tensors="pt",
                    truncation=True,
                    padding=True,
                    max_length=self.max_tokens,
                )
                logits = clf(**enc).logits.float()
                probs[start : start + len(batch)] = torch.softmax(logits, dim=-1).numpy()
        id2label = {int(k): str(v) for k, v in clf.config.id2label.items()}
        results = []
        for i, body in enumerate(bodies):
            score = float(probs[i, positive].sum())
            top = int(probs[i].argmax())
            flagged = flag(score, self.threshold)
            results.append(
                ScanResult(
                    self.name,
                    score,
                    flagged,
                    self.threshold,
                    spans=[Span(id2label.get(top, str(top)), 0, len(body), score)]
                    if flagged
                    else [],
                    backend=self.backend,
                    details={
                        "probabilities": {
                            id2label.get(j, str(j)): float(p) for j, p in enumerate(probs[i])
                        }
                    },
                    notes=list(notes[i]),
                )
            )
        return results
