"""One scoring job: every sample of a generations file scored by one model, timed.

A ranker scores by mean NLL (``ranking.nll``), a verifier by its log P(correct)
(``ranking.verifier``); the seconds per sample the job measures are what a ranked sample's
wall-time budget is charged for scoring it (``ranking.report``).
"""

from __future__ import annotations

import time

import pandas as pd
from tqdm import tqdm

from ..execution.shard import load_problem_index
from ..io import read_parquet, write_parquet
from ..pretrained import load_causal_lm, load_classifier, load_tokenizer


def _nll_columns(*args) -> dict:
    from .nll import mean_nll

    nll, tokens = mean_nll(*args)
    return {"nll": nll, "n_tokens": tokens}


def _verifier_columns(*args) -> dict:
    from .verifier import verifier_log_probs

    return {"log_p_correct": verifier_log_probs(*args)}


SCORERS = {"nll": (load_causal_lm, _nll_columns), "verifier": (load_classifier, _verifier_columns)}


def score_samples(*, scorer: str, problems_path: str, generations_path: str, source: str, dtype: str,
                  device: str, batch_size: int, out: str) -> pd.DataFrame:
    """task_id, sample_id and the scorer's columns, with the job's seconds per sample kept in the
    file's provenance."""
    load_model, columns_of = SCORERS[scorer]
    problems = load_problem_index(problems_path)
    generations = read_parquet(generations_path)
    tokenizer = load_tokenizer(source)
    model, model_device = load_model(source, dtype, device)
    prompts = [problems[t].prompt for t in generations["task_id"]]
    began = time.perf_counter()
    with tqdm(total=len(prompts), unit="sample", mininterval=5, desc=f"score ({scorer})") as bar:
        columns = columns_of(model, tokenizer, model_device, prompts, generations["completion"].tolist(),
                             batch_size, bar.update)
    seconds = time.perf_counter() - began
    frame = pd.DataFrame({"task_id": generations["task_id"], "sample_id": generations["sample_id"], **columns})
    write_parquet(frame, out, metadata={"source": source, "seconds": seconds,
                                        "seconds_per_sample": seconds / max(1, len(frame))})
    return frame
