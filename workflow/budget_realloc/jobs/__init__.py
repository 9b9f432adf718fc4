"""Every kind of workflow job, by the name ``budget-realloc`` runs it under (jobs.base).

To add a kind: a frozen dataclass of ``Job`` in the module of its stage, with KIND, HELP, its
fields and ``run``; it is registered here by being a subclass, and both the Snakemake rule that
builds it (``of``) and the command line that runs it by hand read the same fields.
"""

from __future__ import annotations

import json

from ..errors import UserError
from . import costs, data, execution, generation, metrics, policies, ranking, reports
from .base import Job, build

STAGES = (data, generation, execution, costs, metrics, policies, ranking, reports)    # the modules that define the kinds


def _kinds(cls) -> dict[str, type[Job]]:
    found = {}
    for sub in cls.__subclasses__():
        if sub.KIND:
            found[sub.KIND] = sub
        found.update(_kinds(sub))
    return found


KINDS: dict[str, type[Job]] = dict(sorted(_kinds(Job).items()))


def from_json(text: str, threads: int | None = None) -> Job:
    """The job a rule serialised (Job.to_json); ``threads``: what Snakemake gave it, for the kinds
    that spread over workers."""
    values = json.loads(text)
    kind = values.pop("job", None)
    if kind not in KINDS:
        raise UserError(f"unknown job kind {kind!r} (one of {', '.join(KINDS)})")
    cls = KINDS[kind]
    if threads is not None and getattr(cls, "THREADS", None):
        values[cls.THREADS] = threads
    return build(cls, values)
