"""python -m perf list | python -m perf run NAME|all [--quick]

``run`` measures ours and the baseline in one run and writes perf/results/NAME.json; ``all``
runs every benchmark, each in a fresh interpreter.  A benchmark whose data or baseline is not
here is skipped with the reason, and its committed result file is left as it was.
"""

from __future__ import annotations

import argparse
import sys

from perf import suite

SKIPPED = 3     # the exit status of a benchmark that could not run here


def summary(record: dict) -> str:
    return (f"{record['benchmark']}: ours {record['ours']:.4g} vs baseline {record['baseline']:.4g} "
            f"{record['units']}, ratio {record['ratio']:.3g}{' (quick)' if record['quick'] else ''} "
            f"-> {suite.result_path(record['benchmark']).relative_to(suite.REPO)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perf", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the benchmarks, one a line")
    run = commands.add_parser("run", help="measure one benchmark, or all, and write its result file")
    run.add_argument("name", help="a benchmark of `list`, or all")
    run.add_argument("--quick", action="store_true", help="a smaller workload (recorded as quick: true)")
    args = parser.parse_args(argv)
    names = suite.benchmarks()
    if args.command == "list":
        for name, description in names.items():
            print(f"{name:24} {description}")
        return 0
    if args.name == "all":
        outcomes = {name: suite.run_isolated(name, args.quick) for name in names}
        skipped = [name for name, code in outcomes.items() if code == SKIPPED]
        failed = [name for name, code in outcomes.items() if code not in (0, SKIPPED)]
        print(f"{len(outcomes) - len(skipped) - len(failed)} measured; skipped: {', '.join(skipped) or 'none'}; "
              f"failed: {', '.join(failed) or 'none'}")
        return 1 if failed else 0
    if args.name not in names:
        parser.error(f"no benchmark {args.name!r}; `python -m perf list` names them")
    try:
        record = suite.run(args.name, args.quick)
    except suite.Unavailable as reason:
        print(f"{args.name}: skipped, {reason}", file=sys.stderr)
        return SKIPPED
    print(summary(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
