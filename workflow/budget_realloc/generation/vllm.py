"""vLLM backend (optional: ``pip install 'budget-realloc[vllm]'``, on a CUDA machine).

All of a shard's prompts go to vLLM at once, one request per problem with ``n`` samples
(``SamplingParams(n=...)``); prefix caching shares each prompt's KV cache among its samples.
vLLM draws the n samples of a request from one generator, so the request is seeded with its
first sample's seed: a shard re-run on the same engine and GPU draws the same samples, but a
sample's randomness is per problem rather than per sample as in the transformers backend.
"""

from __future__ import annotations

import time
from itertools import groupby

from ..benchmarks import truncate_at_stop
from ..errors import UserError
from .backend import Request, Result, Sampling


class VLLMBackend:
    def __init__(self, source: str, dtype: str = "auto"):
        try:
            from vllm import LLM
        except ImportError:
            raise UserError("generation backend 'vllm' needs the vllm package: "
                            "pip install 'budget-realloc[vllm]' (on a CUDA machine)") from None
        self.llm = LLM(model=source, dtype=dtype, enable_prefix_caching=True)

    def generate(self, requests: list[Request], sampling: Sampling, progress=None) -> list[Result]:
        from vllm import SamplingParams

        groups = [list(g) for _, g in groupby(requests, key=lambda r: (r.task_id, r.prompt))]
        params = [SamplingParams(n=len(g), temperature=sampling.temperature, top_p=sampling.top_p,
                                 max_tokens=sampling.max_new_tokens, seed=g[0].seed, stop=list(g[0].stop),
                                 ignore_eos=sampling.ignore_eos) for g in groups]
        began = time.perf_counter()
        outputs = self.llm.generate([g[0].prompt for g in groups], params)
        share = (time.perf_counter() - began) / max(1, len(requests))
        results = []
        for group, output in zip(groups, outputs):
            for request, sample in zip(group, output.outputs):
                completion, stopped = truncate_at_stop(sample.text, request.stop)
                by_stop = stopped or isinstance(sample.stop_reason, str)
                reason = "stop" if by_stop else "eos" if sample.finish_reason == "stop" else "length"
                results.append(Result(completion, len(output.prompt_token_ids), len(sample.token_ids),
                                      reason != "length", reason, share))
            if progress is not None:
                progress(group, results[-len(group):])
        return results
