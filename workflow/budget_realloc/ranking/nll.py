"""Mean negative log-likelihood of each completion given its prompt (Eq. 7), teacher-forced.

All tokens of a batch are scored in one forward pass — no token-by-token decoding — which is
why ranking costs a fraction of generating.  Samples are batched by length so little is spent
on padding; padding sits after each sequence (right), where a causal model cannot see it, so
a sample's score does not depend on its batch.  Only the completion's tokens count: the prompt
is context, not part of what is judged.
"""

from __future__ import annotations

import numpy as np
import torch


def split_token_lists(prompt_ids: list[int], full: list[int]) -> tuple[list[int], list[int]]:
    """Token ids of prompt + completion, split where the prompt ends.

    The pair is tokenised as one text (as the model would read it) and cut after the longest
    prefix it shares with the prompt's own tokens, so a token merging across the boundary
    counts as completion."""
    shared = 0
    for a, b in zip(prompt_ids, full):
        if a != b:
            break
        shared += 1
    return full[:shared], full[shared:]


def split_all(tokenizer, prompts: list[str], completions: list[str]) -> list[tuple[list[int], list[int]]]:
    """``split_token_lists`` for every pair, each distinct prompt tokenised once and the texts in
    one batched call (samples of a problem share their prompt)."""
    distinct = list(dict.fromkeys(prompts))
    prompt_ids = dict(zip(distinct, tokenizer(distinct)["input_ids"]))
    fulls = tokenizer([p + c for p, c in zip(prompts, completions)])["input_ids"]
    return [split_token_lists(prompt_ids[p], full) for p, full in zip(prompts, fulls)]


@torch.inference_mode()
def mean_nll(model, tokenizer, device, prompts: list[str], completions: list[str],
             batch_size: int = 16, progress=None) -> tuple[np.ndarray, np.ndarray]:
    """(mean NLL per completion token, completion token count) for each pair; NaN if empty."""
    pairs = split_all(tokenizer, prompts, completions)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    nll = np.full(len(pairs), np.nan)
    counts = np.array([len(c) for _, c in pairs])
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for start in range(0, len(order), batch_size):
        batch = [i for i in order[start:start + batch_size] if counts[i] > 0]
        if batch:
            nll[batch] = _batch_nll([pairs[i] for i in batch], model, device, pad)
        if progress is not None:
            progress(len(order[start:start + batch_size]))
    return nll, counts


def _batch_nll(pairs, model, device, pad_id: int) -> np.ndarray:
    lengths = [len(p) + len(c) for p, c in pairs]
    width = max(lengths)
    ids = torch.full((len(pairs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(pairs), width), dtype=torch.long)
    for row, (p, c) in enumerate(pairs):
        ids[row, :len(p) + len(c)] = torch.tensor(p + c)
        mask[row, :len(p) + len(c)] = 1
    # logits are needed only from the last prompt position on: keep that many from the end
    first = min(len(p) for p, _ in pairs) - 1
    keep = width - max(first, 0)
    logits = model(input_ids=ids.to(device), attention_mask=mask.to(device), logits_to_keep=keep).logits
    # the token at position t is predicted at position t-1, i.e. column t-1-(width-keep)
    rows = torch.cat([torch.full((len(c),), row) for row, (_, c) in enumerate(pairs)]).to(logits.device)
    columns = torch.cat([torch.arange(len(p) - 1, len(p) + len(c) - 1) for p, c in pairs]).to(logits.device)
    targets = torch.cat([torch.tensor(c) for _, c in pairs]).to(logits.device)
    # log p(token) = logit - logsumexp(logits): only the completion positions, in float32
    predicting = logits[rows, columns - (width - keep)].float()
    token_lp = (predicting.gather(-1, targets[:, None]).squeeze(-1) - predicting.logsumexp(dim=-1)).double()
    sums = torch.zeros(len(pairs), dtype=torch.float64, device=logits.device).index_add_(0, rows, token_lp)
    counts = torch.tensor([len(c) for _, c in pairs], dtype=torch.float64, device=logits.device)
    return (-sums / counts).cpu().numpy()
