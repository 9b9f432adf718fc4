"""Generation: one job per shard of problems, or a run's files made elsewhere imported whole;
shards are gathered into one file per run."""

from __future__ import annotations

from dataclasses import dataclass

from .. import cluster, layout
from ..config import default
from ..generation.backend import Sampling
from .base import Job, reads, setting, writes


@dataclass(frozen=True)
class GenerateShard(Job):
    KIND = "generate"
    HELP = "Generate the samples of one shard of problems."
    ENV = "models"

    problems: str = reads()
    benchmark: str = setting()
    model: str = setting()
    source: str = setting(help="what from_pretrained loads: a model directory or a hub id")
    shard: int = setting()
    shard_size: int = setting()
    n: int = setting()
    sampling: Sampling = setting()
    out: str = writes()
    model_dir: str | None = reads(default=None, help="the model's directory, where it is built here")
    seed: int = setting(default("seed"))
    backend: str = setting(default("generation", "backend"))
    dtype: str = setting(default("models", "*", "dtype"))
    device: str = setting(default("device"))
    batch_size: int = setting(default("models", "*", "batch_size"))
    architecture: str | None = setting(None, help="its config.json, to size a cluster request")

    @classmethod
    def of(cls, plan, benchmark: str, model: str, decoding: str, shard: str):
        spec = plan.model(model)
        n, sampling = plan.sampling(benchmark, model, decoding)
        return cls(problems=layout.PROBLEMS.format(benchmark=benchmark), model_dir=_built(spec), benchmark=benchmark,
                   model=model, source=spec.source, shard=int(shard), shard_size=plan.benchmark(benchmark).shard_size,
                   n=n, sampling=sampling, seed=plan.config["seed"], backend=plan.config["generation"]["backend"],
                   dtype=spec.dtype, device=plan.config["device"], batch_size=spec.batch_size,
                   architecture=spec.architecture_json,
                   out=layout.GENERATIONS_SHARD.format(benchmark=benchmark, model=model, decoding=decoding,
                                                       shard=shard))

    def resources(self, threads: int, hardware: dict) -> dict:
        # shard_size bounds a shard's problems; one batch holds samples of several problems
        sequences = self.shard_size * self.n
        return cluster.model_job(self.architecture, dtype=self.dtype, device=self.device,
                                 batch=min(self.batch_size, sequences), new_tokens=self.sampling.max_new_tokens,
                                 tokens=sequences * self.sampling.max_new_tokens, threads=threads, cluster=hardware)

    def run(self):
        from ..generation.generate import generate_shard

        frame = generate_shard(problems_path=self.problems, shard=self.shard, shard_size=self.shard_size, out=self.out,
                               model=self.model, source=self.source, benchmark=self.benchmark, n=self.n,
                               sampling=self.sampling, seed=self.seed, backend=self.backend, dtype=self.dtype,
                               device=self.device, batch_size=self.batch_size)
        return f"{len(frame)} samples, {int(frame['finished'].sum())} finished -> {self.out}"


def _built(model) -> str | None:
    """The model directory a job needs if the model is built here (hub models: nothing)."""
    return layout.MODEL_DIR.format(model=model.name) if model.build else None


@dataclass(frozen=True)
class ImportRun(Job):
    KIND = "import"
    HELP = "Generations made elsewhere, read from their files."

    problems: str = reads()
    files: tuple[str, ...] = reads(flag="files")
    out: str = writes()
    format: str = setting()
    n: int | None = setting(None, help="samples per problem: the first n in file order (default: what the files hold)")
    truncate: bool = setting(False, help="cut completions at the benchmark's stop sequences")
    prompts: str | None = reads(default=None, help="codet-jsonl: JSON Lines of {task_id, prompt} naming each prompt's task")
    subset: bool = setting(False, help="the benchmark is limited to its first problems: samples of the others "
                                       "are left out, not refused")
    n_key: str = setting("n", help="where n was set (a config key), named if the files hold fewer")

    @classmethod
    def of(cls, plan, benchmark: str, model: str, decoding: str):
        source = plan.source(benchmark, model)
        return cls(problems=layout.PROBLEMS.format(benchmark=benchmark), files=tuple(source.read(decoding)),
                   prompts=source.prompts, n=plan.sampling(benchmark, model, decoding)[0], format=source.format,
                   truncate=source.truncate, subset=bool(plan.benchmark(benchmark).limit),
                   n_key=f"benchmarks.{benchmark}.n.{model}" if decoding == "sampled" else "n (greedy)",
                   out=layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding=decoding))

    def run(self):
        from ..generation.gather import import_generations

        frame = import_generations(problems_path=self.problems, out=self.out, fmt=self.format, files=list(self.files),
                                   n=self.n, truncate=self.truncate, prompts=self.prompts, subset=self.subset,
                                   n_key=self.n_key)
        return f"{len(frame)} samples of {frame['task_id'].nunique()} tasks -> {self.out}"


@dataclass(frozen=True)
class GatherShards(Job):
    KIND = "gather"
    HELP = "Concatenate shard files into one Parquet file."

    shards: tuple[str, ...] = reads(flag="inputs")
    out: str = writes()
    problems: str | None = reads(default=None, help="with --n: check that every task has its samples, each once")
    n: int | None = setting(None, help="samples per task")
    at_most: bool = setting(False, help="tasks may have fewer than --n samples (made elsewhere)")

    @classmethod
    def of(cls, plan, benchmark: str, model: str, decoding: str, stage: str):
        shards = tuple(layout.SHARD.format(benchmark=benchmark, model=model, decoding=decoding, stage=stage,
                                           shard=shard) for shard in plan.shards(benchmark))
        return cls(problems=layout.PROBLEMS.format(benchmark=benchmark), shards=shards,
                   n=plan.sampling(benchmark, model, decoding)[0], at_most=plan.run(benchmark, model).made_elsewhere,
                   out=layout.GATHERED.format(benchmark=benchmark, model=model, decoding=decoding, stage=stage))

    def run(self):
        from ..generation.gather import gather_shards

        frame = gather_shards(list(self.shards), self.out, self.problems, self.n, exact=not self.at_most)
        return f"{len(frame)} rows from {len(self.shards)} shards -> {self.out}"

