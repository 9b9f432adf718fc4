"""A LEVER-style verifier (Ni et al., 2023): a classifier's belief that a program is correct.

Without unit tests there is no execution result to show it (LEVER's strongest signal), so the
verifier sees the problem and the program only.  Any Hugging Face sequence-classification
model works; its last label is read as "correct".
"""

from __future__ import annotations

import numpy as np
import torch


@torch.inference_mode()
def verifier_log_probs(model, tokenizer, device, prompts: list[str], completions: list[str],
                       batch_size: int, progress=None, max_length: int = 2048) -> np.ndarray:
    """log P(correct | prompt, completion) for each pair."""
    texts = [p + c for p, c in zip(prompts, completions)]
    out = np.empty(len(texts))
    tokenizer.padding_side = "right"
    for start in range(0, len(texts), batch_size):
        encoded = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True,
                            truncation=True, max_length=max_length).to(device)
        logits = model(**encoded).logits.float()
        out[start:start + batch_size] = torch.log_softmax(logits, dim=-1)[:, -1].double().cpu().numpy()
        if progress is not None:
            progress(len(encoded["input_ids"]))
    return out
