"""Run many programs in parallel through warm fork-server workers, each program once.

Identical jobs (same mode, program, tests and cases — for the samples of one task, the same
truncated code) run once and share their verdict.  A worker that dies or stops answering is
replaced; the job it held gets an ``error`` verdict rather than hanging the run.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tqdm import tqdm

from .job import HEAVY_MODULES, Job, heavy_library
from .supervisor import WALL_SLACK_S
from .verdict import Verdict

# The server enforces each job's limits itself; this outer deadline only catches a server
# that hangs, so it is generous.
_SERVER_SLACK_S = 30.0
# Jobs a worker is sent ahead of the verdict it is working on: one is enough for it never to
# wait for the coordinator.  Only a message that fits a pipe's buffer (64 KiB) with room to
# spare follows another, so sending it never blocks.
_AHEAD = 2
_SMALL_MESSAGE = 32 << 10


def _lost() -> Verdict:
    return Verdict("error", "SandboxLost", "the execution worker died or hung")


class Worker:
    """One fork server process and the pipes to it.

    Jobs may be sent ahead (:meth:`send`, then :meth:`receive` in the same order): the server
    then finds its next job waiting when it finishes one, instead of idling while the
    coordinator reads the verdict and writes the next job.
    """

    def __init__(self, uid_base: int, isolate_network: bool):
        env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
        command = [sys.executable, "-m", "budget_realloc.execution.forkserver", "--uid-base", str(uid_base)]
        if not isolate_network:
            command.append("--no-network-isolation")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._replies = self.process.stdout.fileno()
        self._pending = bytearray()     # what was read of the server's replies past the last full line
        hello = self._read_line(120.0)
        if hello is None:
            raise RuntimeError("execution worker failed to start")
        self.isolation = json.loads(hello)

    def _read_line(self, timeout: float) -> bytes | None:
        """The next reply line, or None at end of file or after ``timeout`` seconds without it.
        Read from the descriptor itself: a buffered reader could hold a second line that select
        no longer sees."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._replies], [], [], remaining)[0]:
                return None
            data = os.read(self._replies, 1 << 16)
            if not data:
                return None
            self._pending += data
        end = self._pending.index(b"\n") + 1
        line = bytes(self._pending[:end])
        del self._pending[:end]
        return line

    def send(self, message: bytes) -> bool:
        """Queue a job; False if the server is gone (its verdict then reads as lost)."""
        try:
            self.process.stdin.write(message)
            self.process.stdin.flush()
            return True
        except BrokenPipeError:
            return False

    def receive(self, job: Job) -> Verdict | None:
        """The verdict of the oldest job sent and not yet received, or None if the server died
        or hung (the caller replaces it)."""
        cases = max(1, len(job.cases))
        reply = self._read_line((job.limits.timeout_s + WALL_SLACK_S) * cases + _SERVER_SLACK_S)
        return Verdict.from_line(reply) if reply else None

    def run(self, job: Job, message: bytes) -> Verdict | None:
        """The verdict of ``job`` (sent as ``message``) with nothing else in flight."""
        return self.receive(job) if self.send(message) else None

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


class _Lanes:
    """Which distinct job each thread runs next.

    Light jobs are shared by all threads.  Heavy ones (``job.preload``) form one lane that one
    thread at a time owns, so one heavy worker serves them all (each heavy worker loads what it
    serves, seconds of imports) and grows its libraries in ``HEAVY_MODULES`` order: a program
    forks from a worker holding only the libraries it or the programs before it needed.
    """

    def __init__(self, distinct: list[tuple[Job, bytes]]):
        heavy = [i for i, (job, _) in enumerate(distinct) if job.preload]
        heavy.sort(key=lambda i: _heaviness(distinct[i][0].preload))
        self._queues = {"light": collections.deque(i for i, (job, _) in enumerate(distinct) if not job.preload),
                        "heavy": collections.deque(heavy)}
        self._lock = threading.Lock()
        self._heavy_owner = None

    def take(self, kind: str) -> int | None:
        """The next job of ``kind`` for the calling thread, or None (heavy: none left, or another
        thread owns the lane)."""
        with self._lock:
            if kind == "heavy":
                me = threading.get_ident()
                if self._heavy_owner not in (None, me):
                    return None
                self._heavy_owner = me
            jobs = self._queues[kind]
            return jobs.popleft() if jobs else None


def _heaviness(modules: tuple[str, ...]) -> tuple[int, int, tuple[str, ...]]:
    """Sort key of a heavy job: the heaviest library it needs (``HEAVY_MODULES`` is ordered by
    what holding each costs a fork), then how many modules."""
    return max(HEAVY_MODULES.index(heavy_library(m)) for m in modules), len(modules), modules


class Executor:
    """Fork-server workers, at most ``workers`` programs at a time; use as a context manager.

    Programs that import allow-listed heavy libraries (``job.HEAVY_MODULES``) go to a worker of
    their own, which loads those libraries before forking; the others go to light workers,
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
            return _lost()
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
        verdicts: list[Verdict | None] = [None] * len(distinct)
        lanes = _Lanes(distinct)
        with ThreadPoolExecutor(self.workers) as pool, \
                tqdm(total=len(distinct), desc=desc, unit="program", mininterval=5) as bar:
            def thread():
                for kind in ("heavy", "light"):
                    self._stream(kind, lambda: lanes.take(kind), distinct, verdicts, bar)

            for future in [pool.submit(thread) for _ in range(self.workers)]:
                future.result()
        return [verdicts[i] for i in keys]

    def _stream(self, kind: str, take, distinct, verdicts, bar) -> None:
        """Run the jobs ``take()`` gives on one worker of ``kind``, each sent ahead of the
        verdict before it.  A message that could fill the pipe is sent only when nothing is in
        flight, so neither side can block the other.  A worker that dies or hangs is replaced:
        the job it held gets an ``error`` verdict, the jobs sent after it go to its replacement."""
        pool, sent, worker, waiting = self._pools[kind], collections.deque(), None, None
        while True:
            while len(sent) < _AHEAD:
                index, waiting = (take() if waiting is None else waiting), None
                if index is None:
                    break
                if sent and len(distinct[index][1]) > _SMALL_MESSAGE:
                    waiting = index
                    break
                worker = worker or pool.get()
                worker.send(distinct[index][1])
                sent.append(index)
            if not sent:
                break
            index = sent.popleft()
            verdict = worker.receive(distinct[index][0])
            if verdict is None:
                pool.replace(worker)
                verdict, worker = _lost(), pool.get()
                for later in sent:
                    worker.send(distinct[later][1])
            verdicts[index] = verdict
            bar.update()
        if worker is not None:
            pool.put(worker)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
