"""What a plan draws and tabulates: figures, tables, rankings and selection studies, and the
``all`` target that lists every artifact the config's benchmarks and models allow."""

from __future__ import annotations

from pathlib import Path

from .. import layout
from ..config import ConfigError
from .values import BudgetFigure, Ranking, Selection


class Outputs:
    """The figures, tables and targets of a :class:`~budget_realloc.plan.Plan` (mixed into it)."""

    def budget_figures(self) -> list[BudgetFigure]:
        out = []
        for figure, spec in self.config["figures"].items():
            benchmark = self.resolve(spec["benchmark"])
            if benchmark is None:
                continue
            members = self.family_on(benchmark, spec["family"])
            if members:
                out.append(BudgetFigure(figure, benchmark, spec["family"], tuple(members)))
        return out

    def budget_figure(self, name: str) -> BudgetFigure:
        return next(f for f in self.budget_figures() if f.figure == name)

    def budget_curves(self) -> list[tuple[str, str]]:
        """(benchmark, family) pairs whose budget curves some figure or the families table needs."""
        return sorted({(f.benchmark, f.family) for f in self.budget_figures()} | set(self.verdict_families()))

    def verdict_families(self) -> list[tuple[str, str]]:
        """(benchmark, family) pairs of the families table (``tables.families``): every family
        with two or more models on each of its benchmarks."""
        spec = self.config["tables"].get("families")
        if not spec:
            return []
        benchmarks = [b for b in (self.resolve(r) for r in spec["benchmarks"]) if b]
        return [(b, f) for b in benchmarks for f in self.config["families"] if len(self.family_on(b, f)) > 1]

    def policy_families(self) -> list[tuple[str, str]]:
        """(benchmark, family) pairs whose policies are tabulated (config ``policies.families``)."""
        chosen = self.config["policies"]["families"]
        return [(b, f) for b, f in self.budget_curves() if f in chosen]

    def family_on(self, benchmark: str, family: str) -> list[str]:
        return [m for m in self.config["families"][family] if m in self.benchmark(benchmark).n]

    def rankings(self) -> list[Ranking]:
        """One entry per ranked benchmark: generator, rankers and the verifier if it applies."""
        ranking = self.config.get("ranking")
        if not ranking:
            return []
        verifier = ranking.get("verifier")
        verified = {self.resolve(r) for r in verifier["benchmarks"]} if verifier else set()
        out = []
        for ref in ranking["benchmarks"]:
            benchmark = self.resolve(ref)
            if benchmark is None or ranking["generator"] not in self.benchmark(benchmark).n:
                continue
            self._need_programs(benchmark, "ranking.benchmarks", "rank")
            out.append(Ranking(benchmark, ranking["generator"], tuple(ranking["rankers"]),
                               verifier["model"] if benchmark in verified else None))
        return out

    def ranking(self, benchmark: str, generator: str) -> Ranking:
        for entry in self.rankings():
            if entry.benchmark == benchmark and entry.generator == generator:
                return entry
        raise KeyError(f"no ranking of {generator} on {benchmark} is configured")

    def selections(self) -> list[Selection]:
        """Each selection study: the family's models on a benchmark, smallest first; every one of
        them needs its generated tests there (and HumanEval-style problems)."""
        selection = self.config.get("selection")
        if not selection:
            return []
        out = []
        for ref in selection["benchmarks"]:
            benchmark = self.resolve(ref)
            models = self.family_on(benchmark, selection["family"]) if benchmark else []
            if models:
                self._need_programs(benchmark, "selection.benchmarks", "select among")
            if not models or self.counts_only(benchmark):     # released counts standing in for samples
                continue
            untested = [m for m in models if not self.tests_of(benchmark, m)]
            if untested:
                raise ConfigError(f"config: selection: {', '.join(untested)} on {benchmark} need the tests they wrote "
                                  f"(models.<name>.samples.{benchmark}.tests)")
            if self.benchmark(benchmark).kind != "humaneval":
                raise ConfigError(f"config: selection.benchmarks: {benchmark} is {self.benchmark(benchmark).kind}; "
                                  "generated tests are read for HumanEval-style problems (an entry point)")
            out.append(Selection(benchmark, tuple(models)))
        return out

    def _need_programs(self, benchmark: str, key: str, what: str) -> None:
        """Ranking and selection read programs; a benchmark known only by counts has none."""
        bench = self.benchmark(benchmark)
        if bench.counts_only_kind:
            raise ConfigError(f"config: {key}: {benchmark} is a {bench.kind} benchmark, known only by per-problem "
                              f"pass counts: there are no programs to {what} (leave it out there)")

    def passk_tables(self) -> dict[str, list[str]]:
        """Tables 2-4 that have at least one benchmark here, with the benchmarks they show."""
        out = {}
        for table in ("table2", "table3", "table4"):
            spec = self.config["tables"].get(table)
            if spec:
                benchmarks = [b for b in (self.resolve(r) for r in spec["benchmarks"]) if b]
                if benchmarks:
                    out[table] = benchmarks
        return out

    def figures(self) -> list[str]:
        names = [f.figure for f in self.budget_figures()]
        rankings = self.rankings()
        if rankings:
            names.append("fig8")
        if any(r.verifier for r in rankings):
            names.append("fig9")
        return names

    def tables(self) -> list[str]:
        names = list(self.passk_tables())
        if "table1" in self.config["tables"]:
            names.insert(0, "table1")
        return names

    def targets(self) -> list[str]:
        """Every artifact the config's benchmarks and models allow: the ``all`` target."""
        out = [layout.FIGURE.format(figure=f, ext=e) for f in self.figures() for e in layout.FIGURE_FORMATS]
        out += [layout.TABLE.format(table=t, ext=e) for t in self.tables() for e in layout.TABLE_FORMATS]
        out += [path.format(benchmark=r.benchmark, model=r.model) for r in self.runs()
                for path in (layout.PASS_AT_K, layout.TASK_COUNTS, layout.EXTRAPOLATED)]
        out += [layout.GENERATIONS.format(benchmark=r.benchmark, model=r.model, decoding=d)
                for r in self.executed() for d in r.decodings]
        out += [layout.COUNTS.format(benchmark=b) for b in self.benchmarks if not self.counts_only(b)]
        if self.budget_curves():
            out += [layout.CROSSOVER, layout.CROSSOVER_SUMMARY, layout.CLAIMS, layout.MATCHES]
        if self.verdict_families():
            out += [layout.FAMILIES]
        for benchmark, family in self.policy_families():
            out += [layout.POLICIES.format(benchmark=benchmark, family=family)]
            out += [layout.POLICIES_FIGURE.format(benchmark=benchmark, family=family, ext=e) for e in layout.FIGURE_FORMATS]
        if self.policy_families() and Path(self.config["policies"]["osca"]).is_file():
            out += [layout.POLICIES_OSCA]
        if any(self.calibration_sources().values()):
            out += [layout.CALIBRATION, layout.CALIBRATION_TABLE]
        for selection in self.selections():
            out += [layout.SELECTION.format(benchmark=selection.benchmark)]
            out += [layout.SELECTION_FIGURE.format(benchmark=selection.benchmark, ext=e) for e in layout.FIGURE_FORMATS]
        return out + [layout.PAPER_CLAIMS]
