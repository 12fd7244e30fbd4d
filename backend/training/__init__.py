"""Fine-tuning: config, pre-flight checks, the training loop, and StewardCallback.

Heavy libraries (torch, transformers, peft, opacus) are imported inside functions, so
importing this package stays cheap. ``StewardCallback`` subclasses
``transformers.TrainerCallback`` and is therefore loaded on first access::

    from backend.training import StewardCallback
    trainer = Trainer(..., callbacks=[StewardCallback(run_name="my run")])
"""

from backend.training.config import TrainConfig, load_config, parse_config
from backend.training.reweighting import compute_group_weights

__all__ = [
    "StewardCallback",
    "TrainConfig",
    "compute_group_weights",
    "load_config",
    "parse_config",
]


def __getattr__(name: str):
    if name == "StewardCallback":
        from backend.training.callback import StewardCallback

        return StewardCallback
    raise AttributeError(name)
