"""Where every artifact lives: the one list of paths the rules and the ``all`` target share.

Templates use Snakemake wildcards; ``decoding`` is ``sampled`` (n nucleus samples per problem)
or ``greedy`` (one argmax decode). docs/data.md documents the columns of each file.
"""

RESULTS = "results"

TOKENIZER = "results/models/_tokenizer"
MODEL_DIR = "results/models/{model}"

PROBLEMS = "results/{benchmark}/problems.parquet"
SHARD = "results/{benchmark}/{model}/{decoding}/shards/{stage}-{shard}.parquet"
GATHERED = "results/{benchmark}/{model}/{decoding}/{stage}.parquet"
STAGES = ("generations", "executions", "probes")
GENERATIONS_SHARD = SHARD.replace("{stage}", "generations")
EXECUTIONS_SHARD = SHARD.replace("{stage}", "executions")
GENERATIONS = GATHERED.replace("{stage}", "generations")
EXECUTIONS = GATHERED.replace("{stage}", "executions")
PROBES_SHARD = SHARD.replace("{stage}", "probes")
PROBES = GATHERED.replace("{stage}", "probes")
GENERATED_TESTS = "results/{benchmark}/{model}/selection/tests.json"
PASS_AT_K = "results/{benchmark}/{model}/pass_at_k.csv"
TASK_COUNTS = "results/{benchmark}/{model}/task_counts.csv"
EXTRAPOLATED = "results/{benchmark}/{model}/extrapolated.csv"
COUNTS = "results/{benchmark}/counts.csv"
BUDGET = "results/{benchmark}/budget-{family}.csv"
PAIRS = "results/{benchmark}/pairs-{family}.csv"
MATCH = "results/{benchmark}/match-{family}.csv"
POLICIES = "results/{benchmark}/policies-{family}.csv"
POLICIES_FIGURE = "results/figures/policies-{benchmark}-{family}.{ext}"
POLICIES_OSCA = "results/tables/policies-osca.csv"
VISIBLE = "results/{benchmark}/{model}/sampled/visible.parquet"
VISIBLE_COUNTS = "results/{benchmark}/{model}/visible_counts.csv"

FLOPS = "results/costs/{model}.flops.json"
WALLTIME = "results/costs/{model}.walltime.json"
COSTS = "results/costs/{model}.costs.json"
MEASURED_COSTS = "results/{benchmark}/{model}/measured_costs.json"
RUN_COSTS = "results/{benchmark}/{model}/costs.json"

NLL = "results/{benchmark}/{model}/ranking/nll-{ranker}.parquet"
VERIFIER_SCORES = "results/{benchmark}/{model}/ranking/verifier-{verifier}.parquet"
RANK_SCORE = "results/{benchmark}/{model}/ranking/rank_score-{variant}.csv"

FIGURE = "results/figures/{figure}.{ext}"
TABLE = "results/tables/{table}.{ext}"
CROSSOVER = "results/tables/crossover.csv"
CROSSOVER_SUMMARY = "results/tables/crossover-summary.csv"
CALIBRATION = "results/costs/calibration.json"
CALIBRATION_TABLE = "results/tables/calibration.csv"
SELECTION = "results/tables/selection-{benchmark}.csv"
SELECTION_FIGURE = "results/figures/selection-{benchmark}.{ext}"
CLAIMS = "results/tables/claims.csv"
PAPER_CLAIMS = "results/tables/claims-paper.csv"
MATCHES = "results/tables/match.csv"
FAMILIES = "results/tables/families.csv"

DECODINGS = ("sampled", "greedy")
FIGURE_FORMATS = ("pdf", "png")
TABLE_FORMATS = ("csv", "md", "tex", "html")


def shard_name(index: int) -> str:
    """Zero-padded so shard files sort in problem order."""
    return f"{index:04d}"
