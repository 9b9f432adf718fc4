"""FLOPs per sample as the paper counts them: calflops on one forward pass of 128 input tokens.

The architecture is built on the meta device from its config.json — no weights, no memory —
so the 70B count runs on a laptop in a second.  calflops needs ``kwargs={"input_ids": ...}``
under transformers 5 (its tokenizer path calls the removed ``encode_plus``) and no attention
mask on meta tensors.  A failed calflops call leaves its counting patches on torch functions
and doubles every later count, so the workflow runs each count in a process of its own.
"""

from __future__ import annotations

import json
from pathlib import Path


def load_architecture(architecture: str):
    """A transformers config from a config.json file, or from a hub id / model directory."""
    from transformers import AutoConfig

    path = Path(architecture)
    if path.is_file():
        return AutoConfig.for_model(**json.loads(path.read_text()))
    return AutoConfig.from_pretrained(architecture)


def auto_class(config):
    """The transformers auto class of the architecture: a verifier is a sequence classifier,
    every other model a causal LM."""
    import transformers

    if any(name.endswith("ForSequenceClassification") for name in config.architectures or []):
        return transformers.AutoModelForSequenceClassification
    return transformers.AutoModelForCausalLM


def count_flops(architecture: str, input_length: int = 128) -> dict:
    import calflops
    import torch

    config = load_architecture(architecture)
    with torch.device("meta"):
        model = auto_class(config).from_config(config)
    input_ids = torch.ones((1, input_length), dtype=torch.long, device="meta")
    flops, macs, params = calflops.calculate_flops(model=model, kwargs={"input_ids": input_ids},
                                                   print_results=False, output_as_string=False)
    return {"flops": int(flops), "macs": int(macs), "params": int(params),
            "input_length": input_length, "architecture": str(architecture)}
