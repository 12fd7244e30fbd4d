"""Tiny real models for fast training tests, built locally (no hub), and their checks.

A 2-layer BERT with a WordPiece tokenizer and a 2-layer GPT-2 with a byte-level BPE
tokenizer, both trained by ``tokenizers`` on the demo sentences in well under a second.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from backend.demo_data import generate_demo_dataset


def demo_frame(n: int = 240) -> pd.DataFrame:
    return generate_demo_dataset(n_rows=n, seed=3)


def write_csv(frame: pd.DataFrame, path: Path) -> str:
    frame.to_csv(path, index=False)
    return str(path)


def build_tiny_bert(folder: Path, texts: list[str]) -> str:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(
        texts, trainers.WordPieceTrainer(vocab_size=400, special_tokens=special)
    )
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=2,
    )
    model = BertForSequenceClassification(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return str(folder)


def build_tiny_gpt2(folder: Path, texts: list[str]) -> str:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        texts, trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>"])
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|endoftext|>", bos_token="<|endoftext|>"
    )
    config = GPT2Config(
        vocab_size=tok.get_vocab_size(), n_positions=128, n_embd=32, n_layer=2, n_head=2
    )
    model = GPT2LMHeadModel(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return str(folder)


# -- tests of the builders themselves (other training tests rely on them) -----------------
def test_tiny_bert_loads_through_steward_model_resolution(tmp_path):
    from backend.training.models import load_model, load_tokenizer, resolve_model

    texts = demo_frame(60)["text"].tolist()
    path = build_tiny_bert(tmp_path / "bert", texts)
    resolved = resolve_model(path)
    assert resolved.local and resolved.model_type == "bert"
    tok = load_tokenizer(resolved, "classification")
    model = load_model(resolved, "classification", [0, 1], tok)
    out = model(**tok(["hello there"], return_tensors="pt"))
    assert tuple(out.logits.shape) == (1, 2)


def test_tiny_gpt2_gets_a_pad_token(tmp_path):
    from backend.training.models import load_tokenizer, resolve_model

    texts = demo_frame(60)["text"].tolist()
    path = build_tiny_gpt2(tmp_path / "gpt2", texts)
    tok = load_tokenizer(resolve_model(path), "causal_lm")
    assert tok.pad_token == tok.eos_token == "<|endoftext|>"
