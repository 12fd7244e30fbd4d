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
   * ``combined``: both, the stronger counts; ``by_length``: the exemplars on
     every prompt, and the head too on prompts of several windows only (it is strong on
     long, structured jailbreaks and raises false alarms on short second-person requests),
     at the cut-off stored for that use (:attr:`JailbreakHead.long_threshold`).

   Either catches paraphrases no pattern lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from backend.guardrails.base import (
    EmbeddingWindows,
    ScanResult,
    SentenceWindowScanner,
    Span,
    Timer,
    bounded,
    flag,
    one_blas_thread,
    share_latency,
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


class InjectionScanner(SentenceWindowScanner):
    """Prompt-injection and jailbreak scanner (patterns + obfuscation + MiniLM signal).

    Parameters
    ----------
    threshold
        Flag when the combined score is at least this.
    use_embeddings
        Add the MiniLM signal (set ``False`` for a rules-only scanner).
    encoder
        A :class:`~backend.models.SentenceEncoder`; the shared one by default.
    attack_exemplars, benign_exemplars
        Reference sentences of the exemplar signal; defaults in
        :mod:`backend.guardrails.exemplars`.
    jailbreak_head
        A :class:`~backend.guardrails.jailbreak_head.JailbreakHead`: the trained signal
        instead of the exemplars (with ``use_exemplars=True``, besides them).
    head_min_windows
        The head counts only on prompts with at least this many sentence windows (2 for
        ``signal: by_length``, which also reads the head's ``long_threshold``).
    window_options
        ``max_chars``, ``window_chars``, ``max_windows`` of
        :class:`~backend.guardrails.base.SentenceWindowScanner` (the windows the harm and
        topic scanners embed too, so the shared encoder's cache serves all of them).
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
        similarity_center: float = 0.5,
        similarity_scale: float = 14.0,
        contrast_scale: float = 10.0,
        jailbreak_head=None,
        use_exemplars: bool | None = None,
        head_min_windows: int = 1,
        **window_options: int,
    ) -> None:
        super().__init__(threshold, encoder=encoder, **window_options)
        self.jailbreak_head = jailbreak_head
        self.head_min_windows = max(1, int(head_min_windows))
        #: Exemplar similarity too (the default without a head; with one, "combined").
        self.use_exemplars = jailbreak_head is None if use_exemplars is None else use_exemplars
        if jailbreak_head is None and not self.use_exemplars:
            raise ValueError("the injection scanner needs exemplars or a jailbreak head")
        self.use_embeddings = use_embeddings
        self.attack_exemplars = tuple(attack_exemplars)
        self.benign_exemplars = tuple(benign_exemplars)
        self.similarity_center = similarity_center
        self.similarity_scale = similarity_scale
        self.contrast_scale = contrast_scale
        self._attack_vecs: np.ndarray | None = None
        self._benign_vecs: np.ndarray | None = None

    @property
    def backend(self) -> str:
        if not self.use_embeddings:
            return "rules (normalisation + patterns)"
        label = super().backend
        if self.jailbreak_head is not None and self.head_min_windows > 1:
            return (
                f"rules + similarity + trained jailbreak head on prompts of "
                f"{self.head_min_windows}+ windows ({label})"
            )
        if self.jailbreak_head is not None and self.use_exemplars:
            return f"rules + trained jailbreak head + similarity ({label})"
        if self.jailbreak_head is not None:
            return f"rules + trained jailbreak head ({label})"
        return f"rules + similarity ({label})"

    def warm_up(self) -> None:
        if self.use_embeddings and self.use_exemplars:
            self._exemplar_vectors()
        self.scan("warm-up")

    def _exemplar_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        if self._attack_vecs is None or self._benign_vecs is None:
            self._attack_vecs = self.encoder.encode(list(self.attack_exemplars))
            self._benign_vecs = self.encoder.encode(list(self.benign_exemplars))
        return self._attack_vecs, self._benign_vecs

    # -- scanning ------------------------------------------------------------------
    def scan_batch(self, texts: Sequence[str]) -> list[ScanResult]:
        with Timer() as timer:
            bodies = [bounded(text or "", self.max_chars) for text in texts]
            normed = [normalize(body) for body, _ in bodies]  # cached: shared with windows()
            if self.use_embeddings:
                windows = self.windows(texts)
                signals = self._signals(normed, windows)
                notes = windows.notes
            else:
                signals = [None] * len(texts)
                notes = [n for _, n in bodies]
            results = [
                self._result(body, note, norm, signal)
                for (body, _), note, norm, signal in zip(
                    bodies, notes, normed, signals, strict=True
                )
            ]
        return share_latency(results, timer.ms)

    def _signals(self, normed: list[Normalized], windows: EmbeddingWindows) -> list[dict | None]:
        """The embedding signal of every text: exemplars, the head, or the stronger of both."""
        exemplar: list[dict | None] = [None] * len(normed)
        trained: list[dict | None] = [None] * len(normed)
        # Decoded payloads (base64, rot13, tag characters) are extra windows for the exemplars.
        extra_texts: list[str] = []
        extra_owners: list[tuple[int, int, int]] = []
        if self.use_exemplars:
            for i, norm in enumerate(normed):
                for view in norm.views:
                    if view.kind in ("base64", "unicode tags", "rot13") and view.text.strip():
                        extra_owners.append((i, *view.original_span(0, len(view.text))))
                        extra_texts.append(view.text[: self.window_chars])
        owners = windows.owners + extra_owners
        if not owners:
            return exemplar
        vecs = self.encoder.encode(windows.texts + extra_texts)
        with one_blas_thread():
            if self.use_exemplars:
                self._exemplars(vecs, owners, exemplar)
            if self.jailbreak_head is not None:
                self._whole_prompt(normed, vecs, windows.owners, trained)
        return [_stronger(e, t) for e, t in zip(exemplar, trained, strict=True)]

    def exemplar_scores(
        self, vecs: np.ndarray, attack: np.ndarray, benign: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per window: the exemplar score, the closest attack and benign similarities, and
        the index of the closest attack exemplar (the jailbreak trainer measures it too)."""
        s_attack = vecs @ attack.T
        a = s_attack.max(axis=1)
        b = (vecs @ benign.T).max(axis=1)
        z = self.similarity_scale * (a - self.similarity_center) + self.contrast_scale * (a - b)
        return 1.0 / (1.0 + np.exp(-z)), a, b, s_attack.argmax(axis=1)

    def _exemplars(self, vecs, owners, out: list[dict | None]) -> None:
        """Closeness to attack exemplars minus closeness to benign look-alikes, per window."""
        attack, benign = self._exemplar_vectors()
        scores, a, b, nearest = self.exemplar_scores(vecs, attack, benign)
        for row, (i, start, end) in enumerate(owners):
            best = out[i]
            if best is None or scores[row] > best["similarity_score"]:
                out[i] = {
                    "score": float(scores[row]),
                    "similarity_score": float(scores[row]),
                    "attack_similarity": float(a[row]),
                    "benign_similarity": float(b[row]),
                    "nearest_attack": self.attack_exemplars[int(nearest[row])],
                    "start": start,
                    "end": end,
                }

    def _whole_prompt(self, normed, vecs, owners, out: list[dict | None]) -> None:
        """Jailbreak head over each prompt's windows together.

        Decoded payloads are left to the obfuscation evidence and the exemplars: the head was
        trained on whole prompts, and a decoded greeting read in place ("decode this for me:
        Hello, how are you today?") still looked like a short jailbreak to it.
        """
        from backend.guardrails.jailbreak_head import prompt_features
        from backend.guardrails.scanners.harm import rescale

        head = self.jailbreak_head
        rows_of: dict[int, list[int]] = {}
        for row, (i, _, _) in enumerate(owners):
            rows_of.setdefault(i, []).append(row)
        # by_length: shorter prompts are left to the exemplars (no head score at all)
        whose = [(i, rows) for i, rows in rows_of.items() if len(rows) >= self.head_min_windows]
        if not whose:
            return
        features = np.stack([prompt_features(normed[i].base.text, vecs[rows]) for i, rows in whose])
        probability = head.predict(features)
        scores = rescale(
            probability, head.operating_point(long_prompts_only=self.head_min_windows > 1)
        )
        for (i, rows), p, score in zip(whose, probability, scores, strict=True):
            strongest = rows[int(np.argmax(head.window_evidence(vecs[rows])))]
            _, start, end = owners[strongest]
            markers = head.structural_contributions(normed[i].base.text, len(rows))
            top = sorted(markers.items(), key=lambda kv: -kv[1])[:3]
            out[i] = {
                "score": float(score),
                "trained_score": float(score),
                "jailbreak_probability": float(p),
                "start": start,
                "end": end,
                "markers": {k: round(v, 2) for k, v in top if v > 0},
            }

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
                details["trained_score"] = sim["trained_score"]
                details["jailbreak_probability"] = sim["jailbreak_probability"]
                if sim.get("markers"):
                    details["jailbreak_markers"] = sim["markers"]
            if "similarity_score" in sim:
                for key in (
                    "similarity_score",
                    "attack_similarity",
                    "benign_similarity",
                    "nearest_attack",
                ):
                    details[key] = sim[key]
            label = (
                "trained jailbreak classifier"
                if sim.get("trained_score", -1.0) >= sim.get("similarity_score", -1.0)
                else "semantic match to known attacks"
            )
            score = 1.0 - (1.0 - rule_score) * (1.0 - sim["score"])
            if sim["score"] >= 0.5:
                spans.append(Span(label, sim["start"], sim["end"], sim["score"]))
        if sim is not None and self.head_min_windows > 1 and "trained_score" not in details:
            # by_length on a short prompt: say the head was not read, not that it said 0
            details["head_not_read"] = (
                f"shorter than {self.head_min_windows} windows: the exemplars alone decide"
            )
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


def _stronger(exemplar: dict | None, trained: dict | None) -> dict | None:
    """Both signals' evidence, scored and highlighted by the stronger one."""
    if exemplar is None or trained is None:
        return exemplar or trained
    best = trained if trained["score"] >= exemplar["score"] else exemplar
    return {
        **exemplar,
        **trained,
        "score": best["score"],
        "start": best["start"],
        "end": best["end"],
    }
