"""Execution: every sample run against its tests in a sandbox, by warm fork-server workers."""

from .executor import Executor
from .job import STATUSES, Job, Limits, Verdict

__all__ = ["STATUSES", "Executor", "Job", "Limits", "Verdict"]
