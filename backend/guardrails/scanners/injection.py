"""Prompt injection and jailbreak scanner: normalise, match patterns, compare with exemplars.

Three signals, combined as independent evidence (``1 - prod(1 - p_i)``):

1. **Patterns** on every normalised view of the text (see :mod:`backend.guardrails.normalize`):
   instruction overrides, system-prompt exfiltration, jailbreak personas, fake role or
   delimiter tokens. Each needs the *object* of the attack ("ignore ... instructions",
   not just "ignore"), so "please ignore my typos" does not match.
2. **Obfuscation**: hidden characters, look-alike letters mixed into Latin words, Unicode
   tag characters and encoded payloads are suspicious on their own.
3. **Embedding signal** (all-MiniLM-L6-v2), one of:

   * ``trained`` (when a ``jailbreak_head`` is given): the jailbreak head
     (:mod:`backend.guardrails.jailbreak_head`) reads the whole prompt (mean and maximum of
     its window embeddings plus structural markers: personas, overrides, "never refuse",
     dual answers...), trained on public jailbreak sets and benign role-play, instruction
     and system prompts, rescaled so its validated threshold sits at 0.5. The window that
     pushes hardest towards "jailbreak" is highlighted. (A harm head's sentence-level
     jailbreak probability is still accepted, for heads trained before.)
   * exemplars: closeness to attack exemplars minus closeness to benign look-alikes,
     squashed by a logistic.

   Either catches paraphrases no pattern lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from backend.guardrails.base import (
    DEFAULT_MAX_CHARS,
    EMBED_MAX_WINDOWS,
    EMBED_WINDOW_CHARS,
    ScanResult,
    Span,
    Timer,
    bounded,
    flag,
    sentence_windows,
)
from backend.guardrails.exemplars import BENIGN_EXEMPLARS, INJECTION_EXEMPLARS
from backend.guardrails.normalize import Normalized, normalize


@dataclass(frozen=True)
class InjectionPattern:
    label: str
    weight: float
    regex: re.Pattern


def _p(label: str, weight: float, pattern: str) -> InjectionPattern:
    return InjectionPattern(label, weight, re.compile(pattern, re.IGNORECASE))


_PRIOR = r"(?:all\s+|any\s+|the\s+|your\s+|my\s+|of\s+|these\s+|those\s+)*"
_BEFORE = r"(?:previous|prior|above|earlier|preceding|original|initial|old|system|existing|past)"
_RULES = (
    r"(?:instructions?|rules?|directions?|directives?|guidelines?|prompts?|commands?|"
    r"constraints?|programming|policies|policy|restrictions?|filters?|safeguards?|training)"
)

PATTERNS: tuple[InjectionPattern, ...] = (
    _p(
        "instruction override",
        0.9,
        rf"\b(?:ignore|disregard|forget|skip|bypass|override|overrule|drop|abandon|neglect)\b"
        rf"\s+{_PRIOR}(?:{_BEFORE}\s+)?(?:\w+\s+)?{_RULES}\b",
    ),
    _p(
        "instruction override",
        0.85,
        r"\b(?:do\s+not|don't|stop)\s+(?:follow(?:ing)?|obey(?:ing)?)\s+"
        rf"{_PRIOR}(?:{_BEFORE}\s+)?{_RULES}",
    ),
    _p(
        "instruction override",
        0.7,
        r"\b(?:new|updated|real|actual|override)\s+(?:system\s+)?(?:instructions?|task|directive)s?\s*:",
    ),
    _p(
        "prompt exfiltration",
        0.85,
        r"\b(?:reveal|print|show|output|repeat|display|leak|dump|tell\s+me|give\s+me|write\s+out|recite)"
        r"\b[^.?!\n]{0,40}?\b(?:system|initial|hidden|secret|original|developer|confidential|"
        r"pre-?prompt|internal)\s+(?:prompt|instructions?|message|rules|configuration|context)",
    ),
    _p(
        "prompt exfiltration",
        0.6,
        r"\bwhat\s+(?:were|are)\s+your\s+(?:initial|original|system|hidden|secret)\s+"
        r"(?:instructions?|prompt|rules)",
    ),
    _p(
        "jailbreak persona",
        0.9,
        r"\b(?:you\s+are\s+(?:now\s+)?|act\s+as\s+|pretend\s+to\s+be\s+|become\s+)"
        r"(?:DAN|STAN|DUDE|AIM|an?\s+(?:unfiltered|uncensored|unrestricted|jailbroken|evil|rogue|"
        r"amoral|unethical)\b)",
    ),
    _p("jailbreak persona", 0.85, r"\bdo\s+anything\s+now\b|\bDAN\s+mode\b|\bjailbreak\s+mode\b"),
    _p(
        "jailbreak persona",
        0.8,
        r"\b(?:developer|god|debug|sudo|admin|unrestricted|jailbreak)\s+mode\s+(?:enabled|activated|on)\b",
    ),
    # "enable developer mode" is also how you unlock an Android phone: weak on its own.
    _p(
        "jailbreak persona",
        0.35,
        r"\b(?:enable|activate|enter|switch\s+to)\s+(?:developer|god|debug|sudo|unrestricted)\s+mode\b",
    ),
    _p(
        "instruction override",
        0.85,
        rf"\b{_PRIOR}(?:{_BEFORE}\s+)(?:\w+\s+)?{_RULES}\s+(?:are|is|have\s+been|has\s+been)\s+"
        r"(?:now\s+)?(?:cancell?ed|void|revoked|lifted|suspended|replaced|overridden|no\s+longer\s+valid)",
    ),
    _p(
        "no restrictions",
        0.8,
        r"\b(?:disable|turn\s+off|remove|deactivate|bypass|switch\s+off)\s+(?:all\s+)?(?:of\s+)?(?:your\s+)?"
        r"(?:safety\s+|content\s+)?(?:filters?|guardrails?|safety|restrictions|censorship|moderation)\b",
    ),
    _p(
        "no restrictions",
        0.7,
        r"\b(?:without|with\s+no|free\s+of|no\s+longer\s+(?:have|bound\s+by))\s+(?:any\s+)?"
        r"(?:restrictions|filters|censorship|limitations|guidelines|rules|content\s+polic(?:y|ies)|"
        r"ethical\s+(?:guidelines|constraints))\b",
    ),
    _p(
        "no restrictions",
        0.6,
        r"\b(?:safety|content)\s+(?:filters?|guidelines|policy|policies|training)\s+(?:are|is|have\s+been)\s+"
        r"(?:disabled|off|removed|lifted|suspended)",
    ),
    _p(
        "role or delimiter injection",
        0.75,
        r"<\|?(?:im_start|im_end|system|endoftext|start_header_id)\|?>|\[/?INST\]|<</?SYS>>|"
        r"</?system>|^\s*#{2,}\s*(?:system|instruction)s?\b|^\s*system\s*:\s",
    ),
    _p(
        "exfiltration to a third party",
        0.75,
        r"\b(?:send|forward|post|upload|e-?mail|exfiltrate|leak|copy)\s+(?:all\s+|every\s+|the\s+|"
        r"their\s+|his\s+|her\s+|(?:the\s+)?users?'?s?\s+|this\s+)*(?:\w+\s+)?(?:data|e-?mails|messages|"
        r"conversations?|chat\s+history|history|passwords?|credentials|api\s+keys?|keys|secrets|"
        r"contacts|files|documents|tokens|cookies)\b[^.\n]{0,60}?\b(?:to|at)\s+"
        r"(?:https?://|[\w.+-]+@[\w-]+\.)",
    ),
)

#: Weight of each obfuscation trick found by normalisation (evidence on its own).
TRICK_WEIGHTS = {
    "hidden characters": 0.35,
    "look-alike letters": 0.4,
    "encoded payload (base64)": 0.25,
    "styled letters": 0.1,
}


class InjectionScanner:
    """Prompt-injection and jailbreak scanner (patterns + obfuscation + MiniLM similarity).

    Parameters
    ----------
    threshold
        Flag when the combined score is at least this.
    use_embeddings
        Add the MiniLM similarity signal (set ``False`` for a rules-only scanner).
    encoder
        A :class:`~backend.models.SentenceEncoder`; the shared one by default.
    attack_exemplars, benign_exemplars
        Reference sentences; defaults in :mod:`backend.guardrails.exemplars`.
    """

    name = "injection"

    def __init__(
        self,
        threshold: float = 0.5,
        *,
        use_embeddings: bool = True,
        encoder=None,
        attack_exemplars: Sequence[str] = INJECTION_EXEMPLARS,
        benign_exemplars: Sequence[str] = BENIGN_EXEMPLARS,
        max_chars: int = DEFAULT_MAX_CHARS,
        window_chars: int = EMBED_WINDOW_CHARS,
        max_windows: int = EMBED_MAX_WINDOWS,
        similarity_center: float = 0.5,
        similarity_scale: float = 14.0,
        contrast_scale: float = 10.0,
        jailbreak_head=None,
    ) -> None:
        self.threshold = float(threshold)
        self.jailbreak_head = jailbreak_head
        self.use_embeddings = use_embeddings
        self._encoder = encoder
        self.attack_exemplars = tuple(attack_exemplars)
        self.benign_exemplars = tuple(benign_exemplars)
        self.max_chars = max_chars
        self.window_chars = window_chars
        self.max_windows = max_windows
        self.similarity_center = similarity_center
        self.similarity_scale = similarity_scale
        self.contrast_scale = contrast_scale
        self._attack_vecs: np.ndarray | None = None
        self._benign_vecs: np.ndarray | None = None

    # -- model ---------------------------------------------------------------------
    @property
    def encoder(self):
        if self._encoder is None:
            from backend.models import get_encoder

            self._encoder = get_encoder()
        return self._encoder

    @property
    def backend(self) -> str:
        if not self.use_embeddings:
            return "rules (normalisation + patterns)"
        label = getattr(self._encoder, "label", "all-MiniLM-L6-v2")
        if self.jailbreak_head is not None:
            return f"rules + trained jailbreak head ({label})"
        return f"rules + similarity ({label})"

    def warm_up(self) -> None:
        if self.use_embeddings and self.jailbreak_head is None:
            self._exemplar_vectors()
        self.scan("warm-up")

    def _exemplar_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if self._attack_vecs is None or self._benign_vecs is None:
            self._attack_vecs = self.encoder.encode(list(self.attack_exemplars))
            self._benign_vecs = self.encoder.encode(list(self.benign_exemplars))
        return self._attack_vecs, self._benign_vecs

    # -- scanning ------------------------------------------------------------------
    def scan(self, text: str) -> ScanResult:
        return self.scan_batch([text])[0]

    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        with Timer() as timer:
            prepared = []
            for text in texts:
                body, notes = bounded(text or "", self.max_chars)
                prepared.append((body, notes, normalize(body)))
            similarity = self._similarities([p[2] for p in prepared])
            results = [
                self._result(body, notes, norm, sim)
                for (body, notes, norm), sim in zip(prepared, similarity, strict=True)
            ]
        share = timer.ms / max(1, len(texts))
        for result in results:
            result.latency_ms = share
        return results

    def _similarities(self, normed: list[Normalized]) -> list[dict | None]:
        if not self.use_embeddings:
            return [None] * len(normed)
        # Windows of each text (and of decoded payloads), embedded in one batch.
        owners: list[tuple[int, int, int]] = []
        windows: list[str] = []
        capped: set[int] = set()
        base_rows: list[bool] = []  # a window of the text itself (not of a decoded payload)
        for i, norm in enumerate(normed):
            text = norm.base.text
            if not text.strip():
                continue
            spans = sentence_windows(text, self.window_chars, self.max_windows)
            if len(spans) == self.max_windows and len(text) > self.window_chars * self.max_windows:
                capped.add(i)
            for start, end in spans:
                owners.append((i, *norm.base.original_span(start, end)))
                windows.append(text[start:end])
                base_rows.append(True)
            for view in norm.views:
                if view.kind in ("base64", "unicode tags", "rot13") and view.text.strip():
                    owners.append((i, *view.original_span(0, len(view.text))))
                    windows.append(view.text[: self.window_chars])
                    base_rows.append(False)
        out: list[dict | None] = [None] * len(normed)
        if not windows:
            return out
        vecs = self.encoder.encode(windows)
        if self.jailbreak_head is not None and hasattr(self.jailbreak_head, "window_evidence"):
            return self._whole_prompt(normed, vecs, owners, base_rows, capped, out)
        if self.jailbreak_head is not None:
            return self._trained(vecs, owners, capped, out)
        attack, benign = self._exemplar_vectors()
        s_attack = vecs @ attack.T
        s_benign = vecs @ benign.T
        for row, (i, start, end) in enumerate(owners):
            a = float(s_attack[row].max())
            b = float(s_benign[row].max())
            z = self.similarity_scale * (a - self.similarity_center) + self.contrast_scale * (a - b)
            score = float(1.0 / (1.0 + np.exp(-z)))
            best = out[i]
            if best is None or score > best["score"]:
                out[i] = {
                    "score": score,
                    "attack_similarity": a,
                    "benign_similarity": b,
                    "nearest_attack": self.attack_exemplars[int(s_attack[row].argmax())],
                    "start": start,
                    "end": end,
                }
        for i in capped:
            if out[i] is not None:
                out[i]["truncated"] = True
        return out

    def _whole_prompt(
        self, normed, vecs, owners, base_rows, capped, out: list[dict | None]
    ) -> list[dict | None]:
        """Jailbreak head over each prompt's windows together.

        Decoded payloads are left to the obfuscation evidence: the head was trained on whole
        prompts, and a decoded greeting scored on its own looked like a short jailbreak.
        """
        from backend.guardrails.jailbreak_head import prompt_features
        from backend.guardrails.scanners.harm import rescale

        head = self.jailbreak_head
        rows_of: dict[int, list[int]] = {}
        features, whose = [], []
        for row, (i, _, _) in enumerate(owners):
            if base_rows[row]:
                rows_of.setdefault(i, []).append(row)
        for i, rows in rows_of.items():
            features.append(prompt_features(normed[i].base.text, vecs[rows]))
            whose.append((i, rows))
        if not features:
            return out
        probability = head.predict(np.stack(features))
        scores = rescale(probability, head.threshold)
        for (i, rows), p, score in zip(whose, probability, scores, strict=True):
            best = out[i]
            if best is not None and score <= best["score"]:
                continue
            strongest = rows[int(np.argmax(head.window_evidence(vecs[rows])))]
            _, start, end = owners[strongest]
            out[i] = {
                "score": float(score),
                "jailbreak_probability": float(p),
                "start": start,
                "end": end,
            }
            markers = head.structural_contributions(normed[i].base.text, len(rows))
            top = sorted(markers.items(), key=lambda kv: -kv[1])[:3]
            out[i]["markers"] = {k: round(v, 2) for k, v in top if v > 0}
        for i in capped:
            if out[i] is not None:
                out[i]["truncated"] = True
        return out

    def _trained(self, vecs, owners, capped, out: list[dict | None]) -> list[dict | None]:
        from backend.guardrails.scanners.harm import rescale

        head = self.jailbreak_head
        probability = head.predict(vecs).jailbreak
        scores = rescale(probability, head.jailbreak_threshold)
        for row, (i, start, end) in enumerate(owners):
            best = out[i]
            if best is None or scores[row] > best["score"]:
                out[i] = {
                    "score": float(scores[row]),
                    "jailbreak_probability": float(probability[row]),
                    "start": start,
                    "end": end,
                }
        for i in capped:
            if out[i] is not None:
                out[i]["truncated"] = True
        return out

    def _result(
        self, text: str, notes: list[str], norm: Normalized, sim: dict | None
    ) -> ScanResult:
        spans: list[Span] = []
        evidence: dict[str, float] = {}
        for view in norm.all_views:
            for pattern in PATTERNS:
                for m in pattern.regex.finditer(view.text):
                    start, end = view.original_span(m.start(), m.end())
                    label = (
                        pattern.label
                        if view.kind == "normalized"
                        else f"{pattern.label} ({view.kind})"
                    )
                    spans.append(Span(label, start, end, pattern.weight))
                    evidence[pattern.label] = max(evidence.get(pattern.label, 0.0), pattern.weight)
        for label, start, end in norm.tricks:
            weight = TRICK_WEIGHTS.get(label, 0.2)
            spans.append(Span(label, start, end, weight))
            evidence[label] = max(evidence.get(label, 0.0), weight)
        for view in norm.views:
            if view.kind == "unicode tags":
                evidence["unicode tag smuggling"] = 0.6
        rule_score = 1.0 - float(np.prod([1.0 - w for w in evidence.values()])) if evidence else 0.0
        details: dict = {"rule_score": rule_score, "evidence": evidence}
        score = rule_score
        if sim is not None:
            if "jailbreak_probability" in sim:
                details["trained_score"] = sim["score"]
                details["jailbreak_probability"] = sim["jailbreak_probability"]
                if sim.get("markers"):
                    details["jailbreak_markers"] = sim["markers"]
                label = "trained jailbreak classifier"
            else:
                details["similarity_score"] = sim["score"]
                details["attack_similarity"] = sim["attack_similarity"]
                details["benign_similarity"] = sim["benign_similarity"]
                details["nearest_attack"] = sim["nearest_attack"]
                label = "semantic match to known attacks"
            score = 1.0 - (1.0 - rule_score) * (1.0 - sim["score"])
            if sim["score"] >= 0.5:
                spans.append(Span(label, sim["start"], sim["end"], sim["score"]))
            if sim.get("truncated"):
                notes = [
                    *notes,
                    f"long text: similarity computed on {self.max_windows} groups of sentences "
                    "(a short attack can be diluted); patterns covered the whole text",
                ]
        views = [v.kind for v in norm.views]
        if views:
            details["decoded_views"] = views
        return ScanResult(
            scanner=self.name,
            score=score,
            flagged=flag(score, self.threshold),
            threshold=self.threshold,
            spans=sorted(spans, key=lambda s: (s.start, -s.end)),
            backend=self.backend,
            details=details,
            notes=notes,
        )
