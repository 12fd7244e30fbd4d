"""What the output rail measured on a text a real model generated, for the alert thresholds.

The guardrail page hands these observations to the store (:meth:`Store.observe`); the
alert service hears them there. Nothing is observed for the echo generator (it only
repeats the prompt) or when the output rail has no toxicity check.
"""

from __future__ import annotations

from backend.observations import Observation, finite_number, short_digest

#: Detoxify output columns behind the seed's hate-speech and violence thresholds.
DETOXIFY_CATEGORIES = {"hate_speech": "identity_attack", "violence": "threat"}

_GENERATED = {
    "toxicity": "Toxicity of a generated text",
    "hate_speech": "Hate speech in a generated text",
    "violence": "Violence in a generated text",
}


def generated_text_scores(text: str, scorer, toxicity: float) -> dict[str, float | None]:
    """``toxicity`` plus hate speech and violence when the scorer is Detoxify.

    The offline fallback scores profanity only; it says nothing about hate speech or
    violence, so those stay ``None`` (no alert) rather than borrowing its number.
    """
    scores: dict[str, float | None] = {"toxicity": float(toxicity), "hate_speech": None}
    scores["violence"] = None
    names = list(getattr(scorer, "class_names", []) or [])
    wanted = {m: c for m, c in DETOXIFY_CATEGORIES.items() if c in names}
    if wanted and hasattr(scorer, "score_all"):
        row = scorer.score_all([text])[0]
        for metric, column in wanted.items():
            scores[metric] = float(row[names.index(column)])
    return scores


def output_observations(decision, scanner) -> list[Observation]:
    """Toxicity, hate speech and violence of ``decision.response`` when a real model wrote it.

    ``decision`` is the pipeline's Decision, ``scanner`` its toxicity scanner. The record
    is the text's digest: the same text is one record, whatever page or session saw it.
    """
    tox = decision.output_checks.get("toxicity") if decision.response else None
    if tox is None or decision.generator.startswith("echo") or scanner is None:
        return []
    scores = generated_text_scores(decision.response, scanner.scorer, tox.score)
    record = f"text:{short_digest(decision.response)}"
    return [
        Observation(metric, value, record, {"what": f"{_GENERATED[metric]} ({tox.backend})"})
        for metric, v in scores.items()
        if (value := finite_number(v)) is not None
    ]
