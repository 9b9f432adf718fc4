"""Inputs: the offline tokenizer, tiny models built from architecture JSONs, benchmark problems."""

from __future__ import annotations

from dataclasses import dataclass

from .. import layout
from ..config import default
from .base import Job, reads, setting, writes


@dataclass(frozen=True)
class TrainTokenizer(Job):
    KIND = "train-tokenizer"
    HELP = "Train the byte-level BPE tokenizer of the tiny models."
    ENV = "models"

    out: str = writes()
    vocab_size: int = setting(default("tokenizer", "vocab_size"))
    corpus_bytes: int = setting(default("tokenizer", "corpus_bytes"))

    @classmethod
    def of(cls, plan):
        settings = plan.config["tokenizer"]
        return cls(out=layout.TOKENIZER, vocab_size=settings["vocab_size"], corpus_bytes=settings["corpus_bytes"])

    def run(self):
        from ..tiny_models import train_tokenizer

        train_tokenizer(self.out, self.vocab_size, self.corpus_bytes)


@dataclass(frozen=True)
class BuildModel(Job):
    KIND = "build-model"
    HELP = "Build a model with random weights from an architecture JSON."
    ENV = "models"

    name: str = setting()
    architecture: str = reads()
    tokenizer: str = reads()
    out: str = writes()
    seed: int = setting(default("seed"))

    @classmethod
    def of(cls, plan, model: str):
        return cls(name=model, architecture=plan.model(model).build, tokenizer=layout.TOKENIZER,
                   out=layout.MODEL_DIR.format(model=model), seed=plan.config["seed"])

    def run(self):
        from ..tiny_models import build_model

        build_model(self.architecture, self.tokenizer, self.out, self.seed, self.name)


@dataclass(frozen=True)
class PrepareBenchmark(Job):
    KIND = "prepare"
    HELP = "Load a benchmark and write its problems as Parquet."
    ENV = "models"

    kind: str = setting()
    out: str = writes()
    path: str | None = reads(default=None, help="a local benchmark file (default: the hub)")
    fewshot: str | None = reads(default=None)
    hub: str | None = setting(None)
    difficulty: str | None = setting(None)
    limit: int | None = setting(None)
    expect: int | None = setting(None, help="the problems planned")

    @classmethod
    def of(cls, plan, benchmark: str):
        bench = plan.benchmark(benchmark)
        return cls(kind=bench.kind, path=bench.path, hub=bench.hub, difficulty=bench.difficulty, limit=bench.limit,
                   fewshot=bench.fewshot, expect=plan.num_problems(benchmark),
                   out=layout.PROBLEMS.format(benchmark=benchmark))

    def run(self):
        from ..benchmarks import write_problems

        count = write_problems(self.kind, self.path, self.hub, self.difficulty, self.limit, self.fewshot, self.expect,
                               self.out)
        return f"{count} problems -> {self.out}"
