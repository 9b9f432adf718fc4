"""The inputs of every figure, table and budget job, as JSON-able specs built from the plan.

A rule passes a spec to its subcommand (``--spec``) and declares :func:`files` of the same spec
as its input, so what a job reads and what Snakemake waits for cannot drift apart.  Files sit
under the keys of :data:`FILE_KEYS`; everything else in a spec is a setting or a label.
"""

from __future__ import annotations

import re

from . import layout
from .plan import Plan

FILE_KEYS = ("pass_at_k", "costs", "file", "rank_score", "generations", "executions", "nll", "flops", "counts",
             "extrapolated", "pairs", "match", "base", "architecture_file", "problems_file", "tests", "probes",
             "test_files", "prompts_file", "records")


def files(spec) -> list[str]:
    """Every input file a spec names (under :data:`FILE_KEYS`, at any depth), in order, once."""
    found: list[str] = []

    def walk(value, is_file: bool):
        if isinstance(value, str):
            if is_file and value not in found:
                found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, is_file or key in FILE_KEYS)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, is_file)

    walk(spec, False)
    return found


def _figure(plan: Plan, name: str):
    return next(f for f in plan.budget_figures() if f.figure == name)


def budget_figure(plan: Plan, name: str) -> dict:
    """Figures 2-6, 10-11 and ours: the runs' pass@k tables and costs, the paper's published
    points of every model the paper also ran, and a note for runs read from published counts."""
    figure = _figure(plan, name)
    models = figure.models
    paper_benchmark = plan.benchmark(figure.benchmark).get("paper")
    shows = f"{plan.benchmark_title(figure.benchmark)}; {', '.join(plan.label(m) for m in models)}"
    own_title = plan.config["figures"][name].get("title")
    paper_number = re.fullmatch(r"fig(\d+)", name)
    title = f"{own_title}: {shows}" if own_title else f"Figure {paper_number[1]}: {shows}" if paper_number else shows
    counted = [m for m in models if (s := plan.source(figure.benchmark, m)) is not None and s.counts]
    return {
        "title": title,
        "notes": [f"{', '.join(plan.label(m) for m in counted)}: per-problem pass counts read from "
                  f"{plan.source(figure.benchmark, counted[0]).files[0]} (nothing executed)"] if counted else [],
        "models": list(models),        # the family's order (the rule's JSON sorts dict keys)
        "labels": {m: plan.label(m) for m in models},
        "pass_at_k": {m: layout.PASS_AT_K.format(benchmark=figure.benchmark, model=m) for m in models},
        "extrapolated": {m: layout.EXTRAPOLATED.format(benchmark=figure.benchmark, model=m) for m in models},
        "costs": {m: plan.cost_file(figure.benchmark, m) for m in models},
        "paper": {m: {"benchmark": paper_benchmark, "model": plan.model(m)["paper"],
                      "table1_row": plan.paper_cost_name(m)}
                  for m in models if paper_benchmark and "paper" in plan.model(m)},
    }


def budget_curves(plan: Plan, benchmark: str, family: str) -> dict:
    """A family's budget curves, paired comparisons and cost to match (metrics.family)."""
    models = plan.family_on(benchmark, family)
    return {"models": models,
            "pass_at_k": {m: layout.PASS_AT_K.format(benchmark=benchmark, model=m) for m in models},
            "counts": {m: layout.TASK_COUNTS.format(benchmark=benchmark, model=m) for m in models},
            "costs": {m: plan.cost_file(benchmark, m) for m in models},
            "bootstrap": plan.bootstrap(benchmark), **plan.config["budgets"]}


RANKING_FIGURES = {"fig8": "nll", "fig9": "verifier"}


def ranking_figure(plan: Plan, name: str) -> dict:
    variant = RANKING_FIGURES[name]
    entries = [e for e in plan.rankings() if variant == "nll" or e["verifier"]]
    models = list(dict.fromkeys(m for e in entries for m in [e["generator"], *e["rankers"]]))
    generator = entries[0]["generator"]
    return {
        "title": f"Figure {name[3:]}: ranking {plan.label(generator)}'s samples without unit tests"
        + (" (NLL combined with a verifier)" if variant == "verifier" else " (mean NLL)"),
        "models": models,          # the config's order (the JSON spec sorts dict keys)
        "labels": {m: plan.label(m) for m in models},
        "panels": [{
            "title": plan.benchmark_title(e["benchmark"]),
            "rank_score": layout.RANK_SCORE.format(benchmark=e["benchmark"], model=e["generator"], variant=variant),
            "pass_at_k": {m: layout.PASS_AT_K.format(benchmark=e["benchmark"], model=m)
                          for m in [e["generator"], *e["rankers"]] if m in plan.benchmark(e["benchmark"])["n"]},
            "costs": {m: plan.cost_file(e["benchmark"], m) for m in [e["generator"], *e["rankers"]]},
        } for e in entries],
    }


def ranking_entry(plan: Plan, benchmark: str, generator: str) -> dict:
    for entry in plan.rankings():
        if entry["benchmark"] == benchmark and entry["generator"] == generator:
            return entry
    raise KeyError(f"no ranking of {generator} on {benchmark} is configured")


def rank_score(plan: Plan, benchmark: str, generator: str, variant: str) -> dict:
    """rank-score@k of one generator's samples under each ranker (and the verifier)."""
    entry = ranking_entry(plan, benchmark, generator)
    run = {"benchmark": benchmark, "model": generator, "decoding": "sampled"}
    spec = {
        "generations": layout.GENERATIONS.format(**run),
        "executions": layout.EXECUTIONS.format(**run),
        "generator": generator,
        "nll": {r: layout.NLL.format(benchmark=benchmark, model=generator, ranker=r) for r in entry["rankers"]},
        "costs": {m: plan.cost_file(benchmark, m) for m in [generator, *entry["rankers"]]},
        "unfinished": plan.config["ranking"]["unfinished"],
    }
    if variant == "verifier":
        spec["verifier"] = {"file": layout.VERIFIER_SCORES.format(benchmark=benchmark, model=generator,
                                                                  verifier=entry["verifier"]),
                            "flops": layout.FLOPS.format(model=entry["verifier"]),
                            "nll_weight": plan.config["ranking"]["verifier"]["nll_weight"]}
    return spec


MODELLED_TIME = ("idealized", "calibrated")     # cost models whose time axis is the roofline's


def run_costs(plan: Plan, benchmark: str, model: str) -> dict:
    """A run's budget axes (costs.axes): the model's own costs, and what the idealized times need."""
    costs = plan.config["costs"]
    source = plan.source(benchmark, model)
    executed = not (source is not None and source.counts)
    sampling = plan.sampling(benchmark, model)
    spec = {"base": plan.base_cost_file(benchmark, model), "samples_per_prompt": sampling["n"],
            "max_new_tokens": sampling["max_new_tokens"], "accelerators": costs["idealized_accelerators"],
            "time_accelerator": costs["accelerator"] if plan.config["cost_model"] in MODELLED_TIME else None,
            "calibrated": plan.config["cost_model"] != "idealized", "engine": costs["engine"],
            "usd_per_device_hour": costs.get("usd_per_device_hour"), "time_unit": costs["time_unit"]}
    architecture = plan.architecture(model)
    if architecture.endswith(".json"):
        spec["architecture_file"] = architecture
    if executed:
        spec["problems_file"] = layout.PROBLEMS.format(benchmark=benchmark)
        spec["generations"] = layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding="sampled")
    return spec


def cost_table(plan: Plan) -> dict:
    families = {f: plan.config["families"][f] for f in plan.config["tables"]["table1"]["families"]}
    models = [m for members in families.values() for m in members]
    return {"families": families, "labels": {m: plan.label(m) for m in models},
            "costs": {m: layout.COSTS.format(model=m) for m in models}}


def passk_table(plan: Plan, table: str) -> dict:
    settings = plan.config["tables"][table]
    benchmarks = plan.passk_tables()[table]
    rows = [{"benchmark": plan.benchmark(b).get("label", b), "model": plan.label(m),
             "pass_at_k": layout.PASS_AT_K.format(benchmark=b, model=m)}
            for b in benchmarks for family in settings["families"] for m in plan.family_on(b, family)]
    names = ", ".join(plan.benchmark(b).get("label", b) for b in benchmarks)
    return {"rows": rows, "ks": settings["ks"],
            "caption": f"Table {table[5:]}: pass@k (%) on {names}; -- where k > n/2."}


def crossover(plan: Plan) -> dict:
    """Every family's curves, pairs and cost to match: the crossover, claims and match tables."""
    return {"curves": [{"benchmark": b, "family": f, "file": layout.BUDGET.format(benchmark=b, family=f),
                        "pairs": layout.PAIRS.format(benchmark=b, family=f),
                        "match": layout.MATCH.format(benchmark=b, family=f),
                        "models": plan.family_on(b, f)} for b, f in plan.budget_curves()]}


def counts(plan: Plan, benchmark: str) -> dict:
    """The per-problem counts of every run executed on a benchmark (results/<b>/counts.csv)."""
    return {"runs": [{"model": m, "decoding": d,
                      "executions": layout.EXECUTIONS.format(benchmark=benchmark, model=m, decoding=d)}
                     for b, m in plan.executed() if b == benchmark for d in plan.decodings(b, m)]}


def figure_report_labels(plan: Plan, name: str) -> dict:
    """What the report's list of figures shows beside each one."""
    figures = {f.figure: f for f in plan.budget_figures()}
    if name in figures:
        figure = figures[name]
        shows = f"{plan.benchmark_title(figure.benchmark)}; {', '.join(plan.label(m) for m in figure.models)}"
    else:
        shows = ", ".join(plan.benchmark_title(e["benchmark"]) for e in plan.rankings())
    number = re.fullmatch(r"fig(\d+)", name)
    return {"figure": f"Figure {number[1]}" if number else name, "shows": shows}


def generated_tests(plan: Plan, benchmark: str, model: str) -> dict:
    """A model's own tests on a benchmark, parsed (ranking.generated_tests.write_tests)."""
    tests = plan.tests_of(benchmark, model)
    spec = {"format": tests["format"], "test_files": tests["files"], "limit": plan.config["selection"]["test_limit"],
            "records": plan.paths[benchmark],
            "generations": layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding="sampled")}
    if tests["prompts"]:
        spec["prompts_file"] = tests["prompts"]
    return spec


def selection(plan: Plan, benchmark: str) -> dict:
    """One selection study (ranking.selection.select): every model's runs and settings."""
    settings = plan.config["selection"]
    models = dict(plan.selections())[benchmark]
    run = lambda m, path, **extra: path.format(benchmark=benchmark, model=m, **extra)   # noqa: E731
    return {
        "models": models, "labels": {m: plan.label(m) for m in models},
        "title": f"Selection without the benchmark's tests: {plan.benchmark_title(benchmark)}; "
                 f"{', '.join(plan.label(m) for m in models)}",
        "runs": {m: {"generations": run(m, layout.GENERATIONS, decoding="sampled"),
                     "executions": run(m, layout.EXECUTIONS, decoding="sampled"),
                     "probes": run(m, layout.PROBES, decoding="sampled"), "tests": run(m, layout.GENERATED_TESTS),
                     "counts": run(m, layout.TASK_COUNTS), "pass_at_k": run(m, layout.PASS_AT_K),
                     "costs": plan.cost_file(benchmark, m)} for m in models},
        "selectors": settings["selectors"], "ks": settings["ks"], "thetas": settings["thetas"],
        "cascade_ks": settings["cascade_ks"], "confidence": settings["confidence"], "draws": settings["draws"],
        "seed": plan.bootstrap(benchmark)["seed"],
    }
