"""What a validated config names, as typed values: models, benchmarks, sample sources, and the
figures, rankings and selection studies drawn from them.

Why: every stage used to read these as dicts of strings (``"samples" in model``,
``bench["shard_size"]``), each re-deriving what a key's absence means.  Each value here is
built once from the config (budget_realloc.plan) and says it by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import layout
from ..benchmarks import COUNTS_ONLY
from ..generation.sample_files import COUNTS, CountsFilter


@dataclass(frozen=True)
class SampleSource:
    """Where the samples of a run made elsewhere are (config key ``models.<m>.samples.<b>``)."""

    format: str
    files: tuple[str, ...]        # sampled generations, or the one counts file
    greedy: str | None            # greedy decodes (for counts: the same file, if it has greedy rows)
    prompts: str | None = None
    truncate: bool = False

    @property
    def counts(self) -> bool:
        return self.format == COUNTS

    def read(self, decoding: str) -> list[str]:
        """The files one decoding of the run reads."""
        return list(self.files) if decoding == "sampled" else [self.greedy]


@dataclass(frozen=True)
class TestFiles:
    """The tests a model wrote for a benchmark's problems (``models.<m>.samples.<b>.tests``)."""

    format: str
    files: tuple[str, ...]
    prompts: str | None = None


@dataclass(frozen=True)
class Model:
    """One entry of ``models``: generated here (a hub id or built with random weights) or known
    by its generations made elsewhere."""

    name: str
    label: str
    dtype: str
    batch_size: int
    hub_id: str | None = None
    build: str | None = None
    architecture_file: str | None = None           # the config's ``architecture``
    sampling: dict = field(default_factory=dict)   # per-model overrides of the benchmarks' settings
    stated_costs: dict | None = None               # ``costs``: measured time of a sample made elsewhere
    paper: str | None = None
    paper_costs: str | None = None
    samples: dict = field(default_factory=dict)    # benchmark -> its ``samples`` entry
    training_cutoff: str | None = None             # ISO date: the latest its training data may hold

    @classmethod
    def of(cls, name: str, entry: dict) -> "Model":
        return cls(name=name, label=entry.get("label", name), dtype=entry["dtype"], batch_size=entry["batch_size"],
                   hub_id=entry.get("hub_id"), build=entry.get("build"), architecture_file=entry.get("architecture"),
                   sampling=entry.get("sampling", {}), stated_costs=entry.get("costs"), paper=entry.get("paper"),
                   paper_costs=entry.get("paper_costs"), samples=entry.get("samples", {}),
                   training_cutoff=entry.get("training_cutoff"))

    @property
    def made_elsewhere(self) -> bool:
        """Known only by generations made elsewhere: no weights here to sample, score or profile."""
        return bool(self.samples)

    @property
    def source(self) -> str | None:
        """What from_pretrained loads: the built directory, or the hub id."""
        return layout.MODEL_DIR.format(model=self.name) if self.build else self.hub_id

    @property
    def architecture(self) -> str:
        """What the FLOPs count builds on the meta device: a config.json, a built model's
        directory (its real vocabulary), or the hub id."""
        return self.architecture_file or self.source

    @property
    def architecture_json(self) -> str | None:
        """The architecture's config.json file, where one is given (the roofline and cluster read it)."""
        return self.architecture_file or self.build

    @property
    def paper_cost_name(self) -> str | None:
        """Whose row of the paper's Table 1 stands in for this model's cost, if any."""
        return self.paper_costs or self.paper


@dataclass(frozen=True)
class Benchmark:
    """One entry of ``benchmarks``, its local file resolved (None: the hub, or counts only)."""

    name: str
    kind: str
    label: str
    n: dict                       # model -> samples per problem
    shard_size: int
    temperature: float
    top_p: float
    max_new_tokens: int
    timeout_s: float
    path: str | None = None
    hub: str | None = None
    difficulty: str | None = None
    limit: int | None = None
    fewshot: str | None = None
    paper: str | None = None
    fallback: bool = False
    released_after: str | None = None   # counts only: problems released after this date (resolved)
    window_source: str = ""             # why that date ("" where the config gives it)

    @classmethod
    def of(cls, name: str, entry: dict, path: str | None, released_after: str | None = None,
           window_source: str = "") -> "Benchmark":
        return cls(name=name, kind=entry["kind"], label=entry.get("label", name), n=dict(entry["n"]),
                   shard_size=entry["shard_size"], temperature=entry["temperature"], top_p=entry["top_p"],
                   max_new_tokens=entry["max_new_tokens"], timeout_s=entry["timeout_s"], path=path,
                   hub=entry.get("hub"), difficulty=entry.get("difficulty"), limit=entry.get("limit"),
                   fewshot=entry.get("fewshot"), paper=entry.get("paper"), fallback=entry["fallback"],
                   released_after=released_after, window_source=window_source)

    @property
    def models(self) -> list[str]:
        return list(self.n)

    @property
    def counts_only_kind(self) -> bool:
        """A kind known only by published counts (LiveCodeBench): no problems, no programs."""
        return self.kind in COUNTS_ONLY

    @property
    def keep(self) -> CountsFilter:
        """The problems of its counts it keeps: a difficulty and a release window (counts-only kinds)."""
        if not self.counts_only_kind:
            return CountsFilter()
        return CountsFilter(difficulty=self.difficulty, released_after=self.released_after)


@dataclass(frozen=True)
class BudgetFigure:
    figure: str
    benchmark: str
    family: str
    models: tuple[str, ...]


@dataclass(frozen=True)
class Ranking:
    """One ranked benchmark (Section 5): the generator's samples, its rankers, and the verifier
    where it applies."""

    benchmark: str
    generator: str
    rankers: tuple[str, ...]
    verifier: str | None = None


@dataclass(frozen=True)
class Selection:
    """One selection study without the benchmark's tests: a family's models on a benchmark."""

    benchmark: str
    models: tuple[str, ...]


@dataclass(frozen=True)
class Run:
    """One model on one benchmark: generated here (``source`` None) or read from files made
    elsewhere, its decodings (greedy where asked for, or where the files have it)."""

    benchmark: str
    model: str
    decodings: tuple[str, ...]
    source: SampleSource | None = None

    @property
    def counts(self) -> bool:
        """Published per-problem counts: nothing is executed."""
        return self.source is not None and self.source.counts

    @property
    def made_elsewhere(self) -> bool:
        return self.source is not None
