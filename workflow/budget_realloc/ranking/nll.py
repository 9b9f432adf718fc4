"""Mean negative log-likelihood of each completion given its prompt (Eq. 7), teacher-forced.

All tokens of a batch are scored in one forward pass — no token-by-token decoding — which is
why ranking costs a fraction of generating.  The samples of one problem share its prompt: the
prompt runs once and its KV cache serves all of them (a 3-shot MBPP or 2-shot APPS prompt is
several times longer than a completion).  Samples are batched by length so little is spent on
padding; padding sits after each sequence (right), where a causal model cannot see it, so a
sample's score does not depend on its batch.  Only the completion's tokens count: the prompt
is context, not part of what is judged (an empty prompt leaves nothing to condition the first
token on: NaN).
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
             batch_size: int, progress=None) -> tuple[np.ndarray, np.ndarray]:
    """(mean NLL per completion token, completion token count) for each pair; NaN if empty."""
    pairs = split_all(tokenizer, prompts, completions)
    nll = np.full(len(pairs), np.nan)
    counts = np.array([len(c) for _, c in pairs])
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, (prompt_ids, _) in enumerate(pairs):
        groups.setdefault(tuple(prompt_ids), []).append(i)
    for prompt_ids, members in groups.items():
        scored = sorted((i for i in members if counts[i] > 0 and prompt_ids), key=lambda i: counts[i])
        if scored:
            _score_group(list(prompt_ids), [pairs[i][1] for i in scored], model, device, batch_size, nll, scored)
        if progress is not None:
            progress(len(members))
    return nll, counts


def _score_group(prompt_ids: list[int], completions: list[list[int]], model, device, batch_size: int,
                 nll: np.ndarray, rows: list[int]) -> None:
    """Score completions of one prompt: the prompt runs once, its KV cache serves every batch."""
    prompt = model(input_ids=torch.tensor([prompt_ids], device=device), use_cache=True, logits_to_keep=1)
    first_logits, cache = prompt.logits[0, -1].float(), prompt.past_key_values
    cache.batch_repeat_interleave(min(batch_size, len(completions)))
    for start in range(0, len(completions), batch_size):
        batch = completions[start:start + batch_size]
        if (grown := cache.get_seq_length() - len(prompt_ids)) > 0:
            cache.crop(-grown)                       # back to the prompt alone
        if cache.batch_size != len(batch):
            cache.batch_select_indices(torch.arange(len(batch), device=device))
        nll[rows[start:start + batch_size]] = _batch_nll(batch, first_logits, cache, model, device)


def _batch_nll(completions: list[list[int]], first_logits, cache, model, device) -> np.ndarray:
    """Mean NLL of each completion after the cached prompt.  Rows are padded on the right,
    where a causal model cannot see the padding, so no mask is needed and a score does not
    depend on its batch."""
    width = max(len(c) for c in completions)
    ids = torch.zeros((len(completions), width), dtype=torch.long)
    for row, c in enumerate(completions):
        ids[row, :len(c)] = torch.tensor(c)
    # token j of a completion is predicted at its position j-1; token 0 by the prompt's last position
    logits = model(input_ids=ids.to(device), past_key_values=cache, use_cache=True).logits.float()
    rows = torch.cat([torch.full((len(c),), row) for row, c in enumerate(completions)]).to(device)
    columns = torch.cat([torch.arange(-1, len(c) - 1) for c in completions]).to(device)
    targets = torch.cat([torch.tensor(c) for c in completions]).to(device)
    predicting = torch.where((columns >= 0)[:, None], logits[rows, columns.clamp(min=0)], first_logits)
    # log p(token) = logit - logsumexp(logits), only at the completion's positions
    token_lp = (predicting.gather(-1, targets[:, None]).squeeze(-1) - predicting.logsumexp(dim=-1)).double()
    sums = torch.zeros(len(completions), dtype=torch.float64, device=device).index_add_(0, rows, token_lp)
    counts = torch.tensor([len(c) for c in completions], dtype=torch.float64, device=device)
    return (-sums / counts).cpu().numpy()
