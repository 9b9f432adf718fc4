"""Wall-time per sample as the paper measures it: the best batch size, then a timed run.

Every batch size in the config generates one batch; the fastest (samples/s) then generates
``samples`` samples of exactly ``new_tokens`` tokens each (EOS ignored, so every model does the
same work), and that time is the model's cost.  A profile asked to run on a device this machine
does not have records "not measured" instead of a number from the wrong hardware.
"""

from __future__ import annotations

import platform
import time

from ..generation.backend import Request
from ..generation.hf import HFBackend
from ..generation.backend import Sampling
from ..pretrained import resolve_device
from ..seeds import derive_seed


def device_name(device: str) -> str:
    import torch

    if device == "cuda":
        return f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}"
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"


def profile_walltime(*, source: str, prompts: list[str], samples: int, new_tokens: int,
                     batch_sizes: list[int], required_device: str, dtype: str = "auto",
                     seed: int = 0) -> dict:
    try:
        device = resolve_device(required_device)
    except RuntimeError as error:
        return {"measured": False, "reason": str(error), "required_device": required_device}
    backend = HFBackend(source, dtype=dtype, device=device, batch_size=max(batch_sizes))
    sampling = Sampling(temperature=0.8, top_p=0.95, max_new_tokens=new_tokens, ignore_eos=True)
    requests = [Request(f"profile/{i}", i, prompts[i % len(prompts)], derive_seed(seed, "walltime", i), ())
                for i in range(max(samples, max(batch_sizes)))]
    backend.batch_size = min(batch_sizes)
    backend.generate(requests[:min(batch_sizes)], sampling)          # warm-up: allocations, kernels
    rates, widths, distinct = {}, {}, {}
    for size in batch_sizes:
        batch = requests[:size]
        widths[str(size)] = max(len(backend.prompt_ids(r.prompt)) for r in batch)    # left-padded to the longest
        distinct[str(size)] = len({r.prompt for r in batch})
        backend.batch_size = size
        began = time.perf_counter()
        backend.generate(requests[:size], sampling)
        rates[size] = size / (time.perf_counter() - began)
    best = max(rates, key=rates.get)
    backend.batch_size = best
    began = time.perf_counter()
    backend.generate(requests[:samples], sampling)
    seconds = time.perf_counter() - began
    return {"measured": True, "device": device_name(device), "batch_size": best,
            "samples_per_second_by_batch_size": {str(k): v for k, v in rates.items()},
            # the shape of each timed batch, so the roofline can be calibrated on it (costs.calibration)
            "prompt_tokens_by_batch_size": widths, "distinct_prompts_by_batch_size": distinct,
            "precision": _precision(backend),
            "samples": samples, "new_tokens": new_tokens, "seconds": seconds,
            "seconds_per_sample": seconds / samples}


def _precision(backend) -> str:
    import torch

    return {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[backend.model.dtype]


def profile_file(*, source: str, prompts_path: str, out: str, **settings) -> dict:
    """:func:`profile_walltime` on the prompts of a JSON Lines file (records with a "prompt"),
    written to ``out``."""
    from ..benchmarks.records import read_local
    from ..io import write_json

    result = profile_walltime(source=source, prompts=[r["prompt"] for r in read_local(prompts_path)], **settings)
    write_json(result, out)
    return result
