"""What sits between the input and output rails: echo by default, or a local causal LM.

Echo returns the (sanitised) prompt, which is enough to demonstrate the output rails (a
prompt full of PII comes back redacted). A Hugging Face causal LM is loaded from a local
path or the cache only, once per process, and generates greedily.
"""

from __future__ import annotations

import threading
from typing import Protocol

from backend.errors import ConfigError

_LOADED: dict[str, tuple] = {}
_LOCK = threading.Lock()


class Generator(Protocol):
    name: str

    def generate(self, prompt: str) -> str: ...


class EchoGenerator:
    """Returns the prompt unchanged (no model)."""

    name = "echo (returns the prompt)"

    def generate(self, prompt: str) -> str:
        return prompt


class HuggingFaceGenerator:
    """Greedy generation with a local ``AutoModelForCausalLM`` (never ``trust_remote_code``)."""

    def __init__(
        self, model: str, *, max_new_tokens: int = 64, max_prompt_tokens: int = 512
    ) -> None:
        self.model_id = model
        self.max_new_tokens = max_new_tokens
        self.max_prompt_tokens = max_prompt_tokens
        self.name = f"{model} (Hugging Face causal LM)"
        with _LOCK:
            if model not in _LOADED:
                try:
                    from transformers import AutoModelForCausalLM, AutoTokenizer

                    tok = AutoTokenizer.from_pretrained(model, local_files_only=True)
                    lm = AutoModelForCausalLM.from_pretrained(model, local_files_only=True).eval()
                except (OSError, ValueError, KeyError) as exc:
                    raise ConfigError(
                        f"generator model '{model}' is not available offline: "
                        f"{str(exc).splitlines()[0][:200]}"
                    ) from None
                _LOADED[model] = (tok, lm, threading.Lock())
        self._tok, self._lm, self._lm_lock = _LOADED[model]

    def generate(self, prompt: str) -> str:
        import torch

        tok, lm = self._tok, self._lm
        enc = tok(
            prompt or " ", return_tensors="pt", truncation=True, max_length=self.max_prompt_tokens
        )
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        with self._lm_lock, torch.inference_mode():
            out = lm.generate(
                **enc,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                pad_token_id=pad,
            )
        return tok.decode(out[0, enc["input_ids"].shape[1] :], skip_special_tokens=True)


def build_generator(settings) -> Generator:
    """From :class:`~backend.guardrails.policy.GeneratorSettings`."""
    if settings.kind == "huggingface":
        return HuggingFaceGenerator(settings.model, max_new_tokens=settings.max_new_tokens)
    return EchoGenerator()
