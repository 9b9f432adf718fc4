"""``budget-realloc``: one subcommand per job kind, each usable by hand as well.

The Snakemake rules run ``budget-realloc job JSON``, the job their plan built (budget_realloc.jobs);
by hand, ``budget-realloc <kind> --flag ...`` builds the same job from flags generated from its
fields, with the config schema's defaults, so a step run by hand and in the workflow agree.
Errors a user can fix (a bad file, a bad setting) end with one line naming the cause.
"""

from __future__ import annotations

import argparse
import sys

from .errors import UserError
from .jobs import KINDS, from_json
from .jobs.base import arguments, from_arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="budget-realloc", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    job = sub.add_parser("job", help="Run a job as a Snakemake rule serialised it (JSON).")
    job.add_argument("spec", help="the job's JSON (budget_realloc.jobs.base.Job.to_json)")
    job.add_argument("--threads", type=int, help="what Snakemake gave the job (its sandbox workers)")
    for kind, cls in KINDS.items():
        command = sub.add_parser(kind, help=cls.HELP, description=cls.HELP)
        for flags, options in arguments(cls):
            command.add_argument(*flags, **options)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "job":
            job = from_json(args.spec, args.threads)
        else:
            job = from_arguments(KINDS[args.command], vars(args))
        line = job.run()
        if line:
            print(line)
    except (UserError, FileNotFoundError) as error:
        print(f"budget-realloc {args.command}: error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
