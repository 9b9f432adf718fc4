"""Tiny models built here, for runs without the hub: a tokenizer trained offline, random weights.

The tokenizer is a byte-level BPE trained on the Python standard library of the interpreter
running it (always present, and code, so prompts tokenise into plausible pieces).  Models are
Hugging Face architectures from a config.json (``resources/models/*.json``) with random
weights from a seed derived from the workflow seed and the model's name, saved with
``save_pretrained`` so every later stage loads them with ``from_pretrained`` exactly as it
loads a hub model.  They solve nothing; they exercise every stage for real.
"""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

from .io import atomic_directory
from .seeds import derive_seed

SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}


def stdlib_corpus(max_bytes: int) -> list[str]:
    """Python sources of the standard library, in a fixed order, up to ``max_bytes``."""
    root = Path(sysconfig.get_paths()["stdlib"])
    texts, total = [], 0
    for path in sorted(root.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        texts.append(text)
        total += len(text)
        if total >= max_bytes:
            break
    return texts


def train_tokenizer(out_dir: str | Path, vocab_size: int, corpus_bytes: int) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token=SPECIAL_TOKENS["unk_token"]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS.values()),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(stdlib_corpus(corpus_bytes), trainer=trainer)
    bos = SPECIAL_TOKENS["bos_token"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tokenizer.token_to_id(bos))])
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tokenizer, **SPECIAL_TOKENS)
    with atomic_directory(out_dir) as tmp:
        wrapped.save_pretrained(tmp)


def build_model(architecture: str | Path, tokenizer_dir: str | Path, out_dir: str | Path,
                seed: int, name: str) -> None:
    """Random-init weights for ``architecture``, saved with the tokenizer beside them."""
    import torch
    from transformers import (AutoConfig, AutoModelForCausalLM, AutoModelForSequenceClassification,
                              AutoTokenizer)

    spec = json.loads(Path(architecture).read_text())
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    spec.update(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    config = AutoConfig.for_model(**spec)
    classifier = any(a.endswith("ForSequenceClassification") for a in spec.get("architectures", []))
    torch.manual_seed(derive_seed(seed, "model", name))
    auto = AutoModelForSequenceClassification if classifier else AutoModelForCausalLM
    model = auto.from_config(config)
    with atomic_directory(out_dir) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
