"""A user's own fine-tune script: a Hugging Face ``Trainer`` plus ``StewardCallback``.

The distributed tests start it the way a user would, on every rank::

    accelerate launch --multi_gpu --num_processes 2 -m tests.trainer_script --model DIR --csv FILE
    torchrun --nnodes 2 --node-rank 1 ... -m tests.trainer_script --model DIR --csv FILE

Nothing here knows about ranks: the launcher's environment, the ``Trainer`` (through
accelerate) and the callback do it all.
"""

from __future__ import annotations

import argparse
import os


class TokenizedRows:
    """A minimal map-style dataset of tokenized rows, as users often write."""

    def __init__(self, enc, labels):
        self.enc, self.labels = enc, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {
            "input_ids": self.enc["input_ids"][i],
            "attention_mask": self.enc["attention_mask"][i],
            "labels": int(self.labels[i]),
        }


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import pandas as pd
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        Trainer,
        TrainingArguments,
    )

    from backend.training import StewardCallback

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--max-steps", type=int, default=4)
    parser.add_argument("--run-name", default="my trainer script")
    args = parser.parse_args(argv)

    frame = pd.read_csv(args.csv)
    tok = AutoTokenizer.from_pretrained(args.model, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(args.model, local_files_only=True)
    enc = tok(frame["text"].tolist(), truncation=True, max_length=24, padding="max_length")
    labels = frame["label"].to_numpy()
    cut = int(len(labels) * 0.75)
    train = TokenizedRows({k: v[:cut] for k, v in enc.items()}, labels[:cut])
    evald = TokenizedRows({k: v[cut:] for k, v in enc.items()}, labels[cut:])
    training_args = TrainingArguments(
        output_dir=args.output_dir,
        max_steps=args.max_steps,
        per_device_train_batch_size=4,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=args.max_steps,
        save_strategy="no",
        report_to=[],
        # On a machine without GPUs: gloo between the CPU processes (see docs/training.md).
        use_cpu=not torch.cuda.is_available(),
        learning_rate=1e-3,
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train,
        eval_dataset=evald,
        callbacks=[StewardCallback(run_name=args.run_name, interval_s=0.5)],
    )
    trainer.train()


if __name__ == "__main__":
    main()
