"""Hugging Face transformers backend: batched sampling with a KV cache, on CPU or GPU.

The decode loop is ours rather than ``model.generate``: it prefills each distinct prompt of a
batch once and copies its cache to that prompt's samples, gives every sample its own
counter-based randomness (``sampling.row_uniforms``), stops each row at EOS or at its stop
sequences, and drops finished rows from the batch so the remaining ones run faster.  A batch
whose prompts all have the same length has no padding to hide, so it passes no attention mask:
transformers' SDPA attention then reads a grouped-query model's keys and values once per KV head
(``enable_gqa``) instead of expanding them to every query head (``repeat_kv``), which some
versions do whenever a mask is passed — the same tokens, less memory traffic.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from ..benchmarks import truncate_at_stop
from ..pretrained import load_causal_lm, load_tokenizer
from .backend import Request, Result, Sampling
from .sampling import next_tokens, row_uniforms

# Stop sequences are found by decoding only the last few tokens of each row every step; a
# stop sequence is at most a few tokens long, and the final text is cut exactly afterwards.
_STOP_WINDOW_TOKENS = 24


class HFBackend:
    def __init__(self, source: str, dtype: str = "auto", device: str = "auto", batch_size: int = 64,
                 mask_unpadded: bool = False):
        """``mask_unpadded``: pass the attention mask even where no row is padded, as
        ``model.generate`` does (to compare the two paths)."""
        self.mask_unpadded = mask_unpadded
        self.tokenizer = load_tokenizer(source)
        self.model, self.device = load_causal_lm(source, dtype, device)
        self.batch_size = batch_size
        self.eos_ids = _eos_ids(self.model, self.tokenizer)
        self._prompt_ids: dict[str, list[int]] = {}

    def prompt_ids(self, prompt: str) -> list[int]:
        ids = self._prompt_ids.get(prompt)
        if ids is None:
            ids = self._prompt_ids[prompt] = self.tokenizer(prompt)["input_ids"]
        return ids

    def generate(self, requests: list[Request], sampling: Sampling, progress=None) -> list[Result]:
        """Results in the order of ``requests``; rows of one prompt should be adjacent."""
        results: list[Result] = []
        for start in range(0, len(requests), self.batch_size):
            batch = requests[start:start + self.batch_size]
            results.extend(self._generate_batch(batch, sampling))
            if progress is not None:
                progress(batch, results[-len(batch):])
        return results

    @torch.inference_mode()
    def _generate_batch(self, batch: list[Request], sampling: Sampling) -> list[Result]:
        began = time.perf_counter()
        prompts = list(dict.fromkeys(r.prompt for r in batch))
        prompt_index = torch.tensor([prompts.index(r.prompt) for r in batch], device=self.device)
        encoded = [self.prompt_ids(p) for p in prompts]
        input_ids, attention = _left_pad(encoded, self.tokenizer.pad_token_id, self.device)
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        masked = self.mask_unpadded or len({len(ids) for ids in encoded}) > 1
        out = self.model(input_ids=input_ids, attention_mask=attention if masked else None, position_ids=positions,
                         use_cache=True, logits_to_keep=1)
        cache = out.past_key_values
        cache.batch_select_indices(prompt_index)
        logits = out.logits[prompt_index, -1]
        attention = attention[prompt_index]
        next_position = positions[prompt_index, -1] + 1

        rows = len(batch)
        seeds = np.array([r.seed for r in batch], dtype=np.uint64)
        generated: list[list[int]] = [[] for _ in range(rows)]
        reason = ["length"] * rows
        active = np.arange(rows)                   # batch rows still decoding, in cache order
        for step in range(sampling.max_new_tokens):
            tokens = next_tokens(logits, sampling, row_uniforms(seeds[active], step)).tolist()
            still = []
            windows = []
            for slot, (row, token) in enumerate(zip(active, tokens)):
                generated[row].append(token)
                if token in self.eos_ids and not sampling.ignore_eos:
                    reason[row] = "eos"
                else:
                    still.append(slot)
                    windows.append(generated[row][-_STOP_WINDOW_TOKENS:])
            if batch[0].stop and windows and not sampling.ignore_eos:
                texts = self.tokenizer.batch_decode(windows, skip_special_tokens=True)
                kept = []
                for slot, text in zip(still, texts):
                    if any(s in text for s in batch[active[slot]].stop):
                        reason[active[slot]] = "stop"
                    else:
                        kept.append(slot)
                still = kept
            if not still or step == sampling.max_new_tokens - 1:
                break
            if len(still) < len(active):
                keep = torch.tensor(still, device=self.device)
                cache.batch_select_indices(keep)
                attention, next_position = attention[keep], next_position[keep]
                tokens = [tokens[s] for s in still]
                active = active[still]
            step_ids = torch.tensor(tokens, device=self.device)[:, None]
            attention = torch.cat([attention, attention.new_ones((len(active), 1))], dim=-1)
            out = self.model(input_ids=step_ids, attention_mask=attention if masked else None,
                             position_ids=next_position[:, None], past_key_values=cache, use_cache=True)
            cache, logits = out.past_key_values, out.logits[:, -1]
            next_position = next_position + 1
        share = (time.perf_counter() - began) / rows
        return [self._result(r, encoded[prompts.index(r.prompt)], generated[i], reason[i], share)
                for i, r in enumerate(batch)]

    def _result(self, request: Request, prompt_ids: list[int], new_ids: list[int], reason: str,
                seconds: float) -> Result:
        text = completion_text(self.tokenizer, prompt_ids, new_ids)
        completion, stopped = truncate_at_stop(text, request.stop)
        finished = reason == "eos" or stopped
        return Result(completion, len(prompt_ids), len(new_ids), finished,
                      "stop" if stopped else reason if reason == "eos" else "length", seconds)


def completion_text(tokenizer, prompt_ids: list[int], new_ids: list[int]) -> str:
    """The text the new tokens add to the prompt.

    Decoding the new tokens alone can lose a leading space (SentencePiece tokenizers drop the
    first token's space marker), which breaks the indentation of a function body; decoding
    prompt + completion and removing the decoded prompt does not.
    """
    prompt_text = tokenizer.decode(prompt_ids, skip_special_tokens=True)
    full = tokenizer.decode(prompt_ids + new_ids, skip_special_tokens=True)
    if full.startswith(prompt_text):
        return full[len(prompt_text):]
    return tokenizer.decode(new_ids, skip_special_tokens=True)


def _eos_ids(model, tokenizer) -> set[int]:
    ids = model.generation_config.eos_token_id if model.generation_config is not None else None
    ids = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    return ids


def _left_pad(sequences: list[list[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for i, seq in enumerate(sequences):
        ids[i, width - len(seq):] = torch.tensor(seq, dtype=torch.long)
        mask[i, width - len(seq):] = 1
    return ids.to(device), mask.to(device)
