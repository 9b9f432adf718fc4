"""Execution: every sample of a shard of problems against its tests, in the sandbox; the same
for samples generated elsewhere, by hand (``evaluate``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .. import cluster, layout
from ..config import default
from ..execution.job import Limits, TimePolicy
from .base import Job, reads, setting, writes


def shard_generations(plan, benchmark: str, model: str, decoding: str, shard: str) -> str:
    """A shard's samples: its generation shard, or the whole file of a run made elsewhere."""
    if plan.run(benchmark, model).made_elsewhere:
        return layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding=decoding)
    return layout.GENERATIONS_SHARD.format(benchmark=benchmark, model=model, decoding=decoding, shard=shard)


@dataclass(frozen=True)
class SandboxRun(Job):
    """What every job that runs a file of samples in the sandbox reads and sets (no KIND: not a
    job of its own)."""
    THREADS = "workers"

    problems: str = reads()
    generations: str = reads()
    out: str = writes()
    limits: Limits = setting(Limits())
    policy: TimePolicy = setting(TimePolicy())
    workers: int = setting(1)


@dataclass(frozen=True)
class ExecuteShard(SandboxRun):
    KIND = "execute"
    HELP = "Run every sample of a generations file against its tests."

    shard: int | None = setting(None, help="only the samples of this shard of problems (with --shard-size)")
    shard_size: int | None = setting(None)
    n: int = setting(1, help="samples per problem (what a cluster request is sized for)")

    @classmethod
    def of(cls, plan, benchmark: str, model: str, decoding: str, shard: str):
        bench = plan.benchmark(benchmark)
        return cls(problems=layout.PROBLEMS.format(benchmark=benchmark),
                   generations=shard_generations(plan, benchmark, model, decoding, shard),
                   limits=Limits.of(plan.config, bench.timeout_s), policy=TimePolicy.of(plan.config),
                   workers=plan.config["execution"]["threads"], shard=int(shard), shard_size=bench.shard_size,
                   n=plan.sampling(benchmark, model, decoding)[0],
                   out=layout.EXECUTIONS_SHARD.format(benchmark=benchmark, model=model, decoding=decoding, shard=shard))

    def resources(self, threads: int, hardware: dict) -> dict:
        return cluster.execution_job(programs=(self.shard_size or 1) * self.n, workers=threads,
                                     timeout_s=self.limits.timeout_s, memory_mb=self.limits.memory_mb)

    def run(self):
        from ..execution.shard import execute_shard

        frame = execute_shard(problems_path=self.problems, generations_path=self.generations, out=self.out,
                              limits=self.limits, policy=self.policy, workers=self.workers, shard=self.shard,
                              shard_size=self.shard_size)
        return frame["status"].value_counts().to_string()


@dataclass(frozen=True)
class Evaluate(Job):
    KIND = "evaluate"
    HELP = "Verdicts and pass@k for samples generated elsewhere."
    THREADS = "workers"

    benchmark: str = setting()
    samples: str = reads(help="samples.jsonl (task_id + completion or solution), or any format of --format")
    out: str = writes(help="verdicts, one JSON object per line")
    format: str | None = setting(None, help="the samples file's format (default: samples-jsonl or paper-json, "
                                            "told apart by the file)")
    prompts: str | None = reads(default=None, help="codet-jsonl: JSON Lines of {task_id, prompt} naming each prompt's task")
    data: str | None = reads(default=None, help="local benchmark file (default: the Hugging Face hub)")
    truncate: bool = setting(False, help="cut completions at the benchmark's stop sequences")
    timeout: float | None = setting(None, help="most CPU seconds per program (APPS: per test case)",
                                    metadata={"above": 0})
    workers: int = setting(max(1, os.cpu_count() or 1), metadata={"at_least": 1})
    policy: TimePolicy = setting(TimePolicy())

    def run(self):
        from ..execution.evaluate import evaluate_file, pass_at_k_report

        verdicts, problems = evaluate_file(self.benchmark, self.samples, self.out, data=self.data, fmt=self.format,
                                           prompts=self.prompts, truncate=self.truncate, timeout=self.timeout,
                                           policy=self.policy, workers=self.workers)
        lines = [f"{len(verdicts)} samples of {verdicts['task_id'].nunique()}/{problems} {self.benchmark} problems "
                 f"-> {self.out}", verdicts["status"].value_counts().to_string()]
        lines += [f"pass@{k}: {100 * value:.2f}%" for k, value in pass_at_k_report(verdicts).items()]
        return "\n".join(lines)


@dataclass(frozen=True)
class ProbeShard(Job):
    KIND = "probe"
    HELP = "Every distinct program of a shard run against its model's own tests (in the sandbox)."
    THREADS = "workers"

    problems: str = reads()
    generations: str = reads()
    tests: str = reads()
    out: str = writes()
    shard: int = setting()
    shard_size: int = setting()
    limits: Limits = setting(Limits(timeout_s=default("selection", "probe_timeout_s")),
                             help="--timeout: most CPU seconds for all the tests of one program")
    test_timeout: float = setting(default("selection", "test_timeout_s"), help="most CPU seconds for each test or call")
    workers: int = setting(1)
    n: int = setting(1, help="samples per problem (what a cluster request is sized for)")

    @classmethod
    def of(cls, plan, benchmark: str, model: str, decoding: str, shard: str):
        selection = plan.config["selection"]
        return cls(problems=layout.PROBLEMS.format(benchmark=benchmark),
                   generations=layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding=decoding),
                   tests=layout.GENERATED_TESTS.format(benchmark=benchmark, model=model), shard=int(shard),
                   shard_size=plan.benchmark(benchmark).shard_size,
                   limits=Limits.of(plan.config, selection["probe_timeout_s"]),
                   test_timeout=selection["test_timeout_s"], workers=plan.config["execution"]["threads"],
                   n=plan.sampling(benchmark, model, decoding)[0],
                   out=layout.PROBES_SHARD.format(benchmark=benchmark, model=model, decoding=decoding, shard=shard))

    def resources(self, threads: int, hardware: dict) -> dict:
        return cluster.execution_job(programs=self.shard_size * self.n, workers=threads,
                                     timeout_s=self.limits.timeout_s, memory_mb=self.limits.memory_mb)

    def run(self):
        from ..execution.probe import probe_shard

        frame = probe_shard(problems_path=self.problems, generations_path=self.generations, tests_path=self.tests,
                            out=self.out, limits=self.limits, test_timeout_s=self.test_timeout, workers=self.workers,
                            shard=self.shard, shard_size=self.shard_size)
        return frame["status"].value_counts().to_string()
