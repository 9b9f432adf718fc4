"""Generation throughput: our transformers backend vs a naive loop, on the same tiny model.

Both generate n = 32 samples for each of a few MiniEval prompts, every sample exactly
``--new-tokens`` tokens (EOS ignored), top-p 0.95, T = 0.8, on the CPU:
- ours: ``HFBackend`` — batches of samples, each prompt prefilled once, a shared KV cache;
- naive: one ``model.generate`` call per sample, as a straightforward script would do.
Prints tokens/s of each and the ratio, measured in this run.

    python benchmarks/generation_throughput.py [--model resources/models/tiny-m.json] [--n 32]
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from tiny_bench import minieval_prompts, parse_args, timed_generation, tiny_model

from budget_realloc.generation.hf import HFBackend


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], new_tokens=64)

    prompts = minieval_prompts(args.prompts)
    tokens = len(prompts) * args.n * args.new_tokens
    backend = HFBackend(str(tiny_model(args.model)), dtype=args.dtype, device="cpu", batch_size=args.batch_size)
    _, ours_s = timed_generation(backend, prompts, args.n, args.new_tokens)

    model, tokenizer = backend.model, backend.tokenizer
    encoded = [tokenizer(p, return_tensors="pt") for p in prompts]
    kwargs = dict(do_sample=True, temperature=0.8, top_p=0.95, max_new_tokens=args.new_tokens,
                  min_new_tokens=args.new_tokens, pad_token_id=tokenizer.pad_token_id)
    with torch.inference_mode():
        model.generate(**encoded[0], **{**kwargs, "max_new_tokens": 2, "min_new_tokens": 2})  # warm-up
        began = time.perf_counter()
        generated = 0
        for inputs in encoded:
            for _ in range(args.n):
                out = model.generate(**inputs, **kwargs)
                generated += out.shape[1] - inputs["input_ids"].shape[1]
        naive_s = time.perf_counter() - began
    assert generated == tokens

    print(f"{Path(args.model).stem}, {len(prompts)} prompts x n = {args.n}, {args.new_tokens} new tokens each, "
          f"{args.dtype}, {torch.get_num_threads()} threads")
    print(f"budget_realloc HFBackend (batch {args.batch_size}): {tokens / ours_s:9.0f} tokens/s  ({ours_s:.1f} s)")
    print(f"naive loop, one model.generate per sample: {tokens / naive_s:9.0f} tokens/s  ({naive_s:.1f} s)")
    print(f"speed-up: {naive_s / ours_s:.1f}x")


if __name__ == "__main__":
    main()
