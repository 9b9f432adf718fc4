"""Ranking without unit tests (Section 5): NLL of the generator's samples under each ranker, a
verifier's scores, and rank-score@k; selection without the benchmark's tests: each model's own
generated tests parsed, every distinct program probed against them (jobs.execution.ProbeShard),
and selectors, cascades and single samples compared at the same budget."""

from __future__ import annotations

from dataclasses import dataclass

from .. import cluster, layout
from ..config import default
from .base import Job, reads, setting, writes


@dataclass(frozen=True)
class ScoreSamples(Job):
    """Every sample of a generations file scored by one model: a ranker (mean NLL) or a verifier."""

    ENV = "models"
    SCORER = "nll"

    problems: str = reads()
    generations: str = reads()
    source: str = setting()
    out: str = writes()
    model_dir: str | None = reads(default=None)
    dtype: str = setting(default("models", "*", "dtype"))
    device: str = setting(default("device"))
    batch_size: int = setting(default("ranking", "batch_size"))
    architecture: str | None = setting(None, help="its config.json, to size a cluster request")
    tokens: int = setting(0, help="tokens it scores (what a cluster request is sized for)")
    new_tokens: int = setting(0)

    @classmethod
    def scoring(cls, plan, benchmark: str, model: str, scorer: str):
        spec = plan.model(scorer)
        n, sampling = plan.sampling(benchmark, model)
        # a ranker runs a problem's prompt once for all its samples (ranking.nll); the verifier
        # reads prompt and program together, sample by sample
        per_problem = (cluster.PROMPT_TOKENS + n * sampling.max_new_tokens if cls.SCORER == "nll"
                       else n * (cluster.PROMPT_TOKENS + sampling.max_new_tokens))
        template = layout.NLL if cls.SCORER == "nll" else layout.VERIFIER_SCORES
        return cls(problems=layout.PROBLEMS.format(benchmark=benchmark),
                   generations=layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding="sampled"),
                   source=spec.source, model_dir=layout.MODEL_DIR.format(model=scorer) if spec.build else None,
                   dtype=spec.dtype, device=plan.config["device"], batch_size=plan.config["ranking"]["batch_size"],
                   architecture=spec.architecture_json, tokens=plan.num_problems(benchmark) * per_problem,
                   new_tokens=sampling.max_new_tokens,
                   out=template.format(benchmark=benchmark, model=model, ranker=scorer, verifier=scorer))

    def resources(self, threads: int, hardware: dict) -> dict:
        return cluster.model_job(self.architecture, dtype=self.dtype, device=self.device, batch=self.batch_size,
                                 new_tokens=self.new_tokens, tokens=self.tokens, threads=threads, cluster=hardware)

    def run(self):
        from ..ranking.score_samples import score_samples

        score_samples(scorer=self.SCORER, problems_path=self.problems, generations_path=self.generations,
                      source=self.source, dtype=self.dtype, device=self.device, batch_size=self.batch_size,
                      out=self.out)


@dataclass(frozen=True)
class RankNll(ScoreSamples):
    KIND = "rank-nll"
    HELP = "Mean NLL of each sample under a ranker model."

    @classmethod
    def of(cls, plan, benchmark: str, model: str, ranker: str):
        return cls.scoring(plan, benchmark, model, ranker)


@dataclass(frozen=True)
class Verify(ScoreSamples):
    KIND = "verify"
    HELP = "A verifier's log P(correct) for each sample."
    SCORER = "verifier"

    @classmethod
    def of(cls, plan, benchmark: str, model: str, verifier: str):
        return cls.scoring(plan, benchmark, model, verifier)


@dataclass(frozen=True)
class RankScore(Job):
    KIND = "rank-score"
    HELP = "rank-score@k and its budget form per ranker."

    generations: str = reads()
    executions: str = reads()
    generator: str = setting()
    nll: dict = reads(help="ranker -> its NLL scores")
    costs: dict = reads(help="model -> its costs")
    out: str = writes()
    unfinished: str = setting(default("ranking", "unfinished"))
    verifier_scores: str | None = reads(default=None)
    verifier_flops: str | None = reads(default=None)
    nll_weight: float = setting(default("ranking", "verifier", "nll_weight"))

    @classmethod
    def of(cls, plan, benchmark: str, model: str, variant: str):
        entry = plan.ranking(benchmark, model)
        verified = variant == "verifier"
        return cls(generations=layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding="sampled"),
                   executions=layout.EXECUTIONS.format(benchmark=benchmark, model=model, decoding="sampled"),
                   generator=model,
                   nll={r: layout.NLL.format(benchmark=benchmark, model=model, ranker=r) for r in entry.rankers},
                   costs={m: plan.cost_file(benchmark, m) for m in [model, *entry.rankers]},
                   unfinished=plan.config["ranking"]["unfinished"],
                   verifier_scores=layout.VERIFIER_SCORES.format(benchmark=benchmark, model=model,
                                                                 verifier=entry.verifier) if verified else None,
                   verifier_flops=plan.flops_file(entry.verifier) if verified else None,
                   nll_weight=plan.config["ranking"]["verifier"]["nll_weight"] if verified else 1.0,
                   out=layout.RANK_SCORE.format(benchmark=benchmark, model=model, variant=variant))

    def run(self):
        from ..io import write_csv
        from ..ranking.report import rank_score_report

        write_csv(rank_score_report(self), self.out)


@dataclass(frozen=True)
class GeneratedTests(Job):
    KIND = "generated-tests"
    HELP = "A model's own generated tests per problem, parsed."

    format: str = setting()
    test_files: tuple[str, ...] = reads()
    records: str = reads(help="the benchmark's file (entry points)")
    generations: str = reads()
    out: str = writes()
    prompts_file: str | None = reads(default=None)
    limit: int = setting(default("selection", "test_limit"))

    @classmethod
    def of(cls, plan, benchmark: str, model: str):
        tests = plan.tests_of(benchmark, model)
        return cls(format=tests.format, test_files=tests.files, prompts_file=tests.prompts,
                   limit=plan.config["selection"]["test_limit"], records=plan.benchmark(benchmark).path,
                   generations=layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding="sampled"),
                   out=layout.GENERATED_TESTS.format(benchmark=benchmark, model=model))

    def run(self):
        from ..ranking.generated_tests import write_tests

        write_tests(fmt=self.format, files=list(self.test_files), prompts=self.prompts_file, records_path=self.records,
                    generations_path=self.generations, limit=self.limit, out=self.out)


@dataclass(frozen=True)
class Select(Job):
    KIND = "select"
    HELP = "Selection without the benchmark's tests at the same budget: table and figure."
    ENV = "plot"

    models: tuple[str, ...] = setting(help="the family's models, smallest first")
    labels: dict = setting()
    title: str = setting()
    generations: dict = reads()
    executions: dict = reads()
    probes: dict = reads()
    tests: dict = reads()
    counts: dict = reads()
    pass_at_k: dict = reads()
    costs: dict = reads()
    out: str = writes()
    pdf: str = writes()
    png: str = writes()
    selectors: tuple[str, ...] = setting(tuple(default("selection", "selectors")))
    ks: tuple[int, ...] = setting(tuple(default("selection", "ks")))
    thetas: tuple[float, ...] = setting(tuple(default("selection", "thetas")))
    cascade_ks: tuple[int, ...] = setting(tuple(default("selection", "cascade_ks")))
    confidence: str = setting(default("selection", "confidence"))
    draws: int = setting(default("selection", "draws"))
    seed: int = setting(default("seed"))

    @classmethod
    def of(cls, plan, benchmark: str):
        settings = plan.config["selection"]
        models = next(s.models for s in plan.selections() if s.benchmark == benchmark)

        def files(template, **extra):
            return {m: template.format(benchmark=benchmark, model=m, **extra) for m in models}

        return cls(models=models, labels={m: plan.label(m) for m in models},
                   title=f"Selection without the benchmark's tests: {plan.benchmark_title(benchmark)}; "
                         f"{', '.join(plan.label(m) for m in models)}",
                   generations=files(layout.GENERATIONS, decoding="sampled"),
                   executions=files(layout.EXECUTIONS, decoding="sampled"),
                   probes=files(layout.PROBES, decoding="sampled"), tests=files(layout.GENERATED_TESTS),
                   counts=files(layout.TASK_COUNTS), pass_at_k=files(layout.PASS_AT_K),
                   costs={m: plan.cost_file(benchmark, m) for m in models},
                   selectors=tuple(settings["selectors"]), ks=tuple(settings["ks"]), thetas=tuple(settings["thetas"]),
                   cascade_ks=tuple(settings["cascade_ks"]), confidence=settings["confidence"],
                   draws=settings["draws"], seed=plan.bootstrap(benchmark)["seed"],
                   out=layout.SELECTION.format(benchmark=benchmark),
                   pdf=layout.SELECTION_FIGURE.format(benchmark=benchmark, ext="pdf"),
                   png=layout.SELECTION_FIGURE.format(benchmark=benchmark, ext="png"))

    def run_files(self, model: str) -> dict[str, str]:
        """One model's files, by kind (what ranking.selection reads of a run)."""
        return {kind: getattr(self, kind)[model]
                for kind in ("generations", "executions", "probes", "tests", "counts", "pass_at_k", "costs")}

    def run(self):
        from ..figures.selection_figure import selection_figure
        from ..ranking.selection import write_selection

        table = write_selection(self)
        selection_figure(table, self.labels, self.title, self.pdf, self.png)
