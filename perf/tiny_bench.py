"""What the model-speed benchmarks share: a tiny model built here, benchmark prompts, and our
backend generating n samples per prompt at a fixed length (EOS ignored), timed."""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
from pathlib import Path

from budget_realloc.benchmarks import load_problems
from budget_realloc.generation.backend import Request
from budget_realloc.generation.backend import Sampling
from budget_realloc.tiny_models import build_model, train_tokenizer

REPO = Path(__file__).resolve().parents[1]
QUICK = ["--n", "4", "--prompts", "1", "--new-tokens", "32"]       # the options of a --quick run
DEFAULT_ARCHITECTURE = str(REPO / "resources" / "models" / "tiny-m.json")
PROMPT_SOURCES = {"minieval": ("humaneval", REPO / "resources" / "benchmarks" / "minieval.jsonl"),
                  "mbpp": ("mbpp", REPO.parent / "shared" / "data" / "mbpp.jsonl")}


def parse_args(description: str, new_tokens: int, extra=None, argv: list[str] | None = None) -> argparse.Namespace:
    """The options every model-speed benchmark takes (from ``argv``, else the command line);
    ``extra(parser)`` adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", default=DEFAULT_ARCHITECTURE, help="architecture config.json")
    parser.add_argument("--n", type=int, default=32, help="samples per prompt")
    parser.add_argument("--prompts", type=int, default=4)
    parser.add_argument("--benchmark", choices=sorted(PROMPT_SOURCES), default="minieval",
                        help="whose prompts: MiniEval (short, 0-shot) or MBPP (3-shot, long)")
    parser.add_argument("--new-tokens", type=int, default=new_tokens)
    parser.add_argument("--batch-size", type=int, default=64, help="generation batch")
    parser.add_argument("--dtype", default="float32")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


@functools.cache
def tiny_model(architecture: str) -> Path:
    """Build ``architecture`` (random init, tokenizer trained offline) in a temp dir, once per process."""
    work = Path(tempfile.mkdtemp(prefix="bench-model-"))
    train_tokenizer(work / "tokenizer", 4096, 2_000_000)
    build_model(architecture, work / "tokenizer", work / "model", seed=0, name="bench")
    return work / "model"


def benchmark_prompts(benchmark: str, count: int) -> list[str]:
    kind, path = PROMPT_SOURCES[benchmark]
    return [p.prompt for p in load_problems(kind, str(path))[:count]]


def timed_generation(backend, prompts: list[str], n: int, new_tokens: int):
    """(results, seconds): n samples per prompt, each exactly ``new_tokens`` long, top-p 0.95, T 0.8."""
    sampling = Sampling(0.8, 0.95, new_tokens, ignore_eos=True)
    requests = [Request(f"p{j}", i, prompt, j * n + i, ()) for j, prompt in enumerate(prompts) for i in range(n)]
    backend.generate(requests[:2], sampling)                                      # warm-up
    began = time.perf_counter()
    results = backend.generate(requests, sampling)
    seconds = time.perf_counter() - began
    assert sum(r.n_new_tokens for r in results) == len(requests) * new_tokens
    return results, seconds
