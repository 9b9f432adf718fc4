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
import threading
from concurrent.futures import ThreadPoolExecutor

from tqdm import tqdm

from .job import Job
from .supervisor import WALL_SLACK_S
from .verdict import Verdict

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
        hello = self._read_line(120.0)
        if hello is None:
            raise RuntimeError("execution worker failed to start")
        self.isolation = json.loads(hello)

    def _read_line(self, timeout: float) -> bytes | None:
        stream = self.process.stdout
        ready, _, _ = select.select([stream], [], [], timeout)
        if not ready:
            return None
        return stream.readline() or None

    def run(self, job: Job, message: bytes) -> Verdict | None:
        """The verdict of ``job`` (sent as ``message``), or None if the server died or hung (the
        caller replaces it)."""
        try:
            self.process.stdin.write(message)
            self.process.stdin.flush()
        except BrokenPipeError:
            return None
        cases = max(1, len(job.cases))
        reply = self._read_line((job.limits.timeout_s + WALL_SLACK_S) * cases + _SERVER_SLACK_S)
        return Verdict.from_line(reply) if reply else None

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()


class _Pool:
    """Idle workers of one kind; new ones are started when none is idle."""

    def __init__(self, start):
        self._start = start
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self.all: list[Worker] = []

    def get(self) -> Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            worker = self._start()
            with self._lock:
                self.all.append(worker)
            return worker

    def put(self, worker: Worker) -> None:
        self._idle.put(worker)

    def replace(self, worker: Worker) -> None:
        """Drop a dead or hung worker (its replacement starts when next needed)."""
        worker.process.kill()
        worker.process.wait()
        with self._lock:
            self.all.remove(worker)

    def close(self) -> None:
        for worker in self.all:
            worker.close()
        self.all.clear()


class Executor:
    """Fork-server workers, at most ``workers`` programs at a time; use as a context manager.

    Programs that import allow-listed heavy libraries (``job.HEAVY_MODULES``) go to workers of
    their own, which load those libraries before forking; the others go to light workers,
    whose forks stay cheap because they hold little.
    """

    def __init__(self, workers: int = 1, uid_base: int = 61000, isolate_network: bool = True):
        self.workers = max(1, workers)
        start = lambda: Worker(uid_base, isolate_network)  # noqa: E731
        self._pools = {"light": _Pool(start), "heavy": _Pool(start)}
        first = self._pools["light"].get()
        self.isolation = first.isolation
        self._pools["light"].put(first)

    def run_one(self, job: Job, message: bytes | None = None) -> Verdict:
        pool = self._pools["heavy" if job.preload else "light"]
        worker = pool.get()
        verdict = worker.run(job, message or job.to_message())
        if verdict is None:
            pool.replace(worker)
            return Verdict("error", "SandboxLost", "the execution worker died or hung")
        pool.put(worker)
        return verdict

    def run(self, jobs: list[Job], desc: str = "execute") -> list[Verdict]:
        """Verdicts in the order of ``jobs``; each distinct job runs once."""
        unique: dict[bytes, int] = {}
        distinct: list[tuple[Job, bytes]] = []
        keys = []
        for job in jobs:
            message = job.to_message()
            index = unique.setdefault(message, len(unique))
            if index == len(distinct):
                distinct.append((job, message))
            keys.append(index)
        with ThreadPoolExecutor(self.workers) as pool, \
                tqdm(total=len(distinct), desc=desc, unit="program", mininterval=5) as bar:
            def run(item):
                verdict = self.run_one(*item)
                bar.update()
                return verdict

            verdicts = list(pool.map(run, distinct))
        return [verdicts[i] for i in keys]

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
