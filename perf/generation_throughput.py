"""Generation throughput: our transformers backend vs a naive loop, on the same tiny model.

Both generate n = 32 samples for each of a few MiniEval (or --benchmark mbpp) prompts, every
sample exactly ``--new-tokens`` tokens (EOS ignored), top-p 0.95, T = 0.8, on the CPU:
- ours: ``HFBackend`` — batches of samples, each prompt prefilled once, a shared KV cache;
- naive: one ``model.generate`` call per sample, as a straightforward script would do.
The two alternate, one batch of prompts at a time, so that a change in the machine's load
during the run falls on both alike.  Prints tokens/s of each and the ratio, measured in this run.

    python -m perf run generation_throughput [--quick]     (--quick: n = 4, 1 prompt, 32 new tokens)
    python -m perf.generation_throughput [--model resources/models/tiny-m.json] [--n 32]
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from budget_realloc.generation.hf import HFBackend
from perf.tiny_bench import QUICK, benchmark_prompts, parse_args, timed_generation, tiny_model


def arguments(argv: list[str] | None = None):
    return parse_args(__doc__.splitlines()[0], new_tokens=64, argv=argv)


def compare(args) -> dict:
    prompts = benchmark_prompts(args.benchmark, args.prompts)
    tokens = len(prompts) * args.n * args.new_tokens
    backend = HFBackend(str(tiny_model(args.model)), dtype=args.dtype, device="cpu", batch_size=args.batch_size)
    model, tokenizer = backend.model, backend.tokenizer
    kwargs = dict(do_sample=True, temperature=0.8, top_p=0.95, max_new_tokens=args.new_tokens,
                  min_new_tokens=args.new_tokens, pad_token_id=tokenizer.pad_token_id)

    def naive(prompt: str) -> tuple[int, float]:
        inputs = tokenizer(prompt, return_tensors="pt")
        began, generated = time.perf_counter(), 0
        with torch.inference_mode():
            for _ in range(args.n):
                generated += model.generate(**inputs, **kwargs).shape[1] - inputs["input_ids"].shape[1]
        return generated, time.perf_counter() - began

    with torch.inference_mode():     # warm-up
        model.generate(**tokenizer(prompts[0], return_tensors="pt"), **{**kwargs, "max_new_tokens": 2,
                                                                        "min_new_tokens": 2})
    per_batch = max(1, args.batch_size // args.n)
    ours_s = naive_s = 0.0
    generated = 0
    for start in range(0, len(prompts), per_batch):
        round_prompts = prompts[start:start + per_batch]
        ours_s += timed_generation(backend, round_prompts, args.n, args.new_tokens)[1]
        for prompt in round_prompts:
            count, seconds = naive(prompt)
            generated, naive_s = generated + count, naive_s + seconds
    assert generated == tokens

    print(f"{Path(args.model).stem}, {len(prompts)} prompts x n = {args.n}, {args.new_tokens} new tokens each, "
          f"{args.dtype}, {torch.get_num_threads()} threads")
    print(f"budget_realloc HFBackend (batch {args.batch_size}): {tokens / ours_s:9.0f} tokens/s  ({ours_s:.1f} s)")
    print(f"naive loop, one model.generate per sample: {tokens / naive_s:9.0f} tokens/s  ({naive_s:.1f} s)")
    print(f"speed-up: {naive_s / ours_s:.1f}x")
    return {"ours": tokens / ours_s, "baseline": tokens / naive_s, "ratio": naive_s / ours_s, "units": "tokens/s",
            "model": Path(args.model).stem, "benchmark_prompts": args.benchmark, "prompts": len(prompts),
            "n": args.n, "new_tokens": args.new_tokens, "batch_size": args.batch_size, "dtype": args.dtype,
            "threads": torch.get_num_threads()}


def measure(quick: bool) -> dict:
    return compare(arguments(QUICK if quick else []))


def main() -> None:
    compare(arguments())


if __name__ == "__main__":
    main()
