"""Ranking throughput: scoring tokens/s (teacher-forced NLL) vs generation tokens/s, same model.

Our backend generates n = 32 samples for each of a few MiniEval (or --benchmark mbpp) prompts
(every sample exactly ``--new-tokens`` tokens), then ``ranking.nll.mean_nll`` scores those
same samples under the same model.  Both rates count completion tokens — the ones generated, the ones scored — so the
ratio is how much cheaper ranking a sample is than generating it.  Measured in this run, CPU.

    python -m perf run ranking_throughput [--quick]     (MiniEval's prompts, and MBPP's where ../shared has
                                                     them; --quick: n = 4, 1 prompt, 32 tokens)
    python -m perf.ranking_throughput [--model resources/models/tiny-m.json] [--n 32] [--benchmark mbpp]
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from budget_realloc.config import default
from budget_realloc.generation.hf import HFBackend
from budget_realloc.ranking.nll import mean_nll
from perf.tiny_bench import PROMPT_SOURCES, QUICK, benchmark_prompts, parse_args, timed_generation, tiny_model


def arguments(argv: list[str] | None = None):
    return parse_args(__doc__.splitlines()[0], new_tokens=128, argv=argv, extra=lambda parser: parser.add_argument(
        "--score-batch-size", type=int, default=default("ranking", "batch_size"), help="ranking batch"))


def compare(args) -> dict:

    prompts = benchmark_prompts(args.benchmark, args.prompts)
    backend = HFBackend(str(tiny_model(args.model)), dtype=args.dtype, device="cpu", batch_size=args.batch_size)
    results, generate_s = timed_generation(backend, prompts, args.n, args.new_tokens)
    generated = sum(r.n_new_tokens for r in results)

    sample_prompts = [p for p in prompts for _ in range(args.n)]
    completions = [r.completion for r in results]
    mean_nll(backend.model, backend.tokenizer, backend.device, sample_prompts[:2], completions[:2], 2)  # warm-up
    began = time.perf_counter()
    _, counts = mean_nll(backend.model, backend.tokenizer, backend.device, sample_prompts, completions,
                         args.score_batch_size)
    score_s = time.perf_counter() - began
    scored = int(counts.sum())

    print(f"{Path(args.model).stem}, {len(prompts)} prompts x n = {args.n}, {args.new_tokens} new tokens each, "
          f"{args.dtype}, {torch.get_num_threads()} threads")
    print(f"generation, HFBackend (batch {args.batch_size}):    {generated / generate_s:9.0f} tokens/s  "
          f"({generated} tokens, {generate_s:.1f} s)")
    print(f"ranking, mean_nll teacher-forced (batch {args.score_batch_size}): {scored / score_s:9.0f} tokens/s  "
          f"({scored} tokens, {score_s:.1f} s)")
    print(f"scoring / generation: {generate_s / score_s * scored / generated:.1f}x")
    return {"ours": scored / score_s, "baseline": generated / generate_s,
            "ratio": generate_s / score_s * scored / generated, "units": "completion tokens/s",
            "model": Path(args.model).stem, "benchmark_prompts": args.benchmark, "prompts": len(prompts),
            "n": args.n, "new_tokens": args.new_tokens, "batch_size": args.batch_size,
            "score_batch_size": args.score_batch_size, "dtype": args.dtype, "threads": torch.get_num_threads()}


def measure(quick: bool) -> dict:
    """Scoring against generation on MiniEval's short 0-shot prompts (the result's ours, baseline
    and ratio) and, where ../shared holds it, on MBPP's long 3-shot ones (``mbpp``)."""
    options = QUICK if quick else []
    result = compare(arguments(options))
    if PROMPT_SOURCES["mbpp"][1].exists():
        result["mbpp"] = compare(arguments(options + ["--benchmark", "mbpp"]))
    return result


def main() -> None:
    compare(arguments())


if __name__ == "__main__":
    main()
