"""Run many programs in parallel through warm fork-server workers, each program once.

Identical jobs (same mode, program, tests and cases — for the samples of one task, the same
truncated code) run once and share their verdict.  A worker that dies or stops answering is
replaced; the job it held gets an ``error`` verdict rather than hanging the run.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from tqdm import tqdm

from .job import Job, Verdict

# The server enforces each job's limits itself; this outer deadline only catches a server
# that hangs, so it is generous.
_SERVER_SLACK_S = 30.0


class Worker:
    """One fork server process and the pipe to it."""

    def __init__(self, uid_base: int, isolate_network: bool):
        env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
        command = [sys.executable, "-m", "budget_realloc.execution.forkserver", "--uid-base", str(uid_base)]
        if not isolate_network:
            command.append("--no-network-isolation")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.isolation = self._read_line(120.0)
        if self.isolation is None:
            raise RuntimeError("execution worker failed to start")

    def _read_line(self, timeout: float):
        stream = self.process.stdout
        ready, _, _ = select.select([stream], [], [], timeout)
        if not ready:
            return None
        line = stream.readline()
        return json.loads(line) if line else None

    def run(self, job: Job) -> Verdict | None:
        """The verdict, or None if the server died or hung (the caller replaces it)."""
        try:
            self.process.stdin.write(json.dumps(job.to_message()).encode() + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return None
        cases = max(1, len(job.cases))
        reply = self._read_line(job.limits.timeout_s * cases + _SERVER_SLACK_S)
        return Verdict(**reply) if reply else None

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


class Executor:
    """A pool of ``workers`` fork servers; use as a context manager."""

    def __init__(self, workers: int = 1, uid_base: int = 61000, isolate_network: bool = True):
        self.uid_base = uid_base
        self.isolate_network = isolate_network
        self.workers = max(1, workers)
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._all = [Worker(uid_base, isolate_network) for _ in range(self.workers)]
        for worker in self._all:
            self._idle.put(worker)
        self.isolation = self._all[0].isolation

    def run_one(self, job: Job) -> Verdict:
        worker = self._idle.get()
        verdict = worker.run(job)
        if verdict is None:
            worker.process.kill()
            worker.process.wait()
            self._all.remove(worker)
            worker = Worker(self.uid_base, self.isolate_network)
            self._all.append(worker)
            verdict = Verdict("error", "SandboxLost", "the execution worker died or hung")
        self._idle.put(worker)
        return verdict

    def run(self, jobs: list[Job], desc: str = "execute") -> list[Verdict]:
        """Verdicts in the order of ``jobs``; each distinct job runs once."""
        unique: dict[str, int] = {}
        keys = [unique.setdefault(json.dumps(job.to_message(), sort_keys=True), len(unique))
                for job in jobs]
        distinct: list[Job] = [None] * len(unique)
        for job, index in zip(jobs, keys):
            distinct[index] = job
        with ThreadPoolExecutor(self.workers) as pool, \
                tqdm(total=len(distinct), desc=desc, unit="program", mininterval=5) as bar:
            def run(job):
                verdict = self.run_one(job)
                bar.update()
                return verdict

            verdicts = list(pool.map(run, distinct))
        return [verdicts[i] for i in keys]

    def close(self) -> None:
        for worker in self._all:
            worker.close()
        self._all.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
